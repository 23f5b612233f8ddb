"""The assignee's side of the service desk over HTTP, on both databases: the phone's list of
tickets (its own and its role's pool, phone numbers masked) and its events arriving as
`ticket_event` records through the one sync protocol."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk as rules
from pwa.store import db
from pwa.store.models import records, ticket_events, tickets
from tests.pwa.desk_support import add_people as add_desk_people
from tests.pwa.support import add_people, bearer, now_iso, sign_in


def open_ticket(app, site="lanyuan", to=None, role="engineer", category="repair-normal") -> str:
    with app.app_context(), db.writing() as conn:
        d = current_bundle().desk
        report = rules.Report(site, category, "3-1-502", "张女士", "13800138000", "漏水", "phone")
        tid, _, _ = rules.report(conn, d, report, actor="desk", user_id=None, now=utcnow())
        event = rules.NewEvent(
            str(uuid.uuid4()), "assigned", utcnow(), "desk", {"to": to, "role": role}
        )
        rules.add(conn, d, tid, [event], utcnow())
    return tid


def seen(client, token, tid) -> str:
    listed = client.get("/api/v1/tickets", headers=bearer(token)).get_json()["tickets"]
    return next(t["seen"] for t in listed if t["id"] == tid)


def event(tid: str, kind: str, **data) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "ticket_event",
        "def_id": "SVC-DESK",
        "def_version": "1.0",
        "site": "lanyuan",
        "device_id": "dev-1",
        "seq": 1,
        "recorded_at": now_iso(),
        "data": {
            "ticket": tid,
            "kind": kind,
            "seen": now_iso(),
            "text": "",
            "parts": "",
            "photos": [],
            **data,
        },
    }


def test_the_phone_lists_its_own_and_its_pool_with_masked_numbers(app, client):
    add_people(app)
    mine = open_ticket(app, to="eng-l")
    pool = open_ticket(app, to=None)
    open_ticket(app, site="jinxiu")  # another site
    open_ticket(app, to=None, role="cleaner")  # another role's pool
    token = sign_in(client, "eng-l")
    body = client.get("/api/v1/tickets", headers=bearer(token)).get_json()
    listed = {t["id"]: t for t in body["tickets"]}
    assert set(listed) == {mine, pool}
    assert listed[mine]["phone"] == "138****8000"
    assert set(listed[mine]["clocks"]) == {"respond", "on_site", "close"}
    assert listed[mine]["clocks"]["close"]["due"].endswith("+00:00")
    assert body["desk"] == {"def_id": "SVC-DESK", "version": "1.0"}
    assert client.get("/api/v1/tickets").status_code == 401


def test_a_phone_works_a_ticket_through_sync_and_replays_are_duplicates(app, client):
    add_people(app)
    tid = open_ticket(app, to=None)
    token = sign_in(client, "eng-l")
    at = seen(client, token, tid)
    batch = [
        event(tid, "accepted", seen=at),
        event(tid, "arrived", seen=at),
        event(tid, "finished", seen=at, text="换阀门", parts="角阀 ×1"),
    ]
    first = client.post(
        "/api/v1/records", json={"records": batch}, headers=bearer(token)
    ).get_json()
    assert [r["status"] for r in first["results"]] == ["created"] * 3
    again = client.post(
        "/api/v1/records", json={"records": batch}, headers=bearer(token)
    ).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    with app.extensions["dutybook.engine"].connect() as conn:
        row = conn.execute(select(tickets).where(tickets.c.id == tid)).one()
        kinds = [
            e.kind
            for e in conn.execute(select(ticket_events).where(ticket_events.c.ticket_id == tid))
        ]
        kept = conn.execute(select(records.c.id).where(records.c.type == "ticket_event")).all()
    assert row.status == "waiting" and row.assignee == "eng-l" and row.flagged == 0
    assert sorted(kinds) == sorted(["created", "assigned", "accepted", "arrived", "finished"])
    assert len(kept) == 3


def test_an_event_for_a_ticket_elsewhere_or_unknown_is_refused(app, client):
    add_people(app)
    elsewhere = open_ticket(app, site="jinxiu")
    token = sign_in(client, "eng-l")
    batch = [
        event(elsewhere, "accepted"),
        event(str(uuid.uuid4()), "accepted"),
        event("nope", "accepted"),
    ]
    results = client.post(
        "/api/v1/records", json={"records": batch}, headers=bearer(token)
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert [r["error"]["loc"] for r in results] == [["data", "ticket"]] * 3
    with app.extensions["dutybook.engine"].connect() as conn:
        assert (
            conn.execute(select(records.c.id).where(records.c.type == "ticket_event")).all() == []
        )


def test_a_finish_before_accepting_is_kept_and_flagged(app, client):
    add_people(app)
    tid = open_ticket(app, to="eng-l")
    token = sign_in(client, "eng-l")
    early = event(tid, "finished", seen=seen(client, token, tid))
    client.post("/api/v1/records", json={"records": [early]}, headers=bearer(token))
    with app.extensions["dutybook.engine"].connect() as conn:
        flags = [
            e.flag
            for e in conn.execute(select(ticket_events).where(ticket_events.c.kind == "finished"))
        ]
    assert flags == ["finished while assigned"]


def test_a_phone_clock_behind_the_server_still_follows_what_it_saw(app, client):
    """The phone's clock is an hour slow: without `seen` its accept would sort before the
    dispatch it answers and be flagged."""
    add_people(app)
    tid = open_ticket(app, to="eng-l")
    token = sign_in(client, "eng-l")
    slow = now_iso(delta=dt.timedelta(hours=-1))
    batch = [
        {**event(tid, "accepted", seen=seen(client, token, tid)), "recorded_at": slow},
        {**event(tid, "arrived", seen=seen(client, token, tid)), "recorded_at": slow},
    ]
    client.post("/api/v1/records", json={"records": batch}, headers=bearer(token))
    with app.extensions["dutybook.engine"].connect() as conn:
        row = conn.execute(select(tickets).where(tickets.c.id == tid)).one()
    assert row.status == "on_site" and row.flagged == 0


def test_the_list_says_why_the_server_marked_the_phones_own_events(app, client):
    """An accept from a phone an hour slow is applied but its record flagged `clock`; an
    arrival after the desk put the ticket back in the pool is kept, not applied. The list
    tells the phone both, for its own events only."""
    add_desk_people(app)
    tid = open_ticket(app, to="eng-l")
    token = sign_in(client, "eng-l")
    slow = {
        **event(tid, "accepted", seen=seen(client, token, tid)),
        "recorded_at": now_iso(delta=dt.timedelta(hours=-1)),
    }
    answer = client.post("/api/v1/records", json={"records": [slow]}, headers=bearer(token))
    assert answer.get_json()["results"] == [
        {"id": slow["id"], "status": "created", "flags": ["clock"]}
    ]
    with app.app_context(), db.writing() as conn:
        back = rules.NewEvent(str(uuid.uuid4()), "assigned", utcnow(), "desk", {"role": "engineer"})
        rules.add(conn, current_bundle().desk, tid, [back], utcnow())
    arrived = event(tid, "arrived", seen=seen(client, token, tid))
    other = sign_in(client, "eng-l2")
    theirs = event(tid, "finished", seen=arrived["data"]["seen"])
    client.post("/api/v1/records", json={"records": [arrived]}, headers=bearer(token))
    client.post("/api/v1/records", json={"records": [theirs]}, headers=bearer(other))

    listed = client.get("/api/v1/tickets", headers=bearer(token)).get_json()["tickets"]
    (ticket,) = [t for t in listed if t["id"] == tid]
    assert ticket["status"] == "assigned" and ticket["pool"] == "engineer"
    assert ticket["flags"] == {
        slow["id"]: [{"why": "clock"}],
        arrived["id"]: [{"why": "while", "event": "arrived", "status": "assigned"}],
    }
    # eng-l2's own flagged event is on eng-l2's list, not eng-l's
    listed = client.get("/api/v1/tickets", headers=bearer(other)).get_json()["tickets"]
    (ticket,) = [t for t in listed if t["id"] == tid]
    assert ticket["flags"] == {
        theirs["id"]: [{"why": "while", "event": "finished", "status": "assigned"}]
    }


def test_explain_reads_back_every_reason_derive_gives():
    from pwa.ops.tickets import explain

    assert explain("accepted while closed") == {
        "why": "while", "event": "accepted", "status": "closed"
    }  # fmt: skip
    assert explain("arrived by eng-l2, not the assignee") == {
        "why": "not_assignee", "event": "arrived", "actor": "eng-l2"
    }  # fmt: skip
    assert explain("assigned to eng-j") == {"why": "assigned_to", "person": "eng-j"}
    assert explain("created twice") == {"why": "created_twice"}
    assert explain("before the ticket was created") == {"why": "before_created"}
    assert explain("something new") == {"why": "other", "text": "something new"}
