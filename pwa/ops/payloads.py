"""A record's `data`, per record type: the one contract the app writes, the API checks and the
dashboard reads.

The models are the shapes the app builds (`pwa/static/app/checklist.js`, `patrol.js`,
`report.js`, `emergency.js`, `learn.js`): strict (JSON has no
coercion to undo), unknown keys refused. `against_definition` then checks a record against the
document version it names: the items, checkpoints, actions, fields and questions it refers to
exist there, and each checklist value fits its item's kind. `stored` is the reading side: any
row's data, even one kept before this check existed, made into the shape the readers assume.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from generator.models import ItemType

MAX_PHOTOS = 3  # the app's photo picker takes at most three per item or exception
SHA256 = r"^[0-9a-f]{64}$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CATEGORIES = ("damage", "safety", "hygiene", "water", "person", "other")  # i18n.js categories


def _moment(text: str) -> str:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not an ISO 8601 time like 2026-05-01T08:00:00+08:00") from None
    if when.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-05-01T08:00:00+08:00")
    if not 1970 <= when.year <= 2999:
        # a time the readers can move to any zone without leaving what a datetime holds
        raise ValueError("is not a time in the years 1970 to 2999")
    return text


Time = Annotated[
    str,
    StringConstraints(max_length=40),
    AfterValidator(_moment),
    Field(json_schema_extra={"format": "date-time"}),
]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Sha = Annotated[str, StringConstraints(pattern=SHA256)]
Photos = Annotated[list[Sha], Field(max_length=MAX_PHOTOS)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ItemResult(Payload):
    # check: bool; number: a number; text and single choice: text; multiple choice: the
    # options chosen; photo: the photos' sha256 — which one, the definition decides
    value: bool | Number | str | list[str]
    out_of_range: bool = False


class ChecklistRunData(Payload):
    started_at: Time
    finished_at: Time
    shift: Id | None
    items: dict[Id, ItemResult]
    out_of_range: list[Id]
    failed: list[Id]


class Scan(Payload):
    code: str  # any QR code a guard scans is kept, flagged "unknown"
    at: Time
    checkpoint: Id | None  # its checkpoint's code now, whichever of the place's codes `code` is
    flag: Literal["unknown", "repeat", "wrong_order"] | None
    expected: Id | None = None


class PatrolRoundData(Payload):
    started_at: Time
    finished_at: Time
    elapsed_s: Annotated[int, Field(ge=0)]
    order: Literal["strict", "free"]
    people: Annotated[int, Field(ge=1, le=10)]
    second_person: str | None
    scans: list[Scan]
    missed: list[Id]
    complete: bool
    shift: Id | None


class ExceptionData(Payload):
    category: Literal[CATEGORIES]
    note: str
    photos: Photos
    item: Id | None
    emergency: Id | None
    started_at: Time


class Action(Payload):
    index: Annotated[int, Field(ge=0)]
    text: str
    done_at: Time | None
    done_by: Id | None


class Call(Payload):
    contact: Id
    at: Time
    by: Id


class IncidentData(Payload):
    started_at: Time
    ended_at: Time
    severity: str | None
    actions: list[Action]
    calls: list[Call]
    fields: dict[Id, str]


class AckData(Payload):
    major: Annotated[int, Field(ge=0)]
    acknowledged_at: Time


class QuizData(Payload):
    answers: dict[Id, list[Annotated[int, Field(ge=1)]]]
    score: Annotated[int, Field(ge=0, le=100)]
    passed: bool
    pass_mark: Annotated[int, Field(ge=0, le=100)]


class TicketEventData(Payload):
    """What an assignee's phone adds to a ticket's log (pwa/static/app/tickets.js); every key
    is sent, empty when it says nothing."""

    ticket: Annotated[str, StringConstraints(pattern=UUID)]
    kind: Literal["accepted", "arrived", "note", "finished"]
    # the `seen` of the copy of the ticket the phone acted on (GET /api/v1/tickets): the event
    # happened after it, whatever the phone's own clock says
    seen: Time
    text: Annotated[str, StringConstraints(max_length=2000)]
    # parts used, as the engineer writes them (角阀 ×1，生料带)
    parts: Annotated[str, StringConstraints(max_length=500)]
    photos: Photos


MODELS: dict[str, type[Payload]] = {
    "checklist_run": ChecklistRunData,
    "patrol_round": PatrolRoundData,
    "exception": ExceptionData,
    "incident": IncidentData,
    "ack": AckData,
    "quiz": QuizData,
    "ticket_event": TicketEventData,
}


# --- against the definition -------------------------------------------------------------------


class Mismatch(ValueError):
    """The data names something the definition does not have, or a value its item cannot hold."""

    def __init__(self, loc: tuple, msg: str) -> None:
        super().__init__(msg)
        self.loc, self.msg = loc, msg


def _value_fits(item: dict, value: object) -> str | None:
    """Why `value` cannot be the answer to `item`, or None if it can."""
    kind: ItemType = item.get("type") or "check"
    if kind == "check":
        return None if isinstance(value, bool) else "a check item's value is true or false"
    if kind == "number":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else "a number item's value is a number"
    if kind == "text":
        return None if isinstance(value, str) else "a text item's value is text"
    if kind == "photo":
        good = isinstance(value, list) and len(value) <= MAX_PHOTOS
        good = good and all(isinstance(v, str) and len(v) == 64 for v in value)
        return None if good else f"a photo item's value is up to {MAX_PHOTOS} photo sha256s"
    options = item.get("options") or []
    chosen = value if item.get("multiple") else [value]
    if item.get("multiple") and not isinstance(value, list):
        return "a multiple-choice item's value is a list of options"
    if not all(isinstance(c, str) for c in chosen):
        return "a choice item's value is one of its options"
    wrong = [c for c in chosen if c not in options]
    return f"{wrong[0]!r} is not one of the options" if wrong else None


def _known(ids: list, known: set, what: str, loc: tuple) -> None:
    for i, name in enumerate(ids):
        if name not in known:
            raise Mismatch((*loc, i), f"no {what} {name!r} in this version")


def _checklist(doc: dict, data: ChecklistRunData, bundle: dict) -> None:
    items = {item["id"]: item for item in doc.get("items") or []}
    for item_id, result in data.items.items():
        item = items.get(item_id)
        if item is None:
            raise Mismatch(("items", item_id), f"no item {item_id!r} in this version")
        why = _value_fits(item, result.value)
        if why:
            raise Mismatch(("items", item_id, "value"), why)
    _known(data.out_of_range, set(items), "item", ("out_of_range",))
    _known(data.failed, set(items), "item", ("failed",))


def _patrol(doc: dict, data: PatrolRoundData, bundle: dict) -> None:
    checkpoints = {c["code"] for c in doc.get("checkpoints") or []}
    for i, scan in enumerate(data.scans):
        if scan.checkpoint is not None and scan.checkpoint not in checkpoints:
            raise Mismatch(("scans", i, "checkpoint"), f"no checkpoint {scan.checkpoint!r}")
        if scan.expected is not None and scan.expected not in checkpoints:
            raise Mismatch(("scans", i, "expected"), f"no checkpoint {scan.expected!r}")
    _known(data.missed, checkpoints, "checkpoint", ("missed",))


def _exception(doc: dict, data: ExceptionData, bundle: dict) -> None:
    parts = {p.get("id") or p["code"] for p in (doc.get("items") or doc.get("checkpoints") or [])}
    if data.item is not None and data.item not in parts:
        raise Mismatch(("item",), f"no item or checkpoint {data.item!r} in this version")
    if data.emergency is not None:
        entry = bundle["documents"].get(data.emergency)
        if entry is None or entry["kind"] != "emergency":
            raise Mismatch(("emergency",), f"no emergency plan {data.emergency!r}")


def _incident(doc: dict, data: IncidentData, bundle: dict) -> None:
    actions = doc.get("first_actions") or []
    for i, action in enumerate(data.actions):
        if action.index >= len(actions):
            raise Mismatch(("actions", i, "index"), f"the plan has {len(actions)} first actions")
    levels = {s["level"] for s in doc.get("severity") or []}
    if data.severity is not None and data.severity not in levels:
        raise Mismatch(("severity",), f"{data.severity!r} is not a severity of this plan")
    fields = {f["id"] for f in doc.get("record_fields") or []}
    for name in data.fields:
        if name not in fields:
            raise Mismatch(("fields", name), f"no record field {name!r} in this version")


def _ack(doc: dict, data: AckData, bundle: dict, version: str) -> None:
    if str(data.major) != version.partition(".")[0]:
        raise Mismatch(("major",), f"is not the major version of {version}")


def _quiz(doc: dict, data: QuizData, bundle: dict) -> None:
    questions = {q["id"]: q for q in doc.get("quiz") or []}
    for qid, chosen in data.answers.items():
        question = questions.get(qid)
        if question is None:
            raise Mismatch(("answers", qid), f"no question {qid!r} in this version")
        count = len(question.get("options") or [])
        for i, n in enumerate(chosen):
            if n > count:
                raise Mismatch(("answers", qid, i), f"the question has {count} options")


_AGAINST: dict[str, Callable[..., None]] = {
    "checklist_run": _checklist,
    "patrol_round": _patrol,
    "exception": _exception,
    "incident": _incident,
    "quiz": _quiz,
    # the ticket, not the desk document, is what the event is judged against (pwa.api.tickets)
    "ticket_event": lambda doc, payload, bundle: None,
}


def against_definition(kind: str, payload: Payload, doc: dict, bundle: dict, version: str) -> None:
    """Raise Mismatch if the data names what the document (at `version`) does not have."""
    if kind == "ack":
        _ack(doc, payload, bundle, version)  # type: ignore[arg-type]
    else:
        _AGAINST[kind](doc, payload, bundle)


# --- reading what is stored ---------------------------------------------------------------------


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
