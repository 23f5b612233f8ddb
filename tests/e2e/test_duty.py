"""Drills and handovers in Chromium: a plan run as a drill offline that the dashboard never counts
as an incident, and a handover written by one guard and taken over by another on one shared
booth phone, offline, each with their own sign-in."""

from __future__ import annotations

import re
import sqlite3

import orjson
import pytest

from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.e2e.helpers import go, sign_in, unsynced, wait_unsynced
from tests.e2e.test_accessibility import assert_accessible, audit
from tests.e2e.test_shared_phone import shot, sign_in_form
from tests.pwa.duty_support import HANDOVER_FILE, HANDOVER_YAML


def _rows(server, sql: str) -> list[tuple]:
    with sqlite3.connect(server.db_path) as conn:
        return conn.execute(sql).fetchall()


def _supervisor(browser, server, instant, browser_zone):
    """The jinxiu supervisor's dashboard, on a 360 px phone."""
    server.dutybook(
        "users", "add", "zhou", "--role", "supervisor", "--site", "jinxiu", "--password", PASSWORD
    )
    ctx = browser.new_context(
        viewport={"width": 360, "height": 760}, locale="zh-CN", timezone_id=browser_zone
    )
    ctx.clock.install(time=instant)
    desk = ctx.new_page()
    desk.goto(server.url + "/dashboard/login")
    desk.fill("input[name=username]", "zhou")
    desk.fill("input[name=password]", PASSWORD)
    desk.click("form button[type=submit]")
    desk.wait_for_load_state()
    return ctx, desk


def test_a_drill_run_offline_is_a_drill_and_never_an_incident(
    server, context, page, browser, instant, browser_zone
):
    sign_in(page, server.url, "wang")
    context.set_offline(True)
    go(page, "#/emergency")
    page.wait_for_selector(".plans a.drill-start")
    assert (
        page.get_attribute(".plans a.drill-start", "aria-label") == "电梯困人应急预案：作为演练进行"
    )
    shot(page, "emergency-plans-drill")
    page.click(".plans a.drill-start")
    page.wait_for_selector("#drill-banner")
    assert page.inner_text("#drill-banner") == (
        "演练 · 不是真实事件\n演练只作记录，不会拨出电话，也不计入异常与事件。"
    )
    assert page.inner_text("h1") == "演练：电梯困人应急预案"
    # a drill dials nobody: its call buttons only record a simulated call
    assert page.query_selector('main a[href^="tel:"]') is None
    page.get_by_label("演练情景").fill("模拟 3 号楼 2 号梯困人")
    page.get_by_label("添加参与人员（姓名）").fill("李明")
    page.click("#add-participant")
    page.wait_for_selector("#participants li:nth-child(2)")
    page.click(".actions li:first-child .action")
    page.wait_for_selector(".actions li.done")
    page.click("button.call-drill[data-contact=fire]")
    page.wait_for_selector("button.call-drill.done")
    assert page.inner_text("button.call-drill.done").startswith("已模拟呼叫 火警电话")
    shot(page, "drill")
    assert_accessible(audit(page, "app-drill"))
    page.clock.fast_forward(25 * 60_000)
    page.click("#end-drill")
    page.wait_for_selector(".drill.review")
    assert page.inner_text("#drill-took") == "演练用时 25 分钟"
    page.get_by_label("做得好的").fill("对讲安抚及时")
    page.get_by_label("需要改进的").fill("维保单位电话没有贴在监控室")
    page.get_by_label("跟进事项（每行一项）").fill("监控室张贴维保电话\n下次演练通知业主")
    shot(page, "drill-review")
    assert_accessible(audit(page, "app-drill-review"))
    page.click("#finish")
    page.wait_for_selector("#emergency-button")
    assert unsynced(page) == 1
    assert server.records() == []
    context.set_offline(False)
    wait_unsynced(page, 0, timeout=30_000)

    [(kind, def_id, raw)] = _rows(server, "SELECT type, def_id, data FROM records")
    data = orjson.loads(raw)
    assert (kind, def_id) == ("drill", "EMG-ELEVATOR-TRAP")
    assert data["participants"] == ["wang", "李明"]
    assert data["follow_ups"] == ["监控室张贴维保电话", "下次演练通知业主"]
    assert [c["contact"] for c in data["calls"]] == ["fire"]
    assert data["actions"][0]["done_by"] == "wang"
    assert page.errors == []

    ctx, desk = _supervisor(browser, server, instant, browser_zone)
    # not among the exceptions and incidents, in the page or its CSV
    desk.goto(server.url + "/dashboard/jinxiu/exceptions")
    assert "没有" in desk.inner_text("table.data tbody")
    exported = desk.request.get(
        server.url + "/dashboard/jinxiu/exceptions?format=csv&table=exceptions"
    )
    assert exported.text().lstrip("\ufeff").strip().count("\n") == 0  # the header alone
    # the drills: the plan done this half year, the drill and its review
    desk.goto(server.url + "/dashboard/jinxiu/drills")
    row = desk.locator('#drill-plans tr[data-def="EMG-ELEVATOR-TRAP"]')
    assert row.get_attribute("data-state") == "done"
    assert row.locator("td.num").inner_text() == "1 / 1"
    listed = desk.inner_text("#drill-list tbody")
    assert "演练" in listed and "wang、李明" in listed and "维保单位电话没有贴在监控室" in listed
    assert "25 分钟" in listed
    ARTIFACTS.mkdir(exist_ok=True)
    desk.screenshot(path=ARTIFACTS / "dashboard-drills-360.png", full_page=True)
    assert_accessible(audit(desk, "dashboard-drills"))
    ctx.close()


