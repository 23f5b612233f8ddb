"""`/dashboard/`: supervisors' and admins' pages, server-rendered, Chinese by default.

Pages read the store and the bundle and hand plain values to `compliance` and
`exceptions_flow`; every table has a CSV twin (`?format=csv&table=…`). Supervisors see only
their sites, admins every site, staff nothing; every POST checks the session's CSRF token.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, redirect, render_template, request, session
from sqlalchemy import Connection, func, select

from pwa import clock, compliance, db, payloads
from pwa.accounts import User
from pwa.auth import check_csrf, csrf_token, current_user
from pwa.compliance import Device, Expectation, Outcome, Rec
from pwa.dashboard_text import LANGS, category_name, text
from pwa.definitions import Bundle, current_bundle
from pwa.errors import ApiError
from pwa.models import records, tokens, user_roles, user_sites, users

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    static_folder="static/dashboard",
    static_url_path="/static",
)

STAFF = ("guard", "cleaner", "greener", "engineer", "service")
VERSIONED = ("procedure", "checklist", "patrol", "emergency", "course")
MAX_RANGE_DAYS = 31


# --- who, where, when ---------------------------------------------------------------------------


def now() -> dt.datetime:
    """Aware UTC now, from the app's one clock."""
    return clock.now()


def zone() -> ZoneInfo:
    """The sites' zone from the handbook (`timezone:` of the site document), as on the phones."""
    return ZoneInfo((bundle().raw.get("site") or {}).get("timezone") or "Asia/Shanghai")


def lang() -> str:
    return session.get("lang") if session.get("lang") in LANGS else "zh"


@bp.before_request
def _sign_in_first() -> Response | None:
    if request.endpoint == "dashboard.static":
        return None
    wanted = request.args.get("lang")
    if wanted in LANGS:
        session["lang"] = wanted
    user = current_user()
    if user is None:
        target = request.full_path.rstrip("?")
        return redirect(f"/dashboard/login?{urlencode({'next': target})}")
    if user.is_staff:
        raise ApiError(403, "The dashboard is for supervisors and admins.")
    if request.method == "POST" and user.token_id is None:
        check_csrf()
    g.dashboard_user = user
    return None


def user() -> User:
    return g.dashboard_user


def bundle() -> Bundle:
    # once per request: finding the current bundle stats files
    if "dashboard_bundle" not in g:
        g.dashboard_bundle = current_bundle()
    return g.dashboard_bundle


def properties() -> list[dict]:
    return list((bundle().raw.get("site") or {}).get("properties", []))


def my_sites() -> list[dict]:
    me = user()
    return [p for p in properties() if me.is_admin or p["id"] in me.sites]


def site_or_403(site: str) -> dict:
    found = {p["id"]: p for p in properties()}.get(site)
    if found is None:
        raise ApiError(404, f"No site {site!r}.")
    if not user().is_admin and site not in user().sites:
        raise ApiError(403, f"You are not assigned to site {site!r}.")
    return found


def parse_day(value: str | None, name: str = "date") -> dt.date:
    if not value:
        return now().astimezone(zone()).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a date like 2026-06-09.") from None


def t(key: str, **kwargs: object) -> str:
    return text(lang(), key, **kwargs)


@bp.app_template_filter("local")
def _local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone()).strftime(fmt)


def page(template: str, **values: object) -> str:
    values.setdefault("site", None)
    return render_template(
        f"dashboard/{template}",
        t=t,
        lang=lang(),
        me=user(),
        sites=my_sites(),
        csrf_token=csrf_token() if user().token_id is None else "",
        area_names=_area_names(values["site"]["id"]) if values["site"] else {},
        shift_names=_shift_names(),
        checkpoint_names=checkpoint_names,
        request_path=request.path,
        query=_query,
        lang_link=_lang_link(),
        category_name=lambda c: category_name(lang(), c),
        **values,
    )


def _query(**changes: object) -> str:
    args = {**request.args.to_dict(), **{k: v for k, v in changes.items() if v is not None}}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
    args.pop("lang", None)
    return f"{request.path}?{urlencode(args)}"


def _lang_link() -> str:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = "en" if lang() == "zh" else "zh"
    return f"{request.path}?{urlencode(args)}"


