"""The admin's alert log: what was sent, retried and failed; a test alert to a site's channels
through the real loopback robots and mail server; a failed alert sent again; its CSV twin."""

from __future__ import annotations

import re
import threading

import pytest

from pwa.server import alert_loop
from tests.conftest import make_app
from tests.pwa.alert_support import (
    FAST,
    Mailbox,
    RobotServer,
    alert_sop,
    engineer_synced,
    robot_env,
)
from tests.pwa.scenario import dashboard_client, read_csv
from tests.pwa.support import add_people, sign_in


@pytest.fixture
def alert_app(database, site_dir, tmp_path):
    app = make_app(database, site_dir, tmp_path, alert_sop(tmp_path))
    app.config.update({**FAST, "ALERTS_MAX_ATTEMPTS": 1})
    add_people(app, ("eng-l", "sup-l", "admin"))
    yield app
    app.extensions["dutybook.engine"].dispose()


def rows_of(page: str) -> dict[str, str]:
    """Each log row's id and status."""
    return dict(re.findall(r'data-alert="(\d+)" data-status="(\w+)"', page))


def test_test_alert_reaches_every_channel_of_the_site(alert_app, monkeypatch):
    client, csrf = dashboard_client(alert_app, "admin")
    page = client.get("/dashboard/admin/alerts").get_data(as_text=True)
    assert '<option value="lanyuan">兰苑小区（3）</option>' in page
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    with RobotServer() as server, Mailbox() as mailbox:
        robot_env(monkeypatch, server.base)
        alert_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        form = {"action": "test", "site": "lanyuan", "form_id": form_id, "csrf_token": csrf}
        assert client.post("/dashboard/admin/alerts", data=form).status_code == 303
        # the same form sent twice (a double click) tests once
        assert client.post("/dashboard/admin/alerts", data=form).status_code == 303
        assert sorted(c.path for c in server.robot.delivered) == ["/ding/send", "/wecom/send"]
        assert "【测试】兰苑小区 · 告警通道" in server.robot.texts("/wecom/send")[0]
        [(to, mail)] = mailbox.messages
        assert to == ["lead@example.com", "night@example.com"]
        assert mail["Subject"] == "【测试】兰苑小区 · 告警通道"
    page = client.get("/dashboard/admin/alerts").get_data(as_text=True)
    assert sorted(rows_of(page).values()) == ["sent", "sent", "sent"]
    assert "已发送 <strong>3</strong>" in page


def test_a_failed_alert_shows_why_and_is_sent_again(alert_app, monkeypatch):
    engineer_synced(alert_app)
    # no robot variables yet: the one try allowed fails
    alert_loop(alert_app, threading.Event(), once=True)
    client, csrf = dashboard_client(alert_app, "admin")
    page = client.get("/dashboard/admin/alerts?status=failed").get_data(as_text=True)
    failed = rows_of(page)
    assert failed and set(failed.values()) == {"failed"}
    assert "environment variable T_LY_WECOM is not set" in page
    table = read_csv(client.get("/dashboard/admin/alerts?status=failed&format=csv&table=alerts"))
    assert table[0] == [
        "id", "created_at", "site", "kind", "channel", "target", "title", "status", "attempts",
        "last_error", "sent_at",
    ]  # fmt: skip
    assert {row[7] for row in table[1:]} == {"failed"}
    first = min(failed, key=int)
    with RobotServer() as server:
        robot_env(monkeypatch, server.base)
        again = {"action": "retry", "alert_id": first, "csrf_token": csrf}
        assert client.post("/dashboard/admin/alerts", data=again).status_code == 303
        alert_loop(alert_app, threading.Event(), once=True)
        assert len(server.robot.delivered) == 1
    page = client.get("/dashboard/admin/alerts").get_data(as_text=True)
    assert rows_of(page)[first] == "sent"
    english = client.get("/dashboard/admin/alerts?lang=en").get_data(as_text=True)
    assert "Send a test alert" in english and "Missed" in english


def test_only_admins_and_only_known_actions(alert_app):
    client, csrf = dashboard_client(alert_app, "sup-l")
    assert client.get("/dashboard/admin/alerts").status_code == 403
    admin, token = dashboard_client(alert_app, "admin")
    wrong = admin.post("/dashboard/admin/alerts", data={"action": "delete", "csrf_token": token})
    assert wrong.status_code == 400
    assert wrong.get_json()["message"] == "action must be test or retry."
    assert admin.get("/dashboard/admin/alerts?status=lost").status_code == 400
    missing = admin.post(
        "/dashboard/admin/alerts", data={"action": "retry", "alert_id": "99", "csrf_token": token}
    )
    assert missing.get_json()["message"] == "No alert 99."
    # the phones never see who is e-mailed or which variables hold the robots
    phone = alert_app.test_client()
    bundle = phone.get(
        "/api/v1/definitions", headers={"Authorization": f"Bearer {sign_in(phone, 'eng-l')}"}
    )
    assert b"lead@example.com" not in bundle.data and b"T_LY_WECOM" not in bundle.data
    admin_phone = alert_app.test_client()
    admin_bundle = admin_phone.get(
        "/api/v1/definitions", headers={"Authorization": f"Bearer {sign_in(admin_phone, 'admin')}"}
    )
    assert b"lead@example.com" not in admin_bundle.data
