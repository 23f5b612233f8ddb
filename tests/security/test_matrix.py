"""Role × site × endpoint: one table says who may call each route; the cases are generated.

`RULES` names every route of the app's url map with who may call it and the answer they get
(a route without a rule, or a rule without a route, fails `test_every_route_has_a_rule`).
Each route is one test, on SQLite and PostgreSQL: it is asked by every caller of `CALLERS`,
for each site its URL can name, and a caller who may not gets the refusal its reason gives,
message and all (`refusal`). Every caller is fresh for every request, so a sign-out or a
revocation cannot leak into the next check: anonymous; a revoked token; staff with bearer
tokens (the dashboard turns them away); a supervisor of lanyuan and an admin with bearer tokens
for the API and a cookie session for the dashboard; a 客服 (service) of lanyuan, who has a
cookie session for the service desk's pages and nothing else of the dashboard.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk
from pwa.store import accounts, db, tickets
from tests.pwa.support import PASSWORD, PEOPLE, add_people, app_data, bearer, record, sign_in
from tests.reliability import summary

CALLERS = ("anonymous", "revoked", "guard-l", "guard-j", "eng-l", "svc-l", "sup-l", "admin")
# whose password a caller signs in with: anonymous with a guard's no other check touches,
# revoked with the engineer's (its token was signed out before the request)
PERSON = {"anonymous": "victim", "revoked": "eng-l"}
EVERYONE = {**PEOPLE, "victim": (["guard"], ["lanyuan"]), "svc-l": (["service"], ["lanyuan"])}
SITES = ("lanyuan", "jinxiu")
JPEG = b"\xff\xd8\xff\xe0matrix"
SHA = hashlib.sha256(JPEG).hexdigest()
LY_EXC, JX_EXC = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
# the service desk's ticket at each site (_setup), reported with the photo
TICKETS = {"lanyuan": "LY-20260609-001", "jinxiu": "JX-20260609-001"}

# who may call a route
ANYONE = "anyone"
SIGNED_IN = "anyone signed in"
SUPERVISORS = "supervisors of the site, and admins"
DESK = "客服 (service) and supervisors of the site, and admins"
OF_SITE = "anyone of the site, and admins"
ADMINS = "admins"


@dataclass(frozen=True)
class Rule:
    who: str
    # case -> the answer to a caller who may; a case is "" (the route's one URL), a site the
    # URL names ("" for the records: no site asked), or for a photo "new" or "stored"
    cases: dict[str, int] = field(default_factory=lambda: {"": 200})
    # a supervisor of one site asking for every site is sent to theirs
    one_site: int | None = None


def rule(who: str, ok: int = 200, sites: tuple[str, ...] = ("",), **kw) -> Rule:
    return Rule(who, dict.fromkeys(sites, ok), **kw)


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/"): rule(ANYONE),
    ("GET", "/<path:path>"): rule(ANYONE),
    ("GET", "/sw.js"): rule(ANYONE),
    ("GET", "/static/<path:filename>"): rule(ANYONE),
    ("GET", "/app/"): rule(ANYONE),
    ("GET", "/app/manifest.webmanifest"): rule(ANYONE),
    # the emergency plans open with nobody signed in: public, like the handbook pages
    ("GET", "/app/emergency.json"): rule(ANYONE),
    ("GET", "/app/static/<path:filename>"): rule(ANYONE),
    ("GET", "/healthz"): rule(ANYONE),
    ("GET", "/api/openapi.json"): rule(ANYONE),
    ("POST", "/api/v1/session"): rule(ANYONE, 201),
    ("GET", "/api/v1/session"): rule(SIGNED_IN),
    ("DELETE", "/api/v1/session"): rule(SIGNED_IN, 204),
    ("GET", "/api/v1/tokens"): rule(SIGNED_IN),
    # token 1 is the victim's: another's token looks like no token (404, not 403)
    ("DELETE", "/api/v1/tokens/<token_id>"): rule(ADMINS, 204),
    ("GET", "/api/v1/definitions"): rule(SIGNED_IN),
    # a push answers 200; the record's own status is checked in test_pushes_by_site
    ("POST", "/api/v1/records"): rule(SIGNED_IN),
    ("GET", "/api/v1/records"): rule(SUPERVISORS, sites=("", *SITES)),
    ("GET", "/api/v1/records/export"): rule(ADMINS, sites=("", *SITES)),
    # a phone's view of its site's current periods: everyone of the site
    ("GET", "/api/v1/site-day"): rule(OF_SITE, sites=SITES),
    # new bytes are stored (201); bytes stored before (by everyone, in _setup) answer 200
    ("PUT", "/api/v1/blobs/<sha256>"): Rule(SIGNED_IN, {"new": 201, "stored": 200}),
    # everyone has uploaded these bytes (_setup), so each may read them; who else may is in
    # tests/pwa/test_blobs.py
    ("GET", "/api/v1/blobs/<sha256>"): rule(SIGNED_IN),
    ("GET", "/dashboard/login"): rule(ANYONE),
    # each caller signs in with its own name (anonymous as a guard): staff are turned away
    # 客服 sign in too, for the service desk's pages
    ("POST", "/dashboard/login"): rule(DESK, 302),
    ("POST", "/dashboard/logout"): rule(ANYONE, 302),
    ("GET", "/dashboard/static/<path:filename>"): rule(ANYONE),
    # one site: straight to it (a 客服 to its desk)
    ("GET", "/dashboard/"): rule(DESK, one_site=302),
    ("GET", "/dashboard/admin/users"): rule(ADMINS),
    ("POST", "/dashboard/admin/users"): rule(ADMINS, 303),
    ("GET", "/dashboard/admin/sites"): rule(ADMINS),
    ("GET", "/dashboard/admin/tokens"): rule(ADMINS),
    ("POST", "/dashboard/admin/tokens"): rule(ADMINS, 303),
    # the alert log; a test alert (this handbook has no channels: nothing is sent)
    ("GET", "/dashboard/admin/alerts"): rule(ADMINS),
    ("POST", "/dashboard/admin/alerts"): rule(ADMINS, 303),
    # the handbook's versions: none published here, so version 1 is not found
    ("GET", "/dashboard/admin/versions"): rule(ADMINS),
    ("POST", "/dashboard/admin/versions"): rule(ADMINS, 400),
    ("GET", "/dashboard/admin/versions/<version_id>"): rule(ADMINS, 404),
    # publishing: an upload needs a tar.gz (415 without); the changes need a published bundle
    ("POST", "/api/v1/handbook/versions"): rule(ADMINS, 415),
    ("GET", "/api/v1/handbook/versions"): rule(ADMINS),
    ("POST", "/api/v1/handbook/versions/<version_id>/live"): rule(ADMINS, 404),
    ("GET", "/api/v1/handbook/changes"): rule(SIGNED_IN, 404),
    **{
        ("GET", f"/dashboard/<site>/{page}"): rule(SUPERVISORS, sites=SITES)
        for page in ("", "acks", "exceptions", "range", "report", "trends", "drills", "handovers")
    },
    ("GET", "/dashboard/<site>/exceptions/<record_id>"): rule(SUPERVISORS, sites=SITES),
    # a drill held away from a phone, recorded on the drills page
    ("POST", "/dashboard/<site>/drills"): rule(SUPERVISORS, 303, sites=SITES),
    # the service desk: a phone's list of what it is given
    ("GET", "/api/v1/tickets"): rule(SIGNED_IN),
    # a shift handover: the caller's sites' handovers, open exceptions and tickets
    ("GET", "/api/v1/handovers"): rule(SIGNED_IN),
    # the resident's pages need no account: the report form and its poster for every site; an
    # empty report is refused with what is missing (400); a status link is its token, and an
    # unknown token reads nothing (404), signed in or not
    ("GET", "/r/<site>/"): rule(ANYONE, sites=SITES),
    ("POST", "/r/<site>/"): rule(ANYONE, 400, sites=SITES),
    ("GET", "/r/<site>/poster"): rule(ANYONE, sites=SITES),
    ("GET", "/r/t/<token>"): rule(ANYONE, 404),
    ("POST", "/r/t/<token>/<action>"): rule(ANYONE, 404),
    ("GET", "/r/t/<token>/photos/<sha256>"): rule(ANYONE, 404),
    ("POST", "/dashboard/<site>/exceptions/<record_id>"): rule(SUPERVISORS, 303, sites=SITES),
    # the exception made a ticket; the second caller who may is sent to the same one
    ("POST", "/dashboard/<site>/exceptions/<record_id>/ticket"): rule(
        SUPERVISORS, 303, sites=SITES
    ),
    # the service desk
    ("GET", "/dashboard/<site>/desk"): rule(DESK, sites=SITES),
    ("GET", "/dashboard/<site>/desk/new"): rule(DESK, sites=SITES),
    ("POST", "/dashboard/<site>/desk/new"): rule(DESK, 303, sites=SITES),
    ("GET", "/dashboard/<site>/desk/month"): rule(DESK, sites=SITES),
    ("GET", "/dashboard/<site>/desk/<number>"): rule(DESK, sites=SITES),
    ("POST", "/dashboard/<site>/desk/<number>/<action>"): rule(DESK, 303, sites=SITES),
    ("GET", "/dashboard/<site>/desk/<number>/photos/<sha256>"): rule(DESK, sites=SITES),
}
# what the dashboard lets a 客服 reach: the desk's own pages (and signing in)
DESK_PAGES = {key for key, found in RULES.items() if found.who == DESK} - {
    ("POST", "/dashboard/login")
}
LOGIN = ("POST", "/dashboard/login")
# the dashboard's own pages: a cookie session for supervisors and admins
COOKIE = {key for key in RULES if key[1].startswith("/dashboard/")} - {
    ("GET", "/dashboard/login"),
    LOGIN,
    ("GET", "/dashboard/static/<path:filename>"),
}


def _route_key(rule) -> str:
    return re.sub(r"<int:(\w+)>", r"<\1>", rule.rule)


def url_map_routes(app) -> set[tuple[str, str]]:
    return {
        (method, _route_key(rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_rule(app):
    assert set(RULES) == url_map_routes(app)
    cases = sum(len(r.cases) * len(CALLERS) for r in RULES.values())
    summary.record(
        "matrix",
        app.config["DATABASE_URL"].split(":")[0].split("+")[0],
        {"routes": len(RULES), "callers": len(CALLERS), "route_site_caller_cases": cases},
    )


def person(key: tuple[str, str], caller: str) -> str | None:
    """Whom the request acts for: the sign-in form names a person; otherwise the caller's
    credentials do, and anonymous or revoked ones name nobody."""
    if key == LOGIN:
        return PERSON.get(caller, caller)
    return None if caller in PERSON else caller


def may(key: tuple[str, str], caller: str, case: str) -> bool:
    who, name = RULES[key].who, person(key, caller)
    if who == ANYONE:
        return True
    if name is None:
        return False
    roles, sites = EVERYONE[name]
    if who == SIGNED_IN or "admin" in roles:
        return True
    if who == ADMINS:
        return False
    if who == DESK and "service" in roles:
        return case not in SITES or case in sites
    if who == OF_SITE:
        return case in sites
    return "supervisor" in roles and (case not in SITES or case in sites)


def refusal(key: tuple[str, str], caller: str, case: str, url: str) -> tuple[int, str]:
    """The answer to a caller who may not, and what it says: its message or where it sends."""
    name = person(key, caller)
    if name is None and caller == "revoked":
        return 401, "The token has been revoked; sign in again."
    if name is None and key in COOKIE:
        return 302, "/dashboard/login?" + urlencode({"next": url})
    if name is None:
        return 401, "Sign in first: send 'Authorization: Bearer <token>'."
    roles = set(EVERYONE[name][0])
    if key[1].startswith("/dashboard/") and not {"supervisor", "admin"} & roles:
        if "service" not in roles or key == LOGIN:
            return 403, "The dashboard is for supervisors and admins."
        if key not in DESK_PAGES:
            return 403, "客服 may open only the service desk's pages."
    if key[1] == "/api/v1/tokens/<token_id>":
        return 404, "No token 1."
    if RULES[key].who == ADMINS and key[1].startswith("/api/"):
        return 403, "This needs one of the roles: admin."
    if RULES[key].who == ADMINS:
        return 403, "Only an admin may manage accounts, sites and tokens."
    if RULES[key].who not in (DESK, OF_SITE) and "supervisor" not in roles:
        return 403, "This needs one of the roles: supervisor."
    return 403, f"You are not assigned to site {case!r}."


def expected(key: tuple[str, str], caller: str, case: str) -> int | tuple[int, str]:
    """A status for one who may; (status, what it says) for one who may not."""
    found = RULES[key]
    if not may(key, caller, case):
        return refusal(key, caller, case, _url(key, case))
    if found.one_site is not None and caller != "admin":
        return found.one_site
    return found.cases[case]


def _setup(app) -> None:
    """Everyone of support.PEOPLE, a 客服 and a victim, whose token is token 1; an exception
    at each site; one photo, uploaded by everyone (the engineer first); a ticket at each site,
    reported with the photo."""
    add_people(app)
    with app.extensions["dutybook.engine"].begin() as conn:
        for name in ("victim", "svc-l"):
            roles, sites = EVERYONE[name]
            accounts.add_user(conn, accounts.hasher(1024, 1), name, PASSWORD, roles, sites)
    client = app.test_client()
    sign_in(client, "victim", "seed")  # token 1
    eng = bearer(sign_in(client, "eng-l", "seed"))
    gj = bearer(sign_in(client, "guard-j", "seed"))
    exc = {**app_data("exception"), "category": "water", "note": "n", "photos": [SHA]}
    ly = record(id=LY_EXC, type="exception", data=exc)
    jx = record(id=JX_EXC, type="exception", def_id="PTL-JX-OUT-NIGHT", site="jinxiu", data=exc)
    for headers, rec in ((eng, ly), (gj, jx)):
        response = client.post("/api/v1/records", json={"records": [rec]}, headers=headers)
        assert response.get_json()["results"][0]["status"] == "created"
    others = [
        bearer(sign_in(client, name, "seed")) for name in ("guard-l", "svc-l", "sup-l", "admin")
    ]
    for n, headers in enumerate([eng, gj, *others]):
        put = client.put(f"/api/v1/blobs/{SHA}", data=JPEG,
                         headers={**headers, "Content-Type": "image/jpeg"})  # fmt: skip
        assert put.status_code == (201 if n == 0 else 200)
    with app.app_context(), db.writing() as conn:
        for site, number in TICKETS.items():
            call = desk.Report(site, "repair-normal", "3-1-502", "张", "13800138000", "漏水",
                               "phone", photos=(SHA,))  # fmt: skip
            made = desk.report(conn, current_bundle().desk, call, actor="m", user_id=None,
                               now=utcnow())  # fmt: skip
            assert made[1] == number
            tickets.add_photos(conn, made[0], [SHA])


def _client(app, caller: str, cookie: bool):
    """(client, headers, csrf) for a fresh caller; the dashboard's pages use a cookie session
    where the caller can have one."""
    client = app.test_client()
    if caller == "anonymous":
        page = client.get("/dashboard/login").get_data(as_text=True)
        return client, {}, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    if caller == "revoked":
        token = sign_in(client, "eng-l", "matrix-revoked")
        assert client.delete("/api/v1/session", headers=bearer(token)).status_code == 204
        return client, bearer(token), ""
    if cookie and {"supervisor", "admin", "service"} & set(EVERYONE[caller][0]):
        page = client.get("/dashboard/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/dashboard/login",
                    data={"username": caller, "password": PASSWORD, "csrf_token": csrf})  # fmt: skip
        return client, {}, client.get("/api/v1/session").get_json()["csrf_token"]
    return client, bearer(sign_in(client, caller, f"matrix-{caller}")), ""


def _url(key: tuple[str, str], case: str) -> str:
    method, route = key
    return {
        "/<path:path>": "/index.html",
        "/static/<path:filename>": "/static/app/app.css",
        "/app/static/<path:filename>": "/app/static/app/main.js",
        "/dashboard/static/<path:filename>": "/dashboard/static/dashboard.css",
        "/api/v1/tokens/<token_id>": "/api/v1/tokens/1",  # the victim's token
        "/api/v1/records": f"/api/v1/records?site={case}" if method == "GET" and case else None,
        "/api/v1/records/export": f"/api/v1/records/export?site={case}" if case else None,
        "/api/v1/site-day": f"/api/v1/site-day?site={case}",
    }.get(route) or route.replace("<site>", case or "lanyuan").replace(
        "<record_id>", LY_EXC if case == "lanyuan" else JX_EXC
    ).replace("<number>", TICKETS.get(case, "")).replace("<token>", "0" * 32).replace(
        "<action>", "confirm" if route.startswith("/r/") else "note"
    ).replace("<sha256>", SHA).replace("<version_id>", "1")


def answer(app, key: tuple[str, str], caller: str, case: str, said: bool):
    """The status of the request; with `said`, (status, its message or where it sends)."""
    method, route = key
    if route == "/dashboard/login":
        client, headers, csrf = _client(app, "anonymous", False)
        headers = {}
    else:
        client, headers, csrf = _client(app, caller, key in COOKIE)
    url, name = _url(key, case), PERSON.get(caller, caller)
    kwargs: dict = {"headers": dict(headers)}
    if route == "/api/v1/session" and method == "POST":
        kwargs["json"] = {"username": name, "password": PASSWORD, "device_id": "m"}
    elif route == "/api/v1/records":
        kwargs["json"] = {"records": [record()]} if method == "POST" else None
    elif route == "/api/v1/blobs/<sha256>":
        data = JPEG if case != "new" else JPEG + f"{caller}-new".encode()
        url = f"/api/v1/blobs/{hashlib.sha256(data).hexdigest()}"
        if method == "PUT":
            kwargs["data"] = data
            kwargs["headers"]["Content-Type"] = "image/jpeg"
    elif method == "POST":
        form = {
            "/dashboard/login": {"username": name, "password": PASSWORD},
            "/dashboard/admin/users": {"action": "disable", "username": "victim"},
            "/dashboard/admin/tokens": {"token_id": "1"},
            "/dashboard/admin/alerts": {"action": "test", "site": "lanyuan", "form_id": str(uuid.uuid4())},
            "/dashboard/<site>/exceptions/<record_id>": {"note": "seen"},
            "/dashboard/<site>/exceptions/<record_id>/ticket": {"category": "staff-found"},
            "/dashboard/<site>/desk/new": {
                "form_id": str(uuid.uuid4()), "source": "phone", "category": "repair-normal",
                "room": "1-1-101", "name": "李", "phone": "13900001111", "description": "灯坏了",
            },
            "/dashboard/<site>/desk/<number>/<action>": {
                "event_id": str(uuid.uuid4()), "text": "seen",
            },
            "/dashboard/<site>/drills": {
                "form_id": str(uuid.uuid4()), "plan": "EMG-ELEVATOR-TRAP",
                "started_at": "2026-06-09T09:00", "ended_at": "2026-06-09T09:30",
                "participants": "王强",
            },
        }.get(route, {})  # fmt: skip
        kwargs["data"] = {**form, "csrf_token": csrf}
    with client.open(url, method=method, **kwargs) as response:
        if not said:
            return response.status_code
        if response.status_code in (301, 302, 303):
            return response.status_code, response.headers["Location"]
        assert response.is_json, (url, response.status_code, response.get_data(as_text=True))
        return response.status_code, response.get_json()["message"]


@pytest.mark.parametrize("key", list(RULES), ids=[f"{m} {r}" for m, r in RULES])
def test_who_may_call_the_route(app, key):
    _setup(app)
    cells = [(caller, case) for case in RULES[key].cases for caller in CALLERS]
    want = {cell: expected(key, *cell) for cell in cells}
    got = {cell: answer(app, key, *cell, said=isinstance(want[cell], tuple)) for cell in cells}
    assert got == want


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
