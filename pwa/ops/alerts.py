"""What a site's alerts are about, found afresh at each look: confirmed misses, slots not yet
synced for 2 hours, tickets and exceptions past a deadline, readings out of range, and the
digest at the end of each shift.

Each `Alert` is named by what it is about (`about`: kind, site, subject, period), so looking
again finds the same names and the outbox queues each once. Only `compliance`'s *missed* is
alerted as missed: a slot some phone has not synced past is "not yet synced", a milder alert,
and only once its deadline is 2 hours gone; a site with no phone seen gets neither. What is
older than the look-back is left alone, so turning alerts on does not page a week of history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from pwa.ops import alert_words as words
from pwa.ops import compliance, exceptions_flow, payloads, schedules
from pwa.ops.compliance import Device, Outcome, Rec
from pwa.ops.schedules import utc_naive
from pwa.ops.tickets import OPEN
from pwa.store import alerts as outbox
from pwa.store import records, tickets


@dataclass(frozen=True)
class Alert:
    kind: str
    site: str
    subject: str
    period: str
    title: str
    lines: tuple[str, ...]
    shift: str | None = None  # a digest's shift: routes may want only some

    @property
    def about(self) -> str:
        return f"{self.kind}|{self.site}|{self.subject}|{self.period}"[:255]


@dataclass(frozen=True)
class Rules:
    lookback: dt.timedelta = dt.timedelta(hours=48)
    not_synced_after: dt.timedelta = dt.timedelta(hours=2)
    close_hours: float = 24  # an exception without a procedure's standard: closed within
    digest_window: dt.timedelta = dt.timedelta(hours=6)  # a shift that ended longer ago: none
    exceptions_back: dt.timedelta = dt.timedelta(days=30)


def make(kind: str, site: str, subject: str, period: str, said: tuple, shift=None) -> Alert:
    title, lines = said
    return Alert(kind, site, subject, period, title, tuple(lines), shift)


def _rec(row) -> Rec:
    data = payloads.stored(row.type, row.data)
    return Rec(
        row.id, row.type, row.def_id, row.device_id, row.username, row.recorded_at,
        row.received_at, data,
    )  # fmt: skip


def zone(raw: dict) -> ZoneInfo:
    return ZoneInfo((raw.get("site") or {}).get("timezone") or "Asia/Shanghai")


def alerted_sites(raw: dict) -> list[dict]:
    """The properties of the handbook that have at least one alert route."""
    return [p for p in (raw.get("site") or {}).get("properties", []) if p.get("alerts")]


def wanted(prop: dict) -> set[str]:
    return {kind for route in prop["alerts"] for kind in route["kinds"]}


def due_alerts(conn: Connection, raw: dict, now: dt.datetime, rules: Rules) -> list[Alert]:
    """Every alert of every site with routes, as of `now` (aware), of the kinds they want."""
    found: list[Alert] = []
    tz = zone(raw)
    for prop in alerted_sites(raw):
        kinds = wanted(prop)
        mine: list[Alert] = []
        if kinds & {"missed", "not_synced"}:
            outcomes, devices = site_outcomes(conn, raw, prop["id"], now, tz, rules)
            mine += slot_alerts(prop, outcomes, devices, now, tz, rules)
        # the digest counts what is late as its shift ends
        late_tickets = (
            ticket_alerts(conn, raw, prop, now, tz) if kinds & {"ticket_late", "digest"} else []
        )
        late = (
            exception_alerts(conn, raw, prop, now, tz, rules)
            if kinds & {"exception_late", "digest"}
            else []
        )
        mine += late_tickets + late
        if "out_of_range" in kinds:
            mine += reading_alerts(conn, raw, prop, now, tz, rules)
        if "digest" in kinds:
            still = (_things(late_tickets), _things(late))
            mine += digests(conn, raw, prop, now, tz, rules, still)
        found += [a for a in mine if a.kind in kinds]
    return found


def _things(found: list[Alert]) -> int:
    """How many tickets or exceptions these alerts are about (one per late clock)."""
    return len({a.subject.split(":")[0] for a in found})


# --- rounds and checklists ----------------------------------------------------------------------


def site_devices(conn: Connection, site: str, now: dt.datetime) -> list[Device]:
    since = utc_naive(now) - compliance.DEVICE_WINDOW
    return compliance.relevant_devices(records.last_sync(conn, site, since))


def outcomes_of_day(
    conn: Connection, raw: dict, site: str, day: dt.date, now, tz, devices
) -> Iterator[Outcome]:
    """Each expectation of the day judged by its count of runs (what slots are missed needs
    no run's content)."""
    for exp in schedules.expectations(raw, site, day, tz):
        kind = "patrol_round" if exp.kind == "patrol" else "checklist_run"
        done = records.count_runs(
            conn, site, exp.def_id, kind, utc_naive(exp.start), utc_naive(exp.end)
        )
        doc = raw["documents"][exp.def_id]["doc"]
        yield compliance.evaluate(exp, doc, [], devices, now, tz, done)


def site_outcomes(conn, raw, site, now, tz, rules) -> tuple[list[Outcome], list[Device]]:
    """The periods of the days the look-back reaches, each once (a week is in seven days)."""
    devices = site_devices(conn, site, now)
    seen: dict[tuple, Outcome] = {}
    day = (now - rules.lookback).astimezone(tz).date()
    while day <= now.astimezone(tz).date():
        for outcome in outcomes_of_day(conn, raw, site, day, now, tz, devices):
            exp = outcome.exp
            seen.setdefault((exp.def_id, exp.start, exp.shift, exp.every), outcome)
        day += dt.timedelta(days=1)
    return list(seen.values()), devices


def _run_words(outcome: Outcome, index: int, tz: ZoneInfo) -> str:
    exp = outcome.exp
    slot = exp.slots[index]
    which = f"第 {index + 1} 次" if len(exp.slots) > 1 else "本期"
    return f"{words.at(slot.due, tz)} 起的{which}"


def slot_alerts(prop, outcomes, devices, now, tz, rules) -> list[Alert]:
    """Missed slots (every device synced past the deadline), and slots still not synced 2
    hours after it; slots due since the look-back began."""
    if not devices:
        # no phone of the site's people has been seen: nothing has synced past anything, so
        # nothing is confirmed (the dashboard's "missed" is vacuous here; a new site is quiet)
        return []
    found = []
    site, name = prop["id"], prop["name"]
    oldest = now - rules.lookback
    for o in outcomes:
        exp = o.exp
        workers = [d for d in devices if d.roles & exp.roles] or devices
        subject = exp.def_id + (f"@{exp.shift}" if exp.shift else "")
        # the due slots are the first `due`; of those not done, the missed come first (every
        # device synced past an earlier deadline has synced past a later one too)
        for index in range(o.done, o.done + o.missed):
            slot = exp.slots[index]
            if slot.deadline < oldest:
                continue
            said = words.missed(name, exp.title, _run_words(o, index, tz), slot.deadline, tz)
            found.append(make("missed", site, subject, _iso(slot.deadline), said))
        for index in range(o.done + o.missed, o.done + o.missed + o.pending):
            slot = exp.slots[index]
            if slot.deadline < oldest or now - slot.deadline < rules.not_synced_after:
                continue
            behind = [
                (d.device_id, d.last_sync)
                for d in workers
                if d.last_sync < utc_naive(slot.deadline)
            ]
            said = words.not_synced(
                name, exp.title, _run_words(o, index, tz), slot.deadline, behind, tz
            )
            found.append(make("not_synced", site, subject, _iso(slot.deadline), said))
    return found


def _iso(moment: dt.datetime) -> str:
    return utc_naive(moment).isoformat(timespec="minutes")


# --- tickets and exceptions ---------------------------------------------------------------------


def _category_names(raw: dict) -> dict[str, str]:
    desk = next((e for e in raw["documents"].values() if e["kind"] == "desk"), None)
    return {c["id"]: c["name"] for c in desk["doc"]["categories"]} if desk else {}


def ticket_alerts(conn: Connection, raw: dict, prop: dict, now, tz) -> list[Alert]:
    """Each running clock of an open ticket past its deadline, once per deadline (a reopened
    ticket's new close deadline is alerted again)."""
    naive = utc_naive(now)
    names = _category_names(raw)
    found = []
    for row in tickets.late(conn, prop["id"], OPEN, naive):
        for clock in ("respond", "on_site", "close"):
            due, stop = getattr(row, f"{clock}_due"), getattr(row, f"{clock}_stop")
            if due is None or stop is not None or due > naive:
                continue
            said = words.ticket_late(
                prop["name"], row.number, names.get(row.category, row.category), row.room,
                clock, due, row.status, row.assignee, naive, tz,
            )  # fmt: skip
            subject = f"{row.number}:{clock}"
            found.append(
                make("ticket_late", prop["id"], subject, due.isoformat("T", "minutes"), said)
            )
    return found


def exception_alerts(conn: Connection, raw: dict, prop: dict, now, tz, rules) -> list[Alert]:
    """Each deadline of an exception or incident that passed unmet within the look-back."""
    naive = utc_naive(now)
    recs = [_rec(r) for r in records.exceptions(conn, prop["id"], naive - rules.exceptions_back)]
    events = exceptions_flow.history(conn, [r.id for r in recs])
    found = []
    for rec in recs:
        state = exceptions_flow.state_of(events[rec.id])
        if state.status in ("resolved", "verified"):
            continue
        entry = raw["documents"].get(rec.def_id)
        title = entry["title"] if entry else rec.def_id
        for deadline in exceptions_flow.deadlines(
            raw, rec.def_id, rec.data, rec.recorded_at, state, rules.close_hours
        ):
            if deadline.met_at is not None or not deadline.overdue(naive):
                continue
            if deadline.due < naive - rules.lookback:
                continue
            said = words.exception_late(
                prop["name"], title, rec.type, rec.username, rec.recorded_at, deadline.kind,
                deadline.due, state.status, naive, tz,
            )  # fmt: skip
            period = deadline.due.isoformat("T", "minutes")
            found.append(
                make("exception_late", prop["id"], f"{rec.id}:{deadline.kind}", period, said)
            )
    return found


# --- readings -----------------------------------------------------------------------------------


def reading_alerts(conn: Connection, raw: dict, prop: dict, now, tz, rules) -> list[Alert]:
    """Each number outside its item's limits in a checklist run received in the look-back,
    judged by the definition the run names, as the dashboard judges it."""
    found = []
    since = utc_naive(now) - rules.lookback
    for row in records.received_since(conn, prop["id"], "checklist_run", since):
        entry = raw["documents"].get(row.def_id)
        if entry is None or entry["kind"] != "checklist":
            continue
        rec = _rec(row)
        _, readings = compliance.judge_run(entry["doc"], rec)
        for reading in readings:
            said = words.out_of_range(
                prop["name"], entry["title"], reading, rec.username, rec.recorded_at, tz
            )
            found.append(make("out_of_range", prop["id"], rec.id, reading["item"], said))
    return found


# --- the digest at the end of a shift -----------------------------------------------------------


def ended_shifts(raw: dict, now: dt.datetime, tz: ZoneInfo, window: dt.timedelta):
    """(shift, start, end) of each shift instance that ended in the last `window`."""
    today = now.astimezone(tz).date()
    for shift in (raw.get("site") or {}).get("shifts", []):
        for back in (2, 1, 0):
            start, end = schedules.shift_instance(shift, today - dt.timedelta(days=back), tz)
            if now - window < end <= now:
                yield shift, start, end


def digests(conn, raw, prop, now, tz, rules, still: tuple[int, int]) -> list[Alert]:
    """One summary per shift instance that just ended: its shift work done and due, what was
    alerted during it, and what is still late as it ends."""
    found = []
    site = prop["id"]
    for shift, start, end in ended_shifts(raw, now, tz, rules.digest_window):
        devices = site_devices(conn, site, now)
        work = [
            o
            for o in outcomes_of_day(conn, raw, site, start.date(), now, tz, devices)
            if o.exp.shift == shift["id"] and o.exp.start == start
        ]
        totals = compliance.totals(work)
        alerted = outbox.kinds_between(conn, site, utc_naive(start), utc_naive(end))
        figures = {
            "rounds_done": totals.rounds_done,
            "rounds_required": totals.rounds_required,
            "runs_done": totals.runs_done,
            "runs_due": totals.runs_due,
            "missed": totals.missed,
            "pending": totals.pending,
            "out_of_range": alerted.get("out_of_range", 0),
            "ticket_late": alerted.get("ticket_late", 0),
            "exception_late": alerted.get("exception_late", 0),
            "late_tickets": still[0],
            "late_exceptions": still[1],
        }
        said = words.digest(prop["name"], shift["name"], start, end, figures, tz)
        found.append(make("digest", site, shift["id"], _iso(start), said, shift=shift["id"]))
    return found
