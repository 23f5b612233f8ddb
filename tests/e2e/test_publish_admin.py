"""The admin's handbook versions on a 360 px screen: the log, one version's changes, and going
back to an earlier version with one press; the pages pass the accessibility audit."""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.e2e.test_accessibility import assert_accessible, audit
from tests.e2e.test_publish_phone import edit, publish, quick_check  # noqa: F401


def test_versions_pages_and_going_back(quick_check, server, context, page):  # noqa: F811
    publish(server)
    edit(server)
    publish(server)
    server.dutybook("users", "add", "root", "--role", "admin", "--password", PASSWORD)
    page.goto(server.url + "/dashboard/login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(server.url + "/dashboard/admin/versions")
    rows = page.locator("#versions tbody tr")
    assert rows.count() == 2
    assert "3 项变更，其中 1 项需要重新确认" in rows.nth(0).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-versions-360.png", full_page=True)
    assert_accessible(audit(page, "dashboard-versions"))

    page.click('#versions tr[data-version="2"] td a')
    page.wait_for_selector("#changed")
    assert page.locator('#changed tr[data-doc="ENG-REPAIR"] strong').inner_text() == (
        "重大修订（需重新确认）"
    )
    page.screenshot(path=ARTIFACTS / "dashboard-version-360.png", full_page=True)
    assert_accessible(audit(page, "dashboard-version"))

    page.goto(server.url + "/dashboard/admin/versions")
    page.click('#versions tr[data-version="1"] button')
    page.wait_for_selector('#versions tr[data-version="3"].live')
    assert "恢复自版本 1" in page.locator('#versions tr[data-version="3"]').inner_text()
    page.goto(server.url + "/procedures/eng-night/")
    assert "No handbook page" in page.content()
