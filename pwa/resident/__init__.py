"""The resident's pages: report a repair or a complaint from the lobby's QR poster, follow it on a
private status link, confirm the fix or say it is not fixed, and rate it.

No account, no app, no script: plain HTML forms that work on a cheap phone and in WeChat's
in-app browser. The status link's token is the only key to a ticket; it is derived from the
ticket id and the server's secret (so a resubmitted form finds its own link again) and stored
only as a hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from pwa.api.blobs import TYPES, sniff
from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk as rules
from pwa.ops.desk import Desk, DeskError, Report
from pwa.resident import text
from pwa.store import db
from pwa.store import tickets as store
from pwa.store.models import blobs, ticket_photos

bp = Blueprint("resident", __name__, url_prefix="/r")

MAX_PHOTOS = 3
UUID_LEN = 36


def _desk() -> Desk:
    found = current_bundle().desk
    if found is None:
        abort(404)
    return found


def _site_name(site: str) -> str | None:
    for prop in (current_bundle().raw.get("site") or {}).get("properties", []):
        if prop["id"] == site:
            return prop["name"]
    return None


def status_token(ticket_id: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"ticket:" + ticket_id.encode(), hashlib.sha256).hexdigest()[:32]


def _address_hash() -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (request.remote_addr or "").encode(), hashlib.sha256).hexdigest()


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _keep_lang(url: str, lang: str | None = None) -> str:
    """The url with the page's language on it, so the answer to a form or link is in the same
    language as the page it came from (Chinese, the default, needs nothing)."""
    if (lang or _lang()) != "en":
        return url
    return url + ("&" if "?" in url else "?") + "lang=en"


def _page(template: str, status: int = 200, **context) -> Response:
    lang = _lang()
    html = render_template(
        f"resident/{template}",
        t=text.words(lang),
        lang=lang,
        keep=_keep_lang,
        uuid=lambda: str(uuid.uuid4()),
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    # a status page holds a resident's name and room: no cache keeps it, no search engine
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _site(site: str) -> tuple[Desk, str]:
    """The desk and the property's name, or 404 for a site the handbook does not have."""
    desk = _desk()
    name = _site_name(site)
    if name is None:
        abort(404)
    return desk, name


def _report_page(site: str, report_id: str, values: dict, error, status: int = 200) -> Response:
    desk, name = _site(site)
    return _page(
        "report.html",
        status,
        site=site,
        site_name=name,
        categories=text.choices(desk, current_bundle().raw, _lang()),
        report_id=report_id,
        values=values,
        error=error,
    )


@bp.get("/<site>/")
def form(site: str) -> Response:
    return _report_page(site, str(uuid.uuid4()), {}, None)


def _limit_reached(conn, report_phone: str) -> str | None:
    now = utcnow()
    config = current_app.config
    per_address = int(config["RESIDENT_MAX_PER_ADDRESS"])
    per_phone = int(config["RESIDENT_MAX_PER_PHONE"])
    hour, day = now - dt.timedelta(hours=1), now - dt.timedelta(days=1)
    if store.reports_since(conn, hour, source=_address_hash()) >= per_address:
        return "address"
    phone = report_phone.replace(" ", "").replace("-", "")
    if store.reports_since(conn, day, phone=phone) >= per_phone:
        return "phone"
    return None


def _photos() -> list[tuple[str, str, bytes]]:
    most = int(current_app.config["MAX_BLOB_BYTES"])
    found = []
    for upload in request.files.getlist("photos"):
        data = upload.read(most + 1)
        if not data:
            continue  # an empty file input
        if len(data) > most:
            raise RequestEntityTooLarge()
        kind = sniff(data)
        if kind not in TYPES:
            raise DeskError("photos", "not_image")
        found.append((hashlib.sha256(data).hexdigest(), kind, data))
    if len(found) > MAX_PHOTOS:
        raise DeskError("photos", "too_many")
    return found


