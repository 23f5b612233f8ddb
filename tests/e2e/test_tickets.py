"""The 工单 tab in Chromium against the real server: a ticket sent to the engineer is worked
through offline and syncs exactly once; the time left counts on the phone's own clock and is
shown on the site's clock, whatever zone the phone is set to."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pwa.ops import desk as rules
from pwa.ops.tickets import KINDS
from pwa.store.db import make_engine, transaction
from tests.conftest import handbook_tree
from tests.e2e.conftest import ARTIFACTS, ROOT, build_site
from tests.e2e.helpers import go, jpeg_bytes, sign_in, unsynced, wait_unsynced

DESK_YAML = ROOT / "tests" / "fixtures" / "handbook" / "sop" / "desk" / "svc-desk.yaml"
SITE_ZONE = ZoneInfo("Asia/Shanghai")
MINUTE = dt.timedelta(minutes=1)


def add_desk(target: Path) -> None:
    """Put the service desk document into a handbook's YAML (the e2e fixture has none)."""
    (target / "sop" / "desk").mkdir(exist_ok=True)
    shutil.copy(DESK_YAML, target / "sop" / "desk" / "svc-desk.yaml")


@pytest.fixture(scope="module")
def handbook(tmp_path_factory) -> Path:
    """The browser tests' handbook with the service desk in it, built once for this module."""
    target = handbook_tree(tmp_path_factory.mktemp("desk-handbook"))
    add_desk(target)
    return build_site(target)


def dispatch(
    server,
    *,
    at: dt.datetime,
    to: str | None = "wang",
    category: str = "repair-normal",
    room: str = "3-1-502",
    description: str = "厨房水槽下面漏水",
    then: tuple[str, ...] = (),
    assigned_after: dt.timedelta = dt.timedelta(0),
) -> tuple[str, str]:
    """A ticket reported at `at` and sent to `to` (None: the engineers' pool) `assigned_after`
    that, as the desk does it, written into the running server's database; `then`: the
    assignee's events at the same time as the dispatch."""
    desk = rules.Desk.from_bundle(json.loads((server.site / "handbook.json").read_bytes()))
    when = at.astimezone(dt.UTC).replace(tzinfo=None)
    sent = when + assigned_after
    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with transaction(engine) as conn:
            report = rules.Report(
                "jinxiu", category, room, "张女士", "13800138000", description, "phone"
            )
            tid, number, _ = rules.report(conn, desk, report, actor="desk", user_id=None, now=when)
            events = [
                rules.NewEvent(
                    str(uuid.uuid4()), "assigned", sent, "desk", {"to": to, "role": "engineer"}
                ),
                *(rules.NewEvent(str(uuid.uuid4()), kind, sent, to, {}) for kind in then),
            ]
            rules.add(conn, desk, tid, events, sent)
    finally:
        engine.dispose()
    return tid, number


def desk_event(server, tid: str, kind: str, at: dt.datetime) -> None:
    """The desk adds an event to a ticket's log (closing it, say) in the server's database."""
    desk = rules.Desk.from_bundle(json.loads((server.site / "handbook.json").read_bytes()))
    when = at.astimezone(dt.UTC).replace(tzinfo=None)
    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with transaction(engine) as conn:
            event = rules.NewEvent(str(uuid.uuid4()), kind, when, "desk", {})
            rules.add(conn, desk, tid, [event], when)
    finally:
        engine.dispose()


def drafts(page, *keys: str) -> list:
    """wang's drafts on the phone: their types, or (with keys) those fields of each."""
    found = page.evaluate("async () => await window.dutybook.store.draftsOf('wang')")
    return [{k: d.get(k) for k in keys} for d in found] if keys else [d["type"] for d in found]


