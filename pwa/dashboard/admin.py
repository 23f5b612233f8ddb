"""`/dashboard/admin/`: users, their roles and sites, the sites, device tokens (revoke).

A blueprint nested in the dashboard's, so the dashboard's sign-in, staff refusal and CSRF
check run first; here every page also needs the admin role. Changes go through
`pwa.accounts`, the same functions the CLI uses.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request
from sqlalchemy import Connection, delete, func, insert, select

from pwa import accounts, db
from pwa.auth import password_hasher
from pwa.config import ROLES
from pwa.dashboard import tables
from pwa.dashboard.context import page, properties, site_ids, user
from pwa.errors import ApiError
from pwa.models import records, tokens, user_roles, user_sites

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    if not user().is_admin:
        raise ApiError(403, "Only an admin may manage accounts, sites and tokens.")


def set_roles_sites(conn: Connection, username: str, roles: list[str], sites: list[str]) -> None:
    """Replace a user's roles and sites, checked like `accounts.add_user` checks them."""
    user_id = accounts.user_id_of(conn, username)
    if not roles:
        raise accounts.AccountError("give at least one role")
    for role in roles:
        if role not in ROLES:
            raise accounts.AccountError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    known = site_ids()
    for site in sites:
        if site not in known:
            raise accounts.AccountError(
                f"unknown site {site!r} (one of: {', '.join(sorted(known))})"
            )
    if not sites and "admin" not in roles:
        raise accounts.AccountError("give at least one site")
    conn.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
    conn.execute(delete(user_sites).where(user_sites.c.user_id == user_id))
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": r} for r in sorted(set(roles))])
    if sites:
        conn.execute(
            insert(user_sites), [{"user_id": user_id, "site": s} for s in sorted(set(sites))]
        )


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
                    set_roles_sites(
                        conn, form.get("username", ""), form.getlist("roles"), form.getlist("sites")
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
    people = dict(
        conn.execute(select(user_sites.c.site, func.count()).group_by(user_sites.c.site)).all()
    )
    rows = []
    for prop in properties():
        last = conn.scalar(
            select(func.max(records.c.received_at)).where(records.c.site == prop["id"])
        )
        devices = conn.scalar(
            select(func.count(func.distinct(tokens.c.device_id)))
            .join(user_sites, user_sites.c.user_id == tokens.c.user_id)
            .where(user_sites.c.site == prop["id"], tokens.c.revoked_at.is_(None))
        )
        rows.append(
            {
                "id": prop["id"],
                "name": prop["name"],
                "areas": len(prop["areas"]),
                "people": people.get(prop["id"], 0),
                "devices": devices,
                "last": last,
            }
        )
    if tables.wants_csv() is not None:
        if tables.wants_csv() != "sites":
            raise tables.unknown_table(tables.wants_csv(), ("sites",))
        return tables.csv_response("sites", tables.SITE_HEADER, map(tables.site_row, rows))
    return page("admin_sites.html", rows=rows)
