"""`/api/openapi.json`: the API described; a test keeps it equal to the real url map."""

from __future__ import annotations

from flask import Blueprint
from pydantic.json_schema import models_json_schema

from pwa.api.publish import PATHS as PUBLISH_PATHS
from pwa.api.schemas import RecordIn, RecordsIn
from pwa.ops.payloads import MODELS

bp = Blueprint("openapi", __name__)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    str(code): {"$ref": f"#/components/responses/{name}"}
    for code, name in [(400, "BadRequest"), (401, "Unauthorized"), (403, "Forbidden")]
}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
INVALID = {"422": {"$ref": "#/components/responses/Invalid"}}
WRONG_TYPE = {"415": {"$ref": "#/components/responses/WrongType"}}
SECURED = [{"bearer": []}, {"cookie": []}]


def _op(
    summary: str,
    responses: dict,
    body: dict | None = None,
    secured: bool = True,
    params: list | None = None,
) -> dict:
    op: dict = {"summary": summary, "responses": {**responses, **ERRORS}}
    if secured:
        op["security"] = SECURED
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    return op


def _envelope() -> dict:
    """The push's body, from `RecordsIn`: its records are each a `Record`."""
    schema = RecordsIn.model_json_schema()
    schema.pop("title", None)
    records = schema["properties"]["records"]
    records.pop("title", None)
    records["items"] = _ref("Record")
    return schema


SHA = {
    "name": "sha256",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}

SITE = {"name": "site", "in": "query", "schema": {"type": "string"}}
SINCE = {
    "name": "since",
    "in": "query",
    "description": "the `next` of the page before; none: from the first record",
    "schema": {"type": "string", "pattern": r"^[0-9]{1,18}\.[0-9A-Za-z-]{1,36}$"},
}
LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
}
UTC = {"type": "string", "format": "date-time"}

