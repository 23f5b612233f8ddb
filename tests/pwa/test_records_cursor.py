"""The record store's cursor (`records.page`) on SQLite and PostgreSQL: every record once, in a
stable order, while other transactions write and commit in any order."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid

import pytest
from sqlalchemy import exc, insert, select

from pwa.store import records
from pwa.store.models import records as records_table
from tests.pwa.support import settled, writing
from tests.pwa.test_records_store import T0, put, row


def read_all(
    engine, sites, size: int, after=records.START, settle: bool = True
) -> tuple[list[str], records.Position]:
    """Page from `after` to the end of what is readable now: the ids and the last cursor;
    `settle`: first wait for other tests' transactions on a shared PostgreSQL to end."""
    seen: list[str] = []
    if settle:
        settled(engine)
    with engine.connect() as conn:
        while found := records.page(conn, sites, size, after):
            seen += [r.id for r in found]
            after = records.position(found[-1])
            conn.commit()
    return seen, after


def test_pages_follow_the_transactions_then_the_ids(engine, people):
    first = sorted(str(uuid.uuid4()) for _ in range(3))
    put(engine, [row(people["li"], i, recorded_at=T0 + dt.timedelta(hours=n)) for n, i in
                 enumerate(reversed(first))])  # fmt: skip
    # recorded earlier, stored later: it comes after, where the cursor will look
    late = str(uuid.uuid4())
    put(engine, [row(people["li"], late, recorded_at=T0 - dt.timedelta(days=3))])
    put(engine, [row(people["wang"], site="jinxiu")])
    seen, _ = read_all(engine, ["lanyuan"], 2)
    assert seen == [*first, late]
    everything, _ = read_all(engine, None, 4)
    assert everything[:4] == seen and len(everything) == 5
    settled(engine)
    with engine.connect() as conn:
        txns = [r.txn for r in records.page(conn, None, 10)]
    assert txns[0] == txns[1] == txns[2] < txns[3] < txns[4]


def test_several_sites_are_merged_in_the_one_order(engine, people):
    for n in range(6):
        site = "lanyuan" if n % 2 else "jinxiu"
        put(engine, [row(people["li"], site=site), row(people["li"], site=site)])
    both, _ = read_all(engine, ["jinxiu", "lanyuan"], 3)
    everything, _ = read_all(engine, None, 5)
    assert both == everything and len(both) == 12
    with engine.connect() as conn:
        assert records.page(conn, ["nowhere"], 10) == []


def test_a_row_committed_late_is_read_not_skipped(engine, people):
    """A writes first and commits last. PostgreSQL numbers A below B, so B, committed, waits
    until A ends; a cursor handed out meanwhile is still before A. SQLite's B waits for A's
    write lock, so its number is taken after A commits."""
    postgresql = engine.dialect.name == "postgresql"
    a, b = row(people["li"]), row(people["li"])
    b_done = threading.Event()

    def write_b() -> None:
        put(engine, [b])
        b_done.set()

    with writing(engine) as conn:
        records.store(conn, [a])
        writer = threading.Thread(target=write_b)
        writer.start()
        assert b_done.wait(5 if postgresql else 0.5) is postgresql
        with engine.connect() as reader:
            committed = records.stored(reader, [a[0], b[0]])
            # B is committed (PostgreSQL) but not readable yet: A below it may still commit
            assert set(committed) == ({b[0]} if postgresql else set())
        seen, cursor = read_all(engine, None, 10, settle=False)  # A is still open
        assert (seen, cursor) == ([], records.START)
    writer.join(10)
    assert read_all(engine, None, 10, cursor)[0] == [a[0], b[0]]


def test_no_record_skipped_or_repeated_while_others_write(engine, people):
    """Writers commit batches in random order and at random moments (PostgreSQL numbers them
    as they start); a reader pages all the while, three at a time, and then to the end."""
    writers, batches = 4, 12
    written: list[str] = []
    lock = threading.Lock()
    running = threading.Event()
    running.set()

    def writer(n: int) -> None:
        rng = random.Random(n)
        for _ in range(batches):
            rows = [row(people["li"], seq=n) for _ in range(rng.randint(1, 5))]
            with writing(engine) as conn:
                records.store(conn, rows)
                time.sleep(rng.random() / 50)  # hold the transaction open, then commit
            with lock:
                written.extend(r[0] for r in rows)

    seen: list[str] = []
    cursor = records.START

    def reader() -> None:
        nonlocal cursor
        while running.is_set():
            more, cursor = read_all(engine, ["lanyuan"], 3, cursor)
            seen.extend(more)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    running.clear()
    reading.join()
    # the end: what the reader had not reached yet (another test's transaction on the shared
    # PostgreSQL server can hold the horizon back for a moment)
    deadline = time.monotonic() + 10
    while len(seen) < len(written) and time.monotonic() < deadline:
        more, cursor = read_all(engine, ["lanyuan"], 3, cursor)
        seen.extend(more)
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(written)


def test_a_horizon_ends_a_read_while_others_keep_writing(engine, people):
    put(engine, [row(people["li"]) for _ in range(5)])
    settled(engine)
    with engine.connect() as conn:
        below = records.horizon(conn)
    put(engine, [row(people["li"])])
    with engine.connect() as conn:
        got = [r.id for page in records.pages(conn, None, 2, below) for r in page]
        assert len(got) == 5
        assert [r.id for r in records.page(conn, None, 10)][:5] == got


def test_a_core_insert_gets_its_number_and_sqlite_refuses_a_row_without_one(engine, people):
    values = dict(zip(records.COLUMNS, row(people["li"]), strict=True))
    with writing(engine) as conn:
        conn.execute(insert(records_table), [values])
        stored = conn.scalar(select(records_table.c.txn).where(records_table.c.id == values["id"]))
    assert stored > 0
    if engine.dialect.name != "sqlite":
        return
    # raw SQL that leaves the number to the column's default would go behind given cursors
    raw = dict(values, id=str(uuid.uuid4()), data="{}")
    names = ", ".join(raw)
    refused = pytest.raises(exc.IntegrityError, match="records.txn must be given")
    with refused, writing(engine) as conn:
        conn.exec_driver_sql(
            f"INSERT INTO records ({names}) VALUES ({', '.join('?' * len(raw))})",
            tuple(raw.values()),
        )
