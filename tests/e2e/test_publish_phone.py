"""A publish while a phone is in the middle of a checklist: the phone says 手册已更新 with what
changed for its person (and which to acknowledge again), links to the changed pages, and the
checklist begun before is finished against the version it began with."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import go, sign_in, wait_unsynced


@pytest.fixture
def quick_check(monkeypatch):
    """The server asks the database which version is live on every request."""
    monkeypatch.setenv("DUTYBOOK_HANDBOOK_CHECK_SECONDS", "0")


def publish(server) -> str:
    return server.dutybook("publish", "--database-url", f"sqlite:///{server.db_path}")


def edit(server) -> None:
    """v2: the pump-room checklist gets a required item (a MINOR version), the repair procedure
    a new MAJOR version, and a night-duty procedure is added."""
    sop = server.workdir / "sop"
    pump = sop / "checklists" / "chk-pump-room.yaml"
    text = pump.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"', 1)
    text = text.replace(
        "items:\n",
        "items:\n  - {id: tank-level, area: pump-room, type: number, text: 水箱水位, unit: m}\n",
        1,
    )
    pump.write_text(text, encoding="utf-8")
    repair = sop / "procedures" / "eng-repair.yaml"
    text = re.sub(r'^version: "1.1"$', 'version: "2.0"', repair.read_text("utf-8"), flags=re.M)
    text += '  - {version: "2.0", date: 2026-02-01, summary: 维修流程改为先拍照后维修}\n'
    repair.write_text(text, encoding="utf-8")
    night = text.replace("id: ENG-REPAIR", "id: ENG-NIGHT", 1)
    night = night.replace("title: 报修受理与维修响应", "title: 夜间报修值守", 1)
    (sop / "procedures" / "eng-night.yaml").write_text(night, encoding="utf-8")


def test_a_phone_mid_checklist_across_a_publish(quick_check, server, context, page):
    assert publish(server).startswith("published version 1:")
    sign_in(page, server.url)
    page.click('a.row[data-def="CHK-PUMP-ROOM"]')
    page.wait_for_selector("#item-inlet-pressure")
    run = page.evaluate("location.hash")
    page.get_by_label("进水压力（MPa）").fill("0.3")
    page.click('#item-leaks button[data-v="1"]')

    edit(server)
    assert publish(server).startswith("published version 2: 3 change(s), 1 MAJOR")
    go(page, "#/outbox")
    page.click("#sync-now")
    page.wait_for_function(
        "() => window.dutybook.app.bundle.documents['CHK-PUMP-ROOM'].version === '1.1'",
        timeout=20_000,
    )
    notice = page.locator("#handbook-notice")
    notice.wait_for(state="visible")
    # the engineer's three: the checklist, the procedure to acknowledge again, the new one
    assert notice.locator("p").inner_text() == "手册已更新 3 项变更，其中 1 项需要重新确认"
    lines = notice.locator("li").all_inner_texts()
    assert lines == [
        "水泵房巡检记录 v1.0 → v1.1",
        "报修受理与维修响应 v1.1 → v2.0 · 需重新确认",
        "夜间报修值守 新增",
    ]
    assert notice.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))") == [
        "/checklists/chk-pump-room/",
        "/procedures/eng-repair/",
        "/procedures/eng-night/",
    ]  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "app-handbook-notice-360.png")

    # back to the checklist begun before the publish: still version 1.0, no new item
    go(page, run)
    page.wait_for_selector("#item-inlet-pressure")
    assert "v1.0" in page.inner_text(".run .muted")
    assert page.locator("#item-tank-level").count() == 0
    assert page.get_by_label("进水压力（MPa）").input_value() == "0.3"
    page.get_by_label("自动").check()
    page.click("#finish")
    page.wait_for_selector("#emergency-button")
    wait_unsynced(page, 0)
    with sqlite3.connect(server.db_path) as conn:
        stored = conn.execute(
            "SELECT def_version, data FROM records WHERE def_id = 'CHK-PUMP-ROOM'"
        ).fetchall()
    assert len(stored) == 1 and stored[0][0] == "1.0"
    assert "tank-level" not in stored[0][1]
    # a new run starts on the new version; the notice goes when dismissed
    page.click("#notice-dismiss")
    notice.wait_for(state="hidden")
    go(page, "#/")
    page.click('a.row[data-def="CHK-PUMP-ROOM"]')
    page.wait_for_selector("#item-tank-level")
    assert "v1.1" in page.inner_text(".run .muted")
    assert page.errors == []
