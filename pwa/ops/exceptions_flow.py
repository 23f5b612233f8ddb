"""Exceptions and incidents closed in a loop: open → assigned → resolved → verified, with notes,
and the deadlines the handbook's own standards set (repairs: 15 minutes on site, 24 hours closed).

Records stay append-only; the workflow lives in `exception_events`, one row per change, so the
history of who assigned, resolved and verified what is kept whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from generator.schedule import duration_minutes, duration_parts
from pwa.ops.documents import part_id
from pwa.store import exception_log, records

STATUSES = ("open", "assigned", "resolved", "verified")
NEXT = {
    "open": ("assigned", "resolved"),
    "assigned": ("assigned", "resolved"),
    "resolved": ("verified", "assigned"),  # assigning again reopens work that did not hold
    "verified": (),
}
TYPES = records.EXCEPTION_TYPES
MAX_NOTE = 2000


class FlowError(ValueError):
    """A change the workflow does not allow, in words for the person who tried it."""


@dataclass
class Event:
    at: dt.datetime
    username: str
    status: str | None
    assignee: str | None
    note: str | None


@dataclass
class State:
    status: str = "open"
    assignee: str | None = None
    assigned_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    verified_at: dt.datetime | None = None


def state_of(events: list[Event]) -> State:
    state = State()
    for event in events:
        if event.status is None:
            continue
        state.status = event.status
        if event.status == "assigned":
            state.assignee = event.assignee
            state.assigned_at = state.assigned_at or event.at
            state.resolved_at = None
        elif event.status == "resolved":
            state.resolved_at = event.at
        elif event.status == "verified":
            state.verified_at = event.at
    return state


def history(conn: Connection, record_ids: list[str]) -> dict[str, list[Event]]:
    found: dict[str, list[Event]] = {i: [] for i in record_ids}
    for row in exception_log.exception_events_of(conn, record_ids):
        found[row.record_id].append(Event(row.at, row.username, row.status, row.assignee, row.note))
    return found


def change(
    conn: Connection,
    record_id: str,
    user_id: int,
    current: str,
    status: str | None,
    assignee: str | None,
    note: str | None,
    known_people: set[str],
) -> None:
    """Append one workflow event after checking it against the current status."""
    note = (note or "").strip() or None
    assignee = (assignee or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise FlowError(f"A note has at most {MAX_NOTE} characters.")
    if status is None:
        if not note:
            raise FlowError("Write a note or choose a new status.")
    elif status not in STATUSES:
        raise FlowError(f"Unknown status {status!r}.")
    elif status not in NEXT[current]:
        allowed = ", ".join(NEXT[current]) or "nothing"
        raise FlowError(f"From {current} the next status is one of: {allowed}.")
    if status == "assigned":
        if not assignee:
            raise FlowError("Name the person to assign it to.")
        if assignee not in known_people:
            raise FlowError(f"No user named {assignee!r} works at this site.")
    elif assignee:
        raise FlowError("A person is named only when assigning.")
    exception_log.add_exception_event(conn, record_id, user_id, status, assignee, note)


# --- deadlines from the handbook ----------------------------------------------------------------


@dataclass
class Deadline:
    kind: str  # "respond": someone takes it on; "close": resolved
    name: str
    source: str  # the procedure whose standard sets it
    due: dt.datetime  # naive UTC
    met_at: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        return (self.met_at or now) > self.due


def add_working_days(start: dt.datetime, days: float) -> dt.datetime:
    """Skip Saturdays and Sundays (public holidays are the calendar's business)."""
    whole = int(days)
    moment = start
    while whole > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            whole -= 1
    return moment + dt.timedelta(days=days - int(days))


def due_after(opened: dt.datetime, within: str) -> dt.datetime:
    """The end of a deadline's length from `opened`: working days skip the weekend."""
    amount, unit = duration_parts(within)
    if unit == "wd":
        return add_working_days(opened, amount)
    return opened + dt.timedelta(minutes=duration_minutes(within))


def procedure_for(bundle: dict, rec_def: str, data: dict) -> str | None:
    """The procedure whose standards govern an exception: named, or reached through its item."""
    documents = bundle["documents"]
    entry = documents.get(rec_def)
    if entry is None:
        return None
    if entry["kind"] == "procedure":
        return rec_def
    doc = entry["doc"]
    item_id = data.get("item")
    parts = doc.get("items") or doc.get("checkpoints") or []
    for part in parts:
        if part_id(part) == item_id and part.get("sop"):
            return part["sop"].split("#")[0]
    if entry["kind"] == "emergency":
        # an incident is judged by its own plan, not by the procedures the plan mentions
        return None
    for related in doc.get("related") or []:
        target = documents.get(related.split("#")[0])
        if target and target["kind"] == "procedure" and target["doc"].get("standards"):
            return related.split("#")[0]
    return None


def deadlines(
    bundle: dict,
    rec_def: str,
    data: dict,
    opened: dt.datetime,
    state: State,
    fallback_close: float,
) -> list[Deadline]:
    """Respond and close deadlines (naive UTC) for one exception or incident."""
    source = procedure_for(bundle, rec_def, data)
    found: dict[str, Deadline] = {}
    met = {"respond": state.assigned_at or state.resolved_at, "close": state.resolved_at}
    if source:
        for standard in bundle["documents"][source]["doc"].get("standards") or []:
            if not standard.get("deadline") or not standard.get("within"):
                continue
            # someone answering or arriving both start the work: either is the respond clock
            kind = "close" if standard["deadline"] == "close" else "respond"
            if kind in found:
                continue  # the first of each kind is the general rule, later ones special cases
            due = due_after(opened, standard["within"])
            found[kind] = Deadline(kind, standard["name"], source, due, met[kind])
    if "close" not in found:
        found["close"] = Deadline(
            "close", "", "", opened + dt.timedelta(hours=fallback_close), met["close"]
        )
    return [found[k] for k in ("respond", "close") if k in found]
