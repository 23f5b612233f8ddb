"""What changed between two handbook bundles: documents added, removed and changed, each with
its old and new version, and which changes are MAJOR (staff acknowledge the document again).

A document changed when its content hash (`entry["hash"]`) differs. Its level is `major` when
the MAJOR number of its version differs, `minor` when only the rest of the version does, and
`same` when the content changed under an unchanged version (a document without a version, such
as the site, or a correction the author did not number).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

MAJOR, MINOR, SAME = "major", "minor", "same"


def _major(version: object) -> str | None:
    return version.partition(".")[0] if isinstance(version, str) else None


def level(old_version: object, new_version: object) -> str:
    """major, minor or same, from a changed document's two versions."""
    if old_version == new_version:
        return SAME
    old, new = _major(old_version), _major(new_version)
    if old is not None and new is not None and old != new:
        return MAJOR
    return MINOR


def _entry(doc_id: str, entry: Mapping) -> dict:
    return {
        "id": doc_id,
        "kind": entry.get("kind"),
        "title": entry.get("title"),
        "url": entry.get("url"),
    }


def changes(old: Mapping | None, new: Mapping) -> dict:
    """The change from bundle `old` (None: nothing published before) to bundle `new`.

    `{"from", "to", "added", "removed", "changed", "count", "major"}`; each list sorted by id,
    `added` and `removed` items carry `version`, `changed` ones `old`, `new` and `level`.
    """
    before = (old or {}).get("documents", {})
    after = new.get("documents", {})
    added = [
        {**_entry(i, after[i]), "version": after[i].get("version")}
        for i in sorted(after.keys() - before.keys())
    ]
    removed = [
        {**_entry(i, before[i]), "version": before[i].get("version")}
        for i in sorted(before.keys() - after.keys())
    ]
    changed = []
    for doc_id in sorted(before.keys() & after.keys()):
        was, now = before[doc_id], after[doc_id]
        if was.get("hash") == now.get("hash"):
            continue
        changed.append(
            {
                **_entry(doc_id, now),
                "old": was.get("version"),
                "new": now.get("version"),
                "level": level(was.get("version"), now.get("version")),
            }
        )
    return {
        "from": (old or {}).get("hash"),
        "to": new.get("hash"),
        "added": added,
        "removed": removed,
        "changed": changed,
        "count": len(added) + len(removed) + len(changed),
        "major": sum(1 for c in changed if c["level"] == MAJOR),
    }


def seen_by(summary: Mapping, sees: Callable[[str], bool]) -> dict:
    """The summary with only the documents `sees(doc_id)` lets a person see, counts redone."""
    kept = {key: [d for d in summary[key] if sees(d["id"])] for key in ("added", "removed")}
    changed = [d for d in summary["changed"] if sees(d["id"])]
    return {
        **summary,
        **kept,
        "changed": changed,
        "count": len(kept["added"]) + len(kept["removed"]) + len(changed),
        "major": sum(1 for c in changed if c["level"] == MAJOR),
    }
