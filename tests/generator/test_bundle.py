"""handbook.json says once per document what every consumer needs: sites, URL, slot inputs."""

from __future__ import annotations

from pathlib import Path

from generator.bundle import bundle
from generator.loader import load_tree

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "site" / "basic" / "sop"


def test_sites_are_one_list_or_null_for_every_site() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    # a patrol names one site; everything else lists sites or applies everywhere
    assert documents["PTL-JX-NIGHT"]["sites"] == ["jinxiu"]
    assert documents["SEC-GATE"]["sites"] is None
    assert documents["ORG-DEMO"]["sites"] is None
    real = bundle(load_tree(ROOT / "sop"))["documents"]
    for entry in real.values():
        doc = entry["doc"]
        expected = [doc["site"]] if doc.get("site") else doc.get("sites")
        if entry["kind"] == "site":
            expected = None
        assert entry["sites"] == expected


def test_url_without_a_build_is_the_default_directory_url() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    assert documents["CHK-WATER-TANK"]["url"] == "checklists/chk-water-tank/"
    assert documents["EMG-ELEVATOR-TRAP"]["url"] == "emergencies/emg-elevator-trap/"
    assert documents["ORG-DEMO"]["url"] is None
    built = bundle(load_tree(FIXTURE), {"SEC-GATE": "procedures/sec-gate.html"})["documents"]
    assert built["SEC-GATE"]["url"] == "procedures/sec-gate.html"


def test_slots_inputs_for_checklists_and_patrols_only() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    assert documents["CHK-WATER-TANK"]["slots"] == {
        "schedules": [
            {"every": "day", "times": 2, "shifts": ["day"], "at": ["09:00", "15:00"], "people": 1}
        ],
        "time_allowed_minutes": 30,
    }
    assert documents["PTL-JX-NIGHT"]["slots"] == {
        "schedules": [
            {"every": "shift", "times": 4, "shifts": ["night"], "at": [], "people": 2},
            {"every": "shift", "times": 3, "shifts": ["day"], "at": [], "people": 1},
        ],
        "time_allowed_minutes": 45,
    }
    for doc_id in ("EMG-ELEVATOR-TRAP", "SEC-GATE", "TRN-GUARD", "ORG-DEMO"):
        assert documents[doc_id]["slots"] is None


def test_existing_keys_stay() -> None:
    entry = bundle(load_tree(FIXTURE))["documents"]["CHK-WATER-TANK"]
    assert sorted(entry) == [
        "derived",
        "derived_en",
        "doc",
        "hash",
        "kind",
        "sites",
        "slots",
        "title",
        "url",
        "version",
    ]
