"""`dutybook run`: the real gunicorn process on a free port, synced over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.pwa.support import SOP, record

DUTYBOOK = Path(sys.executable).with_name("dutybook")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(base: str, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_run_serves_and_syncs_over_http(database, tmp_path, site_dir):
    env = {
        **os.environ,
        "DUTYBOOK_DATABASE_URL": database,
        "DUTYBOOK_SITE_DIR": str(site_dir),
        "DUTYBOOK_SOP_DIR": str(SOP),
        "DUTYBOOK_CONTENT_DIR": str(tmp_path / "none"),
        "DUTYBOOK_PASSWORD_MEMORY_KIB": "1024",
    }
    env.pop("CI", None)
    run = lambda *args: subprocess.run(  # noqa: E731
        [DUTYBOOK, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert run("db", "upgrade").returncode == 0
    demo = run("users", "demo")
    password = next(
        line.split()[2]
        for line in demo.stdout.splitlines()
        if line.strip().startswith("demo-engineer")
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [DUTYBOOK, "run", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                if _call(base, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not answer /healthz")
        status, session = _call(
            base,
            "POST",
            "/api/v1/session",
            {"username": "demo-engineer", "password": password, "device_id": "phone"},
        )
        assert status == 201
        token = session["token"]
        status, bundle = _call(base, "GET", "/api/v1/definitions", token=token)
        assert status == 200 and "CHK-PUMP-ROOM" in bundle["documents"]
        batch = [record(seq=i, device_id="phone") for i in range(50)]
        status, body = _call(base, "POST", "/api/v1/records", {"records": batch}, token)
        assert status == 200
        assert {r["status"] for r in body["results"]} == {"created"}
        # a replay through another worker, perhaps: still nothing written twice
        for _ in range(4):
            status, body = _call(base, "POST", "/api/v1/records", {"records": batch}, token)
            assert {r["status"] for r in body["results"]} == {"duplicate"}
        status, body = _call(base, "GET", "/api/v1/records", token=token)
        assert status == 403
        assert body["message"] == "This needs one of the roles: supervisor."
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert "Booting worker" in err
    # the request log names the path but never the token
    assert '"path": "/api/v1/records"' in err
    assert token not in err and password not in err


def test_run_refuses_production_with_default_key(tmp_path):
    env = {
        **os.environ,
        "DUTYBOOK_ENV": "production",
        "DUTYBOOK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    env.pop("DUTYBOOK_SECRET_KEY", None)
    result = subprocess.run(
        [DUTYBOOK, "run", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: refusing to start in production with a missing or default secret key; "
        "set DUTYBOOK_SECRET_KEY to a long random value\n"
    )


def test_two_servers_on_one_host_keep_their_own_control_sockets(tmp_path):
    # docs/deployment.md runs ports 8000 and 8001 side by side: gunicorn's default control
    # socket ($HOME/.gunicorn/gunicorn.ctl) made the second replace the first's
    from flask import Flask
    from gunicorn.ctl.client import ControlClient

    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "DUTYBOOK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "DUTYBOOK_SITE_DIR": str(tmp_path / "site"),
        "DUTYBOOK_SOP_DIR": str(SOP),
    }
    env.pop("XDG_RUNTIME_DIR", None)
    instance = Path(Flask("pwa", instance_relative_config=True).instance_path)
    ports = [_free_port(), _free_port()]
    servers = {}
    try:
        for port in ports:
            servers[port] = subprocess.Popen(
                [DUTYBOOK, "run", "--port", str(port), "--workers", "1"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"server on {port} did not answer /healthz")
        for port, server in servers.items():
            socket_path = instance / f"gunicorn-{port}.ctl"
            # the master answers on the socket when it is up: wait for it, briefly
            for _ in range(50):
                if socket_path.exists():
                    break
                time.sleep(0.1)
            with ControlClient(str(socket_path), timeout=10) as client:
                assert client.send_command("show stats")["pid"] == server.pid
        assert not (home / ".gunicorn").exists()
    finally:
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
    for port in ports:
        assert not (instance / f"gunicorn-{port}.ctl").exists()


def test_no_control_socket_where_its_path_is_too_long(tmp_path, capsys):
    from pwa.cli import control_socket

    assert control_socket(tmp_path, 8001) == str(tmp_path / "gunicorn-8001.ctl")
    deep = tmp_path / ("d" * 100)
    assert control_socket(deep, 8000) is None
    assert capsys.readouterr().err == (
        f"no control socket: the path {deep / 'gunicorn-8000.ctl'} is too long for a Unix socket\n"
    )


def test_run_defaults_to_the_threaded_worker_the_benchmarks_measure():
    from pwa.cli import run
    from pwa.server import THREADS, WORKER_CLASS

    threads = next(p for p in run.params if p.name == "threads")  # pwa.cli imports no server
    # the benchmarks run their baselines with pwa.server's settings; `run` must use the same
    assert (threads.default, WORKER_CLASS) == (THREADS, "gthread")
