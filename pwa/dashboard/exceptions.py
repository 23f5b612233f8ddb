"""Dashboard: exceptions and incidents, filtered, assigned and closed in a loop."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, Response, current_app, redirect, request
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from generator.models import Property
from pwa.dashboard import tables
from pwa.dashboard.context import bundle, now, page, rec, site_or_403, t, user
from pwa.dashboard.desk_view import category_label
from pwa.dashboard.text import text
from pwa.errors import ApiError
from pwa.ops import desk as desk_rules
from pwa.ops import exceptions_flow, schedules
from pwa.ops.compliance import Rec
from pwa.resident import status_token
from pwa.store import db, exception_log, records, staff
from pwa.store import tickets as ticket_store

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
    return _exception_page(prop, conn, rec, error)


def _exception_page(prop: Property, conn: Connection, rec: Rec, error: str | None):
    item = _exception_view(
        rec, exceptions_flow.history(conn, [rec.id])[rec.id], bundle().raw, now()
    )
    desk = bundle().desk
    kinds = desk.raw_categories if desk else {}
    return (
        page(
            "exception.html",
            site=prop,
            item=item,
            error=error,
            next_statuses=exceptions_flow.NEXT[item["state"].status],
            people=staff.site_people(conn, prop.id),
            ticket=ticket_store.by_exception(conn, rec.id) if desk else None,
            desk_categories=[(c, category_label(desk, c)) for c in kinds],
            # preselected: the first kind residents cannot choose, the one for what staff find
            default_category=next(
                (c for c, k in kinds.items() if k.get("resident") is False), None
            ),
        ),
        422 if error else 200,
    )


def exception_ticket_id(record_id: str) -> str:
    # one ticket per exception, however many clicks or people: its id follows from the record
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dutybook:exception:{record_id}"))


@bp.post("/<site>/exceptions/<record_id>/ticket")
def make_ticket(site: str, record_id: str) -> Response | tuple[str, int]:
    """One click from a staff member's exception to a service desk ticket (source staff)."""
    prop = site_or_403(site)
    desk = bundle().desk
    if desk is None:
        raise ApiError(404, "This handbook has no service desk document.")
    conn = db.connection()
    rec = _one_exception(conn, site, record_id)
    made = ticket_store.by_exception(conn, rec.id)
    if made is None:
        item = _exception_view(
            rec, exceptions_flow.history(conn, [rec.id])[rec.id], bundle().raw, now()
        )
        ticket_id = exception_ticket_id(rec.id)
        report = desk_rules.Report(
            site=site,
            category=request.form.get("category", ""),
            room=(request.form.get("room") or item["title"]).strip()[:64],
            name=rec.username,
            phone="",
            description=(item["note"] or item["title"])[:2000],
            source="staff",
            photos=tuple(item["photos"][:3]),
            exception_id=rec.id,
        )
        moment = schedules.utc_naive(now())
        try:
            with db.writing() as write:
                _, number, _ = desk_rules.report(
                    write,
                    desk,
                    report,
                    actor=user().username,
                    user_id=user().id,
                    now=moment,
                    ticket_id=ticket_id,
                    token=status_token(ticket_id),
                )
                ticket_store.add_photos(write, ticket_id, report.photos)
                # the exception's history is stored data, in the handbook's language
                note = text("zh", "made_ticket_note", number=number)
                exception_log.add_exception_event(write, rec.id, user().id, None, None, note)
        except desk_rules.DeskError as exc:
            return _exception_page(prop, conn, rec, t(f"err_{exc.field}"))
        except IntegrityError:
            pass  # another click made it first
        made = ticket_store.by_exception(db.connection(), rec.id)
    return redirect(f"/dashboard/{site}/desk/{made.number}", code=303)
