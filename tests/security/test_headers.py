"""Security headers on every route of the url map, the handbook's script hashes, no raw bundle."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from pwa.security import inline_script_hashes, policy
from tests.pwa.support import add_people, assert_error, bearer, sign_in
from tests.security.conftest import MATERIAL_PAGE

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# a concrete value for every url variable of the url map
SAMPLE = {
    "site": "lanyuan",
    "record_id": "00000000-0000-4000-8000-000000000000",
    "sha256": "0" * 64,
    "token_id": "1",
    # a resident's status link: an unknown token answers 404, with the headers
    "token": "0" * 32,
    "action": "confirm",
    "path": "procedures/",
    "number": "LY-20260609-001",
    "version_id": "1",
}
STATIC_FILES = {
    "shell.static": "app/main.js",
    "dashboard.static": "dashboard.css",
    "static": "app/app.css",
}


def _url(rule) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        return STATIC_FILES[rule.endpoint] if name == "filename" else SAMPLE[name]

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule.rule)


def _every_request(app) -> list[tuple[str, str]]:
    """(method, url) for every method of every rule of the url map."""
    calls = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            calls.append((method, _url(rule)))
    # revoking tokens last: the admin's token must last the whole walk
    return sorted(set(calls), key=lambda call: (call[0] == "DELETE", call))


def _check(response, csp: str = CSP) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    assert response.headers.get("Content-Security-Policy") == csp, response.request.path
    assert "Strict-Transport-Security" not in response.headers


def test_every_route_answers_with_the_headers(sqlite_app):
    add_people(sqlite_app, ("admin", "guard-l"))
    calls = _every_request(sqlite_app)
    anonymous = sqlite_app.test_client()
    admin = sqlite_app.test_client()
    headers = bearer(sign_in(admin, "admin"))
    statuses: set[int] = set()
    for method, url in calls:
        for client, extra in ((anonymous, {}), (admin, headers)):
            with client.open(url, method=method, headers=extra) as response:
                if url == "/procedures/" and response.status_code == 200:
                    continue  # the Material page gets its script hashes: checked below
                _check(response)
                statuses.add(response.status_code)
    # the headers hold on answers of every kind, not only on pages that worked
    assert {200, 204, 302, 401, 403, 404, 415} <= statuses
    # a new route must be looked at here: 45 with the service desk (/api/v1/tickets, /r/...),
    # 53 with the desk's dashboard pages, 55 with the alert log (GET and POST), 59 with the
    # phone's handover sheet and the drills' and handovers' pages, 61 with the records' export
    # and the site's day, 68 with publishing (the upload, the log, going back, the changes)
    # and the handbook versions' pages
    assert len(calls) == 68


def test_login_page_and_error_pages_have_them(sqlite_app):
    client = sqlite_app.test_client()
    _check(client.get("/dashboard/login"))
    _check(client.post("/dashboard/login", data={"username": "x"}))  # CSRF 403
    _check(client.get("/no/such/page.html"))
    _check(client.put("/api/v1/records"))  # 405


def test_hsts_only_over_https(sqlite_app):
    client = sqlite_app.test_client()
    plain = client.get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/healthz", base_url="https://duty.example.com")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_behind_a_trusted_proxy(sqlite_app):
    sqlite_app.config["PROXY_COUNT"] = 1
    from pwa import proxy

    proxy.init_app(sqlite_app)
    client = sqlite_app.test_client()
    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert forwarded.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _sha(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def test_material_inline_scripts_allowed_by_their_hashes_only(sqlite_app):
    response = sqlite_app.test_client().get("/procedures/")
    assert response.status_code == 200
    expected = [
        _sha('__md_scope=new URL("..",location)'),
        _sha('var palette=__md_get("__palette")'),
        _sha("var target=document.getElementById(location.hash.slice(1))"),
    ]
    assert response.headers["Content-Security-Policy"] == policy(expected)
    assert "script-src 'self' 'wasm-unsafe-eval' 'sha256-" in policy(expected)
    assert response.get_data(as_text=True) == MATERIAL_PAGE
    # gzipped for a phone (pwa/compress.py), the same page keeps the same policy
    packed = sqlite_app.test_client().get("/procedures/", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Content-Security-Policy"] == policy(expected)
    # a revalidated page keeps the policy it was cached with
    etag = response.headers["ETag"]
    client = sqlite_app.test_client()
    with client.get("/procedures/", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert "Content-Security-Policy" not in again.headers
        assert again.headers["X-Frame-Options"] == "DENY"


def test_json_blocks_and_external_scripts_get_no_hash():
    page = (
        b'<script type="application/json">{}</script><script src="/a.js"></script>'
        b'<script type="module">import "/b.js"</script><SCRIPT TYPE="text/javascript">x()</SCRIPT>'
    )
    assert inline_script_hashes(page) == [_sha('import "/b.js"'), _sha("x()")]


@pytest.mark.parametrize(
    "path",
    [
        "/handbook.json",
        "/./handbook.json",
        "/procedures/../handbook.json",
        "/procedures/%2e%2e/handbook.json",
        "/procedures/%2E%2E/handbook.json",
    ],
)
def test_the_raw_bundle_is_not_served(sqlite_app, path):
    response = sqlite_app.test_client().get(path)
    assert response.status_code == 404
    assert b"answer" not in response.data
    _check(response)


def test_the_bundle_comes_only_through_the_definitions_api(sqlite_app):
    add_people(sqlite_app, ("guard-l",))
    client = sqlite_app.test_client()
    assert_error(client.get("/handbook.json"), 404, "No handbook page at /handbook.json.", [])
    response = client.get("/api/v1/definitions", headers=bearer(sign_in(client, "guard-l")))
    assert response.status_code == 200 and "documents" in response.get_json()


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/procedures/../../secret.txt",
        "/procedures/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/procedures/..%5c..%5csecret.txt",
        "/app/static/../../security.py",
        "/app/static/%2e%2e/%2e%2e/security.py",
        "/dashboard/static/..%2f..%2fsecurity.py",
        "/static/../security.py",
    ],
)
def test_path_traversal_reads_nothing_outside(sqlite_app, path):
    response = sqlite_app.test_client().get(path)
    assert response.status_code == 404, path
    assert b"outside the site" not in response.data and b"add_headers" not in response.data
    _check(response)
