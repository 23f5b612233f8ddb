"""`?next=` after the dashboard sign-in: only a path on this origin, whatever the encoding."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.pwa.support import PASSWORD, add_people

# `next` as an attacker writes it in the link (the server decodes it once); followed by a
# browser, each leaves the origin or (newlines) broke the response with a 500
BYPASSES = [
    "//evil.example/",
    "/%09/evil.example/",  # a tab: browsers drop it, leaving //evil.example/
    "/%0a/x",  # a newline in a header answered 500
    "/%0a/evil.example/",
    "/%0d/evil.example/",
    "/%0d%0aSet-Cookie:%20a=b",
    "/%5Cevil.example/",  # browsers read a backslash as a slash
    "/\\evil.example/",
    "%5C/evil.example/",
    "\\/evil.example/",
    "%5C%5Cevil.example/",
    "/%252F/evil.example/",  # a slash encoded twice: a proxy or a second decode unwraps it
    "/%252f%252fevil.example/",
    "%252F%252Fevil.example/",
    "/%255Cevil.example/",
    "%2F%2Fevil.example/",
    "///evil.example/",
    "////evil.example/",
    "https://evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,x",
    "%20//evil.example/",  # leading blanks and controls are stripped by the URL parser
    "%20/dashboard/",
    "/%20/evil.example/",
    "/%E3%80%80/evil.example/",  # an ideographic space
    "%00//evil.example/",
    "/%00/evil.example/",
    "/%7f/evil.example/",
    "evil.example",
    "",
]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, target: str, raw: bool = True):
    token = _csrf(client.get("/dashboard/login").get_data(as_text=True))
    return client.post(
        f"/dashboard/login?next={target}" if raw else "/dashboard/login",
        query_string=None if raw else {"next": target},
        data={"username": "sup-l", "password": PASSWORD, "csrf_token": token},
    )


@pytest.fixture
def supervisor(sqlite_app):
    add_people(sqlite_app, ("sup-l",))
    return sqlite_app.test_client()


@pytest.mark.parametrize("target", BYPASSES)
def test_next_outside_the_origin_falls_back_to_the_dashboard(supervisor, target):
    response = _login(supervisor, target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/dashboard/"


@pytest.mark.parametrize(
    "target",
    [
        "/dashboard/records",
        "/dashboard/lanyuan/?day=2026-05-01",
        "/dashboard/lanyuan/exceptions#open",
        "/dashboard/%E9%97%A8%E5%B2%97/",
    ],
)
def test_next_on_this_origin_is_followed(supervisor, target):
    response = _login(supervisor, target, raw=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == target
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", "")
