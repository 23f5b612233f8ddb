"""Dashboard: the service desk of a site — its open tickets by deadline, registering a ticket
from a call, a visit or what staff found, and the month's figures.

One ticket's page and what is done on it are in `ticket`; the arithmetic of the month is in
`pwa.ops.desk_figures`. A form carries its own id, so sending it twice registers one ticket.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, redirect, request
from sqlalchemy.exc import IntegrityError

from generator.models import Property
from pwa.dashboard import tables
from pwa.dashboard.context import now, page, role_names, user
from pwa.dashboard.desk_view import (
    category_label,
    clocks_of,
    desk_site,
    naive,
    phone_of,
    span,
    the_desk,
)
from pwa.errors import ApiError
from pwa.ops import desk as rules
from pwa.ops import desk_figures
from pwa.ops.desk import Desk, DeskError, Report
from pwa.ops.tickets import OPEN
from pwa.resident import status_token
from pwa.store import db
from pwa.store import tickets as store

bp = Blueprint("desk", __name__)

# what the desk registers; a resident's own report comes through the resident's page
DESK_SOURCES = ("phone", "visit", "staff")
FIELDS = ("category", "room", "name", "phone", "description")
MAX_OPEN = 1000


def ticket_url(site: str, number: str) -> str:
    return f"/dashboard/{site}/desk/{number}"


def _categories(desk: Desk) -> list[tuple[str, str]]:
    return [(c, category_label(desk, c)) for c in desk.raw_categories]


def _groups(desk: Desk) -> list[str]:
    return list(dict.fromkeys(c["group"] for c in desk.raw_categories.values()))


def open_items(site: str, desk: Desk, args) -> list[dict]:
    """The site's open tickets as the list shows them, filtered, nearest close due first."""
    status = args.get("status") if args.get("status") in OPEN else None
    moment = naive(now())
    rows = store.open_list(
        db.connection(),
        [site],
        [status] if status else OPEN,
        MAX_OPEN,
        category=args.get("category") or None,
        group=args.get("group") or None,
        late_at=moment if args.get("late") == "1" else None,
    )
    items = []
    for row in rows:
        clocks = clocks_of(row, desk, moment)
        late = any(c.is_late for c in clocks)
        if args.get("late") == "1" and not late:
            continue
        items.append({"row": row, "clocks": clocks, "late": late, "phone": phone_of(row)})

    def deadline(item: dict):
        close = item["clocks"][-1]
        # a paused or unlimited close clock has no deadline to run into: after the running ones
        waiting = close.state not in ("running", "late")
        return (waiting, close.due or item["row"].created_at, item["row"].created_at)

    return sorted(items, key=deadline)


@bp.get("/<site>/desk")
def open_list(site: str) -> Response | str:
    prop = desk_site(site)
    desk = the_desk()
    wanted = (request.args.get("number") or "").strip().upper()
    if wanted:
        found = store.by_number(db.connection(), wanted)
        if found is not None and found.site == site:
            return redirect(ticket_url(site, found.number), code=303)
    items = open_items(site, desk, request.args)
    table = tables.wants_csv()
    if table is not None:
        if table != "tickets":
            raise tables.unknown_table(table, ("tickets",))
        return tables.csv_response(
            f"{site}-tickets", tables.TICKET_HEADER, (tables.ticket_row(i) for i in items)
        )
    return page(
        "desk.html",
        site=prop,
        items=items,
        args=request.args,
        statuses=OPEN,
        categories=_categories(desk),
        groups=_groups(desk),
        label=lambda c: category_label(desk, c),
        role_names=role_names(),
        not_found=wanted if wanted else None,
    )


def _form_page(prop: Property, desk: Desk, form_id: str, values: dict, error, status: int = 200):
    body = page(
        "desk_new.html",
        site=prop,
        categories=_categories(desk),
        sources=DESK_SOURCES,
        form_id=form_id,
        values=values,
        error=error,
    )
    return body, status


@bp.route("/<site>/desk/new", methods=["GET", "POST"])
def register(site: str) -> Response | tuple[str, int]:
    prop = desk_site(site)
    desk = the_desk()
    if request.method == "GET":
        return _form_page(prop, desk, str(uuid.uuid4()), {"source": "phone"}, None)
    form = request.form
    try:
        form_id = str(uuid.UUID(form.get("form_id", "")))
    except ValueError:
        raise ApiError(400, "The form has no id; reload the page.") from None
    conn = db.connection()
    done = store.ticket(conn, form_id)
    if done is not None:
        # the same form sent twice (a double click, a resend on a slow line): one ticket
        if done.site != site:
            raise ApiError(404, f"No ticket {form_id} at site {site!r}.")
        return redirect(ticket_url(site, done.number), code=303)
    values = {name: form.get(name, "").strip() for name in (*FIELDS, "source")}
    try:
        if values["source"] not in DESK_SOURCES:
            raise DeskError("source", "one of phone, visit, staff")
        report = Report(site=site, **values)
        with db.writing() as write:
            _, number, _ = rules.report(
                write,
                desk,
                report,
                actor=user().username,
                user_id=user().id,
                now=naive(now()),
                ticket_id=form_id,
                token=status_token(form_id),
            )
    except DeskError as exc:
        return _form_page(prop, desk, form_id, values, f"err_{exc.field}", 400)
    except IntegrityError:
        # the first copy of a double submit won the race: it is the ticket
        done = store.ticket(db.connection(), form_id)
        if done is None:
            raise
        number = done.number
    return redirect(ticket_url(site, number), code=303)


@bp.get("/<site>/desk/month")
def month_page(site: str) -> Response | str:
    prop = desk_site(site)
    desk = the_desk()
    zone = desk.calendar(site).zone
    month = request.args.get("month") or desk_figures.this_month(now(), zone)
    try:
        start, end = desk_figures.month_bounds(month, zone)
    except ValueError:
        raise ApiError(400, "month must look like 2026-06.") from None
    figures = desk_figures.month(
        store.created_between(db.connection(), site, start, end),
        categories=list(desk.raw_categories),
        now=now(),
        callback_target=desk.callback_share,
        satisfaction_target=desk.satisfaction_target,
    )
    table = tables.wants_csv()
    if table is not None:
        made = tables.month_table(table, figures, lambda c: category_label(desk, c))
        if made is None:
            raise tables.unknown_table(table, tables.MONTH_TABLES)
        return tables.csv_response(f"{site}-desk-{month}-{table}", *made)
    return page(
        "desk_month.html",
        site=prop,
        month=month,
        figures=figures,
        label=lambda c: category_label(desk, c),
        printed=now(),
        span=span,
    )
