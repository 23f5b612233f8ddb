"""Connections that open and send nothing (Chromium's preconnects, a phone that lost its
signal mid-handshake, a slow client) do not stall the real server (`dutybook run`).

gunicorn's sync worker reads a request with a blocking recv(): a silent connection held one
of the two workers until the 60 s worker timeout killed it, and a phone's sign-in waited
behind it. (A browser test signing in timed out that way in CI.)
"""

from __future__ import annotations

import shutil
import socket

import pytest

from tests.reliability.server import Server, call

# more silent connections than the server has processes, and as many as a browser opens
SILENT = 6


@pytest.fixture
def server(sqlite_template, tmp_path, site_dir):
    database = tmp_path / "dutybook.db"
    shutil.copy(sqlite_template, database)
    running = Server(f"sqlite:///{database}", tmp_path, site_dir)
    running.start()
    yield running
    running.stop()


def test_silent_connections_do_not_hold_the_server(server):
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(SILENT)]
    try:
        # a sync worker answers none of these until the worker timeout (60 s)
        for _ in range(3):
            assert call(server.port, "GET", "/healthz", timeout=15)[0] == 200
    finally:
        for sock in silent:
            sock.close()
    assert "WORKER TIMEOUT" not in server.log_text()
