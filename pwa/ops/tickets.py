"""A ticket is an append-only log of events; its state is derived from the log.

Events come from the resident's page, the desk and the assignee's phone, each with its own id
(an idempotent record). They are put in one order — by time, then by the order of the loop, then
by id — and replayed, so any shuffle or repeat of the same events gives the same state, and an
event that arrives late re-derives it. An event the state does not allow (finished before anyone
arrived, a second acceptance) is kept in the log and flagged with its reason, never dropped.

The three clocks run from the ticket's creation: respond (until someone accepts it, or it is
closed), on site (until someone arrives) and close (until it is confirmed or closed; paused
while waiting for the resident if the category says so, running again when it is reopened).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pwa.ops.workdays import Calendar, Interval, Limit, due, elapsed

# the loop, in order: at one instant, events sort this way
KINDS = (
    "created",
    "assigned",
    "accepted",
    "arrived",
    "note",
    "finished",
    "confirmed",
    "reopened",
    "rated",
    "called_back",
    "closed",
    "cancelled",
)
_ORDER = {kind: i for i, kind in enumerate(KINDS)}
STATUSES = ("new", "assigned", "accepted", "on_site", "waiting", "confirmed", "closed", "cancelled")
OPEN = ("new", "assigned", "accepted", "on_site", "waiting")
RATINGS = ("satisfied", "fair", "unsatisfied")
CLOCKS = ("respond", "on_site", "close")

# which statuses each event may come in; anything else is flagged
_ALLOWED = {
    "assigned": {"new", "assigned", "accepted", "on_site"},
    "accepted": {"assigned"},
    "arrived": {"accepted"},
    "finished": {"on_site"},
    "confirmed": {"waiting"},
    "reopened": {"waiting", "confirmed", "closed"},
    "rated": {"waiting", "confirmed", "closed"},
    "called_back": {"waiting", "confirmed", "closed"},
    "closed": {"new", "assigned", "accepted", "on_site", "waiting", "confirmed"},
    "cancelled": {"new", "assigned"},
}


# the reasons `derive` gives for an event it keeps but does not apply (in English, for the CSV),
# read back into their parts for pages and phones to say in their own words
_WHY = (
    (re.compile(r"^(?P<event>\w+) while (?P<status>\w+)$"), "while"),
    (re.compile(r"^(?P<event>\w+) by (?P<actor>\S+), not the assignee$"), "not_assignee"),
    (re.compile(r"^assigned to (?P<person>\S+)$"), "assigned_to"),
    (re.compile(r"^created twice$"), "created_twice"),
    (re.compile(r"^before the ticket was created$"), "before_created"),
)


def explain(why: str) -> dict[str, str]:
    """A flag's reason as {"why": its kind, and its parts}: {"why": "while", "event":
    "arrived", "status": "assigned"}; {"why": "other", "text": ...} for one it does not know."""
    for pattern, key in _WHY:
        found = pattern.match(why)
        if found is not None:
            return {"why": key, **found.groupdict()}
    return {"why": "other", "text": why}


def allows(kind: str, status: str) -> bool:
    """Whether a ticket in `status` takes the event; otherwise its log keeps it, flagged."""
    return kind == "note" or status in _ALLOWED.get(kind, ())


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    at: dt.datetime  # aware
    actor: str  # a username, or "resident"
    data: dict[str, Any] = field(default_factory=dict)

    def key(self) -> tuple:
        return (self.at, _ORDER[self.kind], self.id)


@dataclass(frozen=True)
class Category:
    id: str
    group: str
    dispatch_to: str
    close: str
    respond: str | None = None
    on_site: str | None = None
    pause_while_waiting: bool = False

    @classmethod
    def from_bundle(cls, raw: dict) -> Category:
        return cls(
            id=raw["id"],
            group=raw["group"],
            dispatch_to=raw["dispatch_to"],
            close=raw["close"],
            respond=raw.get("respond"),
            on_site=raw.get("on_site"),
            pause_while_waiting=bool(raw.get("pause_while_waiting", False)),
        )

    def limit(self, clock: str) -> str | None:
        return {"respond": self.respond, "on_site": self.on_site, "close": self.close}[clock]


@dataclass
class Clock:
    limit: str
    intervals: list[Interval]
    # when it reaches its limit running on from its last start; for a stopped clock, when it
    # would have (so `stopped <= due` says it stopped in time). None: the calendar never gives
    # it enough counted time
    due: dt.datetime | None
    stopped: dt.datetime | None  # stopped or paused; None while it runs
    minutes: float | None  # counted minutes at the stop; None while it runs

    @property
    def met(self) -> bool | None:
        """Stopped in time (True), late (False), or still running (None)."""
        if self.stopped is None:
            return None
        return self.due is None or self.stopped <= self.due

    def late(self, now: dt.datetime) -> bool:
        if self.stopped is not None:
            return not self.met
        return self.due is not None and now > self.due


@dataclass
class State:
    status: str = "new"
    created_at: dt.datetime | None = None
    assignee: str | None = None
    pool: str | None = None  # the role whose phones see it while nobody has accepted it
    accepted_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    reopened: int = 0
    rating: str | None = None
    comment: str | None = None
    called_back: bool = False
    callback_at: dt.datetime | None = None
    clocks: dict[str, Clock | None] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)  # event id → why it does not fit
    log: list[Event] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status in OPEN


def order(events: Iterable[Event]) -> list[Event]:
    """The log in its one order, each id once (the first copy seen of a repeated id)."""
    seen: dict[str, Event] = {}
    for event in events:
        seen.setdefault(event.id, event)
    return sorted(seen.values(), key=Event.key)


def derive(events: Iterable[Event], category: Category, cal: Calendar) -> State:
    state = State()
    log = order(events)
    state.log = log
    # the running intervals of each clock: (start, stop) pairs, the last one open
    runs: dict[str, list[list[dt.datetime | None]]] = {c: [] for c in CLOCKS}

    def start(clock: str, at: dt.datetime) -> None:
        if not runs[clock] or runs[clock][-1][1] is not None:
            runs[clock].append([at, None])

    def stop(clock: str, at: dt.datetime) -> None:
        if runs[clock] and runs[clock][-1][1] is None:
            runs[clock][-1][1] = at

    for event in log:
        kind, at = event.kind, event.at
        if kind == "created":
            if state.created_at is not None:
                state.flags[event.id] = "created twice"
                continue
            state.created_at = at
            for clock in CLOCKS:
                start(clock, at)
            continue
        if state.created_at is None:
            state.flags[event.id] = "before the ticket was created"
            continue
        if kind == "note":
            continue
        if state.status not in _ALLOWED[kind]:
            state.flags[event.id] = f"{kind} while {state.status}"
            continue
        _apply(state, event, category, start, stop)

    for clock in CLOCKS:
        state.clocks[clock] = _clock(category.limit(clock), runs[clock], cal)
    if state.arrived_at is None and state.status in ("closed", "cancelled"):
        # closed before anyone went (answered at the desk): no on-site time to judge
        state.clocks["on_site"] = None
    return state


def _apply(state: State, event: Event, category: Category, start, stop) -> None:
    kind, at, data = event.kind, event.at, event.data
    if kind == "assigned":
        state.assignee = data.get("to") or None
        state.pool = data.get("role") or None
        state.status = "assigned"
    elif kind == "accepted":
        if state.assignee not in (None, event.actor):
            state.flags[event.id] = f"assigned to {state.assignee}"
            return
        state.assignee = event.actor
        state.status = "accepted"
        state.accepted_at = state.accepted_at or at
        stop("respond", at)
    elif kind in ("arrived", "finished") and event.actor != state.assignee:
        state.flags[event.id] = f"{kind} by {event.actor}, not the assignee"
    elif kind == "arrived":
        state.status = "on_site"
        state.arrived_at = state.arrived_at or at
        stop("on_site", at)
    elif kind == "finished":
        state.status = "waiting"
        state.finished_at = at
        if category.pause_while_waiting:
            stop("close", at)
    elif kind == "confirmed":
        state.status = "confirmed"
        stop("close", at)
    elif kind == "reopened":
        state.reopened += 1
        state.status = "assigned"
        state.finished_at = state.closed_at = None
        start("close", at)
    elif kind == "rated":
        state.rating = data.get("rating")
        state.comment = data.get("comment")
    elif kind == "called_back":
        if data.get("reached"):
            state.called_back = True
            state.callback_at = state.callback_at or at
            if data.get("rating"):
                state.rating = data["rating"]
    elif kind in ("closed", "cancelled"):
        state.status = kind
        state.closed_at = at
        stop("respond", at)
        stop("close", at)
        stop("on_site", at)


def _clock(limit: str | None, runs: list[list], cal: Calendar) -> Clock | None:
    if limit is None:
        return None
    intervals: list[Interval] = [(lo, hi) for lo, hi in runs]
    parsed = Limit.parse(limit)
    stopped = intervals[-1][1] if intervals else None
    minutes = elapsed(intervals, parsed, cal, stopped) if stopped is not None else None
    running_on = [*intervals[:-1], (intervals[-1][0], None)] if intervals else []
    return Clock(limit, intervals, due(running_on, parsed, cal), stopped, minutes)
