"""Many small syncs: 500 phones, each a loop of `GET /api/v1/definitions` with If-None-Match
(304) and `POST /api/v1/records` with 1–3 records, against `dutybook run` and, on the same
gunicorn settings in the same run, a bare Flask endpoint doing the same work without the
product (a one-query token lookup, the ETag compare, the insert); on SQLite also the product
with `synchronous=NORMAL`, the cost of FULL. And what authentication costs: the queries one
authenticated request runs, counted.

Each load runs a bounded time (`ROUNDS` × `SECONDS`), the servers taking turns round by round
so the drifting load of this shared machine weighs on each alike. The phones are asyncio
tasks in this process, one connection per request (as a phone that syncs every few minutes
finds its last connection closed).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_sync import (
    BIN,
    WORKERS,
    _database,
    _drop,
    _serve,
    _site,
    gunicorn,
    pump_room_run,
    server_words,
)
from bench.results import Row

PHONES = 500
ROUNDS = 4
SECONDS = float(os.environ.get("DUTYBOOK_BENCH_PHONE_SECONDS", "5"))  # per round and server
SYNC_EVERY = 300  # seconds: a phone syncs after each round or checklist, about every 5 min
REQUESTS_PER_SYNC = 2  # the definitions' revalidation and the push


def bare_app():
    """The baseline: the same requests answered with the least code that does their work."""
    import datetime as dt
    import hashlib

    from flask import Flask, Response, request
    from sqlalchemy import select
    from sqlalchemy.dialects import postgresql, sqlite

    from pwa.store.db import make_engine, transaction
    from pwa.store.models import records, tokens

    app = Flask(__name__)
    engine = make_engine(os.environ["DUTYBOOK_DATABASE_URL"])
    bundle = (Path(os.environ["DUTYBOOK_SITE_DIR"]) / "handbook.json").read_bytes()
    etag = hashlib.sha256(bundle).hexdigest()[:32]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = (
        dialect.insert(records)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(records.c.id)
    )
    fields = ("id", "type", "def_id", "def_version", "site", "device_id", "seq", "data")

    def caller() -> int:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect() as conn:
            row = conn.execute(
                select(tokens.c.user_id, tokens.c.expires_at, tokens.c.revoked_at).where(
                    tokens.c.token_hash == digest
                )
            ).one()
        return row.user_id

    @app.get("/api/v1/definitions")
    def definitions():
        caller()
        if request.headers.get("If-None-Match") == f'"{etag}"':
            return Response(status=304, headers={"ETag": f'"{etag}"'})
        return Response(bundle, mimetype="application/json", headers={"ETag": f'"{etag}"'})

    @app.post("/api/v1/records")
    def push():
        user_id = caller()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [
            {**{k: r[k] for k in fields}, "recorded_at": now, "received_at": now,
             "user_id": user_id, "content_hash": "x"}
            for r in request.get_json()["records"]
        ]  # fmt: skip
        with transaction(engine) as conn:
            inserted = set(conn.scalars(insert, rows).all())
        return {
            "results": [{"id": r["id"], "status": "created"} for r in rows if r["id"] in inserted]
        }

    return app


def _prepare(url: str) -> list[str]:
    """Migrate, add the phones' people (one engineer each) and hand out their tokens."""
    from pwa.store import accounts
    from pwa.store.db import make_engine, transaction
    from pwa.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    tokens = []
    ph = accounts.hasher(1024, 1)
    with transaction(engine) as conn:
        for i in range(PHONES):
            user_id = accounts.add_user(conn, ph, f"phone-{i}", "pw", ["engineer"], ["lanyuan"])
            tokens.append(accounts.issue_token(conn, user_id, f"phone-{i}", 24)[0])
    engine.dispose()
    return tokens


def _record(phone: int, seq: int) -> dict:
    return pump_room_run(f"phone-{phone}", seq, f"正常 {seq}")


