"""Helpers for the server tests: accounts, tokens, records and the one error-shape check."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from flask import Flask

from pwa import accounts

SOP = Path(__file__).with_name("sop")

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


def record(**fields) -> dict:
    """A valid engineer's pump-room checklist run at lanyuan unless fields say otherwise."""
    base = {
        "id": str(uuid.uuid4()),
        "type": "checklist_run",
        "def_id": "CHK-PUMP-ROOM",
        "def_version": "1.0",
        "site": "lanyuan",
        "device_id": "dev-1",
        "seq": 1,
        "recorded_at": now_iso(),
        "data": {"items": {"inlet-pressure": 0.3, "leaks": True}},
    }
    base.update(fields)
    return base
