"""Dashboard: a site's shift handovers (交接班), what each left open, who acknowledged it and
when, and those not acknowledged within 30 minutes first in the count."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request

from pwa.dashboard import tables
from pwa.dashboard.context import bundle, now, page, rec, site_or_403
from pwa.dashboard.day import site_devices
from pwa.errors import ApiError
from pwa.ops import handovers
from pwa.ops.documents import roles_of
from pwa.ops.schedules import utc_naive
from pwa.store import db, records

bp = Blueprint("handovers", __name__)

DAYS = ("1", "7", "30", "all")


def load(site: str, days: int | None) -> list[handovers.Handover]:
    """The site's handovers of the last `days` days (None: all), newest first, each judged."""
    conn = db.connection()
    moment = now()
    since = dt.datetime(1970, 1, 1) if days is None else utc_naive(moment) - dt.timedelta(days=days)
    rows = [rec(r) for r in records.of_types(conn, site, ("handover", "handover_ack"), since)]
    raw = bundle().raw["documents"]
    roles = {d: roles_of(raw[d]) for d in {r.def_id for r in rows} if d in raw}
    return handovers.judge(
        [r for r in rows if r.type == "handover"],
        [r for r in rows if r.type == "handover_ack"],
        site_devices(conn, site, moment),
        roles,
        utc_naive(moment),
    )


@bp.get("/<site>/handovers")
def handovers_page(site: str) -> Response | str:
    prop = site_or_403(site)
    days = request.args.get("days", "7")
    if days not in DAYS:
        raise ApiError(400, f"days must be one of {', '.join(DAYS)}.")
    found = load(site, None if days == "all" else int(days))
    counts = {s: sum(1 for h in found if h.state == s) for s in handovers.STATES}
    flagged = sum(1 for h in found if h.flagged)
    if request.args.get("flagged") == "1":
        found = [h for h in found if h.flagged]
    table = tables.wants_csv()
    if table is not None:
        if table != "handovers":
            raise tables.unknown_table(table, ("handovers",))
        return tables.csv_response(
            f"{site}-handovers", tables.HANDOVER_HEADER, map(tables.handover_row, found)
        )
    titles = {d: e["title"] for d, e in bundle().raw["documents"].items()}
    return page(
        "handovers.html",
        site=prop,
        items=found,
        counts=counts,
        flagged=flagged,
        days=days,
        day_choices=DAYS,
        titles=titles,
        args=request.args,
    )
