"""The reading side of the payloads: any stored row's data, even one kept before the API
checked it, made into the shape the readers assume."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dicts(value: object) -> list:
    return [v for v in _list(value) if isinstance(v, dict)]


def _texts(value: object) -> list | None:
    # None (absent) when not a list: a reader may then work it out from the rest
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _photos(value: object) -> list:
    return [p for p in _list(value) if isinstance(p, str) and len(p) == 64]


def _note(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    return value if type(value) is int else None


def _number(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _scalar(value: object) -> object:
    # what a template may print or compare: never a container
    return value if isinstance(value, str | int | float | bool) or value is None else None


# what each reader assumes of a stored key; a value of another type reads as absent
_READ: dict[str, dict[str, Callable[[object], object]]] = {
    "checklist_run": {
        "items": _dict,
        "out_of_range": _texts,
        "failed": _texts,
        "shift": _text,
        "started_at": _text,
        "finished_at": _text,
    },
    "patrol_round": {
        "scans": _dicts,
        "missed": _texts,
        "second_person": _text,
        "started_at": _text,
        "finished_at": _text,
        "shift": _text,
        "people_present": _int,
    },
    "exception": {
        "photos": _photos,
        "category": _text,
        "note": _note,
        "item": _text,
        "emergency": _text,
        "started_at": _text,
    },
    "incident": {
        "photos": _photos,
        "severity": _scalar,
        "note": _note,
        "item": _text,
        "actions": _dicts,
        "calls": _dicts,
        "fields": _dict,
        "started_at": _text,
        "ended_at": _text,
    },
    "drill": {
        "scenario": _note,
        "severity": _scalar,
        "participants": _texts,
        "actions": _dicts,
        "calls": _dicts,
        "fields": _dict,
        "went_well": _note,
        "to_improve": _note,
        "follow_ups": _texts,
        "started_at": _text,
        "ended_at": _text,
    },
    "handover": {
        "items": _dicts,
        "closed": _texts,
        "note": _note,
        "shift": _text,
        "previous": _text,
    },
    "handover_ack": {"handover": _text, "disputed": _texts, "note": _note},
    "ack": {},
    "quiz": {"answers": _dict, "score": _number, "passed": _bool},
}


def stored(kind: str, data: Any) -> dict:
    """A stored record's data in the shape the dashboard reads: keys it reads hold the type it
    expects or None (absent keys stay absent); other keys are kept as they are."""
    if isinstance(data, str):  # JSON text read past the column type (a raw query)
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    # a string, list or number stored as data is no data at all
    if not isinstance(data, dict):
        return {}
    readers = _READ.get(kind, {})
    out = dict(data)
    for key, read in readers.items():
        if key in out:
            value = read(out[key])
            if value is None:
                del out[key]
            else:
                out[key] = value
    return out
