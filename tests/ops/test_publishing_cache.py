"""A server's cache folders of published versions: the live one and the newest two others stay,
and any other written in the last hour (a worker may still serve it); older ones go."""

from __future__ import annotations

import os

from pwa.ops.publishing import prune

NOW = 1_800_000_000.0


def test_old_cache_folders_are_removed(tmp_path):
    ages = {"live": 10_000, "a": 7_300, "b": 7_400, "c": 7_500, "recent": 60, "d": 90_000}
    for name, age in ages.items():
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (NOW - age, NOW - age))
    (tmp_path / ".tmp-being-written").mkdir()
    removed = prune(tmp_path, tmp_path / "live", NOW)
    assert sorted(p.name for p in removed) == ["b", "c", "d"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".tmp-being-written",
        "a",
        "live",
        "recent",
    ]
