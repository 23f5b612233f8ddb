"""Lost replies, cut uploads, a locked or unreachable database: retries lose and double nothing."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
import uuid

from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from tests.conftest import TABLES, make_app
from tests.pwa.support import add_people, assert_error, bearer, record, sign_in
from tests.reliability import summary
from tests.reliability.server import Server, add_engineers, call, make_records, stored
from tests.reliability.server import sign_in as http_sign_in

DOWN = "The database is not reachable; try again later."


def _raw_push(port: int, token: str, batch: list[dict], cut_body: bool = False) -> None:
    """Send a push and hang up before reading a byte of the reply (or before the body ends)."""
    body = json.dumps({"records": batch}).encode()
    head = (
        f"POST /api/v1/records HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head + (body[: len(body) // 2] if cut_body else body))


def _wait_for(database: str, count: int) -> None:
    deadline = time.monotonic() + 15
    while len(stored(database)) < count:
        assert time.monotonic() < deadline, f"never reached {count} stored records"
        time.sleep(0.02)


def test_replies_lost_after_commit_and_uploads_cut_short(database, tmp_path, site_dir):
    add_engineers(database, ["eng-0"])
    server = Server(database, tmp_path, site_dir)
    server.start()
    statuses: dict[str, int] = {}
    try:
        token = http_sign_in(server.port, "eng-0", "phone")
        made = 0
        for round_ in range(5):
            batch = make_records("phone", 40, start=round_ * 100)
            # the upload breaks off halfway: nothing of it is stored
            _raw_push(server.port, token, batch, cut_body=True)
            time.sleep(0.2)
            assert len(stored(database)) == made
            # the whole upload arrives, the server commits, the phone never hears back
            _raw_push(server.port, token, batch)
            made += len(batch)
            _wait_for(database, made)
            # so it sends the same batch again: every record is a duplicate
            status, body = call(server.port, "POST", "/api/v1/records", {"records": batch}, token)
            assert status == 200
            for result in body["results"]:
                statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    finally:
        server.stop()
    rows = stored(database)
    assert statuses == {"duplicate": 200}
    assert len(rows) == len({r[0] for r in rows}) == 200
    assert "Traceback" not in server.log_text()
    summary.record(
        "lost_replies",
        database.split(":")[0].split("+")[0],
        {
            "replies_dropped_after_commit": 5,
            "uploads_cut_mid_body": 5,
            "retried_records": 200,
            "retry_statuses": statuses,
            "records_found": len(rows),
        },  # fmt: skip
    )


def test_sqlite_locked_beyond_the_busy_timeout(sqlite_app):
    engine = sqlite_app.extensions["dutybook.engine"]

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection, _record) -> None:
        # the server waits 30 s for a lock; a test waits 0.2 s for the same outcome
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    add_people(sqlite_app, ("eng-l",))
    client = sqlite_app.test_client()
    token = sign_in(client, "eng-l")
    client.get("/api/v1/session", headers=bearer(token))  # the token's first use is a write
    batch = [record(seq=i) for i in range(30)]
    path = sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        for _ in range(3):
            response = client.post(
                "/api/v1/records", json={"records": batch}, headers=bearer(token)
            )
            assert_error(response, 503, DOWN, [])
        assert_error(
            client.post("/api/v1/session",
                        json={"username": "eng-l", "password": "x", "device_id": "d"}),
            503, DOWN, [],
        )  # fmt: skip
        # reads still work: WAL lets them past the writer's lock
        assert client.get("/api/v1/definitions", headers=bearer(token)).status_code == 200
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    response = client.post("/api/v1/records", json={"records": batch}, headers=bearer(token))
    assert [r["status"] for r in response.get_json()["results"]] == ["created"] * 30
    summary.record("database_locked", "sqlite", {"pushes_refused_503": 3, "records_lost": 0,
                                                 "records_created_after": 30})  # fmt: skip


def test_postgresql_unreachable_then_back(postgres_schema, pg_proxy, site_dir, tmp_path):
    with create_engine(postgres_schema, poolclass=NullPool).begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    name = f"dutybook-fault-{uuid.uuid4().hex[:8]}"
    url = postgres_schema.replace(":5432/", f":{pg_proxy.port}/") + f"&application_name={name}"
    app = make_app(url, site_dir, tmp_path)
    refused = 0
    try:
        add_people(app, ("eng-l",))
        client = app.test_client()
        token = sign_in(client, "eng-l")
        first = [record(seq=i) for i in range(20)]
        second = [record(seq=100 + i) for i in range(20)]
        response = client.post("/api/v1/records", json={"records": first}, headers=bearer(token))
        assert {r["status"] for r in response.get_json()["results"]} == {"created"}

        pg_proxy.down()  # the database host goes away, open connections die with it
        for _ in range(3):
            response = client.post("/api/v1/records", json={"records": second},
                                   headers=bearer(token))  # fmt: skip
            assert_error(response, 503, DOWN, [])
            refused += 1
        assert_error(client.get("/healthz"), 503, "The database is not reachable.", [])
        pg_proxy.up()

        response = client.post("/api/v1/records", json={"records": second}, headers=bearer(token))
        assert {r["status"] for r in response.get_json()["results"]} == {"created"}
        # the administrator kills the app's sessions between two requests: pre-ping reconnects
        admin = create_engine(postgres_schema, poolclass=NullPool)
        with admin.begin() as conn:
            killed = conn.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE application_name = :name"), {"name": name},
            ).scalar()  # fmt: skip
        admin.dispose()
        assert killed >= 1
        response = client.post("/api/v1/records", json={"records": first + second},
                               headers=bearer(token))  # fmt: skip
        assert response.status_code == 200
        assert {r["status"] for r in response.get_json()["results"]} == {"duplicate"}
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["dutybook.engine"].dispose()
    rows = stored(postgres_schema)
    assert len(rows) == len({r[0] for r in rows}) == 40
    summary.record("database_unreachable", "postgresql", {
        "pushes_refused_503": refused, "backends_terminated": killed, "records_lost": 0,
        "records_found": len(rows)})  # fmt: skip
