"""Helpers for the service desk's dashboard tests: the desk's people, a signed-in browser,
registering a ticket through the desk's form, and the phone's events through the store."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk as rules
from pwa.store import accounts, db
from pwa.store.models import tickets
from tests.pwa.support import PASSWORD
from tests.pwa.support import add_people as add_standard_people

# beside tests.pwa.support.PEOPLE (guard-l, guard-j, eng-l, sup-l, admin)
DESK_PEOPLE = {
    "svc-l": (["service"], ["lanyuan"]),
    "svc-j": (["service"], ["jinxiu"]),
    "eng-l2": (["engineer"], ["lanyuan"]),
    "eng-j": (["engineer"], ["jinxiu"]),
    "sup-j": (["supervisor"], ["jinxiu"]),
}
PHONE, MASKED = "13800138000", "138****8000"
CALL = {
    "source": "phone",
    "category": "repair-normal",
    "room": "3-1-502",
    "name": "张女士",
    "phone": "138-0013-8000",
    "description": "厨房水管漏水<script>alert(1)</script>",
}


def add_people(app) -> None:
    add_standard_people(app)
    ph = accounts.hasher(1024, 1)
    with app.extensions["dutybook.engine"].begin() as conn:
        for name, (roles, sites) in DESK_PEOPLE.items():
            accounts.add_user(conn, ph, name, PASSWORD, roles, sites)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(app, username: str, site: str = "lanyuan"):
    """A browser signed in to the dashboard: (client, the session's CSRF token)."""
    client = app.test_client()
    token = csrf_of(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/dashboard/{site}/desk")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client, csrf_of(page.get_data(as_text=True))


def register(client, csrf: str, site: str = "lanyuan", form_id: str | None = None, **values):
    form = {**CALL, **values, "form_id": form_id or str(uuid.uuid4()), "csrf_token": csrf}
    return client.post(f"/dashboard/{site}/desk/new", data=form)


def registered(client, csrf: str, **values) -> str:
    """Register a ticket at the desk; its number."""
    response = register(client, csrf, **values)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def form_id(html: str, action: str) -> str:
    """The event id the ticket page's form for `action` carries."""
    form = html.split(f'id="form-{action}"', 1)[1].split("</form>", 1)[0]
    return re.search(r'name="event_id" value="([^"]+)"', form).group(1)


def act(client, csrf: str, number: str, action: str, site: str = "lanyuan", **fields):
    """Post the ticket page's form for `action`, as a person would after opening the page."""
    page = client.get(f"/dashboard/{site}/desk/{number}").get_data(as_text=True)
    data = {"event_id": form_id(page, action), "csrf_token": csrf, **fields}
    return client.post(f"/dashboard/{site}/desk/{number}/{action}", data=data)


def phone_events(app, number: str, actor: str, *kinds: str) -> None:
    """What an assignee's phone sends (accepted, arrived, finished), straight into the log."""
    with app.app_context(), db.writing() as conn:
        row = conn.execute(select(tickets).where(tickets.c.number == number)).one()
        now = utcnow()
        events = [rules.NewEvent(str(uuid.uuid4()), kind, now, actor, {}) for kind in kinds]
        rules.add(conn, current_bundle().desk, row.id, events, now)


def ticket_row(app, number: str):
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.execute(select(tickets).where(tickets.c.number == number)).one()


def count(app, table) -> int:
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()
