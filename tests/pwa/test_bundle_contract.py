"""The server reads what handbook.json says once for everyone (issue 12): a standard's typed
deadline, not words in its name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.bundle import bundle, bundle_text
from generator.loader import load_tree
from generator.models import KINDS, Site, Standard
from pwa.api import definitions
from pwa.errors import ApiError
from pwa.ops import exceptions_flow, schedules

ROOT = Path(__file__).resolve().parents[2]

FRIDAY = dt.datetime(2026, 6, 12, 1, 0)  # naive UTC, Friday 09:00 in Shanghai


def procedure_bundle(*standards: Standard) -> dict:
    doc = {"standards": [s.model_dump(mode="json") for s in standards]}
    return {"documents": {"SVC-KEYS": {"kind": "procedure", "doc": doc}}}


def test_a_deadline_is_read_from_its_type_not_from_the_words_of_its_name():
    bundle = procedure_bundle(
        # the old rule took this one for close (闭环): it names a time but sets no deadline
        Standard(name="钥匙交接闭环时间", op="≤", value=48, unit="小时"),
        # no keyword in either name: only the typed fields say what they are
        Standard(
            name="首次联系业主", op="≤", value=30, unit="分钟", deadline="on_site", within="30m"
        ),
        Standard(
            name="钥匙归还期限", op="≤", value=2, unit="个工作日", deadline="close", within="2wd"
        ),
        Standard(
            name="再次联系业主", op="≤", value=5, unit="分钟", deadline="respond", within="5m"
        ),
        Standard(
            name="钥匙归还补充期限", op="≤", value=1, unit="天", deadline="close", within="1d"
        ),
    )
    found = exceptions_flow.deadlines(bundle, "SVC-KEYS", {}, FRIDAY, exceptions_flow.State(), 24)
    # the first of each kind wins (on_site is the respond clock); 2wd skips the weekend
    assert [(d.kind, d.name, d.source, d.due) for d in found] == [
        ("respond", "首次联系业主", "SVC-KEYS", dt.datetime(2026, 6, 12, 1, 30)),
        ("close", "钥匙归还期限", "SVC-KEYS", dt.datetime(2026, 6, 16, 1, 0)),
    ]


def test_a_procedure_without_typed_deadlines_falls_back_to_the_close_hours():
    bundle = procedure_bundle(Standard(name="报修闭环时间", op="≤", value=24, unit="小时"))
    found = exceptions_flow.deadlines(bundle, "SVC-KEYS", {}, FRIDAY, exceptions_flow.State(), 6)
    assert [(d.kind, d.name, d.source, d.due) for d in found] == [
        ("close", "", "", dt.datetime(2026, 6, 12, 7, 0))
    ]


def checklist_bundle(sites: list[str] | None) -> dict:
    """A checklist whose `doc` says nothing of sites and is done once a day, while the
    bundle's own fields say where it applies and that it is done three times, at set clocks."""
    doc = {"roles": ["engineer"], "areas": ["roof"], "schedule": {"every": "day", "times": 1}}
    slots = {
        "schedules": [
            {
                "every": "day",
                "times": 3,
                "shifts": [],
                "at": ["08:00", "12:00", "16:00"],
                "people": 1,
            }
        ],
        "time_allowed_minutes": 30,
    }
    entry = {"kind": "checklist", "title": "水箱", "doc": doc, "sites": sites, "slots": slots}
    return {"site": {"shifts": []}, "documents": {"CHK-TANK": entry}}


def test_where_a_document_applies_and_its_slots_are_the_bundles_word():
    day, tz = dt.date(2026, 6, 9), ZoneInfo("Asia/Shanghai")
    assert schedules.expectations(checklist_bundle(["jinxiu"]), "lanyuan", day, tz) == []
    for sites in (["jinxiu"], None):
        [found] = schedules.expectations(checklist_bundle(sites), "jinxiu", day, tz)
        assert [(s.due.strftime("%H:%M"), s.deadline.strftime("%H:%M")) for s in found.slots] == [
            ("08:00", "08:30"), ("12:00", "12:30"), ("16:00", "16:30"),
        ]  # fmt: skip
        assert (found.times, found.roles, found.areas) == (3, {"engineer"}, ("roof",))


def write_bundle(site_dir: Path, data: dict, tail: str = "") -> None:
    (site_dir / "handbook.json").write_text(bundle_text(data) + tail, encoding="utf-8")


def loaded(app) -> definitions.Bundle:
    with app.test_request_context():
        return definitions.current_bundle()


def test_each_document_is_validated_once_per_bundle_version(sqlite_app, site_dir):
    built = bundle(load_tree(ROOT / "sop"))
    write_bundle(site_dir, built)
    first = loaded(sqlite_app)
    kinds = {doc_id: KINDS[entry["kind"]] for doc_id, entry in built["documents"].items()}
    assert {doc_id: type(doc) for doc_id, doc in first.documents.items()} == kinds
    # the objects say what the JSON says
    assert {doc_id: doc.model_dump(mode="json") for doc_id, doc in first.documents.items()} == {
        doc_id: entry["doc"] for doc_id, entry in built["documents"].items()
    }
    assert isinstance(first.site, Site) and first.site.model_dump(mode="json") == built["site"]
    # the same version in a new file is read again, not validated again
    write_bundle(site_dir, built, "\n")
    again = loaded(sqlite_app)
    assert again is not first and again.documents is first.documents
    assert again.site is first.site


def test_a_document_the_models_refuse_leaves_the_bundle_unreadable(sqlite_app, site_dir):
    built = bundle(load_tree(ROOT / "sop"))
    built["documents"]["ENG-REPAIR"]["doc"]["steps"] = []
    built["hash"] = "0" * 64  # a version of its own
    write_bundle(site_dir, built)
    with pytest.raises(ApiError) as refused:
        loaded(sqlite_app)
    assert (refused.value.status, str(refused.value)) == (
        503,
        "The handbook bundle cannot be read; rebuild it.",
    )
