"""Dashboard: one service desk ticket — its facts and photos, its log with the events that did
not fit and why, its clocks — and what the desk does on it, each a form that posts one event
through `pwa.ops.desk.add`: dispatch or reassign, note, close, cancel, reopen, call back.

Every form carries its own event id: sent twice, the second copy finds the first and changes
nothing. An action the ticket's state does not take now is refused here, at the desk, with
the reason; only the phones, which act offline, add events the log keeps flagged.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, redirect, request
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from generator.labels import duration_words
from generator.models import Property
from pwa.api.tickets import sees_phone
from pwa.config import STAFF_ROLES
from pwa.dashboard import tables
from pwa.dashboard.context import lang, now, page, role_names, t, user
from pwa.dashboard.desk_text import ACTION_WORDS
from pwa.dashboard.desk_view import (
    category_label,
    clocks_of,
    desk_site,
    flag_words,
    naive,
    phone_of,
    the_desk,
)
from pwa.errors import ApiError
from pwa.ops import desk as rules
from pwa.ops.desk import Desk, DeskError
from pwa.ops.tickets import RATINGS
from pwa.resident import status_token
from pwa.store import db, staff
from pwa.store import tickets as store

bp = Blueprint("ticket", __name__)

# the path's action → the event it adds
ACTIONS = {
    "dispatch": "assigned",
    "note": "note",
    "close": "closed",
    "cancel": "cancelled",
    "reopen": "reopened",
    "callback": "called_back",
}


class Refused(ValueError):
    """A form the desk cannot take as it is; its message is a wording key."""


def _ticket(conn: Connection, site: str, number: str):
    row = store.by_number(conn, number)
    if row is None or row.site != site:
        raise ApiError(404, f"No ticket {number} at site {site!r}.")
    return row


def _dispatch_to(desk: Desk, row) -> str | None:
    return (desk.raw_categories.get(row.category) or {}).get("dispatch_to")


def _people(conn: Connection, desk: Desk, row) -> list[str]:
    """Who a ticket may be given to: the site's people holding the category's role."""
    role = _dispatch_to(desk, row)
    return [name for _, name, _ in staff.site_staff(conn, row.site, [role])] if role else []


def _pools(desk: Desk) -> list[str]:
    return [r for r in STAFF_ROLES if r in desk.roles]


def _photos(row, log) -> list[str]:
    """The ticket's photos: those it was reported with, then those of the work on it."""
    found = list(row.photos or [])
    for event in log:
        found += [p for p in event.data.get("photos", []) if p not in found]
    return found


def _log(state) -> list[dict]:
    return [
        {
            "id": e.id,
            "at": e.at,
            "kind": e.kind,
            "actor": e.actor,
            "data": e.data,
            "flag": state.flags.get(e.id),
        }
        for e in state.log
    ]


def _status_link(row) -> str | None:
    """The resident's private status link, for 客服 to send a caller; None when the ticket has
    none (or another kind of token) or the viewer may not see the resident's number."""
    token = status_token(row.id)
    if (
        not row.phone
        or row.token_hash != rules.token_hash(token)
        or not sees_phone(user(), row.site)
    ):
        return None
    return f"{request.host_url}r/t/{token}"


def _render(prop: Property, desk: Desk, row, error: str | None = None, status: int = 200):
    conn = db.connection()
    state = rules.state_of(conn, desk, row)
    log = _log(state)
    table = tables.wants_csv()
    if table is not None:
        if table != "events":
            raise tables.unknown_table(table, ("events",))
        return tables.csv_response(
            f"{row.site}-{row.number}", tables.EVENT_HEADER, map(tables.event_row, log)
        )
    may = {action: rules.allows(kind, row.status) for action, kind in ACTIONS.items()}
    body = page(
        "ticket.html",
        site=prop,
        ticket=row,
        label=category_label(desk, row.category),
        phone=phone_of(row),
        status_link=_status_link(row),
        clocks=clocks_of(row, desk, naive(now())),
        log=log,
        photos=_photos(row, state.log),
        people=_people(conn, desk, row),
        dispatch_role=_dispatch_to(desk, row),
        pools=_pools(desk),
        role_names=role_names(),
        ratings=RATINGS,
        flag_words=flag_words,
        duration=lambda limit: duration_words(limit, lang()),
        may=may,
        form_ids={action: str(uuid.uuid4()) for action in ACTIONS},
        error=error,
    )
    return body, status


