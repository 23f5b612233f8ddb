"""`dutybook serve-docs` as an author uses it: a browser on a page while the YAML is saved.

The real command in its own process (MkDocs' watcher and server), Chromium on one page: a
saved edit reloads the page with it; a check error shows in a panel over the page the author
reads (and in the terminal) without stopping the server; the fix takes the panel away.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.generator.conftest import ARTIFACTS
from tests.generator.test_live import handbook, replace  # noqa: F401 (the fixture)

PANEL = "#dutybook-preview-errors"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(handbook: Path):  # noqa: F811
    port = _free_port()
    log = handbook / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DUTYBOOK_LANG", None)
    command = [
        str(Path(sys.executable).with_name("dutybook")),
        "serve-docs",
        "--config",
        "mkdocs.yml",
    ]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "-a", f"127.0.0.1:{port}"], cwd=handbook, env=env, stderr=out, stdout=out
        )
    try:
        started = time.monotonic()
        while "Serving on" not in log.read_text():
            assert server.poll() is None, log.read_text()
            assert time.monotonic() - started < 300, log.read_text()
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_error_shows_on_the_page_and_the_fix_takes_it_away(
    handbook: Path,  # noqa: F811
    served,
    browser,
) -> None:
    url, log = served
    eight = handbook / "sop" / "procedures" / "adm-8s.yaml"
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(url + "procedures/adm-8s/")
    assert page.locator(PANEL).count() == 0

    replace(eight, "让工作现场整洁有序", "让每一处工作现场都整洁有序")
    page.get_by_text("让每一处工作现场都整洁有序").first.wait_for(timeout=30_000)

    replace(eight, "owner: manager", "owner: manager\nowners: [x]")
    panel = page.locator(PANEL)
    panel.wait_for(timeout=30_000)  # the page reloaded by itself
    assert "sop/procedures/adm-8s.yaml" in panel.inner_text()
    assert "owners" in panel.inner_text()
    assert "sop/procedures/adm-8s.yaml" in log.read_text()  # and in the terminal
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve-docs-error-360.png"))
    other = browser.new_page()
    other.goto(url + "procedures/sec-ebike/")  # every page shows it, the server still serves
    assert other.locator(PANEL).count() == 1
    other.close()

    replace(eight, "owner: manager\nowners: [x]", "owner: manager")
    replace(eight, "让每一处工作现场都整洁有序", "让工作现场处处整洁有序")
    page.get_by_text("让工作现场处处整洁有序").first.wait_for(timeout=30_000)
    assert page.locator(PANEL).count() == 0
    page.close()
