"""The record store: every read and write of the `records` table, as functions over a
SQLAlchemy `Connection` (no Flask), as `pwa.store.accounts` is for users and tokens (the
exception workflow's own log is `pwa.store.exception_log`).

Records are append-only. A row handed to `store` is a tuple in `COLUMNS` order. PostgreSQL
inserts with `ON CONFLICT DO NOTHING RETURNING id` and reads back any id another request stored
in between; SQLite, in a transaction that holds its only write lock from the start (BEGIN
IMMEDIATE), looks the ids up again and inserts plainly: were that ever not so it fails, never
lies.

Reading everything, page by page (`page`), follows `txn`, the transaction that stored a row,
then its id; see `page` for why no row is skipped or repeated while others are written.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence

import orjson
from sqlalchemy import Connection, Row, func, literal_column, or_, select, tuple_

from pwa.store.models import records, tokens, user_roles, user_sites, users

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
_SQLITE_INSERT = (
    f"INSERT INTO records ({_NAMES}, txn) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"
)
# SQLite numbers the transaction itself (one writer at a time: in commit order); see `page`
_SQLITE_NEXT_TXN = "SELECT coalesce(max(txn), 0) + 1 FROM records"
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


def flags_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    """The flags the server put on those of `ids` it stored flagged (e.g. "clock")."""
    query = select(records.c.id, records.c.flags).where(
        records.c.id.in_(ids), records.c.flags != ""
    )
    return {rid: flags.split(",") for rid, flags in conn.execute(query) if flags}


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
            txn = conn.exec_driver_sql(_SQLITE_NEXT_TXN).scalar()
            conn.exec_driver_sql(_SQLITE_INSERT, [(*p, txn) for p in params])
        inserted = {p[0] for p in params}
    return inserted, found


# --- reading ------------------------------------------------------------------------------------

_WITH_USER = select(records, users.c.username).join(users, users.c.id == records.c.user_id)


# (txn, id) of the last record read; START comes before every record (txn is never negative)
Position = tuple[int, str]
START: Position = (-1, "")
# every transaction below this number has ended: committed, its rows all visible, or rolled back
_PG_HORIZON = literal_column(
    "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)", records.c.txn.type
)
_ORDER = (records.c.txn, records.c.id)


def page(
    conn: Connection,
    sites: Iterable[str] | None,
    limit: int,
    after: Position = START,
    below: int | None = None,
) -> list[Row]:
    """The next `limit` records of `sites` (None: every site) after the cursor `after`, in
    (txn, id) order, each with its author's username; `below` stops at a `horizon`.

    A cursor is safe only if no row can ever become visible behind one already handed out, so
    the order must be the order in which rows become visible: commit order. Anything taken
    while a transaction runs (`received_at`, a serial id) is in the order transactions began
    writing: two PostgreSQL pushes take 10 and 11, 11 commits first, a reader pages past 11,
    and 10 is never read. A settle window (read only what was received over N seconds ago)
    leaves that open for any transaction slower than N or a server whose clock runs behind,
    and delays every read by N; a counter row locked by each push is exact but makes pushes
    wait for one another. So:

    - SQLite has one writer at a time (BEGIN IMMEDIATE): `txn`, one more than the largest
      stored, taken inside the write transaction, is in commit order by construction.
    - PostgreSQL stores the transaction's id (`pg_current_xact_id()`, 64 bits, never wraps)
      and reads only below the oldest transaction still running, taken in the page's own
      statement (its snapshot): each transaction under it has committed, and all its rows are
      visible, or rolled back, and none will appear. Nothing can land behind the cursor, and
      writers never wait for readers or for each other. The price: a long write transaction
      anywhere on the server holds the feed back until it ends (late, never lost).

    Rows of one transaction share a `txn` and are read in id order. Several sites are read
    site by site, each along its (site, txn, id) index, and merged.
    """
    query = _WITH_USER.where(tuple_(*_ORDER) > tuple_(*after)).order_by(*_ORDER).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.where(records.c.txn < _PG_HORIZON)
    if below is not None:
        query = query.where(records.c.txn < below)
    if sites is None:
        return list(conn.execute(query))
    each = [list(conn.execute(query.where(records.c.site == site))) for site in sorted(set(sites))]
    if len(each) == 1:
        return each[0]
    merged = heapq.merge(*each, key=lambda row: (row.txn, row.id))
    return [row for _, row in zip(range(limit), merged, strict=False)]


def position(row: Row) -> Position:
    """The cursor just after `row`."""
    return row.txn, row.id


def horizon(conn: Connection) -> int:
    """A `below` for `page`: what is stored now (PostgreSQL: up to the oldest transaction still
    running), so reading to it ends even while others keep writing."""
    if conn.dialect.name == "postgresql":
        return conn.scalar(select(_PG_HORIZON))
    return conn.scalar(select(func.coalesce(func.max(records.c.txn), 0) + 1))


def pages(
    conn: Connection, sites: Iterable[str] | None, size: int, below: int
) -> Iterator[list[Row]]:
    """Every record of `sites` under `below`, a page at a time; each page in a fresh read, so
    a long export holds no snapshot open."""
    after = START
    while True:
        found = page(conn, sites, size, after, below)
        conn.commit()
        if found:
            yield found
        if len(found) < size:
            return
        after = position(found[-1])


def runs_since(conn: Connection, site: str, since: Mapping[str, dt.datetime]) -> list[Row]:
    """Each `since` definition's rounds and checklist runs from its start, oldest first."""
    if not since:
        return []
    # SQLite reads each definition's own (site, def_id, type, recorded_at) range (MULTI-INDEX
    # OR; else a month of runs for a monthly checklist); PostgreSQL merges shared starts itself
    terms = [([d], since[d]) for d in sorted(since)]
    if conn.dialect.name != "sqlite":
        terms = [
            ([d for d in sorted(since) if since[d] == s], s) for s in sorted({*since.values()})
        ]
    each = (
        (records.c.site == site)
        & records.c.def_id.in_(ids)
        & records.c.type.in_(RUN_TYPES)
        & (records.c.recorded_at >= start)
        for ids, start in terms
    )
    query = (
        select(
            records.c.id, records.c.type, records.c.def_id, records.c.recorded_at, users.c.username
        )  # fmt: skip
        .join(users, users.c.id == records.c.user_id)
        .where(or_(*each))
        .order_by(records.c.recorded_at, records.c.id)
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


def count_by_device(conn: Connection, prefix: str) -> tuple[int, int]:
    """(records from devices whose id starts with `prefix`, records from any other device)."""
    mine = records.c.device_id.startswith(prefix, autoescape=True)
    ours, others = conn.execute(
        select(func.count().filter(mine), func.count().filter(~mine)).select_from(records)
    ).one()
    return ours, others
