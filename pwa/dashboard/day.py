"""Dashboard: the sites, one site's day (patrols, checklists, problems, devices) and a range."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, redirect, request
from sqlalchemy import Connection

from pwa.dashboard import tables
from pwa.dashboard.context import (
    bundle,
    lang,
    my_sites,
    now,
    page,
    parse_day,
    rec,
    role_names,
    site_or_403,
    t,
    zone,
)
from pwa.errors import ApiError
from pwa.ops import compliance, schedules
from pwa.ops.compliance import Device, Expectation, Outcome, Rec
from pwa.ops.documents import route
from pwa.store import db, records

bp = Blueprint("day", __name__)

MAX_RANGE_DAYS = 31


# --- reading the store --------------------------------------------------------------------------


def fetch_runs(
    conn: Connection, site: str, exp: Expectation, day: tuple[dt.datetime, dt.datetime]
) -> tuple[list[Rec], int | None]:
    """The expectation's records: all of a shift or a day; of a longer period only the viewed
    day's, with the period's count beside them (a year of runs need not be read to count)."""
    kind = "patrol_round" if exp.kind == "patrol" else "checklist_run"
    start, end = exp.start, exp.end
    total = None
    if exp.every not in ("shift", "day"):
        total = records.count_runs(
            conn, site, exp.def_id, kind, schedules.utc_naive(start), schedules.utc_naive(end)
        )
        start, end = max(start, day[0]), min(end, day[1])
    found = records.runs(
        conn, site, exp.def_id, kind, schedules.utc_naive(start), schedules.utc_naive(end)
    )
    return [rec(r) for r in found], total


def site_devices(conn: Connection, site: str, moment: dt.datetime) -> list[Device]:
    """Phones of the site's people used lately, their users' roles and their last sync."""
    since = schedules.utc_naive(moment) - compliance.DEVICE_WINDOW
    return compliance.relevant_devices(records.last_sync(conn, site, since))


def load_day(conn: Connection, site: str, day: dt.date) -> tuple[list[Outcome], list[Device]]:
    raw = bundle().raw
    tz = zone()
    moment = now()
    devices = site_devices(conn, site, moment)
    outcomes = []
    window = schedules.period_bounds("day", day, tz)
    for exp in schedules.expectations(raw, site, day, tz, lang()):
        doc = route(raw["documents"][exp.def_id])
        runs, total = fetch_runs(conn, site, exp, window)
        outcomes.append(compliance.evaluate(exp, doc, runs, devices, moment, tz, total))
    return outcomes, devices


def day_rows(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    return {
        "patrols": [o for o in outcomes if o.exp.kind == "patrol"],
        "checklists": sorted(
            (o for o in outcomes if o.exp.kind == "checklist"),
            key=lambda o: (o.exp.areas[:1], o.exp.def_id, o.exp.start),
        ),
    }


def problems(outcomes: list[Outcome]) -> list[dict]:
    found = []
    for o in outcomes:
        for f in o.failed:
            found.append({**f, "kind": "failed", "def_id": o.exp.def_id, "title": o.exp.title})
        for r in o.out_of_range:
            found.append({**r, "kind": "range", "def_id": o.exp.def_id, "title": o.exp.title})
    return sorted(found, key=lambda p: (p["record"].recorded_at, p["item"]))


def status_word(o: Outcome) -> str:
    if o.missed:
        return t("missed")
    if o.pending:
        return t("pending")
    if o.done >= len(o.exp.slots):
        return t("done")
    return t("in_progress") if o.upcoming else t("done")


def range_totals(
    site: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, compliance.Totals]]:
    conn = db.connection()
    result = []
    day = start
    while day <= end:
        outcomes, _ = load_day(conn, site, day)
        daily = [o for o in outcomes if o.exp.every in ("shift", "day")]
        result.append((day, compliance.totals(daily)))
        day += dt.timedelta(days=1)
    return result


# --- pages --------------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response | str:
    sites = my_sites()
    if len(sites) == 1:
        return redirect(f"/dashboard/{sites[0].id}/")
    return page("index.html")


@bp.get("/<site>/")
def day_page(site: str) -> Response | str:
    prop = site_or_403(site)
    day = parse_day(request.args.get("date"))
    outcomes, devices = load_day(db.connection(), site, day)
    rows = day_rows(outcomes)
    found = problems(outcomes)
    table = tables.wants_csv()
    if table is not None:
        csv_of = {
            "patrols": (tables.PATROL_HEADER, map(tables.patrol_row, rows["patrols"])),
            "checklists": (tables.CHECKLIST_HEADER, map(tables.checklist_row, rows["checklists"])),
            "problems": (tables.PROBLEM_HEADER, map(tables.problem_row, found)),
            "devices": (tables.DEVICE_HEADER, map(tables.device_row, devices)),
        }
        if table not in csv_of:
            raise tables.unknown_table(table, csv_of)
        return tables.csv_response(f"{site}-{day}-{table}", *csv_of[table])
    return page(
        "day.html",
        site=prop,
        day=day,
        rows=rows,
        problems=found,
        devices=devices,
        role_names=role_names(),
        totals=compliance.totals([o for o in outcomes if o.exp.every in ("shift", "day")]),
        status_word=status_word,
        prev_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
    )


def _range_args() -> tuple[dt.date, dt.date]:
    end = parse_day(request.args.get("to"), "to")
    start = parse_day(request.args.get("from") or (end - dt.timedelta(days=6)).isoformat(), "from")
    if start > end:
        raise ApiError(400, "from must not be after to.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ApiError(400, f"A range has at most {MAX_RANGE_DAYS} days.")
    return start, end


@bp.get("/<site>/range")
def range_page(site: str) -> Response | str:
    prop = site_or_403(site)
    start, end = _range_args()
    days = range_totals(site, start, end)
    table = tables.wants_csv()
    if table is not None:
        if table != "days":
            raise tables.unknown_table(table, ("days",))
        return tables.csv_response(
            f"{site}-{start}-{end}", tables.RANGE_HEADER, (tables.range_row(d, x) for d, x in days)
        )
    return page("range.html", site=prop, start=start, end=end, days=days)
