"""Small things a supervisor hits at once: names not ids, one row per shift, honest totals,
an acknowledgement matrix the app can fill, courses that fall overdue. Fixed clock throughout."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from pwa.dashboard.people import ACK_KINDS
from pwa.store.models import users
from tests.pwa.scenario import (
    DAY,
    at,
    dashboard_client,
    read_csv,
    summary,
)

NEXT = DAY + dt.timedelta(days=1)
LEARN_JS = Path(__file__).parents[2] / "pwa" / "static" / "app" / "learn.js"

HANDOVER = """
kind: checklist
id: CHK-GATE-HANDOVER
title: 门岗交接班检查
version: "1.0"
owner: supervisor
sites: [lanyuan]
roles: [guard]
effective: 2026-01-01
review_by: 2027-06-30
areas: [gate]
schedule: {every: shift, times: 1, shifts: [day, night]}
items:
  - {id: keys, text: 钥匙、对讲机齐全}
"""


@pytest.fixture
def scenario_sop(scenario_sop):
    """The scenario's handbook and a gate handover checklist for each shift."""
    (scenario_sop / "checklists" / "chk-gate-handover.yaml").write_text(HANDOVER.lstrip(), "utf-8")
    return scenario_sop


def handover_run(day: dt.date, clock: str) -> dict:
    return {
        "started_at": at(day, clock),
        "finished_at": at(day, clock),
        "shift": "day",
        "items": {"keys": {"value": True}},
        "out_of_range": [],
        "failed": [],
    }


def test_missed_checkpoints_are_named(dashboard, world):
    client, _ = dashboard_client(dashboard, "sup-l")
    world.clock.set(NEXT, "09:30")
    html = re.sub(r"\s+", " ", client.get(f"/dashboard/lanyuan/?date={DAY}").get_data(as_text=True))
    # the 12:40 day round skipped cp3, which the patrol names 水泵房
    assert "12:40–13:20 · guard-a · 1 人 · 漏检点: 水泵房" in html
    assert "漏检点: cp3" not in html
    report = client.get(f"/dashboard/lanyuan/report?span=day&date={DAY}").get_data(as_text=True)
    assert "漏检点: 水泵房" in re.sub(r"\s+", " ", report)


def test_a_per_shift_checklist_has_one_row_per_shift_and_the_summary_counts_an_early_run(
    dashboard, world
):
    # guard-a does the day shift's handover at 09:00; its slot falls due at 20:00
    world.clock.set(NEXT, "09:05")
    world.day_phone.make("checklist_run", "CHK-GATE-HANDOVER", "1.0", at(NEXT, "09:00"),
                         handover_run(NEXT, "09:00"))  # fmt: skip
    world.day_phone.sync()
    client, _ = dashboard_client(dashboard, "sup-l")
    world.clock.set(NEXT, "10:00")
    url = f"/dashboard/lanyuan/?date={NEXT}"
    html = client.get(url).get_data(as_text=True)
    rows = re.findall(
        r'<tr class="[^"]*" data-def="CHK-GATE-HANDOVER" data-shift="([a-z]*)">.*?'
        r'<td data-cell="shift"[^>]*>([^<]*)</td>.*?<td class="num" data-cell="done"[^>]*>([^<]*)</td>',
        html,
        re.S,
    )
    assert rows == [("day", "白班", "1 / 1"), ("night", "夜班", "0 / 1")]
    checklists = read_csv(client.get(url + "&format=csv&table=checklists"))
    assert checklists[0][:3] == ["def_id", "title", "shift"]
    assert [r[:3] for r in checklists[1:] if r[0] == "CHK-GATE-HANDOVER"] == [
        ["CHK-GATE-HANDOVER", "门岗交接班检查", "day"],
        ["CHK-GATE-HANDOVER", "门岗交接班检查", "night"],
    ]


def test_the_summary_counts_a_run_done_before_its_slot_falls_due(dashboard, world):
    world.clock.set(NEXT, "09:05")
    world.day_phone.make("checklist_run", "CHK-GATE-HANDOVER", "1.0", at(NEXT, "09:00"),
                         handover_run(NEXT, "09:00"))  # fmt: skip
    world.day_phone.sync()
    client, _ = dashboard_client(dashboard, "sup-l")
    world.clock.set(NEXT, "10:00")
    html = client.get(f"/dashboard/lanyuan/?date={NEXT}").get_data(as_text=True)
    # the table shows the day shift's handover done; the summary counts it done and due
    # (it read 0 / 1 beside it); the other one is the pump room's first run, due by 10:00
    assert summary(html)["runs"] == "1 / 2"


def test_the_matrix_lists_only_what_the_app_can_acknowledge(dashboard, world):
    # the app's list of acknowledgeable kinds and the dashboard's are one and the same
    app_kinds = re.search(r"const ACK_KINDS = \[([^\]]*)\]", LEARN_JS.read_text("utf-8"))
    assert tuple(re.findall(r"'([a-z]+)'", app_kinds.group(1))) == ACK_KINDS
    client, _ = dashboard_client(dashboard, "sup-l")
    rows = read_csv(client.get("/dashboard/lanyuan/acks?format=csv&table=acks"))
    assert {r[2] for r in rows[1:]} == {"procedure", "emergency"}
    assert sorted({r[1] for r in rows[1:]}) == ["EMG-ELEVATOR-TRAP", "ENG-REPAIR"]
    html = client.get("/dashboard/lanyuan/acks").get_data(as_text=True)
    for doc_id in ("CHK-PUMP-ROOM", "PTL-LY-DAY", "TRN-EMERGENCY-BASICS", "CHK-GATE-HANDOVER"):
        assert f'data-doc="{doc_id}"' not in html
    assert "这里只列制度和应急预案" in html


def test_a_course_is_overdue_after_due_within_from_joining(dashboard, world):
    # guard-a joined on 1 May: 14 days to do TRN-EMERGENCY-BASICS, overdue by June;
    # everyone else joined on 9 June (the fixed clock), due on 23 June
    with dashboard.extensions["dutybook.engine"].begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == "guard-a")
            .values(created_at=dt.datetime(2026, 5, 1, 4, 0))
        )
    client, _ = dashboard_client(dashboard, "sup-l")
    world.clock.set(NEXT, "09:30")
    courses = read_csv(client.get("/dashboard/lanyuan/acks?format=csv&table=courses"))
    assert courses[0] == [
        "user", "course", "attempts", "best_score", "pass_mark", "passed", "complete", "due",
        "overdue",
    ]  # fmt: skip
    by_user = {r[0]: r[7:] for r in courses[1:]}
    assert by_user["guard-a"] == ["2026-05-15", "1"]
    assert by_user["guard-b"] == ["2026-06-23", "0"]
    # passed: never overdue
    assert by_user["cleaner-l"] == ["2026-06-23", "0"]
    html = client.get("/dashboard/lanyuan/acks").get_data(as_text=True)
    row = re.search(
        r'<tr class="bad" data-overdue="yes" [^>]*data-user="guard-a">.*?</tr>', html, re.S
    )
    assert row and '2026-05-15 <strong class="flag-bad">已逾期</strong>' in row.group(0)
    # the same in English
    english = client.get("/dashboard/lanyuan/acks?lang=en").get_data(as_text=True)
    assert '2026-05-15 <strong class="flag-bad">overdue</strong>' in english
