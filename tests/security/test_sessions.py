"""CSRF on every state-changing request of a cookie session, brute force, secrets in logs."""

from __future__ import annotations

import logging
import re

import pytest

from pwa import create_app
from pwa.cli import secret_problem
from tests.pwa.support import PASSWORD, add_people, assert_error, bearer, record, sign_in
from tests.reliability import summary
from tests.security.test_matrix import LY_EXC, TICKETS, _setup, url_map_routes

CSRF = "The CSRF token is missing or wrong; reload the page."
# state-changing routes a cookie session cannot reach without the token, and why one is exempt
EXEMPT = {
    # a resident's report and status pages carry no session at all: a forged form can do no
    # more than anyone may (report, bounded by the rate limits), and a status action needs the
    # ticket's private token in its URL, which a forger does not have
    ("POST", "/r/<site>/"): {"data": {}},
    ("POST", "/r/t/<token>/<action>"): {"data": {}},
    # JSON only: a cross-site form cannot send application/json, and it carries no cookie auth
    ("POST", "/api/v1/session"): {
        "json": {"username": "admin", "password": PASSWORD, "device_id": "x"}
    },  # fmt: skip
}
CHANGES = {
    ("POST", "/api/v1/records"): {"json": {"records": [record()]}},
    ("DELETE", "/api/v1/session"): {},
    ("DELETE", "/api/v1/tokens/<token_id>"): {},
    ("PUT", "/api/v1/blobs/<sha256>"): {"data": b"\xff\xd8\xff", "content_type": "image/jpeg"},
    ("POST", "/dashboard/login"): {"data": {"username": "admin", "password": PASSWORD}},
    ("POST", "/dashboard/logout"): {"data": {}},
    ("POST", "/dashboard/admin/users"): {"data": {"action": "disable", "username": "victim"}},
    ("POST", "/dashboard/admin/tokens"): {"data": {"token_id": "1"}},
    ("POST", "/dashboard/admin/alerts"): {
        "data": {"action": "test", "site": "lanyuan", "form_id": "66666666-6666-4666-8666-666666666666"}
    },
    ("POST", "/dashboard/admin/versions"): {"data": {"version_id": "1"}},
    # publishing from a cookie session (an admin's browser) needs the token as much
    ("POST", "/api/v1/handbook/versions"): {"data": b"forged", "content_type": "application/gzip"},
    ("POST", "/api/v1/handbook/versions/<version_id>/live"): {},
    ("POST", "/dashboard/<site>/exceptions/<record_id>"): {"data": {"note": "forged"}},
    ("POST", "/dashboard/<site>/exceptions/<record_id>/ticket"): {
        "data": {"category": "staff-found", "room": "forged"}
    },
    ("POST", "/dashboard/<site>/desk/new"): {
        "data": {"form_id": "44444444-4444-4444-8444-444444444444", "source": "phone",
                 "category": "repair-normal", "room": "forged", "name": "x",
                 "phone": "13900001111", "description": "forged"}
    },
    ("POST", "/dashboard/<site>/desk/<number>/<action>"): {
        "data": {"event_id": "55555555-5555-4555-8555-555555555555", "text": "forged"}
    },
    ("POST", "/dashboard/<site>/drills"): {
        "data": {"form_id": "66666666-6666-4666-8666-666666666666", "plan": "EMG-ELEVATOR-TRAP",
                 "started_at": "2026-06-09T09:00", "ended_at": "2026-06-09T09:30",
                 "participants": "forged", "went_well": "forged"}
    },
}  # fmt: skip
URLS = {
    "/api/v1/handbook/versions/<version_id>/live": "/api/v1/handbook/versions/1/live",
    "/api/v1/tokens/<token_id>": "/api/v1/tokens/1",
    "/api/v1/blobs/<sha256>": "/api/v1/blobs/" + "0" * 64,
    "/dashboard/<site>/exceptions/<record_id>": f"/dashboard/lanyuan/exceptions/{LY_EXC}",
    "/dashboard/<site>/exceptions/<record_id>/ticket": (
        f"/dashboard/lanyuan/exceptions/{LY_EXC}/ticket"
    ),
    "/dashboard/<site>/desk/new": "/dashboard/lanyuan/desk/new",
    "/dashboard/<site>/drills": "/dashboard/lanyuan/drills",
    "/dashboard/<site>/desk/<number>/<action>": f"/dashboard/lanyuan/desk/{TICKETS['lanyuan']}/note",
}


def _admin_cookie(app):
    client = app.test_client()
    page = client.get("/dashboard/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/dashboard/login",
                           data={"username": "admin", "password": PASSWORD, "csrf_token": csrf})  # fmt: skip
    assert response.status_code == 302
    return client, client.get("/api/v1/session").get_json()["csrf_token"]


def test_every_state_changing_route_is_listed(app):
    unsafe = {key for key in url_map_routes(app) if key[0] != "GET"}
    assert unsafe == set(CHANGES) | set(EXEMPT)


