"""The open list's filters work in the query, before its cap: a few tickets of one kind are
all listed however many others are open (on both databases)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from pwa.dashboard.desk import MAX_OPEN
from pwa.store.models import tickets
from tests.pwa.desk_support import add_people, registered, signed_in
from tests.pwa.test_desk_pages import numbers


@pytest.fixture
def desk(app):
    add_people(app)
    return signed_in(app, "svc-l")


def crowd(app, number: str, how_many: int) -> None:
    """`how_many` open repairs like ticket `number`, each nearer its close deadline than any
    other ticket and none late: the list's cap is filled with them first."""
    engine = app.extensions["dutybook.engine"]
    with engine.begin() as conn:
        model = conn.execute(select(tickets).where(tickets.c.number == number)).one()._asdict()
        soon = model["created_at"] + dt.timedelta(minutes=50)
        rows = [
            {
                **model,
                "id": str(uuid.uuid4()),
                "number": f"LY-CROWD-{n:05d}",
                "token_hash": None,
                "respond_due": None,
                "on_site_due": None,
                "close_due": soon,
            }
            for n in range(how_many)
        ]
        conn.execute(tickets.insert(), rows)


def test_a_filter_finds_its_few_among_more_than_the_cap(app, desk, fixed_clock):
    client, csrf = desk
    urgent = registered(client, csrf, category="repair-urgent")  # on site within 10 minutes
    complaints = [registered(client, csrf, category="complaint") for _ in range(3)]
    normal = registered(client, csrf, category="repair-normal")  # respond within 5 minutes
    crowd(app, normal, MAX_OPEN + 5)
    fixed_clock.shift(dt.timedelta(minutes=15))  # the two repairs are late; the crowd is not
    base = "/dashboard/lanyuan/desk"
    everything = numbers(client.get(base).get_data(as_text=True))
    assert len(everything) == MAX_OPEN and urgent not in everything  # the cap holds
    assert sorted(numbers(client.get(f"{base}?group=complaint").get_data(as_text=True))) == (
        complaints
    )
    assert sorted(numbers(client.get(f"{base}?category=complaint").get_data(as_text=True))) == (
        complaints
    )
    assert numbers(client.get(f"{base}?category=repair-urgent").get_data(as_text=True)) == [urgent]
    late = sorted([urgent, normal])
    assert sorted(numbers(client.get(f"{base}?late=1").get_data(as_text=True))) == late
    # two filters together: the late repairs, and no late complaint
    urgent_late = f"{base}?late=1&category=repair-urgent"
    assert numbers(client.get(urgent_late).get_data(as_text=True)) == [urgent]
    assert numbers(client.get(f"{base}?late=1&group=complaint").get_data(as_text=True)) == []
