"""Schedules and durations as data: periods, the shorthand authors write, duration values.

How they are said in words is presentation and lives in generator.labels.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError


class Period(StrEnum):
    """The unit a schedule repeats in, shortest first."""

    shift = "shift"
    day = "day"
    week = "week"
    half_month = "half_month"
    month = "month"
    two_months = "two_months"
    quarter = "quarter"
    half_year = "half_year"
    year = "year"


# Shorthand words an author may write instead of "1/<period>".
SHORTHAND = {
    "daily": Period.day,
    "weekly": Period.week,
    "half-monthly": Period.half_month,
    "monthly": Period.month,
    "bimonthly": Period.two_months,
    "quarterly": Period.quarter,
    "half-yearly": Period.half_year,
    "yearly": Period.year,
}

_SHORT_RE = re.compile(r"^\s*(\d+)\s*/\s*([a-z_]+)\s*$")


def expand_shorthand(value: object) -> object:
    """Turn "2/day" or "weekly" into the mapping form; leave anything else to validation."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in SHORTHAND:
        return {"every": SHORTHAND[text].value, "times": 1}
    if text in Period.__members__:
        return {"every": text, "times": 1}
    match = _SHORT_RE.match(text)
    if match and match.group(2) in Period.__members__:
        return {"every": match.group(2), "times": int(match.group(1))}
    raise PydanticCustomError(
        "schedule_syntax",
        'cannot read schedule "{value}"; write "N/period" (e.g. "2/day") or one of: {words}',
        {"value": value, "words": ", ".join([*SHORTHAND, *Period.__members__])},
    )


DURATION_RE = re.compile(r"^(\d+)(m|h|d|wd)$")
_DURATION_MINUTES = {"m": 1, "h": 60, "d": 1440, "wd": 1440}


def _check_duration(value: object) -> object:
    if isinstance(value, str) and DURATION_RE.match(value):
        return value
    raise PydanticCustomError(
        "duration",
        'expected a duration such as "10m", "2h", "3d" or "2wd" (working days), got {value}',
        {"value": repr(value)},
    )


Duration = Annotated[
    str,
    BeforeValidator(_check_duration),
    Field(
        json_schema_extra={"pattern": DURATION_RE.pattern},
        description='"10m", "2h", "3d" or "2wd" (working days)',
    ),
]


def duration_parts(value: str) -> tuple[int, str]:
    """Split "15m" into (15, "m")."""
    match = DURATION_RE.match(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r}")
    return int(match.group(1)), match.group(2)


def duration_minutes(value: str) -> int:
    """Length in minutes; a working day counts as a calendar day (the calendar decides)."""
    amount, unit = duration_parts(value)
    return amount * _DURATION_MINUTES[unit]
