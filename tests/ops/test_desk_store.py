"""The service desk's rules over the ticket store, on a real SQLite file and PostgreSQL:
numbers, the log kept whole, replays, late events re-deriving the state, clamped clocks."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import Engine

from pwa.ops import desk
from pwa.store import tickets as store
from pwa.store.db import make_engine

T0 = dt.datetime(2026, 6, 9, 2, 30)  # naive UTC: 10:30 in Shanghai
BUNDLE = {
    "site": {
        "timezone": "Asia/Shanghai",
        "calendar": {"working_days": ["mon", "tue", "wed", "thu", "fri"]},
        "properties": [{"id": "lanyuan", "code": "LY"}, {"id": "jinxiu", "code": "JX"}],
        "roles": [{"id": "engineer"}, {"id": "service"}],
    },
    "documents": {
        "svc-desk": {
            "doc": {
                "kind": "desk",
                "id": "svc-desk",
                "version": "1.0",
                "categories": [
                    {
                        "id": "repair-normal",
                        "group": "repair",
                        "dispatch_to": "engineer",
                        "respond": "15m",
                        "on_site": "30m",
                        "close": "24h",
                    },
                    {
                        "id": "praise",
                        "group": "praise",
                        "dispatch_to": "service",
                        "close": "2wd",
                        "resident": False,
                    },
                ],
            }
        }
    },
}
DESK = desk.Desk.from_bundle(BUNDLE)


@pytest.fixture
def engine(database) -> Engine:
    made = make_engine(database)
    yield made
    made.dispose()


def rep(**values) -> desk.Report:
    fields = dict(
        site="lanyuan",
        category="repair-normal",
        room="3-1-502",
        name="张女士",
        phone="138 0013 8000",
        description="厨房水管漏水",
        source="resident",
    )
    fields.update(values)
    return desk.Report(**fields)


def new(kind, minutes, actor="wang", **data):
    return desk.NewEvent(str(uuid.uuid4()), kind, T0 + dt.timedelta(minutes=minutes), actor, data)


def test_numbers_count_per_site_and_local_day(engine):
    with engine.begin() as conn:
        numbers = [
            desk.report(conn, DESK, rep(), actor="resident", user_id=None, now=T0)[1]
            for _ in range(3)
        ]
        other = desk.report(conn, DESK, rep(site="jinxiu"), actor="resident", user_id=None, now=T0)[
            1
        ]
        # 16:30 UTC is already the next day in Shanghai
        late = desk.report(
            conn, DESK, rep(), actor="resident", user_id=None, now=dt.datetime(2026, 6, 9, 16, 30)
        )[1]
    assert numbers == ["LY-20260609-001", "LY-20260609-002", "LY-20260609-003"]
    assert other == "JX-20260609-001" and late == "LY-20260610-001"


def test_numbers_are_unique_under_concurrent_reports(engine):
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's")
    got, errors = [], []

    def one():
        try:
            with engine.begin() as conn:
                got.append(
                    desk.report(conn, DESK, rep(), actor="resident", user_id=None, now=T0)[1]
                )
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(got) == [f"LY-20260609-{n:03d}" for n in range(1, 9)]


def test_the_loop_with_replays_and_a_late_event(engine):
    with engine.begin() as conn:
        tid, number, token = desk.report(conn, DESK, rep(), actor="resident", user_id=None, now=T0)
    assign, accept, arrive = (
        new("assigned", 1, "desk", to="wang"),
        new("accepted", 5),
        new("arrived", 20),
    )
    finish = new("finished", 60, text="换了阀门", parts="角阀")
    with engine.begin() as conn:
        assert desk.add(conn, DESK, tid, [assign, accept], T0 + dt.timedelta(minutes=6)) == {
            assign.id: "created",
            accept.id: "created",
        }
        # the phone was offline: finished arrives before arrived did
        desk.add(conn, DESK, tid, [finish], T0 + dt.timedelta(minutes=90))
        row = store.ticket(conn, tid)
        assert row.status == "accepted" and row.flagged == 1
        desk.add(conn, DESK, tid, [arrive, finish, accept], T0 + dt.timedelta(minutes=95))
        row = store.ticket(conn, tid)
        events = store.events_of(conn, tid)
    assert row.status == "waiting" and row.flagged == 0  # the late event re-derived it
    assert [e.kind for e in events] == ["created", "assigned", "accepted", "arrived", "finished"]
    assert all(e.flag is None for e in events)
    assert (row.respond_minutes, row.on_site_minutes) == (5, 20)
    assert row.close_due == T0 + dt.timedelta(hours=24) and row.close_stop is None
    with engine.connect() as conn:
        assert store.by_token(conn, desk.token_hash(token)).number == number


def test_a_resent_event_with_other_content_is_a_conflict(engine):
    with engine.begin() as conn:
        tid, _, _ = desk.report(conn, DESK, rep(), actor="resident", user_id=None, now=T0)
        note = new("note", 3, text="第一次")
        desk.add(conn, DESK, tid, [note], T0 + dt.timedelta(minutes=4))
        changed = desk.NewEvent(note.id, "note", note.at, note.actor, {"text": "改了"})
        assert desk.add(conn, DESK, tid, [changed], T0 + dt.timedelta(minutes=5)) == {
            note.id: "conflict"
        }
        assert store.events_of(conn, tid)[-1].data == {"text": "第一次"}


def test_a_phone_clock_ahead_or_behind_is_kept_inside_the_ticket_life(engine):
    with engine.begin() as conn:
        tid, _, _ = desk.report(conn, DESK, rep(), actor="resident", user_id=None, now=T0)
        desk.add(conn, DESK, tid, [new("assigned", 1, "desk", to="wang")], T0)
        now = T0 + dt.timedelta(minutes=10)
        desk.add(conn, DESK, tid, [new("accepted", -600), new("arrived", 10_000)], now)
        kept = {e.kind: e.at for e in store.events_of(conn, tid)}
    assert kept["accepted"] == T0 and kept["arrived"] == now


def test_reports_are_checked(engine):
    with engine.begin() as conn:
        for bad, field in [
            (rep(category="praise"), "category"),  # not for residents
            (rep(category="nope"), "category"),
            (rep(site="elsewhere"), "site"),
            (rep(phone="call me"), "phone"),
            (rep(description=" "), "description"),
            (rep(room="x" * 65), "room"),
            (rep(photos=("f" * 64,) * 4), "photos"),
        ]:
            with pytest.raises(desk.DeskError) as caught:
                desk.report(conn, DESK, bad, actor="resident", user_id=None, now=T0)
            assert caught.value.field == field
        desk.report(
            conn, DESK, rep(category="praise", source="phone"), actor="li", user_id=None, now=T0
        )


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("rated", {"rating": "great"}, "data.rating"),
        ("note", {"text": ""}, "data.text"),
        ("finished", {"photos": ["not-a-hash"]}, "data.photos.0"),
        ("assigned", {"to": "wang", "extra": 1}, "data.extra"),
        ("exploded", {}, "kind"),
    ],
)
def test_event_data_is_checked(kind, data, field):
    with pytest.raises(desk.DeskError) as caught:
        desk.event_data(kind, data)
    assert caught.value.field == field


def test_masking():
    assert desk.mask_phone("13800138000") == "138****8000"
    assert desk.mask_phone("96333") == "*****"
