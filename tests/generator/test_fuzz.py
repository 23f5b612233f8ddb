"""check never raises, whatever bytes or YAML it is given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.loader import add_file
from generator.models import KINDS
from generator.references import check_references
from generator.tree import Tree

FIELDS = sorted({name for model in KINDS.values() for name in model.model_fields} | {"kind"})

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from([*KINDS, "08:00", "2/day", "15m", "1.0", "SEC-X#2"]),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=25,
)
documents = st.dictionaries(st.sampled_from(FIELDS), values, max_size=12).map(
    lambda d: {"kind": d.get("kind", "procedure"), **d}
)


def run(payload: bytes) -> Tree:
    tree = Tree(root=Path("sop"))
    add_file(tree, payload, "sop/fuzz.yaml")
    check_references(tree, None, dt.date(2026, 11, 21))
    for problem in tree.problems:  # every problem is well-formed and positioned
        assert problem.line >= 1 and problem.col >= 1 and problem.message
    return tree


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(payload: bytes) -> None:
    run(payload)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("kind: -[]{}\"'\t\n#&*!|>%@`,?:训练0123")), max_size=200)
)
def test_arbitrary_yaml_like_text_never_raises(text: str) -> None:
    run(text.encode("utf-8"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=3))
def test_arbitrary_documents_never_raise(docs: list[dict]) -> None:
    text = yaml.safe_dump_all(docs, allow_unicode=True)
    tree = run(text.encode("utf-8"))
    assert tree.documents or tree.problems


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    tree = run(b"a: " + b"[" * 5000 + b"]" * 5000)
    assert tree.problems


CORPUS = Path(__file__).parent.parent / "fixtures" / "yaml-corpus"


@pytest.mark.parametrize("case", sorted(p.name for p in CORPUS.iterdir()))
def test_broken_yaml_corpus_is_reported_never_raised(case: str) -> None:
    """Mistakes people really make in YAML: each is a positioned problem, not a traceback."""
    tree = run((CORPUS / case).read_bytes())
    assert tree.problems, f"{case}: no problem reported"
    assert not tree.documents, f"{case}: a broken document was accepted"


@pytest.mark.parametrize(
    ("case", "line"),
    [
        (
            "nul-byte.yaml",
            "sop/fuzz.yaml:3:1: error: character U+0000 is not allowed in YAML; remove it",
        ),
        (
            "backtick.yaml",
            "sop/fuzz.yaml:3:8: error: '`' cannot start a YAML value; put the text in quotes",
        ),
        (
            "impossible-date.yaml",
            "sop/fuzz.yaml:4:12: error: invalid YAML: 2026-02-30 is not a real date (day is out of range for month)",
        ),
        (
            "custom-tag.yaml",
            "sop/fuzz.yaml:1:7: error: unsupported YAML tag '!custom': only plain YAML is allowed (safe loading)",
        ),
        (
            "duplicate-flow-key.yaml",
            'sop/fuzz.yaml:3:18: error: duplicate key "text" (first at line 3)',
        ),
    ],
)
def test_corpus_messages_name_the_mistake(case: str, line: str) -> None:
    assert line in [str(p) for p in run((CORPUS / case).read_bytes()).problems]
