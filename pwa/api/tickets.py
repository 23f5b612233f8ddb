"""`/api/v1/tickets`: the service desk's tickets as an assignee's phone sees them, and the
phone's events arriving as `ticket_event` records through the one sync protocol.

A phone lists what is given to its user and the unclaimed pool of the user's roles at the
user's sites, with each clock's due time, so the time left counts down offline. What it does
(accept, arrive, note, finish) goes into its outbox as records; the sync API stores them
idempotently and, in the same transaction, appends each to its ticket's log here.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from sqlalchemy import Connection

from pwa.api.auth import require_user
from pwa.api.definitions import current_bundle
from pwa.errors import ApiError
from pwa.ops import desk as rules
from pwa.ops.tickets import CLOCKS, explain
from pwa.store import db, records
from pwa.store import tickets as store
from pwa.store.accounts import User

bp = Blueprint("tickets", __name__, url_prefix="/api/v1")

# what a phone lists: given to someone and not yet done, or waiting for the resident
PHONE_STATUSES = ("assigned", "accepted", "on_site", "waiting")


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=dt.UTC).isoformat()


def sees_phone(user: User, site: str) -> bool:
    """客服 and supervisors of the site see a resident's number; everyone else a masked one."""
    return user.is_admin or (site in user.sites and ("service" in user.roles or user.is_supervisor))


def phone_json(row, user: User, categories: dict, flags: dict | None = None) -> dict:
    category = categories.get(row.category, {})
    return {
        "id": row.id,
        "number": row.number,
        "site": row.site,
        "category": row.category,
        "category_name": category.get("name", row.category),
        "group": row.grp,
        "room": row.room,
        "name": row.name,
        "phone": row.phone if sees_phone(user, row.site) else rules.mask_phone(row.phone),
        "description": row.description,
        "photos": row.photos,
        "status": row.status,
        "assignee": row.assignee,
        "pool": row.pool,
        "created_at": _iso(row.created_at),
        # the server's time of this state: the phone sends it back with what it does next
        "seen": _iso(row.updated_at),
        "clocks": {
            name: {
                "due": _iso(getattr(row, f"{name}_due")),
                "stopped": _iso(getattr(row, f"{name}_stop")),
            }
            for name in CLOCKS
            if category.get(name)
        },
        # why the server marked this person's events on the ticket: event id → reasons
        "flags": (flags or {}).get(row.id, {}),
    }


def flags_for(conn: Connection, user: User, ticket_ids: list[str]) -> dict[str, dict]:
    """For each ticket, the caller's own events the server marked and why: the log kept but
    did not apply them (`pwa.ops.tickets.explain`), or their record came in flagged (the
    phone's time far from the server's: {"why": "clock"})."""
    mine = store.events_by(conn, ticket_ids, user.username) if ticket_ids else []
    stored = records.flags_of(conn, [e.id for e in mine]) if mine else {}
    found: dict[str, dict] = {}
    for event in mine:
        reasons = [explain(event.flag)] if event.flag else []
        reasons += [{"why": flag} for flag in stored.get(event.id, ())]
        if reasons:
            found.setdefault(event.ticket_id, {})[event.id] = reasons
    return found


@bp.get("/tickets")
def mine() -> dict:
    user = require_user()
    desk = current_bundle().desk
    if desk is None:
        return {"tickets": [], "desk": None}
    sites = sorted(user.sites)
    conn = db.connection()
    rows = store.for_phone(conn, user.username, sorted(user.roles), sites, PHONE_STATUSES)
    flags = flags_for(conn, user, [r.id for r in rows])
    return {
        "desk": {"def_id": desk.def_id, "version": desk.version},
        "tickets": [phone_json(r, user, desk.raw_categories, flags) for r in rows],
    }


class TicketRejected(ValueError):
    pass


def judge(conn: Connection, user: User, site: str, data: dict) -> None:
    """A phone's event names a ticket of its record's site (else the record is refused)."""
    row = store.ticket(conn, data["ticket"])
    if row is None:
        raise TicketRejected("no such ticket")
    if row.site != site:
        raise TicketRejected(f"the ticket is at site {row.site!r}, not {site!r}")


def apply(conn: Connection, user: User, rows: list[tuple], now: dt.datetime) -> None:
    """Append newly stored ticket_event records to their tickets' logs (same transaction)."""
    desk = current_bundle().desk
    if desk is None:
        raise ApiError(409, "This handbook has no service desk.")
    by_ticket: dict[str, list[rules.NewEvent]] = {}
    for row in rows:
        rid, data, at = row[0], row[10], row[7]
        if data.get("seen"):
            # causally after the state the phone saw, even when the phone's clock is behind
            seen = dt.datetime.fromisoformat(data["seen"]).astimezone(dt.UTC).replace(tzinfo=None)
            at = max(at, seen)
        extra = {k: v for k, v in data.items() if k not in ("ticket", "kind", "seen") and v}
        by_ticket.setdefault(data["ticket"], []).append(
            rules.NewEvent(rid, data["kind"], at, user.username, extra, user.id)
        )
    for ticket_id, events in by_ticket.items():
        rules.add(conn, desk, ticket_id, events, now)
