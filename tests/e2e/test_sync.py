"""Sync under faults: a lost answer, a revoked token, a new version deployed while offline."""

from __future__ import annotations

import sqlite3

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import (
    SCREEN_GAP,
    WATCH_INSTALL,
    acknowledge,
    go,
    outbox_ids,
    sign_in,
    unsynced,
    wait_unsynced,
)


def test_answer_lost_after_commit_is_retried_without_duplicates(server, context, page):
    sign_in(page, server.url)
    context.set_offline(True)
    acknowledge(page)
    acknowledge(page, "EMG-ELEVATOR-TRAP")
    queued = outbox_ids(page)
    lost = []

    def commit_then_drop(route):
        # the server stores the batch and answers; the phone never hears the answer
        route.fetch()
        lost.append(route.request.url)
        route.abort("connectionreset")

    context.route("**/api/v1/records", commit_then_drop)
    context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('#sync-state').textContent !== '正在同步…'"
    )
    page.wait_for_timeout(500)
    assert len(lost) >= 1
    assert sorted(r[0] for r in server.records()) == queued
    assert unsynced(page) == 2  # nothing leaves the phone without an answer

    context.unroute("**/api/v1/records")
    go(page, "#/outbox")
    page.click("#sync-now")
    wait_unsynced(page, 0)
    assert sorted(r[0] for r in server.records()) == queued  # once each


def test_revoked_token_keeps_the_outbox_until_signed_in_again(server, context, page):
    sign_in(page, server.url)
    context.set_offline(True)
    acknowledge(page)
    queued = outbox_ids(page)
    server.dutybook("tokens", "revoke", "--user", "wang")
    context.set_offline(False)
    page.wait_for_selector("#relogin:not([hidden])")
    assert page.inner_text("#relogin span") == (
        "登录已失效。未同步的记录都保留在本机，重新登录后会继续上传。"
    )
    assert outbox_ids(page) == queued
    assert server.records() == []

    page.click("#relogin-link")
    page.fill("input[type=password]", PASSWORD)
    page.click("form button[type=submit]")
    wait_unsynced(page, 0)
    assert [r[0] for r in server.records()] == queued
    assert page.is_hidden("#relogin")


def test_shared_phone_keeps_each_users_records(server, context, page):
    sign_in(page, server.url, "wang")
    context.set_offline(True)
    acknowledge(page)
    wang = outbox_ids(page)
    # the records endpoint stays out of reach while the second user signs in
    context.route("**/api/v1/records", lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    go(page, "#/login")
    page.fill("input[autocomplete=username]", "li")
    page.fill("input[type=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#emergency-button")
    acknowledge(page, "EMG-ELEVATOR-TRAP")
    assert unsynced(page) == 2
    context.unroute("**/api/v1/records")
    go(page, "#/outbox")
    page.click("#sync-now")
    wait_unsynced(page, 0)
    with sqlite3.connect(server.db_path) as conn:
        owners = dict(
            conn.execute(
                "SELECT r.def_id, u.username FROM records r JOIN users u ON u.id = r.user_id"
            ).fetchall()
        )
    assert owners == {"ENG-REPAIR": "wang", "EMG-ELEVATOR-TRAP": "li"}
    assert wang[0] in {r[0] for r in server.records()}


def test_new_version_deployed_while_offline_is_picked_up_later(server, context, page):
    sign_in(page, server.url)
    first = page.get_attribute("body", "data-offline-ready")
    before = page.evaluate(SCREEN_GAP)
    page.evaluate(WATCH_INSTALL)
    context.set_offline(True)
    acknowledge(page)
    queued = outbox_ids(page)
    # a rebuilt handbook lands on the server while the phone has no signal
    index = server.site / "index.html"
    index.write_text(
        index.read_text(encoding="utf-8").replace("端到端测试", "端到端测试（第二版）"),
        encoding="utf-8",
    )
    context.set_offline(False)
    go(page, "#/outbox")
    page.click("#sync-now")
    page.wait_for_selector("#update:not([hidden])", timeout=30_000)
    assert page.get_attribute("body", "data-offline-ready") != first
    # the notice floats: it never moves the screen under someone's finger
    assert page.evaluate(SCREEN_GAP) == before
    # an update downloads quietly: the old version works meanwhile, no install banner
    assert page.evaluate("window.__install") == []
    wait_unsynced(page, 0)
    assert [r[0] for r in server.records()] == queued
    context.set_offline(True)
    page.goto(server.url + "/")
    assert "端到端测试（第二版）" in page.inner_text("article")
