"""`/dashboard/`: supervisors' and admins' pages, server-rendered, Chinese by default.

This module is the blueprint, its sign-in guard and the registration of the pages, each its own
nested blueprint: `day` (the sites, a day, a range), `exceptions`, `drills`, `handovers`,
`people` (acknowledgements, courses), `trends` (trends, the printable report), `admin`,
`admin_versions` (the published handbook's versions), `alerts`
(the alert log, a test alert), and the service desk's `desk` (the open list, registering, the
month) and `ticket` (one ticket and the desk's actions on it). The
pages share `context` (who, where, when, wording) and `tables` (the CSV twin of every table),
and read the store and the bundle and hand plain values to `compliance` and `exceptions_flow`.
Supervisors see only their sites, admins every site, 客服 (service) their sites' desk pages,
other staff nothing; every POST checks the session's CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, request, session

from pwa.api.auth import check_csrf, current_user
from pwa.dashboard import (
    admin,
    admin_versions,
    alerts,
    context,
    day,
    desk,
    drills,
    exceptions,
    handovers,
    people,
    ticket,
    trends,
)
from pwa.dashboard.desk_view import DESK_BLUEPRINTS, desk_only
from pwa.dashboard.text import LANGS
from pwa.errors import ApiError

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    static_folder=str(Path(__file__).parent.parent / "static" / "dashboard"),
    static_url_path="/static",
)
bp.add_app_template_filter(context.local, "local")


@bp.before_request
def _sign_in_first() -> Response | None:
    # runs before every nested page's own guards (admin's admins-only check)
    if request.endpoint == "dashboard.static":
        return None
    wanted = request.args.get("lang")
    if wanted in LANGS:
        session["lang"] = wanted
    user = current_user()
    if user is None:
        target = request.full_path.rstrip("?")
        return redirect(f"/dashboard/login?{urlencode({'next': target})}")
    if desk_only(user):
        # 客服 work the service desk of their sites, and see nothing else here
        if request.endpoint == "dashboard.day.index":
            if len(user.sites) == 1:
                return redirect(f"/dashboard/{next(iter(user.sites))}/desk")
        elif request.blueprint not in DESK_BLUEPRINTS:
            raise ApiError(403, "客服 may open only the service desk's pages.")
    elif user.is_staff:
        raise ApiError(403, "The dashboard is for supervisors and admins.")
    if request.method == "POST" and user.token_id is None:
        check_csrf()
    g.dashboard_user = user
    return None


for _page in (
    day, exceptions, drills, handovers, people, trends, admin, admin_versions, alerts, desk, ticket
):  # fmt: skip
    bp.register_blueprint(_page.bp)
