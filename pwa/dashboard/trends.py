"""Dashboard: completion trends over recent weeks and the printable day or week report."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request

from pwa.dashboard import tables
from pwa.dashboard.charts import Point, bar_chart
from pwa.dashboard.context import bundle, lang, now, page, parse_day, site_or_403, t, zone
from pwa.dashboard.day import day_rows, load_day, problems, range_totals, status_word
from pwa.dashboard.drills import load as load_drills
from pwa.dashboard.exceptions import load_exceptions
from pwa.errors import ApiError
from pwa.ops import compliance, schedules
from pwa.store import db, records

bp = Blueprint("trends", __name__)


def weekly(site: str, end_day: dt.date, weeks: int) -> list[dict]:
    """Completion of shift and daily work per week (Monday to Sunday), oldest first."""
    conn = db.connection()
    raw = bundle().raw
    tz = zone()
    moment = now()
    last_monday = end_day - dt.timedelta(days=end_day.weekday())
    first = last_monday - dt.timedelta(weeks=weeks - 1)
    start_utc = schedules.utc_naive(schedules.period_bounds("day", first, tz)[0])
    end_utc = schedules.utc_naive(
        schedules.period_bounds("day", last_monday + dt.timedelta(days=8), tz)[0]
    )
    times = records.run_times(conn, site, start_utc, end_utc)
    result = []
    for week in range(weeks):
        monday = first + dt.timedelta(weeks=week)
        done = due = 0
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            for exp in schedules.expectations(raw, site, day, tz, lang()):
                if exp.every not in ("shift", "day"):
                    continue
                d, u = compliance.done_due(exp, times.get(exp.def_id, []), moment)
                done += d
                due += u
        result.append(
            {
                "week": monday,
                "done": done,
                "due": due,
                "percent": None if due == 0 else round(100 * done / due),
            }
        )
    return result


@bp.get("/<site>/trends")
def trends_page(site: str) -> Response | str:
    prop = site_or_403(site)
    day = parse_day(request.args.get("date"))
    try:
        weeks = int(request.args.get("weeks", "8"))
    except ValueError:
        raise ApiError(400, "weeks must be a number from 1 to 26.") from None
    if not 1 <= weeks <= 26:
        raise ApiError(400, "weeks must be a number from 1 to 26.")
    rows = weekly(site, day, weeks)
    table = tables.wants_csv()
    if table is not None:
        if table != "weeks":
            raise tables.unknown_table(table, ("weeks",))
        return tables.csv_response(f"{site}-trends", tables.WEEK_HEADER, map(tables.week_row, rows))
    points = [
        Point(r["week"].strftime("%m-%d"), r["percent"], f"{r['done']}/{r['due']}") for r in rows
    ]
    chart = bar_chart(
        points,
        t("trend_title", site=prop.name),
        "; ".join(f"{p.label}: {p.value if p.value is not None else '—'}%" for p in points),
    )
    return page("trends.html", site=prop, rows=rows, chart=chart, day=day, weeks=weeks)


@bp.get("/<site>/report")
def report_page(site: str) -> str:
    prop = site_or_403(site)
    day = parse_day(request.args.get("date"))
    span = request.args.get("span", "day")
    if span not in ("day", "week"):
        raise ApiError(400, "span must be day or week.")
    conn = db.connection()
    if span == "day":
        outcomes, devices = load_day(conn, site, day)
        days = [(day, compliance.totals([o for o in outcomes if o.exp.every in ("shift", "day")]))]
        start = end = day
    else:
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=6)
        outcomes = []
        days = range_totals(site, start, end)
    begin = schedules.utc_naive(schedules.period_bounds("day", start, zone())[0])
    finish = schedules.utc_naive(
        schedules.period_bounds("day", end + dt.timedelta(days=1), zone())[0]
    )
    items = [
        i
        for i in load_exceptions(conn, site, begin - dt.timedelta(days=30))
        if i["record"].recorded_at < finish
        and (i["record"].recorded_at >= begin or i["state"].status not in ("resolved", "verified"))
    ]
    # each plan's drills as they stood when the report's span ended (or now, if sooner)
    drills_at = min(now(), finish.replace(tzinfo=dt.UTC) - dt.timedelta(seconds=1))
    plans, recent = load_drills(conn, site, drills_at, as_of=True)
    held = [d for d in recent if begin <= d["record"].recorded_at < finish]
    return page(
        "report.html",
        site=prop,
        span=span,
        day=day,
        start=start,
        end=end,
        days=days,
        rows=day_rows(outcomes),
        problems=problems(outcomes),
        items=items,
        status_word=status_word,
        printed=now(),
        plans=plans,
        drills_held=held,
        drills_at=drills_at,
    )
