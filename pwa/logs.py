"""One structured log line per request: no headers, no query strings, no bodies, no tokens."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("dutybook.request")


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        user = g.get("user")
        entry = {
            "method": request.method,
            # path only: a query string could carry anything a client put there
            "path": request.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
            "user": user.username if user else None,
            "address": request.remote_addr,
            "bytes_in": request.content_length or 0,
        }
        if "record_counts" in g:
            entry["records"] = g.record_counts
        log.info(json.dumps(entry, ensure_ascii=False))
        return response
