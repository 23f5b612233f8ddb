"""Patrol checkpoints scanned through the camera: a fake capture device shows a real QR code."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.helpers import sign_in

WIDTH, HEIGHT = 640, 480
DARK, LIGHT, GREY = 16, 235, 128
QUIET = 4  # modules of light margin around the code, as the QR standard asks
FRAMES = 5


def qr_y4m(code: str, path: Path) -> Path:
    """A short Y4M (4:2:0) clip of the QR code for `code`, which Chromium plays as its camera."""
    matrix = segno.make(code, micro=False).matrix
    modules = len(matrix) + 2 * QUIET
    scale = min(WIDTH, HEIGHT) * 3 // 4 // modules
    left = (WIDTH - modules * scale) // 2
    top = (HEIGHT - modules * scale) // 2
    luma = bytearray([LIGHT]) * (WIDTH * HEIGHT)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if not dark:
                continue
            x0 = left + (c + QUIET) * scale
            for y in range(top + (r + QUIET) * scale, top + (r + QUIET + 1) * scale):
                luma[y * WIDTH + x0 : y * WIDTH + x0 + scale] = bytes([DARK]) * scale
    chroma = bytes([GREY]) * (WIDTH // 2 * HEIGHT // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)
    return path


@pytest.fixture(scope="module")
def camera_browser(driver, tmp_path_factory):
    """A Chromium whose only camera plays the QR code of the patrol's first checkpoint."""
    clip = qr_y4m("JX-CP-01", tmp_path_factory.mktemp("camera") / "jx-cp-01.y4m")
    b = driver.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    yield b
    b.close()


def test_qr_code_from_the_camera_marks_the_checkpoint(server, camera_browser):
    ctx = camera_browser.new_context(
        viewport={"width": 360, "height": 760}, locale="zh-CN", permissions=["camera"]
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    wasm: list[str] = []
    page.on("request", lambda req: wasm.append(req.url) if req.url.endswith(".wasm") else None)
    try:
        sign_in(page, server.url)
        native = page.evaluate(
            """async () => 'BarcodeDetector' in globalThis &&
              (await BarcodeDetector.getSupportedFormats()).includes('qr_code')"""
        )
        page.click('a.row[data-def="PTL-JX-NIGHT"]')
        page.wait_for_selector(".round")
        assert page.inner_text(".remaining") == "剩余点位 3 个"
        page.click("button.primary:has-text('扫码')")
        page.wait_for_selector('li[data-cp="JX-CP-01"].reached', timeout=30_000)
        assert page.inner_text(".remaining") == "剩余点位 2 个"
        assert page.inner_text(".scanlog li").split(" ", 1)[1] == "已到 北门岗"
        assert page.is_visible("video.camera")
        page.click("button.primary:has-text('停止扫码')")
        assert page.is_hidden("video.camera")
        scans = page.evaluate(
            """async () => (await window.dutybook.store.draftsOf('wang'))
              .find((d) => d.type === 'patrol_round').scans
              .map((s) => [s.code, s.checkpoint, s.flag])"""
        )
        # the same code stays in view: reported once, then at most again as a repeat
        assert scans[0] == ["JX-CP-01", "JX-CP-01", None]
        assert all(s == ["JX-CP-01", "JX-CP-01", "repeat"] for s in scans[1:])
        if native:
            assert wasm == []
        else:
            # no native detector: the vendored ZXing decoder did the work, served from here
            assert wasm == [server.url + "/app/static/vendor/zxing-wasm-3.1.3/zxing_reader.wasm"]
        assert errors == []
    finally:
        ctx.close()
