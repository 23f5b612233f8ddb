"""Shared fixtures: the app over SQLite and PostgreSQL (flaskr's app and client), and the clock.

No test sees the wall clock: each one runs at a fixed instant (time-machine, ticking from
there), and servers it starts in other processes get the same instant (`CLOCK_START`).
Tests of what depends on the time of day (`@pytest.mark.every_instant`) run at each instant.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from pwa.store.models import metadata

# the helper modules the tests import: pytest rewrites their asserts as it does a test module's
pytest.register_assert_rewrite("tests.pwa.scenario", "tests.pwa.support")

ROOT = Path(__file__).resolve().parent.parent
# the machine's and CI's PostgreSQL; another one with DUTYBOOK_TEST_DATABASE_URL
POSTGRES = os.environ.get(
    "DUTYBOOK_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HANDBOOK_FIXTURE = ROOT / "tests" / "fixtures" / "handbook"  # tests/fixtures/README.md
JIEBA_USER = "jieba_dict_user: generator/assets/"


def handbook_tree(target: Path, source: Path = HANDBOOK_FIXTURE, **plugin: str) -> Path:
    """An author's tree at `target`: `source`'s sop/ and content/ beside the repository's
    mkdocs.yml, its jieba dictionary named by absolute path so it builds from anywhere;
    `plugin`: more settings of the dutybook plugin (pdf="false")."""
    target.mkdir(parents=True, exist_ok=True)
    for part in ("sop", "content"):
        shutil.copytree(source / part, target / part)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace(JIEBA_USER, f"jieba_dict_user: {ROOT}/generator/assets/")
    extra = "".join(f"      {key}: {value}\n" for key, value in plugin.items())
    config = config.replace("      sop_dir: sop\n", "      sop_dir: sop\n" + extra)
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    return target


CHROMIUM = "/usr/bin/chromium"  # Debian's package: browsers cannot be downloaded here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# the instants every time-sensitive test runs at, in the sites' zone (day shift 08:00-20:00)
INSTANTS = {
    # a Tuesday morning, inside the day shift
    "day": dt.datetime.fromisoformat("2026-06-09T10:30:00+08:00"),
    # twenty minutes after midnight local time, inside the night shift that began the evening
    # before; in UTC it is still the previous day
    "night": dt.datetime.fromisoformat("2026-06-10T00:20:00+08:00"),
}
# a phone set to UTC must count a Shanghai site's shifts as one set to Shanghai does
BROWSER_ZONES = ["UTC", "Asia/Shanghai"]
# every table the migrations create, emptied between PostgreSQL tests
TABLES = ", ".join(table.name for table in metadata.sorted_tables)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "every_instant: run at each instant of INSTANTS (day shift, after midnight)"
    )


def pytest_generate_tests(metafunc):
    if not metafunc.definition.get_closest_marker("every_instant"):
        return
    metafunc.parametrize("instant", list(INSTANTS), indirect=True)
    if "browser_zone" in metafunc.fixturenames:
        metafunc.parametrize("browser_zone", BROWSER_ZONES, indirect=True)


@pytest.fixture
def instant(request) -> dt.datetime:
    """The moment this test runs at: the day-shift instant unless the test runs at each."""
    return INSTANTS[getattr(request, "param", "day")]


@pytest.fixture
def browser_zone(request) -> str:
    """The zone the phone (and the server's machine) is set to; the sites' own zone by default."""
    return getattr(request, "param", "Asia/Shanghai")


@pytest.fixture(autouse=True)
def fixed_clock(instant, monkeypatch):
    """Every test starts at its instant, whatever the hour and zone of the machine.

    A server the test starts in another process starts its clock at the same instant.
    """
    monkeypatch.setenv("DUTYBOOK_CLOCK_START", instant.isoformat())
    with time_machine.travel(instant, tick=True) as traveller:
        yield traveller


def _postgres_or_skip() -> None:
    engine = create_engine(POSTGRES, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI at {POSTGRES}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES}")


@pytest.fixture(scope="session")
def postgres_schema():
    """A schema of its own per test session and xdist worker, migrated once, dropped after."""
    _postgres_or_skip()
    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade

    schema = f"t_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file copied for each test: migrating per test would be slow."""
    from pwa.store.db import make_engine
    from pwa.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "dutybook.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A migrated, empty database URL: a real SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "dutybook.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema")
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def site_dir(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>handbook</h1>", encoding="utf-8")
    return site


def make_app(database_url: str, site_dir: Path, tmp_path: Path, sop_dir: Path | None = None):
    """The app as the tests run it: a given store, the test handbook, cheap password hashing."""
    from pwa import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-0123456789",
            "DATABASE_URL": database_url,
            "SITE_DIR": str(site_dir),
            "SOP_DIR": str(sop_dir or ROOT / "tests" / "fixtures" / "handbook" / "sop"),
            "CONTENT_DIR": str(tmp_path / "no-content"),
            "PASSWORD_MEMORY_KIB": 1024,
            "PASSWORD_TIME_COST": 1,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    return app


@pytest.fixture
def app(database, site_dir, tmp_path):
    app = make_app(database, site_dir, tmp_path)
    yield app
    app.extensions["dutybook.engine"].dispose()


@pytest.fixture
def sqlite_app(sqlite_template, site_dir, tmp_path):
    """The app over SQLite only: for checks where the store makes no difference."""
    path = tmp_path / "dutybook.db"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", site_dir, tmp_path)
    yield app
    app.extensions["dutybook.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def driver():
    """The one Playwright driver of a test process: a second cannot start beside it."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium must be installed in CI at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(driver):
    b = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
