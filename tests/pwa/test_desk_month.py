"""The service desk's month figures on screen, as CSV and printable, on both databases: the
figures come from `pwa.ops.desk_figures` (tested on its own in tests/ops); here, that the page
and its CSV twins say them, that the month is the site's and that a bad month is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.pwa.desk_support import PHONE, act, add_people, phone_events, registered, signed_in
from tests.pwa.scenario import read_csv

MONTH = "/dashboard/lanyuan/desk/month?month=2026-06"


@pytest.fixture
def desk(app):
    add_people(app)
    return signed_in(app, "svc-l")


@pytest.fixture
def june(app, desk, fixed_clock):
    """Three calls in June: one done quickly and called back, one late and unreached, one open."""
    client, csrf = desk
    quick = registered(client, csrf)
    act(client, csrf, quick, "dispatch", to="eng-l")
    fixed_clock.shift(dt.timedelta(minutes=5))
    phone_events(app, quick, "eng-l", "accepted", "arrived", "finished")
    act(client, csrf, quick, "callback", reached="yes", rating="satisfied")
    act(client, csrf, quick, "close")
    slow = registered(client, csrf, category="complaint", source="visit")
    act(client, csrf, slow, "dispatch", to="svc-l")
    fixed_clock.shift(dt.timedelta(hours=3))  # past the complaint's two hours to respond
    phone_events(app, slow, "svc-l", "accepted", "arrived", "finished")
    act(client, csrf, slow, "callback", reached="no")
    act(client, csrf, slow, "close")
    registered(client, csrf, category="repair-urgent")
    return client


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'<dd id="sum-([a-z_]+)">([^<]*)</dd>', html))


def test_the_month_on_screen(june):
    page = june.get(MONTH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert figures(html) == {
        "total": "3", "callback_rate": "50.0%", "satisfaction_rate": "100.0%",
        "reopen_rate": "0.0%",
    }  # fmt: skip
    assert "≥ 50%" in html and "≥ 90%" in html
    assert '<p class="sign">主管签字: ____________________</p>' in html  # printable
    assert PHONE not in html and "张女士" not in html  # figures, not people


def test_the_month_as_csv(june):
    def table(name: str) -> list[list[str]]:
        return read_csv(june.get(f"{MONTH}&format=csv&table={name}"))

    assert table("by_category") == [
        ["category", "name", "tickets"],
        ["repair-urgent", "紧急维修", "1"],
        ["repair-normal", "一般维修", "1"],
        ["complaint", "投诉", "1"],
        ["staff-found", "员工发现", "0"],
    ]
    assert table("by_source") == [
        ["source", "tickets"], ["phone", "2"], ["visit", "1"], ["resident", "0"], ["staff", "0"],
    ]  # fmt: skip
    clocks = table("clocks")
    assert clocks[0] == ["clock", "judged", "within", "late", "running_late", "percent",
                         "median_minutes", "p90_minutes"]  # fmt: skip
    # respond: 5 min (in 15) and 3 h 5 min (in 2 h); the urgent one is still within its 5 min
    assert clocks[1][:6] == ["respond", "2", "1", "1", "0", "50.0"]
    assert clocks[2][:6] == ["on_site", "1", "1", "0", "0", "100.0"]
    assert clocks[3][:6] == ["close", "2", "2", "0", "0", "100.0"]
    assert table("rates") == [
        ["rate", "part", "whole", "percent", "target", "met"],
        ["reopen", "0", "2", "0.0", "", ""],
        ["callback", "1", "2", "50.0", "50.0", "1"],
        ["satisfaction", "1", "1", "100.0", "90.0", "1"],
    ]
    assert june.get(f"{MONTH}&format=csv&table=people").status_code == 404
    for name in ("by_category", "by_source", "clocks", "rates"):
        assert PHONE not in june.get(f"{MONTH}&format=csv&table={name}").get_data(as_text=True)


def test_an_empty_month_and_a_bad_one(june):
    html = june.get("/dashboard/lanyuan/desk/month?month=2026-05").get_data(as_text=True)
    assert figures(html) == {
        "total": "0", "callback_rate": "—", "satisfaction_rate": "—", "reopen_rate": "—",
    }  # fmt: skip
    # without a month: the site's current one
    assert figures(june.get("/dashboard/lanyuan/desk/month").get_data(as_text=True))["total"] == "3"
    bad = june.get("/dashboard/lanyuan/desk/month?month=2026-6")
    assert bad.status_code == 400 and bad.get_json()["message"] == "month must look like 2026-06."
