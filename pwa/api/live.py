"""Which folder the handbook is served from: the live published version, else SITE_DIR.

Once a version has been published (`dutybook publish`), every app server serves the one the
database names live, from its own cache folder (`SITE_CACHE_DIR`, default
`instance/site-cache/<manifest hash>/`), written on first use. The live row is read at most
every `HANDBOOK_CHECK_SECONDS` per process, so a publish through one server is served by the
others that soon after. Before any publish, and on a database without one, the plain
`SITE_DIR` that `dutybook build` writes is served as before.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from pwa.ops.publishing import materialize
from pwa.store import db, versions

log = logging.getLogger("dutybook.handbook")


@dataclass
class Seen:
    checked: float = float("-inf")
    folder: Path | None = None
    version_id: int | None = None


_lock = threading.Lock()


def _seen(app: Flask) -> Seen:
    return app.extensions.setdefault("dutybook.live", Seen())


def cache_root(app: Flask) -> Path:
    configured = app.config.get("SITE_CACHE_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "site-cache"


def live_version() -> int | None:
    """The id of the published version being served, or None (the plain SITE_DIR)."""
    site_root()
    return _seen(current_app).version_id


def site_root() -> Path:
    """The folder of the handbook to serve now."""
    app = current_app
    seen = _seen(app)
    every = float(app.config.get("HANDBOOK_CHECK_SECONDS", 2))
    if time.monotonic() - seen.checked >= every:
        _refresh(app, seen)
    return seen.folder or Path(app.config["SITE_DIR"]).resolve()


def _refresh(app: Flask, seen: Seen) -> None:
    with _lock:
        try:
            conn = db.connection()
            found = versions.live(conn)
            if found is None:
                seen.folder, seen.version_id = None, None
            elif found.version_id != seen.version_id:
                seen.folder = materialize(conn, found, cache_root(app)).resolve()
                seen.version_id = found.version_id
        except (SQLAlchemyError, OSError) as exc:
            # the database or the cache folder is away: keep serving what was served
            log.warning("cannot look up the live handbook: %s", exc)
        seen.checked = time.monotonic()
