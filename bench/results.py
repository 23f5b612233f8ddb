"""One results table for every benchmark: figure, target, measured, ratio to baseline, date.

Each module's rows are kept in bench/results.json, so running one benchmark
(`python -m bench sync`) replaces that module's rows and keeps the others'.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
STORE = Path(__file__).with_name("results.json")


@dataclass
class Row:
    """One measured figure; `ratio` is against a baseline measured in the same run."""

    figure: str
    target: str
    measured: str
    ratio: str = "–"
    met: bool | None = None
    date: str = field(default_factory=lambda: dt.date.today().isoformat())


def save(module: str, rows: list[Row], notes: list[str]) -> None:
    store = json.loads(STORE.read_text("utf-8")) if STORE.exists() else {}
    store[module] = {"rows": [asdict(r) for r in rows], "notes": notes}
    STORE.write_text(json.dumps(store, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def replace_part(module: str, prefix: str, rows: list[Row], notes: list[str]) -> None:
    """Replace only the rows and notes of `module` that start with `prefix` (one part rerun)."""
    store = json.loads(STORE.read_text("utf-8")) if STORE.exists() else {}
    old = store.get(module, {"rows": [], "notes": []})
    kept = [r for r in old["rows"] if not r["figure"].startswith(prefix)]
    kept_notes = [n for n in old["notes"] if not n.startswith(prefix)]
    store[module] = {
        "rows": [asdict(r) for r in rows] + kept,
        "notes": notes + kept_notes,
    }
    STORE.write_text(json.dumps(store, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write(order: list[str]) -> str:
    """Rewrite RESULTS.md from every module's stored rows, in `order`."""
    store = json.loads(STORE.read_text("utf-8")) if STORE.exists() else {}
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench [name…]`). Ratios compare against a baseline",
        "measured in the same run on the same machine, because these machines are noisy.",
        "",
        "| benchmark | figure | target | measured | ratio to baseline | met | date |",
        "|---|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for module in [m for m in order if m in store]:
        short = module.removeprefix("bench.bench_")
        for r in store[module]["rows"]:
            met = {True: "yes", False: "**no**", None: "–"}[r["met"]]
            lines.append(
                f"| {short} | {r['figure']} | {r['target']} | {r['measured']} | {r['ratio']} "
                f"| {met} | {r['date']} |"
            )
        notes += [n if n.startswith(short) else f"{short}: {n}" for n in store[module]["notes"]]
    if notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    return text
