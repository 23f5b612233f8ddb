"""The alerts' delivery: queue what `alerts` finds for each route of its site that wants it,
and send what is due, one sender at a time however many app servers run.

A look (`tick`) first takes the sender's lease (one atomic UPDATE in the database, held for
`lease` seconds and renewed before each send); a server that does not get it does nothing.
Each due row is then claimed (another atomic UPDATE that moves its next try past the lease),
sent, and marked sent, or failed with its next try after an exponential back-off: 1, 2, 4 …
times `retry` seconds, at most `retry_max`, until `max_attempts` have failed and it is kept as
failed for an admin to retry. Nothing is deleted, so a robot that is down loses nothing; a
sender that dies between a robot's answer and its commit may repeat that one message after
the lease runs out, never lose it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine, Row

from pwa.ops import alerts, senders
from pwa.ops.alerts import Alert, Rules
from pwa.ops.schedules import utc_naive
from pwa.store import alerts as store
from pwa.store.db import transaction

log = logging.getLogger("dutybook.alerts")


@dataclass(frozen=True)
class Settings:
    interval: float = 30
    lease: float = 120
    retry: float = 60
    retry_max: float = 3600
    max_attempts: int = 48
    timeout: float = 10
    batch: int = 50
    rules: Rules = field(default_factory=Rules)

    @classmethod
    def from_config(cls, config: Mapping) -> Settings:
        def number(key: str) -> float:
            return float(config[key])

        return cls(
            interval=number("ALERTS_INTERVAL_SECONDS"),
            lease=number("ALERTS_LEASE_SECONDS"),
            retry=number("ALERTS_RETRY_SECONDS"),
            retry_max=number("ALERTS_RETRY_MAX_SECONDS"),
            max_attempts=int(config["ALERTS_MAX_ATTEMPTS"]),
            timeout=number("ALERTS_TIMEOUT_SECONDS"),
            rules=Rules(
                lookback=dt.timedelta(hours=number("ALERTS_LOOKBACK_HOURS")),
                close_hours=float(config.get("DASHBOARD_CLOSE_HOURS", 24)),
            ),
        )


@dataclass
class Tick:
    """What one look did."""

    leader: bool = False
    found: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0  # attempts that failed (retried later, or given up)
    gave_up: int = 0


def route_id(route: Mapping) -> str:
    """A route's identity: its channel and where it points, never a secret."""
    where = [
        route["channel"],
        route.get("url_env"),
        route.get("secret_env"),
        sorted(route.get("to") or []),
    ]
    return hashlib.sha256(json.dumps(where).encode()).hexdigest()[:32]


def target_of(route: Mapping) -> str:
    return route.get("url_env") or ", ".join(route.get("to") or [])


def takes(route: Mapping, alert: Alert) -> bool:
    """Whether a route wants this alert: its kinds, and for a digest its shifts."""
    if alert.kind == "test":
        return True
    if alert.kind not in route["kinds"]:
        return False
    return alert.kind != "digest" or not route.get("shifts") or alert.shift in route["shifts"]


def rows_for(found: Iterable[Alert], raw: dict, now: dt.datetime) -> list[dict]:
    """The outbox rows of these alerts: one per route of the site that takes each."""
    routes = {p["id"]: p.get("alerts") or [] for p in (raw.get("site") or {}).get("properties", [])}
    rows = []
    for alert in found:
        for route in routes.get(alert.site, []):
            if not takes(route, alert):
                continue
            rows.append(
                {
                    "about": alert.about,
                    "route": route_id(route),
                    "kind": alert.kind,
                    "site": alert.site,
                    "channel": route["channel"],
                    "target": target_of(route)[:500],
                    "secret_env": route.get("secret_env"),
                    "title": alert.title[:200],
                    "body": "\n".join(alert.lines),
                    "status": "pending",
                    "attempts": 0,
                    "next_at": now,
                    "created_at": now,
                }
            )
    return rows


