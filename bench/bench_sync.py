"""Sync ingest over HTTP: 20 clients × 500-record batches against `dutybook run`, on SQLite and
PostgreSQL, with a replay, against (a) a bare ON CONFLICT endpoint under the same gunicorn and
(b) the same rows inserted directly with SQLAlchemy.

The server reads its bundle from `site/handbook.json`, as after `dutybook build`.
DUTYBOOK_BENCH_DATABASES=sqlite (or postgresql) runs one database only.

Also the cost of SQLite's `synchronous=FULL` (every commit synced) against NORMAL, paired in
one run; `python -m bench.bench_sync durability` runs that part alone and keeps the other rows.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.results import Row
from tests.conftest import POSTGRES

ROOT = Path(__file__).resolve().parent.parent
SOP = ROOT / "tests" / "fixtures" / "handbook" / "sop"
CLIENTS, BATCH, TOTAL = 20, 500, 100_000
# the push, the bare endpoint and the replay take turns, a fifth of the records each time
ROUNDS = 5

WORKERS = 2
BIN = Path(sys.executable).parent


def gunicorn(app: str, *options: str) -> list[str]:
    """A baseline's gunicorn command: the same workers, worker class and threads as
    `dutybook run` (pwa.server), so a ratio compares the product and not the server."""
    from pwa.server import THREADS, WORKER_CLASS

    return [str(BIN / "gunicorn"), "-w", str(WORKERS), "-k", WORKER_CLASS,
            "--threads", str(THREADS), *options, app]  # fmt: skip


def server_words() -> str:
    from pwa.server import THREADS, WORKER_CLASS

    return f"{WORKERS} gunicorn {WORKER_CLASS} workers × {THREADS} threads"


def bare_app():
    """Baseline (a): JSON in, `INSERT … ON CONFLICT DO NOTHING RETURNING id`, count out.

    It names the record fields itself rather than import pwa.api.sync, so the baseline's
    memory and start-up stay those of a bare endpoint.
    """
    import datetime as dt

    from flask import Flask, request
    from sqlalchemy.dialects import postgresql, sqlite

    from pwa.store.db import make_engine
    from pwa.store.models import records

    app = Flask(__name__)
    engine = make_engine(os.environ["DUTYBOOK_DATABASE_URL"])
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(records)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(records.c.id)
    )

    @app.post("/api/v1/records")
    def push():
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [
            {
                **{
                    k: r[k]
                    for k in (
                        "id",
                        "type",
                        "def_id",
                        "def_version",
                        "site",
                        "device_id",
                        "seq",
                        "data",
                    )
                },
                "recorded_at": now,
                "received_at": now,
                "user_id": 1,
                "content_hash": "x",
            }
            for r in request.get_json()["records"]
        ]
        with engine.begin() as conn:
            inserted = conn.scalars(stmt, rows).all()
        return {"inserted": len(inserted)}

    return app


def synchronous_app(level: str):
    """The product as `dutybook run` serves it (its app, its request log), with SQLite's
    `synchronous` at `level`: the cost of FULL, measured against NORMAL in the same run."""
    import logging

    from sqlalchemy import event

    from pwa import create_app

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("dutybook")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    app = create_app()
    engine = app.extensions["dutybook.engine"]

    @event.listens_for(engine, "connect")
    def _level(dbapi_connection, _record) -> None:  # after the app's own pragmas
        dbapi_connection.execute(f"PRAGMA synchronous={level}")

    engine.dispose()  # no connection made before the listener may stay in the pool
    with engine.connect() as conn:
        found = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert found == {"FULL": 2, "NORMAL": 1}[level], found
    return app


def pump_room_run(device: str, seq: int, room: str) -> dict:
    """A pump-room checklist run as the app sends it (pwa/ops/payloads/), or the server refuses
    it: about 400 bytes of JSON."""
    return {
        "id": str(uuid.uuid4()),
        "type": "checklist_run",
        "def_id": "CHK-PUMP-ROOM",
        "def_version": "1.0",
        "site": "lanyuan",
        "device_id": device,
        "seq": seq,
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "data": {
            "started_at": "2026-05-01T08:00:00+08:00",
            "finished_at": "2026-05-01T08:12:00+08:00",
            "shift": None,
            "items": {
                "inlet-pressure": {"value": 0.31},
                "outlet-pressure": {"value": 0.52},
                "leaks": {"value": True},
                "pump-mode": {"value": "自动"},
                "room": {"value": room},
            },
            "out_of_range": [],
            "failed": [],
        },
    }


def _records(client: int) -> list[list[dict]]:
    per_client = TOTAL // CLIENTS
    return [
        [pump_room_run(f"bench-{client}", start + i, "正常" + "x" * 30) for i in range(BATCH)]
        for start in range(0, per_client, BATCH)
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database(kind: str, tmp: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}"
    schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def _drop(url: str) -> None:
    if "search_path" in url:
        schema = url.rsplit("%3D", 1)[1]
        engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _prepare(url: str) -> list[str]:
    """Migrate, add one engineer per client, and hand out their tokens."""
    from pwa.store import accounts
    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    tokens = []
    with engine.begin() as conn:
        ph = accounts.hasher(1024, 1)
        for i in range(CLIENTS):
            user_id = accounts.add_user(conn, ph, f"bench-{i}", "pw", ["engineer"], ["lanyuan"])
            tokens.append(accounts.issue_token(conn, user_id, f"bench-{i}", 24)[0])
    engine.dispose()
    return tokens


def _site(tmp: Path) -> Path:
    """A site folder holding only the bundle, as `dutybook build` writes it."""
    from pwa.api.definitions import BUNDLE, bundle_from_sop

    site = tmp / "site"
    if not (site / BUNDLE).exists():
        site.mkdir(exist_ok=True)
        raw = bundle_from_sop(SOP, None)
        (site / BUNDLE).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return site


def _serve(command: list[str], url: str, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DUTYBOOK_DATABASE_URL": url,
        "DUTYBOOK_SOP_DIR": str(SOP),
        "DUTYBOOK_SITE_DIR": str(_site(tmp)),
        "DUTYBOOK_CONTENT_DIR": str(tmp / "none"),
        "PYTHONPATH": str(ROOT),
    }
    if not command[0].endswith("dutybook"):
        # a baseline's gunicorn: the malloc arenas `dutybook run` sets itself (pwa.server)
        from pwa.server import ARENAS

        env["MALLOC_ARENA_MAX"] = str(ARENAS)
    server = subprocess.Popen(
        [
            *command,
            "--port" if command[0].endswith("dutybook") else "-b",
            str(port) if command[0].endswith("dutybook") else f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            break
        except urllib.error.HTTPError:
            break  # the bare app has no /healthz: a 404 means it is up
        except OSError:
            time.sleep(0.1)
    return server, base


def _memory_mb(server: subprocess.Popen) -> tuple[float, float, float]:
    """(peak RSS, present PSS) of the master and its workers, each summed, and the master's
    peak RSS alone.

    Summed RSS counts the pages the workers share with the master once per process; PSS
    splits each shared page between its sharers, so its sum is what the server occupies.
    """
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    rss = pss = master = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                rss += int(line.split()[1])
                master = master or int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024, master / 1024


def _push_all(base: str, bodies: list[list[bytes]], tokens: list[str], check: str | None):
    """Every client sends its batches in turn; (seconds, latencies, problems)."""
    latencies: list[float] = []
    problems: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        for body in bodies[i]:
            request = urllib.request.Request(base + "/api/v1/records", data=body, method="POST")
            request.add_header("Content-Type", "application/json")
            request.add_header("Authorization", f"Bearer {tokens[i]}")
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=120) as response:
                answer = json.loads(response.read())
            took = time.perf_counter() - start
            bad = check and [r for r in answer["results"] if r["status"] != check]
            with lock:
                latencies.append(took)
                if bad:
                    problems.append(f"{len(bad)} not {check}: {bad[0]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, problems


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def _direct(url: str, batches: list[list[dict]]) -> float:
    """Baseline (b): the same rows with SQLAlchemy, no HTTP; records/s."""
    import datetime as dt

    from sqlalchemy.dialects import postgresql, sqlite

    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade
    from pwa.store.models import records

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, disabled, "
                "session_epoch, created_at) VALUES (1, 'b', 'x', false, 0, "
                "CURRENT_TIMESTAMP)"
            )
        )
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(records)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(records.c.id)
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    start = time.perf_counter()
    for batch in batches:
        rows = [
            {**r, "recorded_at": now, "received_at": now, "user_id": 1, "content_hash": "x"}
            for r in batch
        ]
        with engine.begin() as conn:
            conn.scalars(stmt, rows).all()
    took = time.perf_counter() - start
    engine.dispose()
    return TOTAL / took


def _one_database(kind: str, tmp: Path, notes: list[str]) -> list[Row]:
    batches = [_records(i) for i in range(CLIENTS)]
    bodies = [[json.dumps({"records": b}).encode() for b in mine] for mine in batches]
    size = sum(len(b) for mine in bodies for b in mine) / TOTAL
    full_url, bare_url = _database(kind, tmp, "full"), _database(kind, tmp, "bare")
    tokens = _prepare(full_url)
    _prepare(bare_url)
    server, base = _serve([str(BIN / "dutybook"), "run", "--workers", str(WORKERS)], full_url, tmp)
    # baseline (a): bare endpoint, same gunicorn settings, up at the same time but idle
    # while the other is measured
    bare, bare_base = _serve(
        gunicorn("bench.bench_sync:bare_app()"),
        bare_url,
        tmp,
    )
    # SQLite: the product at synchronous=NORMAL beside it, the cost of FULL on the push
    normal = normal_url = None
    if kind == "sqlite":
        normal_url = _database(kind, tmp, "normal")
        normal_tokens = _prepare(normal_url)
        normal, normal_base = _serve(
            gunicorn("bench.bench_sync:synchronous_app('NORMAL')", "--timeout", "60"),
            normal_url,
            tmp,
        )
    normal_took = 0.0
    normal_lat: list[float] = []
    took = replay_took = bare_took = 0.0
    loadavg = os.getloadavg()[0]
    lat: list[float] = []
    replay_lat: list[float] = []
    problems: list[str] = []
    replay_problems: list[str] = []
    try:
        # in rounds, the three runs taking turns: the load other processes put on this
        # machine drifts by the minute, and it then weighs on each run alike
        per_round = len(bodies[0]) // ROUNDS
        for k in range(ROUNDS):
            part = [mine[k * per_round : (k + 1) * per_round] for mine in bodies]
            seconds, latencies, wrong = _push_all(base, part, tokens, "created")
            took, lat, problems = took + seconds, lat + latencies, problems + wrong
            seconds, _, _ = _push_all(bare_base, part, tokens, None)
            bare_took += seconds
            if normal is not None:
                seconds, latencies, wrong = _push_all(normal_base, part, normal_tokens, "created")
                normal_took, normal_lat = normal_took + seconds, normal_lat + latencies
                problems += wrong
            seconds, latencies, wrong = _push_all(base, part, tokens, "duplicate")
            replay_took += seconds
            replay_lat, replay_problems = replay_lat + latencies, replay_problems + wrong
        rss, pss, master = _memory_mb(server)
        loadavg_after = os.getloadavg()[0]
        bare_rss, bare_pss, bare_master = _memory_mb(bare)
    finally:
        for process in (server, bare, normal):
            if process is not None:
                process.terminate()
                process.wait(30)
    _drop(full_url)
    _drop(bare_url)
    # baseline (b): direct inserts
    url = _database(kind, tmp, "direct")
    direct = _direct(url, [b for mine in batches for b in mine])
    _drop(url)

    full, replay, bare_rate = TOTAL / took, TOTAL / replay_took, TOTAL / bare_took
    target = 15_000 if kind == "sqlite" else 12_000
    name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    notes.append(
        f"sync {name}: {TOTAL:,} records of {size:.0f} bytes, {CLIENTS} clients × {BATCH}, "
        f"{server_words()}, {ROUNDS} rounds of push, bare endpoint, replay; "
        f"full {full:,.0f}/s (p50 {_pct(lat, 50):.0f} ms, "
        f"p99 {_pct(lat, 99):.0f} ms), replay {replay:,.0f}/s (p50 {_pct(replay_lat, 50):.0f} "
        f"ms, p99 {_pct(replay_lat, 99):.0f} ms), bare endpoint {bare_rate:,.0f}/s, direct "
        f"SQLAlchemy {direct:,.0f}/s; peak RSS {rss:.0f} MB, of which the master {master:.0f} "
        f"(bare endpoint {bare_rss:.0f} MB, master {bare_master:.0f}), "
        f"PSS at the end {pss:.0f} MB (bare endpoint {bare_pss:.0f} MB); "
        f"wrong statuses: "
        f"{len(problems) + len(replay_problems)}; load average {loadavg:.1f} before, "
        f"{loadavg_after:.1f} after (the machine is shared)"
    )
    durable = []
    if normal is not None:
        rate = TOTAL / normal_took
        notes.append(
            f"sync push at synchronous=NORMAL, SQLite: the same {TOTAL:,} records pushed in "
            f"{BATCH}-record "
            f"batches to the product at synchronous=NORMAL (bench.bench_sync:synchronous_app, "
            f"same gunicorn settings), in the same rounds: {rate:,.0f}/s (p50 "
            f"{_pct(normal_lat, 50):.0f} ms, p99 {_pct(normal_lat, 99):.0f} ms) against FULL's "
            f"{full:,.0f}/s"
        )
        durable.append(
            Row(
                "sync push SQLite over HTTP, synchronous FULL / NORMAL, records/s",
                "FULL ≥ 0.8× NORMAL",
                f"{full:,.0f} / {rate:,.0f}",
                f"{full / rate:.2f}× NORMAL",
                full / rate >= 0.8,
            )
        )
    return durable + [
        Row(
            f"sync push {name}, records/s (p50/p99 batch ms)",
            f"≥ {target:,}",
            f"{full:,.0f} ({_pct(lat, 50):.0f}/{_pct(lat, 99):.0f})",
            f"{full / bare_rate:.2f}× bare (≥ 0.6)",
            full >= target and full / bare_rate >= 0.6 and not problems,
        ),
        Row(
            f"sync replay {name}, records/s (p50/p99 batch ms)",
            "≥ first push",
            f"{replay:,.0f} ({_pct(replay_lat, 50):.0f}/{_pct(replay_lat, 99):.0f})",
            f"{replay / full:.2f}× first push",
            replay >= full and not replay_problems,
        ),
        Row(
            f"sync baselines {name}: bare endpoint / direct SQLAlchemy, records/s",
            "–",
            f"{bare_rate:,.0f} / {direct:,.0f}",
            f"{full / direct:.2f}× direct",
        ),
        Row(
            f"sync server memory {name}, peak RSS master + {WORKERS} workers",
            "≤ 200 MB",
            f"{rss:.0f} MB",
            f"{rss / bare_rss:.2f}× bare",
            rss <= 200,
        ),
    ]


DURABILITY = "sync durability"
# rounds of each workload per mode, the modes taking turns (and swapping who goes first)
DURABILITY_ROUNDS = 6
DURABILITY_BATCHES = 10  # of BATCH records, per round
DURABILITY_COMMITS = 300  # one-record transactions, per round


def _sqlite_engine(path: Path, synchronous: str):
    """The app's SQLite engine; NORMAL is set after the app's own pragmas, for comparison."""
    from sqlalchemy import event

    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{path}")
    if synchronous != "FULL":

        @event.listens_for(engine, "connect")
        def _weaker(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, disabled, "
                "session_epoch, created_at) VALUES (1, 'b', 'x', false, 0, "
                "CURRENT_TIMESTAMP)"
            )
        )
        level = conn.execute(text("PRAGMA synchronous")).scalar()
    assert level == {"FULL": 2, "NORMAL": 1}[synchronous], level
    return engine


def _timed_inserts(engine, batches: list[list[dict]]) -> float:
    """Seconds to insert each batch in its own write transaction, as the sync API does."""
    import datetime as dt

    from sqlalchemy.dialects import sqlite

    from pwa.store.models import records

    stmt = sqlite.insert(records).on_conflict_do_nothing(index_elements=["id"])
    now = dt.datetime(2026, 5, 1, 8, 0)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    start = time.perf_counter()
    for batch in batches:
        rows = [
            {**r, "recorded_at": now, "received_at": now, "user_id": 1, "content_hash": "x"}
            for r in batch
        ]
        with writer.begin() as conn:
            conn.execute(stmt, rows)
    return time.perf_counter() - start


def durability(notes: list[str]) -> list[Row]:
    """SQLite commits synced (FULL, the app's setting) against NORMAL, on the project's disk.

    The same records into two files side by side, the two modes taking turns round by round,
    so the machine's drifting load weighs on both alike. Inserts go straight through
    SQLAlchemy: the difference is the commit's fsync, which a whole request dilutes.
    """
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    took = {(w, m): 0.0 for w in ("batch", "one") for m in ("FULL", "NORMAL")}
    counts = {"batch": 0, "one": 0}
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        engines = {m: _sqlite_engine(Path(tmp) / f"{m}.db", m) for m in ("FULL", "NORMAL")}
        try:
            for k in range(DURABILITY_ROUNDS):
                big = _records(k)[:DURABILITY_BATCHES]
                small = [[r] for r in _records(CLIENTS + k)[0][:DURABILITY_COMMITS]]
                counts["batch"] += sum(len(b) for b in big)
                counts["one"] += len(small)
                order = ("FULL", "NORMAL") if k % 2 == 0 else ("NORMAL", "FULL")
                for mode in order:
                    # each mode its own copy of the ids: both files get the same rows
                    took["batch", mode] += _timed_inserts(engines[mode], big)
                    took["one", mode] += _timed_inserts(engines[mode], small)
        finally:
            for engine in engines.values():
                engine.dispose()
    rate = {key: counts[key[0]] / seconds for key, seconds in took.items()}
    batch_ratio = rate["batch", "FULL"] / rate["batch", "NORMAL"]
    one_ratio = rate["one", "FULL"] / rate["one", "NORMAL"]
    notes.append(
        f"{DURABILITY} SQLite: synchronous=FULL (the app's setting: each commit's WAL synced) "
        f"against NORMAL (synced at checkpoints only), same run, {DURABILITY_ROUNDS} rounds "
        f"taking turns, files in bench/out/ on the project's disk; "
        f"{counts['batch']:,} records in {BATCH}-record transactions: FULL "
        f"{rate['batch', 'FULL']:,.0f}/s, NORMAL {rate['batch', 'NORMAL']:,.0f}/s; "
        f"{counts['one']:,} one-record transactions: FULL {rate['one', 'FULL']:,.0f}/s "
        f"({1000 / rate['one', 'FULL']:.2f} ms each), NORMAL {rate['one', 'NORMAL']:,.0f}/s "
        f"({1000 / rate['one', 'NORMAL']:.2f} ms each); direct SQLAlchemy, no HTTP"
    )
    return [
        Row(
            f"{DURABILITY} SQLite, {BATCH}-record commits, records/s: FULL / NORMAL",
            "FULL ≥ 0.8× NORMAL",
            f"{rate['batch', 'FULL']:,.0f} / {rate['batch', 'NORMAL']:,.0f}",
            f"{batch_ratio:.2f}× NORMAL",
            batch_ratio >= 0.8,
        ),
        Row(
            f"{DURABILITY} SQLite, one-record commits, ms each: FULL / NORMAL",
            "–",
            f"{1000 / rate['one', 'FULL']:.2f} / {1000 / rate['one', 'NORMAL']:.2f}",
            f"{one_ratio:.2f}× NORMAL's rate",
        ),
    ]


def run(notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    if "sqlite" in os.environ.get("DUTYBOOK_BENCH_DATABASES", "sqlite,postgresql"):
        rows += durability(notes)
    with tempfile.TemporaryDirectory() as tmp:
        wanted = os.environ.get("DUTYBOOK_BENCH_DATABASES", "sqlite,postgresql").split(",")
        for kind in ("sqlite", "postgresql"):
            if kind not in wanted:
                continue
            rows += _one_database(kind, Path(tmp), notes)
    return rows


if __name__ == "__main__":
    # `python -m bench.bench_sync durability`: that part alone, the other sync rows kept
    from bench.__main__ import MODULES
    from bench.results import replace_part, write

    if sys.argv[1:] != ["durability"]:
        sys.exit("usage: python -m bench.bench_sync durability")
    part_notes: list[str] = []
    replace_part("bench.bench_sync", DURABILITY, durability(part_notes), part_notes)
    print(write(MODULES))
