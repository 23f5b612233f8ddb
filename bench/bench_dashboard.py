"""The dashboard's day page for a site with a year of records (≈ 500,000), SQLite and PostgreSQL.

Records are generated from the real handbook's schedules (`sop/`): every scheduled patrol
round and checklist run at lanyuan, about 3 % of them left out, plus more runs, exceptions,
acknowledgements and quizzes from 24 phones until the year holds ≈ 500,000 rows; they are
inserted directly with SQLAlchemy (the sync API is measured by bench_sync). The page is then
requested through the Flask test client as an admin with a cookie session, the way a browser
asks, and timed from request to rendered HTML.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.pool import NullPool

from bench.results import Row
from tests.conftest import POSTGRES

ROOT = Path(__file__).resolve().parent.parent

SITE = "lanyuan"
TARGET_ROWS = 500_000
TARGET_MS = 300
RUNS = 15


def _database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}"
    schema = f"bench_dash_{uuid.uuid4().hex[:6]}"
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        schema = url.rsplit("%3D", 1)[1]
        engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _people(conn) -> list[tuple[int, str]]:
    """An admin and 24 staff, each with a phone; (user id, device id) of the staff."""
    from pwa.store import accounts
    from pwa.store.models import tokens, utcnow

    ph = accounts.hasher(1024, 1)
    accounts.add_user(conn, ph, "admin", "bench password", ["admin"], [])
    phones = []
    for index, role in enumerate(
        ["guard"] * 10 + ["cleaner"] * 6 + ["engineer"] * 4 + ["service"] * 4
    ):
        user_id = accounts.add_user(conn, ph, f"{role}-{index}", "bench password", [role], [SITE])
        phones.append((user_id, f"phone-{index:02d}"))
        accounts.issue_token(conn, user_id, f"phone-{index:02d}", 365 * 24)
    # every phone called in an hour ago: its token's last use is its last sync
    conn.execute(update(tokens).values(last_used_at=utcnow() - dt.timedelta(hours=1)))
    return phones


def _generate(bundle: dict, phones: list[tuple[int, str]], first: dt.date, days: int):
    """Yield record rows: the schedules' work, then filler up to TARGET_ROWS."""
    from pwa.ops import schedules

    rng = random.Random(7)
    tz = schedules.ZoneInfo("Asia/Shanghai")
    versioned = [
        (doc_id, e["version"], e["kind"])
        for doc_id, e in bundle["documents"].items()
        if e["kind"] in ("procedure", "checklist", "patrol", "emergency", "course")
    ]
    checklists = [d for d, _, k in versioned if k == "checklist"]
    patrols = [d for d, _, k in versioned if k == "patrol"]
    seq = 0

    def row(type_, def_id, when_utc, data):
        nonlocal seq
        seq += 1
        user_id, device = phones[seq % len(phones)]
        late = rng.random() < 0.02
        received = when_utc + dt.timedelta(
            minutes=rng.randint(0, 10), days=rng.randint(1, 3) if late else 0
        )
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "type": type_,
            "def_id": def_id,
            "def_version": bundle["documents"][def_id]["version"],
            "site": SITE,
            "device_id": device,
            "seq": seq,
            "recorded_at": when_utc,
            "received_at": received,
            "user_id": user_id,
            "data": data,
            "content_hash": "0" * 64,
            "flags": None,
        }

    scheduled = 0
    per_day: list[list[dict]] = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        rows = []
        for exp in schedules.expectations(bundle, SITE, day, tz):
            if exp.every not in ("shift", "day"):
                continue
            for slot in exp.slots:
                if rng.random() < 0.03:
                    continue
                when = schedules.utc_naive(slot.due) + dt.timedelta(minutes=rng.randint(0, 30))
                if exp.kind == "patrol":
                    data = {"started_at": slot.due.isoformat(), "scans": [], "missed": [],
                            "second_person": "伙伴" if rng.random() < 0.9 else None}  # fmt: skip
                    rows.append(row("patrol_round", exp.def_id, when, data))
                else:
                    rows.append(row("checklist_run", exp.def_id, when, {"items": {}}))
        scheduled += len(rows)
        per_day.append(rows)
    filler = max(0, TARGET_ROWS - scheduled)
    for offset, rows in enumerate(per_day):
        day = first + dt.timedelta(days=offset)
        start = schedules.utc_naive(schedules.period_bounds("day", day, tz)[0])
        share = filler // days + (1 if offset < filler % days else 0)
        for _ in range(share):
            when = start + dt.timedelta(seconds=rng.randint(0, 86_399))
            pick = rng.random()
            if pick < 0.45:
                rows.append(row("checklist_run", rng.choice(checklists), when, {"items": {}}))
            elif pick < 0.8:
                rows.append(row("patrol_round", rng.choice(patrols), when, {"scans": []}))
            elif pick < 0.9:
                procedure = rng.choice([d for d, _, k in versioned if k == "procedure"])
                rows.append(row("exception", procedure, when, {"note": "漏水", "photos": []}))
            else:
                doc_id = rng.choice(versioned)[0]
                rows.append(row("ack", doc_id, when, {"major": 1}))
        yield from rows


