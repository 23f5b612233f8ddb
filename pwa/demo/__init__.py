"""`dutybook demo`: the seven days before now written into a fresh install, so a first look at
the dashboard has a week to show: rounds and checklists done, late and missed, a phone that has
not synced, exceptions, tickets, drills and handovers.

Nothing is inserted by hand. Each phone's records are built as the app builds them, from the
handbook's own checklists, routes, plans and schedules, and pushed through the app's real
`POST /api/v1/records` with a token issued to a demo account; the desk's and the resident's
steps go through `pwa.ops.desk`, the exception workflow through `pwa.ops.exceptions_flow`. The
app's clock is held at each step's moment while it runs (`pwa.clock.held`), so received times,
last syncs and deadlines are those of the week. Demo phones' ids start with `demo-`, demo
tickets are marked `reported_from = "demo"`: a database holding anything else is refused, and
one that already holds the demo week is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from pwa.api.definitions import current_bundle
from pwa.config import STAFF_ROLES
from pwa.demo import plans
from pwa.demo.week import DEVICE_PREFIX, NIGHT_GUARD, Week
from pwa.store import accounts, records, tickets
from pwa.store.db import transaction

TICKET_MARK = "demo"  # a demo ticket's `reported_from`
DEMO_ROLES = (*STAFF_ROLES, "supervisor", "admin")
PLANS = (plans.plan_phones, plans.plan_rounds, plans.plan_exceptions, plans.plan_drills,
         plans.plan_handovers, plans.plan_tickets)  # fmt: skip


class DemoRefused(Exception):
    """The database holds what the demo did not write."""


def check_database(app: Flask) -> int:
    """How many demo records the database holds; DemoRefused if it holds anything else."""
    with app.extensions["dutybook.engine"].connect() as conn:
        ours, others = records.count_by_device(conn, DEVICE_PREFIX)
        foreign_tickets = tickets.count_not_from(conn, TICKET_MARK)
    if others or foreign_tickets:
        what = f"{others} records from real devices" if others else ""
        if foreign_tickets:
            what += (" and " if what else "") + f"{foreign_tickets} tickets not made by the demo"
        raise DemoRefused(
            f"refusing to write the demo week: this database holds {what}. "
            "The demo is for a fresh install; point DUTYBOOK_DATABASE_URL at an empty database."
        )
    return ours


def ensure_people(app: Flask, hasher) -> list[tuple[str, str, str]]:
    """The demo accounts the week needs that are missing, added: (name, role, password) each."""
    sites = sorted(current_bundle().site_ids)
    wanted = [(f"demo-{role}", role) for role in DEMO_ROLES] + [(NIGHT_GUARD, "guard")]
    made = []
    with transaction(app.extensions["dutybook.engine"]) as conn:
        have = {u.username for u in accounts.list_users(conn)}
        for name, role in wanted:
            if name not in have:
                password = accounts.new_password()
                accounts.add_user(conn, hasher, name, password, [role], sites)
                made.append((name, role, password))
    if made:
        saved = Path(app.instance_path) / "demo-accounts.txt"
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.touch(mode=0o600)
        with saved.open("a", encoding="utf-8") as out:
            out.writelines(f"  {name:<18} {role:<11} {pw}\n" for name, role, pw in made)
    return made


def write_week(
    app: Flask, now: dt.datetime, echo: Callable[[str], None], hasher
) -> dict[str, int] | None:
    """Write the demo week ending at `now` (aware); None when it is there already."""
    with app.app_context():
        if check_database(app):
            return None
        for name, role, password in ensure_people(app, hasher):
            echo(f"added demo account {name} ({role}) password: {password}")
        week = Week(app, now, echo)
    start, end = (moment.astimezone(week.tz).isoformat(timespec="minutes")
                  for moment in (week.start, week.now))  # fmt: skip
    echo(f"writing the demo week, {start} to {end}")
    return week.run(PLANS)
