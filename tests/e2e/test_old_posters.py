"""A poster printed before two codes were merged into one still scans as its checkpoint."""

from __future__ import annotations

import json
import sqlite3

from tests.e2e.helpers import sign_in, wait_unsynced


def test_an_old_poster_scans_as_the_checkpoint_that_replaced_it(server, page):
    # the test handbook's north gate, JX-CP-01, replaces the night route's old JX-ON-01
    sign_in(page, server.url)
    page.click('a.row[data-def="PTL-JX-NIGHT"]')
    page.wait_for_selector(".round")
    page.evaluate("(code) => window.dutybookScan(code)", "JX-ON-01")
    page.wait_for_selector('li[data-cp="JX-CP-01"].reached')
    assert page.inner_text(".scanlog li").split(" ", 1)[1] == "已到 北门岗"
    assert page.inner_text(".remaining") == "剩余点位 2 个"
    # scanned again, by its new poster: the same checkpoint, a repeat
    page.evaluate("(code) => window.dutybookScan(code)", "JX-CP-01")
    page.locator(".scanlog li").nth(1).wait_for()
    assert page.inner_text(".scanlog li").split(" ", 1)[1] == "重复扫码：北门岗"
    for code in ("JX-CP-02", "JX-CP-03"):
        page.evaluate("(code) => window.dutybookScan(code)", code)
    page.locator(".scanlog li").nth(3).wait_for()
    assert page.inner_text(".remaining") == "剩余点位 0 个"
    page.get_by_label("同行人员（第二人）").fill("李强")
    page.click("#finish")
    page.wait_for_selector("#emergency-button")
    wait_unsynced(page, 0)
    with sqlite3.connect(server.db_path) as conn:
        (data,) = conn.execute("SELECT data FROM records WHERE type = 'patrol_round'").fetchone()
    data = json.loads(data)
    # what was scanned is kept; the checkpoint is named by the code it has now
    assert [(s["code"], s["checkpoint"], s["flag"]) for s in data["scans"]] == [
        ("JX-ON-01", "JX-CP-01", None),
        ("JX-CP-01", "JX-CP-01", "repeat"),
        ("JX-CP-02", "JX-CP-02", None),
        ("JX-CP-03", "JX-CP-03", None),
    ]
    assert (data["missed"], data["complete"]) == ([], True)
    assert page.errors == []