@bp.get("/<site>/desk/<number>")
def ticket_page(site: str, number: str) -> Response | tuple[str, int]:
    prop = desk_site(site)
    desk = the_desk()
    return _render(prop, desk, _ticket(db.connection(), site, number))


def _text(name: str) -> str | None:
    return (request.form.get(name) or "").strip() or None


def event_data(kind: str, conn: Connection, desk: Desk, row) -> dict:
    """The event's data from the form, checked; Refused names what is wrong."""
    if kind == "assigned":
        person, role = _text("to"), _text("role")
        if person:
            if person not in _people(conn, desk, row):
                raise Refused("err_whom")
            raw = {"to": person, "role": _dispatch_to(desk, row)}
        elif role in _pools(desk):
            raw = {"role": role}
        else:
            raise Refused("err_whom")
    elif kind == "note":
        raw = {"text": request.form.get("text", "")}
    elif kind == "called_back":
        reached = request.form.get("reached")
        if reached not in ("yes", "no"):
            raise Refused("err_reached")
        raw = {"reached": reached == "yes"}
        if reached == "yes" and request.form.get("rating") in RATINGS:
            raw["rating"] = request.form["rating"]
        if _text("comment"):
            raw["comment"] = _text("comment")
    else:
        raw = {"reason": _text("reason")} if _text("reason") else {}
    try:
        return rules.event_data(kind, raw)
    except DeskError:
        raise Refused("err_text") from None


@bp.post("/<site>/desk/<number>/<action>")
def act(site: str, number: str, action: str) -> Response | tuple[str, int]:
    prop = desk_site(site)
    desk = the_desk()
    kind = ACTIONS.get(action)
    if kind is None:
        raise ApiError(404, f"No action {action!r}; one of: {', '.join(ACTIONS)}.")
    conn = db.connection()
    row = _ticket(conn, site, number)
    try:
        event_id = str(uuid.UUID(request.form.get("event_id", "")))
    except ValueError:
        raise ApiError(400, "The form has no event id; reload the page.") from None
    me = user()
    try:
        data = event_data(kind, conn, desk, row)
    except Refused as exc:
        return _render(prop, desk, row, t(str(exc)), 400)
    sent = {e.id: e for e in store.events_of(conn, row.id)}.get(event_id)
    if sent is not None:
        if (sent.kind, sent.actor, sent.data) == (kind, me.username, data):
            return redirect(f"/dashboard/{site}/desk/{number}", code=303)
        return _render(prop, desk, row, t("err_form"), 409)
    if not rules.allows(kind, row.status):
        words = t(
            "err_not_now", status=t(f"tstatus_{row.status}"), action=ACTION_WORDS[lang()][kind]
        )
        return _render(prop, desk, row, words, 409)
    moment = naive(now())
    event = rules.NewEvent(event_id, kind, moment, me.username, data, me.id)
    try:
        with db.writing() as write:
            rules.add(write, desk, row.id, [event], moment)
    except IntegrityError:
        pass  # the first copy of a double submit won the race: the event is in the log
    return redirect(f"/dashboard/{site}/desk/{number}", code=303)


@bp.get("/<site>/desk/<number>/photos/<sha256>")
def photo(site: str, number: str, sha256: str) -> Response:
    desk_site(site)
    desk = the_desk()
    conn = db.connection()
    row = _ticket(conn, site, number)
    found = None
    if sha256 in _photos(row, rules.state_of(conn, desk, row).log):
        found = store.photo(conn, sha256)
    if found is None:
        raise ApiError(404, f"No photo {sha256} on ticket {number}.")
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response
