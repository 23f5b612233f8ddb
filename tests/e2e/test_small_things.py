"""What a guard hits at once: toasts over buttons, a quiz sent twice, raw units, silent syncs."""

from __future__ import annotations

import datetime as dt
import sqlite3

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import SCREEN_GAP, WATCH_INSTALL, go, sign_in, wait_unsynced

# Fixed instants: the account was created at noon UTC on 1 March (the same calendar day in
# every zone from UTC-11 to UTC+11), the phone's clock reads 20 March.
JOINED = "2026-03-01 12:00:00.000000"
PHONE_NOW = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"app-{name}-360.png", full_page=True)


def set_joined(server, username: str = "wang") -> None:
    with sqlite3.connect(server.db_path) as conn:
        conn.execute("UPDATE users SET created_at = ? WHERE username = ?", (JOINED, username))


def records_of(server, type_: str) -> int:
    with sqlite3.connect(server.db_path) as conn:
        return conn.execute("SELECT count(*) FROM records WHERE type = ?", (type_,)).fetchone()[0]


def set_lang(page, lang: str, first_tab: str) -> None:
    go(page, "#/account")
    page.get_by_label("语言" if lang == "en" else "Language").select_option(lang)
    page.wait_for_function(
        "(w) => document.querySelector('nav.tabs a').textContent === w", arg=first_tab
    )


def test_a_toast_never_covers_the_next_screens_button(server, page):
    sign_in(page, server.url)
    page.click('a.row[data-def="CHK-PUMP-ROOM"]')
    page.wait_for_selector("#item-inlet-pressure")
    page.get_by_label("进水压力（MPa）").fill("0.3")
    page.click('#item-leaks button[data-v="1"]')
    page.get_by_label("自动").check()
    page.click("#finish")  # 完成并保存: "已保存到本机" appears as Today opens
    toast = page.locator(".toast").filter(has_text="已保存到本机")
    toast.wait_for()
    # hold the phone's clock while it is up: on a loaded machine 3 s can pass before the
    # measure (its going by itself is the test above)
    page.clock.pause_at(page.evaluate("Date.now() + 200") / 1000)  # seconds, as Python counts
    # the Today screen's last button, scrolled to just above the tab bar where a thumb is
    button = page.locator("a.button", has_text="上报异常")
    seen = page.evaluate(
        """() => {
          const b = [...document.querySelectorAll('a.button')].find((a) => a.textContent === '上报异常');
          const tabs = document.querySelector('nav.tabs').getBoundingClientRect();
          window.scrollBy(0, b.getBoundingClientRect().bottom - (tabs.top - 4));
          const t = [...document.querySelectorAll('.toast')].find((x) => x.textContent.includes('已保存到本机'));
          const r = b.getBoundingClientRect();
          const o = t.getBoundingClientRect();
          return {
            box: { y: r.y, height: r.height }, over: { y: o.y, height: o.height },
            hit: document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b,
          };
        }"""
    )
    box, over = seen["box"], seen["over"]
    assert over["y"] + over["height"] <= box["y"] or over["y"] >= box["y"] + box["height"], seen
    assert seen["hit"]
    shot(page, "toast-over-today")
    button.click(timeout=2000)  # no force: Playwright refuses a covered element
    page.wait_for_selector(".exception")
    # still up (the clock is held) and dismissible at once
    page.evaluate("location.hash = '#/'")
    page.wait_for_selector("#emergency-button")
    assert toast.count() == 1
    toast.locator("button.toast-close").click()
    assert toast.count() == 0
    assert page.errors == []


def test_a_toast_goes_by_itself_within_three_seconds(server, page):
    sign_in(page, server.url)
    page.click('a.row[data-def="CHK-PUMP-ROOM"]')
    page.wait_for_selector("#item-inlet-pressure")
    page.get_by_label("进水压力（MPa）").fill("0.3")
    page.click('#item-leaks button[data-v="1"]')
    page.get_by_label("自动").check()
    page.click("#finish")
    toast = page.locator(".toast").filter(has_text="已保存到本机")
    toast.wait_for()
    assert toast.get_attribute("role") == "status"
    assert toast.locator("button.toast-close").get_attribute("aria-label") == "关闭"
    toast.wait_for(state="detached", timeout=3500)


def test_quiz_is_sent_once_and_a_failed_or_overdue_course_says_so(server, page):
    set_joined(server)
    page.clock.set_fixed_time(PHONE_NOW)
    sign_in(page, server.url)
    go(page, "#/learn")
    chip = page.locator('a.row[href="#/course/TRN-EMERGENCY-BASICS"] .chip')
    # due_within: 14d from joining on 1 March: overdue on 20 March
    chip.wait_for()
    assert chip.inner_text() == "已逾期（2026-03-15）"
    shot(page, "learn-overdue")
    set_lang(page, "en", "Today")
    go(page, "#/learn")
    page.wait_for_selector(".learn")
    assert chip.inner_text() == "Overdue (due 2026-03-15)"
    set_lang(page, "zh", "今日")

    go(page, "#/course/TRN-EMERGENCY-BASICS")
    page.get_by_label("通过对讲安抚被困人员并通知维保单位").check()
    page.get_by_label("1 小时").check()  # wrong: 15 minutes is right
    page.dblclick("#submit-quiz")
    page.wait_for_selector(".result:not(:empty)")
    assert page.is_disabled("#submit-quiz")
    page.click("#submit-quiz", force=True)  # a third press on a disabled button
    wait_unsynced(page, 0)
    assert records_of(server, "quiz") == 1
    go(page, "#/learn")
    page.wait_for_selector(".learn")
    assert chip.inner_text() == "未通过，可重新作答"
    shot(page, "learn-failed")
    assert page.errors == []


