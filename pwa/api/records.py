"""Reading records: the cursor-paged read (`GET /api/v1/records`), an admin's full export, and a
phone's view of its site's day (`GET /api/v1/site-day`).

The cursor is `<txn>.<id>` of the last record read (`pwa.store.records.page` says why that
order never skips or repeats a record while others are written). Supervisors read their sites'
records, admins every site's. Staff read no one's records whole: the phone asks for the site's
day, who did which round or checklist in the periods it shows now, and nothing older.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from sqlalchemy import Engine

from pwa.api.auth import require_user
from pwa.api.definitions import current_bundle, visible
from pwa.errors import ApiError, detail
from pwa.ops import export, schedules
from pwa.ops.documents import applies
from pwa.store import db, records
from pwa.store.accounts import User
from pwa.store.models import utcnow

bp = Blueprint("records", __name__, url_prefix="/api/v1")

CURSOR = re.compile(r"(\d{1,18})\.([0-9A-Za-z-]{1,36})")
EXPORT_PAGE = 1000
FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def _cursor(text: str | None) -> records.Position:
    if text is None:
        return records.START
    found = CURSOR.fullmatch(text)
    if found is None:
        raise ApiError(
            400,
            "since must be the `next` of an earlier page.",
            [detail(["query", "since"], "not a cursor")],
        )
    return int(found.group(1)), found.group(2)


def _encode(position: records.Position) -> str:
    return f"{position[0]}.{position[1]}"


def _limit() -> int:
    try:
        limit = int(request.args.get("limit", "100"))
    except ValueError:
        raise ApiError(
            400, "limit must be a number.", [detail(["query", "limit"], "not a number")]
        ) from None
    if not 1 <= limit <= 1000:
        raise ApiError(
            400, "limit must be 1 to 1000.", [detail(["query", "limit"], "out of range")]
        )
    return limit


def _sites(user: User) -> list[str] | None:
    """The `site` asked for, or every site the caller may read (None: every site)."""
    site = request.args.get("site")
    if site is not None and not user.is_admin and site not in user.sites:
        raise ApiError(403, f"You are not assigned to site {site!r}.")
    if site is not None:
        return [site]
    return None if user.is_admin else sorted(user.sites)


@bp.get("/records")
def read() -> dict:
    """Supervisors page through their sites' records, admins every site's; staff may not.

    `next` is the cursor to ask with next time; a page shorter than `limit` has caught up
    with what is stored, and asking again with the same `next` later reads what came since.
    """
    user = require_user(roles=("supervisor",))
    sites = _sites(user)
    limit = _limit()
    since = request.args.get("since")
    rows = records.page(db.connection(), sites, limit, _cursor(since))
    following = _encode(records.position(rows[-1])) if rows else since
    return {"records": [export.record_json(r) for r in rows], "next": following}


def _lines(engine: Engine, sites: list[str] | None, kind: str) -> Iterator[bytes]:
    """The export, a page of records at a time, each page in a read of its own."""
    with engine.connect() as conn:
        below = records.horizon(conn)
        conn.commit()
        if kind == "csv":
            # the byte-order mark makes spreadsheet programs read the Chinese as UTF-8
            yield b"\xef\xbb\xbf" + ",".join(export.CSV_HEADER).encode() + b"\r\n"
        for found in records.pages(conn, sites, EXPORT_PAGE, below):
            bodies = [export.export_json(r) for r in found]
            if kind == "jsonl":
                yield b"".join(map(export.json_line, bodies))
                continue
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerows(export.csv_row(body) for body in bodies)
            yield buffer.getvalue().encode()


@bp.get("/records/export")
def export_records() -> Response:
    """An admin's raw export of every record (of one `site`), streamed, never held in memory:
    what was stored when it began, in the cursor's order; photos as links to their blobs."""
    user = require_user(roles=("admin",))
    kind = request.args.get("format", "jsonl")
    if kind not in FORMATS:
        raise ApiError(
            400,
            "format must be jsonl or csv.",
            [detail(["query", "format"], "one of: jsonl, csv")],
        )
    sites = _sites(user)
    name = f"records-{sites[0] if sites else 'all'}-{utcnow():%Y%m%d-%H%M}.{kind}"
    response = Response(_lines(db.engine(), sites, kind), mimetype=FORMATS[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


@bp.get("/site-day")
def site_day() -> dict:
    """The site's rounds and checklist runs in the periods its phones show now, by everyone.

    Anyone of the site may ask (admins of any site), for the documents they may see: the
    phone marks done what a colleague did, so nobody walks a round twice, and a daily
    checklist the day shift finished is done for the night shift too. Only the current
    periods: no one reads the site's history this way, and a pull stays small.
    """
    user = require_user()
    site = request.args.get("site")
    if not site:
        raise ApiError(400, "site is required.", [detail(["query", "site"], "missing")])
    if not user.is_admin and site not in user.sites:
        raise ApiError(403, f"You are not assigned to site {site!r}.")
    bundle = current_bundle()
    if site not in bundle.site_ids:
        raise ApiError(404, f"No site {site!r}.")
    tz = ZoneInfo(bundle.site.timezone if bundle.site else "Asia/Shanghai")
    now = utcnow().replace(tzinfo=dt.UTC)
    shown = {
        doc_id
        for doc_id, entry in bundle.raw["documents"].items()
        if entry["kind"] in ("patrol", "checklist")
        and applies(entry["sites"], site)
        and visible(user, bundle.index[doc_id])
    }
    starts = schedules.current_starts(bundle.raw, site, now, tz, shown)
    since = {d: s.astimezone(dt.UTC).replace(tzinfo=None) for d, s in starts.items()}
    runs = records.runs_since(db.connection(), site, since)
    return {
        "site": site,
        "at": _utc(now),
        "from": {d: _utc(s) for d, s in sorted(starts.items())},
        "runs": [
            {
                "id": r.id,
                "type": r.type,
                "def_id": r.def_id,
                "user": r.username,
                "recorded_at": r.recorded_at.isoformat() + "Z",
            }
            for r in runs
        ],
    }
