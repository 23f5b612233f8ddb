"""Request bodies: JSON parsing and strict pydantic models, with errors that name the field;
the record contract (`RecordIn`, which document kinds each record type points at, the fast
path `plainly_valid`)."""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import orjson
from flask import request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from pwa.errors import ApiError, Detail, detail

M = TypeVar("M", bound=BaseModel)

# 19 digits can already leave the signed 64-bit range, which orjson turns into a float; the
# run is looked for with every digit made a 0 (a regex over the body costs more than orjson)
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19

Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
DeviceId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SessionIn(Body):
    username: Name
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    device_id: DeviceId


class RecordsIn(Body):
    records: list[Any] = Field(min_length=1)


# --- the record ---------------------------------------------------------------------------------
# one model; the OpenAPI `Record` is generated from it (pwa/api/openapi.py) and the sync API's fast
# path below is tested to agree with it

# which document kinds a record of each type may point at
TYPE_KINDS: dict[str, tuple[str, ...]] = {
    "checklist_run": ("checklist",),
    "patrol_round": ("patrol",),
    "exception": ("checklist", "patrol", "procedure"),
    "incident": ("emergency",),
    "ack": ("procedure", "checklist", "patrol", "emergency", "course"),
    "quiz": ("course",),
    "ticket_event": ("desk",),
    "drill": ("emergency",),
    "handover": ("checklist",),
    "handover_ack": ("checklist",),
}
# record types whose checklist must be a handover checklist (`handover: true`)
HANDOVER_TYPES = ("handover", "handover_ack")
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SEQ_MAX = 2**31 - 1


class RecordIn(Body):
    id: Annotated[str, StringConstraints(pattern=UUID)]
    type: Literal[
        "checklist_run",
        "patrol_round",
        "exception",
        "incident",
        "ack",
        "quiz",
        "ticket_event",
        "drill",
        "handover",
        "handover_ack",
    ]
    def_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    def_version: Annotated[str, StringConstraints(pattern=r"^\d{1,4}\.\d{1,4}$")]
    site: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    device_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    seq: Annotated[int, Field(ge=0, le=SEQ_MAX)]
    recorded_at: Annotated[str, StringConstraints(max_length=40)]
    data: dict[str, Any]


FIELDS = tuple(RecordIn.model_fields)
_FIELD_SET = frozenset(FIELDS)
_fields = operator.itemgetter(*FIELDS)
# fullmatch, ASCII digits: never looser than the model's patterns (Rust regex, Unicode \d)
_UUID = re.compile(UUID[1:-1])
_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")


def plainly_valid(raw: dict) -> bool:
    """Whether RecordIn accepts `raw`, decided without building a model.

    Never True where the model would refuse; it may refuse what the model accepts (say,
    non-ASCII digits), and such a record is then judged by the model itself.
    """
    if raw.keys() != _FIELD_SET:
        return False
    rid, kind, def_id, version, site, device, seq, at, data = _fields(raw)
    return (
        type(rid) is str
        and _UUID.fullmatch(rid) is not None
        and type(kind) is str
        and kind in TYPE_KINDS
        and type(def_id) is str
        and 0 < len(def_id) <= 64
        and type(version) is str
        and _VERSION.fullmatch(version) is not None
        and type(site) is str
        and 0 < len(site) <= 64
        and type(device) is str
        and 0 < len(device) <= 64
        and type(seq) is int
        and 0 <= seq <= SEQ_MAX
        and type(at) is str
        and len(at) <= 40
        and type(data) is dict
    )


def too_deep(value: Any, limit: int) -> bool:
    """Whether `value` has containers nested more than `limit` levels, found without recursion."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def message(error: dict) -> str:
    """pydantic's wording, made specific where it is vague."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "field required"
    return error["msg"]


def details_of(exc: ValidationError, prefix: tuple = ()) -> list[Detail]:
    return [detail((*prefix, *err["loc"]), message(err)) for err in exc.errors(include_url=False)]


class _NotJson(ValueError):
    """A number the standard parser would accept that JSON (RFC 8259) has no value for."""


def _constant(text: str) -> Any:
    raise _NotJson(f"{text} is not JSON; send a number or null")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotJson(f"{text} is too large for a JSON number (it overflows to infinity)")
    return value


def read_body(limit: int | None, what: str = "The body") -> bytes:
    """The request body, or a 413 if it is over `limit` bytes, whether it declared its length
    (Content-Length) or was sent chunked without one."""
    length = request.content_length
    if limit is None:
        return request.get_data(cache=False)
    if length is not None and length > limit:
        raise ApiError(413, f"{what} is {length} bytes; at most {limit}.")
    # werkzeug stops a chunked body at max_content_length without saying it was cut short:
    # one byte past the limit tells a body over it from one exactly at it
    request.max_content_length = limit + 1
    stream, parts, size = request.stream, [], 0
    while size <= limit:
        part = stream.read(min(1 << 16, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        raise ApiError(413, f"{what} is more than {limit} bytes; at most {limit}.")
    return b"".join(parts)


def json_body(limit: int | None = None) -> Any:
    """The request's JSON, or a 415/413/400 naming what is wrong with it."""
    return parse_json(json_bytes(limit))


def json_bytes(limit: int | None = None) -> bytes:
    """The request's body, declared JSON, or a 415/413 naming what is wrong with it."""
    if not request.is_json:
        raise ApiError(
            415,
            "Expected a JSON body (Content-Type: application/json).",
            [detail(["header", "Content-Type"], f"got {request.mimetype or 'nothing'!r}")],
        )
    return read_body(limit)


def parse_json(raw: bytes) -> Any:
    """`raw` parsed, or a 400 naming where it is not JSON."""
    # orjson is several times faster, but it reads integers beyond 64 bits as floats: a long
    # digit run, or anything orjson refuses, goes to the standard parser, which decides (it
    # accepts NaN, other UTF encodings...) and words the error as clients have always seen it
    if _LONG_NUMBER not in raw.translate(_ZEROS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        # NaN, Infinity and 1e400 are not JSON: stored, they would come back as null
        return json.loads(raw, parse_constant=_constant, parse_float=_finite)
    except _NotJson as exc:
        raise ApiError(400, "The body is not valid JSON.", [detail(["body"], str(exc))]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = getattr(exc, "lineno", None)
        msg = f"line {where} column {exc.colno}: {exc.msg}" if where else str(exc)
        raise ApiError(400, "The body is not valid JSON.", [detail(["body"], msg)]) from None
    except RecursionError:
        # a few kilobytes of "[[[[..." would otherwise end as a 500
        raise ApiError(
            400, "The body is not valid JSON.", [detail(["body"], "nested too deeply")]
        ) from None


def parse(model: type[M], data: Any) -> M:
    """Validate `data` against `model` or answer 422 with every problem located."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "The request body is not valid.", details_of(exc, ("body",))) from None


# --- text no database can store ---------------------------------------------------------------


def holds(value: Any, bad: Callable[[str], bool]) -> bool:
    """Whether any string in `value`, key or value at any depth, is `bad`."""
    if isinstance(value, str):
        return bad(value)
    if isinstance(value, dict):
        return any(holds(k, bad) or holds(v, bad) for k, v in value.items())
    if isinstance(value, list):
        return any(holds(v, bad) for v in value)
    return False


def has_nul(text: str) -> bool:
    return "\x00" in text


def has_surrogate(text: str) -> bool:
    # only the standard parser lets a lone surrogate in; it cannot be encoded as UTF-8
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def field_holding(raw: dict, bad: Callable[[str], bool]) -> str | None:
    return next((name for name in FIELDS if holds(raw[name], bad)), None)
