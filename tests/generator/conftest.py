"""Fixtures for the handbook tests: the fixture site built once, a static server, Chromium."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "site" / "basic"
ARTIFACTS = ROOT / "test-artifacts"


def mkdocs_build(
    config: Path, site: Path, *, strict: bool = True, lang: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`mkdocs build` exactly as an author runs it, in the config's folder."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DUTYBOOK_LANG", None)
    if lang:
        env["DUTYBOOK_LANG"] = lang
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    if strict:
        command.append("--strict")
    return subprocess.run(
        command, cwd=config.parent, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture handbook (tests/fixtures/site/basic), built once with --strict."""
    site = tmp_path_factory.mktemp("fixture-site") / "site"
    result = mkdocs_build(FIXTURE / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sop/ and content/ as committed, built once per session with --strict."""
    site = tmp_path_factory.mktemp("real") / "site"
    result = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return site


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def served_site(fixture_site: Path):
    """The fixture site over HTTP at a free port on 127.0.0.1 (search needs http, not file:)."""
    yield from _serve(fixture_site)


@pytest.fixture(scope="session")
def served_real_site(real_site: Path):
    """The real handbook over HTTP, for searching it as staff do."""
    yield from _serve(real_site)
