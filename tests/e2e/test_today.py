"""Today on the phone: the shift in force and what is due, at a fixed instant, in any zone.

The phone's clock starts at the test's instant (Playwright's clock); the phone and the
server's machine are set to UTC or to Shanghai. The site is in Shanghai, so the answer must
not change with the phone's zone.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in

# (shift named in the title, {document: (state, chip text)}) at each instant of INSTANTS
EXPECTED = {
    # 10:30 on a Tuesday: the day shift's first patrol slot (08:00-11:00) is open, and so is
    # the first of the pump room's two daily slots (00:00-12:00); the night-only route
    # (PTL-JX-OUT-NIGHT) is not due in the day shift
    "day": (
        "白班",
        {"CHK-PUMP-ROOM": ("due", "待办 0/2"), "PTL-JX-NIGHT": ("due", "待办 0/4")},
    ),
    # 00:20: the night shift began at 20:00 the day before; its first slot (20:00-23:00) has
    # passed, for both routes; a new day began at midnight for the pump room
    "night": (
        "夜班",
        {
            "CHK-PUMP-ROOM": ("due", "待办 0/2"),
            "PTL-JX-NIGHT": ("late", "逾期 0/4"),
            "PTL-JX-OUT-NIGHT": ("late", "逾期 0/4"),
        },
    ),
}


def rows(page) -> dict[str, tuple[str, str]]:
    return {
        a.get_attribute("data-def"): (
            a.get_attribute("data-state"),
            " ".join(a.locator(".chip").inner_text().split()),
        )
        for a in page.locator("a.row[data-def]").all()
    }


@pytest.mark.every_instant
def test_today_follows_the_site_clock(server, page, instant, browser_zone):
    name = "day" if instant.hour >= 8 and instant.hour < 20 else "night"
    shift, states = EXPECTED[name]
    sign_in(page, server.url)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == browser_zone
    # the page's clock is the test's instant, running on from there
    assert abs(page.evaluate("Date.now()") / 1000 - instant.timestamp()) < 120
    assert page.inner_text("h1").endswith(f"· {shift}")
    assert rows(page) == states
    ARTIFACTS.mkdir(exist_ok=True)
    zone = browser_zone.replace("/", "-")
    page.screenshot(path=ARTIFACTS / f"app-today-{name}-{zone}-360.png", full_page=True)
    assert page.errors == []
