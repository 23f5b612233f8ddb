"""Role × site × endpoint, generated from the url map: a new endpoint without a rule fails.

Every caller is fresh for every request (a sign-out or revocation cannot leak into the next
check): anonymous; a guard of lanyuan and a supervisor of lanyuan with bearer tokens for the
API and, for the supervisor, a dashboard cookie session; an admin likewise.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk
from pwa.store import accounts, db, tickets
from tests.pwa.support import PASSWORD, add_people, app_data, bearer, record, sign_in
from tests.reliability import summary

CALLERS = ("anonymous", "guard-l", "sup-l", "admin")
JPEG = b"\xff\xd8\xff\xe0matrix"
SHA = hashlib.sha256(JPEG).hexdigest()
LY_EXC, JX_EXC = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"

# (method, rule) -> {site or "": outcome per caller in CALLERS order}; outcomes are status codes
RULES: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    ("GET", "/"): {"": (200, 200, 200, 200)},
    ("GET", "/<path:path>"): {"": (200, 200, 200, 200)},
    ("GET", "/sw.js"): {"": (200, 200, 200, 200)},
    ("GET", "/static/<path:filename>"): {"": (200, 200, 200, 200)},
    ("GET", "/app/"): {"": (200, 200, 200, 200)},
    ("GET", "/app/manifest.webmanifest"): {"": (200, 200, 200, 200)},
    # the emergency plans open with nobody signed in: public, like the handbook pages
    ("GET", "/app/emergency.json"): {"": (200, 200, 200, 200)},
    ("GET", "/app/static/<path:filename>"): {"": (200, 200, 200, 200)},
    ("GET", "/healthz"): {"": (200, 200, 200, 200)},
    ("GET", "/api/openapi.json"): {"": (200, 200, 200, 200)},
    ("POST", "/api/v1/session"): {"": (201, 201, 201, 201)},
    ("GET", "/api/v1/session"): {"": (401, 200, 200, 200)},
    ("DELETE", "/api/v1/session"): {"": (401, 204, 204, 204)},
    ("GET", "/api/v1/tokens"): {"": (401, 200, 200, 200)},
    ("DELETE", "/api/v1/tokens/<token_id>"): {"": (401, 404, 404, 204)},
    ("GET", "/api/v1/definitions"): {"": (401, 200, 200, 200)},
    # a push answers 200; the record's own status is checked in test_pushes_by_site
    ("POST", "/api/v1/records"): {"": (401, 200, 200, 200)},
    ("GET", "/api/v1/records"): {
        "lanyuan": (401, 403, 200, 200),
        "jinxiu": (401, 403, 403, 200),
    },
    # the photo is already stored (by the engineer): 200, not 201
    ("PUT", "/api/v1/blobs/<sha256>"): {"": (401, 200, 200, 200)},
    # each caller has just uploaded the same bytes (the row above), so each may read them;
    # a guard who never did gets 404 (tests/pwa/test_blobs.py)
    ("GET", "/api/v1/blobs/<sha256>"): {"": (401, 200, 200, 200)},
    ("GET", "/dashboard/login"): {"": (200, 200, 200, 200)},
    # anonymous signs in as a guard: staff are turned away from the dashboard
    ("POST", "/dashboard/login"): {"": (403, 403, 302, 302)},
    ("POST", "/dashboard/logout"): {"": (302, 302, 302, 302)},
    ("GET", "/dashboard/static/<path:filename>"): {"": (200, 200, 200, 200)},
    ("GET", "/dashboard/"): {"": (302, 403, 302, 200)},
    ("GET", "/dashboard/admin/users"): {"": (302, 403, 403, 200)},
    ("POST", "/dashboard/admin/users"): {"": (302, 403, 403, 303)},
    ("GET", "/dashboard/admin/sites"): {"": (302, 403, 403, 200)},
    ("GET", "/dashboard/admin/tokens"): {"": (302, 403, 403, 200)},
    ("POST", "/dashboard/admin/tokens"): {"": (302, 403, 403, 303)},
}
SITE_PAGES = ("", "acks", "exceptions", "range", "report", "trends")
for page in SITE_PAGES:
    RULES[("GET", f"/dashboard/<site>/{page}")] = {
        "lanyuan": (302, 403, 200, 200),
        "jinxiu": (302, 403, 403, 200),
    }
for method, changed in (("GET", 200), ("POST", 303)):
    RULES[(method, "/dashboard/<site>/exceptions/<record_id>")] = {
        "lanyuan": (302, 403, changed, changed),
        "jinxiu": (302, 403, 403, changed),
    }


# the service desk's pages, with a 客服 (service) of lanyuan among the callers; one ticket per
# site (with the engineer's photo), each caller fresh as above
DESK_CALLERS = ("anonymous", "guard-l", "svc-l", "sup-l", "admin")
LY_TICKET, JX_TICKET = "LY-20260609-001", "JX-20260609-001"
DESK_RULES: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {}
for method, rule, changed in (
    ("GET", "/dashboard/<site>/desk", 200),
    ("GET", "/dashboard/<site>/desk/new", 200),
    ("POST", "/dashboard/<site>/desk/new", 303),
    ("GET", "/dashboard/<site>/desk/month", 200),
    ("GET", "/dashboard/<site>/desk/<number>", 200),
    ("POST", "/dashboard/<site>/desk/<number>/<action>", 303),
    ("GET", "/dashboard/<site>/desk/<number>/photos/<sha256>", 200),
):
    DESK_RULES[(method, rule)] = {
        "lanyuan": (302, 403, changed, changed, changed),
        "jinxiu": (302, 403, 403, 403, changed),
    }
# making a ticket of an exception is the exceptions page's: supervisors and admins only
DESK_RULES[("POST", "/dashboard/<site>/exceptions/<record_id>/ticket")] = {
    "lanyuan": (302, 403, 403, 303, 303),
    "jinxiu": (302, 403, 403, 403, 303),
}
DESK_FORMS = {
    "/dashboard/<site>/desk/new": lambda: {
        "form_id": str(uuid.uuid4()), "source": "phone", "category": "repair-normal",
        "room": "1-1-101", "name": "李", "phone": "13900001111", "description": "灯坏了",
    },
    "/dashboard/<site>/desk/<number>/<action>": lambda: {
        "event_id": str(uuid.uuid4()), "text": "seen",
    },
    "/dashboard/<site>/exceptions/<record_id>/ticket": lambda: {"category": "staff-found"},
}  # fmt: skip


def _route_key(rule) -> str:
    return re.sub(r"<int:(\w+)>", r"<\1>", rule.rule)


def url_map_routes(app) -> set[tuple[str, str]]:
    return {
        (method, _route_key(rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_endpoint_has_a_rule(app):
    assert set(RULES) | set(DESK_RULES) == url_map_routes(app)


def _setup(app) -> None:
    add_people(app)
    ph = accounts.hasher(1024, 1)
    client = app.test_client()
    eng = bearer(sign_in(client, "eng-l", "seed"))
    gj = bearer(sign_in(client, "guard-j", "seed"))
    exc = {**app_data("exception"), "category": "water", "note": "n", "photos": [SHA]}
    ly = record(id=LY_EXC, type="exception", data=exc)
    jx = record(id=JX_EXC, type="exception", def_id="PTL-JX-OUT-NIGHT", site="jinxiu", data=exc)
    for headers, rec in ((eng, ly), (gj, jx)):
        response = client.post("/api/v1/records", json={"records": [rec]}, headers=headers)
        assert response.get_json()["results"][0]["status"] == "created"
    put = client.put(f"/api/v1/blobs/{SHA}", data=JPEG,
                     headers={**eng, "Content-Type": "image/jpeg"})  # fmt: skip
    assert put.status_code == 201
    with app.extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(conn, ph, "victim", PASSWORD, ["guard"], ["lanyuan"])
        accounts.add_user(conn, ph, "svc-l", PASSWORD, ["service"], ["lanyuan"])
    with app.app_context(), db.writing() as conn:
        for site in ("lanyuan", "jinxiu"):
            call = desk.Report(site, "repair-normal", "3-1-502", "张", "13800138000", "漏水",
                               "phone", photos=(SHA,))  # fmt: skip
            made = desk.report(conn, current_bundle().desk, call, actor="m", user_id=None,
                               now=utcnow())  # fmt: skip
            tickets.add_photos(conn, made[0], [SHA])


def _client(app, caller: str, dashboard: bool):
    """(client, headers, csrf) for a fresh caller; the dashboard uses a cookie session."""
    client = app.test_client()
    if caller == "anonymous":
        page = client.get("/dashboard/login").get_data(as_text=True)
        return client, {}, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    if dashboard and caller != "guard-l":
        page = client.get("/dashboard/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/dashboard/login",
                    data={"username": caller, "password": PASSWORD, "csrf_token": csrf})  # fmt: skip
        return client, {}, client.get("/api/v1/session").get_json()["csrf_token"]
    return client, bearer(sign_in(client, caller, f"matrix-{caller}")), ""


def _request(app, caller: str, method: str, rule: str, site: str):
    dashboard = rule.startswith("/dashboard/") and rule not in (
        "/dashboard/login",
        "/dashboard/static/<path:filename>",
    )
    if rule == "/dashboard/login":
        client, _, csrf = _client(app, "anonymous", False)
        headers = {}
    else:
        client, headers, csrf = _client(app, caller, dashboard)
    url = {
        "/<path:path>": "/index.html",
        "/static/<path:filename>": "/static/app/app.css",
        "/app/static/<path:filename>": "/app/static/app/main.js",
        "/dashboard/static/<path:filename>": "/dashboard/static/dashboard.css",
        "/api/v1/tokens/<token_id>": "/api/v1/tokens/1",  # the seeding engineer's token
        "/api/v1/blobs/<sha256>": f"/api/v1/blobs/{SHA}",
        "/api/v1/records": f"/api/v1/records?site={site}" if method == "GET" else None,
    }.get(rule) or rule.replace("<site>", site or "lanyuan").replace(
        "<record_id>", LY_EXC if site == "lanyuan" else JX_EXC
    ).replace("<number>", LY_TICKET if site == "lanyuan" else JX_TICKET).replace(
        "<action>", "note"
    ).replace("<sha256>", SHA)
    kwargs: dict = {"headers": dict(headers)}
    if rule == "/api/v1/session" and method == "POST":
        name = caller if caller != "anonymous" else "victim"
        kwargs["json"] = {"username": name, "password": PASSWORD, "device_id": "m"}
    elif rule == "/api/v1/records":
        kwargs["json"] = {"records": [record()]} if method == "POST" else None
    elif method == "PUT":
        kwargs["data"] = JPEG
        kwargs["headers"]["Content-Type"] = "image/jpeg"
    elif method == "POST":
        form = {
            "/dashboard/login": {"username": caller if caller != "anonymous" else "victim"},
            "/dashboard/admin/users": {"action": "disable", "username": "victim"},
            "/dashboard/admin/tokens": {"token_id": "1"},
            "/dashboard/<site>/exceptions/<record_id>": {"note": "seen"},
        }.get(rule) or DESK_FORMS.get(rule, dict)()
        if rule == "/dashboard/login":
            form["password"] = PASSWORD
        kwargs["data"] = {**form, "csrf_token": csrf}
    with client.open(url, method=method, **kwargs) as response:
        return response.status_code


def test_role_site_endpoint_matrix(app):
    _setup(app)
    actual = {
        key: {
            site: tuple(_request(app, caller, *key, site) for caller in CALLERS) for site in sites
        }
        for key, sites in RULES.items()
    }
    assert actual == RULES
    cases = sum(len(sites) * len(CALLERS) for sites in RULES.values())
    cases += _desk_matrix(app)
    summary.record(
        "matrix",
        app.config["DATABASE_URL"].split(":")[0].split("+")[0],
        {"routes": len(RULES), "callers": len(CALLERS), "route_site_caller_cases": cases},
    )


def _desk_matrix(app) -> int:
    actual = {
        key: {
            site: tuple(_request(app, caller, *key, site) for caller in DESK_CALLERS)
            for site in sites
        }
        for key, sites in DESK_RULES.items()
    }
    assert actual == DESK_RULES
    return sum(len(sites) * len(DESK_CALLERS) for sites in DESK_RULES.values())


def test_pushes_by_site(app, client):
    """Who may record at which site: the record's own status names the reason."""
    add_people(app)
    pushes = {
        "lanyuan": {"def_id": "CHK-PUMP-ROOM", "site": "lanyuan"},
        "jinxiu": {"type": "patrol_round", "def_id": "PTL-JX-OUT-NIGHT", "site": "jinxiu"},
    }
    statuses = {}
    for caller in ("guard-l", "eng-l", "sup-l", "admin", "guard-j"):
        headers = bearer(sign_in(client, caller))
        for site, fields in pushes.items():
            body = client.post("/api/v1/records", json={"records": [record(**fields)]},
                               headers=headers)  # fmt: skip
            result = body.get_json()["results"][0]
            statuses[(caller, site)] = (result["status"], result.get("error", {}).get("msg"))
    not_assigned = "you are not assigned to site '{}'".format
    assert statuses == {
        ("guard-l", "lanyuan"): ("rejected", "'CHK-PUMP-ROOM' is not for your roles"),
        ("guard-l", "jinxiu"): ("rejected", not_assigned("jinxiu")),
        ("eng-l", "lanyuan"): ("created", None),
        ("eng-l", "jinxiu"): ("rejected", not_assigned("jinxiu")),
        ("sup-l", "lanyuan"): ("created", None),
        ("sup-l", "jinxiu"): ("rejected", not_assigned("jinxiu")),
        ("admin", "lanyuan"): ("created", None),
        ("admin", "jinxiu"): ("created", None),
        ("guard-j", "lanyuan"): ("rejected", not_assigned("lanyuan")),
        ("guard-j", "jinxiu"): ("created", None),
    }
