"""The shared booth phone: sign-out, switching with a PIN or password, tokens that last a
shift, the emergency tab with nobody signed in, and an outbox that survives a failing record."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time

from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.e2e.helpers import acknowledge, go, outbox_ids, sign_in, unsynced, wait_unsynced

# the browser's clock starts here where time matters (PIN waits, a token's shift, retries)
PIN_LABEL = "切换用 PIN（4–8 位数字，可不填）"


# The service worker's Background Sync runs on the real clock, not the page's frozen one: the
# outbox tests count retries, so only the page pushes (its timer and 同步 button).
NO_BACKGROUND_SYNC = """
Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', { get: () => undefined });
"""


def outbox_state(page) -> list[list]:
    return page.evaluate(
        "async () => (await window.dutybook.store.outboxAll())"
        ".map((e) => [e.record.def_id, e.status, e.failures || 0]).sort()"
    )


def wait_outbox(page, expected: list[list], timeout: float = 20.0) -> None:
    """Poll until the outbox is `expected` ([def_id, status, failures], sorted)."""
    deadline = time.monotonic() + timeout
    while (state := outbox_state(page)) != expected:
        assert time.monotonic() < deadline, f"outbox is {state}, not {expected}"
        page.wait_for_timeout(100)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # the screen itself, not the toasts that happen to be passing over it
    page.evaluate("document.getElementById('toasts').replaceChildren()")
    page.screenshot(path=ARTIFACTS / f"app-{name}-360.png", full_page=True)


def sign_in_form(page, username: str, pin: str | None = None) -> None:
    """Sign in with the form on #/login, the way a second person on the phone does."""
    go(page, "#/login")
    page.wait_for_selector(".login")
    page.fill("input[autocomplete=username]", username)
    page.fill("input[autocomplete=current-password]", PASSWORD)
    if pin:
        page.get_by_label(PIN_LABEL).fill(pin)
    page.click("form button[type=submit]")
    page.wait_for_selector("#emergency-button")


def owners(page) -> list[list[str]]:
    return page.evaluate(
        "async () => (await window.dutybook.store.outboxAll())"
        ".map((e) => [e.record.def_id, e.owner]).sort()"
    )


def tokens(server) -> dict[str, list]:
    with sqlite3.connect(server.db_path) as conn:
        rows = conn.execute(
            "SELECT u.username, t.revoked_at FROM tokens t JOIN users u ON u.id = t.user_id"
        ).fetchall()
    out: dict[str, list] = {}
    for name, revoked in rows:
        out.setdefault(name, []).append(revoked)
    return out


def current_person(page) -> str:
    go(page, "#/account")
    page.wait_for_selector(".account .person.current")
    return page.inner_text(".account .person.current")