def _area_names(site: str) -> dict[str, str]:
    for prop in properties():
        if prop["id"] == site:
            return {a["id"]: a["name"] for a in prop["areas"]}
    return {}


def checkpoint_names(def_id: str) -> dict[str, str]:
    """A patrol's checkpoint id → name: a supervisor reads 水泵房, not b7-pump-room."""
    entry = bundle().raw["documents"].get(def_id) or {}
    points = (entry.get("doc") or {}).get("checkpoints") or []
    return {
        str(c["id"]): str(c.get("name") or c["id"])
        for c in points
        if isinstance(c, dict) and "id" in c
    }


def _shift_names() -> dict[str, str]:
    return {s["id"]: s["name"] for s in (bundle().raw.get("site") or {}).get("shifts", [])}


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text_value = str(value)
    # a cell starting with = + - @ is a formula to a spreadsheet: user text must stay text
    if text_value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text_value):
        return "'" + text_value
    return text_value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


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


# --- reading the store --------------------------------------------------------------------------


def _rec(row: object) -> Rec:
    # rows stored before the API checked data may hold any shape: the readers get theirs
    data = payloads.stored(row.type, row.data)
    return Rec(
        row.id,
        row.type,
        row.def_id,
        row.device_id,
        row.username,
        row.recorded_at,
        row.received_at,
        data,
    )


def fetch_runs(
    conn: Connection, site: str, exp: Expectation, day: tuple[dt.datetime, dt.datetime]
) -> tuple[list[Rec], int | None]:
    """The expectation's records: all of a shift or a day; of a longer period only the viewed
    day's, with the period's count beside them (a year of runs need not be read to count)."""
    kind = "patrol_round" if exp.kind == "patrol" else "checklist_run"
    start, end = exp.start, exp.end
    total = None
    where = [records.c.site == site, records.c.def_id == exp.def_id, records.c.type == kind]
    if exp.every not in ("shift", "day"):
        total = conn.scalar(
            select(func.count()).where(
                *where,
                records.c.recorded_at >= compliance.utc_naive(start),
                records.c.recorded_at < compliance.utc_naive(end),
            )
        )
        start, end = max(start, day[0]), min(end, day[1])
    query = (
        select(records, users.c.username)
        .join(users, users.c.id == records.c.user_id)
        .where(
            *where,
            records.c.recorded_at >= compliance.utc_naive(start),
            records.c.recorded_at < compliance.utc_naive(end),
        )
        .order_by(records.c.recorded_at)
    )
    return [_rec(r) for r in conn.execute(query)], total


def site_devices(conn: Connection, site: str, moment: dt.datetime) -> list[Device]:
    """Phones of the site's people used lately, their users' roles and their last sync.

    The token's last use is the device's last contact: a push touches it, and so does a call
    with nothing to send. It is written at most every few minutes, so it can only lag the real
    sync; that errs towards "not yet synced", never towards a false "missed".
    """
    since = compliance.utc_naive(moment) - compliance.DEVICE_WINDOW
    rows = conn.execute(
        select(tokens.c.device_id, tokens.c.user_id, func.max(tokens.c.last_used_at))
        .join(user_sites, user_sites.c.user_id == tokens.c.user_id)
        .where(user_sites.c.site == site, tokens.c.last_used_at >= since)
        .group_by(tokens.c.device_id, tokens.c.user_id)
    ).all()
    if not rows:
        return []
    roles: dict[int, set[str]] = {}
    for user_id, role in conn.execute(
        select(user_roles.c.user_id, user_roles.c.role).where(
            user_roles.c.user_id.in_(sorted({r[1] for r in rows}))
        )
    ):
        roles.setdefault(user_id, set()).add(role)
    return compliance.relevant_devices(
        [(device, frozenset(roles.get(user_id, ())), last) for device, user_id, last in rows]
    )


def load_day(conn: Connection, site: str, day: dt.date) -> tuple[list[Outcome], list[Device]]:
    raw = bundle().raw
    tz = zone()
    moment = now()
    devices = site_devices(conn, site, moment)
    outcomes = []
    window = compliance.period_bounds("day", day, tz)
    for exp in compliance.expectations(raw, site, day, tz, lang()):
        doc = raw["documents"][exp.def_id]["doc"]
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


