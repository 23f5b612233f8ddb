"""The preview (`dutybook serve-docs`) updates only what a save changes, and never goes stale.

The real handbook is copied; each step edits it the way an author does (a body, a title,
an id renamed with the documents that name it, a document added, one deleted, a check error
then its fix), lets the preview update, and compares the whole preview site, every page,
the search index, handbook.json, sitemap and QR SVGs, with a clean `mkdocs build` of the
same files. Build times are taken out (tests/generator/site_tree.py); nothing else may differ.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.live_serve import panel
from generator.live_site import LiveSite
from tests.conftest import handbook_tree
from tests.generator.conftest import ROOT, mkdocs_build
from tests.generator.site_tree import differences, snapshot


def save(path: Path, text: str) -> None:
    """Write as an editor does; the preview notices a file by its size and time."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # a coarse clock: make the save visible
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    save(path, text.replace(old, new))


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    """sop/ and content/ as committed, with the config the preview uses (no PDFs)."""
    return handbook_tree(tmp_path, ROOT, pdf="false")


def same_as_clean_build(live: LiveSite, handbook: Path) -> None:
    clean = handbook / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    result = mkdocs_build(handbook / "mkdocs.yml", clean, strict=False)
    assert result.returncode == 0, result.stderr
    assert differences(snapshot(live.site_dir), snapshot(clean)) == []


@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*jieba-user:pytest.PytestUnraisableExceptionWarning"
)
def test_each_edit_gives_the_site_a_clean_build_gives(
    handbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(handbook)
    sop = handbook / "sop"
    lines: list[str] = []
    live = LiveSite(handbook / "mkdocs.yml", handbook / "live", echo=lines.append)
    assert live.build() == "full build"
    same_as_clean_build(live, handbook)

    # a body: that page and the pages listing it; no other file is read again
    eight = sop / "procedures" / "adm-8s.yaml"
    replace(eight, "让工作现场整洁有序", "让每一处工作现场都整洁有序")
    assert live.build().startswith("update")
    assert live.last["read"] == ["sop/procedures/adm-8s.yaml"]
    assert "procedures/adm-8s.md" in live.last["written"]
    assert "procedures/sec-ebike.md" not in live.last["rendered"]
    assert len(live.last["written"]) < 10, live.last["written"]
    same_as_clean_build(live, handbook)

    # a title: the checklists that link to it, the navigation of its section, role pages
    replace(eight, "title: 8S 现场管理", "title: 8S 现场管理规范")
    assert live.build().startswith("update")
    assert "checklists/chk-8s.md" in live.last["rendered"]
    same_as_clean_build(live, handbook)

    # an id renamed, with the two documents that name it, and its file renamed
    old = sop / "procedures" / "adm-takeover.yaml"
    renamed = sop / "procedures" / "adm-acceptance.yaml"
    save(renamed, old.read_text(encoding="utf-8").replace("ADM-TAKEOVER", "ADM-ACCEPTANCE"))
    old.unlink()
    for name in ("checklists/chk-practical-cleaner.yaml", "procedures/eng-ledger.yaml"):
        replace(sop / name, "ADM-TAKEOVER", "ADM-ACCEPTANCE")
    assert live.build().startswith("update")
    assert not (live.site_dir / "procedures" / "adm-takeover").exists()
    same_as_clean_build(live, handbook)

    # a document added (a new section entry, a search entry, a bundle entry)
    added = sop / "procedures" / "adm-visitors.yaml"
    text = eight.read_text(encoding="utf-8").replace("id: ADM-8S", "id: ADM-VISITORS")
    save(added, text.replace("title: 8S 现场管理规范", "title: 访客接待"))
    assert live.build().startswith("update")
    assert (live.site_dir / "procedures" / "adm-visitors" / "index.html").is_file()
    same_as_clean_build(live, handbook)

    # a check error: shown at once, the site stays as it was; the fix brings it back
    good = added.read_text(encoding="utf-8")
    before = snapshot(live.site_dir)
    save(added, good.replace("owner: manager", "owner: manager\nowners: [x]"))
    lines.clear()
    assert live.build() == "error"
    shown = "\n".join(lines)
    assert "sop/procedures/adm-visitors.yaml" in shown and "owners" in shown
    assert any("owners" in str(p) for p in live.problems)
    assert "sop/procedures/adm-visitors.yaml" in panel(live.problems, "zh")
    assert snapshot(live.site_dir) == before
    save(added, good.replace("title: 访客接待", "title: 访客登记与接待"))
    assert live.build().startswith("update")
    assert live.problems == []
    same_as_clean_build(live, handbook)

    # documents deleted: their pages, folders, paper form, search and bundle entries go
    added.unlink()
    (sop / "checklists" / "chk-control-room.yaml").unlink()
    assert live.build().startswith("update")
    assert not (live.site_dir / "procedures" / "adm-visitors").exists()
    assert not (live.site_dir / "checklists" / "chk-control-room-print").exists()
    same_as_clean_build(live, handbook)

    # the desk's limits: the hand-written page that shows them (standards.md) follows
    replace(sop / "desk" / "svc-desk.yaml", "respond: 5m", "respond: 7m")
    assert live.build().startswith("update")
    assert "standards.md" in live.last["written"]
    same_as_clean_build(live, handbook)

    # the site document (an area's name, on the tags of many pages): everything is rendered
    replace(sop / "site" / "company.yaml", "name: 单元门厅", "name: 单元大堂")
    assert live.build().startswith("update")
    assert len(live.last["rendered"]) == len(live.state.rendered.texts)
    same_as_clean_build(live, handbook)


@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*jieba-user:pytest.PytestUnraisableExceptionWarning"
)
def test_a_hand_written_page_changed_is_a_full_build(
    handbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(handbook)
    live = LiveSite(handbook / "mkdocs.yml", handbook / "live", echo=lambda _: None)
    assert live.build() == "full build"
    page = handbook / "content" / "principles.md"
    save(page, page.read_text(encoding="utf-8") + "\n补充一段说明。\n")
    assert live.build() == "full build"
    same_as_clean_build(live, handbook)
