"""`/dashboard/admin/`: users, their roles and sites, the sites, device tokens (revoke).

A blueprint nested in the dashboard's, so the dashboard's sign-in, staff refusal and CSRF
check run first; here every page also needs the admin role. Changes go through
`pwa.store.accounts`, the same functions the CLI uses.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from pwa.api.auth import password_hasher
from pwa.config import ROLES
from pwa.dashboard import tables
from pwa.dashboard.context import page, properties, site_ids, user
from pwa.errors import ApiError
from pwa.store import accounts, db, records, staff

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    if not user().is_admin:
        raise ApiError(403, "Only an admin may manage accounts, sites and tokens.")


@bp.route("/users", methods=["GET", "POST"])
def users_page() -> Response | tuple[str, int] | str:
    error = None
    if request.method == "POST":
        form = request.form
        action = form.get("action", "")
        try:
            with db.writing() as conn:
                if action == "add":
                    if len(form.get("password", "")) < 10:
                        raise accounts.AccountError("a password has at least 10 characters")
                    accounts.add_user(
                        conn,
                        password_hasher(),
                        form.get("username", "").strip(),
                        form.get("password", ""),
                        form.getlist("roles"),
                        form.getlist("sites"),
                        site_ids(),
                    )
                elif action == "update":
                    staff.set_roles_sites(
                        conn,
                        form.get("username", ""),
                        form.getlist("roles"),
                        form.getlist("sites"),
                        site_ids(),
                    )
                elif action in ("disable", "enable"):
                    name = form.get("username", "")
                    if name == user().username and action == "disable":
                        raise accounts.AccountError("you cannot disable your own account")
                    accounts.set_disabled(conn, name, action == "disable")
                else:
                    raise accounts.AccountError(f"unknown action {action!r}")
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            return redirect("/dashboard/admin/users", code=303)
    people = accounts.list_users(db.connection())
    if tables.wants_csv() is not None:
        if tables.wants_csv() != "users":
            raise tables.unknown_table(tables.wants_csv(), ("users",))
        return tables.csv_response("users", tables.USER_HEADER, map(tables.user_row, people))
    body = page("admin_users.html", people=people, roles=ROLES, all_sites=properties(), error=error)
    return (body, 422) if error else body


@bp.route("/tokens", methods=["GET", "POST"])
def tokens_page() -> Response | str:
    if request.method == "POST":
        try:
            token_id = int(request.form.get("token_id", ""))
        except ValueError:
            raise ApiError(400, "token_id must be a number.") from None
        owner = accounts.token_owner(db.connection(), token_id)
        if owner is None:
            raise ApiError(404, f"No token {token_id}.")
        with db.writing() as conn:
            accounts.revoke_tokens(conn, owner, token_id)
        return redirect("/dashboard/admin/tokens", code=303)
    rows = accounts.list_tokens(db.connection())
    if tables.wants_csv() is not None:
        if tables.wants_csv() != "tokens":
            raise tables.unknown_table(tables.wants_csv(), ("tokens",))
        return tables.csv_response("tokens", tables.TOKEN_HEADER, map(tables.token_row, rows))
    return page("admin_tokens.html", tokens=rows)


@bp.get("/sites")
def sites_page() -> Response | str:
    conn = db.connection()
    people = staff.people_per_site(conn)
    rows = []
    for prop in properties():
        last = records.last_received(conn, prop.id)
        devices = staff.devices_at(conn, prop.id)
        rows.append(
            {
                "id": prop.id,
                "name": prop.name,
                "areas": len(prop.areas),
                "people": people.get(prop.id, 0),
                "devices": devices,
                "last": last,
            }
        )
    if tables.wants_csv() is not None:
        if tables.wants_csv() != "sites":
            raise tables.unknown_table(tables.wants_csv(), ("sites",))
        return tables.csv_response("sites", tables.SITE_HEADER, map(tables.site_row, rows))
    return page("admin_sites.html", rows=rows)
