"""Who is asking: device bearer tokens, the dashboard's cookie session with CSRF, rate limits."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from argon2 import PasswordHasher
from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from pwa.api.schemas import SessionIn, json_body, parse
from pwa.errors import ApiError, detail
from pwa.store import accounts, db
from pwa.store.accounts import User
from pwa.store.models import utcnow

api = Blueprint("auth_api", __name__, url_prefix="/api/v1")
bp = Blueprint("auth", __name__, url_prefix="/dashboard")

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# writing last_used_at on every request would turn every read into a write; when it is due it
# joins the request's own write, or is written after the answer has left (db.after_use)
TOUCH_EVERY = dt.timedelta(minutes=5)


def password_hasher() -> PasswordHasher:
    app = current_app
    if "dutybook.hasher" not in app.extensions:
        app.extensions["dutybook.hasher"] = accounts.hasher(
            int(app.config["PASSWORD_MEMORY_KIB"]), int(app.config["PASSWORD_TIME_COST"])
        )
    return app.extensions["dutybook.hasher"]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="dutybook"'})


def current_user() -> User | None:
    """The caller from a bearer token or a cookie session, or None when anonymous."""
    if "user" in g:
        return g.user
    g.user = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Use 'Authorization: Bearer <token>'.")
        found = accounts.bearer(db.connection(), token.strip())
        if found.problem:
            raise _unauthorized(found.problem)
        if found.last_used is None or utcnow() - found.last_used > TOUCH_EVERY:
            token_id, now = found.user.token_id, utcnow()
            db.owe(lambda conn: accounts.touch_token(conn, token_id, now))
        g.user = found.user
    elif "uid" in session:
        user = accounts.load_user(db.connection(), session["uid"])
        if user is None or user.disabled or user.session_epoch != session.get("epoch"):
            session.clear()
            raise _unauthorized("The session has ended; sign in again.")
        if request.method in UNSAFE:
            check_csrf()
        g.user = user
    return g.user


def require_user(roles: Iterable[str] | None = None) -> User:
    """The caller, or 401; with `roles`, 403 unless the caller holds one of them."""
    user = current_user()
    if user is None:
        raise _unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    if roles is not None:
        wanted = set(roles)
        if user.is_admin:
            return user
        if not user.roles & wanted:
            raise ApiError(403, f"This needs one of the roles: {', '.join(sorted(wanted))}.")
    return user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(
            403,
            "The CSRF token is missing or wrong; reload the page.",
            [detail(["header", "X-CSRF-Token"], "must equal the token of the session")],
        )


def login(username: str, password: str) -> int:
    """Check a password under the rate limits; the user's id or an ApiError."""
    config = current_app.config
    address = request.remote_addr or "unknown"
    window = int(config["LOGIN_WINDOW_SECONDS"])
    # the attempt is written (as failed) before the password is checked, in the statement
    # that counts: concurrent wrong passwords cannot each read a count under the limit
    with db.writing() as write:
        attempt = accounts.admit_attempt(
            write,
            utcnow() - dt.timedelta(seconds=window),
            username,
            address,
            int(config["LOGIN_MAX_PER_USER"]),
            int(config["LOGIN_MAX_PER_ADDRESS"]),
        )
    if attempt is None:
        raise ApiError(
            429,
            "Too many failed sign-ins; wait and try again.",
            headers={"Retry-After": str(window)},
        )
    user_id = accounts.check_password(db.connection(), password_hasher(), username, password)
    if user_id is None:
        raise ApiError(401, "Wrong username or password, or the account is disabled.")
    with db.writing() as write:
        accounts.attempt_succeeded(write, attempt)
    return user_id


def user_body(user: User) -> dict:
    return {"user": user.public(), "roles": sorted(user.roles), "sites": sorted(user.sites)}


@api.post("/session")
def create_session() -> tuple[dict, int]:
    body = parse(SessionIn, json_body())
    user_id = login(body.username, body.password)
    with db.writing() as conn:
        token, expires_at = accounts.issue_token(
            conn, user_id, body.device_id, float(current_app.config["TOKEN_HOURS"])
        )
        user = accounts.load_user(conn, user_id)
    return {"token": token, **user_body(user), "expires_at": expires_at.isoformat() + "Z"}, 201


