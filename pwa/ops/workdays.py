"""A site's calendar and the clocks that run on it.

A clock runs over intervals (it may be paused and resumed) and has a limit: minutes, hours and
calendar days count every minute it runs; working days ("2wd") count only the minutes that fall
on the site's working days, in the site's zone. So a two-working-day clock started on a Friday
at 15:00 is due on Tuesday at 15:00, and one started on a Saturday is due on Wednesday at 00:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from generator.schedule import duration_parts

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "wd": 1440}
# a clock whose limit is never reached on this calendar (no working day for ten years) is open
_HORIZON_DAYS = 3660

Interval = tuple[dt.datetime, dt.datetime | None]


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    working_days: frozenset[int] = frozenset(range(5))
    holidays: frozenset[dt.date] = frozenset()
    make_up_days: frozenset[dt.date] = frozenset()

    @classmethod
    def from_site(cls, zone: str, calendar: dict | None) -> Calendar:
        """From the bundle's site document: its `timezone` and `calendar`."""
        calendar = calendar or {}
        days = calendar.get("working_days") or WEEKDAYS[:5]
        return cls(
            zone=ZoneInfo(zone),
            working_days=frozenset(WEEKDAYS.index(day) for day in days),
            holidays=frozenset(dt.date.fromisoformat(str(d)) for d in calendar.get("holidays", [])),
            make_up_days=frozenset(
                dt.date.fromisoformat(str(d)) for d in calendar.get("make_up_days", [])
            ),
        )

    def is_working(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.make_up_days:
            return True
        return day.weekday() in self.working_days

    def midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class Limit:
    minutes: int
    working: bool

    @classmethod
    def parse(cls, value: str) -> Limit:
        amount, unit = duration_parts(value)
        return cls(amount * _UNIT_MINUTES[unit], unit == "wd")


def _counted(start: dt.datetime, end: dt.datetime, working: bool, cal: Calendar):
    """The pieces of [start, end) the clock counts: all of it, or its working-day parts."""
    if not working:
        if end > start:
            yield start, end
        return
    day = start.astimezone(cal.zone).date()
    for _ in range(_HORIZON_DAYS):
        lo, hi = cal.midnight(day), cal.midnight(day + dt.timedelta(days=1))
        if lo >= end:
            return
        if cal.is_working(day):
            piece = max(lo, start), min(hi, end)
            if piece[1] > piece[0]:
                yield piece
        day += dt.timedelta(days=1)


_FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def due(intervals: Sequence[Interval], limit: Limit, cal: Calendar) -> dt.datetime | None:
    """When the clock reaches its limit, running on from its last open interval.

    None when it is paused short of its limit (it has no due time until it runs again), or
    when the calendar never gives it enough counted time.
    """
    left = dt.timedelta(minutes=limit.minutes)
    for start, end in intervals:
        for lo, hi in _counted(start, end or _FAR, limit.working, cal):
            if hi - lo >= left:
                return lo + left
            left -= hi - lo
    return None


def elapsed(intervals: Iterable[Interval], limit: Limit, cal: Calendar, now: dt.datetime) -> float:
    """Minutes the clock has counted up to `now` (an open interval runs until `now`)."""
    total = dt.timedelta()
    for start, end in intervals:
        stop = min(end or now, now)
        for lo, hi in _counted(start, stop, limit.working, cal):
            total += hi - lo
    return total.total_seconds() / 60
