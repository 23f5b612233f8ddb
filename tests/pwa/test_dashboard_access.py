"""Who may open which dashboard page, CSRF on every change, and the admin pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from pwa.store.models import tokens
from tests.pwa.scenario import (
    DAY,
    dashboard_client,
    read_csv,
)
from tests.pwa.support import PASSWORD, assert_error

NEXT = DAY + dt.timedelta(days=1)
SITE_PAGES = [
    "/", "/range", "/exceptions", "/acks", "/trends", "/report", "/?format=csv&table=patrols",
    "/exceptions?format=csv&table=exceptions", "/acks?format=csv&table=acks",
]  # fmt: skip


@pytest.fixture
def world(world):
    """The scenario the next morning, after the night guard's phone stayed away."""
    world.clock.set(NEXT, "10:05")
    return world


def test_a_supervisor_of_lanyuan_sees_nothing_of_jinxiu(dashboard, world):
    client, csrf = dashboard_client(dashboard, "sup-l")
    for path in SITE_PAGES:
        assert_error(
            client.get(f"/dashboard/jinxiu{path}"), 403, "You are not assigned to site 'jinxiu'."
        )
    jinxiu = world.ids["jinxiu"]
    for method in ("get", "post"):
        response = getattr(client, method)(
            f"/dashboard/lanyuan/exceptions/{jinxiu}", data={"csrf_token": csrf}
        )
        assert_error(response, 404, f"No exception or incident {jinxiu} at site 'lanyuan'.")
    listing = client.get("/dashboard/lanyuan/exceptions?days=all").get_data(as_text=True)
    assert "JINXIU-SECRET" not in listing and jinxiu not in listing
    rows = read_csv(
        client.get("/dashboard/lanyuan/exceptions?days=all&format=csv&table=exceptions")
    )
    assert jinxiu not in {r[0] for r in rows}
    home = client.get("/dashboard/lanyuan/").get_data(as_text=True)
    assert "锦绣花园" not in home and "PTL-JX" not in home
    # one site: the index goes straight to it
    assert client.get("/dashboard/").headers["Location"] == "/dashboard/lanyuan/"
    assert_error(client.get("/dashboard/nowhere/"), 404, "No site 'nowhere'.")


def test_admin_sees_every_site(dashboard, world):
    client, _ = dashboard_client(dashboard, "admin")
    index = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/lanyuan/">兰苑小区</a>' in index
    assert 'href="/dashboard/jinxiu/">锦绣花园</a>' in index
    listing = client.get("/dashboard/jinxiu/exceptions").get_data(as_text=True)
    assert "JINXIU-SECRET" in listing


def test_staff_cannot_open_the_dashboard(dashboard, world):
    client = dashboard.test_client()
    token = client.get("/dashboard/login").get_data(as_text=True)
    csrf = token.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/dashboard/login", data={"username": "guard-a", "password": PASSWORD, "csrf_token": csrf}
    )
    assert_error(response, 403, "The dashboard is for supervisors and admins.")
    # nor with the phone's bearer token
    for path in ("/dashboard/", "/dashboard/lanyuan/", "/dashboard/admin/users"):
        assert_error(
            client.get(path, headers=world.day_phone.headers),
            403,
            "The dashboard is for supervisors and admins.",
        )
    # anonymous: to the sign-in page, coming back afterwards
    anonymous = dashboard.test_client().get("/dashboard/lanyuan/acks?date=2026-06-09")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == (
        "/dashboard/login?next=%2Fdashboard%2Flanyuan%2Facks%3Fdate%3D2026-06-09"
    )


def test_only_admins_reach_the_admin_pages(dashboard, world):
    client, csrf = dashboard_client(dashboard, "sup-l")
    for path in ("users", "sites", "tokens", "users?format=csv&table=users"):
        assert_error(
            client.get(f"/dashboard/admin/{path}"),
            403,
            "Only an admin may manage accounts, sites and tokens.",
        )
    assert_error(
        client.post("/dashboard/admin/tokens", data={"token_id": "1", "csrf_token": csrf}),
        403,
        "Only an admin may manage accounts, sites and tokens.",
    )


CSRF = "The CSRF token is missing or wrong; reload the page."


