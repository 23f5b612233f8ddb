"""Uploads that lie about their type or size, absurd dates, huge batches: refused in words."""

from __future__ import annotations

import hashlib

import pytest

from tests.pwa.support import add_people, assert_error, bearer, record, sign_in

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def eng(sqlite_app):
    add_people(sqlite_app, ("eng-l",))
    client = sqlite_app.test_client()
    return client, bearer(sign_in(client, "eng-l"))


@pytest.mark.parametrize(
    ("declared", "body", "message"),
    [
        ("image/png", b"<svg onload=alert(1)></svg>", "The body is not a PNG image."),
        ("image/jpeg", b"<html><script>alert(1)</script>", "The body is not a JPEG image."),
        ("image/png", b"\xff\xd8\xff\xe0 a jpeg", "The body is not a PNG image."),
        ("image/svg+xml", b"<svg/>", "Photos must be JPEG, PNG or WebP."),
        ("text/html", PNG_HEAD, "Photos must be JPEG, PNG or WebP."),
    ],
)
def test_uploads_that_lie_about_their_type(eng, declared, body, message):
    client, headers = eng
    sha = hashlib.sha256(body).hexdigest()
    response = client.put(f"/api/v1/blobs/{sha}", data=body,
                          headers={**headers, "Content-Type": declared})  # fmt: skip
    assert_error(response, 415, message)


def test_uploads_that_lie_about_their_size(sqlite_app, eng):
    client, headers = eng
    sqlite_app.config["MAX_BLOB_BYTES"] = 1000
    big = PNG_HEAD + b"\0" * 2000
    sha = hashlib.sha256(big).hexdigest()
    declared = client.put(f"/api/v1/blobs/{sha}", data=big,
                          headers={**headers, "Content-Type": "image/png"})  # fmt: skip
    assert_error(declared, 413, "The photo is 2008 bytes; at most 1000.")
    # a Content-Length shorter than the body: only that much is read, and its hash is wrong
    small = PNG_HEAD + b"\0" * 10
    short = client.put(
        f"/api/v1/blobs/{hashlib.sha256(small).hexdigest()}",
        input_stream=__import__("io").BytesIO(small + b"extra"),
        headers={**headers, "Content-Type": "image/png", "Content-Length": str(len(small) - 4)},
    )
    assert_error(short, 422, "The body does not match the sha256 in the URL.")


@pytest.mark.parametrize(
    ("recorded_at", "msg"),
    [
        ("9999-12-31T23:59:59+14:00", "is more than a day ahead of the server clock"),
        ("0001-01-01T00:00:00+00:00", "is before 2020-01-01; check the clock"),
        ("2019-12-31T23:59:59+00:00", "is before 2020-01-01; check the clock"),
        ("2026-02-30T08:00:00+08:00", "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00"),
        ("2026-05-01T23:59:60+08:00", "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00"),
        ("2026-05-01T08:00:00+25:00", "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00"),
        ("2026-05-01T08:00:00", "needs a UTC offset, e.g. 2026-05-01T08:00:00+08:00"),
        ("now", "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00"),
    ],
)
def test_absurd_dates_are_rejected_by_field(eng, recorded_at, msg):
    client, headers = eng
    response = client.post("/api/v1/records", json={"records": [record(recorded_at=recorded_at)]},
                           headers=headers)  # fmt: skip
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert (result["status"], result["error"]) == ("rejected", {"loc": ["recorded_at"], "msg": msg})


def test_huge_batches_and_bodies(sqlite_app, eng):
    client, headers = eng
    over = [record(seq=i) for i in range(1001)]
    assert_error(client.post("/api/v1/records", json={"records": over}, headers=headers), 413,
                 "The batch has 1001 records; at most 1000 per request.")  # fmt: skip
    huge = record(data={"note": "x" * (5 * 1024 * 1024)})
    response = client.post("/api/v1/records", json={"records": [huge]}, headers=headers)
    assert response.status_code == 413
    one_big = record(data={"note": "x" * (70 * 1024)})
    response = client.post("/api/v1/records", json={"records": [one_big]}, headers=headers)
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected" and result["error"]["msg"].endswith("at most 65536")
    # nesting deep enough to exhaust a recursive parser
    deep = '{"records": [' + '{"a": [' * 20000 + "1" + "]}" * 20000 + "]}"
    response = client.post("/api/v1/records", data=deep, headers=headers,
                           content_type="application/json")  # fmt: skip
    # (found by this test: it was a 500 from the parser's RecursionError)
    assert_error(response, 400, "The body is not valid JSON.",
                 [{"loc": ["body"], "msg": "nested too deeply"}])  # fmt: skip
    # nothing of it was stored
    assert client.get("/api/v1/records", headers=headers).status_code == 403
