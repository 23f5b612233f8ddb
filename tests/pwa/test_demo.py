"""`dutybook demo`: a week written through the app's own record path into a fresh install, at a
frozen now, on both stores; and refused where real records are."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.cli import main
from tests.conftest import ROOT, make_app

NOW = dt.datetime.fromisoformat("2026-06-09T10:30:00+08:00")


@pytest.fixture
def demo_app(database, site_dir, tmp_path):
    app = make_app(database, site_dir, tmp_path, ROOT / "sop")
    yield app
    app.extensions["dutybook.engine"].dispose()


def run_demo(app, *args):
    return app.test_cli_runner().invoke(main, ["demo", "--now", NOW.isoformat(), *args])


def test_demo_writes_a_week(demo_app):
    result = run_demo(demo_app)
    assert result.exit_code == 0, result.output
    print(result.output)
