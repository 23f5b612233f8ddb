"""The dashboard's figures, read from records pushed through the real API, on both databases."""

from __future__ import annotations

import datetime as dt
import re

from tests.pwa.scenario import (
    DAY,
    XSS_NAME,
    XSS_NOTE,
    dashboard_client,
    read_csv,
    summary,
)
from tests.pwa.support import assert_error

NEXT = DAY + dt.timedelta(days=1)
DAY_URL = "/dashboard/lanyuan/?date=2026-06-09"


PATROL_HEADER = [
    "def_id", "title", "shift", "frequency", "required", "done", "due", "missed",
    "not_yet_synced", "short_of_people", "people_required", "missed_checkpoints",
    "late_checkpoints", "late_rounds", "late_arrivals",
]  # fmt: skip
DAY_ROW = ["PTL-LY-DAY", "兰苑白班园区巡逻", "day", "每班三次", "3", "2", "3", "1", "0", "0",
           "1", "1", "0", "0", "2"]  # fmt: skip


def test_day_page_unknown_is_not_missed_until_the_late_batch_fills_it_in(dashboard, world):
    client, _ = dashboard_client(dashboard, "sup-l")
    world.clock.set(NEXT, "09:30")
    html = client.get(DAY_URL).get_data(as_text=True)
    assert summary(html) == {
        "rounds": "3 / 7", "runs": "2 / 3", "missed": "2", "pending": "3", "short": "0",
        "range": "1",
    }  # fmt: skip
    patrols = read_csv(client.get(DAY_URL + "&format=csv&table=patrols"))
    assert patrols == [
        PATROL_HEADER,
        DAY_ROW,
        # the night guard's phone last synced at 22:00: three rounds are unknown, not missed
        ["PTL-LY-NIGHT", "兰苑夜间园区巡逻", "night", "每班四次", "4", "1", "4", "0", "3", "0",
         "2", "0", "0", "0", "0"],
    ]  # fmt: skip
    checklists = read_csv(client.get(DAY_URL + "&format=csv&table=checklists"))
    assert checklists == [
        ["def_id", "title", "shift", "areas", "frequency", "period_start", "period_end",
         "required", "done", "due", "missed", "not_yet_synced", "failed_items", "out_of_range",
         "late_arrivals"],
        ["CHK-LOBBY", "单元门厅日常保洁", "", "lobby", "每日一次", "2026-06-09", "2026-06-09", "1",
         "1", "1", "0", "0", "0", "0", "0"],
        # the engineer's phone synced this morning: the 21:00 run is confirmed missing
        ["CHK-PUMP-ROOM", "水泵房巡检记录", "", "pump-room", "每日两次", "2026-06-09", "2026-06-09",
         "2", "1", "2", "1", "0", "1", "1", "0"],
        ["CHK-ROOF", "天台检查", "", "roof", "每周一次", "2026-06-08", "2026-06-14", "1", "0", "0",
         "0", "0", "0", "0", "0"],
    ]  # fmt: skip
    problems = read_csv(client.get(DAY_URL + "&format=csv&table=problems"))
    assert problems == [
        ["recorded_at", "def_id", "item", "kind", "value", "unit", "min", "max", "user",
         "device"],
        ["2026-06-09 09:10", "CHK-PUMP-ROOM", "inlet-pressure", "range", "0.52", "MPa", "0.15",
         "0.45", "eng-l", "ph-eng"],
        ["2026-06-09 09:10", "CHK-PUMP-ROOM", "leaks", "failed", "", "", "", "", "eng-l",
         "ph-eng"],
    ]  # fmt: skip
    assert "0.52 MPa" in html and "(允许 0.15–0.45)" in html

    world.late_batch()
    world.clock.set(NEXT, "10:05")
    html = client.get(DAY_URL).get_data(as_text=True)
    assert summary(html) == {
        "rounds": "6 / 7", "runs": "2 / 3", "missed": "2", "pending": "0", "short": "1",
        "range": "1",
    }  # fmt: skip
    patrols = read_csv(client.get(DAY_URL + "&format=csv&table=patrols"))
    assert patrols[2] == [
        # 02:10 round with one person at night; 05:50 scan past the 45 minutes allowed
        "PTL-LY-NIGHT", "兰苑夜间园区巡逻", "night", "每班四次", "4", "4", "4", "0", "0", "1",
        "2", "0", "1", "0", "3",
    ]  # fmt: skip
    flat = re.sub(r"\s+", " ", html)
    assert '02:10–02:55 · guard-b · 1 人 <strong class="flag-bad">人数不足</strong>' in flat
    devices = read_csv(client.get(DAY_URL + "&format=csv&table=devices"))
    assert devices == [
        ["device", "roles", "last_sync"],
        ["ph-clean", "cleaner", "2026-06-10 08:45"],
        ["ph-day", "guard", "2026-06-10 08:30"],
        ["ph-eng", "engineer", "2026-06-10 08:40"],
        ["ph-night", "guard", "2026-06-10 10:00"],
    ]
    # on the page, the roles as the site document names them
    assert '<th scope="row" class="device">ph-clean</th><td data-label="角色">保洁员</td>' in html


