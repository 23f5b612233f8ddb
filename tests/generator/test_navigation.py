"""Navigation of a large handbook and the poster codes made for it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench.generate import generate
from generator import qr
from generator.addresses import page_uri
from generator.loader import load_tree
from generator.navigation import SECTION_SIZE, build_nav
from generator.render import render

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
    tree = load_tree(tmp_path / "sop", today=TODAY)
    patrols = tree.of_kind("patrol")
    background = qr.PendingSvgs(qr.codes(tree), background=True)
    assert background._work._future is not None  # enough codes: a second process made them
    made = background.result()
    assert made == qr.PendingSvgs(qr.codes(tree), background=False).result()
    # every route's places are its own: a poster for each checkpoint of each route
    assert len(made) == sum(len(p.checkpoints) for p in patrols) >= qr.BACKGROUND_CODES
    uri, svg = next(iter(made.items()))
    assert svg == qr.svg(dict(qr.codes(tree))[uri])


def test_failed_build_stops_the_poster_process(tmp_path) -> None:
    generate(tmp_path / "sop", 5 * qr.BACKGROUND_CODES)
    tree = load_tree(tmp_path / "sop", today=TODAY)
    pending = qr.PendingSvgs(qr.codes(tree), background=True)
    pool = pending._work._pool
    assert pool is not None
    pending.cancel()
    assert pending._work._pool is None
    with pytest.raises(RuntimeError):  # the executor takes no more work
        pool.submit(qr.svg, "X")


def _die(*args, **kwargs):
    import os

    os._exit(1)


def test_early_prepare_in_a_second_process(tmp_path, monkeypatch) -> None:
    """The plugin's work is done while MkDocs starts; a hand-written home page wins."""
    from generator import prepare

    generate(tmp_path / "sop", 15)
    docs = tmp_path / "content"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    found = prepare.documentation_pages(docs)
    assert found == ["index.md"]
    job = {
        "sop_path": tmp_path / "sop",
        "docs_dir": docs,
        "content": found,
        "lang": "zh",
        "pdf": False,
        "directory_urls": True,
        "with_bundle": True,
    }
    early = prepare.Early(**job).result(["index.md"])
    alone = prepare.prepare(**job, jobs=1)
    assert early.ok and early.problems == []
    assert "index.md" not in early.pages and "tags.md" in early.pages
    assert early.pages == alone.pages
    assert early.nav == alone.nav and early.codes == alone.codes
    made, again = json.loads(early.bundle), json.loads(alone.bundle)
    assert made.pop("generated") and again.pop("generated")  # build times differ
    assert made == again and "CHK-B0" in made["documents"]
    # MkDocs left the home page out (exclude_docs): prepared for other pages, so redone
    assert prepare.Early(**job).result([]) is None

    monkeypatch.setattr(prepare, "prepare", _die)
    assert prepare.Early(**job).result(["index.md"]) is None  # a dead process: redone here


def test_content_errors_come_back_as_problems(tmp_path) -> None:
    from generator import prepare

    generate(tmp_path / "sop", 15)
    (tmp_path / "sop" / "bad.yaml").write_text("kind: procedure\nid: x\n", encoding="utf-8")
    done = prepare.Early(
        sop_path=tmp_path / "sop",
        docs_dir=tmp_path / "content",
        content=[],
        lang="zh",
        pdf=False,
        directory_urls=True,
        with_bundle=True,
    ).result([])
    assert not done.ok and done.pages == {} and done.bundle is None
    assert any(p.path.endswith("bad.yaml") for p in done.problems)


def test_posters_are_made_here_if_their_process_dies(tmp_path, monkeypatch) -> None:
    generate(tmp_path / "sop", 5 * qr.BACKGROUND_CODES)
    tree = load_tree(tmp_path / "sop", today=TODAY)
    expected = qr.PendingSvgs(qr.codes(tree), background=False).result()
    monkeypatch.setattr(qr, "_svg_each", _die)
    pending = qr.PendingSvgs(qr.codes(tree), background=True)
    monkeypatch.undo()
    assert pending.result() == expected
