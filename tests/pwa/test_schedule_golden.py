"""The server counts every schedule of the golden file as the phone does (tests/e2e twin)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pwa.ops import schedules

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "schedules.json").read_text(encoding="utf-8")
)
ZONE = ZoneInfo("Asia/Shanghai")


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def period_of(case: dict) -> tuple[dt.datetime, dt.datetime]:
    now = instant(case["now"]).astimezone(ZONE)
    if case["schedule"]["every"] != "shift":
        return schedules.period_bounds(case["schedule"]["every"], now.date(), ZONE)
    shift = GOLDEN["shifts"][case["shift"]]
    # the instance of the shift that holds `now`: it began today or, after midnight, yesterday
    for day in (now.date(), now.date() - dt.timedelta(days=1)):
        start, end = schedules.shift_instance(shift, day, ZONE)
        if start <= now < end:
            return start, end
    raise AssertionError(f"{case['shift']} is not in force at {now}")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["name"] for c in GOLDEN["cases"]])
def test_golden_schedule(case: dict) -> None:
    start, end = period_of(case)
    assert (start, end) == tuple(instant(t) for t in case["period"])
    slots = schedules.slots(case["schedule"], start, end, case["time_allowed"])
    assert [(s.due, s.deadline) for s in slots] == [
        (instant(due), instant(deadline)) for due, deadline in case["slots"]
    ]
