"""A stored record as the API gives it: its JSON, its CSV row for an admin's export, and the
photos its `data` names, as links to `/api/v1/blobs/<sha256>`."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

SHA256 = re.compile(r"[0-9a-f]{64}")
CSV_HEADER = [
    "id",
    "type",
    "def_id",
    "def_version",
    "site",
    "user",
    "device_id",
    "seq",
    "recorded_at",
    "received_at",
    "flags",
    "photos",
    "data",
]


def _utc(moment: Any) -> str:
    return moment.isoformat() + "Z"


def record_json(row: Any) -> dict:
    """A stored record (a row with its author's username) as the API answers it."""
    return {
        "id": row.id,
        "type": row.type,
        "def_id": row.def_id,
        "def_version": row.def_version,
        "site": row.site,
        "device_id": row.device_id,
        "seq": row.seq,
        "recorded_at": _utc(row.recorded_at),
        "received_at": _utc(row.received_at),
        "user": row.username,
        "data": row.data if not isinstance(row.data, str) else json.loads(row.data),
        "flags": row.flags.split(",") if row.flags else [],
    }


def photos_of(data: object) -> list[str]:
    """The photos a record's `data` names, in order, once each.

    A photo is a sha256 in a list: an exception's or a ticket event's `photos`, a photo item's
    `value`. Which item is a photo the definition says; a list of 64 hex digits is one anyway.
    """
    found: dict[str, None] = {}
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str) and SHA256.fullmatch(item):
                    found[item] = None
                else:
                    stack.append(item)
    return list(found)


def blob_link(sha256: str) -> str:
    return f"/api/v1/blobs/{sha256}"


def export_json(row: Any) -> dict:
    """A record for the export: as the API answers it, with links to its photos."""
    body = record_json(row)
    body["photos"] = [blob_link(sha) for sha in photos_of(body["data"])]
    return body


def json_line(body: dict) -> bytes:
    """One record of the JSON-lines export, with its newline. orjson, but for a record stored
    before the API refused numbers it cannot encode (an integer beyond 64 bits, written by an
    older server or another tool, or a lone surrogate): that one line is written by the
    standard library, which keeps the number whole and escapes the surrogate, instead of the
    export breaking half way."""
    try:
        return orjson.dumps(body) + b"\n"
    except orjson.JSONEncodeError:
        return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def csv_cell(value: object) -> str:
    """A value as a spreadsheet cell that stays text: a cell starting with = + - @ is a formula
    to a spreadsheet, and user text must not become one."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text_value = str(value)
    if text_value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text_value):
        return "'" + text_value
    return text_value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def csv_row(body: dict) -> list[str]:
    """An `export_json` record as a CSV row (CSV_HEADER): `data` as JSON, photos one a line."""
    cells = [body[name] for name in CSV_HEADER[:10]]
    cells += [",".join(body["flags"]), "\n".join(body["photos"])]
    cells.append(json.dumps(body["data"], ensure_ascii=False, separators=(",", ":")))
    return [csv_cell(value) for value in cells]
