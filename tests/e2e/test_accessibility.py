"""Accessibility of what staff and supervisors see, measured with axe-core in Chromium.

Lighthouse is not available here; its accessibility score is built from axe-core's rules,
so the score below is the same idea: the share of applicable axe rules a page passes.
Serious and critical violations fail outright.
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.e2e.helpers import go, sign_in
from tests.e2e.test_tickets import add_desk, dispatch

AXE = Axe()


def audit(page, name: str) -> dict:
    results = AXE.run(page, options={"resultTypes": ["violations", "passes"]}).response
    passed = len(results["passes"])
    violations = results["violations"]
    score = round(100 * passed / (passed + len(violations)))
    summary = {
        "page": name,
        "score": score,
        "passed_rules": passed,
        "violations": [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations
        ],
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return summary


def assert_accessible(summary: dict) -> None:
    severe = [v for v in summary["violations"] if v["impact"] in ("serious", "critical")]
    assert severe == [], summary
    assert summary["score"] >= 90, summary


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("handbook-home", "/"),
        ("handbook-procedure", "/procedures/eng-repair/"),
        ("handbook-emergency", "/emergencies/emg-elevator-trap/"),
        ("handbook-paper-form", "/checklists/chk-pump-room-print/"),
        ("handbook-qr-posters", "/patrols/jinxiu-qr/"),
    ],
)
def test_handbook_pages(server, page, name: str, path: str) -> None:
    page.goto(server.url + path)
    assert_accessible(audit(page, name))


def test_paper_form_prints_without_its_bar(server, page) -> None:
    """On screen a bar leads back to the checklist; on paper only the form and its boxes."""
    page.goto(server.url + "/checklists/chk-pump-room-print/")
    bar = page.locator(".dutybook-print-bar")
    assert bar.is_visible()
    bar.get_by_role("link").click()
    page.wait_for_url("**/checklists/chk-pump-room/")
    page.go_back()
    page.emulate_media(media="print")
    assert not bar.is_visible()
    # the form itself; a twice-daily form also has its table of rounds (time, signature)
    assert page.locator("table.dutybook-paper:not(.dutybook-rounds)").is_visible()
    assert page.locator("table.dutybook-rounds").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.pdf(format="A4")[:5] == b"%PDF-"


def test_app_screens(server, page) -> None:
    page.goto(server.url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    assert_accessible(audit(page, "app-sign-in"))
    sign_in(page, server.url)
    assert_accessible(audit(page, "app-today"))
    go(page, "#/checklist/CHK-PUMP-ROOM")
    page.wait_for_selector("input[type=number]")
    assert_accessible(audit(page, "app-checklist"))
    go(page, "#/emergency")
    page.wait_for_selector("text=电梯困人")
    assert_accessible(audit(page, "app-emergency"))


def test_ticket_screens(server, page, instant) -> None:
    """The 工单 list and one ticket at each of its steps on the phone."""
    add_desk(server.workdir)
    server.rebuild()
    tid, _ = dispatch(server, at=instant)
    dispatch(server, at=instant, to=None, room="5-2-101")
    sign_in(page, server.url)
    page.wait_for_function("() => document.querySelector('#tickets-tab')?.dataset.count === '2'")
    page.click("#tickets-tab")
    page.wait_for_selector(".tickets-screen")
    assert_accessible(audit(page, "app-tickets"))
    for step, button in (("assigned", "#accept"), ("accepted", "#arrive"), ("on_site", None)):
        go(page, f"#/ticket/{tid}")
        page.wait_for_selector(f'.ticket[data-status="{step}"]')
        assert_accessible(audit(page, f"app-ticket-{step.replace('_', '-')}"))
        if button:
            page.click(button)


def test_dashboard_pages(server, page) -> None:
    server.dutybook(
        "users", "add", "zhou", "--role", "supervisor", "--site", "jinxiu", "--password", PASSWORD
    )
    page.goto(server.url + "/dashboard/login")
    assert_accessible(audit(page, "dashboard-login"))
    page.fill("input[name=username]", "zhou")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert_accessible(audit(page, "dashboard-day"))


def test_alert_log_page(server, page) -> None:
    """The admin's alert log with a sent, a retried and a failed alert (send again)."""
    import sqlite3

    server.dutybook("users", "add", "root", "--role", "admin", "--password", PASSWORD)
    rows = [
        ("missed", "wecom", "LY_WECOM_URL", "【确认漏做】兰苑小区 · 水泵房巡检记录", "sent", 1, None),
        ("ticket_late", "dingtalk", "LY_DING_URL", "【工单超时】兰苑小区 · LY-20260609-001", "sent", 3, "HTTP 500"),
        ("digest", "email", "lead@example.com", "【交班汇总】兰苑小区 · 白班", "failed", 48, "SMTP 550: 'no such user'"),
    ]  # fmt: skip
    with sqlite3.connect(server.db_path) as conn:
        for n, (kind, channel, target, title, status, attempts, error) in enumerate(rows):
            conn.execute(
                "INSERT INTO alert_outbox (about, route, kind, site, channel, target, title, body,"
                " status, attempts, next_at, last_error, created_at, sent_at) VALUES"
                " (?, ?, ?, 'lanyuan', ?, ?, ?, '第一行\n第二行', ?, ?, '2026-06-09 02:00:00', ?,"
                " '2026-06-09 02:00:00', ?)",
                (f"{kind}|{n}", f"r{n}", kind, channel, target, title, status, attempts, error,
                 "2026-06-09 02:01:00" if status == "sent" else None),
            )  # fmt: skip
    page.goto(server.url + "/dashboard/login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(server.url + "/dashboard/admin/alerts")
    assert page.locator('#alert-log tr[data-status="failed"] button').inner_text() == "重新发送"
    page.screenshot(path=str(ARTIFACTS / "dashboard-alerts.png"), full_page=True)
    assert_accessible(audit(page, "dashboard-alerts"))