PATHS = {
    "/api/v1/session": {
        "post": _op(
            "Sign in a device; answers a bearer token",
            {
                "201": _json(_ref("Session"), "signed in"),
                "429": {"$ref": "#/components/responses/TooMany"},
                **INVALID,
                **WRONG_TYPE,
            },
            {"application/json": {"schema": _ref("SessionIn")}},
            secured=False,
        ),
        "get": _op("Who the token belongs to", {"200": _json(_ref("Who"), "the caller")}),
        "delete": _op(
            "Sign out: revoke the bearer token in use (a cookie session just ends)",
            {"204": {"description": "signed out; the token answers 401 from now on"}},
        ),
    },
    "/api/v1/tokens": {
        "get": _op(
            "The caller's tokens (an admin may name ?user=)",
            {"200": _json({"type": "object"}, "tokens, without their secret"), **NOT_FOUND},
            params=[{"name": "user", "in": "query", "schema": {"type": "string"}}],
        ),
    },
    "/api/v1/tokens/{token_id}": {
        "delete": _op(
            "Revoke a token",
            {"204": {"description": "revoked"}, **NOT_FOUND},
            params=[
                {"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
        ),
    },
    "/api/v1/definitions": {
        "get": _op(
            "The handbook bundle filtered to the caller's roles and sites",
            {
                "200": _json(_ref("Bundle"), "the bundle, with an ETag"),
                "304": {"description": "If-None-Match matched: unchanged"},
            },
            params=[{"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
        ),
    },
    "/api/v1/tickets": {
        "get": _op(
            "The service desk's tickets given to the caller and the caller's roles' pool, at "
            "the caller's sites, each with its clocks' due times; a resident's number masked "
            "for all but 客服 and supervisors",
            {"200": _json({"type": "object"}, "tickets, and the desk document they belong to")},
        ),
    },
    "/api/v1/handovers": {
        "get": _op(
            "What a phone lists at a shift handover, at the caller's sites: the last two days' "
            "handovers with their acknowledgements, unresolved exceptions and incidents, open "
            "service desk tickets (without the resident's name or number)",
            {"200": _json({"type": "object"}, "handovers and what is open, per site")},
        ),
    },
    "/api/v1/records": {
        "post": _op(
            "Push records made offline; one status per record, committed before the answer",
            {
                "200": _json(_ref("Results"), "per-record results"),
                "413": {"$ref": "#/components/responses/TooLarge"},
                **INVALID,
                **WRONG_TYPE,
            },
            {"application/json": {"schema": _envelope()}},
        ),
        "get": _op(
            "Page through the records of the caller's sites (supervisors; admins every site) "
            "in the order they were stored: ask again with `next` as `since`. No record is "
            "skipped or repeated while others are pushed; a page shorter than `limit` has "
            "caught up",
            {"200": _json(_ref("RecordsPage"), "a page of records and the cursor after it")},
            params=[SITE, SINCE, LIMIT],
        ),
    },
    "/api/v1/records/export": {
        "get": _op(
            "Every record (of one site), streamed, for an admin: what was stored when the "
            "export began, in the cursor's order; photos as links to /api/v1/blobs/<sha256>",
            {
                "200": {
                    "description": "one record a line (JSON lines), or a CSV with a header",
                    "content": {
                        "application/x-ndjson": {"schema": {"type": "string"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                }
            },
            params=[
                SITE,
                {"name": "format", "in": "query", "schema": {"enum": ["jsonl", "csv"]}},
            ],
        ),
    },
    "/api/v1/site-day": {
        "get": _op(
            "Who did which patrol round and checklist at a site in the periods its phones show "
            "now (the caller's sites; admins any), for the documents the caller may see",
            {"200": _json(_ref("SiteDay"), "the current periods' runs"), **NOT_FOUND},
            params=[{**SITE, "required": True, "schema": {"type": "string", "minLength": 1}}],
        ),
    },
    "/api/v1/blobs/{sha256}": {
        "put": _op(
            "Upload a photo named by the sha256 of its bytes",
            {
                "201": _json({"type": "object"}, "stored"),
                "200": _json({"type": "object"}, "already stored (the caller may now read it too)"),
                "413": {"$ref": "#/components/responses/TooLarge"},
                **INVALID,
                **WRONG_TYPE,
            },
            {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/jpeg", "image/png", "image/webp")
            },
            params=[SHA],
        ),
        "get": _op(
            "Download a photo: for whoever uploaded its bytes, supervisors of their sites, admins",
            {"200": {"description": "the photo"}, **NOT_FOUND},
            params=[SHA],
        ),
    },
    "/api/openapi.json": {
        "get": _op(
            "This description", {"200": _json({"type": "object"}, "OpenAPI 3.1")}, secured=False
        ),
    },
    "/healthz": {
        "get": _op(
            "Liveness and database check",
            {
                "200": _json({"type": "object"}, "healthy"),
                "503": {"$ref": "#/components/responses/Unavailable"},
            },
            secured=False,
        ),
    },
}

STR = {"type": "string"}


def _contract() -> tuple[dict, dict]:
    """The Record and each type's data, from the models the server validates with."""
    _, top = models_json_schema(
        [(RecordIn, "validation"), *((m, "validation") for m in MODELS.values())],
        ref_template="#/components/schemas/{model}",
    )
    defs = top["$defs"]
    record = dict(defs.pop("RecordIn"))
    # which data model applies depends on the record's type: one branch per type (a chain of
    # if/then per type is equivalent, but its expansion outgrows the fuzzer's canonicaliser)
    record["oneOf"] = [
        {"properties": {"type": {"const": kind}, "data": _ref(model.__name__)}}
        for kind, model in MODELS.items()
    ]
    return record, defs


RECORD, PAYLOADS = _contract()
SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["status", "error", "message", "details"],
        "properties": {
            "status": {"type": "integer"},
            "error": STR,
            "message": STR,
            "details": {"type": "array", "items": _ref("Detail")},
        },
    },
    "Detail": {
        "type": "object",
        "required": ["loc", "msg"],
        "properties": {
            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
            "msg": STR,
        },
    },
    "SessionIn": {
        "type": "object",
        "required": ["username", "password", "device_id"],
        "additionalProperties": False,
        "properties": {
            "username": {"type": "string", "minLength": 1, "maxLength": 64},
            "password": {"type": "string", "minLength": 1, "maxLength": 256},
            "device_id": {"type": "string", "minLength": 1, "maxLength": 64},
        },
    },
    "Who": {
        "type": "object",
        "properties": {
            "user": {"type": "object"},
            "roles": {"type": "array", "items": STR},
            "sites": {"type": "array", "items": STR},
        },
    },
    "Session": {
        "allOf": [
            _ref("Who"),
            {
                "type": "object",
                "properties": {
                    "token": STR,
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
        ],
    },
    "Bundle": {
        "type": "object",
        "properties": {
            "format": {"type": "integer"},
            "hash": STR,
            "site": {"type": "object"},
            "documents": {"type": "object"},
        },
    },
    "Record": RECORD,
    **PAYLOADS,
    "RecordsPage": {
        "type": "object",
        "required": ["records", "next"],
        "properties": {
            "records": {"type": "array", "items": {"type": "object"}},
            "next": {"type": ["string", "null"]},
        },
    },
    "SiteDay": {
        "type": "object",
        "required": ["site", "at", "from", "runs"],
        "properties": {
            "site": STR,
            "at": UTC,
            "from": {"type": "object", "additionalProperties": UTC},
            "runs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "type", "def_id", "user", "recorded_at"],
                    "properties": {
                        "id": STR,
                        "type": {"enum": ["patrol_round", "checklist_run"]},
                        "def_id": STR,
                        "user": STR,
                        "recorded_at": UTC,
                    },
                },
            },
        },
    },
    "Results": {
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {
                        "id": {"type": ["string", "null"]},
                        "status": {"enum": ["created", "duplicate", "conflict", "rejected"]},
                        "error": _ref("Detail"),
                        "flags": {"type": "array", "items": STR},
                    },
                },
            }
        },
    },
}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Dutybook sync API", "version": "1"},
    "paths": {**PATHS, **PUBLISH_PATHS},
    "components": {
        "schemas": SCHEMAS,
        "responses": {
            "BadRequest": _error("malformed or invalid input, naming the field"),
            "Unauthorized": _error("no token, or a revoked or expired one"),
            "Forbidden": _error("the caller's roles or sites do not allow it"),
            "TooMany": _error("too many failed sign-ins"),
            "TooLarge": _error("body or batch too large"),
            "Unavailable": _error("the database is not reachable"),
            "NotFound": _error("no such token, user, photo or site (or not yours to see)"),
            "Invalid": _error("the body is well-formed but not valid, naming the fields"),
            "WrongType": _error("the body is not of the declared or expected media type"),
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
    },
}


@bp.get("/api/openapi.json")
def openapi() -> dict:
    return SPEC
