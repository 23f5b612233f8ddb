"""A body over the limit sent chunked (no Content-Length) to the real server (`dutybook run`,
gunicorn) is a 413 like one that declares its length; one under the limit is read whole."""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil

import pytest

from tests.pwa.support import record
from tests.reliability.server import Server, add_engineers, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _send(port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # an iterable body without a Content-Length: http.client sends it chunked
        conn.request(method, path, body=iter([body[:500], body[500:]]), headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.fixture
def server(sqlite_template, tmp_path, site_dir):
    database = tmp_path / "dutybook.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    add_engineers(url, ["eng-chunked"])
    running = Server(url, tmp_path, site_dir)
    running.env["DUTYBOOK_MAX_RECORDS_BYTES"] = "1000"
    running.env["DUTYBOOK_MAX_BLOB_BYTES"] = "100"
    running.start()
    yield running
    running.stop()


def test_chunked_bodies_over_the_limit_are_413(server):
    token = sign_in(server.port, "eng-chunked", "dev-chunked")
    auth = {"Authorization": f"Bearer {token}"}
    json_headers = {**auth, "Content-Type": "application/json"}

    big = json.dumps({"records": [record(seq=i) for i in range(5)]}).encode()
    assert len(big) > 1000
    status, body = _send(server.port, "POST", "/api/v1/records", big, json_headers)
    assert (status, body["message"]) == (413, "The body is more than 1000 bytes; at most 1000.")

    one = json.dumps({"records": [record(device_id="dev-chunked")]}).encode()
    assert len(one) < 1000
    status, body = _send(server.port, "POST", "/api/v1/records", one, json_headers)
    assert (status, body["results"][0]["status"]) == (200, "created")

    photo = PNG + b"\0" * 200
    path = f"/api/v1/blobs/{hashlib.sha256(photo).hexdigest()}"
    status, body = _send(server.port, "PUT", path, photo, {**auth, "Content-Type": "image/png"})
    assert (status, body["message"]) == (413, "The photo is more than 100 bytes; at most 100.")
    assert "Traceback" not in server.log_text()
