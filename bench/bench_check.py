"""`dutybook check` over 10,000 generated documents against plain YAML parsing of the same files."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import yaml

from bench.generate import generate
from bench.results import Row
from generator.loader import PARALLEL_BYTES, default_jobs, load_tree
from generator.source import yaml_files

DOCUMENTS = 10_000
TODAY = dt.date(2026, 11, 21)


def parse_only(root: Path) -> int:
    """The baseline: read and parse every file with the same C loader, nothing else."""
    count = 0
    for file in yaml_files(root):
        count += sum(1 for _ in yaml.load_all(file.read_bytes(), Loader=yaml.CSafeLoader))
    return count


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(notes: list[str]) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sop"
        files = generate(root, DOCUMENTS)
        parse_s, parsed = best_of(3, lambda: parse_only(root))
        jobs = default_jobs(yaml_files(root))
        check_s, tree = best_of(3, lambda: load_tree(root, today=TODAY))
        alone_s, alone = best_of(3, lambda: load_tree(root, today=TODAY, jobs=1))
    assert parsed == files, (parsed, files)
    for loaded in (tree, alone):
        assert not loaded.problems, loaded.problems[:5]
        assert len(loaded.documents) == files
    ratio = check_s / parse_s
    notes.append(
        f"check: {DOCUMENTS:,} generated documents in {files:,} files; best of 3 runs each; "
        f"plain parse {parse_s:.2f} s with yaml.CSafeLoader in one process; check parses "
        f"with {jobs} process(es) (one per core above {PARALLEL_BYTES / 1e6:g} MB of YAML), "
        f"{alone_s:.2f} s in one process ({alone_s / parse_s:.2f}× the parse)."
    )
    return [
        Row(f"check {DOCUMENTS:,} documents", "≤ 3 s", f"{check_s:.2f} s", met=check_s <= 3),
        Row(
            f"check / plain YAML parse ({DOCUMENTS:,} documents)",
            "≤ 2.5×",
            f"{check_s:.2f} s vs {parse_s:.2f} s",
            f"{ratio:.2f}×",
            met=ratio <= 2.5,
        ),
    ]