def _fill(url: str) -> tuple[int, float, dt.date]:
    from pwa.api.definitions import bundle_from_sop
    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade
    from pwa.store.models import records

    engine = make_engine(url)
    upgrade(engine)
    bundle = bundle_from_sop(ROOT / "sop", None)
    with engine.begin() as conn:
        phones = _people(conn)
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=364)
    start = time.perf_counter()
    batch, count = [], 0
    with engine.begin() as conn:
        for rec in _generate(bundle, phones, first, 365):
            batch.append(rec)
            if len(batch) == 5000:
                conn.execute(insert(records), batch)
                count += len(batch)
                batch = []
        if batch:
            conn.execute(insert(records), batch)
            count += len(batch)
    # statistics as a running server would have them (autovacuum does this on PostgreSQL)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    return count, time.perf_counter() - start, today


def _time_page(url: str, path: str) -> tuple[list[float], int]:
    from pwa import create_app

    with tempfile.TemporaryDirectory() as site:
        app = create_app(
            {
                "SECRET_KEY": "bench-secret-key-0123456789",
                "DATABASE_URL": url,
                "SITE_DIR": site,
                "SOP_DIR": str(ROOT / "sop"),
                "CONTENT_DIR": str(ROOT / "content"),
                "PASSWORD_MEMORY_KIB": 1024,
                "PASSWORD_TIME_COST": 1,
            }
        )
        client = app.test_client()
        page = client.get("/dashboard/login").get_data(as_text=True)
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/dashboard/login",
            data={"username": "admin", "password": "bench password", "csrf_token": csrf},
        )
        size = 0
        for _ in range(3):  # warm: the bundle, templates, connection pool
            response = client.get(path)
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
            size = len(response.data)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        app.extensions["dutybook.engine"].dispose()
    return times, size


def _one(kind: str, tmp: Path, notes: list[str]) -> list[Row]:
    url = _database(kind, tmp)
    try:
        count, seconds, today = _fill(url)
        rows = []
        for label, day in (("a past day", today - dt.timedelta(days=180)), ("today", today)):
            times, size = _time_page(url, f"/dashboard/{SITE}/?date={day.isoformat()}")
            median = statistics.median(times)
            worst = max(times)
            rows.append(
                Row(
                    f"dashboard day page, {label}, {kind}, {count:,} records",
                    f"≤ {TARGET_MS} ms",
                    f"median {median:.0f} ms, max {worst:.0f} ms ({size // 1024} KiB HTML)",
                    met=median <= TARGET_MS,
                )
            )
        notes.append(
            f"bench_dashboard {kind}: {count:,} records inserted in {seconds:.0f} s; page timed "
            f"{RUNS} times after 3 warm-up requests, through the Flask test client."
        )
        return rows
    finally:
        _drop(url)


def on_both_stores(one, notes: list[str]) -> list[Row]:
    """`one(kind, tmp, notes)` on SQLite and then PostgreSQL, in one temporary folder."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            rows += one(kind, Path(tmp), notes)
    return rows


def run(notes: list[str]) -> list[Row]:
    return on_both_stores(_one, notes)


if __name__ == "__main__":
    found: list[str] = []
    for result in run(found):
        print(f"{result.figure}: {result.measured} (target {result.target}, met {result.met})")
    print("\n".join(found))
