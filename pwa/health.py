"""`/healthz`: the process answers and the database is reachable."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from pwa.errors import ApiError
from pwa.store import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict:
    try:
        db.connection().execute(text("SELECT 1"))
    except Exception as exc:  # any failure here means "not healthy", never a 500
        raise ApiError(503, "The database is not reachable.") from exc
    return {"status": "ok", "database": db.engine().dialect.name}
