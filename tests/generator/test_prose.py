"""What staff read: folded Chinese lines join without a space, author notes never show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from generator.loader import add_file
from generator.prose import join_cjk
from generator.render import render
from generator.tree import Tree

TODAY = dt.date(2026, 5, 1)


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("佩戴袖章； 查看交接记录", "佩戴袖章；查看交接记录"),
        ("见 公共区域保洁作业标准 第 9 步", "见公共区域保洁作业标准第 9 步"),
        ("确认“锁好” 的门", "确认“锁好”的门"),
        ("第一行\n  第二行", "第一行第二行"),
        # a blank line is a paragraph, Latin words and numbers keep their spaces
        ("第一段。\n\n第二段。", "第一段。\n\n第二段。"),
        ("白班 08:00–20:00，每 4 小时", "白班 08:00–20:00，每 4 小时"),
        ("check the TSG T5002 rule", "check the TSG T5002 rule"),
    ],
)
def test_join_cjk(text: str, joined: str) -> None:
    assert join_cjk(text) == joined


FOLDED = """\
kind: procedure
id: PRO-FOLD
title: 折行测试
version: "1.0"
owner: guard
roles: [guard]
effective: 2026-01-01
review_by: 2099-01-01
purpose: >-
  上岗前整理着装，佩戴袖章；
  查看交接记录。
scope: 门岗
author_notes:
  - 种子材料里这一步另有写法，这里取较严的一种
steps:
  - text: >-
      核对访客
      身份后放行，in English
      words stay apart。
"""

SITE = """\
kind: site
id: ORG-T
title: 测试物业
properties:
  - {id: a, code: JA, name: 甲, areas: [{id: gate, name: 门岗}]}
shifts:
  - {id: day, name: 白班, start: "08:00", end: "20:00", rotation: 4h}
roles:
  - {id: guard, name: 秩序维护员}
"""


def tree_of(*texts: str) -> Tree:
    tree = Tree(root=Path("sop"))
    for i, text in enumerate(texts):
        add_file(tree, text.encode(), f"sop/{i}.yaml")
    assert tree.problems == []
    return tree


def test_folded_lines_join_on_the_page_and_notes_stay_out() -> None:
    page = render(tree_of(SITE, FOLDED), today=TODAY)["procedures/pro-fold.md"]
    assert "上岗前整理着装，佩戴袖章；查看交接记录。" in page
    assert "核对访客身份后放行，in English words stay apart。" in page
    assert "种子材料" not in page


def test_the_document_itself_keeps_its_notes() -> None:
    """Only pages leave notes out; the validated document (and the bundle) keep them."""
    tree = tree_of(SITE, FOLDED)
    render(tree, today=TODAY)
    assert tree.documents["PRO-FOLD"].author_notes == ["种子材料里这一步另有写法，这里取较严的一种"]


def test_a_shift_shows_its_post_rotation() -> None:
    checklist = yaml.safe_load(FOLDED)
    checklist.update(
        kind="checklist",
        id="CHK-GATE",
        schedule={"every": "shift", "shifts": ["day"]},
        items=[{"id": "one", "text": "一"}],
    )
    for key in ("purpose", "scope", "steps", "author_notes"):
        del checklist[key]
    text = yaml.safe_dump(checklist, allow_unicode=True)
    page = render(tree_of(SITE, text), today=TODAY)["checklists/chk-gate.md"]
    assert "白班 08:00–20:00（班内每4小时轮换岗位）" in page
