"""Request bodies: JSON parsing and strict pydantic models, with errors that name the field."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

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


def json_body() -> Any:
    """The request's JSON, or a 415/400 naming what is wrong with it."""
    if not request.is_json:
        raise ApiError(
            415,
            "Expected a JSON body (Content-Type: application/json).",
            [detail(["header", "Content-Type"], f"got {request.mimetype or 'nothing'!r}")],
        )
    raw = request.get_data(cache=False)
    # orjson is several times faster, but it reads integers beyond 64 bits as floats: a long
    # digit run, or anything orjson refuses, goes to the standard parser, which decides (it
    # accepts NaN, other UTF encodings...) and words the error as clients have always seen it
    if _LONG_NUMBER not in raw.translate(_ZEROS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw)
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
