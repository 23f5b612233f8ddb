"""Handbook and app files go gzipped to a client that takes it, with their own ETag."""

from __future__ import annotations

import gzip

PAGE = "<html><body>" + "<p>消防泵房巡检：检查压力表读数。</p>" * 400 + "</body></html>"


def test_a_page_goes_gzipped_to_a_client_that_takes_it(sqlite_app, site_dir):
    (site_dir / "big").mkdir()
    (site_dir / "big" / "index.html").write_text(PAGE, encoding="utf-8")
    client = sqlite_app.test_client()
    plain = client.get("/big/")
    assert plain.headers.get("Content-Encoding") is None
    assert plain.get_data(as_text=True) == PAGE
    packed = client.get("/big/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert packed.headers["Cache-Control"] == "no-cache"
    assert packed.mimetype == "text/html"
    body = packed.get_data()
    assert len(body) < len(PAGE.encode()) / 10
    assert gzip.decompress(body).decode() == PAGE
    # the service worker revalidates with the ETag it was given: unchanged is a 304
    etag = packed.headers["ETag"]
    assert etag != plain.headers["ETag"]
    again = client.get("/big/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    # a rebuilt page is a new body, a new ETag, never the old compressed copy
    (site_dir / "big" / "index.html").write_text(PAGE + "<!-- v2 -->", encoding="utf-8")
    changed = client.get("/big/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert changed.status_code == 200
    assert gzip.decompress(changed.get_data()).decode().endswith("<!-- v2 -->")


def encoding(resp) -> str | None:
    resp.close()  # only the headers are read here: let the file go
    return resp.headers.get("Content-Encoding")


def test_what_gzip_cannot_help_goes_as_it_is(sqlite_app, site_dir):
    (site_dir / "photo.png").write_bytes(b"\x89PNG" + bytes(4000))
    (site_dir / "small.html").write_text("<p>短</p>", encoding="utf-8")
    (site_dir / "big.html").write_text(PAGE, encoding="utf-8")
    client = sqlite_app.test_client()
    gz = {"Accept-Encoding": "gzip"}
    assert encoding(client.get("/photo.png", headers=gz)) is None
    assert encoding(client.get("/small.html", headers=gz)) is None
    # a client that refuses gzip, and a range request, get the bytes as stored
    refused = client.get("/big.html", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert encoding(refused) is None
    part = client.get("/big.html", headers={**gz, "Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers.get("Content-Encoding") is None
    assert part.get_data() == PAGE.encode()[:100]
    part.close()  # a partial answer keeps its file open until closed


def test_the_apps_own_files_go_gzipped_too(sqlite_app):
    resp = sqlite_app.test_client().get(
        "/app/static/app/i18n.js", headers={"Accept-Encoding": "gzip"}
    )
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "install_progress" in gzip.decompress(resp.get_data()).decode()
