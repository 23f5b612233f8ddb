"""Dashboard: a site's drills (演练), each plan's done, due or overdue against its schedule, the
drills of the last year with their reviews, and a form to record one held away from a phone.

A drill recorded here goes through the sync API's own checks and store (`pwa.api.sync`), as a
`drill` record from the device "dashboard": the same contract as one made on a phone, never
an incident.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from flask import Blueprint, Response, redirect, request
from sqlalchemy import Connection

from pwa.api import sync
from pwa.dashboard import tables
from pwa.dashboard.context import bundle, lang, now, page, rec, site_or_403, t, user, zone
from pwa.ops import drills
from pwa.ops.schedules import utc_naive
from pwa.store import db, records

bp = Blueprint("drills", __name__)

RECENT = dt.timedelta(days=365)
DEVICE = "dashboard"  # the device a drill recorded on this page is stored as coming from
_PEOPLE = re.compile(r"[\n,，、;；]+")


def _local(text: object) -> str:
    """A phone's ISO time as the sites' wall clock, or "" if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return ""
    return moment.astimezone(zone()).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else ""


def _minutes(data: dict) -> int | None:
    try:
        start = dt.datetime.fromisoformat(str(data.get("started_at")))
        end = dt.datetime.fromisoformat(str(data.get("ended_at")))
        return max(0, int((end - start).total_seconds() // 60))
    except (TypeError, ValueError):
        return None


def load(
    conn: Connection, site: str, moment: dt.datetime, as_of: bool = False
) -> tuple[list, list[dict]]:
    """(each plan against its schedule, the last year's drills newest first); `as_of`: as they
    stood at `moment`, a past one (the printable report), drills recorded after it left out."""
    raw, tz = bundle().raw, zone()
    today = moment.astimezone(tz).date()
    starts = [
        drills.previous_start(entry["doc"]["drill"], today, tz)
        for _, entry in drills.plans(raw, site)
        if entry["doc"].get("drill")
    ]
    since = utc_naive(min([*starts, moment - RECENT]))
    rows = records.of_types(conn, site, ("drill",), since)
    last = records.latest_of_type(conn, site, "drill")
    if as_of:
        cutoff = utc_naive(moment)
        rows = [row for row in rows if row.recorded_at <= cutoff]
        last = {d: at for d, at in last.items() if at <= cutoff}
    times: dict[str, list[dt.datetime]] = {}
    for row in rows:
        times.setdefault(row.def_id, []).append(row.recorded_at)
        last[row.def_id] = max(last.get(row.def_id, row.recorded_at), row.recorded_at)
    plans = drills.plan_drills(raw, site, moment, tz, times, last, lang())
    recent = []
    for row in reversed(rows):
        if row.recorded_at < utc_naive(moment - RECENT):
            break
        found = rec(row)
        entry = raw["documents"].get(row.def_id)
        recent.append(
            {
                "record": found,
                "title": entry["title"] if entry else row.def_id,
                "started": _local(found.data.get("started_at")),
                "ended": _local(found.data.get("ended_at")),
                "minutes": _minutes(found.data),
            }
        )
    return plans, recent


def _form_time(name: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(request.form.get(name, "")).replace(tzinfo=zone())
    except ValueError:
        return None


def _lines(name: str, pattern: re.Pattern = re.compile(r"\n")) -> list[str]:
    return [p.strip() for p in pattern.split(request.form.get(name, "")) if p.strip()]


def _record_from_form(site: str) -> dict | str:
    """The drill record the form describes, or what is wrong with the form, in words."""
    plan = request.form.get("plan", "")
    entry = bundle().raw["documents"].get(plan)
    if entry is None or entry["kind"] != "emergency":
        return t("err_drill_plan")
    start, end = _form_time("started_at"), _form_time("ended_at")
    if start is None or end is None:
        return t("err_drill_time")
    if end < start:
        return t("err_drill_order")
    people = _lines("participants", _PEOPLE)
    if not people:
        return t("err_drill_people")
    form_id = request.form.get("form_id", "")
    try:
        record_id = str(uuid.UUID(form_id))
    except ValueError:
        record_id = str(uuid.uuid4())
    return {
        "id": record_id,
        "type": "drill",
        "def_id": plan,
        "def_version": entry["version"],
        "site": site,
        "device_id": DEVICE,
        "seq": 0,
        "recorded_at": end.isoformat(),
        "data": {
            "started_at": start.isoformat(),
            "ended_at": end.isoformat(),
            "scenario": request.form.get("scenario", "").strip(),
            "severity": None,
            "participants": people,
            "actions": [],
            "calls": [],
            "fields": {},
            "went_well": request.form.get("went_well", "").strip(),
            "to_improve": request.form.get("to_improve", "").strip(),
            "follow_ups": _lines("follow_ups"),
        },
    }


def _store(raw: dict) -> str | None:
    """Check and store the record as the sync API does; what it refused, in words, or None."""
    checker = sync.Checker(user(), bundle())
    try:
        row = checker.check(raw)
        known = records.stored(db.connection(), [row[0]])
        if not known:
            checker.judge(row)
    except sync.Rejected as exc:
        return t("err_drill_record", loc=".".join(map(str, exc.loc)), msg=exc.msg)
    sync.store([row], known, user())  # a second click on the same form is a replay
    return None


@bp.route("/<site>/drills", methods=["GET", "POST"])
def drills_page(site: str) -> Response | str | tuple[str, int]:
    prop = site_or_403(site)
    error = None
    if request.method == "POST":
        made = _record_from_form(site)
        error = made if isinstance(made, str) else _store(made)
        if error is None:
            return redirect(f"/dashboard/{site}/drills?saved=1", code=303)
    plans, recent = load(db.connection(), site, now())
    table = tables.wants_csv()
    if table is not None:
        csv_of = {
            "plans": (tables.DRILL_PLAN_HEADER, map(tables.drill_plan_row, plans)),
            "drills": (tables.DRILL_HEADER, map(tables.drill_row, recent)),
        }
        if table not in csv_of:
            raise tables.unknown_table(table, csv_of)
        return tables.csv_response(f"{site}-drills-{table}", *csv_of[table])
    counts = {s: sum(1 for p in plans if p.state == s) for s in drills.STATES}
    body = page(
        "drills.html",
        site=prop,
        plans=plans,
        recent=recent,
        counts=counts,
        error=error,
        form=request.form if error else {},
        form_id=str(uuid.uuid4()),
        saved=request.args.get("saved") == "1" and error is None,
    )
    return (body, 422) if error else body
