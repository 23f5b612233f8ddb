"""A plan's drills against its schedule: done, due, overdue, and what has no schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pwa.ops.drills import plan_drills

TZ = ZoneInfo("Asia/Shanghai")


def _plan(drill: dict | None, effective: str = "2025-01-01", sites=None, rank: int = 1,
          words: tuple[str, str] = ("每半年一次", "every half year")) -> dict:  # fmt: skip
    return {
        "kind": "emergency",
        "title": "电梯困人应急预案",
        "sites": sites,
        "doc": {"drill": drill, "effective": effective, "rank": rank},
        "derived": {"drill": words[0] if drill else None},
        "derived_en": {"drill": words[1] if drill else None},
    }


BUNDLE = {
    "documents": {
        "EMG-LIFT": _plan({"every": "half_year", "times": 1}),
        # new this year: the half year before asked for nothing
        "EMG-NEW": _plan({"every": "half_year", "times": 1}, effective="2026-01-01"),
        "EMG-FIRE": _plan(
            {"every": "year", "times": 2}, rank=0, words=("每年两次", "twice a year")
        ),
        "EMG-NONE": _plan(None, rank=5),
        "EMG-JX": _plan({"every": "year", "times": 1}, sites=["jinxiu"]),
        "CHK-X": {"kind": "checklist", "sites": None, "doc": {}, "title": "x"},
    }
}
NOW = dt.datetime(2026, 6, 9, 10, 30, tzinfo=TZ)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)


def states(times: dict, now: dt.datetime = NOW, lang: str = "zh") -> dict:
    found = plan_drills(BUNDLE, "lanyuan", now, TZ, times, {}, lang)
    return {p.def_id: (p.state, p.done, p.previous_done, p.words) for p in found}


def test_each_plan_of_the_site_in_rank_order_with_its_state():
    found = plan_drills(BUNDLE, "lanyuan", NOW, TZ, {}, {})
    assert [p.def_id for p in found] == ["EMG-FIRE", "EMG-LIFT", "EMG-NEW", "EMG-NONE"]
    lift = found[1]
    assert (lift.start.isoformat(), lift.last_day.isoformat()) == (
        "2026-01-01T00:00:00+08:00",
        "2026-06-30",
    )
    # nothing drilled: overdue where the half year before owed a drill, due otherwise
    assert states({}) == {
        "EMG-FIRE": ("overdue", 0, 0, "每年两次"),
        "EMG-LIFT": ("overdue", 0, 0, "每半年一次"),
        "EMG-NEW": ("due", 0, 0, "每半年一次"),
        "EMG-NONE": ("unscheduled", 0, 0, None),
    }


def test_drills_count_in_their_period_by_the_sites_clock():
    times = {
        # 2025-12-31 23:30 in Shanghai is the half year before; 00:10 on new year's day is this one
        "EMG-LIFT": [utc("2025-12-31T23:30:00+08:00"), utc("2026-01-01T00:10:00+08:00")],
        "EMG-FIRE": [utc("2026-03-01T09:00:00+08:00")],
        "EMG-NEW": [utc("2026-02-01T09:00:00+08:00")],
    }
    assert states(times, lang="en") == {
        "EMG-FIRE": ("overdue", 1, 0, "twice a year"),  # one of the year's two
        "EMG-LIFT": ("done", 1, 1, "every half year"),
        "EMG-NEW": ("done", 1, 0, "every half year"),
        "EMG-NONE": ("unscheduled", 0, 0, None),
    }
    # the next half year: the one done in February covers the half year that has ended
    july = dt.datetime(2026, 7, 2, 9, 0, tzinfo=TZ)
    assert states(times, july)["EMG-NEW"] == ("due", 0, 1, "每半年一次")
    assert states({}, july)["EMG-NEW"] == ("overdue", 0, 0, "每半年一次")
