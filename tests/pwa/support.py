"""Helpers for the server tests: accounts, tokens, records and the one error-shape check."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, insert, select, text
from sqlalchemy.pool import NullPool

from pwa.api.schemas import FIELDS
from pwa.store import accounts
from pwa.store.models import records, users

# the test handbook (tests/fixtures/README.md)
SOP = Path(__file__).parents[1] / "fixtures" / "handbook" / "sop"

# username: (roles, sites)
PEOPLE = {
    "guard-l": (["guard"], ["lanyuan"]),
    "guard-j": (["guard"], ["jinxiu"]),
    "eng-l": (["engineer"], ["lanyuan"]),
    "sup-l": (["supervisor"], ["lanyuan"]),
    "admin": (["admin"], []),
}
PASSWORD = "correct horse battery"


def assert_error(response, status: int, message: str, details: list | None = None) -> dict:
    """Every non-2xx answer has this shape; pin its status, message and (optionally) details."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"status", "error", "message", "details"}
    assert body["status"] == status
    assert body["message"] == message
    if details is not None:
        assert body["details"] == details
    return body


def add_people(app: Flask, names: tuple[str, ...] | None = None) -> None:
    ph = accounts.hasher(1024, 1)
    with app.extensions["dutybook.engine"].begin() as conn:
        for name in names or PEOPLE:
            roles, sites = PEOPLE[name]
            accounts.add_user(conn, ph, name, PASSWORD, roles, sites)


def sign_in(client, username: str, device: str = "dev-1") -> str:
    response = client.post(
        "/api/v1/session",
        json={"username": username, "password": PASSWORD, "device_id": device},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def now_iso(offset_hours: int = 8, delta: dt.timedelta = dt.timedelta()) -> str:
    tz = dt.timezone(dt.timedelta(hours=offset_hours))
    return (dt.datetime.now(tz) + delta).replace(microsecond=0).isoformat()


def app_data(kind: str, at: str | None = None) -> dict:
    """`data` as the app (checklist.js, patrol.js, report.js, emergency.js, learn.js) builds it."""
    at = at or now_iso()
    return {
        "checklist_run": {
            "started_at": at,
            "finished_at": at,
            "shift": None,
            "items": {"inlet-pressure": {"value": 0.3}, "leaks": {"value": True}},
            "out_of_range": [],
            "failed": [],
        },
        "patrol_round": {
            "started_at": at,
            "finished_at": at,
            "elapsed_s": 600,
            "order": "strict",
            "people": 2,
            "second_person": "王五",
            "scans": [{"code": "JX-CP-01", "at": at, "checkpoint": "JX-CP-01", "flag": None}],
            "missed": ["JX-CP-02", "JX-CP-04", "JX-CP-03", "JX-CP-05"],
            "complete": False,
            "shift": "night",
        },
        "exception": {
            "category": "damage",
            "note": "水泵异响",
            "photos": [],
            "item": None,
            "emergency": None,
            "started_at": at,
        },
        "incident": {
            "started_at": at,
            "ended_at": at,
            "severity": None,
            "actions": [{"index": 0, "text": "安抚被困人员", "done_at": at, "done_by": "guard-l"}],
            "calls": [],
            "fields": {},
        },
        "ack": {"major": 1, "acknowledged_at": at},
        "quiz": {
            "answers": {"trapped-first": [2], "arrive": [1]},
            "score": 100,
            "passed": True,
            "pass_mark": 80,
        },
    }.get(kind, {})


def store_unchecked(app: Flask, username: str, recs: list[dict], stdlib_json: bool = False) -> None:
    """Write records straight into the store, past every check of the API: what a store holds
    from before a check existed (records are append-only, so such rows stay). `stdlib_json`:
    `data` encoded by the standard library, past the store's own orjson too, which refuses
    integers beyond 64 bits (a row another tool or an older server wrote)."""
    engine = app.extensions["dutybook.engine"]
    if stdlib_json:
        url = engine.url.render_as_string(hide_password=False)
        engine = create_engine(url, poolclass=NullPool, json_serializer=json.dumps)
    with engine.begin() as conn:
        user_id = conn.scalar(select(users.c.id).where(users.c.username == username))
        for rec in recs:
            when = dt.datetime.fromisoformat(rec["recorded_at"]).astimezone(dt.UTC)
            when = when.replace(tzinfo=None)
            conn.execute(
                insert(records).values(
                    {
                        **{name: rec[name] for name in FIELDS if name != "recorded_at"},
                        "recorded_at": when,
                        "received_at": when,
                        "user_id": user_id,
                        "content_hash": uuid.uuid4().hex,
                    }
                )
            )


def record(**fields) -> dict:
    """A valid engineer's pump-room checklist run at lanyuan unless fields say otherwise; the
    data the app makes for the type unless given."""
    base = {
        "id": str(uuid.uuid4()),
        "type": "checklist_run",
        "def_id": "CHK-PUMP-ROOM",
        "def_version": "1.0",
        "site": "lanyuan",
        "device_id": "dev-1",
        "seq": 1,
        "recorded_at": now_iso(),
    }
    base.update(fields)
    if "data" not in base:
        kind = base["type"]
        base["data"] = app_data(kind) if isinstance(kind, str) else {}
    return base


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction as `pwa.store.db.writing` opens one (SQLite: BEGIN IMMEDIATE)."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with engine.begin() as conn:
        yield conn


def settled(engine: Engine | Flask, timeout: float = 30.0) -> None:
    """Wait until the cursor read sees everything written so far: on PostgreSQL it reads only
    below the oldest write transaction still running anywhere on the server, and the other
    test processes share that server (a transaction of theirs holds the read back, late,
    never lost). SQLite has nothing to wait for."""
    if isinstance(engine, Flask):
        engine = engine.extensions["dutybook.engine"]
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        # every transaction id below the next one to be handed out, once ended
        target = conn.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
        conn.commit()
        while True:
            xmin = conn.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
            conn.commit()
            if xmin >= target:
                return
            assert time.monotonic() < deadline, "a write transaction on the server did not end"
            time.sleep(0.05)
