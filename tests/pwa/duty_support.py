"""Drills and handovers in the server tests: the test handbook with a gate handover checklist,
and each new record type's `data` as the phone (drill.js, handover.js) builds it."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from tests.pwa.support import SOP, now_iso

# a handover checklist at both sites, for the guards (the handbook's CHK-GATE-HANDOVER, cut short)
HANDOVER_YAML = """
kind: checklist
id: CHK-GATE-HANDOVER
title: 门岗交接班检查
version: "1.0"
owner: supervisor
roles: [guard]
effective: 2026-01-01
review_by: 2027-06-30
areas: [gate]
schedule: {every: shift, times: 1, shifts: [day, night]}
handover: true
items:
  - {id: keys, area: gate, text: 门岗钥匙与登记簿一致}
  - {id: pending, area: gate, type: text, text: 需接班人跟进的事项, required: false}
"""
HANDOVER = "CHK-GATE-HANDOVER"
HANDOVER_FILE = "checklists/chk-gate-handover.yaml"


def duty_sop(tmp_path: Path) -> Path:
    """The test handbook and the gate handover checklist."""
    target = tmp_path / "duty-sop"
    shutil.copytree(SOP, target)
    (target / HANDOVER_FILE).write_text(HANDOVER_YAML.lstrip(), encoding="utf-8")
    return target


def drill_data(at: str | None = None, **changes) -> dict:
    at = at or now_iso()
    data = {
        "started_at": at,
        "ended_at": at,
        "scenario": "模拟 3 号楼 2 号梯困人",
        "severity": "一般",
        "participants": ["guard-l", "王强", "李明"],
        "actions": [{"index": 0, "text": "安抚被困人员", "done_at": at, "done_by": "guard-l"}],
        "calls": [{"contact": "fire", "at": at, "by": "guard-l"}],
        "fields": {"elevator": "3-2"},
        "went_well": "对讲安抚及时",
        "to_improve": "维保单位电话没有贴在监控室",
        "follow_ups": ["监控室张贴维保电话", "下次演练通知业主"],
    }
    data.update(changes)
    return data


def handover_data(**changes) -> dict:
    data = {
        "shift": "day",
        "previous": None,
        "items": [
            {"id": "k1", "kind": "key", "text": "3 号楼天台钥匙借给维修", "ref": None,
             "carried": False},
            {"id": "v1", "kind": "visitor", "text": "2 名装修工人在 5-301", "ref": None,
             "carried": False},
        ],
        "closed": [],
        "note": "",
    }  # fmt: skip
    data.update(changes)
    return data


def ack_data(handover: str, at: str | None = None, **changes) -> dict:
    data = {"handover": handover, "acknowledged_at": at or now_iso(), "disputed": [], "note": ""}
    data.update(changes)
    return data


def new_id() -> str:
    return str(uuid.uuid4())
