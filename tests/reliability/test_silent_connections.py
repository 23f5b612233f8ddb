"""Connections that open and send nothing (Chromium's preconnects, a phone that lost its
signal mid-handshake, a slow client) do not stall the real server (`dutybook run`).

gunicorn's sync worker reads a request with a blocking recv(): a silent connection held one
of the two workers until the 60 s worker timeout killed it, and a phone's sign-in waited
behind it.
"""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from tests.reliability.server import Server, call

# as many silent connections as the server has processes: enough to stop a sync-worker server
# for a minute. The threaded worker keeps each for at most 5 s on one of a process's two
# threads, then parks it in its poller.
SILENT = 2


@pytest.fixture
def server(sqlite_template, tmp_path, site_dir):
    database = tmp_path / "dutybook.db"
    shutil.copy(sqlite_template, database)
    running = Server(f"sqlite:///{database}", tmp_path, site_dir)
    running.start()
    yield running
    running.stop()


def test_silent_connections_do_not_hold_the_server(server):
    silent = []
    for _ in range(SILENT):
        silent.append(socket.create_connection(("127.0.0.1", server.port)))
        # accepted before the next arrives, so a sync worker each takes one and waits in recv()
        time.sleep(0.3)
    try:
        # a sync worker answers none of these until the worker timeout (60 s)
        for _ in range(3):
            assert call(server.port, "GET", "/healthz", timeout=12)[0] == 200
    finally:
        for sock in silent:
            sock.close()
    assert "WORKER TIMEOUT" not in server.log_text()
