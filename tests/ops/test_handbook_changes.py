"""What changed between two bundles: added, removed, MINOR, MAJOR, and content changed under
the same version; and the same summary as one person sees it."""

from __future__ import annotations

from pwa.ops.handbook_changes import changes, level, seen_by


def entry(version: str | None, content: str, kind: str = "procedure") -> dict:
    return {"kind": kind, "version": version, "title": f"t-{content}", "url": "p/", "hash": content}


OLD = {
    "hash": "old",
    "documents": {
        "A": entry("1.0", "a"),
        "B": entry("1.2", "b"),
        "C": entry("2.3", "c"),
        "GONE": entry("1.0", "g"),
        "SITE": entry(None, "s", "site"),
        "SAME": entry("1.0", "x"),
    },
}
NEW = {
    "hash": "new",
    "documents": {
        "A": entry("1.0", "a2"),  # content changed, version not
        "B": entry("1.3", "b2"),  # MINOR
        "C": entry("3.0", "c2"),  # MAJOR
        "NEW": entry("1.0", "n"),
        "SITE": entry(None, "s2", "site"),
        "SAME": entry("1.0", "x"),
    },
}


def test_the_summary_names_each_change_and_its_level():
    summary = changes(OLD, NEW)
    assert (summary["from"], summary["to"], summary["count"], summary["major"]) == (
        "old",
        "new",
        6,
        1,
    )
    assert [(d["id"], d["version"]) for d in summary["added"]] == [("NEW", "1.0")]
    assert [(d["id"], d["version"], d["title"]) for d in summary["removed"]] == [
        ("GONE", "1.0", "t-g")
    ]
    assert [(d["id"], d["old"], d["new"], d["level"]) for d in summary["changed"]] == [
        ("A", "1.0", "1.0", "same"),
        ("B", "1.2", "1.3", "minor"),
        ("C", "2.3", "3.0", "major"),
        ("SITE", None, None, "same"),
    ]
    assert summary["changed"][2]["url"] == "p/"


def test_the_first_publish_adds_everything():
    summary = changes(None, NEW)
    assert summary["from"] is None
    assert [d["id"] for d in summary["added"]] == ["A", "B", "C", "NEW", "SAME", "SITE"]
    assert summary["count"] == 6 and summary["major"] == 0


def test_levels():
    assert level("1.0", "2.0") == "major"
    assert level("1.9", "1.10") == "minor"
    assert level("2.0", "1.4") == "major"  # going back to an older MAJOR asks again too
    assert level(None, "1.0") == "minor"
    assert level("1.0", "1.0") == "same"


def test_one_person_sees_only_their_documents():
    mine = seen_by(changes(OLD, NEW), lambda doc_id: doc_id in {"C", "GONE"})
    assert [d["id"] for d in mine["changed"]] == ["C"]
    assert [d["id"] for d in mine["removed"]] == ["GONE"]
    assert mine["added"] == []
    assert (mine["count"], mine["major"]) == (2, 1)
