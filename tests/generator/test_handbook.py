"""The default handbook in sop/ and content/: valid, complete and fully cross-referenced."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from generator.loader import load_tree
from generator.models import Checklist, Course, Emergency, Patrol, Procedure
from generator.references import split_ref
from generator.tree import Tree

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope="module")
def tree() -> Tree:
    return load_tree(ROOT / "sop", ROOT / "content")


def edges(tree: Tree) -> set[tuple[str, str]]:
    """Every reference between documents, as (from, to) id pairs."""
    out: set[tuple[str, str]] = set()
    for doc in tree.documents.values():
        refs: list[str] = list(getattr(doc, "related", []))
        if isinstance(doc, Checklist):
            refs += [i.sop for i in doc.items if i.sop]
            refs += [i.on_fail.emergency for i in doc.items if i.on_fail and i.on_fail.emergency]
        if isinstance(doc, Patrol):
            refs += [c.sop for c in doc.checkpoints if c.sop]
        if isinstance(doc, Course):
            refs += [m.doc for m in doc.modules if m.doc]
        out |= {(doc.id, split_ref(ref)[0]) for ref in refs}
    return out


def test_default_handbook_passes_strict_check(tree: Tree) -> None:
    assert [str(p) for p in tree.problems] == []


def test_default_handbook_has_every_kind_in_number(tree: Tree) -> None:
    counts = Counter(doc.kind for doc in tree.documents.values())
    assert counts["site"] == 1
    assert counts["procedure"] >= 15
    assert counts["checklist"] >= 12
    assert counts["patrol"] >= 3
    assert counts["emergency"] >= 15
    assert counts["course"] >= 3
    assert {p.id for p in tree.site.properties} == {"lanyuan", "jinxiu"}


def test_every_item_and_checkpoint_links_to_a_procedure_step(tree: Tree) -> None:
    missing = [
        f"{doc.id}/{item.id}"
        for doc in tree.documents.values()
        for item in (doc.items if isinstance(doc, Checklist) else [])
        if not (item.sop and "#" in item.sop)
    ] + [
        f"{doc.id}/{cp.id}"
        for doc in tree.documents.values()
        for cp in (doc.checkpoints if isinstance(doc, Patrol) else [])
        if not cp.sop
    ]
    assert missing == []


def test_procedures_link_back_to_their_emergency_plans(tree: Tree) -> None:
    """A plan that names a procedure is an emergency of that procedure: the SOP must say so."""
    graph = edges(tree)
    unlinked = sorted(
        f"{proc} does not link to {plan}"
        for plan, proc in graph
        if isinstance(tree.documents.get(plan), Emergency)
        and isinstance(tree.documents.get(proc), Procedure)
        and (proc, plan) not in graph
    )
    assert unlinked == []


def test_no_orphan_documents(tree: Tree) -> None:
    touched = {a for a, _ in edges(tree)} | {b for _, b in edges(tree)}
    orphans = sorted(i for i, d in tree.documents.items() if d.kind != "site" and i not in touched)
    assert orphans == []


def test_seed_figures_are_used_exactly(tree: Tree) -> None:
    repair = tree.documents["ENG-REPAIR"]
    targets = {(s.name, s.op, s.value, s.unit) for s in repair.standards}
    assert ("受理报修后到场时间", "≤", 15, "分钟") in targets
    assert ("报修闭环时间", "≤", 24, "小时") in targets
    night = [
        s
        for doc in tree.documents.values()
        if isinstance(doc, Patrol)
        for s in doc.schedule
        if s.shifts == ["night"]
    ]
    assert night and all(s.times == 4 and s.people == 2 for s in night)
    day = [
        s
        for doc in tree.documents.values()
        if isinstance(doc, Patrol)
        for s in doc.schedule
        if s.shifts == ["day"]
    ]
    assert day and all(s.times == 3 for s in day)
