"""The record store: every read and write of the `records` table and of the exception
workflow's `exception_events`, as functions over a SQLAlchemy `Connection` (no Flask), as
`pwa.store.accounts` is for users and tokens.

Records are append-only. A row handed to `store` is a tuple in `COLUMNS` order. PostgreSQL
inserts with `ON CONFLICT DO NOTHING RETURNING id` and reads back any id another request stored
in between; SQLite, in a transaction that holds its only write lock from the start (BEGIN
IMMEDIATE), looks the ids up again and inserts plainly: were that ever not so it fails, never
lies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import orjson
from sqlalchemy import Connection, Row, and_, func, insert, or_, select

from pwa.store.models import (
    exception_events,
    records,
    tokens,
    user_roles,
    user_sites,
    users,
    utcnow,
)

# the order of a row tuple, and of the columns in the insert statements
COLUMNS = (
    "id",
    "type",
    "def_id",
    "def_version",
    "site",
    "device_id",
    "seq",
    "recorded_at",
    "received_at",
    "user_id",
    "data",
    "content_hash",
    "flags",
)
RECEIVED, DATA, HASH, FLAGS = (
    COLUMNS.index(c) for c in ("received_at", "data", "content_hash", "flags")
)
RUN_TYPES = ("patrol_round", "checklist_run")
EXCEPTION_TYPES = ("exception", "incident")

_NAMES = ", ".join(COLUMNS)
_SQLITE_STORED = "SELECT id, content_hash FROM records WHERE id IN (SELECT value FROM json_each(?))"
_SQLITE_INSERT = f"INSERT INTO records ({_NAMES}) VALUES ({', '.join('?' * len(COLUMNS))})"
# ids as one JSON text: psycopg dumps a Python list to an array in Python, string by string
_PG_STORED = (
    "SELECT id, content_hash FROM records "
    "WHERE id = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))"
)
# one parameter, the rows as a JSON array: a short statement psycopg can prepare, where a
# multi-row VALUES list of 13 × 500 parameters costs more to build than to run
_PG_INSERT = (
    f"INSERT INTO records ({_NAMES}) SELECT {_NAMES} "
    "FROM jsonb_populate_recordset(NULL::records, %s::jsonb) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


# --- writing ------------------------------------------------------------------------------------


def stored(conn: Connection, ids: list[str]) -> dict[str, str]:
    """The content hash of each of `ids` already stored (one query)."""
    query = _PG_STORED if conn.dialect.name == "postgresql" else _SQLITE_STORED
    return dict(conn.exec_driver_sql(query, (orjson.dumps(ids).decode(),)).all())


def _sqlite_params(conn: Connection, rows: list[tuple]) -> list[tuple]:
    """The rows as SQLAlchemy's column types would store them (DateTime text, JSON text)."""
    dialect = conn.dialect
    when = records.c.recorded_at.type.dialect_impl(dialect).bind_processor(dialect)
    as_json = records.c.data.type.dialect_impl(dialect).bind_processor(dialect)
    received = when(rows[0][RECEIVED])
    return [(*r[:7], when(r[7]), received, r[9], as_json(r[10]), r[11], r[12]) for r in rows]


def store(conn: Connection, rows: list[tuple]) -> tuple[set[str], dict[str, str]]:
    """Insert `rows` (distinct ids, one `received_at`) in the caller's write transaction.

    Answers the ids inserted and the stored hash of each id another request stored first.
    """
    if not rows:
        return set(), {}
    found: dict[str, str] = {}
    if conn.dialect.name == "postgresql":
        payload = orjson.dumps([dict(zip(COLUMNS, row, strict=True)) for row in rows]).decode()
        inserted = set(conn.exec_driver_sql(_PG_INSERT, (payload,)).scalars())
        # ON CONFLICT waited for any concurrent request that stored one of them
        raced = [row[0] for row in rows if row[0] not in inserted]
        if raced:
            found.update(stored(conn, raced))
    else:
        # what this transaction reads now cannot change before its insert (BEGIN IMMEDIATE)
        found.update(stored(conn, [row[0] for row in rows]))
        params = [p for p in _sqlite_params(conn, rows) if p[0] not in found]
        if params:
            conn.exec_driver_sql(_SQLITE_INSERT, params)
        inserted = {p[0] for p in params}
    return inserted, found


# --- reading ------------------------------------------------------------------------------------

_WITH_USER = select(records, users.c.username).join(users, users.c.id == records.c.user_id)


def read(
    conn: Connection,
    sites: Iterable[str] | None,
    limit: int,
    after: tuple[dt.datetime, str] | None = None,
) -> list[Row]:
    """Records of `sites` (None: every site) in (recorded_at, id) order, each with its author's
    username; `after` is the cursor, the (recorded_at, id) of the last record already read."""
    query = _WITH_USER.order_by(records.c.recorded_at, records.c.id).limit(limit)
    if sites is not None:
        query = query.where(records.c.site.in_(sorted(sites)))
    if after is not None:
        at, rid = after
        query = query.where(
            or_(records.c.recorded_at > at, and_(records.c.recorded_at == at, records.c.id > rid))
        )
    return list(conn.execute(query))


def runs(
    conn: Connection, site: str, def_id: str, kind: str, start: dt.datetime, end: dt.datetime
) -> list[Row]:
    """The records of one definition and type at a site recorded in [start, end) (naive UTC),
    oldest first, each with its author's username."""
    query = _WITH_USER.where(
        records.c.site == site,
        records.c.def_id == def_id,
        records.c.type == kind,
        records.c.recorded_at >= start,
        records.c.recorded_at < end,
    ).order_by(records.c.recorded_at)
    return list(conn.execute(query))


