"""Counts for the closing note, merged into test-artifacts/reliability.json across workers."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability.json"


def record(section: str, key: str, counts: dict) -> None:
    """Store `counts` under section/key; xdist workers take turns through a file lock."""
    PATH.parent.mkdir(exist_ok=True)
    with open(PATH.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(PATH.read_text()) if PATH.exists() else {}
        data.setdefault(section, {})[key] = counts
        PATH.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
