"""A built site as comparable data: what the preview must agree on with a clean build."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

# build dates and times: the only thing two builds of one tree may differ in
LASTMOD = re.compile(rb"<lastmod>[^<]*</lastmod>")


def snapshot(site: Path) -> dict[str, object]:
    """{path: content} of every file, with build times taken out and JSON parsed."""
    found: dict[str, object] = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
            name = name.removesuffix(".gz")
        if name.endswith("sitemap.xml"):
            found[name] = LASTMOD.sub(b"", data)
        elif name == "handbook.json":
            bundle = json.loads(data)
            bundle.pop("generated")
            found[name] = bundle
        elif name == "search/search_index.json":
            found[name] = json.loads(data)
        else:
            found[name] = data
    return found


def differences(live: dict[str, object], clean: dict[str, object]) -> list[str]:
    """What differs, one line per file (empty: the same site)."""
    lines = [f"only in the preview: {n}" for n in sorted(live.keys() - clean.keys())]
    lines += [f"only in the clean build: {n}" for n in sorted(clean.keys() - live.keys())]
    for name in sorted(live.keys() & clean.keys()):
        if live[name] != clean[name]:
            lines.append(f"differs: {name}{_first_difference(live[name], clean[name])}")
    return lines


def _first_difference(a: object, b: object) -> str:
    if isinstance(a, bytes) and isinstance(b, bytes):
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        at = min(len(a), len(b)) if at is None else at
        return f" at byte {at}: {a[at - 80 : at + 80]!r} vs {b[at - 80 : at + 80]!r}"
    if isinstance(a, dict) and isinstance(b, dict) and "docs" in a:
        left = {json.dumps(d, sort_keys=True, ensure_ascii=False) for d in a["docs"]}
        right = {json.dumps(d, sort_keys=True, ensure_ascii=False) for d in b["docs"]}
        return f": preview only {sorted(left - right)[:2]}, clean only {sorted(right - left)[:2]}"
    return ""
