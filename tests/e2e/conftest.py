"""Browser tests: a built fixture handbook, the real `dutybook run`, Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import HANDBOOK_FIXTURE as FIXTURE
from tests.conftest import ROOT, handbook_tree

BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"

PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_handbook(target: Path) -> Path:
    """Copy the fixture handbook beside the repository's MkDocs config and build it."""
    return build_site(handbook_tree(target, FIXTURE))


def build_site(target: Path) -> Path:
    """`dutybook build` of target/sop (with target/mkdocs.yml) into target/site."""
    subprocess.run(
        [
            BIN / "dutybook",
            "build",
            "--sop",
            target / "sop",
            "--config",
            target / "mkdocs.yml",
            "--site-dir",
            target / "site",
        ],
        cwd=target,
        check=True,
        capture_output=True,
    )
    return target / "site"


@dataclass
class Server:
    url: str
    env: dict
    db_path: Path
    site: Path
    workdir: Path

    def dutybook(self, *args: str) -> str:
        done = subprocess.run(
            [BIN / "dutybook", *args],
            cwd=self.workdir,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def rebuild(self) -> None:
        """Rebuild the handbook from the edited YAML in workdir/sop while the server runs."""
        build_site(self.workdir)

    def records(self) -> list[tuple]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(
                "SELECT id, type, def_id, site, seq FROM records ORDER BY seq"
            ).fetchall()


@pytest.fixture(scope="session")
def handbook(tmp_path_factory) -> Path:
    return build_handbook(tmp_path_factory.mktemp("handbook"))


def start_server(
    workdir: Path, site: Path, machine_zone: str = "Asia/Shanghai"
) -> tuple[subprocess.Popen, Server]:
    port = free_port()
    db_path = workdir / "dutybook.db"
    env = {
        **os.environ,
        # the server's machine zone follows the phone's: neither may change what is due
        "TZ": machine_zone,
        "DUTYBOOK_DATABASE_URL": f"sqlite:///{db_path}",
        "DUTYBOOK_SITE_DIR": str(site),
        "DUTYBOOK_SOP_DIR": str(site.parent / "sop"),
        "DUTYBOOK_CONTENT_DIR": str(site.parent / "content"),
        "DUTYBOOK_SECRET_KEY": "e2e-secret-key-not-for-production",
        # cheap hashing keeps sign-in fast in tests; production uses the defaults
        "DUTYBOOK_PASSWORD_MEMORY_KIB": "8192",
        "DUTYBOOK_PASSWORD_TIME_COST": "1",
    }
    server = Server(f"http://127.0.0.1:{port}", env, db_path, site, workdir)
    server.dutybook("db", "upgrade")
    server.dutybook(
        "users",
        "add",
        "wang",
        "--role",
        "guard",
        "--role",
        "engineer",
        "--site",
        "jinxiu",
        "--password",
        PASSWORD,
    )
    server.dutybook(
        "users", "add", "li", "--role", "guard", "--site", "jinxiu", "--password", PASSWORD
    )
    # the server's own log, shown under a failed test (pytest_runtest_makereport below)
    with open(workdir / "server.log", "a") as log:
        proc = subprocess.Popen(
            [BIN / "dutybook", "run", "--port", str(port), "--workers", "2"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("dutybook run did not come up") from None
            time.sleep(0.2)
    return proc, server


@pytest.fixture
def server(handbook, tmp_path, browser_zone):
    """A fresh server and database per test, serving a private copy of the handbook.

    Its clock starts at the test's instant (DUTYBOOK_CLOCK_START, set for every test).
    """
    site = tmp_path / "site"
    shutil.copytree(handbook, site)
    shutil.copytree(handbook.parent / "sop", tmp_path / "sop")
    shutil.copytree(handbook.parent / "content", tmp_path / "content")
    shutil.copy(handbook.parent / "mkdocs.yml", tmp_path / "mkdocs.yml")
    proc, srv = start_server(tmp_path, site, browser_zone)
    yield srv
    proc.terminate()
    proc.wait(timeout=15)


@pytest.fixture
def context(browser, instant, browser_zone):
    """A 360 px phone in `browser_zone` whose clock starts at the test's instant and runs on."""
    ctx = browser.new_context(
        viewport={"width": 360, "height": 760}, locale="zh-CN", timezone_id=browser_zone
    )
    ctx.clock.install(time=instant)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    # what the page logged and which requests failed, shown under a failed test
    pg.trail = []
    pg.on("console", lambda m: pg.trail.append(f"console {m.type}: {m.text}"))
    pg.on("requestfailed", lambda r: pg.trail.append(f"failed {r.method} {r.url}: {r.failure}"))
    pg.on("request", lambda r: "/api/" in r.url and pg.trail.append(f"sent {r.method} {r.url}"))
    pg.on(
        "requestfinished",
        lambda r: "/api/" in r.url and pg.trail.append(f"answered {r.method} {r.url}"),
    )
    yield pg


def _fetched_file(line: str) -> bool:
    return (
        '"method": "GET"' in line
        and '"/api/' not in line
        and ('"status": 200,' in line or '"status": 304,' in line)
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        server, page = item.funcargs.get("server"), item.funcargs.get("page")
        if isinstance(server, Server) and (server.workdir / "server.log").exists():
            lines = (server.workdir / "server.log").read_text(errors="replace").splitlines()
            # the API and everything that went wrong; not the worker's precache of every file
            kept = [line for line in lines if not _fetched_file(line)]
            report.sections.append(("server log (API, errors)", "\n".join(kept[-80:])))
        if page is not None and getattr(page, "trail", None):
            report.sections.append(("page console and failed requests", "\n".join(page.trail)))
    return report
