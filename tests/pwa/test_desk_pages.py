"""The service desk's open list and its registration form, on both databases, at the frozen
instant (Tuesday 2026-06-09 10:30 in Shanghai): tickets registered from a call, a visit or what
staff found, once however often the form is sent; the list by close deadline with each clock's
time left, late since or paused; its filters and its CSV twin."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from pwa.store.models import ticket_events, tickets
from tests.pwa.desk_support import (
    CALL,
    PHONE,
    add_people,
    count,
    phone_events,
    register,
    registered,
    signed_in,
    ticket_row,
)
from tests.pwa.scenario import read_csv


@pytest.fixture
def desk(app):
    add_people(app)
    return signed_in(app, "svc-l")


def test_a_call_registered_twice_is_one_ticket(app, desk):
    client, csrf = desk
    form = client.get("/dashboard/lanyuan/desk/new").get_data(as_text=True)
    assert 'name="form_id"' in form and "员工发现" in form  # desk-only kinds are offered here
    same = str(uuid.uuid4())
    first = register(client, csrf, form_id=same)
    again = register(client, csrf, form_id=same, description="changed on the second click")
    assert first.status_code == again.status_code == 303
    assert (
        first.headers["Location"]
        == again.headers["Location"]
        == ("/dashboard/lanyuan/desk/LY-20260609-001")
    )
    assert count(app, tickets) == 1 and count(app, ticket_events) == 1
    row = ticket_row(app, "LY-20260609-001")
    assert (row.source, row.phone, row.status, row.category) == (
        "phone", PHONE, "new", "repair-normal"
    )  # fmt: skip
    assert row.description == CALL["description"]
    page = client.get("/dashboard/lanyuan/desk/LY-20260609-001").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert '<dd class="phone" id="phone">13800138000</dd>' in page
    # the caller's own status link, the same a resident's report gets, for 客服 to send
    link = re.search(r'class="copy" readonly value="http://localhost/(r/t/[0-9a-f]{32})"', page)
    status = app.test_client().get(f"/{link[1]}")
    assert status.status_code == 200 and "LY-20260609-001" in status.get_data(as_text=True)


def test_a_visit_and_what_staff_found(app, desk):
    client, csrf = desk
    visit = registered(client, csrf, source="visit", category="complaint")
    found = registered(client, csrf, source="staff", category="staff-found", phone="")
    assert ticket_row(app, visit).source == "visit"
    row = ticket_row(app, found)
    assert (row.source, row.phone, row.grp) == ("staff", "", "repair")
    page = client.get(f"/dashboard/lanyuan/desk/{found}").get_data(as_text=True)
    assert '<dd class="phone" id="phone">—</dd>' in page and 'class="copy"' not in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"source": "resident"}, "请选择来源。"),
        ({"category": "nope"}, "请选择类别。"),
        ({"phone": "call me"}, "请填写电话号码（5 到 20 位数字）。"),
        ({"phone": ""}, "请填写电话号码（5 到 20 位数字）。"),  # a caller always has a number
        ({"room": " "}, "请填写房号或位置（1 到 64 个字）。"),
        ({"name": "x" * 65}, "请填写姓名或称呼（1 到 64 个字）。"),
        ({"description": ""}, "请填写情况说明（1 到 2000 字）。"),
    ],
)
def test_a_bad_form_comes_back_with_what_is_wrong(app, desk, values, message):
    client, csrf = desk
    same = str(uuid.uuid4())
    page = register(client, csrf, form_id=same, **values)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert f'<p role="alert" class="flag-bad" id="error">{message}</p>' in html
    assert f'value="{same}"' in html  # the corrected form is still the same form
    assert count(app, tickets) == 0


def test_the_form_needs_its_id(app, desk):
    client, csrf = desk
    response = client.post("/dashboard/lanyuan/desk/new", data={**CALL, "csrf_token": csrf})
    assert response.status_code == 400 and count(app, tickets) == 0


def clocks(html: str, number: str) -> dict[str, str]:
    row = html.split(f'data-number="{number}"', 1)[1].split("</tr>", 1)[0]
    found = {}
    for part in row.split('data-clock="')[1:]:
        name, rest = part.split('"', 1)
        words = rest.split("</span>", 1)[1].split("</div>", 1)[0]
        found[name] = " ".join(words.split())
    return found


def numbers(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-number="')[1:]]


def test_the_open_list_by_deadline_with_its_clocks(app, desk, fixed_clock):
    client, csrf = desk
    urgent = registered(client, csrf, category="repair-urgent")  # on site 10m, close 24h
    fixed_clock.shift(dt.timedelta(minutes=1))
    complaint = registered(client, csrf, category="complaint")  # respond 2h, close 2wd
    fixed_clock.shift(dt.timedelta(minutes=1))
    normal = registered(client, csrf, category="repair-normal")  # on site 30m, close 24h
    closed = registered(client, csrf, category="repair-normal")
    page = client.get("/dashboard/lanyuan/desk").get_data(as_text=True)
    assert numbers(page) == [urgent, normal, closed, complaint]
    assert clocks(page, urgent) == {
        "respond": "剩 3 分", "on_site": "剩 8 分", "close": "剩 23 小时 58 分",
    }  # fmt: skip
    # a complaint has no on-site clock; two working days from Tuesday 10:31 is Thursday 10:31
    assert clocks(page, complaint) == {"respond": "剩 1 小时 59 分", "close": "剩 1 天 23 小时"}
    fixed_clock.shift(dt.timedelta(minutes=20))
    page = client.get("/dashboard/lanyuan/desk").get_data(as_text=True)
    assert clocks(page, urgent)["on_site"] == "⚠ 超时 12 分"
    assert 'class="bad late" data-number="' + urgent in page
    # the engineer arrives late, finishes; the complaint's handler finishes it: paused
    client.post(
        f"/dashboard/lanyuan/desk/{complaint}/dispatch",
        data={"event_id": str(uuid.uuid4()), "to": "svc-l", "csrf_token": csrf},
    )
    phone_events(app, complaint, "svc-l", "accepted", "arrived", "finished")
    phone_events(app, closed, "desk", "closed")
    page = client.get("/dashboard/lanyuan/desk").get_data(as_text=True)
    assert closed not in numbers(page)
    assert numbers(page)[-1] == complaint  # a paused clock has no deadline to run into
    assert clocks(page, complaint) == {"respond": "✓ 用时 21 分", "close": "暂停（已用 21 分）"}


def test_filters_and_the_csv_twin(app, desk, fixed_clock):
    client, csrf = desk
    urgent = registered(client, csrf, category="repair-urgent")
    complaint = registered(client, csrf, category="complaint", source="visit")
    fixed_clock.shift(dt.timedelta(minutes=15))  # the urgent repair's respond clock is late
    base = "/dashboard/lanyuan/desk"
    assert numbers(client.get(f"{base}?late=1").get_data(as_text=True)) == [urgent]
    assert numbers(client.get(f"{base}?group=complaint").get_data(as_text=True)) == [complaint]
    assert numbers(client.get(f"{base}?category=repair-urgent").get_data(as_text=True)) == [urgent]
    assert numbers(client.get(f"{base}?status=assigned").get_data(as_text=True)) == []
    rows = read_csv(client.get(f"{base}?format=csv&table=tickets&group=complaint"))
    assert rows == [
        ["number", "created_at", "category", "group", "source", "room", "name", "phone",
         "status", "assignee", "pool", "respond_due", "respond", "on_site_due", "on_site",
         "close_due", "close", "late", "flagged"],
        [complaint, "2026-06-09 10:30", "complaint", "complaint", "visit", "3-1-502", "张女士",
         PHONE, "new", "", "", "2026-06-09 12:30", "running", "", "none", "2026-06-11 10:30",
         "running", "0", "0"],
    ]  # fmt: skip
    assert client.get(f"{base}?format=csv&table=nope").status_code == 404
    # a number goes straight to its ticket; an unknown one says so
    found = client.get(f"{base}?number={urgent.lower()}")
    assert found.status_code == 303 and found.headers["Location"].endswith(urgent)
    missing = client.get(f"{base}?number=LY-1").get_data(as_text=True)
    assert "本项目没有单号为 LY-1 的工单。" in missing


def test_english(app, desk):
    client, csrf = desk
    number = registered(client, csrf, category="repair-urgent")
    page = client.get("/dashboard/lanyuan/desk?lang=en").get_data(as_text=True)
    assert "Open tickets" in page and "Urgent repair" in page
    assert clocks(page, number) == {
        "respond": "5 min left", "on_site": "10 min left", "close": "1 d 0 h left",
    }  # fmt: skip
    # the session keeps the language for the other pages
    ticket = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    assert "<h3>Dispatch</h3>" in ticket and "limit 5 min" in ticket and "Registered" in ticket
    month = client.get("/dashboard/lanyuan/desk/month").get_data(as_text=True)
    assert "Call-back rate" in month and "≥ 50%" in month
    form = client.get("/dashboard/lanyuan/desk/new").get_data(as_text=True)
    assert "Found by staff" in form


def test_the_open_list_links_the_residents_poster(app, desk):
    client, _ = desk
    page = client.get("/dashboard/lanyuan/desk").get_data(as_text=True)
    assert 'href="/r/lanyuan/poster" id="resident-poster"' in page
    poster = client.get("/r/lanyuan/poster").get_data(as_text=True)
    assert "扫码报事报修" in poster and "http://localhost/r/lanyuan/" in poster
