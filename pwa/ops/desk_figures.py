"""The service desk's month figures, from the stored tickets of a site's month (the rows of
`pwa.store.tickets.created_between`): how many by category and source, each clock within its
limit, the median and p90 of its times, and the reopen, call-back and satisfaction rates.

A month is the site's: it starts and ends at midnight in the site's zone. A clock is judged
once it has stopped for good (a paused close clock of a ticket waiting for the resident has
not); a cancelled ticket is counted as registered and judged on nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pwa.ops.desk import SOURCES
from pwa.ops.tickets import CLOCKS, OPEN

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# a ticket that reached the resident's judgement: it may be reopened from here
DONE = ("waiting", "confirmed", "closed")
PLEASED = ("satisfied", "fair")


def month_bounds(month: str, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The month's first and next month's first midnight in the zone, as naive UTC."""
    found = MONTH.match(month or "")
    if found is None:
        raise ValueError("month must look like 2026-06")
    year, number = int(found[1]), int(found[2])
    after = (year + 1, 1) if number == 12 else (year, number + 1)

    def midnight(y: int, m: int) -> dt.datetime:
        local = dt.datetime(y, m, 1, tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    return midnight(year, number), midnight(*after)


def this_month(now: dt.datetime, zone: ZoneInfo) -> str:
    return now.astimezone(zone).strftime("%Y-%m")


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: the smallest value at or above 90 % of the values (one that happened)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class ClockFigures:
    clock: str
    judged: int  # stopped for good
    within: int
    late: int  # stopped after the limit
    running_late: int  # still running, already past the limit
    median: float | None  # minutes the clock counted
    p90: float | None

    @property
    def percent(self) -> float | None:
        return _percent(self.within, self.judged)


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int
    target: float | None = None

    @property
    def percent(self) -> float | None:
        return _percent(self.part, self.whole)

    @property
    def met(self) -> bool | None:
        if self.target is None or self.percent is None:
            return None
        return self.percent >= self.target


@dataclass(frozen=True)
class MonthFigures:
    total: int
    cancelled: int
    by_category: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    clocks: list[ClockFigures]
    reopen: Rate
    callback: Rate
    satisfaction: Rate


def _judged(row, clock: str) -> bool | None:
    """Stopped in time (True), late (False), or not judged yet (None)."""
    stop, due = getattr(row, f"{clock}_stop"), getattr(row, f"{clock}_due")
    if stop is None or row.status == "cancelled":
        return None
    if clock == "close" and row.status in OPEN:
        return None  # paused while waiting for the resident: it runs again on a reopen
    return due is None or stop <= due


def _clock(rows: Sequence, clock: str, now: dt.datetime) -> ClockFigures:
    judged = [(r, met) for r in rows if (met := _judged(r, clock)) is not None]
    minutes = [getattr(r, f"{clock}_minutes") for r, _ in judged]
    minutes = [m for m in minutes if m is not None]
    running_late = sum(
        1
        for r in rows
        if r.status != "cancelled"
        and getattr(r, f"{clock}_stop") is None
        and getattr(r, f"{clock}_due") is not None
        and getattr(r, f"{clock}_due") < now
    )
    within = sum(1 for _, met in judged if met)
    return ClockFigures(
        clock,
        len(judged),
        within,
        len(judged) - within,
        running_late,
        median(minutes),
        p90(minutes),
    )


def _counts(values: Iterable[str], order: Sequence[str]) -> list[tuple[str, int]]:
    counted = Counter(values)
    known = [(name, counted.pop(name, 0)) for name in order]
    return known + sorted(counted.items())


def month(
    rows: Iterable,
    *,
    categories: Sequence[str],
    now: dt.datetime,
    callback_target: float | None,
    satisfaction_target: float | None,
) -> MonthFigures:
    """The figures of a month's tickets; `now` (aware, or naive UTC) judges running clocks."""
    rows = list(rows)
    moment = now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now
    live = [r for r in rows if r.status != "cancelled"]
    done = [r for r in live if r.status in DONE or r.reopened]
    closed = [r for r in live if r.status == "closed"]
    rated = [r for r in live if r.rating]
    return MonthFigures(
        total=len(rows),
        cancelled=len(rows) - len(live),
        by_category=_counts((r.category for r in rows), categories),
        by_source=_counts((r.source for r in rows), SOURCES),
        clocks=[_clock(rows, clock, moment) for clock in CLOCKS],
        reopen=Rate(sum(1 for r in done if r.reopened), len(done)),
        callback=Rate(sum(1 for r in closed if r.called_back), len(closed), callback_target),
        satisfaction=Rate(
            sum(1 for r in rated if r.rating in PLEASED), len(rated), satisfaction_target
        ),
    )
