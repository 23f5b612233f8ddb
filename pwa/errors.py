"""The one error shape for every non-2xx answer, built here and nowhere else.

Clients get it as JSON; a browser navigating to a page gets the same fields as HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("dutybook.errors")

Detail = dict[str, Any]


class ApiError(Exception):
    """Raise anywhere in a request to answer with the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        details: Sequence[Detail] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = list(details)
        self.headers = headers or {}


def detail(loc: Sequence[str | int], msg: str) -> Detail:
    return {"loc": list(loc), "msg": msg}


def _wants_page() -> bool:
    """A person's browser navigating to a page (not the API, not a script) gets HTML."""
    if request.path.startswith("/api/"):
        return False
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "text/html"


def error_response(
    status: int,
    message: str,
    details: Sequence[Detail] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    body = {
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "details": list(details),
    }
    if _wants_page():
        home = "/dashboard/" if request.path.startswith("/dashboard/") else "/"
        response = Response(render_template("error.html", home=home, **body), status)
    else:
        response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.message, exc.details, exc.headers)


def _http_error(exc: HTTPException) -> Response:
    if exc.code is None or exc.code < 400:  # redirects raised as exceptions pass through
        return exc.get_response()
    headers = {}
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(exc.code, exc.description or HTTPStatus(exc.code).phrase, (), headers)


def _database_down(exc: OperationalError) -> Response:
    log.error("database error: %s", exc.orig)
    return error_response(503, "The database is not reachable; try again later.")


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "The server failed; the error has been logged.")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(Exception, _unexpected)
