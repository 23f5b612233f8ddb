"""Two real servers (`dutybook run`, gunicorn, 2 workers each, the sender thread on in every
worker: four senders) on one PostgreSQL and a flaky loopback robot: each alert is posted once.
When the server holding the lease is killed, the other takes over once it runs out. And
`dutybook alerts run --once`, the sender as a command."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from generator.cli import main
from tests.pwa.alert_support import (
    RobotServer,
    alert_app_for,
    alert_sop,
    engineer_synced,
    flaky_plan,
    late_tickets,
    robot_env,
    robot_text,
    rows,
)
from tests.pwa.support import add_people
from tests.reliability import summary
from tests.reliability.server import Server


def _wait_all_sent(app, count: int, seconds: float = 60) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = rows(app)
        if len(found) >= count and all(r.status == "sent" for r in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"not all sent: {Counter(r.status for r in rows(app))}")


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_servers_with_sender_threads_post_each_alert_once(
    database, site_dir, tmp_path, monkeypatch
):
    app = alert_app_for(database, site_dir, tmp_path / "setup")
    add_people(app, ("eng-l",))
    engineer_synced(app)
    late_tickets(app, 10)
    sop = alert_sop(tmp_path)
    with RobotServer() as robot_server:
        robot = robot_server.robot
        robot.plan = flaky_plan(2026, 60)
        robot_env(monkeypatch, robot_server.base)
        servers = []
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            server = Server(database, tmp_path / name, site_dir)
            server.env.update(
                DUTYBOOK_SOP_DIR=str(sop),
                DUTYBOOK_ALERTS_SENDER="true",
                DUTYBOOK_ALERTS_INTERVAL_SECONDS="0.2",
                DUTYBOOK_ALERTS_LEASE_SECONDS="6",
                DUTYBOOK_ALERTS_RETRY_SECONDS="0.2",
                DUTYBOOK_ALERTS_RETRY_MAX_SECONDS="1",
                DUTYBOOK_ALERTS_TIMEOUT_SECONDS="2",
                DUTYBOOK_ALERTS_LOOKBACK_HOURS="24",
            )
            servers.append(server)
        try:
            for server in servers:
                server.start()
            # 10 tickets × 2 late clocks + 2 missed slots + the night digest: to both robots,
            # the digest to WeCom only
            first = _wait_all_sent(app, 45)
            time.sleep(robot.timeout_seconds)
            holder = _holder(app)
            # the server whose worker holds the lease dies without a word; new alerts come
            victim = next(s for s in servers if _holds(holder, s))
            victim.kill()
            late_tickets(app, 3)
            found = _wait_all_sent(app, 57, seconds=90)
            time.sleep(robot.timeout_seconds)
            logs = " ".join(s.log_text() for s in servers)
        finally:
            for server in servers:
                server.stop()
    delivered = Counter(robot.texts())
    wanted = Counter(robot_text(r) for r in found)
    figures = {
        "alerts_due": len(found),
        "sent": sum(r.status == "sent" for r in found),
        "retried": sum(r.attempts > 1 for r in found),
        "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
        "lost": sum((wanted - delivered).values()),
        "robot_calls": len(robot.calls),
        "senders": 4,
    }
    summary.record("alerts-two-servers", "postgresql", figures)
    print(figures)
    assert len(first) == 45 and figures["alerts_due"] == 57
    assert figures["sent"] == 57 and figures["duplicates"] == 0 and figures["lost"] == 0
    assert delivered == wanted
    assert _holder(app) not in (None, holder)  # the other server's worker took over
    for secret in ("wecom-key-123", "ding-token-456", "SEC0123456789"):
        assert secret not in logs
    app.extensions["dutybook.engine"].dispose()


def _holder(app) -> str | None:
    from pwa.store import alerts

    with app.extensions["dutybook.engine"].connect() as conn:
        return alerts.lease(conn).holder


def _pids(server: Server) -> set[int]:
    """The gunicorn master and its workers of one server."""
    import subprocess

    out = subprocess.run(["pgrep", "-g", str(server.process.pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def _holds(holder: str, server: Server) -> bool:
    return int(holder.split(":")[1]) in _pids(server)


def test_alerts_run_once_from_the_command_line(runner, app, monkeypatch, tmp_path):
    with RobotServer() as robot_server:
        robot_env(monkeypatch, robot_server.base)
        result = runner.invoke(main, ["alerts", "run", "--once"])
    # the test handbook has no channels: the sender looks and has nothing to send
    assert (result.exit_code, result.output) == (
        0,
        "alerts: sender; found 0, queued 0, sent 0, failed 0\n",
    )
