"""Who works which site's service desk, and who sees a resident's number: 客服 (service) and
supervisors of the site and admins, on every page and export the desk adds; other staff not at
all; 客服 nothing else of the dashboard. On both databases."""

from __future__ import annotations

import pytest
from flask import g

from pwa.dashboard.desk_view import phone_of
from pwa.store.accounts import User
from tests.pwa.desk_support import MASKED, PHONE, add_people, registered, signed_in
from tests.pwa.support import PASSWORD, assert_error, bearer, sign_in

NUMBER = "LY-20260609-001"
# every page and export of the desk that shows a ticket's people
SHOWING = [
    "/dashboard/lanyuan/desk",
    "/dashboard/lanyuan/desk?format=csv&table=tickets",
    f"/dashboard/lanyuan/desk/{NUMBER}",
]
# and those that show none
OTHERS = [
    "/dashboard/lanyuan/desk/new",
    f"/dashboard/lanyuan/desk/{NUMBER}?format=csv&table=events",
    "/dashboard/lanyuan/desk/month",
    *(
        f"/dashboard/lanyuan/desk/month?format=csv&table={t}"
        for t in ("by_category", "by_source", "clocks", "rates")
    ),
]


@pytest.fixture
def ticket(app):
    add_people(app)
    client, csrf = signed_in(app, "svc-l")
    assert registered(client, csrf) == NUMBER
    return NUMBER


@pytest.mark.parametrize("username", ["svc-l", "sup-l", "admin"])
def test_the_desk_sees_the_number_in_full(app, ticket, username):
    client, _ = signed_in(app, username)
    for path in SHOWING:
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert PHONE in body and MASKED not in body, path
    for path in OTHERS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert PHONE not in response.get_data(as_text=True), path


@pytest.mark.parametrize(("username", "site"), [("svc-j", "jinxiu"), ("sup-j", "jinxiu")])
def test_the_desk_of_another_site_is_closed(app, ticket, username, site):
    client, csrf = signed_in(app, username, site)
    for path in [*SHOWING, *OTHERS]:
        response = client.get(path)
        assert_error(response, 403, "You are not assigned to site 'lanyuan'.")
        assert PHONE not in response.get_data(as_text=True)
    posted = client.post(
        f"/dashboard/lanyuan/desk/{NUMBER}/note", data={"text": "x", "csrf_token": csrf}
    )
    assert_error(posted, 403, "You are not assigned to site 'lanyuan'.")


@pytest.mark.parametrize("username", ["guard-l", "eng-l"])
def test_other_staff_never_open_the_desk(app, ticket, username):
    client = app.test_client()
    page = client.get("/dashboard/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/dashboard/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf}
    )
    assert_error(response, 403, "The dashboard is for supervisors and admins.")
    # nor with the phone's own token
    headers = bearer(sign_in(client, username))
    for path in [*SHOWING, *OTHERS]:
        response = client.get(path, headers=headers)
        assert_error(response, 403, "The dashboard is for supervisors and admins.")
        assert PHONE not in response.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(app, ticket):
    for path in [*SHOWING, *OTHERS]:
        response = app.test_client().get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/dashboard/login?next=")


def test_the_service_desk_sees_only_the_desk(app, ticket):
    client, _ = signed_in(app, "svc-l")
    home = client.get("/dashboard/")
    assert home.status_code == 302 and home.headers["Location"] == "/dashboard/lanyuan/desk"
    for path in ("/dashboard/lanyuan/", "/dashboard/lanyuan/exceptions", "/dashboard/lanyuan/acks",
                 "/dashboard/lanyuan/report", "/dashboard/admin/users"):  # fmt: skip
        assert_error(client.get(path), 403, "客服 may open only the service desk's pages.")
    page = client.get("/dashboard/lanyuan/desk").get_data(as_text=True)
    tabs = page.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    assert "/dashboard/lanyuan/desk" in tabs and "/dashboard/lanyuan/exceptions" not in tabs
    assert 'href="/dashboard/lanyuan/desk"' in page.split('<nav class="sites"', 1)[1]


def test_a_supervisor_has_the_desk_among_the_other_tabs(app, ticket):
    client, _ = signed_in(app, "sup-l")
    page = client.get("/dashboard/lanyuan/").get_data(as_text=True)
    tabs = page.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/dashboard/lanyuan/desk">客服工单</a>' in tabs
    assert '<a href="/dashboard/lanyuan/desk/month">工单月报</a>' in tabs
    assert "/dashboard/lanyuan/exceptions" in tabs


@pytest.mark.parametrize(
    ("roles", "sites", "shown"),
    [
        ({"service"}, {"lanyuan"}, PHONE),
        ({"supervisor"}, {"lanyuan"}, PHONE),
        ({"admin"}, set(), PHONE),
        ({"service"}, {"jinxiu"}, MASKED),
        ({"engineer"}, {"lanyuan"}, MASKED),
        ({"guard", "cleaner"}, {"lanyuan"}, MASKED),
    ],
)
def test_the_one_rule_for_a_number(sqlite_app, roles, sites, shown):
    """Every page and export of the desk shows a number through `phone_of`."""

    class Row:
        site, phone = "lanyuan", PHONE

    with sqlite_app.test_request_context():
        g.dashboard_user = User(1, "someone", frozenset(roles), frozenset(sites))
        assert phone_of(Row()) == shown


def test_every_desk_post_needs_the_csrf_token(app, ticket):
    client, csrf = signed_in(app, "svc-l")
    for path in (
        "/dashboard/lanyuan/desk/new",
        f"/dashboard/lanyuan/desk/{NUMBER}/note",
        f"/dashboard/lanyuan/desk/{NUMBER}/close",
    ):
        for form in ({}, {"csrf_token": "wrong"}):
            response = client.post(path, data={"text": "x", **form})
            assert_error(response, 403, "The CSRF token is missing or wrong; reload the page.")
