"""Typed deadlines on standards select what the server's keyword rule selected.

Before issue 12 the server (pwa/ops/exceptions_flow.py) found a procedure's respond and close
deadlines by matching Chinese words in each standard's name. The rule is frozen here as it
was, so the typed `deadline`/`within` fields can be checked against it on every handbook
that has cases: the real one and the fixtures the server and browser tests run on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.loader import load_tree
from generator.models import Procedure, Standard
from generator.schedule import duration_parts

ROOT = Path(__file__).resolve().parents[2]
HANDBOOKS = [
    "sop",
    "tests/fixtures/handbook/sop",
    "tests/fixtures/site/basic/sop",
]

# the server's rule until the typed fields, word for word
RESPOND_WORDS = re.compile("到场|响应|答复|接单|回复")
CLOSE_WORDS = re.compile("闭环|完成|处理|关闭|修复|办结")
UNITS = {
    "分钟": ("minutes", 1),
    "min": ("minutes", 1),
    "小时": ("minutes", 60),
    "h": ("minutes", 60),
    "天": ("minutes", 1440),
    "d": ("minutes", 1440),
    "个工作日": ("workdays", 1),
    "工作日": ("workdays", 1),
    "wd": ("workdays", 1),
}
SPANS = {"m": ("minutes", 1), "h": ("minutes", 60), "d": ("minutes", 1440), "wd": ("workdays", 1)}


def by_keywords(standards: list[Standard]) -> dict[str, tuple[str, str, float]]:
    found: dict[str, tuple[str, str, float]] = {}
    for standard in standards:
        unit = UNITS.get(standard.unit.strip())
        if standard.op not in ("≤", "<") or unit is None:
            continue
        kind = (
            "respond"
            if RESPOND_WORDS.search(standard.name)
            else "close"
            if CLOSE_WORDS.search(standard.name)
            else None
        )
        if kind is not None and kind not in found:
            found[kind] = (standard.name, unit[0], standard.value * unit[1])
    return found


def by_fields(standards: list[Standard]) -> dict[str, tuple[str, str, float]]:
    """The typed rule: the first respond or on_site deadline is the server's respond clock
    (someone has taken the case on), the first close deadline its close clock."""
    found: dict[str, tuple[str, str, float]] = {}
    for standard in standards:
        if standard.deadline is None or standard.within is None:
            continue
        kind = "close" if standard.deadline == "close" else "respond"
        amount, unit = duration_parts(standard.within)
        span, factor = SPANS[unit]
        found.setdefault(kind, (standard.name, span, amount * factor))
    return found


@pytest.mark.parametrize("handbook", HANDBOOKS)
def test_typed_deadlines_select_what_the_keywords_selected(handbook: str) -> None:
    tree = load_tree(ROOT / handbook)
    assert tree.ok, [str(p) for p in tree.problems]
    procedures = [d for d in tree.documents.values() if isinstance(d, Procedure)]
    selected = {p.id: by_keywords(p.standards) for p in procedures}
    assert {p.id: by_fields(p.standards) for p in procedures} == selected
    assert any(selected.values())


def test_the_real_deadlines() -> None:
    """The deadlines of the real handbook, as the brief of issue 12 lists them."""
    tree = load_tree(ROOT / "sop")
    typed = {
        (doc.id, s.name): (s.deadline, s.within)
        for doc in tree.documents.values()
        if isinstance(doc, Procedure)
        for s in doc.standards
        if s.deadline
    }
    assert typed == {
        ("ENG-REPAIR", "受理报修后到场时间"): ("on_site", "15m"),
        ("ENG-REPAIR", "报修闭环时间"): ("close", "24h"),
        ("ENG-REPAIR", "户内水浸、停电、停水或马桶堵塞的到场时间"): ("on_site", "10m"),
        ("SVC-COMPLAINT", "投诉初步答复时间"): ("respond", "48h"),
        ("SVC-COMPLAINT", "紧急投诉响应时间"): ("respond", "2h"),
        ("SVC-COMPLAINT", "非紧急投诉处理时间"): ("close", "2wd"),
        ("SVC-COMPLAINT", "户内水浸、停电、停水或马桶堵塞的到场时间"): ("on_site", "10m"),
        ("ENG-PM-POWER", "灯座、灯泡、开关等一般照明故障修复时间"): ("close", "2d"),
        ("SEC-FALLING-OBJECTS", "发现坠物隐患到场处置时间"): ("on_site", "30m"),
        ("SVC-RENOVATION", "装修噪音投诉到场时间"): ("on_site", "15m"),
    }
