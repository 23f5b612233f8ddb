"""The real server (`dutybook run`, gunicorn, 2 workers) as a process to kill, and its clients."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import select

from pwa.store import accounts
from pwa.store.db import make_engine, transaction
from pwa.store.models import records
from tests.pwa.support import PASSWORD, SOP, app_data, now_iso

DUTYBOOK = Path(sys.executable).with_name("dutybook")
RUN = app_data("checklist_run", "2026-06-09T09:00:00+08:00")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_engineers(database: str, names: list[str]) -> None:
    engine = make_engine(database)
    with transaction(engine) as conn:
        for name in names:
            accounts.add_user(
                conn, accounts.hasher(1024, 1), name, PASSWORD, ["engineer"], ["lanyuan"]
            )
    engine.dispose()


def stored(database: str) -> list:
    """Every stored record as (id, device_id, seq, data)."""
    engine = make_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(
            select(records.c.id, records.c.device_id, records.c.seq, records.c.data)
        ).all()
    engine.dispose()
    return [(r.id, r.device_id, r.seq, r.data if isinstance(r.data, dict) else json.loads(r.data))
            for r in rows]  # fmt: skip


class Server:
    """`dutybook run` in its own process group, so SIGKILL takes the master and its workers."""

    def __init__(self, database: str, tmp_path: Path, site_dir: Path) -> None:
        self.port = free_port()
        self.cwd = tmp_path
        self.env = {
            **os.environ,
            "DUTYBOOK_DATABASE_URL": database,
            "DUTYBOOK_SITE_DIR": str(site_dir),
            "DUTYBOOK_SOP_DIR": str(SOP),
            "DUTYBOOK_CONTENT_DIR": str(tmp_path / "none"),
            "DUTYBOOK_PASSWORD_MEMORY_KIB": "1024",
        }
        self.env.pop("CI", None)
        self.process: subprocess.Popen | None = None
        self.logs: list[str] = []
        self.starts = 0

    def start(self) -> None:
        log = self.cwd / f"server-{self.starts}.log"
        self.starts += 1
        self.logs.append(str(log))
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [DUTYBOOK, "run", "--port", str(self.port), "--workers", "2"],
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if call(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the server did not come up; see {log}")

    def kill(self) -> None:
        """SIGKILL to the whole group: no graceful shutdown, requests cut mid-flight."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def log_text(self) -> str:
        return "".join(Path(p).read_text(errors="replace") for p in self.logs)


def call(port: int, method: str, path: str, body=None, token: str | None = None, timeout=10):
    """(status, JSON body) over a fresh connection; OSError when the server is not there."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    except http.client.HTTPException as exc:  # a reply cut by the kill is a lost reply
        raise ConnectionError(str(exc)) from exc
    finally:
        conn.close()


def sign_in(port: int, username: str, device: str) -> str:
    status, body = call(
        port,
        "POST",
        "/api/v1/session",
        {"username": username, "password": PASSWORD, "device_id": device},
    )
    assert status == 201, body
    return body["token"]


def make_records(device: str, count: int, start: int = 0, **fields) -> list[dict]:
    """Pump-room runs as one device makes them: seq counts up, ids are new UUIDs."""
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "checklist_run",
            "def_id": "CHK-PUMP-ROOM",
            "def_version": "1.0",
            "site": "lanyuan",
            "device_id": device,
            "seq": start + i,
            "recorded_at": now_iso(),
            # as the app makes it; the text item numbers the run, so no two are alike
            "data": {**RUN, "items": {**RUN["items"], "room": {"value": str(start + i)}}},
            **fields,
        }
        for i in range(count)
    ]
