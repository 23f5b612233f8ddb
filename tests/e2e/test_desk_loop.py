"""The service desk's whole loop in real Chromium against a real server (issue 13's must-show):
a resident reports with a photo from the lobby poster's page; 客服 dispatches it on the
dashboard; the engineer's phone, offline in a basement, accepts, arrives and finishes; back
online it syncs; the resident confirms and rates on the private status link; 客服 calls back
and closes; the month's figures count it."""

from __future__ import annotations

import sqlite3
from zoneinfo import ZoneInfo

from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.e2e.helpers import jpeg_bytes, sign_in, wait_unsynced
from tests.e2e.test_tickets import open_list, wait_status

SITE_ZONE = ZoneInfo("Asia/Shanghai")


def _ticket(server, number: str) -> sqlite3.Row:
    with sqlite3.connect(server.db_path) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()


def _figure(page, selector: str) -> str:
    return page.inner_text(selector).strip()


def test_a_report_goes_round_the_whole_loop(server, browser, context, page, instant, browser_zone):
    server.dutybook(
        "users", "add", "zhou", "--role", "service", "--site", "jinxiu", "--password", PASSWORD
    )
    # the resident, on their own phone: no account, no app
    resident = browser.new_context(
        viewport={"width": 360, "height": 760}, locale="zh-CN", timezone_id=browser_zone
    )
    resident.clock.install(time=instant)
    home = resident.new_page()
    home.goto(server.url + "/r/jinxiu/")
    home.get_by_label("一般维修").check()
    home.get_by_label("房号或位置").fill("3-1-502")
    home.get_by_label("您的称呼").fill("张女士")
    home.get_by_label("手机号码").fill("13800138000")
    home.get_by_label("情况说明").fill("厨房水槽下面漏水，地上有积水")
    home.set_input_files(
        "#photos",
        files=[{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("#2255aa")}],
    )
    ARTIFACTS.mkdir(exist_ok=True)
    home.screenshot(path=ARTIFACTS / "resident-report-360.png", full_page=True)
    home.click("button[type=submit]")
    home.wait_for_selector(".number strong")
    number = home.inner_text(".number strong")
    day = instant.astimezone(SITE_ZONE).strftime("%Y%m%d")
    assert number == f"JX-{day}-001"
    status_link = home.url.split("?")[0]
    assert "已受理" in home.inner_text(".now")
    home.screenshot(path=ARTIFACTS / "resident-status-new-360.png", full_page=True)

    # 客服 at the desk: the ticket is on the open list; dispatch it to the engineer
    desk_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                   timezone_id=browser_zone)  # fmt: skip
    desk_ctx.clock.install(time=instant)
    desk = desk_ctx.new_page()
    desk.goto(server.url + "/dashboard/login")
    desk.fill("input[name=username]", "zhou")
    desk.fill("input[name=password]", PASSWORD)
    desk.click("form button[type=submit]")
    desk.goto(server.url + "/dashboard/jinxiu/desk")
    assert number in desk.inner_text("main")
    desk.goto(f"{server.url}/dashboard/jinxiu/desk/{number}")
    assert desk.inner_text("#phone") == "13800138000"  # 客服 see the resident's number
    assert desk.locator(".photos img").count() == 1
    desk.select_option("#form-dispatch select[name=to]", "wang")
    desk.click("#form-dispatch button[type=submit]")
    desk.wait_for_selector("#assignee")
    assert desk.inner_text("#assignee") == "wang"

    # the engineer's phone: the ticket arrives with the list, then the basement has no signal
    sign_in(page, server.url)
    open_list(page, 1)
    ticket = _ticket(server, number)
    page.click(f'a[data-ticket="{ticket["id"]}"]')
    wait_status(page, "assigned")
    assert "138****8000" in page.inner_text(".facts")
    context.set_offline(True)
    page.click("#accept")
    wait_status(page, "accepted")
    page.click("#arrive")
    wait_status(page, "on_site")
    page.get_by_label("完工说明").fill("更换水槽下角阀，试水无渗漏")
    page.click("#finish")
    wait_status(page, "waiting")
    assert _ticket(server, number)["status"] == "assigned"  # nothing has left the phone
    context.set_offline(False)
    wait_unsynced(page, 0, timeout=30_000)
    row = _ticket(server, number)
    assert (row["status"], row["assignee"], row["flagged"]) == ("waiting", "wang", 0)

    # the resident: the fix is confirmed and rated on the private link
    home.goto(status_link)
    assert "已处理完毕，请您确认" in home.inner_text(".now")
    assert "wang" not in home.content()  # no staff names on the resident's page
    home.click(".confirm form:first-of-type button")
    home.wait_for_selector(".rate")
    assert "您已确认解决" in home.inner_text(".now")
    home.get_by_label("满意", exact=True).check()
    home.get_by_label("意见或建议（可不填）").fill("师傅很快就到了")
    home.click(".rate button[type=submit]")
    home.wait_for_selector(".rated")
    home.screenshot(path=ARTIFACTS / "resident-status-rated-360.png", full_page=True)

    # 客服 call back, reach the resident, and close the ticket
    desk.goto(f"{server.url}/dashboard/jinxiu/desk/{number}")
    desk.check("#form-callback input[name=reached][value=yes]")
    desk.check("#form-callback input[name=rating][value=satisfied]")
    desk.click("#form-callback button[type=submit]")
    desk.wait_for_selector("#form-close")
    assert desk.inner_text("#called-back") == "是"
    desk.click("#form-close button[type=submit]")
    desk.wait_for_function("() => document.querySelector('#status').textContent.trim() !== ''")
    row = _ticket(server, number)
    assert (row["status"], row["rating"], row["called_back"]) == ("closed", "satisfied", 1)

    # the month's figures count it
    month = instant.astimezone(SITE_ZONE).strftime("%Y-%m")
    desk.goto(f"{server.url}/dashboard/jinxiu/desk/month?month={month}")
    assert _figure(desk, "#sum-total") == "1"
    assert _figure(desk, "#sum-callback_rate") == "100.0%"
    assert _figure(desk, "#sum-satisfaction_rate") == "100.0%"
    assert "1" in _figure(desk, '#by-source tr[data-source="resident"] td')
    within = desk.locator('#clocks tr[data-clock="on_site"] td').nth(1).inner_text()
    assert within.startswith("1 ·"), within
    desk.screenshot(path=ARTIFACTS / "desk-month-loop-1280.png", full_page=True)
    assert page.errors == []
    for ctx in (resident, desk_ctx):
        ctx.close()