class Load:
    """What one server answered during its rounds."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors = 0

    def note(self, kind: str, status: int, took: float) -> None:
        self.latencies.append(took)
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000

    def wrong(self) -> int:
        """Answers other than 304 to a revalidation and 200 (all created) to a push."""
        return self.errors + sum(
            n for k, n in self.statuses.items() if k not in ("definitions 304", "push 200")
        )


async def _call(port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        data = await reader.read()
    finally:
        writer.close()
    return int(data[9:12]), data


def _get(token: str, etag: str | None) -> bytes:
    lines = [
        "GET /api/v1/definitions HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {token}",
        "Connection: close",
    ]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _post(token: str, records: list[dict]) -> bytes:
    body = json.dumps({"records": records}).encode()
    head = (
        "POST /api/v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _etag(data: bytes) -> str | None:
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "etag":
            return value.strip()
    return None


async def _phones(port: int, tokens: list[str], etags: list[str | None], seqs: list[int],
                  seconds: float, load: Load) -> None:  # fmt: skip
    """Every phone loops revalidate-then-push until the time is up."""
    rng = random.Random(port)

    async def phone(i: int, until: float) -> None:
        while time.perf_counter() < until:
            try:
                start = time.perf_counter()
                status, data = await _call(port, _get(tokens[i], etags[i]))
                load.note("definitions", status, time.perf_counter() - start)
                if status == 200:
                    etags[i] = _etag(data)
                batch = [_record(i, seqs[i] + k) for k in range(rng.randint(1, 3))]
                seqs[i] += len(batch)
                start = time.perf_counter()
                status, data = await _call(port, _post(tokens[i], batch))
                took = time.perf_counter() - start
                if status == 200 and data.count(b'"created"') != len(batch):
                    status = 0  # answered, but not every record created
                load.note("push", status, took)
            except OSError:
                load.errors += 1
                await asyncio.sleep(0.05)

    begin = time.perf_counter()
    until = begin + seconds
    await asyncio.wait_for(
        asyncio.gather(*(phone(i, until) for i in range(len(tokens)))), seconds + 60
    )
    load.seconds += time.perf_counter() - begin


async def _first_fetch(port: int, tokens: list[str], etags: list[str | None]) -> None:
    """Each phone's first download of its definitions, before the clock runs (not a 304)."""
    limit = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with limit:
            status, data = await _call(port, _get(tokens[i], None))
            assert status == 200, data[:300]
            etags[i] = _etag(data)

    await asyncio.gather(*(one(i) for i in range(len(tokens))))


def auth_queries(url: str, tmp: Path) -> tuple[float, float]:
    """Queries naming the account tables per authenticated request, (GET definitions, POST
    records), counted over 50 of each with the app's own engine."""
    import re

    from sqlalchemy import event

    from pwa import create_app
    from pwa.store import accounts
    from pwa.store.db import transaction

    app = create_app(
        {
            "DATABASE_URL": url,
            "SITE_DIR": str(_site(tmp)),
            "SOP_DIR": str(Path(__file__).resolve().parent.parent / "tests/fixtures/handbook/sop"),
            "CONTENT_DIR": str(tmp / "none"),
        }
    )
    engine = app.extensions["dutybook.engine"]
    with transaction(engine) as conn:
        user_id = accounts.user_id_of(conn, "phone-0")
        token = accounts.issue_token(conn, user_id, "counting", 1)[0]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/session", headers=headers).close()  # its first use, written once
    auth = re.compile(r"\b(tokens|users|user_roles|user_sites)\b")
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2]) if auth.search(args[2]) else None  # noqa: E731
    counts = []
    for kind in ("definitions", "records"):
        seen.clear()
        event.listen(engine, "before_cursor_execute", listener)
        for n in range(50):
            if kind == "definitions":
                response = client.get("/api/v1/definitions", headers=headers)
            else:
                response = client.post(
                    "/api/v1/records", json={"records": [_record(9999, n)]}, headers=headers
                )
            assert response.status_code == 200, response.get_data(as_text=True)
            response.close()
        event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(seen) / 50)
    engine.dispose()
    return counts[0], counts[1]