@api.get("/session")
def show_session() -> dict:
    user = require_user()
    body = user_body(user)
    if user.token_id is None:
        # a cookie session: pages' scripts send this back in X-CSRF-Token
        body["csrf_token"] = csrf_token()
    return body


@api.delete("/session")
def end_session() -> tuple[str, int]:
    user = require_user()
    if user.token_id is not None:
        with db.writing() as conn:
            accounts.revoke_tokens(conn, user.id, user.token_id)
    session.clear()
    return "", 204


def _token_json(row: dict) -> dict:
    return {
        key: (value.isoformat() + "Z" if isinstance(value, dt.datetime) else value)
        for key, value in row.items()
    }


@api.get("/tokens")
def list_tokens() -> dict:
    user = require_user()
    wanted = request.args.get("user")
    conn = db.connection()
    if wanted is not None and wanted != user.username:
        if not user.is_admin:
            raise ApiError(403, "Only an admin may list another user's tokens.")
        try:
            user_id = accounts.user_id_of(conn, wanted)
        except accounts.AccountError:
            raise ApiError(404, f"No user named {wanted!r}.") from None
    else:
        user_id = user.id
    return {"tokens": [_token_json(t) for t in accounts.list_tokens(conn, user_id)]}


@api.delete("/tokens/<token_id>")
def revoke_token(token_id: str) -> tuple[str, int]:
    user = require_user()
    # not an int route: `/tokens/abc` would fall to the handbook's GET-only route, a 405
    number = int(token_id) if token_id.isascii() and token_id.isdigit() else None
    if number is not None and number >= 2**31:  # past the column's range: no such token
        number = None
    owner = accounts.token_owner(db.connection(), number) if number is not None else None
    if owner is None or (owner != user.id and not user.is_admin):
        # someone else's token looks the same as no token: ids reveal nothing
        raise ApiError(404, f"No token {token_id}.")
    with db.writing() as conn:
        accounts.revoke_tokens(conn, owner, number)
    return "", 204


@bp.route("/login", methods=["GET", "POST"])
def dashboard_login() -> Response | str:
    error, status, headers = None, 200, {}
    if request.method == "POST":
        check_csrf()
        username = request.form.get("username", "")
        try:
            user_id = login(username, request.form.get("password", ""))
        except ApiError as exc:
            if exc.status not in (401, 429):
                raise
            error = exc.message
            if exc.status == 429:  # the form says so too, but clients read the status
                status, headers = 429, exc.headers
        else:
            user = accounts.load_user(db.connection(), user_id)
            # 客服 (service) sign in for the service desk's pages; other staff never
            if user.is_staff and "service" not in user.roles:
                raise ApiError(403, "The dashboard is for supervisors and admins.")
            session.clear()
            session["uid"], session["epoch"] = user.id, user.session_epoch
            csrf_token()
            return redirect(_safe_next(request.args.get("next")))
    # a form shows its own error: the page stays a page, not a JSON error
    page = render_template("auth/login.html", error=error, csrf_token=csrf_token())
    return Response(page, status, headers)


def _safe_next(target: str | None) -> str:
    """`target` when it is a path on this origin, else the dashboard's front page.

    An open redirect after sign-in is a phishing aid. Browsers drop tabs and newlines from a
    URL, strip leading blanks and read a backslash as a slash, and a proxy may decode the path
    once more, so both the value and its decoded form must be a plain local path.
    """
    if target and all(_local_path(form) for form in (target, unquote(target))):
        return target
    return "/dashboard/"


def _local_path(value: str) -> bool:
    if "\\" in value or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        return False
    if "%2f" in value.lower() or "%5c" in value.lower():
        return False
    if not value.startswith("/") or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


@bp.post("/logout")
def dashboard_logout() -> Response:
    if "uid" in session:
        check_csrf()
    session.clear()
    return redirect(url_for("auth.dashboard_login"))