def test_durations_and_ranges_use_the_handbooks_words(server, page):
    sign_in(page, server.url)
    for lang, tab, range_, allowed, within in [
        ("zh", "今日", "范围 ≥ 1 台", "限时 45分钟", "1分钟内"),
        ("en", "Today", "Range ≥ 1 台", "Allowed 45 min", "within 1 min"),
    ]:
        if lang == "en":
            set_lang(page, "en", tab)
        go(page, "#/")
        page.click('a.row[data-def="CHK-PUMP-ROOM"]')
        page.wait_for_selector("#item-spare-pumps")
        assert page.inner_text("#item-spare-pumps .hint") == range_
        assert page.inner_text("#item-inlet-pressure .hint") == range_.replace(
            "≥ 1 台", "0.15–0.45 MPa"
        )
        if lang == "zh":
            shot(page, "checklist-range")
        page.go_back()
        go(page, "#/")
        page.click('a.row[data-def="PTL-JX-NIGHT"]')
        page.wait_for_selector(".round")
        page.wait_for_function("() => document.querySelector('.elapsed').textContent !== ''")
        assert page.inner_text(".elapsed").split(" · ")[1] == allowed
        go(page, "#/emergency")
        page.click("text=电梯困人应急预案")
        page.wait_for_selector(".incident")
        first = page.locator(".actions .action").nth(0).inner_text()
        assert within in first and "1m" not in first, first
        if lang == "zh":
            shot(page, "incident-within")
    assert page.errors == []


def worker_registration(cdp) -> str:
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: found.extend(r["registrationId"] for r in e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if found:
            return found[0]
        cdp.send("Runtime.evaluate", {"expression": "1"})  # let the events arrive
    raise AssertionError("no service worker registration")


def test_a_background_sync_is_confirmed_on_the_page(server, context, page):
    sign_in(page, server.url)
    wait_unsynced(page, 0)
    # queued without telling the page, as when the app was closed: only the worker pushes it
    page.evaluate(
        """async () => {
          const d = window.dutybook;
          const e = d.app.bundle.documents['ENG-REPAIR'];
          await d.store.commitRecord(d.app.user.username, {
            type: 'ack', def_id: 'ENG-REPAIR', def_version: e.version, site: 'jinxiu',
            data: { major: Number(e.version.split('.')[0]), acknowledged_at: d.store.isoNow() },
          });
        }"""
    )
    cdp = context.new_cdp_session(page)
    registration = worker_registration(cdp)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": server.url,
            "registrationId": registration,
            "tag": "outbox",
            "lastChance": False,
        },
    )
    page.wait_for_function(
        "() => document.querySelector('#sync-state').textContent.startsWith('已同步 1 条')",
        timeout=20_000,
    )
    state = page.inner_text("#sync-state")
    assert state.startswith("已同步 1 条（后台自动同步） · 上次同步："), state
    assert page.get_attribute("#unsynced", "data-count") == "0"
    assert records_of(server, "ack") == 1


def test_ready_offline_stays_visible_on_me(server, page):
    sign_in(page, server.url)  # waits until the worker has precached everything
    go(page, "#/account")
    page.wait_for_selector("#offline-state")
    assert page.inner_text("#offline-state") == "已可离线使用：应用和整本手册都已保存在本机。"
    shot(page, "account-offline-ready")


def test_the_first_install_shows_how_far_it_is_then_goes(server, page):
    # what the banner said each time it changed, from the page's first script on
    page.add_init_script(WATCH_INSTALL)
    sign_in(page, server.url)  # waits until the worker has precached everything
    seen = page.evaluate("window.__install")
    assert seen, "the banner never showed"
    total = seen[-1]["max"]
    assert total > 20  # the app and the whole handbook, file by file
    assert all(s["max"] == total and 0 <= s["value"] <= total for s in seen), seen
    values = [s["value"] for s in seen]
    assert values == sorted(values)
    assert seen[0]["text"].startswith("正在把整本手册存到本机，以便离线使用"), seen[0]
    assert f"/{total} 个文件" in seen[-1]["text"], seen[-1]
    assert page.is_hidden("#install")  # gone once everything is on the phone
    # and while it showed, the screen under the finger stayed where it was: a banner that
    # pushed the sign-in form down made a tap aimed at 登录 land on the hint above it
    gap = page.evaluate(SCREEN_GAP)
    assert {s["gap"] for s in seen} == {gap}, (gap, seen[:3])


def test_storage_warning_says_what_to_do_in_a_guards_words(server, page):
    sign_in(page, server.url)
    for lang, tab, words in [
        (
            "zh",
            "今日",
            "记录现在只存在这部手机上。手机存储快满时，浏览器可能会清掉还没上传的记录。"
            "有网络时请点“立即同步”；长时间没网络，请点“导出未同步记录”，把文件交给主管。",
        ),
        (
            "en",
            "Today",
            "Your records are only on this phone for now. If the phone runs out of space, "
            "the browser may delete records that have not been uploaded. When you have a "
            'connection, tap "Sync now"; if you will be offline for long, tap "Export '
            'unsynced records" and give the file to your supervisor.',
        ),
    ]:
        if lang == "en":
            set_lang(page, "en", tab)
        # the browser's answer to navigator.storage.persist() is its own: pretend a refusal
        page.evaluate("window.dutybook.app.persisted = false")
        go(page, "#/outbox")
        page.evaluate("window.dutybook.render()")
        page.wait_for_selector("#storage")
        assert page.inner_text("#storage") == words
        if lang == "zh":
            shot(page, "outbox-storage")
