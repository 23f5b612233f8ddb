"""Delivery against real receivers on loopback: a WeCom and a DingTalk robot (http.server) that
answer 500, hang past the timeout or refuse with an errcode when told to, and an SMTP server
(aiosmtpd). Every alert arrives once, retried with back-off, none lost, no secret written down;
two senders with their own engines on one PostgreSQL send each alert once."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter

import pytest

from pwa.clock import utcnow
from pwa.ops import delivery
from pwa.ops.delivery import Settings
from pwa.server import alert_loop
from pwa.store import accounts
from pwa.store import alerts as outbox
from pwa.store.db import transaction
from tests.pwa.alert_support import (
    Mailbox,
    RobotServer,
    alert_app_for,
    engineer_synced,
    flaky_plan,
    late_tickets,
    robot_env,
    robot_text,
    rows,
)
from tests.pwa.support import PASSWORD, add_people
from tests.reliability import summary

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def alert_app(database, site_dir, tmp_path):
    app = alert_app_for(database, site_dir, tmp_path)
    add_people(app, ("eng-l", "sup-l"))
    yield app
    app.extensions["dutybook.engine"].dispose()


def run_until_sent(app, seconds: float = 30) -> None:
    stop = threading.Event()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alert_loop(app, stop, once=True, holder="test-sender")
        if rows(app) and all(r.status != "pending" for r in rows(app)):
            return
        time.sleep(0.05)
    raise AssertionError(
        f"still pending: {[(r.id, r.last_error) for r in rows(app) if r.status == 'pending']}"
    )


def test_every_channel_delivers_through_failures(alert_app, fixed_clock, monkeypatch, caplog):
    fixed_clock.move_to(dt.datetime(2026, 6, 9, 20, 5, tzinfo=SHANGHAI))
    engineer_synced(alert_app)
    with RobotServer() as server, Mailbox() as mailbox:
        server.robot.plan = ["500", "timeout", "errcode", "500"]
        robot_env(monkeypatch, server.base)
        alert_app.config.update(
            SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port, SMTP_FROM="duty@example.com"
        )
        with caplog.at_level(logging.INFO):
            run_until_sent(alert_app)
        time.sleep(server.robot.timeout_seconds)  # the hung call's handler finishes
        found = rows(alert_app)
        # two missed slots to both robots; the day shift's digest to WeCom and by mail; the
        # office shift's (ended 17:30) to WeCom
        assert Counter((r.kind, r.channel) for r in found) == {
            ("missed", "wecom"): 2, ("missed", "dingtalk"): 2,
            ("digest", "wecom"): 2, ("digest", "email"): 1,
        }  # fmt: skip
        assert {r.status for r in found} == {"sent"}
        # each robot message arrived exactly once, whatever failed on the way
        robots = [r for r in found if r.channel != "email"]
        assert Counter(server.robot.texts()) == Counter(robot_text(r) for r in robots)
        assert sum(r.attempts - 1 for r in found) == 4
        assert [c.path for c in server.robot.delivered].count("/ding/send") == 2
        [(to, mail)] = mailbox.messages
        assert to == ["lead@example.com", "night@example.com"]
        assert mail["Subject"] == "【交班汇总】兰苑小区 · 白班"
        assert mail["From"] == "duty@example.com"
        assert "巡逻 0/0 轮" in mail.get_content()
    errors = {r.last_error for r in found if r.last_error}
    assert errors <= {"HTTP 500", "no answer within 2 s", "errcode 310000: sign not match"}
    assert len(errors) == 3
    written = " ".join([*errors, caplog.text])
    for secret in ("wecom-key-123", "ding-token-456", "SEC0123456789"):
        assert secret not in written
    assert "attempt 1 failed: HTTP 500" in caplog.text


def test_a_robot_that_is_down_loses_nothing(alert_app, monkeypatch):
    engineer_synced(alert_app)
    late_tickets(alert_app, 2)
    with RobotServer() as server:
        base = server.base
    # nothing listens at the robots' address now
    robot_env(monkeypatch, base)
    stop = threading.Event()
    for _ in range(3):
        alert_loop(alert_app, stop, once=True)
        time.sleep(0.5)
    down = rows(alert_app)
    assert {r.status for r in down} == {"pending"}
    assert min(r.attempts for r in down) >= 2
    assert {r.last_error.split(":")[0] for r in down if r.channel != "email"} == {"unreachable"}
    # the robot comes back on the same port: everything queued goes, once
    import http.server

    from tests.pwa.alert_support import Robot, _handler

    robot = Robot()
    port = int(base.rsplit(":", 1)[1])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(robot))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        run_until_sent(alert_app)
    finally:
        httpd.shutdown()
        httpd.server_close()
    sent = rows(alert_app)
    assert len(sent) == len(down) and {r.status for r in sent} == {"sent"}
    assert Counter(robot.texts()) == Counter(robot_text(r) for r in sent)


def test_back_off_doubles_to_its_cap_then_gives_up_for_an_admin_to_retry(alert_app):
    settings = Settings(retry=60, retry_max=3600)
    assert [delivery.backoff(n, settings).total_seconds() for n in (1, 2, 3, 6, 7, 40)] == [
        60, 120, 240, 1920, 3600, 3600,
    ]  # fmt: skip
    alert_app.config["ALERTS_MAX_ATTEMPTS"] = 2
    engineer_synced(alert_app)
    stop = threading.Event()
    # no variable set for the robots' URLs: each try fails, saying which variable is missing
    for _ in range(4):
        alert_loop(alert_app, stop, once=True)
        time.sleep(0.2)
    gave_up = rows(alert_app)
    assert {(r.status, r.attempts) for r in gave_up} == {("failed", 2)}
    assert {r.last_error for r in gave_up} == {
        "environment variable T_LY_WECOM is not set",
        "environment variable T_LY_DING is not set",
    }
    engine = alert_app.extensions["dutybook.engine"]
    with transaction(engine) as conn:
        assert outbox.retry(conn, gave_up[0].id, utcnow())
        assert not outbox.retry(conn, gave_up[0].id, utcnow())  # pending now, not failed
    assert rows(alert_app)[0].status == "pending"


def test_the_lease_lets_one_sender_at_a_time(alert_app):
    engine = alert_app.extensions["dutybook.engine"]
    now = utcnow()
    later = now + dt.timedelta(seconds=60)
    with transaction(engine) as conn:
        assert outbox.take_lease(conn, "a", now, later)
        assert not outbox.take_lease(conn, "b", now, later)
        assert outbox.take_lease(conn, "a", now, later)  # renewing its own
        assert not outbox.renew_lease(conn, "b", now, later)
        # once it runs out, another takes it, and the first cannot renew
        assert outbox.take_lease(conn, "b", later, later + dt.timedelta(seconds=60))
        assert not outbox.renew_lease(conn, "a", later, later + dt.timedelta(seconds=60))
        outbox.release_lease(conn, "b")
        assert outbox.take_lease(conn, "a", later, later + dt.timedelta(seconds=60))


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_senders_on_one_postgresql_send_each_alert_once(
    database, site_dir, tmp_path, monkeypatch
):
    apps = [alert_app_for(database, site_dir, tmp_path / name) for name in ("one", "two")]
    add_people(apps[0], ("eng-l",))
    with apps[0].extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(
            conn, accounts.hasher(1024, 1), "eng-2", PASSWORD, ["engineer"], ["lanyuan"]
        )
    engineer_synced(apps[0])
    late_tickets(apps[0], 25)
    with RobotServer() as server:
        server.robot.plan = flaky_plan(14, 120)
        robot_env(monkeypatch, server.base)
        stops = [threading.Event(), threading.Event()]
        threads = [
            threading.Thread(target=alert_loop, args=(app, stop), kwargs={"holder": f"sender-{n}"})
            for n, (app, stop) in enumerate(zip(apps, stops, strict=True))
        ]
        for thread in threads:
            thread.start()
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                found = rows(apps[0])
                if found and all(r.status == "sent" for r in found):
                    break
                if len(server.robot.delivered) > 30 and not stops[0].is_set():
                    stops[0].set()  # the first server stops mid-way: the second takes over
                time.sleep(0.1)
        finally:
            for stop in stops:
                stop.set()
            for thread in threads:
                thread.join(10)
        time.sleep(server.robot.timeout_seconds)
    found = rows(apps[0])
    delivered = Counter(server.robot.texts())
    wanted = Counter(robot_text(r) for r in found)
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    lost = sum((wanted - delivered).values())
    figures = {
        "alerts_due": len(found),
        "sent": sum(r.status == "sent" for r in found),
        "retried": sum(r.attempts > 1 for r in found),
        "failed_attempts": sum(r.attempts - 1 for r in found),
        "duplicates": duplicates,
        "lost": lost,
        "robot_calls": len(server.robot.calls),
    }
    summary.record("alerts-two-senders", "postgresql", figures)
    print(figures)
    # 25 tickets × 2 late clocks + 2 missed slots + the night digest, to WeCom and DingTalk
    # (the digest to WeCom only): 105 rows
    assert figures["alerts_due"] == 105
    assert figures["sent"] == 105 and duplicates == 0 and lost == 0
    assert figures["retried"] > 0
    assert delivered == wanted
    for app in apps:
        app.extensions["dutybook.engine"].dispose()
