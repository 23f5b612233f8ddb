"""The service desk's pages in real Chromium at 360 px and 1280 px against a live server: the
open list, a ticket and the month fit the screen, run no script under a strict CSP, and are
kept as screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.serving import make_server

from tests.e2e.test_accessibility import assert_accessible, audit
from tests.pwa.desk_support import (
    act,
    add_people,
    phone_events,
    registered,
    signed_in,
)
from tests.pwa.support import PASSWORD
from tests.pwa.test_dashboard_screens import CSP, watched

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def photo() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (320, 240), "#d8e4f0")
    for x in range(60, 260):
        for y in range(150, 170):
            image.putpixel((x, y), (40, 90, 160))
    image.save(out, "JPEG")
    return out.getvalue()


def seed(app, fixed_clock) -> str:
    """A morning at lanyuan's desk; the number of the ticket whose page is shown."""
    client, csrf = signed_in(app, "svc-l")
    resident = app.test_client()
    sent = resident.post(
        "/r/lanyuan/",
        data={"category": "repair-normal", "room": "3 栋 1 单元 502", "name": "张女士",
              "phone": "13800138000", "description": "厨房水槽下水管接口漏水，地面已经积水。",
              "report_id": str(uuid.uuid4()), "photos": [(io.BytesIO(photo()), "leak.jpg")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert sent.status_code == 303
    shown = "LY-20260609-001"
    act(client, csrf, shown, "dispatch", to="eng-l")
    urgent = registered(client, csrf, category="repair-urgent", room="5 栋配电间",
                        name="王先生", phone="13900002222", description="整栋楼停电")  # fmt: skip
    complaint = registered(client, csrf, category="complaint", source="visit", room="2-3-301",
                           name="李阿姨", phone="13700003333",
                           description="楼上装修噪音，晚上十点后还在施工")  # fmt: skip
    registered(client, csrf, category="staff-found", source="staff", room="地面停车场",
               name="guard-l", phone="", description="停车场入口道闸抬杆缓慢")  # fmt: skip
    act(client, csrf, complaint, "dispatch", to="svc-l")
    fixed_clock.shift(dt.timedelta(minutes=12))
    phone_events(app, shown, "eng-l", "accepted", "arrived")
    phone_events(app, complaint, "svc-l", "accepted", "arrived", "finished")
    act(client, csrf, shown, "note", text="业主下午两点后在家，需要更换下水管")
    phone_events(app, shown, "eng-l2", "finished")  # not the assignee: kept, flagged
    act(client, csrf, urgent, "dispatch", role="engineer")
    fixed_clock.shift(dt.timedelta(minutes=30))
    phone_events(app, shown, "eng-l", "finished")
    act(client, csrf, shown, "callback", reached="yes", rating="fair", comment="希望下次快一点")
    return shown


@pytest.fixture
def live(app, fixed_clock):
    @app.after_request
    def _csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    add_people(app)
    shown = seed(app, fixed_clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", shown
    server.shutdown()
    thread.join()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_desk_pages_fit_the_screen_and_run_no_script(live, browser, width):
    base, shown = live
    page, problems = watched(browser, width)
    page.goto(f"{base}/dashboard/login")
    page.fill("input[name=username]", "svc-l")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/lanyuan/desk")
    pages = {
        "open": "/dashboard/lanyuan/desk",
        "ticket": f"/dashboard/lanyuan/desk/{shown}",
        "month": "/dashboard/lanyuan/desk/month?month=2026-06",
        "new": "/dashboard/lanyuan/desk/new",
    }
    for name, path in pages.items():
        page.goto(f"{base}{path}")
        if name == "open":
            # a person reads the list: four open tickets, the urgent one late to be on site
            assert page.locator("tr[data-number]").count() == 4
            late = page.locator("tr.late [data-clock=on_site]").first.inner_text()
            assert "超时" in late
        if name == "ticket":
            assert page.inner_text("#phone") == "13800138000"
            image = page.locator(".photos img")
            image.scroll_into_view_if_needed()
            page.wait_for_load_state("networkidle")
            assert image.evaluate("img => img.naturalWidth") == 320  # the resident's photo
            assert "未采用" in page.inner_text("table.events")
        if name == "month":
            assert page.inner_text("#sum-total") == "4"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (name, width, overflow)
        page.screenshot(path=str(ARTIFACTS / f"desk-{name}-{width}.png"), full_page=True)
        if width == 1280:  # axe-core: no serious violation, and a score of 90 or more
            assert_accessible(audit(page, f"dashboard-desk-{name}"))
    page.emulate_media(media="print")
    page.goto(f"{base}{pages['month']}")
    assert page.locator("nav.tabs").is_hidden()
    page.screenshot(path=str(ARTIFACTS / f"desk-month-print-{width}.png"), full_page=True)
    page.close()
    assert problems == []
