"""The CSV twin of every dashboard table (`?format=csv&table=…`): headers, rows, the response.

A cell that a spreadsheet would read as a formula is kept text; the byte-order mark makes
spreadsheet programs read the Chinese as UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from flask import Response, request

from pwa.dashboard.context import local
from pwa.errors import ApiError
from pwa.ops import compliance
from pwa.ops.compliance import Outcome
from pwa.ops.export import csv_cell as _cell


def csv_response(name: str, header: list[str], rows: Iterable[Iterable[object]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    # the byte-order mark makes spreadsheet programs read the Chinese as UTF-8
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def wants_csv() -> str | None:
    if request.args.get("format") != "csv":
        return None
    return request.args.get("table", "")


def unknown_table(table: str, known: Iterable[str]) -> ApiError:
    return ApiError(404, f"No table {table!r} here; one of: {', '.join(known)}.")


# --- a day, a range -----------------------------------------------------------------------------

PATROL_HEADER = [
    "def_id", "title", "shift", "frequency", "required", "done", "due", "missed",
    "not_yet_synced", "short_of_people", "people_required", "missed_checkpoints",
    "late_checkpoints", "late_rounds", "late_arrivals",
]  # fmt: skip
CHECKLIST_HEADER = [
    "def_id", "title", "shift", "areas", "frequency", "period_start", "period_end", "required",
    "done", "due", "missed", "not_yet_synced", "failed_items", "out_of_range", "late_arrivals",
]  # fmt: skip
PROBLEM_HEADER = [
    "recorded_at", "def_id", "item", "kind", "value", "unit", "min", "max", "user", "device",
]  # fmt: skip
DEVICE_HEADER = ["device", "roles", "last_sync"]
RANGE_HEADER = [
    "date", "rounds_done", "rounds_required", "runs_done", "runs_due", "missed",
    "not_yet_synced", "short_of_people", "missed_checkpoints", "late_checkpoints",
    "failed_items", "out_of_range", "late_arrivals", "percent",
]  # fmt: skip


def patrol_row(o: Outcome) -> list[object]:
    e = o.exp
    return [
        e.def_id, e.title, e.shift, e.words, len(e.slots), o.done, o.due, o.missed, o.pending,
        o.short_people, e.people, o.missed_checkpoints, o.late_checkpoints, o.late_rounds,
        o.late_arrivals,
    ]  # fmt: skip


def checklist_row(o: Outcome) -> list[object]:
    e = o.exp
    return [
        e.def_id, e.title, e.shift, " ".join(e.areas), e.words, e.start.date().isoformat(),
        e.last_day.isoformat(), len(e.slots), o.done, o.due,
        o.missed, o.pending, len(o.failed), len(o.out_of_range), o.late_arrivals,
    ]  # fmt: skip


def problem_row(p: dict) -> list[object]:
    rec = p["record"]
    return [
        local(rec.recorded_at), p["def_id"], p["item"], p["kind"], p.get("value"),
        p.get("unit"), p.get("min"), p.get("max"), rec.username, rec.device_id,
    ]  # fmt: skip


def device_row(d: compliance.Device) -> list[object]:
    return [d.device_id, " ".join(sorted(d.roles)), local(d.last_sync)]


def range_row(day: dt.date, x: compliance.Totals) -> list[object]:
    return [
        day.isoformat(), x.rounds_done, x.rounds_required, x.runs_done, x.runs_due, x.missed,
        x.pending, x.short_people, x.missed_checkpoints, x.late_checkpoints, x.failed,
        x.out_of_range, x.late_arrivals, x.percent,
    ]  # fmt: skip


# --- exceptions, people, trends -----------------------------------------------------------------

EXCEPTION_HEADER = [
    "id", "type", "recorded_at", "def_id", "item", "category", "severity", "user", "status",
    "assignee", "respond_by", "close_by", "overdue", "note", "photos",
]  # fmt: skip


def exception_row(item: dict) -> list[object]:
    rec, state = item["record"], item["state"]
    by = {d.kind: local(d.due) for d in item["deadlines"]}
    return [
        rec.id, rec.type, local(rec.recorded_at), rec.def_id, item["item"], item["category"],
        item["severity"], rec.username, state.status, state.assignee, by.get("respond"),
        by.get("close"), " ".join(d.kind for d in item["overdue"]), item["note"],
        len(item["photos"]),
    ]  # fmt: skip


ACK_HEADER = ["user", "doc", "kind", "current_version", "state", "acked_version"]
COURSE_HEADER = [
    "user", "course", "attempts", "best_score", "pass_mark", "passed", "complete", "due",
    "overdue",
]  # fmt: skip


def course_row(c: dict) -> list[object]:
    return [
        c["user"], c["course"], c["attempts"], c["best"], c["pass_mark"], c["passed"],
        c["complete"], local(c["due"], "%Y-%m-%d") if c["due"] else "", c["overdue"],
    ]  # fmt: skip


WEEK_HEADER = ["week_of", "done", "due", "percent"]


def week_row(r: dict) -> list[object]:
    return [r["week"].isoformat(), r["done"], r["due"], r["percent"]]


# --- drills and handovers -----------------------------------------------------------------------

DRILL_PLAN_HEADER = [
    "def_id", "title", "frequency", "period_start", "period_end", "required", "done",
    "previous_done", "state", "last_drill",
]  # fmt: skip
DRILL_HEADER = [
    "id", "recorded_at", "def_id", "started_at", "ended_at", "minutes", "scenario",
    "participants", "went_well", "to_improve", "follow_ups", "user", "device",
]  # fmt: skip
HANDOVER_HEADER = [
    "id", "recorded_at", "def_id", "shift", "user", "open_items", "carried", "closed", "state",
    "acknowledged_by", "acknowledged_at", "minutes", "disputed", "note",
]  # fmt: skip


def drill_plan_row(p) -> list[object]:
    return [
        p.def_id, p.title, p.words, p.start.date().isoformat() if p.start else "",
        p.last_day.isoformat() if p.last_day else "", p.times, p.done, p.previous_done, p.state,
        local(p.last) if p.last else "",
    ]  # fmt: skip


def drill_row(d: dict) -> list[object]:
    rec, data = d["record"], d["record"].data
    return [
        rec.id, local(rec.recorded_at), rec.def_id, d["started"], d["ended"], d["minutes"],
        data.get("scenario"), "; ".join(data.get("participants") or []), data.get("went_well"),
        data.get("to_improve"), "; ".join(data.get("follow_ups") or []), rec.username,
        rec.device_id,
    ]  # fmt: skip


def handover_row(h) -> list[object]:
    rec, ack = h.record, h.ack
    return [
        rec.id, local(rec.recorded_at), rec.def_id, rec.data.get("shift"), rec.username,
        len(h.items), sum(1 for i in h.items if i.get("carried")),
        len(rec.data.get("closed") or []), h.state, ack.username if ack else "",
        local(ack.recorded_at) if ack else "", h.minutes, " ".join(h.disputed),
        rec.data.get("note"),
    ]  # fmt: skip


# --- admin --------------------------------------------------------------------------------------

USER_HEADER = ["username", "roles", "sites", "disabled"]
TOKEN_HEADER = ["id", "user", "device", "created_at", "expires_at", "last_used_at", "revoked_at"]
SITE_HEADER = ["id", "name", "areas", "people", "devices", "last_received"]
VERSION_HEADER = [
    "id", "published_at", "published_by", "bundle_hash", "changes", "major", "added",
    "removed", "changed", "rollback_of", "files", "size", "stored", "note",
]  # fmt: skip
ALERT_HEADER = [
    "id", "created_at", "site", "kind", "channel", "target", "title", "status", "attempts",
    "last_error", "sent_at",
]  # fmt: skip


def user_row(u: object) -> list[object]:
    return [u.username, " ".join(sorted(u.roles)), " ".join(sorted(u.sites)), u.disabled]


def token_row(r: dict) -> list[object]:
    return [r["id"], r["username"], r["device_id"]] + [
        local(r[k]) if r[k] else "" for k in TOKEN_HEADER[3:]
    ]


def version_row(v: object) -> list[object]:
    c = v.changes
    return [
        v.id, local(v.published_at), v.published_by, v.bundle_hash, c["count"], c["major"],
        len(c["added"]), len(c["removed"]), len(c["changed"]), v.rollback_of or "", v.files,
        v.size, v.stored, v.note,
    ]  # fmt: skip


def site_row(r: dict) -> list[object]:
    return [
        r["id"], r["name"], r["areas"], r["people"], r["devices"],
        local(r["last"]) if r["last"] else "",
    ]  # fmt: skip


# --- the service desk ---------------------------------------------------------------------------

TICKET_HEADER = [
    "number", "created_at", "category", "group", "source", "room", "name", "phone", "status",
    "assignee", "pool", "respond_due", "respond", "on_site_due", "on_site", "close_due", "close",
    "late", "flagged",
]  # fmt: skip


def ticket_row(item: dict) -> list[object]:
    """An open ticket; the phone as the viewer may see it (item["phone"])."""
    row = item["row"]
    clocks = [value for c in item["clocks"] for value in (local(c.due) if c.due else "", c.state)]
    return [
        row.number, local(row.created_at), row.category, row.grp, row.source, row.room, row.name,
        item["phone"], row.status, row.assignee, row.pool, *clocks, item["late"], row.flagged,
    ]  # fmt: skip


EVENT_HEADER = ["at", "kind", "actor", "data", "applied", "reason"]


def event_row(event: dict) -> list[object]:
    data = " ".join(f"{k}={v}" for k, v in sorted(event["data"].items()))
    return [
        local(event["at"]),
        event["kind"],
        event["actor"],
        data,
        not event["flag"],
        event["flag"],
    ]


MONTH_TABLES = ("by_category", "by_source", "clocks", "rates")


def month_table(table: str, figures, label) -> tuple[list[str], list[list[object]]] | None:
    """One table of the desk's month figures (header, rows), or None for an unknown name."""
    if table == "by_category":
        return ["category", "name", "tickets"], [[c, label(c), n] for c, n in figures.by_category]
    if table == "by_source":
        return ["source", "tickets"], [[s, n] for s, n in figures.by_source]
    if table == "clocks":
        header = ["clock", "judged", "within", "late", "running_late", "percent",
                  "median_minutes", "p90_minutes"]  # fmt: skip
        rows = [
            [c.clock, c.judged, c.within, c.late, c.running_late, c.percent, c.median, c.p90]
            for c in figures.clocks
        ]
        return header, rows
    if table == "rates":
        rates = (("reopen", figures.reopen), ("callback", figures.callback),
                 ("satisfaction", figures.satisfaction))  # fmt: skip
        return ["rate", "part", "whole", "percent", "target", "met"], [
            [name, r.part, r.whole, r.percent, r.target, r.met] for name, r in rates
        ]
    return None


def alert_row(r: object) -> list[object]:
    return [
        r.id, local(r.created_at), r.site, r.kind, r.channel, r.target, r.title, r.status,
        r.attempts, r.last_error or "", local(r.sent_at) if r.sent_at else "",
    ]  # fmt: skip
