"""Dashboard: exceptions and incidents, filtered, assigned and closed in a loop."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, redirect, request
from sqlalchemy import Connection

from pwa.dashboard import tables
from pwa.dashboard.context import bundle, now, page, rec, site_or_403, user
from pwa.errors import ApiError
from pwa.ops import exceptions_flow, schedules
from pwa.ops.compliance import Rec
from pwa.store import db, records, staff

bp = Blueprint("exceptions", __name__)


def _fallback_hours() -> float:
    return float(current_app.config.get("DASHBOARD_CLOSE_HOURS", 24))


def _exception_view(rec: Rec, events: list, raw: dict, moment: dt.datetime) -> dict:
    state = exceptions_flow.state_of(events)
    deadlines = exceptions_flow.deadlines(
        raw, rec.def_id, rec.data, rec.recorded_at, state, _fallback_hours()
    )
    naive_now = schedules.utc_naive(moment)
    entry = raw["documents"].get(rec.def_id)
    photos = [p for p in rec.data.get("photos") or [] if isinstance(p, str) and len(p) == 64]
    return {
        "record": rec,
        "title": entry["title"] if entry else rec.def_id,
        "category": rec.data.get("category") if rec.type == "exception" else None,
        "severity": rec.data.get("severity") if rec.type == "incident" else None,
        "note": rec.data.get("note") if isinstance(rec.data.get("note"), str) else "",
        "item": rec.data.get("item"),
        "photos": photos,
        "state": state,
        "events": events,
        "deadlines": deadlines,
        "overdue": [d for d in deadlines if d.overdue(naive_now) and d.met_at is None],
        "met_late": [d for d in deadlines if d.met_at is not None and d.overdue(naive_now)],
    }


def load_exceptions(conn: Connection, site: str, since: dt.datetime | None) -> list[dict]:
    recs = [rec(r) for r in records.exceptions(conn, site, since)]
    events = exceptions_flow.history(conn, [r.id for r in recs])
    raw = bundle().raw
    moment = now()
    return [_exception_view(r, events[r.id], raw, moment) for r in recs]


def filter_exceptions(items: list[dict], args: dict) -> list[dict]:
    status, kind, overdue = args.get("status"), args.get("type"), args.get("overdue")
    person = (args.get("assignee") or "").strip()
    result = []
    for item in items:
        if status == "unresolved":
            if item["state"].status in ("resolved", "verified"):
                continue
        elif status and item["state"].status != status:
            continue
        if kind and item["record"].type != kind:
            continue
        if overdue == "1" and not item["overdue"]:
            continue
        if person and item["state"].assignee != person:
            continue
        result.append(item)
    return result


def _since() -> dt.datetime | None:
    days = request.args.get("days", "90")
    if days == "all":
        return None
    try:
        count = int(days)
    except ValueError:
        raise ApiError(400, "days must be a number or all.") from None
    return schedules.utc_naive(now()) - dt.timedelta(days=count)


@bp.get("/<site>/exceptions")
def exceptions_page(site: str) -> Response | str:
    prop = site_or_403(site)
    items = filter_exceptions(load_exceptions(db.connection(), site, _since()), request.args)
    table = tables.wants_csv()
    if table is not None:
        if table != "exceptions":
            raise tables.unknown_table(table, ("exceptions",))
        return tables.csv_response(
            f"{site}-exceptions", tables.EXCEPTION_HEADER, map(tables.exception_row, items)
        )
    return page(
        "exceptions.html",
        site=prop,
        items=items,
        args=request.args,
        statuses=exceptions_flow.STATUSES,
        people=staff.site_people(db.connection(), site),
    )


def _one_exception(conn: Connection, site: str, record_id: str) -> Rec:
    row = records.exception(conn, site, record_id)
    if row is None:
        raise ApiError(404, f"No exception or incident {record_id} at site {site!r}.")
    return rec(row)


@bp.route("/<site>/exceptions/<record_id>", methods=["GET", "POST"])
def exception_page(site: str, record_id: str) -> Response | str:
    prop = site_or_403(site)
    conn = db.connection()
    rec = _one_exception(conn, site, record_id)
    error = None
    if request.method == "POST":
        state = exceptions_flow.state_of(exceptions_flow.history(conn, [rec.id])[rec.id])
        people = set(staff.site_people(conn, site))
        try:
            with db.writing() as write:
                exceptions_flow.change(
                    write,
                    rec.id,
                    user().id,
                    state.status,
                    request.form.get("status") or None,
                    request.form.get("assignee"),
                    request.form.get("note"),
                    people,
                )
        except exceptions_flow.FlowError as exc:
            error = str(exc)
        else:
            return redirect(f"/dashboard/{site}/exceptions/{rec.id}", code=303)
    item = _exception_view(
        rec, exceptions_flow.history(conn, [rec.id])[rec.id], bundle().raw, now()
    )
    return (
        page(
            "exception.html",
            site=prop,
            item=item,
            error=error,
            next_statuses=exceptions_flow.NEXT[item["state"].status],
            people=staff.site_people(conn, site),
        ),
        422 if error else 200,
    )
