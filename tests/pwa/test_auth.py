"""Sign-in, tokens (issue, use, list, revoke, expire), rate limits, the dashboard session."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from generator.cli import main
from pwa.store.models import tokens, users
from tests.pwa.support import PASSWORD, add_people, assert_error, bearer, sign_in

UNAUTH = "Sign in first: send 'Authorization: Bearer <token>'."


# a fixed server clock: the token's lifetime is checked without the wall clock
SIGNED_IN_AT = dt.datetime(2026, 3, 2, 6, 30, 15, tzinfo=dt.UTC)


def test_sign_in_answers_token_user_roles_sites(app, client, monkeypatch):
    add_people(app, ("guard-l",))
    monkeypatch.setattr("pwa.clock.now", lambda: SIGNED_IN_AT)
    # the account's creation is when its courses fall due (the app shows overdue ones)
    with app.extensions["dutybook.engine"].begin() as conn:
        conn.execute(update(users).values(created_at=dt.datetime(2026, 3, 1, 0, 30, 0, 250)))
    joined = "2026-03-01T00:30:00Z"
    response = client.post(
        "/api/v1/session",
        json={"username": "guard-l", "password": PASSWORD, "device_id": "phone-7"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "user", "roles", "sites", "expires_at"}
    assert body["user"] == {"id": 1, "username": "guard-l", "joined_at": joined}
    assert body["roles"] == ["guard"]
    assert body["sites"] == ["lanyuan"]
    # one shift on a shared phone, not a year
    assert body["expires_at"] == "2026-03-02T18:30:15Z"
    # only the sha256 is stored, never the token
    with app.extensions["dutybook.engine"].connect() as conn:
        row = conn.execute(select(tokens)).one()
    assert row.token_hash != body["token"] and len(row.token_hash) == 64
    assert row.device_id == "phone-7"
    who = client.get("/api/v1/session", headers=bearer(body["token"]))
    assert who.get_json() == {
        "user": {"id": 1, "username": "guard-l", "joined_at": joined},
        "roles": ["guard"],
        "sites": ["lanyuan"],
    }


def test_wrong_password_and_unknown_user_read_the_same(app, client):
    add_people(app, ("guard-l",))
    message = "Wrong username or password, or the account is disabled."
    for name, password in [("guard-l", "nope"), ("nobody", PASSWORD)]:
        response = client.post(
            "/api/v1/session", json={"username": name, "password": password, "device_id": "d"}
        )
        assert_error(response, 401, message, [])


def test_sign_in_body_errors_name_the_field(app, client):
    response = client.post("/api/v1/session", json={"username": "x", "password": 5, "extra": 1})
    assert_error(
        response,
        422,
        "The request body is not valid.",
        [
            {"loc": ["body", "password"], "msg": "Input should be a valid string"},
            {"loc": ["body", "device_id"], "msg": "field required"},
            {"loc": ["body", "extra"], "msg": "unknown field"},
        ],
    )


def test_rate_limit_per_user_then_success_resets(app, client):
    add_people(app, ("guard-l",))
    bad = {"username": "guard-l", "password": "wrong", "device_id": "d"}
    for _ in range(5):
        assert client.post("/api/v1/session", json=bad).status_code == 401
    good = {"username": "guard-l", "password": PASSWORD, "device_id": "d"}
    response = client.post("/api/v1/session", json=good)
    body = assert_error(response, 429, "Too many failed sign-ins; wait and try again.", [])
    assert body["error"] == "Too Many Requests"
    assert response.headers["Retry-After"] == "900"
    # another user from another address is not affected
    add_people(app, ("eng-l",))
    other = {"username": "eng-l", "password": PASSWORD, "device_id": "d"}
    response = client.post("/api/v1/session", json=other, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 201


def test_rate_limit_per_address(app, client):
    app.config["LOGIN_MAX_PER_ADDRESS"] = 3
    add_people(app, ("guard-l",))
    for name in ("a", "b", "c"):
        body = {"username": name, "password": "x", "device_id": "d"}
        assert client.post("/api/v1/session", json=body).status_code == 401
    good = {"username": "guard-l", "password": PASSWORD, "device_id": "d"}
    assert client.post("/api/v1/session", json=good).status_code == 429
    other = client.post("/api/v1/session", json=good, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert other.status_code == 201


def test_token_lifecycle_list_revoke(app, client):
    add_people(app, ("guard-l", "admin"))
    first = sign_in(client, "guard-l", "phone-1")
    second = sign_in(client, "guard-l", "phone-2")
    listed = client.get("/api/v1/tokens", headers=bearer(first)).get_json()["tokens"]
    assert [(t["id"], t["device_id"], t["revoked_at"]) for t in listed] == [
        (1, "phone-1", None),
        (2, "phone-2", None),
    ]
    assert "token_hash" not in listed[0] and "token" not in listed[0]
    # revoke the second from the first
    assert client.delete("/api/v1/tokens/2", headers=bearer(first)).status_code == 204
    assert_error(
        client.get("/api/v1/session", headers=bearer(second)),
        401,
        "The token has been revoked; sign in again.",
        [],
    )
    # signing out revokes the token in use
    assert client.delete("/api/v1/session", headers=bearer(first)).status_code == 204
    response = client.get("/api/v1/definitions", headers=bearer(first))
    assert_error(response, 401, "The token has been revoked; sign in again.", [])
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="dutybook"'


def test_token_lifetime_is_configured_in_hours(app, client, monkeypatch):
    app.config["TOKEN_HOURS"] = 0.5
    add_people(app, ("guard-l",))
    monkeypatch.setattr("pwa.clock.now", lambda: SIGNED_IN_AT)
    response = client.post(
        "/api/v1/session",
        json={"username": "guard-l", "password": PASSWORD, "device_id": "phone-7"},
    )
    assert response.get_json()["expires_at"] == "2026-03-02T07:00:15Z"


def test_sign_out_ends_the_token_in_use_and_no_other(app, client):
    add_people(app, ("guard-l",))
    booth = sign_in(client, "guard-l", "booth-phone")
    own = sign_in(client, "guard-l", "own-phone")
    response = client.delete("/api/v1/session", headers=bearer(booth))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(
        client.get("/api/v1/session", headers=bearer(booth)),
        401,
        "The token has been revoked; sign in again.",
        [],
    )
    # signing out twice is a 401, not a second revocation
    assert_error(
        client.delete("/api/v1/session", headers=bearer(booth)),
        401,
        "The token has been revoked; sign in again.",
        [],
    )
    assert client.get("/api/v1/session", headers=bearer(own)).status_code == 200
    with app.extensions["dutybook.engine"].connect() as conn:
        revoked = dict(conn.execute(select(tokens.c.device_id, tokens.c.revoked_at)).all())
    assert revoked["booth-phone"] is not None
    assert revoked["own-phone"] is None
    assert_error(client.delete("/api/v1/session"), 401, UNAUTH, [])


def test_admin_lists_and_revokes_others_tokens_staff_cannot(app, client):
    add_people(app, ("guard-l", "eng-l", "admin"))
    guard = sign_in(client, "guard-l")
    engineer = sign_in(client, "eng-l")
    admin = sign_in(client, "admin")
    assert_error(
        client.get("/api/v1/tokens?user=guard-l", headers=bearer(engineer)),
        403,
        "Only an admin may list another user's tokens.",
        [],
    )
    assert_error(
        client.delete("/api/v1/tokens/1", headers=bearer(engineer)), 404, "No token 1.", []
    )
    listed = client.get("/api/v1/tokens?user=guard-l", headers=bearer(admin)).get_json()
    assert [t["username"] for t in listed["tokens"]] == ["guard-l"]
    assert_error(
        client.get("/api/v1/tokens?user=ghost", headers=bearer(admin)),
        404,
        "No user named 'ghost'.",
        [],
    )
    assert client.delete("/api/v1/tokens/1", headers=bearer(admin)).status_code == 204
    assert client.get("/api/v1/session", headers=bearer(guard)).status_code == 401


def test_expired_token_401(app, client):
    add_people(app, ("guard-l",))
    token = sign_in(client, "guard-l")
    with app.extensions["dutybook.engine"].begin() as conn:
        conn.execute(update(tokens).values(expires_at=dt.datetime(2020, 1, 1)))
    assert_error(
        client.get("/api/v1/session", headers=bearer(token)),
        401,
        "The token has expired; sign in again.",
        [],
    )


def test_unknown_malformed_and_missing_token(app, client):
    assert_error(client.get("/api/v1/session"), 401, UNAUTH, [])
    assert_error(
        client.get("/api/v1/session", headers=bearer("garbage")), 401, "The token is not known.", []
    )
    assert_error(
        client.get("/api/v1/session", headers={"Authorization": "Basic abc"}),
        401,
        "Use 'Authorization: Bearer <token>'.",
        [],
    )


def test_disabled_user_and_password_reset_end_tokens(app, client, runner):
    add_people(app, ("guard-l", "eng-l"))
    guard = sign_in(client, "guard-l")
    engineer = sign_in(client, "eng-l")
    result = runner.invoke(main, ["users", "disable", "guard-l"])
    assert result.output == "disabled guard-l\n"
    assert client.get("/api/v1/session", headers=bearer(guard)).status_code == 401
    good = {"username": "guard-l", "password": PASSWORD, "device_id": "d"}
    assert client.post("/api/v1/session", json=good).status_code == 401
    result = runner.invoke(main, ["users", "reset-password", "eng-l", "--password", "new pass"])
    assert result.output == "reset eng-l\n"
    assert client.get("/api/v1/session", headers=bearer(engineer)).status_code == 401
    new = {"username": "eng-l", "password": "new pass", "device_id": "d"}
    assert client.post("/api/v1/session", json=new).status_code == 201


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_dashboard_login_sets_cookie_session_with_csrf(app, client):
    add_people(app, ("sup-l", "guard-l"))
    page = client.get("/dashboard/login")
    token = _csrf(page.get_data(as_text=True))
    # without the CSRF token: refused
    response = client.post("/dashboard/login", data={"username": "sup-l", "password": PASSWORD})
    assert_error(response, 403, "The CSRF token is missing or wrong; reload the page.")
    response = client.post(
        "/dashboard/login?next=/dashboard/records",
        data={"username": "sup-l", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/records"
    who = client.get("/api/v1/session").get_json()
    assert who["user"]["username"] == "sup-l"
    # signing in rotates the CSRF token: one planted before sign-in is useless
    assert who["csrf_token"] != token
    token = who["csrf_token"]
    # a state-changing API call through the cookie needs the header
    assert_error(
        client.delete("/api/v1/session"),
        403,
        "The CSRF token is missing or wrong; reload the page.",
    )
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert_error(client.get("/api/v1/session"), 401, UNAUTH, [])


def test_dashboard_login_wrong_password_and_staff(app, client):
    add_people(app, ("guard-l",))
    token = _csrf(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={"username": "guard-l", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "Wrong username or password, or the account is disabled." in response.get_data(
        as_text=True
    )
    response = client.post(
        "/dashboard/login", data={"username": "guard-l", "password": PASSWORD, "csrf_token": token}
    )
    assert_error(response, 403, "The dashboard is for supervisors and admins.", [])


def test_dashboard_open_redirect_refused_and_reset_ends_session(app, client, runner):
    add_people(app, ("sup-l",))
    token = _csrf(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login?next=//evil.example/",
        data={"username": "sup-l", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/dashboard/"
    runner.invoke(main, ["users", "reset-password", "sup-l", "--password", "x"])
    assert_error(client.get("/api/v1/session"), 401, "The session has ended; sign in again.", [])


def test_logout(app, client):
    add_people(app, ("sup-l",))
    token = _csrf(client.get("/dashboard/login").get_data(as_text=True))
    client.post(
        "/dashboard/login", data={"username": "sup-l", "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/dashboard/logout").status_code == 403
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    response = client.post("/dashboard/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/api/v1/session").status_code == 401
