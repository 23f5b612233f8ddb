"""`/dashboard/admin/alerts`: the alert log (sent, pending, retried, failed), a failed alert
sent again, and a test alert to every channel of a site. Admins only, like the other admin
pages; each POST carries the session's CSRF token (the dashboard's guard checks it)."""

from __future__ import annotations

import os
import uuid

from flask import Blueprint, Response, current_app, redirect, request

from pwa import clock
from pwa.dashboard import tables
from pwa.dashboard.context import bundle, page, user
from pwa.errors import ApiError
from pwa.ops import alerts as rules
from pwa.ops import delivery, senders
from pwa.store import alerts as outbox
from pwa.store import db

bp = Blueprint("alerts", __name__, url_prefix="/admin")

FILTERS = {"pending": ("pending",), "sent": ("sent",), "failed": ("failed",)}


@bp.before_request
def _admins_only() -> None:
    if not user().is_admin:
        raise ApiError(403, "Only an admin may manage accounts, sites and tokens.")


def _shown() -> str:
    wanted = request.args.get("status", "")
    if wanted not in ("", "retried", *FILTERS):
        raise ApiError(400, "status must be one of: pending, sent, failed, retried.")
    return wanted


@bp.get("/alerts")
def alerts_page() -> Response | str:
    shown = _shown()
    conn = db.connection()
    rows = outbox.log(
        conn, FILTERS.get(shown, outbox.STATUSES), limit=500, retried=shown == "retried"
    )
    table = tables.wants_csv()
    if table is not None:
        if table != "alerts":
            raise tables.unknown_table(table, ("alerts",))
        return tables.csv_response("alerts", tables.ALERT_HEADER, map(tables.alert_row, rows))
    return page(
        "admin_alerts.html",
        rows=rows,
        counts=outbox.counts(conn),
        shown=shown,
        routed=rules.alerted_sites(bundle().raw),
        form_id=str(uuid.uuid4()),
    )


@bp.post("/alerts")
def alerts_action() -> Response:
    action = request.form.get("action", "")
    if action == "retry":
        try:
            row_id = int(request.form.get("alert_id", ""))
        except ValueError:
            raise ApiError(400, "alert_id must be a number.") from None
        with db.writing() as conn:
            if outbox.row(conn, row_id) is None:
                raise ApiError(404, f"No alert {row_id}.")
            outbox.retry(conn, row_id, clock.utcnow())
        return redirect("/dashboard/admin/alerts", code=303)
    if action != "test":
        raise ApiError(400, "action must be test or retry.")
    site = request.form.get("site", "")
    try:
        # the form's own id: a second click of the same form queues no second test
        nonce = str(uuid.UUID(request.form.get("form_id", "")))
    except ValueError:
        raise ApiError(400, "form_id must be a UUID.") from None
    config = current_app.config
    delivery.send_test(
        db.engine(),
        bundle().raw,
        site,
        nonce,
        user().username,
        delivery.Settings.from_config(config),
        clock.now,
        os.environ,
        senders.Smtp.from_config(config),
    )
    return redirect("/dashboard/admin/alerts", code=303)
