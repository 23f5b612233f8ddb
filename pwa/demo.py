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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from pwa import clock
from pwa.api.definitions import current_bundle
from pwa.config import STAFF_ROLES
from pwa.ops import exceptions_flow
from pwa.store import accounts, records, staff, tickets
from pwa.store.db import transaction

DEVICE_PREFIX = "demo-"
TICKET_MARK = "demo"
DEMO_ROLES = (*STAFF_ROLES, "supervisor", "admin")
NIGHT_GUARD = "demo-guard2"  # the guard who takes over at the shift change
DAYS = 7
HELD_BACK = dt.timedelta(hours=5)  # the garage cleaner's phone last synced this long ago
TOKEN_HOURS = 24 * (DAYS + 3)
# who does a document's work, by the first of its roles found here
WORKERS = ("guard", "cleaner", "engineer", "greener", "service", "supervisor")
NIGHT_SHIFTS = ("night", "cr-middle", "cr-late")
MINUTE = dt.timedelta(minutes=1)


class DemoRefused(Exception):
    """The database holds what the demo did not write."""


@dataclass
class Phone:
    username: str
    device: str
    site: str
    token: str = ""
    seq: int = 0
    offline_since: dt.datetime | None = None  # aware UTC: nothing is pushed after it


@dataclass(order=True)
class Step:
    at: dt.datetime  # aware UTC
    order: int
    run: Callable[[], None] = field(compare=False)