def _one_database(kind: str, tmp: Path, notes: list[str]) -> list[Row]:
    name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    servers = {"product": _database(kind, tmp, "phones"), "bare": _database(kind, tmp, "bare")}
    if kind == "sqlite":
        servers["NORMAL"] = _database(kind, tmp, "normal")
    tokens = {label: _prepare(url) for label, url in servers.items()}
    commands = {
        "product": [str(BIN / "dutybook"), "run", "--workers", str(WORKERS)],
        "bare": gunicorn("bench.bench_small_syncs:bare_app()"),
        "NORMAL": gunicorn("bench.bench_sync:synchronous_app('NORMAL')", "--timeout", "60"),
    }
    running = {label: _serve(commands[label], url, tmp) for label, url in servers.items()}
    loads = {label: Load() for label in servers}
    etags = {label: [None] * PHONES for label in servers}
    seqs = {label: [0] * PHONES for label in servers}
    loadavg = os.getloadavg()
    try:
        for label, (_, base) in running.items():
            port = int(base.rsplit(":", 1)[1])
            asyncio.run(_first_fetch(port, tokens[label], etags[label]))
        for k in range(ROUNDS):
            order = list(servers) if k % 2 == 0 else list(reversed(servers))
            for label in order:
                port = int(running[label][1].rsplit(":", 1)[1])
                asyncio.run(
                    _phones(port, tokens[label], etags[label], seqs[label], SECONDS, loads[label])
                )
    finally:
        for process, _ in running.values():
            process.terminate()
            process.wait(30)
    after = os.getloadavg()
    per_get, per_push = auth_queries(servers["product"], tmp)
    for url in servers.values():
        _drop(url)

    full, bare = loads["product"], loads["bare"]
    ratio = full.rate / bare.rate
    phones = full.rate / REQUESTS_PER_SYNC * SYNC_EVERY
    notes.append(
        f"phones {name}: {PHONES} phones, each a loop of GET /api/v1/definitions with "
        f"If-None-Match (304) and POST /api/v1/records with 1–3 records, {ROUNDS} rounds of "
        f"{SECONDS:.0f} s per server taking turns, {server_words()}, the phones "
        f"asyncio tasks on the same 2 cores; product {full.rate:,.0f} requests/s (p50 "
        f"{full.pct(50):.0f} ms, p99 {full.pct(99):.0f} ms), bare endpoint {bare.rate:,.0f}/s "
        f"(p50 {bare.pct(50):.0f} ms, p99 {bare.pct(99):.0f} ms)"
        + (
            f", product at synchronous=NORMAL {loads['NORMAL'].rate:,.0f}/s (p50 "
            f"{loads['NORMAL'].pct(50):.0f} ms, p99 {loads['NORMAL'].pct(99):.0f} ms)"
            if "NORMAL" in loads
            else ""
        )
        + f"; answers other than 304 / all created: product {full.wrong()}, bare {bare.wrong()}; "
        f"at one sync ({REQUESTS_PER_SYNC} requests) every {SYNC_EVERY // 60} minutes per phone "
        f"that is {phones:,.0f} phones for one 2-core server; auth queries per request "
        f"{per_get:.2f} (definitions) and {per_push:.2f} (push); load average "
        f"{loadavg[0]:.1f} before, {after[0]:.1f} after (the machine is shared)"
    )
    rows = [
        Row(
            f"small syncs {name}, requests/s (p50/p99 ms), {PHONES} phones",
            "≥ 0.6× bare",
            f"{full.rate:,.0f} ({full.pct(50):.0f}/{full.pct(99):.0f})",
            f"{ratio:.2f}× bare ({bare.rate:,.0f}/s)",
            ratio >= 0.6 and full.wrong() == 0,
        ),
        Row(
            f"small syncs {name}, phones one 2-core server carries at a sync every 5 min",
            "–",
            f"{phones:,.0f}",
            f"{bare.rate / REQUESTS_PER_SYNC * SYNC_EVERY:,.0f} bare",
        ),
        Row(
            f"auth queries per request {name}: definitions / push",
            "1",
            f"{per_get:.2f} / {per_push:.2f}",
            "4 before",
            per_get == 1 and per_push == 1,
        ),
    ]
    if "NORMAL" in loads:
        normal = loads["NORMAL"]
        rows.append(
            Row(
                f"small syncs {name}, synchronous=FULL / NORMAL, requests/s",
                "–",
                f"{full.rate:,.0f} / {normal.rate:,.0f}",
                f"{full.rate / normal.rate:.2f}× NORMAL",
            )
        )
    return rows


def run(notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    wanted = os.environ.get("DUTYBOOK_BENCH_DATABASES", "sqlite,postgresql").split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            if kind in wanted:
                rows += _one_database(kind, Path(tmp), notes)
    return rows


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["bench_small_syncs"]))
