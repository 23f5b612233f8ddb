"""The record store (`pwa.store.records`) run directly on SQLite and PostgreSQL, without HTTP, as
Kinto's storage tests run its backends: the API tests go through sync.py, these do not."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import Engine, event

from pwa.clock import utcnow
from pwa.store import accounts, exception_log, records
from tests.pwa.support import settled, writing

T0 = dt.datetime(2026, 6, 9, 2, 0)  # naive UTC, as stored
PH = accounts.hasher(1024, 1)


def row(user_id: int, rid: str | None = None, **values: object) -> tuple:
    """A row in `records.COLUMNS` order."""
    fields = {
        "id": rid or str(uuid.uuid4()),
        "type": "checklist_run",
        "def_id": "CHK-LY-1",
        "def_version": "1.0",
        "site": "lanyuan",
        "device_id": "phone-1",
        "seq": 1,
        "recorded_at": T0,
        "received_at": T0 + dt.timedelta(minutes=5),
        "user_id": user_id,
        "data": {"items": {}},
        "content_hash": "a" * 64,
        "flags": None,
        **values,
    }
    return tuple(fields[name] for name in records.COLUMNS)


def put(engine: Engine, rows: list[tuple]) -> tuple[set[str], dict[str, str]]:
    with writing(engine) as conn:
        return records.store(conn, rows)


def test_store_new_replay_and_conflict(engine, people):
    first = row(people["li"])
    assert put(engine, [first]) == ({first[0]}, {})
    with engine.connect() as conn:
        assert records.stored(conn, [first[0], str(uuid.uuid4())]) == {first[0]: "a" * 64}
    # the same id again, as a request that looked before the first committed would send it
    assert put(engine, [first]) == (set(), {first[0]: "a" * 64})
    other = row(people["li"], first[0], content_hash="b" * 64)
    inserted, found = put(engine, [other])
    assert inserted == set()
    assert found[first[0]] != other[records.HASH]
    settled(engine)
    with engine.connect() as conn:
        (kept,) = records.page(conn, None, 10)
    assert (kept.id, kept.content_hash, kept.username, kept.data) == (
        first[0],
        "a" * 64,
        "li",
        {"items": {}},
    )


def test_concurrent_insert_of_the_same_id_stores_it_once(engine, people):
    rid = str(uuid.uuid4())
    rows = [row(people["li"], rid, content_hash=h * 64) for h in "cd"]
    start = threading.Barrier(2)
    results: list[tuple[set[str], dict[str, str]]] = []

    def push(one: tuple) -> None:
        start.wait()
        results.append(put(engine, [one]))

    threads = [threading.Thread(target=push, args=(r,)) for r in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(inserted) for inserted, _ in results) == [0, 1]
    (won,) = [inserted for inserted, _ in results if inserted]
    (lost,) = [found for inserted, found in results if not inserted]
    with engine.connect() as conn:
        stored = records.stored(conn, [rid])
    assert won == {rid}
    assert lost == stored  # the loser learns what the winner stored
    assert stored[rid] in {r[records.HASH] for r in rows}


def test_runs_in_a_period_are_half_open(engine, people):
    end = T0 + dt.timedelta(hours=8)
    inside = [T0, T0 + dt.timedelta(hours=3), end - dt.timedelta(seconds=1)]
    outside = [T0 - dt.timedelta(seconds=1), end]
    put(engine, [row(people["li"], recorded_at=t) for t in inside + outside])
    put(engine, [row(people["li"], type="patrol_round", recorded_at=T0)])
    with engine.connect() as conn:
        found = records.runs(conn, "lanyuan", "CHK-LY-1", "checklist_run", T0, end)
        assert [r.recorded_at for r in found] == inside
        assert records.count_runs(conn, "lanyuan", "CHK-LY-1", "checklist_run", T0, end) == 3
        assert records.run_times(conn, "lanyuan", T0, end) == {"CHK-LY-1": [T0, *inside]}
        assert records.last_received(conn, "lanyuan") == T0 + dt.timedelta(minutes=5)
        assert records.last_received(conn, "nowhere") is None


def test_last_sync_per_device(engine, people):
    with writing(engine) as conn:
        recent, _ = accounts.issue_token(conn, people["li"], "phone-1", 12)
        accounts.issue_token(conn, people["li"], "phone-2", 12)  # never used
        far, _ = accounts.issue_token(conn, people["wang"], "phone-3", 12)
        for token in (recent, far):
            token_id = accounts.bearer(conn, token).user.token_id
            accounts.touch_token(conn, token_id)
    with engine.connect() as conn:
        since = utcnow() - dt.timedelta(hours=1)
        (device,) = records.last_sync(conn, "lanyuan", since)
        assert device[:2] == ("phone-1", frozenset({"guard"}))
        assert abs(device[2] - utcnow()) < dt.timedelta(minutes=1)
        later = utcnow() + dt.timedelta(minutes=1)
        assert records.last_sync(conn, "lanyuan", later) == []


def test_exceptions_and_their_events(engine, people):
    li = people["li"]
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    put(
        engine,
        [
            row(li, old, type="exception", recorded_at=T0 - dt.timedelta(days=10)),
            row(li, new, type="incident", recorded_at=T0),
            row(li, type="checklist_run"),
            row(people["wang"], type="exception", site="jinxiu"),
        ],
    )
    with engine.connect() as conn:
        assert [r.id for r in records.exceptions(conn, "lanyuan", None)] == [new, old]
        assert [r.id for r in records.exceptions(conn, "lanyuan", T0)] == [new]
        assert records.exception(conn, "lanyuan", new.upper()).username == "li"
        assert records.exception(conn, "jinxiu", new) is None
    with writing(engine) as conn:
        exception_log.add_exception_event(conn, new, li, "assigned", "wang", None)
        exception_log.add_exception_event(conn, new, li, None, None, "on my way")
        exception_log.add_exception_event(conn, old, li, "resolved", None, "done")
    with engine.connect() as conn:
        events = exception_log.exception_events_of(conn, [new, old])
    assert [(e.record_id, e.status, e.assignee, e.note, e.username) for e in events] == [
        (new, "assigned", "wang", None, "li"),
        (new, None, None, "on my way", "li"),
        (old, "resolved", None, "done", "li"),
    ]


def test_the_sites_day_reads_only_its_periods(engine, people):
    # a phone's pull after every sync: the query must stay within the current periods, not
    # read a month of the site's runs for one monthly checklist (SQLite did: 100 ms at a
    # million records, where PostgreSQL's planner combined the OR's ranges itself in 5 ms)
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans the OR of ranges as a bitmap of index scans")
    since = {"PTL-A": T0, "CHK-B": T0 + dt.timedelta(hours=8)}
    statements: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, *_args) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    with engine.connect() as conn:
        records.runs_since(conn, "lanyuan", since)
    event.remove(engine, "before_cursor_execute", seen)
    ((statement, parameters),) = [s for s in statements if s[0].lstrip().startswith("SELECT")]
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    searches = [row[-1] for row in plan if row[-1].startswith("SEARCH records")]
    # each definition's own range: its runs since its period began, nothing older
    assert len(searches) == len(since), plan
    assert all("def_id=? AND type=? AND recorded_at>?" in s for s in searches), plan
