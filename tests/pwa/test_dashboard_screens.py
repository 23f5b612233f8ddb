"""The dashboard in real Chromium at 360 px and 1280 px: no sideways page scroll, no script
errors under a strict CSP, screenshots kept in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.pwa.scenario import (
    DAY,
    Scenario,
    add_people,
    install_clock,
)
from tests.pwa.support import PASSWORD

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
# no inline script or style may run: the pages must not need any
CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'"
PAGES = {
    "day": "/dashboard/lanyuan/?date=2026-06-09",
    "exceptions": "/dashboard/lanyuan/exceptions",
    "acks": "/dashboard/lanyuan/acks",
    "trends": "/dashboard/lanyuan/trends?date=2026-06-09&weeks=4",
}


@pytest.fixture
def live(dashboard, monkeypatch):
    app = dashboard

    @app.after_request
    def _csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    clock = install_clock(monkeypatch)
    add_people(app)
    scenario = Scenario(app.test_client(), clock)
    scenario.first_sync()
    scenario.late_batch()
    clock.set(DAY + dt.timedelta(days=1), "10:05")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def watched(browser, width: int):
    """A new page `width` px wide, and the list its script errors and failed loads go to."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    # every resource a page asks for must exist (the browser's own favicon probe aside)
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_the_screen_and_run_no_script(live, browser, width):

    page, problems = watched(browser, width)
    page.goto(f"{live}/dashboard/login")
    page.fill("input[name=username]", "sup-l")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/dashboard/lanyuan/")
    for name, path in PAGES.items():
        page.goto(f"{live}{path}")
        # a person reads the figures: the night patrol's four rounds, one short of people
        if name == "day":
            assert page.inner_text("#sum-rounds") == "6 / 7"
            assert page.inner_text("#sum-short") == "1"
            # every table of the day fits without its own sideways scroll: a card per row on
            # a phone, so a route's missed checkpoints or a device's last sync are in view
            for table in ("patrols", "checklists", "problems", "devices"):
                hidden = page.locator(f"section[aria-labelledby=h-{table}] table").evaluate(
                    "(t) => t.parentElement.scrollWidth - t.parentElement.clientWidth"
                )
                assert hidden <= 0, (table, width, hidden)
            # and every tab is on the screen, none scrolled off its right edge
            tabs = page.locator("nav.tabs a").evaluate_all(
                "(links) => links.map((a) => a.getBoundingClientRect().right)"
            )
            assert len(tabs) > 5 and max(tabs) <= page.viewport_size["width"], (width, tabs)
            missed = page.locator("table [data-cell=missed_cp]").last.bounding_box()
            assert missed["x"] + missed["width"] <= page.viewport_size["width"], (width, missed)
            devices = page.locator("#devices")
            last = devices.locator("tbody tr").first.locator("td").last
            box, screen = last.bounding_box(), page.viewport_size["width"]
            assert box["x"] >= 0 and box["x"] + box["width"] <= screen, (width, box)
            assert "2026-06-10 08:45" in devices.inner_text()
        # the page itself never scrolls sideways; wide tables scroll inside their box
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (name, width, overflow)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-{width}.png"), full_page=True)
    page.goto(f"{live}{PAGES['day']}&lang=en")
    assert page.inner_text("h2#h-patrols") == "Patrols"
    page.close()
    assert problems == []
