"""The ticket store: every read and write of `tickets`, `ticket_events` and `ticket_numbers`,
as functions over a `Connection` (no Flask). The rules that derive a ticket's state from its
events are in `pwa.ops.tickets`; this module only keeps what they say.

Times are naive UTC, as everywhere in the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

import orjson
from sqlalchemy import Connection, Row, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pwa.store.models import blobs, ticket_events, ticket_numbers, ticket_photos, tickets

# what the open list and the phone's list show of a ticket: never the status token
LIST_COLUMNS = [c for c in tickets.c if c.name not in ("token_hash", "reported_from")]


def event_hash(kind: str, at: dt.datetime, actor: str, data: dict) -> str:
    whole = orjson.dumps([kind, at.isoformat(), actor, data], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(whole).hexdigest()


def next_number(conn: Connection, site: str, day: str) -> int:
    """The next ticket number of a site's day (1, 2, …), given once even under races."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ticket_numbers)
        .values(site=site, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["site", "day"], set_={"last": ticket_numbers.c.last + 1}
        )
        .returning(ticket_numbers.c.last)
    )
    return conn.execute(statement).scalar_one()


def insert_ticket(conn: Connection, row: dict) -> None:
    conn.execute(tickets.insert().values(**row))


def insert_new_event(conn: Connection, row: dict) -> None:
    """The first event of a ticket just inserted: nothing can be stored under its id yet."""
    conn.execute(ticket_events.insert().values(**row))


def insert_events(conn: Connection, rows: Sequence[dict]) -> dict[str, str]:
    """Store what is new; each id → "created", "duplicate" (same content) or "conflict"."""
    ids = [row["id"] for row in rows]
    known = dict(
        conn.execute(
            select(ticket_events.c.id, ticket_events.c.content_hash).where(
                ticket_events.c.id.in_(ids)
            )
        ).all()
    )
    results: dict[str, str] = {}
    for row in rows:
        if row["id"] in known:
            same = known[row["id"]] == row["content_hash"]
            results.setdefault(row["id"], "duplicate" if same else "conflict")
            continue
        conn.execute(ticket_events.insert().values(**row))
        known[row["id"]] = row["content_hash"]
        results[row["id"]] = "created"
    return results


def events_of(conn: Connection, ticket_id: str) -> list[Row]:
    return list(
        conn.execute(
            select(ticket_events)
            .where(ticket_events.c.ticket_id == ticket_id)
            .order_by(ticket_events.c.at, ticket_events.c.id)
        )
    )


def set_flags(conn: Connection, ticket_id: str, flags: dict[str, str]) -> None:
    """Mark the events the derived state could not take, and clear the rest."""
    conn.execute(
        update(ticket_events)
        .where(ticket_events.c.ticket_id == ticket_id, ticket_events.c.flag.is_not(None))
        .values(flag=None)
    )
    for event_id, why in flags.items():
        conn.execute(
            update(ticket_events).where(ticket_events.c.id == event_id).values(flag=why[:64])
        )


def save_state(conn: Connection, ticket_id: str, values: dict) -> None:
    conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(**values))


def ticket(conn: Connection, ticket_id: str) -> Row | None:
    return conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()


def tickets_by_id(conn: Connection, ids: Iterable[str]) -> dict[str, Row]:
    ids = list(ids)
    if not ids:
        return {}
    return {r.id: r for r in conn.execute(select(tickets).where(tickets.c.id.in_(ids)))}


def by_token(conn: Connection, token_hash: str) -> Row | None:
    return conn.execute(select(tickets).where(tickets.c.token_hash == token_hash)).first()


def by_number(conn: Connection, number: str) -> Row | None:
    return conn.execute(select(tickets).where(tickets.c.number == number)).first()


def by_exception(conn: Connection, exception_id: str) -> Row | None:
    """The ticket made from a staff member's exception report, if one was."""
    return conn.execute(select(tickets).where(tickets.c.exception_id == exception_id)).first()


