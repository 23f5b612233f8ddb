"""`/api/v1/blobs/<sha256>`: content-addressed photos, checked by type, size and hash."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from pwa.store import accounts
from pwa.store.models import blobs
from tests.pwa.support import PASSWORD, add_people, assert_error, bearer, sign_in

JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 50
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"w" * 50


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _put(client, token, data, content_type="image/jpeg", name=None):
    return client.put(
        f"/api/v1/blobs/{name or _sha(data)}",
        data=data,
        headers={**bearer(token), "Content-Type": content_type},
    )


def _count(app) -> int:
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.scalar(select(func.count()).select_from(blobs))


def test_upload_each_type_then_again_then_read(app, client):
    add_people(app, ("guard-l", "sup-l", "guard-j", "admin"))
    token = sign_in(client, "guard-l")
    for data, kind in [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")]:
        response = _put(client, token, data, kind)
        assert response.status_code == 201
        assert response.get_json() == {
            "sha256": _sha(data),
            "size": len(data),
            "content_type": kind,
        }
    assert _put(client, token, JPEG).status_code == 200  # already there: idempotent
    assert _count(app) == 3
    got = client.get(f"/api/v1/blobs/{_sha(JPEG)}", headers=bearer(token))
    assert (got.status_code, got.mimetype, got.get_data()) == (200, "image/jpeg", JPEG)
    # a supervisor of the uploader's site and an admin may see it; a guard elsewhere not
    sup = client.get(f"/api/v1/blobs/{_sha(JPEG)}", headers=bearer(sign_in(client, "sup-l")))
    assert sup.status_code == 200
    admin = client.get(f"/api/v1/blobs/{_sha(JPEG)}", headers=bearer(sign_in(client, "admin")))
    assert admin.status_code == 200
    other = client.get(f"/api/v1/blobs/{_sha(JPEG)}", headers=bearer(sign_in(client, "guard-j")))
    assert_error(other, 404, f"No photo {_sha(JPEG)}.", [])


def test_blob_errors(app, client):
    add_people(app, ("guard-l",))
    token = sign_in(client, "guard-l")
    assert_error(
        _put(client, token, JPEG, name="abc"),
        400,
        "The blob name must be the sha256 of its content.",
        [{"loc": ["path", "sha256"], "msg": "expected 64 lowercase hexadecimal characters"}],
    )
    assert_error(
        _put(client, token, JPEG, "image/gif"),
        415,
        "Photos must be JPEG, PNG or WebP.",
        [{"loc": ["header", "Content-Type"], "msg": "got 'image/gif'"}],
    )
    assert_error(
        _put(client, token, PNG, "image/jpeg"),
        415,
        "The body is not a JPEG image.",
        [{"loc": ["body"], "msg": "declared image/jpeg, content is image/png"}],
    )
    assert_error(
        _put(client, token, b"<script>", "image/png"),
        415,
        "The body is not a PNG image.",
        [{"loc": ["body"], "msg": "declared image/png, content is not an image"}],
    )
    assert_error(
        _put(client, token, JPEG, name="0" * 64),
        422,
        "The body does not match the sha256 in the URL.",
        [{"loc": ["path", "sha256"], "msg": f"the body's sha256 is {_sha(JPEG)}"}],
    )
    assert_error(
        _put(client, token, b"", name=_sha(b"")),
        400,
        "The body is empty.",
        [{"loc": ["body"], "msg": "expected the photo"}],
    )
    app.config["MAX_BLOB_BYTES"] = 100
    assert_error(_put(client, token, JPEG), 413, f"The photo is {len(JPEG)} bytes; at most 100.")
    assert_error(
        client.get(f"/api/v1/blobs/{'1' * 64}", headers=bearer(token)),
        404,
        f"No photo {'1' * 64}.",
        [],
    )
    assert _count(app) == 0


def test_anonymous_upload_401(app, client):
    response = client.put(f"/api/v1/blobs/{_sha(JPEG)}", data=JPEG, content_type="image/jpeg")
    assert_error(response, 401, "Sign in first: send 'Authorization: Bearer <token>'.", [])


def test_everyone_who_uploads_the_same_bytes_may_read_them(app, client):
    add_people(app, ("guard-l", "eng-l", "guard-j", "sup-l"))
    with app.extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(conn, accounts.hasher(1024, 1), "guard-x", PASSWORD, ["guard"], ["x"])
    first, second, elsewhere = (sign_in(client, n) for n in ("guard-l", "eng-l", "guard-j"))
    url = f"/api/v1/blobs/{_sha(JPEG)}"
    assert _put(client, first, JPEG).status_code == 201
    # the same photo from a colleague, and from someone at another site
    for token in (second, elsewhere):
        assert _put(client, token, JPEG).status_code == 200
        got = client.get(url, headers=bearer(token))
        assert (got.status_code, got.get_data()) == (200, JPEG)
    assert _count(app) == 1
    # someone who never uploaded it still may not
    assert_error(
        client.get(url, headers=bearer(sign_in(client, "guard-x"))),
        404,
        f"No photo {_sha(JPEG)}.",
        [],
    )
    # a photo only a jinxiu guard uploaded is not for lanyuan's supervisor; the jinxiu
    # guard's copy of the shared one is
    assert _put(client, elsewhere, PNG, "image/png").status_code == 201
    sup = sign_in(client, "sup-l")
    assert client.get(url, headers=bearer(sup)).status_code == 200
    assert_error(
        client.get(f"/api/v1/blobs/{_sha(PNG)}", headers=bearer(sup)),
        404,
        f"No photo {_sha(PNG)}.",
        [],
    )