def _switch(page, username: str, pin: str) -> None:
    go(page, f"#/switch?u={username}")
    page.wait_for_selector("#pin-form")
    page.fill("#pin", pin)
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("#emergency-button")
    assert page.evaluate("window.dutybook.app.user.username") == username


@pytest.mark.every_instant
def test_a_handover_written_by_one_guard_is_taken_over_by_another_on_the_booth_phone(
    server, context, page, browser, instant, browser_zone
):
    (server.workdir / "sop" / HANDOVER_FILE).write_text(HANDOVER_YAML.lstrip(), encoding="utf-8")
    server.rebuild()
    page.goto(server.url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    page.wait_for_selector("body[data-offline-ready]", timeout=60_000)
    sign_in_form(page, "wang", pin="2468")
    # something open at the site: a problem wang reported earlier in the shift
    go(page, "#/exception/new")
    page.wait_for_selector(".exception")
    page.get_by_label("备注").fill("地库 B1 水管渗水")
    page.get_by_label("关于（检查表、巡逻或规程）").select_option("CHK-PUMP-ROOM")
    page.click("#finish")
    page.wait_for_selector('body[data-view="today"]')  # the report goes back to Today
    wait_unsynced(page, 0, timeout=30_000)
    sign_in_form(page, "li", pin="1357")

    # the end of the shift: wang takes the phone back and hands over, the list fetched online
    _switch(page, "wang", "2468")
    page.click(".handover-link")
    page.wait_for_selector(".handover .from-server .open-item")
    assert "地库 B1 水管渗水" in page.inner_text(".handover .from-server")
    context.set_offline(True)
    page.select_option("#item-kind", "key")
    page.fill("#item-text", "3 号楼天台钥匙借给维修")
    page.click("#add-item")
    page.select_option("#item-kind", "visitor")
    page.fill("#item-text", "2 名装修工人在 5-301")
    page.click("#add-item")
    page.wait_for_selector("#handover-items li:nth-child(2)")
    page.get_by_label("其他交代").fill("道闸遥控器在抽屉里")
    shot(page, "handover")
    assert_accessible(audit(page, "app-handover"))
    page.click("#finish")
    page.wait_for_selector("#emergency-button")
    # nothing waits for wang on his own handover
    assert page.query_selector(".handover-pending") is None

    # li's shift starts: signed in with li's own PIN, offline, Today shows the handover first
    _switch(page, "li", "1357")
    page.wait_for_selector(".handover-pending")
    assert re.fullmatch(
        r"wang \d\d:\d\d 交班，3 项未结，请确认接班", page.inner_text(".handover-pending")
    )
    shot(page, "handover-pending")
    assert_accessible(audit(page, "app-today-handover"))
    page.click(".handover-pending")
    page.wait_for_selector(".takeover")
    assert page.inner_text(".takeover .list").count("已确认") == 3
    # the visitors are not where the list says: li cannot confirm that one
    page.get_by_label("已确认：2 名装修工人在 5-301").uncheck()
    page.get_by_label("备注（例如：对讲机少一台）").fill("5-301 无人应门，待核实")
    shot(page, "takeover")
    assert_accessible(audit(page, "app-takeover"))
    page.click("#finish")
    page.wait_for_selector("#emergency-button")
    assert page.query_selector(".handover-pending") is None
    assert unsynced(page) == 2
    assert [r[1] for r in server.records()] == ["exception"]

    # li's shift ends: wang's items are carried over; the key came back, the rest stay open
    page.click(".handover-link")
    page.wait_for_selector(".handover .carried .open-item")
    carried = page.inner_text(".handover .carried")
    assert "3 号楼天台钥匙借给维修" in carried and "地库 B1 水管渗水" in carried
    # the open exception is listed once, as carried, not again from the site's list
    assert page.query_selector(".handover .from-server") is None
    assert page.inner_text("#server-none") == "除上面已列出的，没有其他未结的异常和工单。"
    page.get_by_label("已办结：3 号楼天台钥匙借给维修").check()
    shot(page, "handover-carried")
    page.click("#finish")
    page.wait_for_selector("#emergency-button")
    assert unsynced(page) == 3

    context.set_offline(False)
    go(page, "#/outbox")
    page.click("#sync-now")
    wait_unsynced(page, 0, timeout=30_000)
    rows = _rows(
        server,
        "SELECT r.id, r.type, u.username, r.data FROM records r JOIN users u ON u.id = r.user_id"
        " WHERE r.type LIKE 'handover%' ORDER BY r.seq",
    )
    assert [(kind, who) for _, kind, who, _ in rows] == [
        ("handover", "wang"),
        ("handover_ack", "li"),
        ("handover", "li"),
    ]
    handover, ack, after = (orjson.loads(r[3]) for r in rows)
    assert [(i["kind"], i["text"]) for i in handover["items"]][1:] == [
        ("key", "3 号楼天台钥匙借给维修"),
        ("visitor", "2 名装修工人在 5-301"),
    ]
    assert handover["items"][0]["kind"] == "exception"
    visitor = handover["items"][2]["id"]
    assert (ack["handover"], ack["disputed"], ack["note"]) == (
        rows[0][0], [visitor], "5-301 无人应门，待核实",
    )  # fmt: skip
    key = handover["items"][1]["id"]
    assert (after["previous"], after["closed"]) == (rows[0][0], [key])
    assert [(i["id"], i["carried"]) for i in after["items"]] == [
        (handover["items"][0]["id"], True),
        (visitor, True),
    ]
    assert page.errors == []

    ctx, desk = _supervisor(browser, server, instant, browser_zone)
    desk.goto(server.url + "/dashboard/jinxiu/handovers")
    row = desk.locator(f'#handover-list tr[data-id="{rows[0][0]}"]')
    assert row.get_attribute("data-state") == "acknowledged"
    assert re.search(r"li，\d\d:\d\d（\d+ 分钟）", row.locator("td.state").inner_text())
    assert "5-301 无人应门，待核实" in row.inner_text()
    assert desk.inner_text("#count-flagged dd") == "0"
    desk.screenshot(path=ARTIFACTS / "dashboard-handovers-360.png", full_page=True)
    assert_accessible(audit(desk, "dashboard-handovers"))
    ctx.close()
