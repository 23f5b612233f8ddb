"""The database engine per app and a connection per request; SQLite tuned for concurrent use."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import orjson
from flask import Flask, Response, after_this_request, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL synced at each commit, foreign keys, a busy timeout,
    BEGIN IMMEDIATE."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, json_serializer=_json)
    engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_json)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # let SQLAlchemy's "begin" event start transactions (pysqlite's own is deferred)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # FULL: WAL is synced at every commit, so an acknowledged record survives a power cut
        # or an OS crash (NORMAL syncs only at checkpoints: it survives an app crash only)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # a deferred transaction that reads and then writes cannot wait for the lock:
        # SQLite answers "database is locked" at once. Writers take the lock up front.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction outside a request (the CLI, the sender's loop, a script beside a
    running server), committed on exit; SQLite takes its write lock first, so it waits for
    another writer instead of failing with "database is locked"."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with engine.begin() as conn:
        yield conn


def init_app(app: Flask) -> None:
    """Attach an engine to the app and close the request's connection on teardown."""
    app.extensions["dutybook.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close)


def engine() -> Engine:
    return current_app.extensions["dutybook.engine"]


def connection() -> Connection:
    """The request's read connection (one transaction, closed at teardown)."""
    if "db" not in g:
        g.db = engine().connect()
    return g.db


@contextmanager
def writing() -> Iterator[Connection]:
    """A write transaction committed on exit; the read connection is finished first."""
    if "db" in g:
        g.db.commit()
    with transaction(engine()) as conn:
        yield conn
        for work in g.pop("db_owed", []):
            work(conn)


def owe(work: Callable[[Connection], None]) -> None:
    """Bookkeeping the request owes the database (a token's last use): done in the request's
    own write transaction when it opens one, else after the answer has left, in a short one of
    its own, so a read stays one query and never waits for a writer."""
    if "db_owed" not in g:
        g.db_owed = []
        after_this_request(_settle_after)
    g.db_owed.append(work)


def _settle_after(response: Response) -> Response:
    owed = g.pop("db_owed", [])
    if owed:
        target = engine()
        response.call_on_close(lambda: _settle(target, owed))
    return response


def _settle(engine: Engine, owed: list[Callable[[Connection], None]]) -> None:
    try:
        with transaction(engine) as conn:
            for work in owed:
                work(conn)
    except Exception:  # the answer has left: bookkeeping that fails is logged, never raised
        logging.getLogger("dutybook").exception("bookkeeping after the answer failed")


def _close(_exc: BaseException | None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()
