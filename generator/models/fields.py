"""The typed values every model is made of: ids, slugs, times of day, versions, aliases,
time zones, each with an error that says what was expected; and `Strict`, the base class."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError


def pattern(regex: str, kind: str, example: str):
    compiled = re.compile(regex)

    def check(value: object) -> object:
        if isinstance(value, str) and compiled.match(value):
            return value
        raise PydanticCustomError(
            kind,
            "{value} is not a valid {what}; expected something like {example}",
            {"value": repr(value), "what": kind.replace("_", " "), "example": example},
        )

    return BeforeValidator(check), Field(json_schema_extra={"pattern": regex})


DOC_ID_RE = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"
SLUG_RE = r"^[a-z][a-z0-9_-]*$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
VERSION_RE = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{1,63}$"
REF_RE = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+(#[a-z0-9][a-z0-9_-]*)?$"
PROPERTY_CODE_RE = r"^[A-Z]{2,4}$"

DocId = Annotated[str, *pattern(DOC_ID_RE, "document_id", '"SEC-PATROL-NIGHT"')]
Slug = Annotated[str, *pattern(SLUG_RE, "identifier", '"guard" or "fire-exit-b1"')]
Clock = Annotated[str, *pattern(TIME_RE, "time_of_day", '"08:00" (24-hour, quoted)')]
Code = Annotated[str, *pattern(CODE_RE, "checkpoint_code", '"LY-CP-01"')]
DocRef = Annotated[str, *pattern(REF_RE, "document_reference", '"SEC-GATE" or "SEC-GATE#3"')]
PropertyCode = Annotated[
    str, *pattern(PROPERTY_CODE_RE, "property_code", '"LY" (2 to 4 capital letters A–Z)')
]
Text = Annotated[str, Field(min_length=1)]


def _check_alias(value: object) -> object:
    # one search word: a single character would match half the handbook, a space would be
    # split into two words by the search box
    if isinstance(value, str | int) and not isinstance(value, bool):
        word = str(value)
        if len(word) >= 2 and len(word) <= 24 and not any(ch.isspace() for ch in word):
            return word
    raise PydanticCustomError(
        "alias",
        "{value} is not a search alias; expected one word of 2 to 24 characters without "
        'spaces, e.g. "电梯关人"',
        {"value": repr(value)},
    )


Alias = Annotated[str, BeforeValidator(_check_alias)]


def _check_zone(value: object) -> object:
    try:
        if isinstance(value, str) and "/" in value:
            ZoneInfo(value)
            return value
    except (ValueError, ZoneInfoNotFoundError):
        pass
    raise PydanticCustomError(
        "time_zone",
        '{value} is not a time zone; expected an IANA name such as "Asia/Shanghai"',
        {"value": repr(value)},
    )


TimeZone = Annotated[str, BeforeValidator(_check_zone)]


def _check_version(value: object) -> object:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "version_unquoted",
            'write the version in quotes, e.g. version: "{value}"; unquoted YAML reads it as a '
            "number",
            {"value": value},
        )
    if isinstance(value, str) and re.match(VERSION_RE, value):
        return value
    raise PydanticCustomError(
        "version",
        '{value} is not a version; expected "MAJOR.MINOR", e.g. "1.0"',
        {"value": repr(value)},
    )


Version = Annotated[
    str, BeforeValidator(_check_version), Field(json_schema_extra={"pattern": VERSION_RE})
]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors and nothing is coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)
