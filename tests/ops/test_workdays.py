"""Deadline arithmetic on a site's calendar: working days, holidays, make-up days, pauses,
midnight and month ends. Times are in Asia/Shanghai; every case states its instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pwa.ops.workdays import Calendar, Limit, due, elapsed

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar.from_site(
    "Asia/Shanghai",
    {
        "working_days": ["mon", "tue", "wed", "thu", "fri"],
        # 2026-10-01 (Thu) to 10-07 off; Sunday 10-11 worked instead
        "holidays": [f"2026-10-0{d}" for d in range(1, 8)],
        "make_up_days": ["2026-10-11"],
    },
)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def local(instant: dt.datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(SH).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        ("2026-06-09 10:30", "15m", "2026-06-09 10:45"),
        ("2026-06-09 23:55", "10m", "2026-06-10 00:05"),  # across midnight
        ("2026-06-30 20:00", "24h", "2026-07-01 20:00"),  # across a month end
        ("2026-12-31 23:00", "2h", "2027-01-01 01:00"),  # and a year end
        ("2026-02-27 12:00", "3d", "2026-03-02 12:00"),  # calendar days skip nothing
        ("2026-06-12 15:00", "2wd", "2026-06-16 15:00"),  # Friday → Tuesday
        ("2026-06-13 09:00", "1wd", "2026-06-16 00:00"),  # Saturday: counts from Monday
        ("2026-06-08 00:00", "7wd", "2026-06-17 00:00"),  # Monday, seven working days
        ("2026-09-30 12:00", "1wd", "2026-10-08 12:00"),  # the National Day week is off
        ("2026-09-30 12:00", "2wd", "2026-10-09 12:00"),
        ("2026-10-09 12:00", "1wd", "2026-10-11 12:00"),  # Fri → the make-up Sunday
    ],
)
def test_due(start, limit, expected):
    assert local(due([(at(start), None)], Limit.parse(limit), CAL)) == expected


def test_a_paused_clock_has_no_due_time_and_resumes_where_it_stopped():
    limit = Limit.parse("24h")
    ran = [(at("2026-06-09 10:00"), at("2026-06-09 20:00"))]  # 10 h, then waiting
    assert due(ran, limit, CAL) is None
    resumed = [*ran, (at("2026-06-12 08:00"), None)]  # reopened: 14 h left
    assert local(due(resumed, limit, CAL)) == "2026-06-12 22:00"


def test_a_paused_working_day_clock_counts_only_working_time():
    limit = Limit.parse("2wd")
    # Thu 12:00 → Fri 12:00 runs (one working day), paused over the weekend, resumed Sun 10:00
    runs = [(at("2026-06-11 12:00"), at("2026-06-12 12:00")), (at("2026-06-14 10:00"), None)]
    assert local(due(runs, limit, CAL)) == "2026-06-16 00:00"


def test_a_limit_reached_before_the_pause_is_due_then():
    runs = [(at("2026-06-09 10:00"), at("2026-06-09 12:00"))]
    assert local(due(runs, Limit.parse("30m"), CAL)) == "2026-06-09 10:30"


def test_elapsed_counts_what_the_clock_counts():
    runs = [(at("2026-06-12 15:00"), at("2026-06-15 09:00"))]  # Fri 15:00 → Mon 09:00
    now = at("2026-06-20 00:00")
    assert elapsed(runs, Limit.parse("24h"), CAL, now) == 66 * 60
    assert elapsed(runs, Limit.parse("1wd"), CAL, now) == 18 * 60  # 9 h Friday + 9 h Monday
    assert (
        elapsed([(at("2026-06-12 15:00"), None)], Limit.parse("1h"), CAL, at("2026-06-12 15:45"))
        == 45
    )


def test_a_calendar_with_no_working_day_never_falls_due():
    never = Calendar.from_site("Asia/Shanghai", {"working_days": ["sat"], "holidays": []})
    closed = Calendar(zone=SH, working_days=frozenset())
    assert due([(at("2026-06-09 10:00"), None)], Limit.parse("1wd"), closed) is None
    assert (
        local(due([(at("2026-06-09 10:00"), None)], Limit.parse("1wd"), never))
        == "2026-06-14 00:00"
    )


def test_the_zone_decides_where_a_working_day_starts():
    utc = Calendar.from_site("UTC", None)
    # Friday 20:00 in UTC is Saturday 04:00 in Shanghai
    start = dt.datetime(2026, 6, 12, 20, 0, tzinfo=dt.UTC)
    assert due([(start, None)], Limit.parse("1wd"), utc) == dt.datetime(
        2026, 6, 15, 20, 0, tzinfo=dt.UTC
    )
    assert local(due([(start, None)], Limit.parse("1wd"), CAL)) == "2026-06-16 00:00"
