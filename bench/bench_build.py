"""Handbook build time: the dutybook plugin over generated YAML vs plain MkDocs over the same pages.

For 100, 500 and 2000 documents the YAML is generated (bench.generate), then built twice with
the real handbook's theme settings: once by the plugin (load, validate, render, navigation,
QR SVGs, handbook.json), once by plain MkDocs over the very Markdown the renderer writes, with
the same navigation — the "hand-written" baseline. Each build runs in its own process so its
peak memory can be read from the kernel. QR PDFs are measured separately: they are extra
artefacts a plain site does not have (one WeasyPrint run per patrol route).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.generate import generate
from bench.results import Row
from generator.loader import load_tree
from generator.navigation import SECTION_SIZE, build_nav
from generator.render import render, write

SIZES = (100, 500, 2000)
# runs of each build, interleaved; the fastest counts (small builds are the noisiest)
RUNS = {100: 5, 500: 3, 2000: 3}
ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "generator" / "assets"

THEME = {
    "name": "material",
    "language": "zh",
    "font": False,
    "features": ["navigation.prune", "navigation.top", "navigation.footer", "search.highlight"],
}
MARKDOWN = [
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    "def_list",
    {"toc": {"permalink": True}},
    "pymdownx.details",
]
SEARCH = {
    "search": {
        "separator": r"[\s\u200b\u3000\-、。，．？！；：（）《》“”]+",
        "jieba_dict_user": str(ASSETS / "jieba-user.txt"),
    }
}


def config(folder: Path, plugin: dict | None, nav: list | None) -> Path:
    data: dict[str, object] = {
        "site_name": "基准手册",
        "site_url": "http://127.0.0.1:8000/",
        "docs_dir": "content",
        "theme": THEME,
        "plugins": [SEARCH, "tags", *([{"dutybook": plugin}] if plugin else [])],
        "markdown_extensions": MARKDOWN,
        "extra_css": [] if plugin else ["assets/dutybook.css"],
    }
    if nav is not None:
        data["nav"] = nav
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _peak_mb(pid: int, last: float) -> float:
    """The process's own high-water mark (VmHWM), which starts afresh at exec.

    rusage's ru_maxrss is no use here: Linux carries the parent's resident size at fork
    into the child's figure, so every build would report at least this benchmark's size.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return max(last, int(line.split()[1]) / 1024)
    except OSError:  # the process has just ended
        pass
    return last


def timed_build(config_file: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one `mkdocs build` in its own process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config_file)],
        cwd=config_file.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0.0
    while process.poll() is None:
        peak = _peak_mb(process.pid, peak)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"build failed: {config_file}\n{stderr[-2000:]}")
    return seconds, peak


def prepare(root: Path, count: int) -> tuple[Path, Path, int]:
    """Generated YAML for the plugin; the same pages as Markdown for plain MkDocs."""
    today = dt.date(2026, 11, 21)
    generated = root / "generated"
    files = generate(generated / "sop", count)
    (generated / "content").mkdir()
    (generated / "content" / "index.md").write_text("# 基准手册\n", encoding="utf-8")
    plugin_cfg = config(generated, {"sop_dir": "sop", "pdf": False}, None)

    plain = root / "plain"
    tree = load_tree(generated / "sop", today=today)
    assert tree.ok, tree.problems[:3]
    pages = render(tree, today=today, existing=["index.md"], pdf=False)
    write(pages, plain / "content")
    (plain / "content" / "index.md").write_text("# 基准手册\n", encoding="utf-8")
    (plain / "content" / "assets").mkdir()
    (plain / "content" / "assets" / "dutybook.css").write_bytes(
        (ASSETS / "dutybook.css").read_bytes()
    )
    nav = build_nav(tree, ["index.md"], set(pages))
    plain_cfg = config(plain, None, nav)
    return plugin_cfg, plain_cfg, files - 1


