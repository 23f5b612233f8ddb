"""SOP acknowledgements: asked again only when a new MAJOR version of the SOP is published."""

from __future__ import annotations

import re
import sqlite3

from tests.e2e.helpers import acknowledge, go, sign_in, wait_unsynced

CHANGES = {
    "1.0": "首次发布",
    "1.1": "增加水浸、停电类报修 10 分钟到场要求",
    "2.0": "维修流程改为先拍照后维修",
}


def publish(server, version: str) -> None:
    """Set ENG-REPAIR to `version` in the YAML (change log up to it) and rebuild the handbook."""
    path = server.workdir / "sop" / "procedures" / "eng-repair.yaml"
    head, _, _ = path.read_text(encoding="utf-8").partition("changes:\n")
    head, count = re.subn(r'^version: "[0-9.]+"$', f'version: "{version}"', head, flags=re.M)
    assert count == 1
    log = "".join(
        f'  - {{version: "{v}", date: 2026-01-0{i + 1}, summary: {text}}}\n'
        for i, (v, text) in enumerate(CHANGES.items())
        if float(v) <= float(version)
    )
    path.write_text(f"{head}changes:\n{log}", encoding="utf-8")
    server.rebuild()


def pick_up(page, version: str) -> None:
    """Sync now: the app fetches the new definitions along with the push."""
    go(page, "#/outbox")
    page.click("#sync-now")
    page.wait_for_function(
        "(v) => window.dutybook.app.bundle.documents['ENG-REPAIR'].version === v",
        arg=version,
        timeout=20_000,
    )


def learn_row(page) -> tuple[str, str]:
    go(page, "#/learn")
    row = page.locator('a.row[href="#/read/ENG-REPAIR"]')
    row.wait_for()
    return row.locator("span").first.inner_text(), row.locator(".chip").inner_text()


def acked_versions(server) -> list[str]:
    with sqlite3.connect(server.db_path) as conn:
        rows = conn.execute(
            "SELECT def_version FROM records WHERE type = 'ack' AND def_id = 'ENG-REPAIR' "
            "ORDER BY seq"
        ).fetchall()
    return [v for (v,) in rows]


def test_acknowledgement_asked_again_only_on_a_major_version(server, context, page):
    publish(server, "1.0")
    sign_in(page, server.url)
    assert learn_row(page) == ("报修受理与维修响应 v1.0", "需确认")
    acknowledge(page)
    wait_unsynced(page, 0)
    assert learn_row(page) == ("报修受理与维修响应 v1.0", "已确认 v1.0")
    assert acked_versions(server) == ["1.0"]

    # MINOR: the acknowledgement of 1.0 still holds
    publish(server, "1.1")
    pick_up(page, "1.1")
    assert learn_row(page) == ("报修受理与维修响应 v1.1", "已确认 v1.1")
    go(page, "#/read/ENG-REPAIR")
    page.wait_for_selector(".read")
    assert page.locator("#ack").count() == 0
    assert page.inner_text(".read .chip") == "已确认 v1.1"

    # MAJOR: asked again, and the new acknowledgement names 2.0
    publish(server, "2.0")
    pick_up(page, "2.0")
    assert learn_row(page) == ("报修受理与维修响应 v2.0", "需确认")
    acknowledge(page)
    wait_unsynced(page, 0)
    assert learn_row(page) == ("报修受理与维修响应 v2.0", "已确认 v2.0")
    assert acked_versions(server) == ["1.0", "2.0"]
    assert page.errors == []
