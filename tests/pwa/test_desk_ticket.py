"""One ticket's page at the desk, on both databases: its facts, clocks and log (the events
that did not fit shown with their reason), and the desk's actions as forms, each once however
often it is sent; photos read through the ticket; an exception made into a ticket in one click.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid

import pytest
from flask import session
from PIL import Image
from sqlalchemy import select

from pwa.dashboard.desk_view import flag_words
from pwa.ops.tickets import KINDS
from pwa.store.models import exception_events, ticket_events, ticket_photos, tickets
from tests.pwa.desk_support import (
    act,
    add_people,
    count,
    form_id,
    phone_events,
    registered,
    signed_in,
    ticket_row,
)
from tests.pwa.scenario import read_csv
from tests.pwa.support import app_data, bearer, record, sign_in


@pytest.fixture
def desk(app):
    add_people(app)
    return signed_in(app, "svc-l")


def kinds(app, number: str) -> list[tuple[str, str | None]]:
    """The ticket's log in its one order (by time, then the loop's order of kinds)."""
    row = ticket_row(app, number)
    with app.extensions["dutybook.engine"].connect() as conn:
        found = conn.execute(
            select(ticket_events.c.at, ticket_events.c.kind, ticket_events.c.flag).where(
                ticket_events.c.ticket_id == row.id
            )
        ).all()
    return [(k, f) for _, k, f in sorted(found, key=lambda e: (e.at, KINDS.index(e.kind)))]


def test_dispatch_lists_the_category_s_people_and_a_resend_changes_nothing(app, desk):
    client, csrf = desk
    number = registered(client, csrf)
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    dispatch = page.split('id="form-dispatch"', 1)[1].split("</form>", 1)[0]
    # engineers of lanyuan only: not the guard, not jinxiu's engineer
    assert re.findall(r'<option value="([^"]*)"', dispatch.split('name="role"')[0]) == [
        "", "eng-l", "eng-l2"
    ]  # fmt: skip
    sent = {"event_id": form_id(page, "dispatch"), "to": "eng-l", "csrf_token": csrf}
    url = f"/dashboard/lanyuan/desk/{number}/dispatch"
    assert client.post(url, data=sent).status_code == 303
    assert client.post(url, data=sent).status_code == 303  # a double click
    assert kinds(app, number) == [("created", None), ("assigned", None)]
    row = ticket_row(app, number)
    assert (row.status, row.assignee, row.pool) == ("assigned", "eng-l", "engineer")
    # the same form with other content is not the same event
    changed = client.post(url, data={**sent, "to": "eng-l2"})
    assert changed.status_code == 409
    assert "这张表单已经提交过，内容不同" in changed.get_data(as_text=True)
    refused = act(client, csrf, number, "dispatch", to="guard-l")
    assert refused.status_code == 400 and "请选择本项目的人员或岗位。" in refused.get_data(
        as_text=True
    )
    # reassign to the engineers' pool: whoever accepts first takes it
    assert act(client, csrf, number, "dispatch", role="engineer").status_code == 303
    row = ticket_row(app, number)
    assert (row.assignee, row.pool) == (None, "engineer")
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    assert "<h3>改派</h3>" in page and "岗位待接：工程维修" in page


def test_the_whole_loop_from_the_desk(app, desk, fixed_clock):
    client, csrf = desk
    number = registered(client, csrf)
    assert act(client, csrf, number, "dispatch", to="eng-l").status_code == 303
    # someone else's phone says finished: kept, flagged, shown with its reason
    phone_events(app, number, "eng-l2", "finished")
    fixed_clock.shift(dt.timedelta(minutes=10))
    phone_events(app, number, "eng-l", "accepted", "arrived", "finished")
    assert act(client, csrf, number, "note", text="业主要求下午再来看一次").status_code == 303
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    assert "未采用：工单为“已派单”时不能“处理完毕”" in page
    assert '<span class="chip tstatus-waiting" id="status">待业主确认</span>' in page
    assert "业主要求下午再来看一次" in page
    assert '<li class="clock clock-met" data-clock="on_site">' in page
    # the call-back: reached, fairly satisfied
    assert 'id="form-callback"' in page and 'id="form-cancel"' not in page
    answer = act(client, csrf, number, "callback", reached="yes", rating="fair", comment="还行")
    assert answer.status_code == 303
    assert act(client, csrf, number, "close", reason="已修好").status_code == 303
    row = ticket_row(app, number)
    assert (row.status, row.called_back, row.rating) == ("closed", True, "fair")
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    assert 'id="form-reopen"' in page and 'id="form-close"' not in page
    assert "回访</strong>" in page and "已联系上" in page and "基本满意" in page
    # a cancel from a stale page is refused, with the reason
    refused = client.post(
        f"/dashboard/lanyuan/desk/{number}/cancel",
        data={"event_id": str(uuid.uuid4()), "csrf_token": csrf},
    )
    assert refused.status_code == 409
    assert "工单现在是“已办结”，不能取消。" in refused.get_data(as_text=True)
    assert act(client, csrf, number, "reopen", reason="又漏了").status_code == 303
    assert ticket_row(app, number).status == "assigned"
    assert kinds(app, number) == [
        ("created", None), ("assigned", None), ("finished", "finished while assigned"),
        ("accepted", None), ("arrived", None), ("finished", None), ("note", None),
        ("called_back", None), ("closed", None), ("reopened", None),
    ]  # fmt: skip
    rows = read_csv(client.get(f"/dashboard/lanyuan/desk/{number}?format=csv&table=events"))
    assert rows[0] == ["at", "kind", "actor", "data", "applied", "reason"]
    assert rows[3][1:] == ["finished", "eng-l2", "", "0", "finished while assigned"]
    assert rows[8][1:] == ["called_back", "svc-l", "comment=还行 rating=fair reached=True", "1", ""]


def post(client, csrf: str, number: str, action: str, **fields):
    """A form sent with an id of its own (from a page opened before the ticket moved on)."""
    data = {"event_id": str(uuid.uuid4()), "csrf_token": csrf, **fields}
    return client.post(f"/dashboard/lanyuan/desk/{number}/{action}", data=data)


def test_an_unreached_call_back_and_a_cancel(app, desk):
    client, csrf = desk
    number = registered(client, csrf)
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    assert re.findall(r'id="form-(\w+)"', page) == ["dispatch", "note", "close", "cancel"]
    early = post(client, csrf, number, "callback", reached="yes")
    assert early.status_code == 409 and "不能回访" in early.get_data(as_text=True)
    assert act(client, csrf, number, "cancel", reason="业主撤回").status_code == 303
    assert ticket_row(app, number).status == "cancelled"
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    assert re.findall(r'id="form-(\w+)"', page) == ["note"]
    other = registered(client, csrf)
    phone_events(app, other, "desk", "closed")
    assert act(client, csrf, other, "callback", reached="no", rating="satisfied").status_code == 303
    row = ticket_row(app, other)
    assert (row.called_back, row.rating) == (False, None)  # no rating without a conversation
    assert post(client, csrf, other, "callback", reached="maybe").status_code == 400
    assert post(client, csrf, other, "note", text=" ").status_code == 400
    assert post(client, csrf, other, "explode").status_code == 404
    assert (
        client.post(
            f"/dashboard/lanyuan/desk/{other}/note", data={"text": "x", "csrf_token": csrf}
        ).status_code
        == 400
    )  # a form without its event id
    assert client.get("/dashboard/lanyuan/desk/LY-20990101-001").status_code == 404


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def test_photos_are_read_through_their_ticket(app, desk):
    client, _ = desk
    photo = jpeg()
    resident = app.test_client()
    sent = resident.post(
        "/r/lanyuan/",
        data={"category": "repair-normal", "room": "1-1-101", "name": "李先生",
              "phone": "13900001111", "description": "灯坏了", "report_id": str(uuid.uuid4()),
              "photos": [(io.BytesIO(photo), "p.jpg")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert sent.status_code == 303
    number = ticket_row_by_phone(app, "13900001111").number
    sha = hashlib.sha256(photo).hexdigest()
    page = client.get(f"/dashboard/lanyuan/desk/{number}").get_data(as_text=True)
    url = f"/dashboard/lanyuan/desk/{number}/photos/{sha}"
    assert f'<img src="{url}"' in page
    got = client.get(url)
    assert got.status_code == 200 and got.data == photo and got.mimetype == "image/jpeg"
    assert client.get(url.replace(sha, "0" * 64)).status_code == 404
    other_site, _ = signed_in(app, "svc-j", "jinxiu")
    assert other_site.get(url).status_code == 403


def ticket_row_by_phone(app, phone: str):
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.execute(select(tickets).where(tickets.c.phone == phone)).one()


EXC = "33333333-3333-4333-8333-333333333333"


def test_an_exception_becomes_a_ticket_in_one_click(app, desk):
    photo = jpeg("blue")
    sha = hashlib.sha256(photo).hexdigest()
    phone = app.test_client()
    engineer = bearer(sign_in(phone, "eng-l"))
    put = phone.put(f"/api/v1/blobs/{sha}", data=photo,
                    headers={**engineer, "Content-Type": "image/jpeg"})  # fmt: skip
    assert put.status_code == 201
    data = {**app_data("exception"), "category": "water", "note": "水泵房地面积水", "photos": [sha]}
    pushed = phone.post(
        "/api/v1/records", json={"records": [record(id=EXC, type="exception", data=data)]},
        headers=engineer,
    )  # fmt: skip
    assert pushed.get_json()["results"][0]["status"] == "created"
    supervisor, csrf = signed_in(app, "sup-l")
    page = supervisor.get(f"/dashboard/lanyuan/exceptions/{EXC}").get_data(as_text=True)
    assert 'id="make-ticket"' in page and '<option value="staff-found" selected>' in page
    url = f"/dashboard/lanyuan/exceptions/{EXC}/ticket"
    wrong = supervisor.post(url, data={"category": "nope", "csrf_token": csrf})
    assert wrong.status_code == 422 and "请选择类别。" in wrong.get_data(as_text=True)
    assert count(app, tickets) == 0
    form = {"category": "staff-found", "room": "水泵房", "csrf_token": csrf}
    made = supervisor.post(url, data=form)
    assert made.status_code == 303
    assert made.headers["Location"] == "/dashboard/lanyuan/desk/LY-20260609-001"
    assert supervisor.post(url, data=form).headers["Location"] == made.headers["Location"]
    assert count(app, tickets) == 1
    row = ticket_row(app, "LY-20260609-001")
    assert (row.source, row.exception_id, row.photos, row.room) == ("staff", EXC, [sha], "水泵房")
    assert (row.name, row.phone, row.description) == ("eng-l", "", "水泵房地面积水")
    with app.extensions["dutybook.engine"].connect() as conn:
        assert conn.execute(select(ticket_photos.c.sha256)).scalars().all() == [sha]
        notes = conn.execute(select(exception_events.c.note)).scalars().all()
    assert notes == ["已转客服工单 LY-20260609-001"]
    page = supervisor.get(f"/dashboard/lanyuan/exceptions/{EXC}").get_data(as_text=True)
    assert 'id="make-ticket"' not in page
    assert '<a href="/dashboard/lanyuan/desk/LY-20260609-001">LY-20260609-001</a>' in page
    # the desk sees the photo, by the ticket and by the blob API (the ticket's site may read it)
    client, _ = desk
    ticket = client.get("/dashboard/lanyuan/desk/LY-20260609-001").get_data(as_text=True)
    assert f'href="/dashboard/lanyuan/exceptions/{EXC}" id="exception-link"' in ticket
    assert client.get(f"/dashboard/lanyuan/desk/LY-20260609-001/photos/{sha}").data == photo
    assert client.get(f"/api/v1/blobs/{sha}").data == photo
    # 客服 cannot open exceptions, so cannot make tickets of them
    assert client.post(url, data=form).status_code == 403


@pytest.mark.parametrize(
    ("why", "zh", "en"),
    [
        ("finished while assigned", "工单为“已派单”时不能“处理完毕”",
         "“Done” cannot come while the ticket is “Dispatched”"),
        ("arrived by eng-l2, not the assignee", "eng-l2 不是负责人，不能“到场”",
         "eng-l2 is not the assignee and cannot say “On site”"),
        ("assigned to eng-l", "工单已派给 eng-l", "the ticket is given to eng-l"),
        ("created twice", "重复登记", "registered twice"),
        ("before the ticket was created", "早于工单登记", "before the ticket was registered"),
        ("something new", "something new", "something new"),
    ],
)  # fmt: skip
def test_why_an_event_was_not_applied_in_words(sqlite_app, why, zh, en):
    for lang, words in (("zh", zh), ("en", en)):
        with sqlite_app.test_request_context():
            session["lang"] = lang
            assert flag_words(why) == words