def pdf_seconds(root: Path, routes: int = 5) -> float:
    """Seconds per route for the QR poster PDF (WeasyPrint), averaged over a few routes."""
    from generator import qr

    tree = load_tree(root / "generated" / "sop", today=dt.date(2026, 11, 21))
    patrols = tree.of_kind("patrol")[:routes]
    areas = {a.id: a.name for p in tree.site.properties for a in p.areas}
    qr.pdf(patrols[0], areas, "扫码")  # the first call loads fonts; a build pays it once
    start = time.perf_counter()
    for patrol in patrols:
        qr.pdf(patrol, areas, "扫码")
    return (time.perf_counter() - start) / len(patrols)


def run(notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    times: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in SIZES:
            root = Path(tmp) / str(count)
            plugin_cfg, plain_cfg, documents = prepare(root, count)
            # interleaved: a slow minute on a shared machine slows both
            plain_runs, gen_runs = [], []
            for _ in range(RUNS[count]):
                plain_runs.append(timed_build(plain_cfg))
                gen_runs.append(timed_build(plugin_cfg))
            (plain_s, plain_mb), (gen_s, gen_mb) = min(plain_runs), min(gen_runs)
            built = [p.parent.name for p in (root / "generated" / "site").rglob("index.html")]
            paper = sum(name.endswith(("-print", "-qr")) for name in built)
            pages = f"{len(built) - paper} pages + {paper} print pages"
            times[count] = gen_s
            # each generator run against the plain run just before it, so a slow spell of
            # the machine falls on both sides of a ratio; the median ratio counts
            ratios = [g[0] / p[0] for g, p in zip(gen_runs, plain_runs, strict=True)]
            overhead = statistics.median(ratios) - 1
            spread = ", ".join(f"{(r - 1) * 100:+.0f}" for r in sorted(ratios))
            rows.append(
                Row(
                    f"build {documents} documents ({pages}): generator vs plain MkDocs",
                    "≤ +15 %",
                    f"{gen_s:.1f} s vs {plain_s:.1f} s (fastest); peak {gen_mb:.0f} MB vs "
                    f"{plain_mb:.0f} MB; pairs {spread} %",
                    f"{overhead * 100:+.0f} % (median pair)",
                    met=overhead <= 0.15,
                )
            )
            print(
                f"    {count}: generator {gen_s:.1f} s {gen_mb:.0f} MB, plain {plain_s:.1f} s "
                f"{plain_mb:.0f} MB, pairs {spread} %",
                file=sys.stderr,
                flush=True,
            )
        per_pdf = pdf_seconds(Path(tmp) / "100")
    big, mid = max(SIZES), sorted(SIZES)[1]
    rows.append(
        Row(f"build {big} documents", "≤ 20 s", f"{times[big]:.1f} s", met=times[big] <= 20)
    )
    growth = times[big] / times[mid]
    rows.append(
        Row(
            f"build({big}) / build({mid})",
            "≤ 4.5",
            f"{growth:.2f}",
            f"{growth:.2f}×",
            met=growth <= 4.5,
        )
    )
    rows.append(
        Row("QR poster PDF per patrol route (WeasyPrint, 2 checkpoints)", "–", f"{per_pdf:.2f} s")
    )
    notes.append(
        "build: documents from bench/generate.py (equal shares of the five kinds); the plain "
        "baseline builds the renderer's own Markdown with the same theme, search (jieba), tags "
        "and navigation, so the difference is the plugin's load, validate, render, QR SVGs and "
        "handbook.json. Both run as `mkdocs build` in a fresh process; peak memory is the "
        "process's own high-water mark (VmHWM); each build ran 5, 3 and 3 times (100, 500, "
        "2000 documents), interleaved with the other; seconds are the fastest run, the "
        "overhead is the median of the ratios of each generator run to the plain run just "
        "before it. Navigation "
        "sub-sections hold at most "
        f"{SECTION_SIZE} pages in both builds. Paper forms and QR poster sheets are standalone "
        "HTML (static files to MkDocs) in both; the plugin renders them itself. The plugin "
        "loads, checks and renders in a process forked at on_config (while Material loads "
        "jieba) and makes the QR SVGs in another during the page build; peak memory is the "
        "mkdocs process's alone, not those short-lived forks'. QR PDFs are off in these builds "
        "(pdf: false) and measured per route on their own: a full build adds that figure for "
        "every route."
    )
    return rows
