"""The author's edit loop: one saved YAML file to its updated page under `dutybook serve-docs`.

A 2,000-document handbook (bench.generate) is built once by the preview (generator.live_site,
in this process, as serve-docs does it); then documents are edited as an author does (a body,
a title, an id renamed, a document added and deleted) and each update is timed from the save
to the last file written. The baseline is the preview's own full build, timed twice in the
same run (before and after the edits; the faster counts): what serve-docs did on every save
before. Last, the real server runs in its own process and a page is fetched over HTTP until
it shows the edit: what the author's browser waits, the file watcher's polling included.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.bench_build import config
from bench.generate import generate
from bench.results import Row

COUNT = 2000
ROOT = Path(__file__).resolve().parent.parent


def _handbook(folder: Path) -> Path:
    generate(folder / "sop", COUNT)
    (folder / "content").mkdir()
    (folder / "content" / "index.md").write_text("# 基准手册\n", encoding="utf-8")
    return config(folder, {"sop_dir": "sop", "pdf": False}, None)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _timed(live) -> float:
    start = time.perf_counter()
    what = live.build()
    seconds = time.perf_counter() - start
    assert what.startswith(("update", "full")), what
    return seconds


def in_process(folder: Path, cfg: Path) -> dict[str, object]:
    from generator.live_site import LiveSite

    os.chdir(folder)
    sop = folder / "sop"
    live = LiveSite(cfg, folder / "site", echo=lambda _: None)
    full = [_timed(live)]
    bodies, written = [], []
    for n in (150, 210, 333):
        path = sop / "procedure" / f"{n // 100:03d}" / f"procedure-{n}.yaml"
        _edit(path, "说明为什么", "说明清楚为什么")
        bodies.append(_timed(live))
        written.append(len(live.last["written"]))
    _edit(sop / "procedure" / "001" / "procedure-150.yaml", "的标题", "的新标题")
    title = _timed(live)
    course = sop / "course" / "000" / "course-77.yaml"
    renamed = course.with_name("course-77b.yaml")
    renamed.write_text(course.read_text(encoding="utf-8").replace("TRN-B77", "TRN-X77"), "utf-8")
    course.unlink()
    rename = _timed(live)
    extra = sop / "procedure" / "000" / "procedure-new.yaml"
    text = (sop / "procedure" / "000" / "procedure-5.yaml").read_text(encoding="utf-8")
    extra.write_text(text.replace("PRO-B5", "PRO-NEW"), encoding="utf-8")
    add = _timed(live)
    extra.unlink()
    delete = _timed(live)
    live.state = None  # the same full build again, now that the process is warm
    full.append(_timed(live))
    return {
        "full": full,
        "bodies": bodies,
        "written": written,
        "title": title,
        "rename": rename,
        "add": add,
        "delete": delete,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def served(folder: Path, cfg: Path) -> tuple[float, list[float]]:
    """Seconds to the first page served, and each edit's seconds until its page shows it."""
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [str(Path(sys.executable).with_name("dutybook")), "serve-docs", "--config", str(cfg)]
    server = subprocess.Popen(
        [*command, "-a", f"127.0.0.1:{port}"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = f"http://127.0.0.1:{port}/procedures/pro-b40/"
        start = time.perf_counter()
        while _fetch(page) is None:
            assert server.poll() is None, "serve-docs ended"
            assert time.perf_counter() - start < 600, "serve-docs did not start"
            time.sleep(0.2)
        first = time.perf_counter() - start
        time.sleep(1.0)  # the watcher's first scan of the folders
        waits = []
        path = folder / "sop" / "procedure" / "000" / "procedure-40.yaml"
        for n in range(3):
            marker = f"第{n}次修改"
            _edit(path, "为什么", f"为什么{marker}")
            start = time.perf_counter()
            while marker not in (_fetch(page) or ""):
                assert time.perf_counter() - start < 120, "the edit never showed"
                time.sleep(0.02)
            waits.append(time.perf_counter() - start)
            time.sleep(1.0)
        return first, waits
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(notes: list[str]) -> list[Row]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handbook"
        folder.mkdir()
        cfg = _handbook(folder)
        here = Path.cwd()
        try:
            got = in_process(folder, cfg)
        finally:
            os.chdir(here)
        print(f"    in this process: {got}", file=sys.stderr, flush=True)
        first, waits = served(folder, cfg)
        print(f"    served: first page {first:.1f} s, edits {waits}", file=sys.stderr, flush=True)
    full = min(got["full"])
    body = statistics.median(got["bodies"])
    seen = statistics.median(waits)
    ratio = body / full
    others = {k: got[k] for k in ("title", "rename", "add", "delete")}
    rows = [
        Row(
            f"edit-to-page: one document's body edited, {COUNT} documents (save to files written)",
            "≤ 2 s and ≤ 0.1× full build",
            f"{body:.2f} s (median of 3) vs full build {full:.1f} s",
            f"{ratio:.3f}×",
            met=body <= 2 and ratio <= 0.1,
        ),
        Row(
            f"edit-to-page in the browser's view: serve-docs, {COUNT} documents (save to page "
            "served with the edit, file watcher included)",
            "≤ 2 s",
            f"{seen:.2f} s (median of 3; {', '.join(f'{w:.2f}' for w in waits)})",
            f"{seen / full:.3f}×",
            met=seen <= 2,
        ),
        Row(
            f"edit-to-page: title / id renamed / document added / deleted, {COUNT} documents",
            "–",
            " / ".join(f"{v:.2f}" for v in others.values()) + " s",
            " / ".join(f"{v / full:.3f}" for v in others.values()) + "×",
        ),
    ]
    notes.append(
        f"edit-to-page: bench/generate.py handbook of {COUNT} documents, pdf off (as serve-docs "
        "builds); the full build is the preview's own in this process, run before and after "
        f"the edits ({', '.join(f'{s:.1f}' for s in got['full'])} s, the faster counts), which "
        "is what serve-docs did on every save before; each edit timed from the save to the "
        "last file written (pages written per body edit: "
        f"{', '.join(map(str, got['written']))}); the served figure is `dutybook serve-docs` in "
        "its own process, a page fetched every 20 ms until it shows the edit, MkDocs' polling "
        f"watcher (0.5 s) included; first page served {first:.1f} s after start; load average "
        f"{load:.1f} at the start on this shared 2-core machine"
    )
    return rows