def test_sign_out_keeps_queued_records_and_syncs_them_with_the_authors_token(server, context, page):
    sign_in(page, server.url, "wang")
    context.set_offline(True)
    acknowledge(page)
    queued = outbox_ids(page)
    go(page, "#/account")
    page.click("#sign-out")
    page.wait_for_selector("#sign-out-note")
    assert page.inner_text("#sign-out-note") == (
        "你还有 1 条记录没有上传。退出后它们仍保存在这部手机上，联网时会自动以你的名义上传，"
        "一条都不会丢；上传完后，你在这部手机上的登录才会注销。"
    )
    assert page.inner_text("#confirm-sign-out") == "退出，记录稍后自动上传"
    page.click("#confirm-sign-out")
    page.wait_for_selector(".login")
    # nobody is signed in, and wang's record is still queued under wang
    assert page.evaluate("window.dutybook.app.user") is None
    assert owners(page) == [["ENG-REPAIR", "wang"]]
    assert outbox_ids(page) == queued
    assert "已退出 · 1 条待上传" in page.inner_text('.login .person[data-user="wang"]')

    # li takes the phone; the records endpoint is still out of reach
    context.route("**/api/v1/records", lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    sign_in_form(page, "li")
    acknowledge(page, "EMG-ELEVATOR-TRAP")
    assert unsynced(page) == 2
    assert tokens(server) == {"wang": [None], "li": [None]}

    context.unroute("**/api/v1/records")
    go(page, "#/outbox")
    page.click("#sync-now")
    wait_unsynced(page, 0)
    with sqlite3.connect(server.db_path) as conn:
        authors = dict(
            conn.execute(
                "SELECT r.def_id, u.username FROM records r JOIN users u ON u.id = r.user_id"
            ).fetchall()
        )
    # each record went up with its author's own token
    assert authors == {"ENG-REPAIR": "wang", "EMG-ELEVATOR-TRAP": "li"}
    # once nothing of wang's waited, the phone ended wang's token on the server and forgot it
    page.wait_for_function(
        "async () => !(await window.dutybook.store.allUsers()).some((u) => u.username === 'wang')"
    )
    wang = tokens(server)["wang"]
    assert len(wang) == 1 and wang[0] is not None
    assert tokens(server)["li"] == [None]
    assert "li" in current_person(page)
    assert page.errors == []


def test_switching_user_needs_the_pin_wrong_ones_wait_and_five_wipe_it(server, context, page):
    page.goto(server.url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    sign_in_form(page, "wang", pin="2468")
    sign_in_form(page, "li")
    go(page, "#/account")
    page.wait_for_selector(".account .person.current")
    # 我的 marks who is signed in now; wang can be switched to with a PIN
    assert page.get_attribute(".account .person.current", "data-user") == "li"
    assert "当前登录" in page.inner_text(".account .person.current")
    assert page.get_attribute(".account .person.current", "aria-current") == "true"
    assert "PIN" in page.inner_text('.account .person[data-user="wang"]')
    shot(page, "account-shared")

    page.click('.account .person[data-user="wang"]')
    page.wait_for_selector("#pin-form")
    shot(page, "switch-pin")
    page.fill("#pin", "1111")
    page.click("#pin-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#switch-error').textContent")
    assert page.inner_text("#switch-error") == "PIN 不对，还能再试 4 次。 请等 5 秒再试。"
    # even the right PIN waits out the delay
    page.fill("#pin", "2468")
    page.click("#pin-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#switch-error').textContent.startsWith('请等')"
    )
    assert page.evaluate("window.dutybook.app.user.username") == "li"
    page.clock.fast_forward(5_000)
    page.fill("#pin", "2468")
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("#emergency-button")
    assert page.evaluate("window.dutybook.app.user.username") == "wang"
    assert "wang (wang)" in current_person(page)

    # li set no PIN: switching back needs li's password
    page.click('.account .person[data-user="li"]')
    page.wait_for_selector("#password-form")
    assert page.inner_text("#switch-reason") == "li 没有在这部手机上设 PIN，请输入密码。"
    page.get_by_label("密码", exact=True).fill("wrong-password")
    page.click("#password-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#switch-error').textContent")
    assert page.evaluate("window.dutybook.app.user.username") == "wang"
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#emergency-button")
    assert page.evaluate("window.dutybook.app.user.username") == "li"

    # five wrong PINs in a row wipe wang's PIN: the password is needed from then on
    go(page, "#/switch?u=wang")
    page.wait_for_selector("#pin-form")
    waits = []
    for attempt in range(5):
        page.fill("#pin", f"000{attempt}")
        page.click("#pin-form button[type=submit]")
        if attempt < 4:
            page.wait_for_function(
                "(n) => document.querySelector('#switch-error').textContent.includes(n)",
                arg=f"还能再试 {4 - attempt} 次",
            )
            waits.append(page.inner_text("#switch-error").split("请等 ")[1])
            page.clock.fast_forward(40_000)
    assert waits == ["5 秒再试。", "10 秒再试。", "20 秒再试。", "40 秒再试。"]
    page.wait_for_selector("#password-form")
    assert page.inner_text("#switch-reason") == (
        "PIN 连续输错 5 次，已从这部手机上清除。请 wang 输入密码，可以重新设 PIN。"
    )
    shot(page, "switch-pin-wiped")
    assert page.evaluate("async () => (await window.dutybook.store.getUser('wang')).pin") is None
    assert page.evaluate("window.dutybook.app.user.username") == "li"
    # a reload does not bring the PIN back
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')
    go(page, "#/switch?u=wang")
    page.wait_for_selector("#password-form")
    assert page.query_selector("#pin-form") is None
    assert page.errors == []


def test_a_token_past_its_shift_needs_the_password_and_keeps_the_records(server, context, page):
    sign_in(page, server.url, "wang")
    sign_in_form(page, "wang", pin="2468")  # signing in again on the phone sets the PIN
    expires = page.evaluate("window.dutybook.app.user.expires_at")
    context.set_offline(True)
    acknowledge(page)
    queued = outbox_ids(page)

    # the shift is over: on the server the token has expired, and so on the phone's clock
    with sqlite3.connect(server.db_path) as conn:
        conn.execute("UPDATE tokens SET expires_at = '2020-01-01 00:00:00.000000'")
    page.clock.set_system_time(dt.datetime.fromisoformat(expires) + dt.timedelta(minutes=1))
    context.set_offline(False)
    go(page, "#/outbox")
    page.click("#sync-now")
    page.wait_for_selector("#relogin:not([hidden])")
    assert page.inner_text("#relogin span") == (
        "登录已失效。未同步的记录都保留在本机，重新登录后会继续上传。"
    )
    assert outbox_ids(page) == queued
    assert server.records() == []
    # the PIN does not outlive the shift: switching to wang asks for the password
    go(page, "#/switch?u=wang")
    page.wait_for_selector("#password-form")
    assert page.inner_text("#switch-reason") == (
        "wang 的登录已过期（每个班次要重新登录），请输入密码。未上传的记录都还在。"
    )
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.click("#password-form button[type=submit]")
    wait_unsynced(page, 0)
    assert [r[0] for r in server.records()] == queued
    assert page.is_hidden("#relogin")
    assert page.errors == []


def test_emergency_tab_opens_offline_on_a_phone_nobody_signed_in_on(server, context, page):
    page.goto(server.url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    page.wait_for_selector("body[data-offline-ready]", timeout=60_000)
    assert page.evaluate("window.dutybook.app.user") is None
    context.set_offline(True)
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')
    page.click("nav a[href='#/emergency']")
    page.wait_for_selector(".emergency .plans a")
    assert page.inner_text("#signed-out-note") == (
        "未登录也可以查看预案、拨打电话；登录后才能记录处置过程。"
    )
    page.click(".emergency .plans a")
    page.wait_for_selector(".incident .calls a")
    shot(page, "emergency-signed-out")
    assert page.inner_text(".incident h1") == "电梯困人应急预案"
    calls = page.eval_on_selector_all(".calls a", "els => els.map((a) => a.getAttribute('href'))")
    # the plan's contacts, then the duty supervisor
    assert calls == [
        "tel:000060000001",
        "tel:000060001001",
        "tel:119",
        "tel:120",
        "tel:000060000003",
    ]
    first = page.inner_text(".incident .actions li")
    assert first.startswith("监控中心通过对讲安抚被困人员")
    assert page.query_selector(".login") is None
    assert page.errors == []


def report_exception(page) -> None:
    before = unsynced(page)
    go(page, "#/exception/new")
    page.wait_for_selector(".exception")
    page.get_by_label("备注").fill("车库照明损坏")
    page.get_by_label("关于（检查表、巡逻或规程）").select_option("CHK-PUMP-ROOM")
    page.click("#finish")
    wait_unsynced(page, before + 1)


def test_one_record_the_server_fails_does_not_hold_back_the_others(server, context, page):
    page.add_init_script(NO_BACKGROUND_SYNC)
    sign_in(page, server.url)
    context.set_offline(True)
    acknowledge(page)
    report_exception(page)
    acknowledge(page, "EMG-ELEVATOR-TRAP")
    by_def = dict(
        page.evaluate(
            "async () => (await window.dutybook.store.outboxAll())"
            ".map((e) => [e.record.def_id, e.id])"
        )
    )
    bad = by_def["CHK-PUMP-ROOM"]
    sent: list[list[str]] = []

    def fail_the_exception(route):
        ids = [r["id"] for r in json.loads(route.request.post_data)["records"]]
        sent.append(sorted(ids))
        if bad in ids:  # the server breaks on this one record, whatever batch it is in
            route.fulfill(
                status=500,
                content_type="application/json",
                body=json.dumps(
                    {
                        "status": 500,
                        "error": "Internal Server Error",
                        "message": "The server failed; the request was not completed.",
                        "details": [],
                    }
                ),
            )
        else:
            route.continue_()

    context.route("**/api/v1/records", fail_the_exception)
    context.set_offline(False)
    go(page, "#/outbox")
    page.click("#sync-now")
    wait_unsynced(page, 1)
    wait_outbox(page, [["CHK-PUMP-ROOM", "pending", 1]])
    good = sorted([by_def["ENG-REPAIR"], by_def["EMG-ELEVATOR-TRAP"]])
    assert sorted(r[0] for r in server.records()) == good
    # halved until the failing record stood alone; the others went through
    assert sent[:2] == [sorted(by_def.values()), sorted([by_def["ENG-REPAIR"], bad])]
    assert [bad] in sent and [by_def["EMG-ELEVATOR-TRAP"]] in sent
    assert outbox_ids(page) == [bad]

    # it is retried later, each time later still; the third failure shows it as stuck
    for failures in (2, 3):
        retry_at = page.evaluate(
            "async () => (await window.dutybook.store.outboxAll())[0].retry_at"
        )
        page.clock.set_system_time(dt.datetime.fromtimestamp(retry_at / 1000 + 1, dt.UTC))
        page.click("#sync-now")
        wait_outbox(page, [["CHK-PUMP-ROOM", "pending", failures]])
    page.wait_for_selector(".entry.stuck .export-one")
    entry = page.inner_text(".entry.stuck")
    assert "上传失败 3 次，会自动重试" in entry
    assert "服务器回答 500：The server failed; the request was not completed." in entry
    shot(page, "outbox-stuck")
    with page.expect_download() as info:
        page.click(".entry.stuck .export-one")
    body = json.loads(info.value.path().read_text(encoding="utf-8"))
    assert [e["id"] for e in body["entries"]] == [bad]
    assert body["entries"][0]["record"]["data"]["note"] == "车库照明损坏"
    assert info.value.suggested_filename == f"dutybook-record-{bad}.json"

    # the server is mended: the record goes up at its next try, and only then leaves the phone
    context.unroute("**/api/v1/records")
    retry_at = page.evaluate("async () => (await window.dutybook.store.outboxAll())[0].retry_at")
    page.clock.set_system_time(dt.datetime.fromtimestamp(retry_at / 1000 + 1, dt.UTC))
    page.click("#sync-now")
    wait_unsynced(page, 0)
    assert sorted(r[0] for r in server.records()) == sorted(by_def.values())
    assert page.errors == []


def test_a_record_the_server_rejects_or_answers_garbage_for_blocks_no_other(server, context, page):
    page.add_init_script(NO_BACKGROUND_SYNC)
    sign_in(page, server.url)
    context.set_offline(True)
    acknowledge(page)
    acknowledge(page, "EMG-ELEVATOR-TRAP")
    report_exception(page)
    by_def = dict(
        page.evaluate(
            "async () => (await window.dutybook.store.outboxAll())"
            ".map((e) => [e.record.def_id, e.id])"
        )
    )
    # the real server refuses a version that does not exist
    page.evaluate(
        """async (id) => {
          const d = await window.dutybook.store.db();
          const e = await d.get('outbox', id);
          e.record.def_version = '99.0';
          await d.put('outbox', e);
        }""",
        by_def["ENG-REPAIR"],
    )
    garbled = by_def["EMG-ELEVATOR-TRAP"]

    def garble(route):
        ids = [r["id"] for r in json.loads(route.request.post_data)["records"]]
        if garbled in ids:  # a proxy's error page with a 200, not the protocol's answer
            route.fulfill(status=200, content_type="text/html", body="<html>gateway</html>")
        else:
            route.continue_()

    context.route("**/api/v1/records", garble)
    context.set_offline(False)
    go(page, "#/outbox")
    page.click("#sync-now")
    wait_outbox(page, [["EMG-ELEVATOR-TRAP", "pending", 1], ["ENG-REPAIR", "rejected", 0]])
    assert [r[2] for r in server.records()] == ["CHK-PUMP-ROOM"]
    page.wait_for_selector(".entry.rejected")
    assert "被拒绝" in page.inner_text(".entry.rejected")
    assert "def_version" in page.inner_text(".entry.rejected .reason")
    assert page.is_visible(".entry.rejected .export-one")
    garbled_text = page.inner_text(f'.entry[data-id="{garbled}"]')
    assert "服务器的回答无法识别（HTTP 200）" in garbled_text
    # neither leaves the phone without a created or duplicate
    assert sorted(outbox_ids(page)) == sorted([by_def["ENG-REPAIR"], garbled])
    assert page.errors == []
