"""The last resorts for unsynced records: persistent storage and a one-tap export to a file."""

from __future__ import annotations

import base64
import hashlib
import json

from tests.e2e.helpers import acknowledge, go, jpeg_bytes, outbox_ids, sign_in, wait_unsynced

# Wraps StorageManager.persist before the app loads: every answer the browser gives is kept.
PERSIST_SPY = """
(() => {
  const real = StorageManager.prototype.persist;
  window.persistAnswers = [];
  StorageManager.prototype.persist = async function () {
    const granted = await real.call(this);
    window.persistAnswers.push(granted);
    return granted;
  };
})();
"""

# The same, but the browser refuses: the app must say the data may be cleared.
PERSIST_REFUSED = """
(() => {
  window.persistAnswers = [];
  StorageManager.prototype.persist = async function () {
    window.persistAnswers.push(false);
    return false;
  };
})();
"""


def test_persistent_storage_is_requested_and_its_answer_kept(server, context, page):
    context.add_init_script(PERSIST_SPY)
    sign_in(page, server.url)
    page.wait_for_selector("body[data-persisted]")
    answers = page.evaluate("window.persistAnswers")
    assert len(answers) == 1  # asked once, at start
    assert page.get_attribute("body", "data-persisted") == str(answers[0]).lower()
    go(page, "#/outbox")
    expected = "本机存储已设为持久" if answers[0] else "记录现在只存在这部手机上。"
    assert page.inner_text("#storage").startswith(expected)


def test_refused_persistent_storage_is_shown_in_the_outbox(server, context, page):
    context.add_init_script(PERSIST_REFUSED)
    sign_in(page, server.url)
    go(page, "#/outbox")
    page.wait_for_selector("#storage")
    assert page.evaluate("window.persistAnswers") == [False]
    assert page.get_attribute("body", "data-persisted") == "false"
    # what it means and what to do, in a guard's words (not "persistent storage")
    assert page.inner_text("#storage") == (
        "记录现在只存在这部手机上。手机存储快满时，浏览器可能会清掉还没上传的记录。"
        "有网络时请点“立即同步”；长时间没网络，请点“导出未同步记录”，把文件交给主管。"
    )
    assert page.get_attribute("#storage", "class") == "flag"


def test_export_holds_exactly_the_unsynced_records_and_their_photos(server, context, page):
    sign_in(page, server.url)
    acknowledge(page, "EMG-ELEVATOR-TRAP")
    wait_unsynced(page, 0)
    (synced,) = [r[0] for r in server.records()]

    context.set_offline(True)
    acknowledge(page, "ENG-REPAIR")
    go(page, "#/exception/new")
    page.wait_for_selector(".exception")
    page.get_by_label("备注").fill("车库照明损坏")
    # a report on its own must say what it is about: nothing is saved until it does
    page.click("#finish")
    assert page.inner_text("#about-error") == "请先选择这个异常涉及的检查表、巡更路线或规程。"
    page.get_by_label("关于（检查表、巡逻或规程）").select_option("CHK-PUMP-ROOM")
    photo = jpeg_bytes("#775533")
    page.set_input_files(
        ".exception input[type=file]",
        files=[{"name": "garage.jpg", "mimeType": "image/jpeg", "buffer": photo}],
    )
    page.wait_for_selector(".exception .thumb img")
    page.click("#finish")
    wait_unsynced(page, 2)
    queued = outbox_ids(page)

    go(page, "#/outbox")
    page.wait_for_selector(".outbox")
    with page.expect_download() as info:
        page.click("#export")
    download = info.value
    assert download.suggested_filename.startswith("dutybook-unsynced-")
    assert download.suggested_filename.endswith(".json")
    body = json.loads(download.path().read_text(encoding="utf-8"))

    assert body["format"] == 1
    assert body["device_id"] == page.evaluate("window.dutybook.store.deviceId()")
    entries = body["entries"]
    assert sorted(e["id"] for e in entries) == queued
    assert synced not in {e["id"] for e in entries}
    assert [(e["record"]["type"], e["record"]["def_id"], e["status"]) for e in entries] == [
        ("ack", "ENG-REPAIR", "pending"),
        ("exception", "CHK-PUMP-ROOM", "pending"),
    ]
    assert [e["record"]["seq"] for e in entries] == [2, 3]
    assert entries[1]["record"]["data"]["note"] == "车库照明损坏"
    # the photo travels with the file: it is the only copy until the upload happens
    (sha,) = entries[1]["record"]["data"]["photos"]
    assert entries[1]["blobs"] == [sha]
    assert list(body["blobs"]) == [sha]
    saved = base64.b64decode(body["blobs"][sha]["base64"])
    assert hashlib.sha256(saved).hexdigest() == sha
    assert body["blobs"][sha]["type"] == "image/jpeg"
    assert body["blobs"][sha]["uploaded"] is False
    assert saved[:2] == b"\xff\xd8" and len(saved) < len(photo)  # compressed on the device

    # exporting takes nothing off the device
    assert outbox_ids(page) == queued
    assert page.errors == []
