"""The per-user sign-in limit holds under concurrent wrong passwords, on both databases."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from pwa.store.models import login_attempts
from tests.pwa.support import PASSWORD, add_people

ATTEMPTS = 50


@pytest.fixture
def server(app):
    """The app behind a real threaded WSGI server: every request its own thread."""
    # a real password hash's cost: the gap between reading the count and writing the
    # attempt is the time the check takes
    app.config.update(PASSWORD_MEMORY_KIB=8192, PASSWORD_TIME_COST=2)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


def _sign_in(base: str, password: str) -> tuple[int, str]:
    body = json.dumps({"username": "guard-l", "password": password, "device_id": "d"}).encode()
    request = urllib.request.Request(
        base + "/api/v1/session", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())["message"]


def test_concurrent_wrong_passwords_get_at_most_the_limit_of_checks(app, server):
    add_people(app, ("guard-l",))
    assert app.config["LOGIN_MAX_PER_USER"] == 5
    start = threading.Barrier(ATTEMPTS)

    def attempt(_: int) -> tuple[int, str]:
        start.wait()
        return _sign_in(server, "wrong")

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = list(pool.map(attempt, range(ATTEMPTS)))
    # a 401 is an answer after a password check; a 429 is refused before one
    assert sorted(answers) == sorted(
        [(401, "Wrong username or password, or the account is disabled.")] * 5
        + [(429, "Too many failed sign-ins; wait and try again.")] * (ATTEMPTS - 5)
    )
    with app.extensions["dutybook.engine"].connect() as conn:
        checks = conn.scalar(select(func.count()).select_from(login_attempts))
    assert checks == 5
    # the right password too waits for the window to pass
    assert _sign_in(server, PASSWORD)[0] == 429
