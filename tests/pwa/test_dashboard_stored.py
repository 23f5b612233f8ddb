"""No dashboard page or export answers 5xx because of what the store holds.

Records are append-only: one stored before the API checked `data` stays for ever, so the
readers must take any shape. These tests write records straight into the store, past the API
(as old rows would be), and open every dashboard page, its `?days=all` and CSV twins, every
exception's page and the report.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from pwa.store.models import exception_events, records
from tests.pwa.scenario import (
    DAY,
    add_people,
    at,
    dashboard_client,
    install_clock,
    read_csv,
)
from tests.pwa.support import store_unchecked

TYPES = ("checklist_run", "patrol_round", "exception", "incident", "ack", "quiz")
DEFS = ("CHK-PUMP-ROOM", "CHK-LOBBY", "PTL-LY-DAY", "PTL-LY-NIGHT", "ENG-REPAIR",
        "EMG-ELEVATOR-TRAP", "TRN-EMERGENCY-BASICS", "NO-SUCH-DOC")  # fmt: skip
# the keys the app writes and the readers look for, and ids the definitions use
KEYS = ("items", "value", "out_of_range", "failed", "shift", "started_at", "finished_at",
        "ended_at", "scans", "checkpoint", "code", "flag", "at", "missed", "people",
        "people_present", "second_person", "complete", "order", "category", "note", "photos",
        "item", "emergency", "severity", "actions", "calls", "fields", "answers", "score",
        "passed", "major", "inlet-pressure", "leaks", "pump-mode", "cp1", "cp2", "trapped-first",
        "arrive")  # fmt: skip
WORDS = ("2026-06-09T09:00:00+08:00", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+23:59",
         "2026-06-09T09:00:00", "Z", "", "day", "night", "strict", "free", "unknown", "repeat",
         "a" * 64, "一般")  # fmt: skip

leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(KEYS + WORDS)
    | st.text(max_size=8)
)
json_values = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
datas = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=7) | json_values


def _record(kind: str, def_id: str, minutes: int, data: object) -> dict:
    recorded = dt.datetime.combine(DAY, dt.time(0, 0)) + dt.timedelta(minutes=minutes)
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "def_id": def_id,
        "def_version": "1.0",
        "site": "lanyuan",
        "device_id": "old-phone",
        "seq": 1,
        "recorded_at": at(recorded.date(), recorded.strftime("%H:%M")),
        "data": data,
    }


records_ = st.builds(
    _record,
    st.sampled_from(TYPES),
    st.sampled_from(DEFS),
    st.integers(-24 * 60, 2 * 24 * 60 - 1),
    datas,
)


@pytest.fixture
def stored(dashboard, monkeypatch):
    """The scenario's app at 22:00 on day D with its people and nothing stored yet."""
    clock = install_clock(monkeypatch)
    clock.set(DAY, "22:00")
    add_people(dashboard)
    return dashboard


