"""The handbook's and the app's files gzipped for a phone on a slow link, each file compressed
once per worker and kept in memory by its path, size and modification time.

The first install downloads the whole handbook: 8.5 MB of HTML, JavaScript and JSON as built,
about a fifth of that gzipped. A reverse proxy may compress too (docs/deployment.md); a
response that is already gzipped passes through it unchanged.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Response, request

COMPRESSIBLE = {
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/wasm",
    "application/xml",
    "image/svg+xml",
    "text/css",
    "text/html",
    "text/javascript",
    "text/plain",
    "text/xml",
}
MIN_BYTES = 1024
CACHE_BYTES = 64 * 1024 * 1024  # the default handbook's is under 2 MB

_cache: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
_held = 0
_lock = threading.Lock()


def _gzipped(path: Path, size: int, mtime: int) -> bytes:
    global _held
    key = (str(path), size, mtime)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    # mtime=0: the same bytes from every worker and server, so one ETag fits them all
    body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
    with _lock:
        if key not in _cache:
            _cache[key] = body
            _held += len(body)
            while _held > CACHE_BYTES and len(_cache) > 1:
                _held -= len(_cache.popitem(last=False)[1])
    return body


def gzip_file(response: Response, path: Path) -> Response:
    """`response` (a whole file from send_from_directory) gzipped when the client takes it."""
    if (
        response.status_code != 200
        or request.range is not None
        or response.mimetype not in COMPRESSIBLE
        or request.accept_encodings["gzip"] <= 0
    ):
        return response
    try:
        stat = path.stat()
    except OSError:
        return response
    if stat.st_size < MIN_BYTES:
        return response
    body = _gzipped(path, stat.st_size, stat.st_mtime_ns)
    out = Response(body, status=200, headers={"Content-Type": response.headers["Content-Type"]})
    out.headers["Content-Encoding"] = "gzip"
    out.headers["Vary"] = "Accept-Encoding"
    etag, _weak = response.get_etag()
    if etag:
        out.set_etag(f"{etag}-gzip")
    out.last_modified = response.last_modified
    response.close()
    return out.make_conditional(request)
