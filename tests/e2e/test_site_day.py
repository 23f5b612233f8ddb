"""Two phones on one site: what one guard did shows on the other's Today after a sync, and
still after that phone goes offline and reloads."""

from __future__ import annotations

import re

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in, wait_unsynced

ROUTE = "PTL-JX-NIGHT"


def walk_round(page) -> None:
    """The day shift's round: the three checkpoints in order, with the second guard named."""
    page.click(f'a.row[data-def="{ROUTE}"]')
    page.wait_for_selector(".round")
    for code in ["JX-CP-01", "JX-CP-02", "JX-CP-03"]:
        page.evaluate("(code) => window.dutybookScan(code)", code)
    page.locator(".scanlog li").nth(2).wait_for()
    page.click("#finish")
    page.get_by_label("同行人员（第二人）").fill("李强")
    page.click("#finish")
    page.wait_for_selector("#emergency-button")


def route_row(page) -> dict[str, str]:
    row = page.locator(f'a.row[data-def="{ROUTE}"]')
    by = row.locator(".by")
    return {
        "state": row.get_attribute("data-state"),
        "chip": " ".join(row.locator(".chip").inner_text().split()),
        "by": by.inner_text() if by.count() else "",
    }


def new_phone(browser, instant, browser_zone):
    ctx = browser.new_context(
        viewport={"width": 360, "height": 760}, locale="zh-CN", timezone_id=browser_zone
    )
    ctx.clock.install(time=instant)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return ctx, page


def test_a_round_walked_on_one_phone_is_done_on_the_other(
    server, browser, context, page, instant, browser_zone
):
    other_ctx, other = new_phone(browser, instant, browser_zone)
    try:
        sign_in(page, server.url, "wang")
        sign_in(other, server.url, "li")
        assert route_row(other) == {"state": "due", "chip": "待办 0/4", "by": ""}

        walk_round(page)
        wait_unsynced(page, 0)
        # wang's own phone says so from its history, at once
        assert re.fullmatch(r"wang 10:3\d 完成", route_row(page)["by"])

        # li's phone learns it at its next sync (the pull follows the push)
        other.evaluate("() => window.dutybook.kickSync('manual')")
        other.wait_for_function(
            "(def) => document.querySelector(`a.row[data-def='${def}'] .by`)", arg=ROUTE
        )
        seen = route_row(other)
        # the slot open now (08:00-11:00) is done: li waits for the next one, not walks again
        assert (seen["state"], seen["chip"]) == ("upcoming", "稍后 1/4 · 11:00 开始")
        assert re.fullmatch(r"wang 10:3\d 完成", seen["by"]), seen
        # li's phone holds no record of wang's: it only shows it
        assert other.evaluate("async () => (await window.dutybook.store.outboxAll()).length") == 0
        assert [r[1] for r in server.records()] == ["patrol_round"]

        # the basement: no signal, the app reloaded from the phone
        other_ctx.set_offline(True)
        other.reload()
        other.wait_for_selector('body[data-ready="1"]')
        other.wait_for_selector(f'a.row[data-def="{ROUTE}"] .by')
        assert route_row(other) == seen
        ARTIFACTS.mkdir(exist_ok=True)
        other.screenshot(path=ARTIFACTS / "app-today-site-day-360.png", full_page=True)
        assert page.errors == [] and other.errors == []
    finally:
        other_ctx.close()
