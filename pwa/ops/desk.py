"""The service desk's rules: reporting a ticket, adding events to its log, keeping the derived
state on the ticket's row. The faces (the resident's page, the desk, the phone's sync) call
these; the state itself is derived in `pwa.ops.tickets`, the rows kept by `pwa.store.tickets`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import Connection

from pwa.ops.tickets import OPEN, RATINGS, Category, Event, State, derive
from pwa.ops.workdays import Calendar
from pwa.store import tickets as store

SOURCES = ("phone", "visit", "resident", "staff")
# what each kind of actor may add to a ticket's log
PHONE_KINDS = ("accepted", "arrived", "note", "finished")
DESK_KINDS = ("assigned", "note", "closed", "cancelled", "called_back", "reopened", "confirmed")
RESIDENT_KINDS = ("confirmed", "reopened", "rated", "note")
SHA256 = r"^[0-9a-f]{64}$"
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


class DeskError(ValueError):
    """What is wrong with a report or an event, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _plain(limit: int):
    # no markup: a ticket's words are shown on pages and in exports, always as text
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=limit)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Assigned(_Data):
    to: _plain(64) | None = None
    role: _plain(32) | None = None


class Note(_Data):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Work(_Data):
    text: _plain(2000) | None = None
    parts: _plain(500) | None = None
    photos: list[Annotated[str, StringConstraints(pattern=SHA256)]] = Field([], max_length=6)


class Rated(_Data):
    rating: Literal["satisfied", "fair", "unsatisfied"]
    comment: _plain(500) | None = None


class CalledBack(_Data):
    reached: bool
    rating: Literal["satisfied", "fair", "unsatisfied"] | None = None
    comment: _plain(500) | None = None


class Reason(_Data):
    reason: _plain(500) | None = None


DATA_MODELS: dict[str, type[_Data]] = {
    "assigned": Assigned,
    "accepted": Reason,
    "arrived": Work,
    "note": Note,
    "finished": Work,
    "confirmed": Reason,
    "reopened": Reason,
    "rated": Rated,
    "called_back": CalledBack,
    "closed": Reason,
    "cancelled": Reason,
}


def event_data(kind: str, data: Any) -> dict:
    """The event's data as stored, or DeskError naming what is wrong."""
    model = DATA_MODELS.get(kind)
    if model is None:
        raise DeskError("kind", f"unknown event {kind!r}")
    try:
        return model.model_validate(data if data is not None else {}).model_dump(
            exclude_none=True, exclude_defaults=True
        )
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in ("data", *err["loc"]))
        raise DeskError(where, err["msg"]) from None


@dataclass(frozen=True)
class Desk:
    """The desk document and the site's calendar, as the bundle gives them."""

    def_id: str
    version: str
    categories: dict[str, Category]
    raw_categories: dict[str, dict]
    calendars: dict[str, Calendar]
    codes: dict[str, str]
    callback_share: float = 50
    satisfaction_target: float = 90
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_bundle(cls, raw: dict) -> Desk | None:
        """The desk of a bundle, or None when its handbook has no desk document."""
        entry = next((e for e in raw["documents"].values() if e["doc"].get("kind") == "desk"), None)
        if entry is None:
            return None
        doc, site = entry["doc"], raw.get("site") or {}
        zone = site.get("timezone") or "Asia/Shanghai"
        calendar = Calendar.from_site(zone, site.get("calendar"))
        properties = site.get("properties", [])
        return cls(
            def_id=doc["id"],
            version=str(doc["version"]),
            categories={c["id"]: Category.from_bundle(c) for c in doc["categories"]},
            raw_categories={c["id"]: c for c in doc["categories"]},
            calendars={p["id"]: calendar for p in properties},
            codes={p["id"]: p.get("code") or p["id"][:2].upper() for p in properties},
            callback_share=float((doc.get("callback") or {}).get("share", 50)),
            satisfaction_target=float(doc.get("satisfaction_target", 90)),
            roles=frozenset(r["id"] for r in site.get("roles", [])),
        )

    def calendar(self, site: str) -> Calendar:
        return self.calendars[site]


@dataclass(frozen=True)
class Report:
    site: str
    category: str
    room: str
    name: str
    phone: str
    description: str
    source: str
    photos: tuple[str, ...] = ()
    exception_id: str | None = None