# --- pages: sites, a day, a range -------------------------------------------------------------


@bp.get("/")
def index() -> Response | str:
    sites = my_sites()
    if len(sites) == 1:
        return redirect(f"/dashboard/{sites[0]['id']}/")
    return page("index.html")


def _status_word(o: Outcome) -> str:
    if o.missed:
        return t("missed")
    if o.pending:
        return t("pending")
    if o.done >= len(o.exp.slots):
        return t("done")
    return t("in_progress") if o.upcoming else t("done")


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


def _patrol_csv(o: Outcome) -> list[object]:
    e = o.exp
    return [
        e.def_id, e.title, e.shift, e.words, len(e.slots), o.done, o.due, o.missed, o.pending,
        o.short_people, e.people, o.missed_checkpoints, o.late_checkpoints, o.late_rounds,
        o.late_arrivals,
    ]  # fmt: skip


def _checklist_csv(o: Outcome) -> list[object]:
    e = o.exp
    return [
        e.def_id, e.title, e.shift, " ".join(e.areas), e.words, e.start.date().isoformat(),
        e.last_day.isoformat(), len(e.slots), o.done, o.due,
        o.missed, o.pending, len(o.failed), len(o.out_of_range), o.late_arrivals,
    ]  # fmt: skip


def _problem_csv(p: dict) -> list[object]:
    rec = p["record"]
    return [
        _local(rec.recorded_at), p["def_id"], p["item"], p["kind"], p.get("value"),
        p.get("unit"), p.get("min"), p.get("max"), rec.username, rec.device_id,
    ]  # fmt: skip


@bp.get("/<site>/")
def day_page(site: str) -> Response | str:
    prop = site_or_403(site)
    day = parse_day(request.args.get("date"))
    outcomes, devices = load_day(db.connection(), site, day)
    rows = day_rows(outcomes)
    found = problems(outcomes)
    table = wants_csv()
    if table is not None:
        if table == "patrols":
            return csv_response(
                f"{site}-{day}-patrols", PATROL_HEADER, map(_patrol_csv, rows["patrols"])
            )
        if table == "checklists":
            return csv_response(
                f"{site}-{day}-checklists",
                CHECKLIST_HEADER,
                map(_checklist_csv, rows["checklists"]),
            )
        if table == "problems":
            return csv_response(f"{site}-{day}-problems", PROBLEM_HEADER, map(_problem_csv, found))
        if table == "devices":
            return csv_response(
                f"{site}-{day}-devices",
                ["device", "roles", "last_sync"],
                ([d.device_id, " ".join(sorted(d.roles)), _local(d.last_sync)] for d in devices),
            )
        raise unknown_table(table, ("patrols", "checklists", "problems", "devices"))
    return page(
        "day.html",
        site=prop,
        day=day,
        rows=rows,
        problems=found,
        devices=devices,
        totals=compliance.totals([o for o in outcomes if o.exp.every in ("shift", "day")]),
        status_word=_status_word,
        prev_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
    )


RANGE_HEADER = [
    "date", "rounds_done", "rounds_required", "runs_done", "runs_due", "missed",
    "not_yet_synced", "short_of_people", "missed_checkpoints", "late_checkpoints",
    "failed_items", "out_of_range", "late_arrivals", "percent",
]  # fmt: skip


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


def _range_csv(day: dt.date, x: compliance.Totals) -> list[object]:
    return [
        day.isoformat(), x.rounds_done, x.rounds_required, x.runs_done, x.runs_due, x.missed,
        x.pending, x.short_people, x.missed_checkpoints, x.late_checkpoints, x.failed,
        x.out_of_range, x.late_arrivals, x.percent,
    ]  # fmt: skip


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
    table = wants_csv()
    if table is not None:
        if table != "days":
            raise unknown_table(table, ("days",))
        return csv_response(
            f"{site}-{start}-{end}", RANGE_HEADER, (_range_csv(d, x) for d, x in days)
        )
    return page("range.html", site=prop, start=start, end=end, days=days)


# imported for their routes, which hang off this blueprint
from pwa import admin_pages, dashboard_exceptions, dashboard_people, dashboard_trends  # noqa: E402, F401

bp.register_blueprint(admin_pages.bp)
