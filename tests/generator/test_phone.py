"""A phone-first page: at 360 px the first screen shows what to do, not the metadata card."""

from __future__ import annotations

import pytest

from tests.generator.conftest import ARTIFACTS

pytestmark = pytest.mark.timeout(300)

# page -> what must be on the first screen (760 px tall) of a 360 px phone
FIRST_SCREEN = {
    "procedures/sec-gate/": "#purpose",
    "checklists/chk-pump-room/": "#items",
    "emergencies/emg-fire/": "#first-actions",
}


@pytest.mark.parametrize("url", list(FIRST_SCREEN))
def test_first_screen_shows_what_to_do(served_real_site, browser, url):
    page = browser.new_page(viewport={"width": 360, "height": 760})
    page.goto(served_real_site + url, wait_until="networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    name = url.strip("/").replace("/", "-")
    page.screenshot(path=ARTIFACTS / f"handbook-{name}-360.png")
    top = page.eval_on_selector(FIRST_SCREEN[url], "e => e.getBoundingClientRect().top")
    assert top < 760, (url, top)
    # the card is folded: one line until opened
    assert page.eval_on_selector("details.dutybook-card", "e => e.open") is False
    if url.startswith("emergencies/"):
        calls = page.eval_on_selector_all(
            ".dutybook-calls a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert calls[:3] == ["tel:119", "tel:120", "tel:110"], calls
        assert page.eval_on_selector(".dutybook-calls", "e => e.getBoundingClientRect().top") < 400
    page.close()