def check_report(desk: Desk, report: Report, *, resident: bool) -> None:
    if report.site not in desk.calendars:
        raise DeskError("site", f"no site {report.site!r}")
    category = desk.raw_categories.get(report.category)
    if category is None or (resident and not category.get("resident", True)):
        raise DeskError("category", "choose one of the listed kinds")
    if report.source not in SOURCES:
        raise DeskError("source", f"one of {', '.join(SOURCES)}")
    for name, text, most in (("room", report.room, 64), ("name", report.name, 64)):
        if not text.strip() or len(text) > most:
            raise DeskError(name, f"1 to {most} characters")
    if not PHONE_RE.match(report.phone):
        raise DeskError("phone", "a phone number: digits, 5 to 20")
    if not report.description.strip() or len(report.description) > 2000:
        raise DeskError("description", "1 to 2,000 characters")
    if len(report.photos) > 3 or not all(re.match(SHA256, p) for p in report.photos):
        raise DeskError("photos", "at most 3 photos")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def report(
    conn: Connection,
    desk: Desk,
    rep: Report,
    *,
    actor: str,
    user_id: int | None,
    now: dt.datetime,
    reported_from: str | None = None,
    ticket_id: str | None = None,
    token: str | None = None,
) -> tuple[str, str, str]:
    """Register a ticket: (its id, its number, the resident's status token).

    The caller may choose the id (a form's own id, so a resend finds its ticket) and the token.
    """
    check_report(desk, rep, resident=rep.source == "resident")
    cal = desk.calendar(rep.site)
    aware = now.replace(tzinfo=dt.UTC)
    day = aware.astimezone(cal.zone).strftime("%Y%m%d")
    number = f"{desk.codes[rep.site]}-{day}-{store.next_number(conn, rep.site, day):03d}"
    ticket_id = ticket_id or str(uuid.uuid4())
    token = token or secrets.token_hex(16)
    category = desk.categories[rep.category]
    store.insert_ticket(
        conn,
        {
            "id": ticket_id,
            "number": number,
            "site": rep.site,
            "category": rep.category,
            "grp": category.group,
            "source": rep.source,
            "room": rep.room.strip(),
            "name": rep.name.strip(),
            "phone": rep.phone.replace(" ", "").replace("-", ""),
            "description": rep.description.strip(),
            "photos": list(rep.photos),
            "token_hash": token_hash(token),
            "reported_from": reported_from,
            "exception_id": rep.exception_id,
            "def_version": desk.version,
            "created_at": now,
            "updated_at": now,
            "status": "new",
            "reopened": 0,
            "called_back": False,
            "flagged": 0,
        },
    )
    add(
        conn,
        desk,
        ticket_id,
        [NewEvent(str(uuid.uuid4()), "created", now, actor, {}, user_id)],
        now,
    )
    return ticket_id, number, token


@dataclass(frozen=True)
class NewEvent:
    id: str
    kind: str
    at: dt.datetime  # naive UTC
    actor: str
    data: dict
    user_id: int | None = None


def add(
    conn: Connection, desk: Desk, ticket_id: str, events: list[NewEvent], now: dt.datetime
) -> dict[str, str]:
    """Append events to a ticket's log and derive its state again; each id's result."""
    row = store.ticket(conn, ticket_id)
    if row is None:
        raise DeskError("ticket", "no such ticket")
    rows = []
    for event in events:
        # a phone's clock may be off: an event happens after its ticket and before it arrived
        at = min(max(event.at, row.created_at), now)
        rows.append(
            {
                "id": event.id,
                "ticket_id": ticket_id,
                "kind": event.kind,
                "at": at,
                "received_at": now,
                "actor": event.actor,
                "user_id": event.user_id,
                "data": event.data,
                "content_hash": store.event_hash(event.kind, event.at, event.actor, event.data),
            }
        )
    results = store.insert_events(conn, rows)
    if "created" in results.values():
        rederive(conn, desk, ticket_id, now)
    return results


def state_of(conn: Connection, desk: Desk, ticket_row) -> State:
    events = [
        Event(e.id, e.kind, e.at.replace(tzinfo=dt.UTC), e.actor, e.data)
        for e in store.events_of(conn, ticket_row.id)
    ]
    category = desk.categories.get(ticket_row.category) or Category(
        ticket_row.category, ticket_row.grp, "", close="1d"
    )
    return derive(events, category, desk.calendar(ticket_row.site))


def _naive(instant: dt.datetime | None) -> dt.datetime | None:
    return None if instant is None else instant.astimezone(dt.UTC).replace(tzinfo=None)


def rederive(conn: Connection, desk: Desk, ticket_id: str, now: dt.datetime) -> State:
    row = store.ticket(conn, ticket_id)
    state = state_of(conn, desk, row)
    values: dict[str, Any] = {
        "status": state.status,
        "assignee": state.assignee,
        "pool": state.pool,
        "closed_at": _naive(state.closed_at),
        "reopened": state.reopened,
        "rating": state.rating,
        "called_back": state.called_back,
        "flagged": len(state.flags),
        "updated_at": now,
    }
    for name, clock in state.clocks.items():
        values[f"{name}_due"] = _naive(clock.due) if clock else None
        values[f"{name}_stop"] = _naive(clock.stopped) if clock else None
        values[f"{name}_minutes"] = clock.minutes if clock else None
    store.save_state(conn, ticket_id, values)
    store.set_flags(conn, ticket_id, state.flags)
    return state


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise, not to call."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


__all__ = ["OPEN", "RATINGS", "Desk", "DeskError", "NewEvent", "Report", "add", "report"]
