"""Navigation of a large handbook and the poster codes made for it."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.generate import generate
from generator import qr
from generator.loader import load_tree
from generator.navigation import SECTION_SIZE, build_nav
from generator.render import page_uri, render

TODAY = dt.date(2026, 11, 21)


def test_big_sections_split_into_labelled_sub_sections(tmp_path) -> None:
    """Every page still appears once, in id order; no (sub-)section is over SECTION_SIZE."""
    generate(tmp_path / "sop", 5 * (2 * SECTION_SIZE + 3))  # each kind: 2 full chunks + 3
    tree = load_tree(tmp_path / "sop", today=TODAY)
    assert tree.ok, tree.problems[:3]
    pages = render(tree, today=TODAY, pdf=False)
    nav = build_nav(tree, [], set(pages))
    (checklists,) = (
        entry["检查表"] for entry in nav if isinstance(entry, dict) and "检查表" in entry
    )
    ids = sorted(d.id for d in tree.of_kind("checklist"))
    assert [len(next(iter(chunk.values()))) for chunk in checklists] == [
        SECTION_SIZE,
        SECTION_SIZE,
        3,
    ]
    first = next(iter(checklists[0]))
    assert first == f"{ids[0]} – {ids[SECTION_SIZE - 1]}"
    listed = [
        uri for chunk in checklists for page in next(iter(chunk.values())) for uri in page.values()
    ]
    by_id = {d.id: d for d in tree.of_kind("checklist")}
    assert listed == [page_uri(by_id[i]) for i in ids]


def test_background_posters_equal_foreground(tmp_path) -> None:
    generate(tmp_path / "sop", 5 * qr.BACKGROUND_CODES // 2 + 5)
    patrols = load_tree(tmp_path / "sop", today=TODAY).of_kind("patrol")
    background = qr.PendingSvgs(patrols, background=True)
    assert background._future is not None  # enough codes: a second process made them
    made = background.result()
    assert made == qr.PendingSvgs(patrols, background=False).result()
    assert len(made) == sum(len(p.checkpoints) for p in patrols) >= qr.BACKGROUND_CODES
    uri, svg = next(iter(made.items()))
    code = next(cp.code for p in patrols for cp in p.checkpoints if uri.endswith(f"/{cp.id}.svg"))
    assert svg == qr.svg(code)


def test_failed_build_stops_the_poster_process(tmp_path) -> None:
    generate(tmp_path / "sop", 5 * qr.BACKGROUND_CODES)
    patrols = load_tree(tmp_path / "sop", today=TODAY).of_kind("patrol")
    pending = qr.PendingSvgs(patrols, background=True)
    pool = pending._pool
    assert pool is not None
    pending.cancel()
    assert pending._pool is None
    with pytest.raises(RuntimeError):  # the executor takes no more work
        pool.submit(qr.svg, "X")


def _die(*args):
    import os

    os._exit(1)


def test_early_load_and_render_in_a_second_process(tmp_path, monkeypatch) -> None:
    """The plugin loads and renders while MkDocs starts; a hand-written home page wins."""
    from generator import plugin

    generate(tmp_path / "sop", 15)
    docs = tmp_path / "content"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    args = (tmp_path / "sop", docs, "zh", False, True)

    tree, pages = plugin.Early(*args).result(["index.md"])
    alone = load_tree(tmp_path / "sop", content_dir=docs)
    assert tree.documents == alone.documents
    assert "index.md" not in pages and "tags.md" in pages
    assert pages == render(alone, existing=["index.md"], pdf=False)

    # MkDocs left the home page out (exclude_docs): the pages must be rendered again
    tree_again, pages_again = plugin.Early(*args).result([])
    assert tree_again.documents == alone.documents and pages_again is None

    monkeypatch.setattr(plugin, "_load_and_render", _die)
    assert plugin.Early(*args).result(["index.md"]) == (None, None)  # done in-process then
