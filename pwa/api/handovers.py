"""`/api/v1/handovers`: what a phone needs at a shift handover, fetched while online and kept for
offline: the recent handovers of the caller's sites with their acknowledgements, and what is
open there, unresolved exceptions and incidents and open service desk tickets.

The handover itself, and its acknowledgement, go up as records (`handover`, `handover_ack`)
through the one sync protocol; this is only their read side.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from sqlalchemy import Connection

from pwa.api.auth import require_user
from pwa.api.definitions import current_bundle, visible
from pwa.ops import exceptions_flow, payloads
from pwa.ops.tickets import OPEN
from pwa.store import db, records
from pwa.store import tickets as ticket_store
from pwa.store.accounts import User
from pwa.store.models import utcnow

bp = Blueprint("handovers", __name__, url_prefix="/api/v1")

RECENT = dt.timedelta(days=2)  # how far back a phone is shown handovers
EXCEPTIONS_SINCE = dt.timedelta(days=90)  # as the dashboard's exceptions page by default
MAX_TICKETS = 100


def _iso(value: dt.datetime) -> str:
    return value.replace(tzinfo=dt.UTC).isoformat()


def _handovers(conn: Connection, user: User, site: str, now: dt.datetime) -> list[dict]:
    bundle = current_bundle()
    rows = records.of_types(conn, site, ("handover", "handover_ack"), now - RECENT)
    acks: dict[str, list[dict]] = {}
    for row in rows:
        if row.type == "handover_ack":
            target = payloads.stored(row.type, row.data).get("handover")
            if target:
                acks.setdefault(target.lower(), []).append(
                    {"id": row.id, "user": row.username, "recorded_at": _iso(row.recorded_at)}
                )
    found = []
    for row in rows:
        definition = bundle.index.get(row.def_id)
        if row.type != "handover" or definition is None or not visible(user, definition):
            continue
        found.append(
            {
                "id": row.id,
                "def_id": row.def_id,
                "def_version": row.def_version,
                "site": row.site,
                "user": row.username,
                "recorded_at": _iso(row.recorded_at),
                "data": payloads.stored(row.type, row.data),
                "acks": acks.get(row.id, []),
            }
        )
    return found


def _open(conn: Connection, site: str, now: dt.datetime) -> dict:
    bundle = current_bundle()
    rows = records.exceptions(conn, site, now - EXCEPTIONS_SINCE)
    history = exceptions_flow.history(conn, [r.id for r in rows])
    exceptions = []
    for row in rows:
        state = exceptions_flow.state_of(history[row.id])
        if state.status in ("resolved", "verified"):
            continue
        data = payloads.stored(row.type, row.data)
        entry = bundle.raw["documents"].get(row.def_id)
        exceptions.append(
            {
                "id": row.id,
                "type": row.type,
                "def_id": row.def_id,
                "title": entry["title"] if entry else row.def_id,
                "note": data.get("note", ""),
                "recorded_at": _iso(row.recorded_at),
                "status": state.status,
                "assignee": state.assignee,
            }
        )
    desk = bundle.desk
    categories = desk.raw_categories if desk else {}
    tickets = [
        {
            "number": t.number,
            "category_name": categories.get(t.category, {}).get("name", t.category),
            "room": t.room,
            "status": t.status,
            "assignee": t.assignee,
            "created_at": _iso(t.created_at),
        }
        for t in ticket_store.open_list(conn, [site], OPEN, MAX_TICKETS)
    ]
    return {"exceptions": exceptions, "tickets": tickets}


@bp.get("/handovers")
def sheet() -> dict:
    user = require_user()
    conn = db.connection()
    now = utcnow()
    sites = sorted(user.sites)
    return {
        "at": _iso(now),
        "handovers": [h for site in sites for h in _handovers(conn, user, site, now)],
        "open": {site: _open(conn, site, now) for site in sites},
    }
