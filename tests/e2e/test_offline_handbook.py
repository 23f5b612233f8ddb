"""The handbook itself offline: one online visit to a handbook page, never /app/, is enough."""

from __future__ import annotations

import pytest

from tests.generator.search_box import results

pytestmark = pytest.mark.timeout(300)


def test_one_visit_to_a_handbook_page_keeps_the_handbook_and_search_offline(server, page):
    page.goto(server.url + "/procedures/eng-repair/", wait_until="load")
    # the page registered the origin's service worker and is served by it
    page.wait_for_selector("html[data-offline-ready=yes]", timeout=60000)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == server.url + "/sw.js"

    page.context.set_offline(True)
    page.goto(server.url + "/emergencies/emg-elevator-trap/")
    assert page.inner_text("article h1").startswith("电梯困人应急预案")
    page.goto(server.url + "/")
    assert page.locator("article h1").count() == 1

    # search works offline too: its worker and index come from the cache
    page.locator("label.md-header__button[for=__search]").click()
    found = results(page, server.url + "/", "电梯困人")
    assert found[0] == "emergencies/emg-elevator-trap/", found
    assert page.errors == []
