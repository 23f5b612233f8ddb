"""Generate a large, valid content tree: a site plus N documents of every versioned kind."""

from __future__ import annotations

import sys
from pathlib import Path

SITE = """kind: site
id: ORG-BENCH
title: 基准物业
properties:
  - id: alpha
    code: AL
    name: 甲小区
    areas: [{id: gate, name: 门岗}, {id: lobby, name: 大堂}, {id: pump-room, name: 水泵房}]
    checkpoints:
{checkpoints}
shifts:
  - {id: day, name: 白班, start: "08:00", end: "20:00"}
  - {id: night, name: 夜班, start: "20:00", end: "08:00"}
roles: [{id: guard, name: 秩序维护员}, {id: engineer, name: 工程维修}, {id: supervisor, name: 主管}]
contacts: [{id: fire, name: 火警, phone: "119", kind: public}]
"""

HEAD = """kind: {kind}
id: {id}
title: 文档 {n} 的标题
version: "1.{n}"
owner: supervisor
roles: [guard, engineer]
effective: 2026-01-01
review_by: 2099-01-01
"""

BODIES = {
    "procedure": """purpose: 第 {n} 号制度的目的，说明为什么要这样做。
scope: 适用于全部项目的公共区域。
standards:
  - {{name: 到场时间, op: "≤", value: 15, unit: 分钟}}
steps:
  - {{id: first, text: 接到任务后立即登记并确认, role: guard, time_limit: 5m}}
  - {{text: 到场处理，必要时报告主管, role: engineer, time_limit: 15m, warning: 注意安全}}
  - {{text: 完成后记录并回访, role: supervisor, time_limit: 1wd}}
records: [《登记表》]
""",
    "checklist": """areas: [pump-room]
schedule: {{every: day, times: 2, shifts: [day], at: ["09:00", "15:00"]}}
items:
  - {{id: pressure, area: pump-room, type: number, text: 压力, unit: MPa, min: 0.3, max: 0.8,
     sop: "PRO-B{n}#first"}}
  - {{id: leaks, text: 无渗漏, sop: "PRO-B{n}#2", on_fail: {{text: 报修, emergency: EMG-B{n}}}}}
  - {{id: mode, type: choice, text: 状态, options: [自动, 手动]}}
""",
    "patrol": """site: alpha
schedule: [{{every: shift, times: 4, shifts: [night], people: 2}}]
time_allowed: 45m
checkpoints:
  - {{code: P{n}-01, sop: "PRO-B{n}"}}
  - {{code: P{n}-02, tasks: [照明正常, 无异味]}}
""",
    "emergency": """triggers: [烟感报警, 有人报告]
first_actions:
  - {{text: 确认情况, role: guard, within: 1m}}
  - {{text: 报告主管, role: guard, within: 3m}}
contacts: [fire]
escalation: [{{role: supervisor, when: 立即}}, {{contact: fire, when: 确认起火}}]
record_fields: [{{id: started, label: 发生时间, type: datetime}}]
drill: half-yearly
related: ["PRO-B{n}"]
""",
    "course": """due_within: 7d
modules: [{{doc: "PRO-B{n}"}}]
quiz:
  - {{id: q1, question: 到场时限？, options: [15 分钟, 1 小时], answer: 1}}
""",
}
# the places route n visits: one code per place, so each has a name of its own
CHECKPOINTS = """      - {{code: P{n}-01, name: {n} 号门岗, area: gate}}
      - {{code: P{n}-02, name: {n} 号楼大堂, area: lobby}}"""
PREFIX = {
    "procedure": "PRO",
    "checklist": "CHK",
    "patrol": "PTL",
    "emergency": "EMG",
    "course": "TRN",
}


def generate(root: Path, count: int) -> int:
    """Write `count` documents (plus the site) under root, one file each; return files written."""
    root.mkdir(parents=True, exist_ok=True)
    kinds = list(BODIES)
    groups = -(-count // len(kinds))
    # every group's route is defined whether or not `count` reaches it: an unused place is fine
    places = "\n".join(CHECKPOINTS.format(n=n) for n in range(groups)) or "      []"
    (root / "site.yaml").write_text(SITE.replace("{checkpoints}", places), encoding="utf-8")
    written = 0
    for n in range(groups):
        for kind in kinds:
            if written == count:
                return written + 1
            text = HEAD.format(kind=kind, id=f"{PREFIX[kind]}-B{n}", n=n) + BODIES[kind].format(n=n)
            folder = root / kind / f"{n // 100:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{kind}-{n}.yaml").write_text(text, encoding="utf-8")
            written += 1
    return written + 1


if __name__ == "__main__":
    target = Path(sys.argv[1])
    print(f"wrote {generate(target, int(sys.argv[2]))} files under {target}")