def backoff(attempts: int, settings: Settings) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: doubling from `retry`, capped."""
    seconds = settings.retry * 2 ** min(attempts - 1, 30)
    return dt.timedelta(seconds=min(seconds, settings.retry_max))


def message_of(row: Row) -> senders.Message:
    return senders.Message(row.channel, row.target, row.secret_env, row.title, row.body)


Now = Callable[[], dt.datetime]


def _naive(now: Now) -> dt.datetime:
    return utc_naive(now())


def send_rows(
    engine: Engine,
    due: Iterable[Row],
    settings: Settings,
    now: Now,
    env: Mapping[str, str],
    smtp: senders.Smtp | None,
    result: Tick,
    holder: str | None = None,
) -> None:
    """Claim, send and mark each row; with a `holder`, only while its lease holds."""
    lease = dt.timedelta(seconds=settings.lease)
    for row in due:
        moment = _naive(now)
        with transaction(engine) as conn:
            if holder is not None and not store.renew_lease(conn, holder, moment, moment + lease):
                log.warning("alert sender %s lost its lease; stopping", holder)
                return
            if not store.claim(conn, row.id, moment, moment + lease):
                continue
        attempts = row.attempts + 1
        try:
            senders.send(message_of(row), env, smtp, settings.timeout)
        except senders.SendError as exc:
            give_up = attempts >= settings.max_attempts
            retry_at = None if give_up else _naive(now) + backoff(attempts, settings)
            with transaction(engine) as conn:
                store.mark_failed(conn, row.id, attempts, str(exc), retry_at)
            result.failed += 1
            result.gave_up += give_up
            log.warning(
                "alert %s (%s %s) attempt %s failed: %s; %s", row.id, row.channel, row.target,
                attempts, exc, "given up" if give_up else f"next try {retry_at:%H:%M:%S} UTC",
            )  # fmt: skip
        else:
            with transaction(engine) as conn:
                store.mark_sent(conn, row.id, attempts, _naive(now))
            result.sent += 1


def tick(
    engine: Engine,
    raw: dict,
    settings: Settings,
    holder: str,
    now: Now,
    env: Mapping[str, str],
    smtp: senders.Smtp | None,
) -> Tick:
    """One look: if this holder gets the lease, queue what is due and send what can go."""
    moment = _naive(now)
    with transaction(engine) as conn:
        if not store.take_lease(
            conn, holder, moment, moment + dt.timedelta(seconds=settings.lease)
        ):
            return Tick()
    result = Tick(leader=True)
    with engine.connect() as conn:
        found = alerts.due_alerts(conn, raw, now(), settings.rules)
    result.found = len(found)
    with transaction(engine) as conn:
        result.queued = store.enqueue(conn, rows_for(found, raw, _naive(now)))
    with engine.connect() as conn:
        due = store.due(conn, _naive(now), settings.batch)
    send_rows(engine, due, settings, now, env, smtp, result, holder)
    return result


def send_test(
    engine: Engine,
    raw: dict,
    site: str,
    nonce: str,
    by: str,
    settings: Settings,
    now: Now,
    env: Mapping[str, str],
    smtp: senders.Smtp | None,
) -> Tick:
    """Queue a test message to every route of a site and send it at once (the admin waits
    for the answer); a repeated click with the same nonce queues nothing more."""
    from pwa.ops import alert_words

    result = Tick()
    prop = next((p for p in alerts.alerted_sites(raw) if p["id"] == site), None)
    if prop is None:
        return result
    tz = alerts.zone(raw)
    rows = []
    for route in prop["alerts"]:
        said = alert_words.test(prop["name"], route["channel"], by, now(), tz)
        alert = alerts.make("test", site, by, nonce, said)
        rows += [r for r in rows_for([alert], raw, _naive(now)) if r["route"] == route_id(route)]
    with transaction(engine) as conn:
        result.queued = store.enqueue(conn, rows)
        abouts = {r["about"] for r in rows}
    with engine.connect() as conn:
        due = store.pending_about(conn, sorted(abouts))
    send_rows(engine, due, settings, now, env, smtp, result)
    return result