def _pages(app, client) -> list[str]:
    """Every dashboard page of lanyuan, its ?days=all and CSV twins, each exception's page."""
    pages = ["/dashboard/", "/dashboard/lanyuan/?date=2026-06-09"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/dashboard/<site>/") or "<record_id>" in rule.rule:
            continue
        page = rule.rule.replace("<site>", "lanyuan")
        pages += [page, f"{page}?days=all"]
        # the 404 for an unknown table names the page's tables
        missing = client.get(f"{page}?format=csv&table=none", headers={"Accept": "text/csv"})
        found = re.search(r"one of: ([\w, -]+)\.", missing.get_data(as_text=True))
        for table in found.group(1).split(", ") if found else ():
            pages += [
                f"{page}?format=csv&table={table}",
                f"{page}?format=csv&table={table}&days=all",
            ]
    with app.extensions["dutybook.engine"].connect() as conn:
        ids = conn.scalars(
            select(records.c.id).where(records.c.type.in_(("exception", "incident")))
        )
        pages += [f"/dashboard/lanyuan/exceptions/{rid}" for rid in ids]
    return pages


def _no_5xx(app, recs: list[dict]) -> None:
    engine = app.extensions["dutybook.engine"]
    with engine.begin() as conn:
        conn.execute(delete(exception_events))
        conn.execute(delete(records))
    store_unchecked(app, "guard-a", recs)
    client, _ = dashboard_client(app, "sup-l")
    broken = []
    for page in _pages(app, client):
        response = client.get(page)
        if response.status_code >= 500:
            broken.append(page)
    assert broken == [], [r["data"] for r in recs]


# each of these was a 500 on the day page, range, report, exceptions (list, CSV, detail)
HOSTILE = [
    ("checklist_run", "CHK-PUMP-ROOM", {"items": []}),
    ("checklist_run", "CHK-PUMP-ROOM", {"items": "x"}),
    ("checklist_run", "CHK-PUMP-ROOM", {"items": [{"value": True}]}),
    ("exception", "CHK-PUMP-ROOM", {"photos": 5}),
    ("exception", "ENG-REPAIR", {"item": {"a": 1}, "category": ["x"], "note": 5}),
    ("patrol_round", "PTL-LY-DAY", {"scans": "x", "missed": 3, "started_at": 7}),
    ("patrol_round", "PTL-LY-DAY", {"started_at": "9999-12-31T23:00:00-05:00"}),
    ("incident", "EMG-ELEVATOR-TRAP", {"actions": 3, "severity": {"x": 1}, "photos": {}}),
    ("quiz", "TRN-EMERGENCY-BASICS", {"answers": [1], "score": "x"}),
    ("ack", "PTL-LY-DAY", []),
    ("checklist_run", "CHK-LOBBY", "not an object"),
]


@pytest.mark.parametrize(("kind", "def_id", "data"), HOSTILE, ids=[str(h[2])[:30] for h in HOSTILE])
def test_stored_shapes_the_api_now_refuses_break_no_page(stored, kind, def_id, data):
    _no_5xx(stored, [_record(kind, def_id, 9 * 60, data)])


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(recs=st.lists(records_, min_size=1, max_size=4))
def test_any_stored_record_breaks_no_page(stored, recs):
    _no_5xx(stored, recs)


def test_a_round_stored_before_checkpoints_were_the_sites_keeps_its_meaning(stored):
    """A night round from when each route had its own ids and posters: it names the gate by
    the route's id cp1 and its old poster LY-CP-11, since merged into the site checkpoint
    LY-CP-01. The dashboard still counts the gate reached and names what the round missed."""
    old = _record(
        "patrol_round",
        "PTL-LY-NIGHT",
        20 * 60 + 45,
        {
            "started_at": at(DAY, "20:05"),
            "finished_at": at(DAY, "20:45"),
            "order": "strict",
            "people": 2,
            "second_person": "李四",
            "scans": [
                {"code": "LY-CP-11", "at": at(DAY, "20:10"), "checkpoint": "cp1", "flag": None},
                {"code": "LY-CP-13", "at": at(DAY, "20:40"), "checkpoint": "cp3", "flag": None},
            ],
            "missed": ["cp2"],
            "complete": False,
            "shift": "night",
        },
    )
    store_unchecked(stored, "guard-a", [old])
    client, _ = dashboard_client(stored, "sup-l")
    page = client.get(f"/dashboard/lanyuan/?date={DAY}").get_data(as_text=True)
    (line,) = re.findall(r"20:05–20:45 ·(.*?)</td>", page, re.S)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line)).strip() == (
        "guard-a + 李四 · 2 人 · 漏检点: 消防通道"
    )
    table = read_csv(client.get(f"/dashboard/lanyuan/?date={DAY}&format=csv&table=patrols"))
    head, rows = table[0], [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert "missed_checkpoints" in head
    night = [r for r in rows if r["def_id"] == "PTL-LY-NIGHT" and r["done"] == "1"]
    assert [r["missed_checkpoints"] for r in night] == ["1"]
