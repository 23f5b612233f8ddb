"""`/api/v1/blobs/<sha256>`: photos, content-addressed, checked by magic bytes and size."""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, current_app, request
from sqlalchemy import Connection, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from pwa.api.auth import require_user
from pwa.api.schemas import read_body
from pwa.errors import ApiError, detail
from pwa.store import db
from pwa.store.accounts import User
from pwa.store.models import blob_access, blobs, ticket_photos, tickets, user_sites, utcnow

bp = Blueprint("blobs", __name__, url_prefix="/api/v1")

HEX64 = re.compile(r"^[0-9a-f]{64}$")
TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def sniff(data: bytes) -> str | None:
    """The image type the bytes actually are, from their signature."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _check_name(sha256: str) -> None:
    if not HEX64.match(sha256):
        raise ApiError(
            400,
            "The blob name must be the sha256 of its content.",
            [detail(["path", "sha256"], "expected 64 lowercase hexadecimal characters")],
        )


@bp.put("/blobs/<sha256>")
def put(sha256: str) -> tuple[dict, int]:
    user = require_user()
    _check_name(sha256)
    declared = request.mimetype
    if declared not in TYPES:
        raise ApiError(
            415,
            "Photos must be JPEG, PNG or WebP.",
            [detail(["header", "Content-Type"], f"got {declared or 'nothing'!r}")],
        )
    data = read_body(int(current_app.config["MAX_BLOB_BYTES"]), "The photo")
    if not data:
        raise ApiError(400, "The body is empty.", [detail(["body"], "expected the photo")])
    actual = sniff(data)
    if actual != declared:
        raise ApiError(
            415,
            f"The body is not a {TYPES[declared]} image.",
            [detail(["body"], f"declared {declared}, content is {actual or 'not an image'}")],
        )
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ApiError(
            422,
            "The body does not match the sha256 in the URL.",
            [detail(["path", "sha256"], f"the body's sha256 is {digest}")],
        )
    with db.writing() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(blobs)
            .values(
                sha256=digest, content_type=declared, size=len(data), data=data, user_id=user.id
            )
            .on_conflict_do_nothing(index_elements=["sha256"])
            .returning(blobs.c.sha256)
        )
        created = conn.scalar(stmt) is not None
        # the same bytes from a second person: they may read what they uploaded, too
        conn.execute(
            dialect.insert(blob_access)
            .values(sha256=digest, user_id=user.id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["sha256", "user_id"])
        )
    return {"sha256": digest, "size": len(data), "content_type": declared}, 201 if created else 200


def _may_read(conn: Connection, sha256: str, user: User) -> bool:
    """An uploader of the bytes may; staff of a site may read what its residents reported; a
    supervisor may when an uploader works at one of their sites."""
    uploaders = select(blob_access.c.user_id).where(blob_access.c.sha256 == sha256)
    if conn.scalar(select(exists(uploaders.where(blob_access.c.user_id == user.id)))):
        return True
    # a resident's photo: anyone working at the ticket's site (the engineer sent to fix it)
    reported = (
        select(ticket_photos.c.sha256)
        .join(tickets, tickets.c.id == ticket_photos.c.ticket_id)
        .where(ticket_photos.c.sha256 == sha256, tickets.c.site.in_(sorted(user.sites)))
    )
    if user.sites and conn.scalar(select(exists(reported))):
        return True
    if not user.is_supervisor or not user.sites:
        return False
    shared = select(user_sites.c.user_id).where(
        user_sites.c.user_id.in_(uploaders), user_sites.c.site.in_(sorted(user.sites))
    )
    return bool(conn.scalar(select(exists(shared))))


@bp.get("/blobs/<sha256>")
def get(sha256: str) -> Response:
    user = require_user()
    _check_name(sha256)
    conn = db.connection()
    row = conn.execute(select(blobs).where(blobs.c.sha256 == sha256)).one_or_none()
    allowed = row is not None and (user.is_admin or _may_read(conn, sha256, user))
    if not allowed:
        raise ApiError(404, f"No photo {sha256}.")
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
