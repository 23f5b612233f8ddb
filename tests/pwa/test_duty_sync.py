"""Drills, handovers and their acknowledgements through `POST /api/v1/records`: stored like any
record, refused naming the field, on both databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from pwa.ops.payloads.models import OPEN_KINDS
from pwa.store.models import records
from tests.pwa.duty_support import HANDOVER, ack_data, drill_data, handover_data, new_id
from tests.pwa.support import bearer, record, sign_in


def _push(app, who: str, rec: dict) -> dict:
    client = app.test_client()
    body = client.post(
        "/api/v1/records", json={"records": [rec]}, headers=bearer(sign_in(client, who))
    ).get_json()
    return body["results"][0]


def _drill(**changes) -> dict:
    return record(
        **{"type": "drill", "def_id": "EMG-ELEVATOR-TRAP", "data": drill_data(), **changes}
    )


def _handover(**changes) -> dict:
    return record(**{"type": "handover", "def_id": HANDOVER, "data": handover_data(), **changes})


def test_a_drill_a_handover_and_its_acknowledgement_are_stored(duty):
    drill, handover = _drill(), _handover()
    ack = record(type="handover_ack", def_id=HANDOVER, data=ack_data(handover["id"]), seq=2)
    assert _push(duty, "guard-l", drill) == {"id": drill["id"], "status": "created"}
    assert _push(duty, "guard-l", handover) == {"id": handover["id"], "status": "created"}
    assert _push(duty, "guard-l2", ack) == {"id": ack["id"], "status": "created"}
    # the acknowledgement may arrive before the handover it names (two people, two tokens)
    early = record(type="handover_ack", def_id=HANDOVER, data=ack_data(new_id()), seq=3)
    assert _push(duty, "guard-l2", early)["status"] == "created"
    with duty.extensions["dutybook.engine"].connect() as conn:
        kept = conn.execute(select(records.c.type, records.c.data).order_by(records.c.seq)).all()
    assert [k.type for k in kept] == ["drill", "handover", "handover_ack", "handover_ack"]
    assert kept[0].data["participants"] == ["guard-l", "王强", "李明"]
    assert kept[0].data["follow_ups"] == ["监控室张贴维保电话", "下次演练通知业主"]


REFUSED = [
    (
        _drill,
        {"participants": []},
        ["data", "participants"],
        "List should have at least 1 item after validation, not 0",
    ),
    (
        _drill,
        {"started_at": "2026-06-09T10:00:00+08:00", "ended_at": "2026-06-09T09:00:00+08:00"},
        ["data"],
        "the drill ends before it starts",
    ),
    (
        _drill,
        {"actions": [{"index": 9, "text": "x", "done_at": None, "done_by": None}]},
        ["data", "actions", 0, "index"],
        "the plan has 4 first actions",
    ),
    (_drill, {"severity": "特大"}, ["data", "severity"], "'特大' is not a severity of this plan"),
    (_drill, {"fields": {"floor": "3"}}, ["data", "fields", "floor"],
     "no record field 'floor' in this version"),
    (_drill, {"follow_ups": ["x"] * 21}, ["data", "follow_ups"],
     "List should have at most 20 items after validation, not 21"),
    (
        _handover,
        {"items": [{"id": "k1", "kind": "cat", "text": "x", "ref": None, "carried": False}]},
        ["data", "items", 0, "kind"],
        "Input should be 'key', 'visitor', 'equipment', 'exception', 'ticket' or 'other'",
    ),
    (
        _handover,
        {"items": [{"id": "k1", "kind": "key", "text": "a", "ref": None, "carried": False}] * 2},
        ["data", "items", 1, "id"],
        "repeats the id of item 0",
    ),
    (_handover, {"previous": "yesterday"}, ["data", "previous"],
     "String should match pattern '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "changes", "loc", "msg"), REFUSED, ids=[r[3][:30] for r in REFUSED]
)
def test_refused_records_name_the_field(duty, make, changes, loc, msg):
    rec = make()
    rec["data"].update(changes)
    assert _push(duty, "guard-l", rec) == {
        "id": rec["id"],
        "status": "rejected",
        "error": {"loc": loc, "msg": msg},
    }


def test_a_drill_is_of_a_plan_and_a_handover_of_a_handover_checklist(duty):
    assert _push(duty, "eng-l", _drill(def_id="CHK-PUMP-ROOM"))["error"] == {
        "loc": ["def_id"],
        "msg": "'CHK-PUMP-ROOM' is a checklist; a drill needs a emergency",
    }
    # the pump room's checklist is no handover: neither a handover nor an acknowledgement
    for kind, data in (("handover", handover_data()), ("handover_ack", ack_data(new_id()))):
        rec = record(type=kind, def_id="CHK-PUMP-ROOM", data=data)
        assert _push(duty, "eng-l", rec)["error"] == {
            "loc": ["def_id"],
            "msg": "'CHK-PUMP-ROOM' is not a handover checklist (handover: true)",
        }
    # an engineer does not take over the gate
    assert _push(duty, "eng-l", _handover())["error"] == {
        "loc": ["def_id"],
        "msg": "'CHK-GATE-HANDOVER' is not for your roles",
    }


def test_the_open_kinds_are_the_apps():
    """What a handover may list is named once in the payload; the phone words each, in both
    languages (pwa/static/app/duty_words.js)."""
    js = (Path(__file__).parents[2] / "pwa/static/app/duty_words.js").read_text(encoding="utf-8")
    blocks = re.findall(r"kinds: \{(.*?)\}", js)
    assert len(blocks) == 2  # zh, en
    for block in blocks:
        assert tuple(re.findall(r"(\w+):", block)) == OPEN_KINDS