def add_photos(conn: Connection, ticket_id: str, shas: Iterable[str]) -> None:
    """Let the ticket's site read these photos (those already uploaded; the rest stay listed
    on the ticket and are read by its own page)."""
    present = set(conn.scalars(select(blobs.c.sha256).where(blobs.c.sha256.in_(list(shas)))))
    for sha in sorted(present):
        conn.execute(ticket_photos.insert().values(ticket_id=ticket_id, sha256=sha))


def photo(conn: Connection, sha256: str) -> Row | None:
    """A stored photo's bytes and type."""
    return conn.execute(
        select(blobs.c.data, blobs.c.content_type).where(blobs.c.sha256 == sha256)
    ).first()


def open_list(
    conn: Connection, sites: Sequence[str], statuses: Sequence[str], limit: int = 200
) -> list[Row]:
    """Open tickets of these sites, the nearest close deadline first (paused ones last)."""
    return list(
        conn.execute(
            select(*LIST_COLUMNS)
            .where(tickets.c.site.in_(sites), tickets.c.status.in_(statuses))
            .order_by(tickets.c.close_due.is_(None), tickets.c.close_due, tickets.c.created_at)
            .limit(limit)
        )
    )


def for_phone(
    conn: Connection,
    username: str,
    roles: Sequence[str],
    sites: Sequence[str],
    statuses: Sequence[str],
    limit: int = 200,
) -> list[Row]:
    """What a phone shows: tickets given to this person, and its roles' unclaimed pool."""
    mine = tickets.c.assignee == username
    pool = and_(tickets.c.assignee.is_(None), tickets.c.pool.in_(roles))
    return list(
        conn.execute(
            select(*LIST_COLUMNS)
            .where(tickets.c.site.in_(sites), tickets.c.status.in_(statuses), or_(mine, pool))
            .order_by(tickets.c.close_due.is_(None), tickets.c.close_due, tickets.c.created_at)
            .limit(limit)
        )
    )


def late(conn: Connection, site: str, statuses: Sequence[str], now: dt.datetime) -> list[Row]:
    """Tickets of a site in these statuses with a clock still running past its deadline."""
    running_late = [
        and_(due <= now, stop.is_(None))
        for due, stop in (
            (tickets.c.respond_due, tickets.c.respond_stop),
            (tickets.c.on_site_due, tickets.c.on_site_stop),
            (tickets.c.close_due, tickets.c.close_stop),
        )
    ]
    return list(
        conn.execute(
            select(*LIST_COLUMNS)
            .where(tickets.c.site == site, tickets.c.status.in_(statuses), or_(*running_late))
            .order_by(tickets.c.created_at)
        )
    )


def created_between(conn: Connection, site: str, start: dt.datetime, end: dt.datetime) -> list[Row]:
    """A period's tickets, for the month figures."""
    return list(
        conn.execute(
            select(*LIST_COLUMNS)
            .where(tickets.c.site == site, tickets.c.created_at >= start)
            .where(tickets.c.created_at < end)
            .order_by(tickets.c.created_at)
        )
    )


def reports_since(
    conn: Connection, since: dt.datetime, *, phone: str | None = None, source: str | None = None
) -> int:
    """How many residents' reports came from this phone number or address hash since then."""
    where = [tickets.c.created_at >= since, tickets.c.source == "resident"]
    if phone is not None:
        where.append(tickets.c.phone == phone)
    if source is not None:
        where.append(tickets.c.reported_from == source)
    return conn.execute(select(func.count()).select_from(tickets).where(*where)).scalar_one()


def count_not_from(conn: Connection, reported_from: str) -> int:
    """Tickets whose `reported_from` is anything but this mark (or none at all)."""
    where = or_(tickets.c.reported_from.is_(None), tickets.c.reported_from != reported_from)
    return conn.execute(select(func.count()).select_from(tickets).where(where)).scalar_one()