def count_runs(
    conn: Connection, site: str, def_id: str, kind: str, start: dt.datetime, end: dt.datetime
) -> int:
    """How many records `runs` would answer, without reading them."""
    return conn.scalar(
        select(func.count()).where(
            records.c.site == site,
            records.c.def_id == def_id,
            records.c.type == kind,
            records.c.recorded_at >= start,
            records.c.recorded_at < end,
        )
    )


def run_times(
    conn: Connection, site: str, start: dt.datetime, end: dt.datetime
) -> dict[str, list[dt.datetime]]:
    """Each definition's patrol rounds and checklist runs at a site in [start, end): their times."""
    times: dict[str, list[dt.datetime]] = {}
    query = (
        select(records.c.def_id, records.c.recorded_at)
        .where(
            records.c.site == site,
            records.c.type.in_(RUN_TYPES),
            records.c.recorded_at >= start,
            records.c.recorded_at < end,
        )
        .order_by(records.c.recorded_at)
    )
    for def_id, recorded_at in conn.execute(query):
        times.setdefault(def_id, []).append(recorded_at)
    return times


def received_since(conn: Connection, site: str, kind: str, since: dt.datetime) -> list[Row]:
    """The records of one type at a site that reached the server since `since` (naive UTC),
    in the order they arrived, each with its author's username: what the alerts judge."""
    query = _WITH_USER.where(
        records.c.site == site, records.c.type == kind, records.c.received_at >= since
    ).order_by(records.c.received_at, records.c.id)
    return list(conn.execute(query))


def acks_and_quizzes(conn: Connection, user_ids: Sequence[int]) -> list[Row]:
    """The acknowledgements and quiz attempts of these users, oldest first."""
    query = select(
        records.c.user_id, records.c.type, records.c.def_id, records.c.def_version,
        records.c.recorded_at, records.c.data,
    ).where(records.c.type.in_(("ack", "quiz")), records.c.user_id.in_(user_ids))  # fmt: skip
    return list(conn.execute(query.order_by(records.c.recorded_at)))


def last_received(conn: Connection, site: str) -> dt.datetime | None:
    """When the site's newest record reached the server."""
    return conn.scalar(select(func.max(records.c.received_at)).where(records.c.site == site))


def last_sync(
    conn: Connection, site: str, since: dt.datetime
) -> list[tuple[str, frozenset[str], dt.datetime]]:
    """Each device of the site's people used since `since`: its user's roles, its last sync.

    The token's last use is the device's last contact: a push touches it, and so does a call
    with nothing to send. It is written at most every few minutes, so it can only lag the real
    sync; that errs towards "not yet synced", never towards a false "missed".
    """
    rows = conn.execute(
        select(tokens.c.device_id, tokens.c.user_id, func.max(tokens.c.last_used_at))
        .join(user_sites, user_sites.c.user_id == tokens.c.user_id)
        .where(user_sites.c.site == site, tokens.c.last_used_at >= since)
        .group_by(tokens.c.device_id, tokens.c.user_id)
    ).all()
    if not rows:
        return []
    roles: dict[int, set[str]] = {}
    for user_id, role in conn.execute(
        select(user_roles.c.user_id, user_roles.c.role).where(
            user_roles.c.user_id.in_(sorted({r[1] for r in rows}))
        )
    ):
        roles.setdefault(user_id, set()).add(role)
    return [(device, frozenset(roles.get(user_id, ())), last) for device, user_id, last in rows]


# --- exceptions and incidents -------------------------------------------------------------------


def exceptions(conn: Connection, site: str, since: dt.datetime | None) -> list[Row]:
    """The site's exceptions and incidents recorded since `since` (None: all), newest first."""
    query = _WITH_USER.where(records.c.site == site, records.c.type.in_(EXCEPTION_TYPES)).order_by(
        records.c.recorded_at.desc()
    )
    if since is not None:
        query = query.where(records.c.recorded_at >= since)
    return list(conn.execute(query))


def exception(conn: Connection, site: str, record_id: str) -> Row | None:
    """One exception or incident of the site, by id (any case)."""
    return conn.execute(
        _WITH_USER.where(
            records.c.id == record_id.lower(),
            records.c.site == site,
            records.c.type.in_(EXCEPTION_TYPES),
        )
    ).one_or_none()


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


# --- drills and handovers -----------------------------------------------------------------------


def of_types(
    conn: Connection,
    site: str,
    kinds: Sequence[str],
    since: dt.datetime,
    until: dt.datetime | None = None,
) -> list[Row]:
    """The site's records of these types recorded in [since, until) (naive UTC), oldest first,
    each with its author's username."""
    query = _WITH_USER.where(
        records.c.site == site, records.c.type.in_(kinds), records.c.recorded_at >= since
    )
    if until is not None:
        query = query.where(records.c.recorded_at < until)
    return list(conn.execute(query.order_by(records.c.recorded_at, records.c.id)))


def latest_of_type(conn: Connection, site: str, kind: str) -> dict[str, dt.datetime]:
    """Each definition's newest record of one type at a site: when it was recorded."""
    query = (
        select(records.c.def_id, func.max(records.c.recorded_at))
        .where(records.c.site == site, records.c.type == kind)
        .group_by(records.c.def_id)
    )
    return dict(conn.execute(query).all())
