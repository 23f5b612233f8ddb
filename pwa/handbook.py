"""The built handbook at `/`, read from the site folder on every request.

The folder is the live published version's (`pwa.api.live`), or before any publish SITE_DIR,
which `dutybook build` builds into a temporary folder and swaps in with a rename: resolving the
folder per request serves the new handbook without a restart and never a half-written one.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound

from pwa.api.definitions import BUNDLE
from pwa.api.live import site_root
from pwa.compress import gzip_file
from pwa.errors import ApiError

bp = Blueprint("handbook", __name__)


def site_dir() -> Path:
    return site_root()


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str) -> Response:
    if path.startswith("api/"):
        raise ApiError(404, f"No API endpoint at /{path}.")
    # the raw bundle holds every quiz's answers: only the role-filtered definitions API serves it
    if posixpath.normpath("/" + path).lstrip("/") == BUNDLE:
        raise ApiError(404, f"No handbook page at /{path}.")
    root = site_dir()
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif (root / path).is_dir():
        path += "/index.html"
    try:
        response = send_from_directory(root, path)
    except NotFound:
        raise ApiError(404, f"No handbook page at /{path.removesuffix('index.html')}.") from None
    response = gzip_file(response, root / path)
    # the service worker revalidates; a cached page must not outlive a rebuild unseen
    response.headers["Cache-Control"] = "no-cache"
    return response
