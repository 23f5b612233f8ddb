"""The dashboard's pure parts: periods and slots, deadlines, the workflow's rules, the chart."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pwa.dashboard.charts import Point, bar_chart
from pwa.dashboard.text import STRINGS
from pwa.ops import exceptions_flow, schedules

# what is due depends on no clock but the one a test sets: run at each fixed instant
pytestmark = pytest.mark.every_instant

TZ = ZoneInfo("Asia/Shanghai")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(
    ("every", "day", "start", "end"),
    [
        ("day", "2026-06-09", "2026-06-09 00:00", "2026-06-10 00:00"),
        ("week", "2026-06-09", "2026-06-08 00:00", "2026-06-15 00:00"),
        ("half_month", "2026-06-15", "2026-06-01 00:00", "2026-06-16 00:00"),
        ("half_month", "2026-12-16", "2026-12-16 00:00", "2027-01-01 00:00"),
        ("two_months", "2026-06-09", "2026-05-01 00:00", "2026-07-01 00:00"),
        ("quarter", "2026-06-09", "2026-04-01 00:00", "2026-07-01 00:00"),
        ("half_year", "2026-12-31", "2026-07-01 00:00", "2027-01-01 00:00"),
        ("year", "2026-06-09", "2026-01-01 00:00", "2027-01-01 00:00"),
    ],
)
def test_periods_match_the_app(every, day, start, end):
    bounds = schedules.period_bounds(every, dt.date.fromisoformat(day), TZ)
    assert bounds == (local(start), local(end))


def test_slots_spread_over_a_night_shift_and_at_set_times():
    start, end = schedules.shift_instance(
        {"start": "20:00", "end": "08:00"}, dt.date(2026, 6, 9), TZ
    )
    assert (start, end) == (local("2026-06-09 20:00"), local("2026-06-10 08:00"))
    night = schedules.slots({"every": "shift", "times": 4}, start, end, "45m")
    assert [(s.due.strftime("%H:%M"), s.deadline.strftime("%H:%M")) for s in night] == [
        ("20:00", "23:00"), ("23:00", "02:00"), ("02:00", "05:00"), ("05:00", "08:00"),
    ]  # fmt: skip
    day = schedules.period_bounds("day", dt.date(2026, 6, 9), TZ)
    pump = schedules.slots({"every": "day", "times": 2, "at": ["21:00", "09:00"]}, *day, "30m")
    assert [(s.due.strftime("%H:%M"), s.deadline.strftime("%H:%M")) for s in pump] == [
        ("09:00", "09:30"), ("21:00", "21:30"),
    ]  # fmt: skip


def test_working_days_skip_the_weekend():
    friday = dt.datetime(2026, 6, 12, 15, 0)
    assert exceptions_flow.add_working_days(friday, 2) == dt.datetime(2026, 6, 16, 15, 0)
    assert exceptions_flow.add_working_days(friday, 0.5) == dt.datetime(2026, 6, 13, 3, 0)


def test_complaint_deadlines_take_the_first_standard_of_each_kind():
    bundle = {
        "documents": {
            "SVC-COMPLAINT": {
                "kind": "procedure",
                "doc": {
                    "standards": [
                        # the deadlines SVC-COMPLAINT sets (sop/), typed as the bundle has them
                        {
                            "name": "投诉初步答复时间",
                            "op": "≤",
                            "value": 48,
                            "unit": "小时",
                            "deadline": "respond",
                            "within": "48h",
                        },
                        {
                            "name": "紧急投诉响应时间",
                            "op": "≤",
                            "value": 2,
                            "unit": "小时",
                            "deadline": "respond",
                            "within": "2h",
                        },
                        {
                            "name": "非紧急投诉处理时间",
                            "op": "≤",
                            "value": 2,
                            "unit": "个工作日",
                            "deadline": "close",
                            "within": "2wd",
                        },
                        {"name": "回访率", "op": "=", "value": 100, "unit": "%"},
                    ]
                },
            }
        }
    }
    opened = dt.datetime(2026, 6, 12, 1, 0)  # Friday 09:00 in Shanghai
    found = exceptions_flow.deadlines(
        bundle, "SVC-COMPLAINT", {}, opened, exceptions_flow.State(), 24
    )
    assert [(d.kind, d.name, d.due) for d in found] == [
        ("respond", "投诉初步答复时间", dt.datetime(2026, 6, 14, 1, 0)),
        ("close", "非紧急投诉处理时间", dt.datetime(2026, 6, 16, 1, 0)),
    ]
    assert found[0].overdue(dt.datetime(2026, 6, 14, 1, 1))
    assert not found[1].overdue(dt.datetime(2026, 6, 14, 1, 1))


def test_the_workflow_refuses_skips_and_empty_changes():
    state = exceptions_flow.state_of([])
    assert state.status == "open"
    with pytest.raises(exceptions_flow.FlowError, match="^Write a note or choose a new status.$"):
        exceptions_flow.change(None, "r", 1, "open", None, None, "  ", set())
    with pytest.raises(exceptions_flow.FlowError, match="^Name the person to assign it to.$"):
        exceptions_flow.change(None, "r", 1, "open", "assigned", "", None, {"a"})
    with pytest.raises(
        exceptions_flow.FlowError,
        match="^From open the next status is one of: assigned, resolved.$",
    ):
        exceptions_flow.change(None, "r", 1, "open", "verified", None, None, set())
    with pytest.raises(exceptions_flow.FlowError, match="^A note has at most 2000 characters.$"):
        exceptions_flow.change(None, "r", 1, "open", None, None, "x" * 2001, set())


def test_the_chart_says_its_values_in_text_and_hatches_low_bars():
    svg = str(bar_chart([Point("06-01", 95), Point("06-08", 38), Point("06-15", None)], "t", "d"))
    assert ">95%</text>" in svg and ">38%</text>" in svg and ">—</text>" in svg
    assert svg.count('fill="url(#hatch-low)"') == 1
    assert '<title id="chart-title">t</title>' in svg
    escaped = str(bar_chart([Point("<b>", 50)], "<t>", "<d>"))
    assert "<b>" not in escaped and "&lt;t&gt;" in escaped


def test_both_languages_have_every_word():
    assert set(STRINGS["zh"]) == set(STRINGS["en"])


def test_a_round_names_each_checkpoint_by_its_code_whatever_code_the_record_holds():
    from pwa.ops import compliance, documents

    entry = {
        "doc": {"checkpoints": [{"code": "LY-OD-05"}, {"code": "LY-OD-06"}]},
        "checkpoints": [
            {
                "code": "LY-OD-05",
                "name": "配电房",
                "area": "power-room",
                "codes": ["LY-OD-05", "LY-ON-07"],
            },
            {"code": "LY-OD-06", "name": "水泵房", "area": "pump-room", "codes": ["LY-OD-06"]},
        ],
    }
    route = documents.route(entry)
    start, end = local("2026-06-09 20:00"), local("2026-06-10 08:00")
    exp = schedules.Expectation(
        "PTL-LY-OUT-NIGHT", "patrol", "夜巡", "shift", 1, "", start, end, [], allowed_minutes=30
    )

    def judged(data: dict) -> dict:
        at = dt.datetime(2026, 6, 9, 13, 0)
        rec = compliance.Rec("r", "patrol_round", exp.def_id, "d", "u", at, at, data)
        return compliance.judge_round(route, rec, exp, TZ)

    scans = [{"code": "LY-ON-07", "checkpoint": "power-room", "flag": None,
              "at": "2026-06-09T20:50:00+08:00"}]  # fmt: skip
    # an old record: the route's own id and the old night poster, its missed list in old ids
    old = judged({"started_at": "2026-06-09T20:05:00+08:00", "scans": scans, "missed": ["pump"]})
    assert (old["missed"], old["late"]) == (["LY-OD-06"], ["LY-OD-05"])
    # the phone's missed list, when it names codes (an old one too), is the phone's word
    said = judged({"scans": [], "missed": ["LY-ON-07"]})
    assert said["missed"] == ["LY-OD-05"]
