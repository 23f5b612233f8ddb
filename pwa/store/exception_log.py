"""The exception workflow's log (`exception_events`): who assigned, resolved or noted what on
an exception a phone reported. The exceptions themselves are records (`pwa.store.records`),
which never change; this is the one table the dashboard's workflow writes."""

from __future__ import annotations

from sqlalchemy import Connection, Row, insert, select

from pwa.store.models import exception_events, users, utcnow


def exception_events_of(conn: Connection, record_ids: list[str]) -> list[Row]:
    """The workflow events of these records in the order they happened, with who made each."""
    found: list[Row] = []
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        query = (
            select(exception_events, users.c.username)
            .join(users, users.c.id == exception_events.c.user_id)
            .where(exception_events.c.record_id.in_(chunk))
            .order_by(exception_events.c.id)
        )
        found.extend(conn.execute(query))
    return found


def add_exception_event(
    conn: Connection,
    record_id: str,
    user_id: int,
    status: str | None,
    assignee: str | None,
    note: str | None,
) -> None:
    """Append one workflow event; records themselves never change."""
    conn.execute(
        insert(exception_events).values(
            record_id=record_id,
            user_id=user_id,
            at=utcnow(),
            status=status,
            assignee=assignee,
            note=note,
        )
    )
