"""One error shape everywhere; the OpenAPI description equals the real url map; request logs."""

from __future__ import annotations

import json
import logging
import re

from tests.pwa.support import PASSWORD, add_people, assert_error, bearer, record, sign_in


def test_unknown_api_path_and_method_use_the_shape(client):
    assert_error(client.get("/api/v1/nothing"), 404, "No API endpoint at /api/v1/nothing.", [])
    response = client.put("/api/v1/records")
    assert_error(response, 405, "The method is not allowed for the requested URL.", [])
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert_error(client.get("/no/such/page.html"), 404, "No handbook page at /no/such/page.html.")


def test_a_browser_gets_the_error_as_a_page(app, client):
    """The same fields, as HTML, for a person navigating; the API stays JSON."""
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    response = client.get("/no/such/<page>.html", headers=html)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "<h1>找不到页面</h1>" in text
    assert "No handbook page at /no/such/&lt;page&gt;.html." in text
    assert '<a href="/">' in text
    add_people(app, ("guard-l",))
    staff = client.get(
        "/dashboard/lanyuan/", headers={**html, **bearer(sign_in(client, "guard-l"))}
    )
    assert (staff.status_code, staff.mimetype) == (403, "text/html")
    assert "<h1>无权访问</h1>" in staff.get_data(as_text=True)
    assert '<a href="/dashboard/">' in staff.get_data(as_text=True)
    api = client.get("/api/v1/nothing", headers=html)
    assert (api.status_code, api.mimetype) == (404, "application/json")


def test_unexpected_failure_is_a_500_in_the_shape(app, client, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr("pwa.api.definitions.current_bundle", broken)
    add_people(app, ("admin",))
    response = client.get("/api/v1/definitions", headers=bearer(sign_in(client, "admin")))
    assert_error(response, 500, "The server failed; the error has been logged.", [])


def test_handbook_served_at_root(client, site_dir):
    (site_dir / "guide").mkdir()
    (site_dir / "guide" / "index.html").write_text("guide", encoding="utf-8")
    for path, text in [("/", "<h1>handbook</h1>"), ("/guide/", "guide"), ("/guide", "guide")]:
        with client.get(path) as response:
            assert (response.status_code, response.get_data(as_text=True)) == (200, text)
            assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/../secret").status_code == 404


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_openapi_matches_the_url_map(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    real: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            real.setdefault(_openapi_path(rule.rule), set()).update(methods)
    described = {path: set(ops) for path, ops in spec["paths"].items()}
    assert described == real
    # every $ref resolves
    text = json.dumps(spec)
    for ref in re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', text):
        assert ref[1] in spec["components"][ref[0]]


def test_request_log_has_no_secrets(app, client, caplog):
    add_people(app, ("eng-l",))
    with caplog.at_level(logging.INFO, logger="dutybook.request"):
        token = sign_in(client, "eng-l")
        client.post("/api/v1/records", json={"records": [record()]}, headers=bearer(token))
        client.get("/api/v1/definitions?token=" + token, headers=bearer(token))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "dutybook.request"]
    assert [(e["method"], e["path"], e["status"], e["user"]) for e in lines] == [
        ("POST", "/api/v1/session", 201, None),
        ("POST", "/api/v1/records", 200, "eng-l"),
        ("GET", "/api/v1/definitions", 200, "eng-l"),
    ]
    assert lines[1]["records"] == {"created": 1}
    everything = caplog.text
    assert token not in everything and PASSWORD not in everything
