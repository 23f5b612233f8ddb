"""The store: migrations from an empty database, SQLite settings, health, configuration."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, inspect, text

from pwa import create_app
from pwa.store.db import make_engine, transaction
from pwa.store.migrate import current, head, upgrade
from pwa.store.models import metadata


def test_migrations_create_every_table_from_empty(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == head()
    # later migrations may add tables of their own; ours must all be there
    assert {*metadata.tables, "alembic_version"} <= set(inspect(engine).get_table_names())
    upgrade(engine)  # a second upgrade is a no-op
    assert current(engine) == head()


def test_migrations_match_the_models(database):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database)
    with engine.connect() as conn:
        # objects only in the database (other packages' migrations) are not ours to judge
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, type_, reflected, compare_to: (
                    not (reflected and compare_to is None)
                ),
            },
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_a_write_beside_another_writer_waits_for_it_instead_of_failing(tmp_path):
    # A script or the CLI writing while the server writes: a deferred transaction that has
    # read and then writes gets "database is locked" at once when the other commits first.
    # transaction() takes the write lock up front, so it waits and then succeeds.
    engine = make_engine(f"sqlite:///{tmp_path / 'two.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    holding, done = threading.Event(), threading.Event()

    def first() -> None:
        with transaction(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            done.wait(5)

    writer = threading.Thread(target=first)
    writer.start()
    assert holding.wait(5)
    threading.Timer(0.3, done.set).start()
    with transaction(engine) as conn:
        seen = conn.execute(text("SELECT count(*) FROM t")).scalar()
        conn.execute(text("INSERT INTO t VALUES (2)"))
    writer.join()
    assert seen == 1  # it waited for the first writer's commit
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()


def test_sqlite_commits_are_synced_to_disk(sqlite_app):
    # synchronous=FULL (2): an acknowledged commit survives an OS crash; NORMAL (1) in WAL
    # mode may lose the last ones. Every pooled connection, not only the first.
    engine = sqlite_app.extensions["dutybook.engine"]
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_healthz(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    dialect = app.extensions["dutybook.engine"].dialect.name
    assert response.get_json() == {"status": "ok", "database": dialect}


def test_healthz_database_down(tmp_path, site_dir):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'no.db'}", "SITE_DIR": str(site_dir)}
    )
    from tests.pwa.support import assert_error

    assert_error(app.test_client().get("/healthz"), 503, "The database is not reachable.", [])


def test_config_defaults_instance_file_environment(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("TOKEN_HOURS = 8\nMAX_BATCH = 10\n", encoding="utf-8")
    monkeypatch.setenv("DUTYBOOK_MAX_BATCH", "20")
    monkeypatch.setenv("DUTYBOOK_SECRET_KEY", "12345")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["TOKEN_HOURS"] == 8  # instance file over default
    assert app.config["MAX_BATCH"] == 20  # environment over instance file
    assert app.config["SECRET_KEY"] == "12345"  # always text, though it looks like a number
    assert app.config["LOGIN_MAX_PER_USER"] == 5  # default
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'dutybook.db'}"
