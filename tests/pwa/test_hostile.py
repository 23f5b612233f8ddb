"""Records and bodies a hostile client sends: each is refused by field or by status, never a 500,
and the rest of the batch is stored as if it had not been there."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from tests.pwa.support import add_people, assert_error, bearer, record, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def engineer(app, client):
    add_people(app)
    return sign_in(client, "eng-l")


def _push(client, token, recs):
    return client.post("/api/v1/records", json={"records": recs}, headers=bearer(token))


def _nested(depth: int) -> dict:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("fields", "loc", "msg"),
    [
        # the offset moves these past what a datetime holds: OverflowError, then a 500
        (
            {"recorded_at": "9999-12-31T23:00:00-05:00"},
            ["recorded_at"],
            "is more than a day ahead of the server clock",
        ),
        (
            {"recorded_at": "0001-01-01T00:00:00+23:59"},
            ["recorded_at"],
            "is before 2020-01-01; check the clock",
        ),
        # orjson gives up past 255 levels, the check for lone surrogates then recursed: a 500
        ({"data": _nested(900)}, ["data"], "is nested more than 16 levels deep"),
        ({"data": _nested(17)}, ["data"], "is nested more than 16 levels deep"),
    ],
    ids=["year-9999", "year-1", "nested-900", "nested-17"],
)
def test_one_hostile_record_is_rejected_and_the_rest_stored(client, engineer, fields, loc, msg):
    before, bad, after = record(seq=1), record(seq=2, **fields), record(seq=3)
    response = _push(client, engineer, [before, bad, after])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"] == [
        {"id": before["id"], "status": "created"},
        {"id": bad["id"], "status": "rejected", "error": {"loc": loc, "msg": msg}},
        {"id": after["id"], "status": "created"},
    ]


@pytest.mark.parametrize(
    ("number", "msg"),
    [
        ("NaN", "NaN is not JSON; send a number or null"),
        ("Infinity", "Infinity is not JSON; send a number or null"),
        ("-Infinity", "-Infinity is not JSON; send a number or null"),
        ("1e400", "1e400 is too large for a JSON number (it overflows to infinity)"),
        ("-1e400", "-1e400 is too large for a JSON number (it overflows to infinity)"),
    ],
)
def test_numbers_json_has_not_are_400(client, engineer, number, msg):
    # the standard parser accepts them; stored, they came back as null
    text = json.dumps({"records": [record()]})
    body = text.replace('"records": [', f'"n": {number}, "records": [', 1)
    assert f'"n": {number}' in body
    response = client.post(
        "/api/v1/records", data=body, content_type="application/json", headers=bearer(engineer)
    )
    assert_error(response, 400, "The body is not valid JSON.", [{"loc": ["body"], "msg": msg}])
    inside = f'{{"records": [{{"id": "x", "data": {{"reading": {number}}}}}]}}'
    response = client.post(
        "/api/v1/records", data=inside, content_type="application/json", headers=bearer(engineer)
    )
    assert_error(response, 400, "The body is not valid JSON.", [{"loc": ["body"], "msg": msg}])


def _chunked(client, path: str, body: bytes, token: str, content_type: str):
    # what a WSGI server hands the app for Transfer-Encoding: chunked (gunicorn does the same)
    return client.open(
        path,
        method="POST" if path.endswith("records") else "PUT",
        input_stream=io.BytesIO(body),
        headers={**bearer(token), "Content-Type": content_type},
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413(app, client, engineer):
    app.config["MAX_RECORDS_BYTES"] = 1000
    body = b'{"records": [' + b",".join(b'{"id": "%d"}' % i for i in range(200)) + b"]}"
    response = _chunked(client, "/api/v1/records", body, engineer, "application/json")
    assert response.request.content_length is None
    assert_error(response, 413, "The body is more than 1000 bytes; at most 1000.", [])
    # exactly at the limit is read whole
    exact = b'{"records": [] }'.ljust(1000, b" ")
    response = _chunked(client, "/api/v1/records", exact, engineer, "application/json")
    assert_error(response, 422, "The request body is not valid.")

    app.config["MAX_BLOB_BYTES"] = 100
    big = PNG + b"\0" * 200
    path = f"/api/v1/blobs/{hashlib.sha256(big).hexdigest()}"
    response = _chunked(client, path, big, engineer, "image/png")
    assert_error(response, 413, "The photo is more than 100 bytes; at most 100.", [])
    small = PNG + b"\0" * (100 - len(PNG))
    path = f"/api/v1/blobs/{hashlib.sha256(small).hexdigest()}"
    assert _chunked(client, path, small, engineer, "image/png").status_code == 201
