"""Fixtures of the server tests. The app over a store (`app`, `sqlite_app`, `client`) is in
tests/conftest.py, shared with tests/security and tests/reliability; plain helpers are in
support.py and scenario.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pwa.store import accounts
from pwa.store.db import make_engine
from tests.conftest import ROOT, make_app
from tests.pwa.duty_support import duty_sop
from tests.pwa.publish_support import Sites, build_sites
from tests.pwa.scenario import make_sop, start_world
from tests.pwa.support import PASSWORD, add_people, sign_in, writing


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def engineer(app, client) -> str:
    """Everyone of support.PEOPLE added; the lanyuan engineer's bearer token."""
    add_people(app)
    return sign_in(client, "eng-l")


@pytest.fixture
def scenario_sop(tmp_path) -> Path:
    """The dashboard scenario's handbook: the test handbook and the scenario's routes."""
    return make_sop(tmp_path)


@pytest.fixture
def dashboard(database, site_dir, tmp_path, scenario_sop):
    """The app over the dashboard scenario's handbook, on both stores."""
    app = make_app(database, site_dir, tmp_path, scenario_sop)
    yield app
    app.extensions["dutybook.engine"].dispose()


@pytest.fixture
def world(dashboard, monkeypatch):
    """The scenario at the dashboard tests' start: its clock, its people, the first sync."""
    return start_world(dashboard, monkeypatch)


@pytest.fixture
def duty(database, site_dir, tmp_path):
    """The app over the test handbook and a gate handover checklist, on both stores; everyone of
    support.PEOPLE and a second lanyuan guard (guard-l2), who takes over from guard-l."""
    app = make_app(database, site_dir, tmp_path, duty_sop(tmp_path))
    add_people(app)
    with app.extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(conn, accounts.hasher(1024, 1), "guard-l2", PASSWORD, ["guard"],
                          ["lanyuan"])  # fmt: skip
    yield app
    app.extensions["dutybook.engine"].dispose()


@pytest.fixture
def demo_app(database, site_dir, tmp_path):
    """The app over the real handbook (`sop/`), on both stores, empty: what `dutybook demo` fills."""
    app = make_app(database, site_dir, tmp_path, ROOT / "sop")
    yield app
    app.extensions["dutybook.engine"].dispose()


@pytest.fixture
def engine(database) -> Iterator[Engine]:
    """An engine of its own over the test's database, for the store tests (no app)."""
    made = make_engine(database)
    yield made
    made.dispose()


@pytest.fixture
def people(engine) -> dict[str, int]:
    """Two people of the store tests: li, a lanyuan guard, and wang, a jinxiu cleaner."""
    ph = accounts.hasher(1024, 1)
    with writing(engine) as conn:
        return {
            "li": accounts.add_user(conn, ph, "li", "password-li", ["guard"], ["lanyuan"]),
            "wang": accounts.add_user(conn, ph, "wang", "password-wang", ["cleaner"], ["jinxiu"]),
        }


@pytest.fixture(scope="session")
def sites(tmp_path_factory) -> Sites:
    """The test handbook built as it is (v1) and edited (v2), to publish one after the other."""
    return build_sites(tmp_path_factory.mktemp("publish"))