def test_range_trends_and_report(dashboard, world):
    world.late_batch()
    world.clock.set(NEXT, "10:05")
    client, _ = dashboard_client(dashboard, "sup-l")
    rows = read_csv(
        client.get("/dashboard/lanyuan/range?from=2026-06-08&to=2026-06-10&format=csv&table=days")
    )
    assert rows == [
        ["date", "rounds_done", "rounds_required", "runs_done", "runs_due", "missed",
         "not_yet_synced", "short_of_people", "missed_checkpoints", "late_checkpoints",
         "failed_items", "out_of_range", "late_arrivals", "percent"],
        ["2026-06-08", "0", "7", "0", "3", "10", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["2026-06-09", "6", "7", "2", "3", "2", "0", "1", "1", "1", "1", "1", "5", "80"],
        # today: only the 09:00 pump-room run is past its deadline, and its phone has not synced
        ["2026-06-10", "0", "0", "0", "1", "0", "1", "0", "0", "0", "0", "0", "0", "0"],
    ]  # fmt: skip
    trends = client.get("/dashboard/lanyuan/trends?date=2026-06-09&weeks=2")
    html = trends.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert ">0%</text>" in html and ">38%</text>" in html  # values written on the bars
    weeks = read_csv(
        client.get("/dashboard/lanyuan/trends?date=2026-06-09&weeks=2&format=csv&table=weeks")
    )
    assert weeks == [
        ["week_of", "done", "due", "percent"],
        ["2026-06-01", "0", "70", "0"],
        ["2026-06-08", "8", "21", "38"],
    ]
    report = client.get("/dashboard/lanyuan/report?date=2026-06-09").get_data(as_text=True)
    assert "兰苑小区值班报告" in report
    assert (
        '<tr data-date="2026-06-09"><th scope="row">2026-06-09</th><td class="num">6 / 7' in report
    )
    week = client.get("/dashboard/lanyuan/report?date=2026-06-09&span=week").get_data(as_text=True)
    assert week.count('<tr data-date="') == 7
    assert_error(
        client.get("/dashboard/lanyuan/range?from=2026-05-01&to=2026-06-09"),
        400,
        "A range has at most 31 days.",
    )


EXC_HEADER = [
    "id", "type", "recorded_at", "def_id", "item", "category", "severity", "user", "status",
    "assignee", "respond_by", "close_by", "overdue", "note", "photos",
]  # fmt: skip


def test_exceptions_deadlines_and_the_workflow(dashboard, world):
    world.clock.set(NEXT, "10:05")
    client, csrf = dashboard_client(dashboard, "sup-l")
    ids = world.ids
    rows = read_csv(client.get("/dashboard/lanyuan/exceptions?format=csv&table=exceptions"))
    assert rows == [
        EXC_HEADER,
        [ids["incident"], "incident", "2026-06-09 16:00", "EMG-ELEVATOR-TRAP", "", "", "一般",
         "guard-a", "open", "", "", "2026-06-10 16:00", "", "", "0"],
        # ENG-REPAIR's own standards: on site within 15 minutes, closed within 24 hours
        [ids["repair"], "exception", "2026-06-09 14:00", "ENG-REPAIR", "", "water", "", "eng-l",
         "open", "", "2026-06-09 14:15", "2026-06-10 14:00", "respond", XSS_NOTE, "1"],
        # a checklist item's exception takes the deadlines of the procedure the item links to
        [ids["pump"], "exception", "2026-06-09 09:12", "CHK-PUMP-ROOM", "inlet-pressure",
         "damage", "", "eng-l", "open", "", "2026-06-09 09:27", "2026-06-10 09:12",
         "respond close", "进水压力偏高", "0"],
    ]  # fmt: skip
    overdue = client.get("/dashboard/lanyuan/exceptions?status=unresolved&overdue=1")
    assert re.findall(
        r'<tr class="bad overdue" data-id="([^"]+)"', overdue.get_data(as_text=True)
    ) == [
        ids["repair"],
        ids["pump"],
    ]
    url = f"/dashboard/lanyuan/exceptions/{ids['repair']}"
    page = client.get(url).get_data(as_text=True)
    assert f'<img src="/api/v1/blobs/{world.photo}"' in page
    assert client.get(f"/api/v1/blobs/{world.photo}").status_code == 200

    # no token, no change
    assert_error(
        client.post(url, data={"status": "assigned", "assignee": "eng-l"}),
        403,
        "The CSRF token is missing or wrong; reload the page.",
    )
    bad = client.post(url, data={"status": "assigned", "assignee": "guard-j", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "No user named &#39;guard-j&#39; works at this site." in bad.get_data(as_text=True)
    done = client.post(
        url,
        data={
            "status": "assigned",
            "assignee": "eng-l",
            "note": "<b>先关阀</b>",
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert '<span class="chip status-assigned" id="status">已指派</span>' in page
    assert "&lt;b&gt;先关阀&lt;/b&gt;" in page and "<b>先关阀</b>" not in page
    assert "超时完成" in page  # assigned, but after the 15 minutes
    skip = client.post(url, data={"status": "verified", "csrf_token": csrf})
    assert skip.status_code == 422
    assert "From assigned the next status is one of: assigned, resolved." in skip.get_data(
        as_text=True
    )
    world.clock.set(NEXT, "11:00")
    for status in ("resolved", "verified"):
        assert client.post(url, data={"status": status, "csrf_token": csrf}).status_code == 303
    last = client.post(url, data={"status": "assigned", "assignee": "eng-l", "csrf_token": csrf})
    assert "From verified the next status is one of: nothing." in last.get_data(as_text=True)
    rows = read_csv(client.get("/dashboard/lanyuan/exceptions?format=csv&table=exceptions"))
    assert rows[2][8:13] == ["verified", "eng-l", "2026-06-09 14:15", "2026-06-10 14:00", ""]
    left = client.get("/dashboard/lanyuan/exceptions?status=unresolved&overdue=1")
    assert re.findall(r'data-id="([^"]+)"', left.get_data(as_text=True)) == [ids["pump"]]


def test_acknowledgements_need_the_current_major_version(dashboard, world):
    world.late_batch()
    client, _ = dashboard_client(dashboard, "sup-l")
    rows = read_csv(client.get("/dashboard/lanyuan/acks?format=csv&table=acks"))
    mine = {(r[0], r[1]): r[4:] for r in rows[1:]}
    assert rows[0] == ["user", "doc", "kind", "current_version", "state", "acked_version"]
    # five staff at lanyuan × the two documents the app asks to acknowledge (a procedure and
    # an emergency plan); patrols, checklists and courses are done, not acknowledged
    assert len(rows) == 1 + 5 * 2
    # 1.0 acknowledged, 1.1 current: a MINOR change does not ask again
    assert mine[("eng-l", "ENG-REPAIR")] == ["acked", "1.0"]
    assert mine[("guard-a", "EMG-ELEVATOR-TRAP")] == ["not_acked", ""]
    assert mine[("cleaner-l", "ENG-REPAIR")] == ["not_applicable", ""]
    assert ("guard-b", "PTL-LY-NIGHT") not in mine
    courses = read_csv(client.get("/dashboard/lanyuan/acks?format=csv&table=courses"))
    assert courses == [
        ["user", "course", "attempts", "best_score", "pass_mark", "passed", "complete", "due",
         "overdue"],
        # everyone joined on 9 June (the fixed clock): 14 days to do the course
        [XSS_NAME, "TRN-EMERGENCY-BASICS", "0", "", "80", "0", "0", "2026-06-23", "0"],
        ["cleaner-l", "TRN-EMERGENCY-BASICS", "1", "100", "80", "1", "1", "2026-06-23", "0"],
        ["eng-l", "TRN-EMERGENCY-BASICS", "1", "50", "80", "0", "0", "2026-06-23", "0"],
        ["guard-a", "TRN-EMERGENCY-BASICS", "0", "", "80", "0", "0", "2026-06-23", "0"],
        ["guard-b", "TRN-EMERGENCY-BASICS", "0", "", "80", "0", "0", "2026-06-23", "0"],
    ]  # fmt: skip
    html = client.get("/dashboard/lanyuan/acks").get_data(as_text=True)
    assert '<th scope="col">&lt;img src=x onerror=alert(1)&gt;</th>' in html
    assert '<td class="cell-none" data-user="guard-a">✗ 未确认</td>' in html


def test_everything_user_entered_is_escaped(dashboard, world):
    world.clock.set(NEXT, "10:05")
    client, _ = dashboard_client(dashboard, "sup-l")
    pages = [
        "/dashboard/lanyuan/exceptions",
        f"/dashboard/lanyuan/exceptions/{world.ids['repair']}",
        "/dashboard/lanyuan/acks",
        "/dashboard/lanyuan/report?date=2026-06-09",
    ]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "<img src=x" not in html, url
    detail = client.get(pages[1]).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 水管漏水" in detail


def test_english_on_request_and_kept_in_the_session(dashboard, world):
    world.clock.set(NEXT, "09:30")
    client, _ = dashboard_client(dashboard, "sup-l")
    html = client.get(DAY_URL + "&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "<dt>Not yet synced</dt>" in html
    html = client.get(DAY_URL).get_data(as_text=True)
    assert "<dt>Not yet synced</dt>" in html and ">twice a day</td>" in html