@bp.post("/<site>/")
def submit(site: str) -> Response:
    desk, _ = _site(site)
    most = int(current_app.config["MAX_BLOB_BYTES"]) * MAX_PHOTOS + 64 * 1024
    request.max_content_length = most
    try:
        form = request.form
    except RequestEntityTooLarge:
        return _page("limited.html", 413, reason="size", site=site)
    report_id = form.get("report_id", "")
    try:
        report_id = str(uuid.UUID(report_id))
    except ValueError:
        report_id = str(uuid.uuid4())
    values = {k: form.get(k, "") for k in ("category", "room", "name", "phone", "description")}
    conn = db.connection()
    if store.ticket(conn, report_id) is not None:
        # the same form sent twice (a double tap, a retry on a slow line): one ticket
        return redirect(_keep_lang(f"/r/t/{status_token(report_id)}"), 303)

    def again(error: DeskError, status: int = 400) -> Response:
        return _report_page(site, report_id, values, error, status)

    try:
        photos = _photos()
    except RequestEntityTooLarge:
        return _page("limited.html", 413, reason="size", site=site)
    except DeskError as exc:
        return again(exc)
    limited = _limit_reached(conn, values["phone"])
    if limited:
        return _page("limited.html", 429, reason=limited, site=site)
    report = Report(
        site=site,
        source="resident",
        photos=tuple(sha for sha, _, _ in photos),
        **values,
    )
    try:
        rules.check_report(desk, report, resident=True)
    except DeskError as exc:
        return again(exc)
    now = utcnow()
    with db.writing() as conn:
        for sha, kind, data in photos:
            _store_photo(conn, sha, kind, data, now)
        ticket_id, _, _ = rules.report(
            conn,
            desk,
            report,
            actor="resident",
            user_id=None,
            now=now,
            reported_from=_address_hash(),
            ticket_id=report_id,
            token=status_token(report_id),
        )
        for sha, _, _ in photos:
            conn.execute(ticket_photos.insert().values(ticket_id=ticket_id, sha256=sha))
    return redirect(_keep_lang(f"/r/t/{status_token(ticket_id)}?new=1"), 303)


def _store_photo(conn, sha: str, kind: str, data: bytes, now: dt.datetime) -> None:
    from sqlalchemy import select

    if conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is None:
        conn.execute(
            blobs.insert().values(
                sha256=sha,
                content_type=kind,
                size=len(data),
                data=data,
                user_id=None,
                created_at=now,
            )
        )


def _ticket_of(token: str):
    if len(token) != 32 or not token.isalnum():
        abort(404)
    row = store.by_token(db.connection(), rules.token_hash(token))
    if row is None:
        abort(404)
    return row


@bp.get("/t/<token>")
def status(token: str) -> Response:
    desk = _desk()
    row = _ticket_of(token)
    conn = db.connection()
    state = rules.state_of(conn, desk, row)
    return _page(
        "status.html",
        token=token,
        ticket=row,
        view=text.status_view(desk, current_bundle().raw, row, state, _lang()),
        new=request.args.get("new") == "1",
        # which form came back refused (act() below); anything else in the link is ignored
        failed=error if (error := request.args.get("error")) in _ACTIONS else None,
        site_name=_site_name(row.site) or row.site,
    )


_ACTIONS = {"confirm": "confirmed", "reopen": "reopened", "rate": "rated"}


@bp.post("/t/<token>/<action>")
def act(token: str, action: str) -> Response:
    desk = _desk()
    row = _ticket_of(token)
    kind = _ACTIONS.get(action)
    if kind is None:
        abort(404)
    form = request.form
    event_id = form.get("event_id", "")
    try:
        event_id = str(uuid.UUID(event_id))
    except ValueError:
        abort(400)
    raw: dict = {}
    if kind == "reopened" and form.get("reason", "").strip():
        raw["reason"] = form["reason"]
    if kind == "rated":
        raw["rating"] = form.get("rating", "")
        if form.get("comment", "").strip():
            raw["comment"] = form["comment"]
    try:
        data = rules.event_data(kind, raw)
    except DeskError:
        return redirect(_keep_lang(f"/r/t/{token}?error={action}"), 303)
    now = utcnow()
    with db.writing() as conn:
        rules.add(conn, desk, row.id, [rules.NewEvent(event_id, kind, now, "resident", data)], now)
    return redirect(_keep_lang(f"/r/t/{token}"), 303)


@bp.get("/t/<token>/photos/<sha256>")
def photo(token: str, sha256: str) -> Response:
    from sqlalchemy import select

    row = _ticket_of(token)
    conn = db.connection()
    found = conn.execute(
        select(blobs.c.data, blobs.c.content_type)
        .join(ticket_photos, ticket_photos.c.sha256 == blobs.c.sha256)
        .where(ticket_photos.c.ticket_id == row.id, blobs.c.sha256 == sha256)
    ).first()
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<site>/poster")
def poster(site: str) -> Response:
    import segno

    _, name = _site(site)
    url = request.host_url.rstrip("/") + f"/r/{site}/"
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    return _page("poster.html", site=site, site_name=name, url=url, qr=svg)
