"""A cheap phone: the app on the real handbook in Chromium with its CPU slowed ×4, behind a slow
mobile link (bench/throttle.py): first install, offline cold start, tap to stored, and a week's
queue of 3,000 records opened and synced.

Baselines from the same run: the first install against the same files fetched by a plain
client over the same link; the 3,000-record sync against the same records pushed directly.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.bench_app import QUEUE, TIMED_SYNC, _post, _records, cold_starts, p95, tap_times
from bench.results import Row
from bench.throttle import SLOW_4G, Throttle

CPU_SLOWDOWN = 4
QUEUED = 3000
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "bench" / "out"

OPEN_OUTBOX = """async () => {
  const t0 = performance.now();
  location.hash = '#/outbox';
  await new Promise((resolve) => {
    const look = () =>
      document.querySelector('.outbox #sync-now') ? resolve() : setTimeout(look, 1);
    look();
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - t0;
}"""


def _slow_cpu(ctx, page) -> None:
    ctx.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def _manifest(url: str) -> list[str]:
    with urllib.request.urlopen(url + "/sw.js", timeout=60) as resp:
        text = resp.read().decode()
    found = re.search(r"const MANIFEST = (\[.*?\]);\n", text, re.S)
    return [path for path, _rev in json.loads(found.group(1))]


def _plain_download(url: str, paths: list[str]) -> tuple[float, int]:
    """Every precached file through the link, 8 at a time as the worker fetches them."""

    def get(path: str) -> int:
        # gzip asked for as a browser asks; the bytes are counted as they crossed the link
        req = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return len(resp.read())

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        size = sum(pool.map(get, paths))
    return time.perf_counter() - t0, size


def _ack(doc_id: str, version: str) -> dict:
    return {
        "type": "ack",
        "def_id": doc_id,
        "def_version": version,
        "site": "jinxiu",
        "data": {"major": int(version.split(".")[0]), "acknowledged_at": None},
    }


def run(notes: list[str]) -> list[Row]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, handbook_tree
    from tests.e2e.conftest import build_site, start_server
    from tests.e2e.helpers import PASSWORD, WATCH_INSTALL, go, wait_unsynced

    work = Path(tempfile.mkdtemp(prefix="bench-phone-"))
    site = build_site(handbook_tree(work / "handbook", ROOT))
    bundle = json.loads((site / "handbook.json").read_bytes())
    version = bundle["documents"]["ENG-REPAIR"]["version"]
    proc, server = start_server(work, site)
    rows: list[Row] = []
    try:
        with Throttle(int(server.url.rsplit(":", 1)[1]), SLOW_4G) as link:
            paths = _manifest(server.url)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                ctx = browser.new_context(viewport={"width": 360, "height": 760})
                page = ctx.new_page()
                page.add_init_script(WATCH_INSTALL)
                _slow_cpu(ctx, page)

                # first install over the slow link: the shell, sign-in, the whole handbook
                t0 = time.perf_counter()
                page.goto(link.url + "/app/", timeout=120_000)
                page.wait_for_selector('body[data-ready="1"]', timeout=120_000)
                page.fill("input[autocomplete=username]", "wang")
                page.fill("input[type=password]", PASSWORD)
                page.click("form button[type=submit]")
                page.wait_for_selector("#install:not([hidden])", timeout=120_000)
                SHOTS.mkdir(exist_ok=True)
                page.screenshot(path=SHOTS / "phone-install-360.png")
                page.wait_for_selector("body[data-offline-ready]", timeout=300_000)
                install = time.perf_counter() - t0
                shown = page.evaluate("window.__install")
                installed_bytes = link.bytes_down
                steps = len({s["value"] for s in shown})
                rows.append(
                    Row(
                        f"first install over {SLOW_4G.name.split(' (')[0]}, CPU ×{CPU_SLOWDOWN}: "
                        f"app + whole handbook ({len(paths)} files)",
                        "≤ 60 s, progress shown",
                        f"{install:.1f} s, {steps} progress steps",
                        "…",
                        met=install <= 60 and steps >= 3,
                    )
                )

                # offline from here: cold starts and taps on the slowed CPU
                ctx.set_offline(True)
                start = cold_starts(ctx, link.url, prepare=lambda cold: _slow_cpu(ctx, cold))
                rows.append(
                    Row(
                        f"offline cold start to interactive, CPU ×{CPU_SLOWDOWN} (median of 7)",
                        "≤ 1000 ms",
                        f"{start:.0f} ms",
                        met=start <= 1000,
                    )
                )

                saves, _commits = tap_times(page)
                rows.append(
                    Row(
                        f"tap to stored in IndexedDB, CPU ×{CPU_SLOWDOWN}, p95 (300 taps)",
                        "≤ 16 ms",
                        f"{p95(saves):.1f} ms (p50 {statistics.median(saves):.1f})",
                        met=p95(saves) <= 16,
                    )
                )

                # a week offline: 3,000 records queued, then the 待同步 screen and the sync
                go(page, "#/")
                page.evaluate(QUEUE, [QUEUED, _ack("ENG-REPAIR", version)])
                opens = []
                for _ in range(3):
                    go(page, "#/")
                    opens.append(page.evaluate(OPEN_OUTBOX))
                opened = statistics.median(opens)
                rows.append(
                    Row(
                        f"待同步 screen with {QUEUED:,} queued records opens, CPU ×{CPU_SLOWDOWN} "
                        "(median of 3)",
                        "≤ 500 ms",
                        f"{opened:.0f} ms",
                        met=opened <= 500,
                    )
                )
                link.fast()
                ctx.set_offline(False)
                took = page.evaluate(TIMED_SYNC)
                wait_unsynced(page, 0, timeout=120_000)
                token = page.evaluate("window.dutybook.app.user.token")
                browser.close()

            # baselines, same run: the same files over the same slow link by a plain client;
            # the same number of records pushed directly, in the app's batches
            link.slow()
            plain, plain_bytes = _plain_download(link.url, paths)
            rows[0].ratio = f"{install / plain:.2f}× a plain download of the files ({plain:.1f} s)"
            records = _records(QUEUED, "bench-phone-baseline")
            for r in records:
                r["def_version"] = version
            t0 = time.perf_counter()
            for i in range(0, QUEUED, 500):
                _post(server.url + "/api/v1/records", token, {"records": records[i : i + 500]})
            base = (time.perf_counter() - t0) * 1000
            rows.append(
                Row(
                    f"sync {QUEUED:,} queued records, CPU ×{CPU_SLOWDOWN}, fast network",
                    "≤ 5000 ms",
                    f"{took:.0f} ms",
                    f"{took / base:.2f}× direct POSTs ({base:.0f} ms)",
                    met=took <= 5000,
                )
            )
            notes.append(
                f"cheap phone: Chromium's CPU throttling ×{CPU_SLOWDOWN} on each page (the service "
                f"worker's own thread is not slowed); the link is {SLOW_4G.name}, a TCP proxy on "
                "loopback shared by the page and its worker; the real handbook, gzipped by "
                f"`dutybook run` (pwa/compress.py): {installed_bytes / 1e6:.1f} MB crossed the "
                f"link for the install, {plain_bytes / 1e6:.1f} MB for the plain download"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)
    return rows
