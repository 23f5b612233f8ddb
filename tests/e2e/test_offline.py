"""A shift without signal: everything done offline survives a reload and syncs exactly once."""

from __future__ import annotations

import json
import sqlite3

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import go, jpeg_bytes, outbox_ids, sign_in, unsynced, wait_unsynced


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"app-{name}-360.png", full_page=True)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def tick_checklist(page) -> None:
    page.click('a.row[data-def="CHK-PUMP-ROOM"]')
    page.wait_for_selector("#item-inlet-pressure")
    number = page.get_by_label("进水压力（MPa）")
    number.fill("0.9")
    # flagged at once, before the run is finished
    assert page.inner_text("#flag-inlet-pressure") == "超出范围 0.15–0.45 MPa"
    assert number.get_attribute("aria-invalid") == "true"
    assert (
        page.locator("#item-inlet-pressure .onfail")
        .inner_text()
        .startswith("异常处理：压力异常立即报告当班主管")
    )
    page.click('#item-leaks button[data-v="1"]')
    page.get_by_label("自动").check()
    page.get_by_label("其他情况（选填）").fill("水泵房地面有少量积水")
    page.set_input_files(
        "#item-photo input[type=file]",
        files=[{"name": "panel.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.wait_for_selector("#item-photo .thumb img")
    assert page.get_attribute("#item-inlet-pressure a.sop", "href") == (
        "/procedures/eng-repair/#step-repair"
    )
    shot(page, "checklist")
    assert no_horizontal_overflow(page)
    page.click("#finish")
    page.wait_for_selector("#emergency-button")


def walk_patrol(page) -> None:
    page.click('a.row[data-def="PTL-JX-NIGHT"]')
    page.wait_for_selector(".round")
    assert page.inner_text(".remaining") == "剩余点位 3 个"
    for code in ["JX-CP-01", "JX-CP-03", "JX-CP-02", "NOPE-42"]:
        page.evaluate("(code) => window.dutybookScan(code)", code)
    # the fourth code comes the way a guard without a camera enters it
    page.get_by_label("输入点位编码").fill("JX-CP-03")
    page.click(".codeform button[type=submit]")
    page.locator(".scanlog li").nth(4).wait_for()
    log = page.locator(".scanlog li").all_inner_texts()
    assert [line.split(" ", 1)[1] for line in log] == [
        "已到 水泵房",
        "未知编码：NOPE-42",
        "已到 3 栋消防通道",
        "顺序错误：应先到 3 栋消防通道",
        "已到 北门岗",
    ]
    assert page.inner_text(".remaining") == "剩余点位 0 个"
    shot(page, "patrol")
    assert no_horizontal_overflow(page)
    page.click("#finish")
    assert page.inner_text(".round p.flag") == "本巡逻需要 2 人，请填写同行人员"
    page.get_by_label("同行人员（第二人）").fill("李强")
    page.click("#finish")
    page.wait_for_selector("#emergency-button")


def file_exception(page) -> None:
    page.click("text=上报异常")
    page.wait_for_selector(".exception")
    page.get_by_label("关于（检查表、巡逻或规程）").select_option("CHK-PUMP-ROOM")
    page.get_by_label("类别").select_option("water")
    page.get_by_label("备注").fill("3 栋消防通道有积水")
    page.set_input_files(
        ".exception input[type=file]",
        files=[{"name": "water.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("#777777")}],
    )
    page.wait_for_selector(".exception .thumb img")
    page.click("#finish")
    page.wait_for_selector("#emergency-button")


def run_emergency(page) -> None:
    page.click("#emergency-button")
    page.click("text=电梯困人应急预案")
    page.wait_for_selector(".incident")
    calls = page.locator("a.call").evaluate_all("(els) => els.map((a) => a.href)")
    assert "tel:119" in calls and "tel:120" in calls
    page.locator(".actions .action").nth(0).click()
    page.locator(".actions .action").nth(1).click()
    stamp = page.locator(".actions li.done .stamp").first.inner_text()
    assert stamp.startswith("wang ")
    shot(page, "emergency")
    assert no_horizontal_overflow(page)
    page.click("#finish")
    page.wait_for_selector("#emergency-button")


def acknowledge(page) -> None:
    go(page, "#/learn")
    page.click('a.row[href="#/read/ENG-REPAIR"]')
    page.click("#ack")
    page.wait_for_selector(".learn")
    row = page.locator('a.row[href="#/read/ENG-REPAIR"] .chip').inner_text()
    assert row == "已确认 v1.1"


def test_offline_shift_syncs_once(server, context, page):
    sign_in(page, server.url)
    shot(page, "today")
    assert no_horizontal_overflow(page)

    context.set_offline(True)
    tick_checklist(page)
    walk_patrol(page)
    file_exception(page)
    run_emergency(page)
    acknowledge(page)
    assert unsynced(page) == 5
    queued = outbox_ids(page)

    # half-entered work survives a reload too
    go(page, "#/checklist/CHK-PUMP-ROOM")
    page.get_by_label("进水压力（MPa）").fill("0.3")
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')
    assert page.get_by_label("进水压力（MPa）").input_value() == "0.3"
    assert unsynced(page) == 5
    assert outbox_ids(page) == queued

    # the handbook, offline: a page, and a search result with its ?h= highlight
    page.goto(server.url + "/procedures/eng-repair/")
    assert page.locator("article h1").inner_text().startswith("报修受理与维修响应")
    search = context.new_page()
    search.set_viewport_size({"width": 1024, "height": 800})
    search.goto(server.url + "/")
    box = search.locator("input.md-search__input")
    box.click()
    box.fill("报修")
    box.press("End")  # Material searches on key events; fill() alone sends none
    result = search.locator(".md-search-result__item > a").first
    result.wait_for(timeout=15_000)
    result.click()
    search.wait_for_load_state()
    assert "?h=" in search.url
    assert search.locator("article h1").inner_text().startswith("报修受理与维修响应")
    search.close()

    # back at the app, back online: the outbox drains
    page.goto(server.url + "/app/#/outbox")
    page.wait_for_selector('body[data-ready="1"]')
    assert unsynced(page) == 5
    context.set_offline(False)
    wait_unsynced(page, 0)

    rows = server.records()
    assert sorted(r[0] for r in rows) == queued
    assert sorted((r[1], r[2]) for r in rows) == [
        ("ack", "ENG-REPAIR"),
        ("checklist_run", "CHK-PUMP-ROOM"),
        ("exception", "CHK-PUMP-ROOM"),
        ("incident", "EMG-ELEVATOR-TRAP"),
        ("patrol_round", "PTL-JX-NIGHT"),
    ]
    assert {r[3] for r in rows} == {"jinxiu"}
    with sqlite3.connect(server.db_path) as conn:
        data = {t: json.loads(d) for t, d in conn.execute("SELECT type, data FROM records")}
        blobs = {sha for (sha,) in conn.execute("SELECT sha256 FROM blobs")}
    run = data["checklist_run"]
    assert run["items"]["inlet-pressure"] == {"value": 0.9, "out_of_range": True}
    assert run["out_of_range"] == ["inlet-pressure"]
    assert run["items"]["pump-mode"] == {"value": "自动"}
    round_ = data["patrol_round"]
    assert round_["second_person"] == "李强"
    assert round_["complete"] is True
    assert [s["flag"] for s in round_["scans"]] == [None, "wrong_order", None, "unknown", None]
    assert data["exception"]["category"] == "water"
    assert len(data["exception"]["photos"]) == 1
    assert set(data["exception"]["photos"]) | set(run["items"]["photo"]["value"]) <= blobs
    incident = data["incident"]
    assert [a["done_by"] for a in incident["actions"]] == ["wang", "wang", None, None]
    assert page.errors == []


def test_course_quiz_offline_and_english(server, context, page):
    sign_in(page, server.url)
    context.set_offline(True)
    go(page, "#/course/TRN-EMERGENCY-BASICS")
    page.get_by_label("通过对讲安抚被困人员并通知维保单位").check()
    page.get_by_label("1 小时").check()  # wrong: 15 minutes is right
    page.click("#submit-quiz")
    page.wait_for_selector(".result:not(:empty)")
    assert page.inner_text(".result") == "得分 50%（及格 80%）：未通过"
    go(page, "#/account")
    page.get_by_label("语言").select_option("en")
    page.wait_for_function("() => document.querySelector('nav.tabs a').textContent === 'Today'")
    # wang is an engineer and the handbook has a service desk: the Tickets tab is there too
    tabs = page.inner_text("nav.tabs").split()
    assert tabs == ["Today", "Tickets", "Emergency", "Learn", "Outbox", "Me"]
    assert page.inner_text("#unsynced") == "1 unsynced"
    context.set_offline(False)
    wait_unsynced(page, 0)
    with sqlite3.connect(server.db_path) as conn:
        (data,) = conn.execute("SELECT data FROM records WHERE type = 'quiz'").fetchone()
    assert json.loads(data) == {
        "answers": {"trapped-first": [2], "arrive": [2]},
        "score": 50,
        "passed": False,
        "pass_mark": 80,
    }


def test_hard_reloaded_page_is_taken_over(server, context, page):
    """Shift+Reload bypasses the worker; the page asks to be controlled so its fetches work offline."""
    sign_in(page, server.url)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.reload", {"ignoreCache": True})
    page.wait_for_selector('body[data-ready="1"]')
    page.wait_for_selector("body[data-offline-ready]", timeout=20_000)
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    status = page.evaluate("async () => (await fetch('/app/static/app/learn.js')).status")
    assert status == 200


def test_install_survives_a_dropped_request(server, context, page):
    """One precache request lost to a weak signal is retried, not fatal to going offline."""
    seen: list[str] = []

    def drop_first(route):
        seen.append(route.request.url)
        if len(seen) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route("**/procedures/eng-repair/index.html", drop_first)
    sign_in(page, server.url)
    assert len(seen) == 2, seen
    context.set_offline(True)
    page.goto(server.url + "/procedures/eng-repair/")
    assert page.locator("article h1").inner_text().startswith("报修受理与维修响应")
