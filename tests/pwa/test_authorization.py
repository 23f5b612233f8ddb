"""The role × site matrix: every endpoint for anonymous, revoked, staff, supervisor, admin."""

from __future__ import annotations

import hashlib

import pytest

from tests.pwa.support import add_people, bearer, record, sign_in

JPEG = b"\xff\xd8\xff\xe0matrix"
SHA = hashlib.sha256(JPEG).hexdigest()

# caller: expected outcome per check; a record push shows the record's status
MATRIX = {
    "anonymous": {
        "session": 401,
        "definitions": 401,
        "tokens": 401,
        "push-lanyuan-pump": 401,
        "push-jinxiu-patrol": 401,
        "read-records": 401,
        "read-jinxiu": 401,
        "blob-put": 401,
        "revoke-admin-token": 401,
        "openapi": 200,
        "healthz": 200,
    },
    "revoked": {
        "session": 401,
        "definitions": 401,
        "tokens": 401,
        "push-lanyuan-pump": 401,
        "push-jinxiu-patrol": 401,
        "read-records": 401,
        "read-jinxiu": 401,
        "blob-put": 401,
        "revoke-admin-token": 401,
        "openapi": 200,
        "healthz": 200,
    },
    "guard-l": {
        "session": 200,
        "definitions": 200,
        "tokens": 200,
        "push-lanyuan-pump": "rejected",
        "push-jinxiu-patrol": "rejected",
        "read-records": 403,
        "read-jinxiu": 403,
        "blob-put": 201,
        "revoke-admin-token": 404,
        "openapi": 200,
        "healthz": 200,
    },
    "guard-j": {
        "session": 200,
        "definitions": 200,
        "tokens": 200,
        "push-lanyuan-pump": "rejected",
        "push-jinxiu-patrol": "created",
        "read-records": 403,
        "read-jinxiu": 403,
        "blob-put": 201,
        "revoke-admin-token": 404,
        "openapi": 200,
        "healthz": 200,
    },
    "eng-l": {
        "session": 200,
        "definitions": 200,
        "tokens": 200,
        "push-lanyuan-pump": "created",
        "push-jinxiu-patrol": "rejected",
        "read-records": 403,
        "read-jinxiu": 403,
        "blob-put": 201,
        "revoke-admin-token": 404,
        "openapi": 200,
        "healthz": 200,
    },
    "sup-l": {
        "session": 200,
        "definitions": 200,
        "tokens": 200,
        "push-lanyuan-pump": "created",
        "push-jinxiu-patrol": "rejected",
        "read-records": 200,
        "read-jinxiu": 403,
        "blob-put": 201,
        "revoke-admin-token": 404,
        "openapi": 200,
        "healthz": 200,
    },
    "admin": {
        "session": 200,
        "definitions": 200,
        "tokens": 200,
        "push-lanyuan-pump": "created",
        "push-jinxiu-patrol": "created",
        "read-records": 200,
        "read-jinxiu": 200,
        "blob-put": 201,
        "revoke-admin-token": 204,
        "openapi": 200,
        "healthz": 200,
    },
}


def _outcome(response):
    if (
        response.status_code == 200
        and response.request.path == "/api/v1/records"
        and (response.request.method == "POST")
    ):
        return response.get_json()["results"][0]["status"]
    return response.status_code


@pytest.mark.parametrize("caller", list(MATRIX))
def test_matrix(app, client, caller):
    add_people(app)
    admin_token = sign_in(client, "admin", "admin-desk")  # token id 1
    if caller == "anonymous":
        headers = {}
    elif caller == "revoked":
        token = sign_in(client, "eng-l")
        client.delete("/api/v1/session", headers=bearer(token))
        headers = bearer(token)
    elif caller == "admin":
        headers = bearer(admin_token)
    else:
        headers = bearer(sign_in(client, caller))
    checks = {
        "session": lambda: client.get("/api/v1/session", headers=headers),
        "definitions": lambda: client.get("/api/v1/definitions", headers=headers),
        "tokens": lambda: client.get("/api/v1/tokens", headers=headers),
        "push-lanyuan-pump": lambda: client.post(
            "/api/v1/records", json={"records": [record()]}, headers=headers
        ),
        "push-jinxiu-patrol": lambda: client.post(
            "/api/v1/records",
            json={
                "records": [record(type="patrol_round", def_id="PTL-JX-OUT-NIGHT", site="jinxiu")]
            },
            headers=headers,
        ),
        "read-records": lambda: client.get("/api/v1/records", headers=headers),
        "read-jinxiu": lambda: client.get("/api/v1/records?site=jinxiu", headers=headers),
        "blob-put": lambda: client.put(
            f"/api/v1/blobs/{SHA}", data=JPEG, headers={**headers, "Content-Type": "image/jpeg"}
        ),
        "revoke-admin-token": lambda: client.delete("/api/v1/tokens/1", headers=headers),
        "openapi": lambda: client.get("/api/openapi.json", headers=headers),
        "healthz": lambda: client.get("/healthz", headers=headers),
    }
    assert {name: _outcome(check()) for name, check in checks.items()} == MATRIX[caller]