class Week:
    """The demo week being written: its phones, its steps in time order, what it has written."""

    def __init__(self, app: Flask, now: dt.datetime, echo: Callable[[str], None]) -> None:
        self.app, self.now, self.echo = app, now.astimezone(dt.UTC), echo
        self.engine = app.extensions["dutybook.engine"]
        self.client = app.test_client()
        self.raw = current_bundle().raw
        self.desk = current_bundle().desk
        self.tz = ZoneInfo((self.raw.get("site") or {}).get("timezone") or "Asia/Shanghai")
        self.sites = sorted(current_bundle().site_ids)
        self.start = self.now - dt.timedelta(days=DAYS)
        self.phones: dict[tuple[str, str], Phone] = {}
        self.steps: list[Step] = []
        self.pending: dict[tuple[str, dt.datetime], list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.user_ids: dict[str, int] = {}

    # --- phones and time ------------------------------------------------------------------------

    def phone(self, username: str, site: str) -> Phone:
        key = (username, site)
        if key not in self.phones:
            device = f"{DEVICE_PREFIX}{username.removeprefix('demo-')}-{site}"
            self.phones[key] = Phone(username, device, site)
        return self.phones[key]

    def local(self, day: dt.date, hours: int, minutes: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hours, minutes), self.tz)

    def at(self, moment: dt.datetime, run: Callable[[], None]) -> None:
        self.steps.append(Step(moment.astimezone(dt.UTC), len(self.steps), run))

    def record(
        self,
        phone: Phone,
        type_: str,
        def_id: str,
        made: dt.datetime,
        data: dict | Callable[[], dict],
        sync: dt.datetime | None = None,
    ) -> str:
        """A record made on `phone` at `made`, pushed at its next sync (or at `sync`)."""
        rid = str(uuid.uuid4())
        entry = self.raw["documents"][def_id]
        rec = {
            "id": rid,
            "type": type_,
            "def_id": def_id,
            "def_version": str(entry.get("version") or "1.0"),
            "site": phone.site,
            "device_id": phone.device,
            "seq": 0,  # numbered in the order the phone made them, below
            "recorded_at": made.astimezone(self.tz).replace(microsecond=0).isoformat(),
            "data": data,
        }
        if sync is None:
            # online: the outbox goes up within minutes (the server flags a record that
            # arrives over ten minutes after it was made, as it would a phone's wrong clock)
            base = made.astimezone(dt.UTC) + 3 * MINUTE
            sync = base.replace(second=0, microsecond=0) + (5 - base.minute % 5) * MINUTE
        sync = min(sync.astimezone(dt.UTC), self.now - dt.timedelta(minutes=1))
        if phone.offline_since and sync > phone.offline_since:
            return rid  # still in the phone's outbox
        key = (phone.device, sync)
        if key not in self.pending:
            self.pending[key] = []
            self.at(sync, lambda: self.push(phone, self.pending.pop(key)))
        self.pending[key].append(rec)
        return rid

    def push(self, phone: Phone, batch: list[dict]) -> None:
        """One sync of one phone through the app's own endpoint; every record must be taken."""
        batch = [{**r, "data": r["data"]() if callable(r["data"]) else r["data"]} for r in batch]
        response = self.client.post(
            "/api/v1/records",
            json={"records": batch},
            headers={"Authorization": f"Bearer {phone.token}"},
        )
        results = response.get_json()["results"] if response.status_code == 200 else []
        refused = [r for r in results if r["status"] not in ("created", "duplicate")]
        if response.status_code != 200 or refused:
            raise RuntimeError(
                f"the app refused a demo record of {phone.username} on {phone.device}: "
                f"{refused or response.get_data(as_text=True)}"
            )
        for rec in batch:
            self.counts[rec["type"]] = self.counts.get(rec["type"], 0) + 1

    def call_in(self, phone: Phone) -> None:
        """A phone with nothing to send still calls in: its token's use is its last sync."""
        response = self.client.get(
            "/api/v1/definitions", headers={"Authorization": f"Bearer {phone.token}"}
        )
        if response.status_code != 200:
            raise RuntimeError(f"a demo phone could not call in: {response.status_code}")

    def write(self, change: Callable) -> None:
        """A write outside a request, as the desk or the workflow makes it: `change(conn, now)`
        with the held time, naive UTC. (Requests run outside any outer app context: the test
        client would otherwise share one `g`, and its user and connection, among them all.)"""
        with self.app.app_context(), transaction(self.engine) as conn:
            change(conn, clock.utcnow())

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            self.user_ids = {u.username: u.id for u in accounts.list_users(conn)}
        from pwa.demo_work import plan_week

        plan_week(self)
        for phone in self.phones.values():
            if phone.offline_since is None:
                moment = self.now - dt.timedelta(minutes=3 + len(phone.device) % 7)
                self.at(moment, lambda p=phone: self.call_in(p))
        self.number()
        with clock.held(self.app, self.start - dt.timedelta(hours=1)):
            self.write(self.issue_tokens)
        day = None
        for step in sorted(self.steps):
            shown = step.at.astimezone(self.tz).date()
            if shown != day:
                day = shown
                self.echo(f"  {day}: {sum(self.counts.values())} records so far")
            with clock.held(self.app, step.at):
                step.run()
        return self.counts

    def number(self) -> None:
        """Each phone's records numbered in the order it made them (`seq`)."""
        made = [r for batch in self.pending.values() for r in batch]
        by_device = {p.device: p for p in self.phones.values()}
        for rec in sorted(made, key=lambda r: dt.datetime.fromisoformat(r["recorded_at"])):
            phone = by_device[rec["device_id"]]
            phone.seq += 1
            rec["seq"] = phone.seq

    def issue_tokens(self, conn, _now) -> None:
        for phone in self.phones.values():
            phone.token, _ = accounts.issue_token(
                conn, self.user_ids[phone.username], phone.device, TOKEN_HOURS
            )

    # --- the desk and the workflow ----------------------------------------------------------------

    def people(self, conn, site: str, role: str) -> set[str]:
        return {name for _, name, _ in staff.site_staff(conn, site, [role])}

    def seen(self, ticket_id: str) -> str:
        with self.engine.connect() as conn:
            row = tickets.ticket(conn, ticket_id)
        return row.updated_at.replace(tzinfo=dt.UTC).isoformat()

    def workflow(
        self, moment: dt.datetime, record_id: str, username: str, status: str, **more
    ) -> None:
        """A step of the exception workflow, as the dashboard's form makes it."""

        def change(conn, _now) -> None:
            history = exceptions_flow.history(conn, [record_id])[record_id]
            current = exceptions_flow.state_of(history).status
            known = {u.username for u in accounts.list_users(conn)}
            exceptions_flow.change(
                conn, record_id, self.user_ids[username], current, status,
                more.get("assignee"), more.get("note"), known,
            )  # fmt: skip

        self.at(moment, lambda: self.write(change))


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
    return week.run()
