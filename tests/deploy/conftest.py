"""The production topology of docs/deployment.md: nginx (Debian's package) in front of two
`dutybook run` on one PostgreSQL, the proxy's headers trusted (`DUTYBOOK_PROXY_COUNT=1`).

The nginx configuration is the one the guide shows, read from docs/deployment.md: only the
ports and the TLS lines are changed here (plain HTTP on the loopback: no certificate).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from pwa.store import accounts
from pwa.store.db import make_engine, transaction
from tests.conftest import ROOT, TABLES
from tests.e2e.conftest import PASSWORD as PHONE_PASSWORD
from tests.e2e.conftest import context, handbook, page  # noqa: F401 (the browser's fixtures)
from tests.pwa.support import PASSWORD
from tests.reliability.server import Server, add_engineers, free_port

NGINX = Path("/usr/sbin/nginx")
GUIDE = ROOT / "docs" / "deployment.md"
# what is changed in the guide's block, each exactly once
TLS_LISTEN = "    listen 443 ssl http2;\n"
DROPPED = ("server_name duty.example.com;", "ssl_certificate", "server { listen 80;")
LOG_FORMAT = "$msec $request_method $uri $status $upstream_addr $upstream_status"


def guide_config() -> str:
    """The nginx block of docs/deployment.md, as an operator copies it."""
    return GUIDE.read_text(encoding="utf-8").split("```nginx\n", 1)[1].split("```", 1)[0]


def tested_config(block: str, port: int, upstreams: tuple[int, int]) -> str:
    """The guide's block with the test's ports, on plain HTTP; fails if the guide moved on."""
    for documented, ours in zip(("127.0.0.1:8000", "127.0.0.1:8001"), upstreams, strict=True):
        assert block.count(documented) == 1, f"docs/deployment.md: no upstream {documented}"
        block = block.replace(documented, f"127.0.0.1:{ours}")
    assert block.count(TLS_LISTEN) == 1, "docs/deployment.md: no 'listen 443 ssl http2;'"
    block = block.replace(TLS_LISTEN, f"    listen 127.0.0.1:{port};\n")
    lines = block.splitlines(keepends=True)
    kept = [line for line in lines if not any(d in line for d in DROPPED)]
    assert len(lines) - len(kept) == 4, "docs/deployment.md: the TLS lines changed"
    return "".join(kept)


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen
    access_log: Path
    error_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> list[dict]:
        """The access log's lines: time, method, path, status, upstreams tried and their answers."""
        entries = []
        for line in self.access_log.read_text().splitlines():
            at, method, path, status, rest = line.split(" ", 4)
            # "127.0.0.1:A, 127.0.0.1:B 502, 200": the tried upstreams, then their statuses
            tried = rest.replace(",", " ").split()
            half = len(tried) // 2
            entries.append(
                {
                    "at": float(at),
                    "method": method,
                    "path": path,
                    "status": int(status),
                    "upstreams": tried[:half],
                    "upstream_statuses": tried[half:],
                }
            )
        return entries


def start_nginx(tmp: Path, upstreams: tuple[int, int]) -> Nginx:
    tmp.mkdir()
    port = free_port()
    access, errors = tmp / "access.log", tmp / "error.log"
    temps = "\n".join(
        f"    {name}_temp_path {tmp / name};" for name in ("client_body", "proxy", "fastcgi",
                                                         "uwsgi", "scgi")
    )  # fmt: skip
    # as root (CI) the workers would otherwise run as nobody, who cannot enter pytest's tmp
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\nevents {{ worker_connections 256; }}\nhttp {{\n"
        f"    log_format upstreams '{LOG_FORMAT}';\n    access_log {access} upstreams;\n"
        f"{temps}\n{tested_config(guide_config(), port, upstreams)}}}\n"
    )
    command = [str(NGINX), "-e", str(errors), "-p", str(tmp), "-c", str(conf)]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [*command, "-g", f"daemon off; pid {tmp / 'nginx.pid'};"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    nginx = Nginx(port, process, access, errors)
    deadline = time.monotonic() + 10
    while not (tmp / "nginx.pid").exists() or not _listening(port):
        assert process.poll() is None, errors.read_text() if errors.exists() else "nginx died"
        assert time.monotonic() < deadline, "nginx did not come up"
        time.sleep(0.05)
    return nginx


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def nginx_installed() -> None:
    if NGINX.exists():
        return
    message = (
        f"nginx is not installed at {NGINX}: THE PRODUCTION TOPOLOGY (reverse proxy, two app "
        "servers, one PostgreSQL) IS NOT TESTED. `make system` installs it "
        "(scripts/system-deps.sh, as root)."
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    print(f"\n*** {message} ***")
    pytest.skip(message)


@pytest.fixture
def shared_database(postgres_schema) -> str:
    """One PostgreSQL schema (migrated, emptied) for both app servers."""
    engine = create_engine(postgres_schema, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_schema


@dataclass
class Topology:
    proxy: Nginx
    servers: tuple[Server, Server]
    database: str


@pytest.fixture
def topology(nginx_installed, shared_database, handbook, tmp_path):  # noqa: F811
    """nginx on a loopback port, two `dutybook run` (2 workers each) behind it, one PostgreSQL."""
    site = tmp_path / "site"
    shutil.copytree(handbook, site)
    add_engineers(shared_database, ["eng-0", "eng-1", "eng-2", "eng-3"])
    engine = make_engine(shared_database)
    with transaction(engine) as conn:
        ph = accounts.hasher(1024, 1)
        accounts.add_user(conn, ph, "wang", PHONE_PASSWORD, ["guard", "engineer"], ["jinxiu"])
        accounts.add_user(conn, ph, "zhou", PASSWORD, ["supervisor"], ["lanyuan"])
    engine.dispose()
    servers = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        server = Server(shared_database, tmp_path / name, site)
        server.env.update(
            DUTYBOOK_PROXY_COUNT="1",
            DUTYBOOK_SOP_DIR=str(handbook.parent / "sop"),
            DUTYBOOK_CONTENT_DIR=str(handbook.parent / "content"),
        )
        servers.append(server)
    starting = [threading.Thread(target=s.start) for s in servers]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    proxy = None
    try:
        for server in servers:
            assert server.process is not None and server.process.poll() is None, server.log_text()
        proxy = start_nginx(tmp_path / "nginx", (servers[0].port, servers[1].port))
        yield Topology(proxy, (servers[0], servers[1]), shared_database)
    finally:
        if proxy is not None:
            proxy.process.terminate()
            proxy.process.wait(10)
        for server in servers:
            server.stop()