def test_cookie_sessions_need_the_csrf_token_for_every_change(app):
    _setup(app)
    client, csrf = _admin_cookie(app)
    refused = 0
    for (method, rule), kwargs in CHANGES.items():
        url = URLS.get(rule, rule)
        for token in (None, "wrong", csrf.upper()):
            extra = dict(kwargs)
            if token is not None and "data" in extra and isinstance(extra["data"], dict):
                extra["data"] = {**extra["data"], "csrf_token": token}
            headers = {"X-CSRF-Token": token} if token is not None and "json" in extra else {}
            with client.open(url, method=method, headers=headers, **extra) as response:
                assert_error(response, 403, CSRF)
                refused += 1
    # nothing changed: the session, the victim and the tokens are all as they were
    assert client.get("/api/v1/session").status_code == 200
    users = client.get("/dashboard/admin/users?format=csv&table=users").get_data(as_text=True)
    assert "victim,guard,lanyuan,0" in users
    assert client.get(f"/dashboard/lanyuan/exceptions/{LY_EXC}").data.count(b"forged") == 0
    assert client.get(f"/dashboard/lanyuan/desk/{TICKETS['lanyuan']}").data.count(b"forged") == 0
    assert client.get("/dashboard/lanyuan/desk").data.count(b"forged") == 0
    assert client.get("/dashboard/lanyuan/drills").data.count(b"forged") == 0
    # with the token, a change goes through
    with client.post("/dashboard/admin/users",
                     data={"action": "disable", "username": "victim", "csrf_token": csrf}) as ok:  # fmt: skip
        assert ok.status_code == 303
    summary.record("csrf", app.config["DATABASE_URL"].split(":")[0].split("+")[0],
                   {"state_changing_routes": len(CHANGES), "forged_requests_refused": refused})  # fmt: skip


def test_bearer_requests_need_no_csrf_token(app, client):
    add_people(app, ("eng-l",))
    response = client.post("/api/v1/records", json={"records": [record()]},
                           headers=bearer(sign_in(client, "eng-l")))  # fmt: skip
    assert response.get_json()["results"][0]["status"] == "created"


def test_brute_force_through_the_dashboard_form_is_slowed(app):
    add_people(app, ("sup-l",))
    client = app.test_client()
    page = client.get("/dashboard/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answers = []
    for password in [f"guess-{i}" for i in range(8)] + [PASSWORD]:
        response = client.post("/dashboard/login",
                               data={"username": "sup-l", "password": password, "csrf_token": csrf})  # fmt: skip
        text = response.get_data(as_text=True)
        answers.append(
            ("wrong", response.status_code) if "Wrong username or password" in text
            else ("slowed", response.status_code, response.headers.get("Retry-After"))
            if "Too many failed sign-ins; wait and try again." in text
            else response.status_code
        )  # fmt: skip
    # five guesses, then even the right password waits out the window, with a 429 to say so
    assert answers == [("wrong", 200)] * 5 + [("slowed", 429, "900")] * 4
    # the phone API is slowed for the same account: 429 with the wait in Retry-After
    response = client.post("/api/v1/session",
                           json={"username": "sup-l", "password": PASSWORD, "device_id": "d"})  # fmt: skip
    assert_error(response, 429, "Too many failed sign-ins; wait and try again.", [])
    assert response.headers["Retry-After"] == "900"


def test_no_token_password_or_cookie_is_ever_logged(app, caplog):
    _setup(app)
    secrets: list[str] = [PASSWORD, "wrong-password-1234"]
    with caplog.at_level(logging.DEBUG):
        client = app.test_client()
        bad = {"username": "eng-l", "password": "wrong-password-1234", "device_id": "d"}
        assert client.post("/api/v1/session", json=bad).status_code == 401
        token = sign_in(client, "eng-l")
        secrets.append(token)
        headers = bearer(token)
        client.post("/api/v1/records", json={"records": [record()]}, headers=headers)
        client.get(f"/api/v1/definitions?token={token}&password={PASSWORD}", headers=headers)
        client.get("/api/v1/definitions", headers={"Authorization": "Bearer not-" + token})
        cookie_client, csrf = _admin_cookie(app)
        secrets.append(csrf)
        cookie = cookie_client.get_cookie("session")
        secrets.append(cookie.value)
        cookie_client.post("/dashboard/admin/users", data={
            "action": "add", "username": "newbie", "password": "a-new-long-password",
            "roles": "guard", "sites": "lanyuan", "csrf_token": csrf})  # fmt: skip
        secrets.append("a-new-long-password")
        client.delete("/api/v1/session", headers=headers)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    lines = [r for r in caplog.records if r.name == "dutybook.request"]
    assert len(lines) >= 8
    for secret in secrets:
        assert secret not in logged, f"a secret reached the log: {secret[:4]}…"


@pytest.mark.parametrize(
    ("env", "key", "problem"),
    [
        ("production", None, "refusing to start in production with a missing or default secret "
                             "key; set DUTYBOOK_SECRET_KEY to a long random value"),
        ("production", "dev", "refusing to start in production with a missing or default secret "
                              "key; set DUTYBOOK_SECRET_KEY to a long random value"),
        ("production", "short-key", "refusing to start in production: DUTYBOOK_SECRET_KEY is "
                                    "shorter than 16 characters"),
        ("production", "a-long-random-secret-value", None),
        ("development", "dev", None),
    ],
)  # fmt: skip
def test_secret_key_check_in_production(tmp_path, env, key, problem):
    app = create_app({"ENV": env, "SECRET_KEY": key,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})  # fmt: skip
    assert secret_problem(app.config) == problem
    app.extensions["dutybook.engine"].dispose()
