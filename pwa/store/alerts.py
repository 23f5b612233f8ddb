"""The alerts' store: the outbox (queue, what is due, sent, failed, the log) and the sender's
lease, as functions over a `Connection` (no Flask). What falls due is `pwa.ops.alerts`; how a
row is sent and retried is `pwa.ops.delivery`.

Times are naive UTC, as everywhere in the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pwa.store.models import alert_leases, alert_outbox

STATUSES = ("pending", "sent", "failed")
SENDER = "sender"
_FREE = dt.datetime(2000, 1, 1)


def _insert(conn: Connection, table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


# --- the outbox ---------------------------------------------------------------------------------


def enqueue(conn: Connection, rows: Sequence[dict]) -> int:
    """Queue what is not queued yet (unique on about and route); answers how many are new."""
    if not rows:
        return 0
    statement = (
        _insert(conn, alert_outbox)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=["about", "route"])
        .returning(alert_outbox.c.id)
    )
    return len(conn.execute(statement).all())


def due(conn: Connection, now: dt.datetime, limit: int) -> list[Row]:
    """Pending rows whose time has come, the oldest first."""
    return list(
        conn.execute(
            select(alert_outbox)
            .where(alert_outbox.c.status == "pending", alert_outbox.c.next_at <= now)
            .order_by(alert_outbox.c.next_at, alert_outbox.c.id)
            .limit(limit)
        )
    )


def pending_about(conn: Connection, abouts: Sequence[str]) -> list[Row]:
    """The pending rows about these things (a test just queued)."""
    if not abouts:
        return []
    query = select(alert_outbox).where(
        alert_outbox.c.about.in_(list(abouts)), alert_outbox.c.status == "pending"
    )
    return list(conn.execute(query.order_by(alert_outbox.c.id)))


def claim(conn: Connection, row_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    """Take one due row for sending until `until`: one atomic UPDATE, so of two senders that
    read it due, one sends it. A sender that dies mid-send leaves it to be retried then."""
    result = conn.execute(
        update(alert_outbox)
        .where(
            alert_outbox.c.id == row_id,
            alert_outbox.c.status == "pending",
            alert_outbox.c.next_at <= now,
        )
        .values(next_at=until)
    )
    return result.rowcount == 1


def mark_sent(conn: Connection, row_id: int, attempts: int, now: dt.datetime) -> None:
    conn.execute(
        update(alert_outbox)
        .where(alert_outbox.c.id == row_id)
        .values(status="sent", attempts=attempts, sent_at=now, next_at=now)
    )


def mark_failed(
    conn: Connection, row_id: int, attempts: int, error: str, next_at: dt.datetime | None
) -> None:
    """An attempt failed: try again at `next_at`, or give up (None) and keep it as failed."""
    values: dict = {"attempts": attempts, "last_error": error[:500]}
    if next_at is None:
        values["status"] = "failed"
    else:
        values["next_at"] = next_at
    conn.execute(update(alert_outbox).where(alert_outbox.c.id == row_id).values(**values))


def retry(conn: Connection, row_id: int, now: dt.datetime) -> bool:
    """Queue a failed row again at once (an admin fixed the robot or the variable)."""
    result = conn.execute(
        update(alert_outbox)
        .where(alert_outbox.c.id == row_id, alert_outbox.c.status == "failed")
        .values(status="pending", next_at=now)
    )
    return result.rowcount == 1


def row(conn: Connection, row_id: int) -> Row | None:
    return conn.execute(select(alert_outbox).where(alert_outbox.c.id == row_id)).first()


def log(
    conn: Connection, statuses: Sequence[str] = STATUSES, limit: int = 200, retried: bool = False
) -> list[Row]:
    """The newest rows of the outbox; `retried`: only those that needed more than one try."""
    query = select(alert_outbox).where(alert_outbox.c.status.in_(statuses))
    if retried:
        query = query.where(
            or_(alert_outbox.c.attempts > 1, alert_outbox.c.last_error.is_not(None))
        )
    return list(
        conn.execute(
            query.order_by(alert_outbox.c.created_at.desc(), alert_outbox.c.id.desc()).limit(limit)
        )
    )


def counts(conn: Connection) -> dict[str, int]:
    """Rows per status, and how many needed more than one attempt (`retried`)."""
    found = dict.fromkeys(STATUSES, 0)
    found.update(
        conn.execute(
            select(alert_outbox.c.status, func.count()).group_by(alert_outbox.c.status)
        ).all()
    )
    found["retried"] = conn.scalar(select(func.count()).where(alert_outbox.c.attempts > 1))
    return found


def kinds_between(
    conn: Connection, site: str, start: dt.datetime, end: dt.datetime
) -> dict[str, int]:
    """How many distinct things of each kind were alerted at a site in [start, end)."""
    query = (
        select(alert_outbox.c.kind, func.count(func.distinct(alert_outbox.c.about)))
        .where(
            alert_outbox.c.site == site,
            alert_outbox.c.created_at >= start,
            alert_outbox.c.created_at < end,
        )
        .group_by(alert_outbox.c.kind)
    )
    return dict(conn.execute(query).all())


# --- the lease ----------------------------------------------------------------------------------


def take_lease(
    conn: Connection, holder: str, now: dt.datetime, until: dt.datetime, name: str = SENDER
) -> bool:
    """Hold the lease until `until` if it is free, expired or already ours: one atomic UPDATE,
    so of two servers asking at once exactly one gets it."""
    conn.execute(
        _insert(conn, alert_leases)
        .values(name=name, holder=None, expires_at=_FREE)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    result = conn.execute(
        update(alert_leases)
        .where(
            alert_leases.c.name == name,
            or_(
                alert_leases.c.holder == holder,
                alert_leases.c.holder.is_(None),
                alert_leases.c.expires_at <= now,
            ),
        )
        .values(holder=holder, expires_at=until)
    )
    return result.rowcount == 1


def renew_lease(
    conn: Connection, holder: str, now: dt.datetime, until: dt.datetime, name: str = SENDER
) -> bool:
    """Extend the lease only while it is still ours and unexpired: a sender that stalled past
    its expiry must not send beside the one that took over."""
    result = conn.execute(
        update(alert_leases)
        .where(
            alert_leases.c.name == name,
            alert_leases.c.holder == holder,
            alert_leases.c.expires_at > now,
        )
        .values(expires_at=until)
    )
    return result.rowcount == 1


def release_lease(conn: Connection, holder: str, name: str = SENDER) -> None:
    conn.execute(
        update(alert_leases)
        .where(alert_leases.c.name == name, alert_leases.c.holder == holder)
        .values(holder=None, expires_at=_FREE)
    )


def lease(conn: Connection, name: str = SENDER) -> Row | None:
    return conn.execute(select(alert_leases).where(alert_leases.c.name == name)).first()
