"""Handbook search on a phone-sized CPU: index size, and time from typing to the first result.

The real handbook (sop/, content/) is built once, served over HTTP, and searched in Chromium
with the CPU throttled ×4 (CDP Emulation.setCPUThrottlingRate), as on a cheap Android phone.
Time to first result: from opening the search box on a fresh page load (the worker must
fetch and index search_index.json) to the first result of a query; then per query once warm.
"""

from __future__ import annotations

import functools
import gzip
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.results import Row

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
THROTTLE = 4
QUERIES = ["着火了", "电梯关人", "煤气味", "水管爆了", "没电了", "有人打架", "搬东西出门", "停车"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _build(site: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "-q",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )


def _first_result(page, query: str) -> float:
    box = page.locator("input.md-search__input")
    start = time.perf_counter()
    box.fill(query)
    box.press("End")
    page.wait_for_selector(".md-search-result__item", timeout=60000)
    elapsed = time.perf_counter() - start
    box.fill("")
    box.press("End")
    page.wait_for_selector(".md-search-result__item", state="detached", timeout=60000)
    return elapsed


def run(notes: list[str]) -> list[Row]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        _build(site)
        index = (site / "search" / "search_index.json").read_bytes()
        handler = functools.partial(_Quiet, directory=str(site))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/procedures/sec-gate/"
        cold: list[float] = []
        warm: list[float] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for query in QUERIES[:3]:
                page = browser.new_page(viewport={"width": 360, "height": 760})
                cdp = page.context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
                page.goto(url, wait_until="load")
                page.locator("label.md-header__button[for=__search]").click()
                cold.append(_first_result(page, query))
                warm += [_first_result(page, q) for q in QUERIES]
                page.close()
            browser.close()
        server.shutdown()
    size_kib = len(index) / 1024
    gz_kib = len(gzip.compress(index)) / 1024
    cold_s = statistics.median(cold)
    warm_ms = statistics.median(warm) * 1000
    notes.append(
        f"search: real handbook, Chromium CPU ×{THROTTLE}; cold = page load to the first "
        f"result (worker fetches and indexes search_index.json), median of {len(cold)}; warm = "
        f"median over {len(warm)} queries typed into the open box"
    )
    return [
        Row(
            "search index size",
            "≤ 2 MiB (≤ 512 KiB gzip)",
            f"{size_kib:.0f} KiB ({gz_kib:.0f} KiB gzip)",
            met=size_kib <= 2048 and gz_kib <= 512,
        ),
        Row(f"first result, cold, CPU ×{THROTTLE}", "≤ 3 s", f"{cold_s:.2f} s", met=cold_s <= 3),
        Row(
            f"result per query, warm, CPU ×{THROTTLE}",
            "≤ 500 ms",
            f"{warm_ms:.0f} ms",
            met=warm_ms <= 500,
        ),
    ]
