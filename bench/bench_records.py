"""Reading 1,000,000 records with the cursor, SQLite and PostgreSQL, and a phone's pull of a
busy site's day.

A year and a month of records over ten sites, 1,000,000 in all, stored through the record
store's own insert (`pwa.store.records.store`) in transactions of 500, as pushes store them, so
each transaction has its number. The busy site, lanyuan, does every scheduled patrol round and
checklist run of the real handbook (`sop/`) twice over (two crews), about 3 % left out, and
exceptions; the rest is filler of every type at the other sites.

Measured through the Flask test client, as an admin with a bearer token: the cursor read of
everything (`GET /api/v1/records?limit=1000`, page after page with `next`) as records per
second, and the store's own page loop without HTTP; a page at the start against a page at the
end of the million (every site, and one site). Then the pull a phone makes after each sync
(`GET /api/v1/site-day?site=lanyuan`) at 19:30 on the last day, near the end of the day shift
when the day's periods hold the most, as a guard and as a supervisor: records, bytes, time.

The size can be made small to check the bench works before the long run (the full one stores a
million records twice and takes its time on a shared machine). Run directly it prints its
figures and leaves bench/RESULTS.md alone:

    DUTYBOOK_BENCH_RECORDS=20000 DUTYBOOK_BENCH_DAYS=30 DUTYBOOK_BENCH_PAGE=200 \
    DUTYBOOK_BENCH_DATABASES=sqlite .venv/bin/python -m bench.bench_records

The full run, which rewrites this module's rows of bench/RESULTS.md: `.venv/bin/python -m bench
records` (or `make bench`, every bench).
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.bench_dashboard import _database, _drop, on_both_stores
from bench.results import Row

ROOT = Path(__file__).resolve().parent.parent
TOTAL = int(os.environ.get("DUTYBOOK_BENCH_RECORDS", "1000000"))
BATCH = 500
BUSY = "lanyuan"
SITES = [BUSY, "jinxiu", *(f"site-{n:02d}" for n in range(3, 11))]
DAYS = int(os.environ.get("DUTYBOOK_BENCH_DAYS", "400"))
STORES = os.environ.get("DUTYBOOK_BENCH_DATABASES", "sqlite,postgresql").split(",")
# the pull is asked at the end of the last day shift, in the sites' zone
NOW = dt.datetime(2026, 11, 20, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PAGE = int(os.environ.get("DUTYBOOK_BENCH_PAGE", "1000"))
RUNS = 15
MIN_RECORDS_PER_S = 10_000
MAX_END_RATIO = 1.5
TARGET_PULL_MS = 100


def _people(conn) -> dict[str, int]:
    from pwa.store import accounts

    ph = accounts.hasher(1024, 1)
    ids = {"admin": accounts.add_user(conn, ph, "admin", "bench password", ["admin"], [])}
    ids["sup"] = accounts.add_user(conn, ph, "sup", "bench password", ["supervisor"], [BUSY])
    for n, role in enumerate(["guard"] * 12 + ["cleaner"] * 6 + ["engineer"] * 4):
        ids[f"{role}-{n}"] = accounts.add_user(
            conn, ph, f"{role}-{n}", "bench password", [role], [BUSY]
        )
    return ids


def _data(kind: str, at: str, rng: random.Random) -> dict:
    if kind == "patrol_round":
        return {"started_at": at, "finished_at": at, "elapsed_s": rng.randint(900, 2400),
                "order": "strict", "people": 2, "second_person": "伙伴",
                "scans": [{"code": f"LY-CP-{n:02d}", "at": at, "checkpoint": f"cp-{n}",
                           "flag": None} for n in range(1, 6)],
                "missed": [], "complete": True, "shift": "day"}  # fmt: skip
    if kind == "checklist_run":
        return {"started_at": at, "finished_at": at, "shift": None,
                "items": {f"item-{n}": {"value": True} for n in range(6)},
                "out_of_range": [], "failed": []}  # fmt: skip
    return {"category": "damage", "note": "楼道灯不亮", "photos": [], "item": None,
            "emergency": None, "started_at": at}  # fmt: skip


def _generate(bundle: dict, people: dict[str, int]):
    """Record rows (records.COLUMNS order) in the order they reach the server."""
    from pwa.ops import schedules

    rng = random.Random(14)
    tz = schedules.ZoneInfo("Asia/Shanghai")
    staff = [(uid, name) for name, uid in people.items() if "-" in name]
    runs = [(d, e["kind"], e["version"]) for d, e in bundle["documents"].items()
            if e["kind"] in ("checklist", "patrol")]  # fmt: skip
    last = NOW.date()
    first = last - dt.timedelta(days=DAYS - 1)
    busy: list[tuple] = []
    for offset in range(DAYS):
        day = first + dt.timedelta(days=offset)
        for exp in schedules.expectations(bundle, BUSY, day, tz):
            for slot in exp.slots:
                if slot.due.date() != day or slot.due > NOW:
                    continue
                for _crew in range(2):
                    if rng.random() < 0.03:
                        continue
                    when = slot.due + dt.timedelta(minutes=rng.randint(0, 40))
                    kind = "patrol_round" if exp.kind == "patrol" else "checklist_run"
                    busy.append((when, kind, exp.def_id, BUSY))
    filler = TOTAL - len(busy)
    span = (NOW - dt.datetime.combine(first, dt.time(), tz)).total_seconds()
    start = dt.datetime.combine(first, dt.time(), tz)
    other = []
    for n in range(filler):
        when = start + dt.timedelta(seconds=span * n / filler + rng.randint(0, 60))
        def_id, doc_kind, _ = rng.choice(runs)
        kind = rng.choice(["patrol_round" if doc_kind == "patrol" else "checklist_run"] * 8
                          + ["exception"])  # fmt: skip
        site = rng.choice(SITES[1:])
        if rng.random() < 0.05:
            # the busy site's runs are its schedules'; what else it records is exceptions
            site, kind = BUSY, "exception"
        other.append((when, kind, def_id, site))
    every = sorted(busy + other, key=lambda x: x[0])
    versions = {d: v for d, _, v in runs}
    for seq, (when, kind, def_id, site) in enumerate(every):
        uid, name = staff[seq % len(staff)]
        at = when.isoformat()
        utc = when.astimezone(dt.UTC).replace(tzinfo=None)
        yield (str(uuid.UUID(int=rng.getrandbits(128), version=4)), kind, def_id,
               versions[def_id], site, f"phone-{name}", seq, utc, utc, uid,
               _data(kind, at, rng), "0" * 64, None)  # fmt: skip


def _fill(url: str) -> tuple[int, float, dict[str, int]]:
    from pwa.api.definitions import bundle_from_sop
    from pwa.store import records
    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    with writer.begin() as conn:
        people = _people(conn)
    bundle = bundle_from_sop(ROOT / "sop", None)
    start = time.perf_counter()
    batch: list[tuple] = []
    count = 0
    for row in _generate(bundle, people):
        batch.append(row)
        if len(batch) == BATCH:
            received = batch[-1][8]
            with writer.begin() as conn:
                records.store(conn, [(*r[:8], received, *r[9:]) for r in batch])
            count += len(batch)
            batch = []
    if batch:
        with writer.begin() as conn:
            records.store(conn, batch)
        count += len(batch)
    seconds = time.perf_counter() - start
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    return count, seconds, people


def _app(url: str, site_dir: str):
    from pwa import create_app

    return create_app(
        {
            "SECRET_KEY": "bench-secret-key-0123456789",
            "DATABASE_URL": url,
            "SITE_DIR": site_dir,
            "SOP_DIR": str(ROOT / "sop"),
            "CONTENT_DIR": str(ROOT / "content"),
            "PASSWORD_MEMORY_KIB": 1024,
            "PASSWORD_TIME_COST": 1,
            "CLOCK_START": NOW.isoformat(),
        }
    )


def _token(client, username: str) -> dict:
    response = client.post("/api/v1/session", json={"username": username,
                           "password": "bench password", "device_id": "bench"})  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _get(client, headers: dict, path: str) -> tuple[dict, int, float]:
    start = time.perf_counter()
    response = client.get(path, headers=headers)
    took = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json(), len(response.data), took


def _median_ms(client, headers: dict, path: str) -> float:
    for _ in range(3):
        _get(client, headers, path)
    return statistics.median(_get(client, headers, path)[2] for _ in range(RUNS))


def _store_pass(url: str) -> tuple[int, float, list[str]]:
    """Every record through `records.page` without HTTP: count, seconds, the plans used."""
    from pwa.store import records
    from pwa.store.db import make_engine

    engine = make_engine(url)
    count, after = 0, records.START
    start = time.perf_counter()
    with engine.connect() as conn:
        while found := records.page(conn, None, PAGE, after):
            count += len(found)
            after = records.position(found[-1])
        seconds = time.perf_counter() - start
        plans = [f"{label}: {_plan(conn, sites, after)}" for label, sites in
                 (("every site", None), ("one site", [BUSY]))]  # fmt: skip
    engine.dispose()
    return count, seconds, plans


def _plan(conn, sites, after) -> str:
    """How the database reads the statement `records.page` runs: the index it walks."""
    from sqlalchemy import event

    from pwa.store import records

    seen: list[tuple] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", keep)
    try:
        records.page(conn, sites, PAGE, after)
    finally:
        event.remove(conn, "before_cursor_execute", keep)
    statement, parameters = seen[-1]
    explain = "EXPLAIN " if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    lines = [str(r[-1]).strip() for r in conn.exec_driver_sql(explain + statement, parameters)]
    words = ("ndex", "SCAN", "SEARCH", "Filter", "Sort")
    return " / ".join(line for line in lines if any(w in line for w in words))


def _one(kind: str, tmp: Path, notes: list[str]) -> list[Row]:
    url = _database(kind, tmp)
    try:
        count, seconds, _ = _fill(url)
        notes.append(
            f"bench_records {kind}: {count:,} records stored through records.store in "
            f"transactions of {BATCH} in {seconds:.0f} s ({count / seconds:,.0f} records/s)."
        )
        stored, store_s, plans = _store_pass(url)
        notes.append(f"bench_records {kind} query plans: " + "; ".join(plans))
        with tempfile.TemporaryDirectory() as site_dir:
            app = _app(url, site_dir)
            client = app.test_client()
            admin = _token(client, "admin")
            since, got, body_bytes = None, 0, 0
            cursors: list[str] = []
            start = time.perf_counter()
            while True:
                path = f"/api/v1/records?limit={PAGE}" + (f"&since={since}" if since else "")
                body, size, _ = _get(client, admin, path)
                got += len(body["records"])
                body_bytes += size
                since = body["next"]
                cursors.append(since)
                if len(body["records"]) < PAGE:
                    break
            api_s = time.perf_counter() - start
            assert got == count == stored, (got, count, stored)
            # near the end: a few pages before it (a small run has fewer pages)
            near_end = cursors[-min(3, len(cursors))]
            first = _median_ms(client, admin, f"/api/v1/records?limit={PAGE}")
            end = _median_ms(client, admin, f"/api/v1/records?limit={PAGE}&since={near_end}")
            # one site: its first page, and its page at the end of the million
            site_q = f"/api/v1/records?site={BUSY}&limit={PAGE}"
            body, _, _ = _get(client, admin, site_q + f"&since={cursors[-min(60, len(cursors))]}")
            tail_cursor = body["next"]
            tail_size = len(_get(client, admin, site_q + f"&since={tail_cursor}")[0]["records"])
            site_first = _median_ms(client, admin, site_q)
            site_end = _median_ms(client, admin, site_q + f"&since={tail_cursor}")
            pulls = {}
            for who in ("guard-0", "sup"):
                headers = _token(client, who)
                day_q = f"/api/v1/site-day?site={BUSY}"
                pull, size, _ = _get(client, headers, day_q)
                zipped = len(gzip.compress(client.get(day_q, headers=headers).data))
                pulls[who] = (len(pull["runs"]), size, zipped, _median_ms(client, headers, day_q))
            app.extensions["dutybook.engine"].dispose()
        rate = got / api_s
        rows = [
            Row(
                f"cursor read of every record via GET /api/v1/records, {kind}, {count:,} records",
                f"≥ {MIN_RECORDS_PER_S:,} records/s",
                f"{rate:,.0f} records/s ({api_s:.0f} s, {len(cursors)} pages of {PAGE}, "
                f"{body_bytes / count:.0f} B a record)",
                met=rate >= MIN_RECORDS_PER_S,
            ),
            Row(
                f"cursor read in the store (records.page, no HTTP), {kind}",
                "–",
                f"{stored / store_s:,.0f} records/s ({store_s:.1f} s)",
                ratio=f"{(stored / store_s) / rate:.1f}x the API",
            ),
            Row(
                f"a page of {PAGE} at the end of the {count:,} vs at the start, every site, {kind}",
                f"≤ {MAX_END_RATIO}x",
                f"end {end:.1f} ms, start {first:.1f} ms (median of {RUNS})",
                ratio=f"{end / first:.2f}x",
                met=end / first <= MAX_END_RATIO,
            ),
            Row(
                f"a page of {PAGE} at the end vs at the start, one site ({BUSY}), {kind}",
                f"≤ {MAX_END_RATIO}x",
                f"end {site_end:.1f} ms ({tail_size} records), start {site_first:.1f} ms "
                f"(median of {RUNS})",
                ratio=f"{site_end / site_first:.2f}x",
                met=site_end / site_first <= MAX_END_RATIO,
            ),
        ]
        for who, label in (("guard-0", "a guard"), ("sup", "a supervisor")):
            runs, size, zipped, ms = pulls[who]
            rows.append(
                Row(
                    f"a phone's pull (GET /api/v1/site-day) of the busy site at 19:30, {label}, "
                    f"{kind}",
                    f"≤ {TARGET_PULL_MS} ms",
                    f"{runs} records, {size:,} B ({zipped:,} B gzipped), median {ms:.1f} ms",
                    met=ms <= TARGET_PULL_MS,
                )
            )
        return rows
    finally:
        _drop(url)


def run(notes: list[str]) -> list[Row]:
    def wanted(kind: str, tmp: Path, found: list[str]) -> list[Row]:
        return _one(kind, tmp, found) if kind in STORES else []

    return on_both_stores(wanted, notes)


if __name__ == "__main__":
    found: list[str] = []
    for result in run(found):
        print(f"{result.figure}: {result.measured} (target {result.target}, met {result.met})")
    print("\n".join(found))
