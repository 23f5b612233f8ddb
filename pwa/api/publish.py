"""`/api/v1/handbook/…`: publishing the built handbook, its versions, going back, and what
changed since the version a phone last saw.

`POST /api/v1/handbook/versions` takes a tar.gz of `site/` (what `dutybook publish --url`
sends) from an admin's bearer token, in one request: checked, stored and made live in one
transaction (`pwa.ops.publishing`). `GET /api/v1/handbook/changes?from=<bundle hash>` is for
every signed-in person: the documents they see that changed between that bundle and the live
one.
"""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, current_app, request

from pwa.api.auth import require_user
from pwa.api.definitions import current_bundle, visible
from pwa.api.live import live_version
from pwa.api.schemas import read_body
from pwa.clock import utcnow
from pwa.errors import ApiError, detail
from pwa.ops import publishing
from pwa.ops.handbook_changes import changes, seen_by
from pwa.store import db, versions
from pwa.store.accounts import User

bp = Blueprint("publish", __name__, url_prefix="/api/v1/handbook")


def _admin() -> User:
    return require_user(["admin"])


def version_json(row) -> dict:
    return {
        "id": row.id,
        "bundle_hash": row.bundle_hash,
        "published_at": row.published_at.isoformat() + "Z",
        "published_by": row.published_by,
        "note": row.note,
        "rollback_of": row.rollback_of,
        "files": row.files,
        "size": row.size,
        "stored": row.stored,
        "changes": row.changes,
    }


def _answer(done: publishing.Published) -> tuple[dict, int]:
    body = {
        "version": done.version_id,
        "bundle_hash": done.bundle_hash,
        "unchanged": done.unchanged,
        "stored": done.stored,
        "changes": done.summary,
    }
    return body, 200 if done.unchanged else 201


def _refused(exc: publishing.PublishError) -> ApiError:
    lines = [detail(["body", i], line) for i, line in enumerate(exc.lines)]
    return ApiError(422 if exc.lines else 400, f"Not published: {exc.message}.", lines)


def publish_from(who: str, data: bytes, note: str) -> publishing.Published:
    """Check an uploaded archive and publish it (the upload endpoint and its tests)."""
    config = current_app.config
    limits = publishing.Limits(
        int(config["PUBLISH_MAX_FILES"]), int(config["PUBLISH_MAX_UNPACKED_BYTES"])
    )
    try:
        files = publishing.from_archive(data, limits)
        bundle = publishing.check_bundle(files.bundle_bytes())
        with db.writing() as conn:
            return publishing.publish(conn, files, who, utcnow(), note, bundle=bundle)
    except publishing.PublishError as exc:
        raise _refused(exc) from None


@bp.post("/versions")
def upload() -> tuple[dict, int]:
    user = _admin()
    kind = (request.mimetype or "").lower()
    if kind not in ("application/gzip", "application/x-gzip", "application/x-tar"):
        raise ApiError(415, "Send the site as a tar.gz (Content-Type: application/gzip).")
    data = read_body(int(current_app.config["PUBLISH_MAX_BYTES"]), "The archive")
    note = unquote(request.headers.get("X-Dutybook-Note", ""))[:2000]
    return _answer(publish_from(user.username, data, note))


@bp.get("/versions")
def listing() -> dict:
    _admin()
    conn = db.connection()
    return {
        "live": live_version(),
        "versions": [version_json(row) for row in versions.versions(conn)],
    }


@bp.post("/versions/<version_id>/live")
def make_live(version_id: str) -> tuple[dict, int]:
    """Go back: the content of an earlier version, published again as a new version."""
    user = _admin()
    # not an int route: `/versions/-1/live` would fall to the handbook's GET-only route, a 405
    if not (version_id.isascii() and version_id.isdigit()):
        raise ApiError(404, f"No handbook version {version_id}.")
    try:
        with db.writing() as conn:
            done = publishing.republish(conn, int(version_id), user.username, utcnow())
    except publishing.PublishError as exc:
        raise ApiError(404, f"No handbook version {version_id}.") from exc
    return _answer(done)


@bp.get("/changes")
def changes_since() -> dict:
    """What changed, for the caller, between bundle `from` and the one served now."""
    user = require_user()
    since = request.args.get("from", "")
    bundle = current_bundle()
    conn = db.connection()
    version_id = versions.latest_with_bundle(conn, since) if since else None
    manifest = versions.manifest(conn, version_id) if version_id is not None else None
    old = publishing.bundle_of(conn, manifest) if manifest else None
    if old is None:
        raise ApiError(404, f"No published handbook version has the bundle {since[:16]!r}.")
    summary = changes(old, bundle.raw)

    def sees(doc_id: str) -> bool:
        entry = bundle.index.get(doc_id)
        if entry is None:  # removed: judged by the version the phone had
            was = old["documents"][doc_id]
            sites = was.get("sites")
            return user.is_admin or user.is_supervisor or not sites or bool(set(sites) & user.sites)
        return visible(user, entry)

    return {"version": live_version(), **seen_by(summary, sees)}


def _response(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _op(summary: str, responses: dict, **more: object) -> dict:
    errors = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound"}
    codes = {code: _response(name) for code, name in errors.items()}
    return {"summary": summary, "responses": {**codes, **responses},
            "security": [{"bearer": []}, {"cookie": []}], **more}  # fmt: skip


_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}
# this blueprint's part of /api/openapi.json (pwa.api.openapi adds it to the rest)
PATHS = {
    "/api/v1/handbook/versions": {
        "post": _op(
            "Publish the built handbook (a tar.gz of site/; admins): checked, stored and made "
            "live; 200 when it is the live version's content already",
            {
                "201": {"description": "published", **_OBJECT},
                "200": {"description": "unchanged: the live version stays", **_OBJECT},
                "413": _response("TooLarge"),
                "415": _response("WrongType"),
                "422": _response("Invalid"),
            },
            requestBody={
                "required": True,
                "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
            },
            parameters=[{"name": "X-Dutybook-Note", "in": "header", "schema": {"type": "string"}}],
        ),
        "get": _op(
            "Every published version, newest first, and the live one (admins)",
            {"200": {"description": "the log", **_OBJECT}},
        ),
    },
    "/api/v1/handbook/versions/{version_id}/live": {
        "post": _op(
            "Make an earlier version live again: its content published as a new version",
            {
                "201": {"description": "published again", **_OBJECT},
                "200": {"description": "it is the live content already", **_OBJECT},
            },
            parameters=[
                {
                    "name": "version_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            ],
        ),  # fmt: skip
    },
    "/api/v1/handbook/changes": {
        "get": _op(
            "What changed, among the documents the caller sees, between the bundle `from` (what "
            "the phone had) and the live version",
            {"200": {"description": "documents added, removed and changed", **_OBJECT}},
            parameters=[{"name": "from", "in": "query", "schema": {"type": "string"}}],
        ),
    },
}