def test_every_change_needs_the_csrf_token(dashboard, world):
    client, csrf = dashboard_client(dashboard, "admin")
    changes = [
        ("/dashboard/admin/users", {"action": "add", "username": "x1", "password": "p" * 12,
                                    "roles": "guard", "sites": "lanyuan"}),
        ("/dashboard/admin/users", {"action": "disable", "username": "guard-a"}),
        ("/dashboard/admin/users", {"action": "update", "username": "guard-a", "roles": "cleaner",
                                    "sites": "lanyuan"}),
        ("/dashboard/admin/tokens", {"token_id": "1"}),
        (f"/dashboard/lanyuan/exceptions/{world.ids['repair']}", {"note": "x"}),
        ("/dashboard/logout", {}),
    ]  # fmt: skip
    for url, form in changes:
        assert_error(client.post(url, data=form), 403, CSRF)
        assert_error(client.post(url, data={**form, "csrf_token": "wrong"}), 403, CSRF)
    # nothing changed
    rows = read_csv(client.get("/dashboard/admin/users?format=csv&table=users"))
    assert ["guard-a", "guard", "lanyuan", "0"] in rows and "x1" not in {r[0] for r in rows}
    history = client.get(f"/dashboard/lanyuan/exceptions/{world.ids['repair']}")
    assert csrf and '<span class="note">x</span>' not in history.get_data(as_text=True)


def test_admin_adds_users_sets_roles_disables_and_revokes_tokens(dashboard, world):
    client, csrf = dashboard_client(dashboard, "admin")
    added = client.post(
        "/dashboard/admin/users",
        data={"action": "add", "username": "<i>new</i>", "password": "long enough pw",
              "roles": ["cleaner"], "sites": ["jinxiu"], "csrf_token": csrf},
    )  # fmt: skip
    assert added.status_code == 303
    page = client.get("/dashboard/admin/users").get_data(as_text=True)
    assert '<th scope="row">&lt;i&gt;new&lt;/i&gt;</th>' in page
    wrong = client.post(
        "/dashboard/admin/users",
        data={"action": "add", "username": "y", "password": "long enough pw", "roles": ["pilot"],
              "sites": ["lanyuan"], "csrf_token": csrf},
    )  # fmt: skip
    assert wrong.status_code == 422
    assert "unknown role &#39;pilot&#39;" in wrong.get_data(as_text=True)
    moved = client.post(
        "/dashboard/admin/users",
        data={"action": "update", "username": "guard-b", "roles": ["guard", "cleaner"],
              "sites": ["lanyuan", "jinxiu"], "csrf_token": csrf},
    )  # fmt: skip
    assert moved.status_code == 303
    off = client.post(
        "/dashboard/admin/users",
        data={"action": "disable", "username": "guard-a", "csrf_token": csrf},
    )
    assert off.status_code == 303
    rows = read_csv(client.get("/dashboard/admin/users?format=csv&table=users"))
    assert ["guard-b", "cleaner guard", "jinxiu lanyuan", "0"] in rows
    assert ["guard-a", "guard", "lanyuan", "1"] in rows
    assert ["<i>new</i>", "cleaner", "jinxiu", "0"] in rows
    # disabling revoked guard-a's token: the phone is signed out
    assert (
        world.day_phone.client.get(
            "/api/v1/definitions", headers=world.day_phone.headers
        ).status_code
        == 401
    )

    with dashboard.extensions["dutybook.engine"].connect() as conn:
        night = conn.execute(select(tokens.c.id).where(tokens.c.device_id == "ph-night")).scalar()
    listing = read_csv(client.get("/dashboard/admin/tokens?format=csv&table=tokens"))
    assert [r[2] for r in listing[1:]] == ["ph-day", "ph-night", "ph-eng", "ph-clean", "ph-jx"]
    revoked = client.post(
        "/dashboard/admin/tokens", data={"token_id": str(night), "csrf_token": csrf}
    )
    assert revoked.status_code == 303
    listing = read_csv(client.get("/dashboard/admin/tokens?format=csv&table=tokens"))
    row = next(r for r in listing if r[2] == "ph-night")
    assert row[6] == "2026-06-10 10:05"
    response = dashboard.test_client().get("/api/v1/definitions", headers=world.night_phone.headers)
    assert_error(response, 401, "The token has been revoked; sign in again.")
    assert_error(
        client.post("/dashboard/admin/tokens", data={"token_id": "999", "csrf_token": csrf}),
        404,
        "No token 999.",
    )
    sites = read_csv(client.get("/dashboard/admin/sites?format=csv&table=sites"))
    assert sites[0] == ["id", "name", "areas", "people", "devices", "last_received"]
    # guard-a, guard-b, eng-l, cleaner-l, sup-l and the one with the odd name
    assert sites[1][:4] == ["lanyuan", "兰苑小区", "18", "6"]
