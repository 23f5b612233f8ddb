"""The demo week being written (`dutybook demo`, `pwa/demo/`): its phones, each with a token
of a demo account, and its steps in time order, each taken with the app's clock held at its
moment (`pwa.clock.held`). A phone's records go up through the app's own
`POST /api/v1/records`; the desk's and the workflow's steps are writes as their pages make them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Flask

from pwa import clock
from pwa.api.definitions import current_bundle
from pwa.ops import exceptions_flow
from pwa.store import accounts, tickets
from pwa.store.db import transaction

DEVICE_PREFIX = "demo-"  # every demo phone's id starts so
NIGHT_GUARD = "demo-guard2"  # the guard who takes over at the shift change
DAYS = 7
TOKEN_HOURS = 24 * (DAYS + 3)
MINUTE = dt.timedelta(minutes=1)


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
        # closed at once: what the request owes the database (the token's last use) is
        # written when its answer is closed, as a real server closes every answer
        response.close()
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
        response.close()  # its last use is written as the answer closes
        if response.status_code != 200:
            raise RuntimeError(f"a demo phone could not call in: {response.status_code}")

    def write(self, change: Callable) -> None:
        """A write outside a request, as the desk or the workflow makes it: `change(conn, now)`
        with the held time, naive UTC. (Requests run outside any outer app context: the test
        client would otherwise share one `g`, and its user and connection, among them all.)"""
        with self.app.app_context(), transaction(self.engine) as conn:
            change(conn, clock.utcnow())

    # --- the run --------------------------------------------------------------------------------

    def run(self, plans: Iterable[Callable[[Week], None]]) -> dict[str, int]:
        """Plan the week (each of `plans` adds its steps), then take the steps in time order."""
        with self.engine.connect() as conn:
            self.user_ids = {u.username: u.id for u in accounts.list_users(conn)}
        for plan in plans:
            plan(self)
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