def until(read, want, timeout: float = 30.0) -> None:
    """Wait for what only an async read of IndexedDB can tell (wait_for_function cannot)."""
    deadline = time.monotonic() + timeout
    while (got := read()) != want:
        assert time.monotonic() < deadline, f"still {got!r}, not {want!r}"
        time.sleep(0.2)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # a toast would cover the title (and never leaves while the phone's clock is held)
    page.evaluate("() => document.querySelectorAll('.toast').forEach((el) => el.remove())")
    page.screenshot(path=ARTIFACTS / f"app-{name}-360.png", full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def status(page) -> str:
    return page.inner_text(".ticket .ticket-status")


def wait_status(page, value: str) -> None:
    page.wait_for_selector(f'.ticket[data-status="{value}"]')


def open_list(page, count: int) -> None:
    """The 工单 tab shows once the list has come from the server, with its badge."""
    page.wait_for_function(
        "(n) => document.querySelector('#tickets-tab')?.dataset.count === String(n)", arg=count
    )
    page.click("#tickets-tab")
    page.wait_for_selector(".tickets-screen")


def server_ticket(server, tid: str) -> tuple[sqlite3.Row, list[sqlite3.Row]]:
    with sqlite3.connect(server.db_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM tickets WHERE id = ?", (tid,)).fetchone()
        events = conn.execute(
            "SELECT kind, actor, data, flag, at FROM ticket_events WHERE ticket_id = ?", (tid,)
        ).fetchall()
    # the log's own order: by time, then by the order of the loop
    return row, sorted(events, key=lambda e: (e["at"], KINDS.index(e["kind"])))


def test_a_ticket_worked_offline_syncs_once(server, context, page, instant):
    tid, number = dispatch(server, at=instant - dt.timedelta(minutes=3))
    pool, _ = dispatch(server, at=instant, to=None, room="5-2-101", description="楼道灯不亮")
    sign_in(page, server.url)
    open_list(page, 2)
    assert page.locator("#tickets-tab").get_attribute("aria-label") == "工单，2 张待处理"
    mine = page.locator("#tickets-mine .ticket-row")
    assert mine.count() == 1 and mine.first.get_attribute("data-ticket") == tid
    assert page.locator("#tickets-pool .ticket-row").first.get_attribute("data-ticket") == pool
    assert page.inner_text("#tickets-pool h2") == "待接单 · 工程维修（1）"
    assert mine.first.locator(".ticket-what").inner_text() == "一般维修 · 3-1-502"
    assert page.locator("#tickets-pool .chip.status").inner_text() == "待接单"
    shot(page, "tickets")
    assert fits(page)

    page.click(f'a[data-ticket="{tid}"]')
    wait_status(page, "assigned")
    assert page.locator("h1").inner_text() == f"{number} · 一般维修"
    assert "138****8000" in page.inner_text(".facts")
    assert "13800138000" not in page.content()

    # a basement: no signal from here on
    context.set_offline(True)
    page.click("#accept")
    wait_status(page, "accepted")
    assert status(page) == "已接单"
    assert page.inner_text('.clocks [data-clock="respond"]').startswith("响应 · 按时 · ")
    page.click("#arrive")
    wait_status(page, "on_site")
    assert status(page) == "处理中"
    page.get_by_label("记录内容").fill("角阀老化，关总阀后更换")
    page.set_input_files(
        ".ticket input[type=file]",
        files=[{"name": "valve.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("#884422")}],
    )
    page.wait_for_selector(".ticket .thumb img")
    page.click("#add-note")
    page.wait_for_selector('.ticket-log li[data-kind="note"]')
    page.get_by_label("材料名称和数量").fill("角阀 1 个")
    page.click("#add-part")
    page.get_by_label("材料名称和数量").fill("生料带 1 卷")
    page.get_by_label("材料名称和数量").press("Enter")
    assert page.locator(".parts li span").all_inner_texts() == ["角阀 1 个", "生料带 1 卷"]
    page.click("#finish")
    assert page.inner_text("#summary-error") == "请填写完工说明。"
    page.get_by_label("完工说明").fill("已更换角阀，试水无渗漏")
    shot(page, "ticket-on-site")
    assert fits(page)
    page.click("#finish")
    wait_status(page, "waiting")
    assert status(page) == "待住户确认"
    assert drafts(page) == []  # the work went out with 完工
    kinds = page.locator(".ticket-log li").evaluate_all(
        "(els) => els.map((li) => [li.dataset.kind, li.dataset.sync])"
    )
    assert kinds == [[k, "pending"] for k in ("accepted", "arrived", "note", "finished")]
    assert unsynced(page) == 4

    # still offline, the app opened again: the list comes from the phone, with the new state
    page.reload()
    page.wait_for_selector('body[data-ready="1"]')
    go(page, "#/tickets")
    page.wait_for_selector(".tickets-screen .offline-note")
    assert page.locator(f'a[data-ticket="{tid}"] .chip.status').inner_text() == "待住户确认"
    assert page.locator("#tickets-tab").get_attribute("data-count") == "1"
    records = page.evaluate(
        "async () => (await window.dutybook.store.outboxAll()).map((e) => e.record)"
    )

    # back online; the first push is stored but its answer is lost on the way back
    lost: list[str] = []

    def lose_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(route.request.url)
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route("**/api/v1/records", lose_answer)
    context.set_offline(False)
    wait_unsynced(page, 0, timeout=30_000)
    assert lost, "the first push did not reach the route"

    row, events = server_ticket(server, tid)
    assert (row["status"], row["assignee"], row["flagged"]) == ("waiting", "wang", 0)
    assert [e["kind"] for e in events] == [
        "created",
        "assigned",
        "accepted",
        "arrived",
        "note",
        "finished",
    ]
    data = {e["kind"]: json.loads(e["data"]) for e in events}
    assert data["note"]["text"] == "角阀老化，关总阀后更换"
    assert data["finished"] == {
        "text": "已更换角阀，试水无渗漏",
        "parts": "角阀 1 个，生料带 1 卷",
    }
    with sqlite3.connect(server.db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM records WHERE type = 'ticket_event'").fetchone()
        blobs = {sha for (sha,) in conn.execute("SELECT sha256 FROM blobs")}
    assert stored == (4,)
    assert set(data["note"]["photos"]) <= blobs and len(data["note"]["photos"]) == 1

    # the same records once more: every one a duplicate, nothing added to the log
    token = page.evaluate("async () => (await window.dutybook.store.currentUser()).token")
    again = page.evaluate(
        """async ([token, records]) => (await (await fetch('/api/v1/records', {method: 'POST',
          headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json'},
          body: JSON.stringify({records})})).json()).results.map((r) => r.status)""",
        [token, records],
    )
    assert again == ["duplicate"] * 4
    assert len(server_ticket(server, tid)[1]) == 6

    # the phone takes the server's list again: the ticket as stored, each event uploaded
    page.click(f'a[data-ticket="{tid}"]')
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ticket-log li')]"
        ".every((li) => li.dataset.sync === 'uploaded')"
    )
    assert status(page) == "待住户确认"
    shot(page, "ticket-waiting")
    assert page.errors == []


def test_an_event_the_server_refuses_is_shown_on_its_ticket(server, context, page, instant):
    # reported five minutes ago, sent to the engineer just now
    tid, _ = dispatch(server, at=instant - 5 * MINUTE, assigned_after=5 * MINUTE)
    sign_in(page, server.url)
    open_list(page, 1)
    context.set_offline(True)
    # the phone's date is two days out (a cheap phone after a flat battery)
    page.clock.set_system_time(instant + dt.timedelta(days=2))
    go(page, f"#/ticket/{tid}")
    page.click("#accept")
    wait_status(page, "accepted")
    page.clock.set_system_time(instant + dt.timedelta(minutes=2))
    context.set_offline(False)
    page.wait_for_selector(".ticket .refused")
    wait_status(page, "assigned")
    assert page.inner_text(".ticket .refused") == (
        "“接单”（6/11 10:30）被服务器拒绝："
        "recorded_at: is more than a day ahead of the server clock"
    )
    assert page.get_attribute(".ticket .refused", "role") == "alert"
    assert page.locator('.ticket-log li[data-kind="accepted"]').get_attribute("data-sync") == (
        "rejected"
    )
    shot(page, "ticket-refused")
    # nothing reached the log; accepting again does, even from a phone three minutes slow:
    # the event says which state of the ticket it answers, so it sorts after the dispatch
    assert [e["kind"] for e in server_ticket(server, tid)[1]] == ["created", "assigned"]
    page.clock.set_system_time(instant - 3 * MINUTE)
    page.click("#accept")
    wait_status(page, "accepted")
    page.wait_for_selector('.ticket-log li[data-kind="accepted"][data-sync="uploaded"]')
    row, events = server_ticket(server, tid)
    assert (row["status"], row["flagged"], [e["kind"] for e in events]) == (
        "accepted",
        0,
        ["created", "assigned", "accepted"],
    )
    go(page, "#/tickets")
    assert page.inner_text(f'a[data-ticket="{tid}"] .flag') == "1 条操作被拒绝"

    # on site, a note half typed; then the desk closes the ticket: the next list drops both
    page.click(f'a[data-ticket="{tid}"]')
    page.click("#arrive")
    wait_status(page, "on_site")
    page.get_by_label("记录内容").fill("等物业")
    until(lambda: drafts(page, "note"), [{"note": "等物业"}])
    desk_event(server, tid, "closed", instant + 10 * MINUTE)
    go(page, "#/outbox")
    page.click("#sync-now")
    until(lambda: drafts(page), [])
    go(page, f"#/ticket/{tid}")
    page.wait_for_selector("text=这张工单不在你的列表里了")
    assert page.errors == []


def wall(instant: dt.datetime, now: dt.datetime) -> str:
    """An instant as the phone shows it on the site's clock: the time, or date and time."""
    local, today = instant.astimezone(SITE_ZONE), now.astimezone(SITE_ZONE)
    hhmm = local.strftime("%H:%M")
    return hhmm if local.date() == today.date() else f"{local.month}/{local.day} {hhmm}"


@pytest.mark.every_instant
def test_time_left_counts_on_the_phone_in_the_sites_zone(server, context, page, instant):
    minutes = dt.timedelta(minutes=1)
    # on site within 30 minutes of the report, accepted: 25 minutes left
    soon, _ = dispatch(server, at=instant - 5 * minutes, then=("accepted",))
    # respond within 15 minutes, nobody has accepted it for 40: 25 minutes late
    late, _ = dispatch(server, at=instant - 40 * minutes, room="2-1-301")
    # a complaint done and waiting for the resident: its close clock is paused
    paused, _ = dispatch(
        server,
        at=instant - 60 * minutes,
        category="complaint",
        room="7-1-1201",
        then=("accepted", "arrived", "finished"),
    )
    sign_in(page, server.url)
    page.clock.set_fixed_time(instant)
    open_list(page, 2)

    def clock(tid: str) -> str:
        return page.inner_text(f'a[data-ticket="{tid}"] .clock')

    assert clock(soon) == f"到场 · 剩余 25 分钟 · 截止 {wall(instant + 25 * minutes, instant)}"
    assert clock(late) == f"响应 · 超时 25 分钟 · 截止 {wall(instant - 25 * minutes, instant)}"
    assert clock(paused) == "完成 · 已暂停（等住户确认）"
    # the most pressing first
    order = page.locator("#tickets-mine .ticket-row").evaluate_all(
        "(els) => els.map((a) => a.dataset.ticket)"
    )
    assert order == [late, soon, paused]
    shot(
        page,
        f"tickets-clocks-{page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone').replace('/', '-')}",
    )

    # the phone's own clock moves on (no server): drawn again, the time has run out
    page.clock.set_fixed_time(instant + 26 * minutes)
    go(page, "#/")
    go(page, "#/tickets")
    page.wait_for_function(
        "(tid) => document.querySelector(`a[data-ticket='${tid}'] .clock`)?.dataset.state === 'late'",
        arg=soon,
    )
    assert clock(soon) == f"到场 · 超时 1 分钟 · 截止 {wall(instant + 25 * minutes, instant)}"

    go(page, "#/account")
    page.get_by_label("语言").select_option("en")
    go(page, "#/tickets")
    page.wait_for_selector("text=My tickets")
    page.clock.set_fixed_time(instant)
    go(page, "#/")
    go(page, "#/tickets")
    page.wait_for_selector(f"a[data-ticket='{soon}'] .clock[data-state=running]")
    assert clock(soon) == f"On site · 25 min left · due {wall(instant + 25 * minutes, instant)}"
    assert clock(late).startswith("Respond · late by 25 min")
    shot(page, "tickets-en")
    assert fits(page)
    assert page.errors == []
