"""Everything the MkDocs plugin adds to a build, made from sop/ as plain data.

Plain data (text, bytes, lists) so that it can be made in a forked process while MkDocs
starts, and sent back cheaply: the MkDocs process then never imports pydantic or the
models. `prepare` is also what the plugin calls in-process (under `mkdocs serve`).

`dutybook build` has loaded and checked sop/ before MkDocs starts; it `offer`s that tree,
and `prepare` takes it instead of loading the YAML a second time. A plain `mkdocs build`
or `serve-docs` offers nothing, and `prepare` loads as before.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.background import Background
from generator.problems import ERROR, Problem

if TYPE_CHECKING:
    from generator.tree import Tree

# A hand-written page shows the service desk's categories and limits where a line holds just
# this comment (the standards page does): they are written once, in the desk document.
DESK_MARKER = re.compile(r"^<!-- dutybook:desk -->[ \t]*$", re.MULTILINE)

# Trees already loaded in this process, by (sop folder, content folder), both resolved.
# The early worker is forked after the offer and inherits this with the process's memory,
# so a tree is never pickled through a pipe.
_offered: dict[tuple[Path, Path | None], Tree] = {}


def _key(sop_path: Path, content_dir: Path | None) -> tuple[Path, Path | None]:
    return sop_path.resolve(), content_dir.resolve() if content_dir else None


def offer(tree: Tree, sop_path: Path, content_dir: Path | None) -> None:
    """Let the next `prepare` of `sop_path` against `content_dir` use `tree` (loaded and
    checked with that content folder) instead of loading the YAML again."""
    _offered[_key(sop_path, content_dir)] = tree


def withdraw(sop_path: Path, content_dir: Path | None) -> None:
    _offered.pop(_key(sop_path, content_dir), None)


@dataclass
class Prepared:
    """The generated files of one build, or the problems that stop it."""

    problems: list[Problem]
    content: list[str]  # the hand-written pages this was made for
    pages: dict[str, str] = field(default_factory=dict)  # src_uri: Markdown (or print HTML)
    pdfs: dict[str, bytes] = field(default_factory=dict)  # src_uri: QR poster PDF
    codes: list[tuple[str, str]] = field(default_factory=list)  # (SVG path, checkpoint code)
    nav: list | None = None
    bundle: str | None = None  # handbook.json
    inserts: dict[str, str] = field(default_factory=dict)  # src_uri: Markdown for its marker

    @property
    def ok(self) -> bool:
        return all(p.severity != ERROR for p in self.problems)


def documentation_pages(docs_dir: Path) -> list[str]:
    """The Markdown pages MkDocs will find in docs_dir (before its exclude rules)."""
    found = []
    for folder, _, names in os.walk(docs_dir):
        base = Path(folder).relative_to(docs_dir)
        found += [(base / n).as_posix() for n in names if n.endswith(".md")]
    return sorted(found)


def prepare(
    sop_path: Path,
    docs_dir: Path,
    content: list[str],
    lang: str,
    pdf: bool,
    directory_urls: bool,
    with_bundle: bool,
    jobs: int | None = None,
) -> Prepared:
    """Load and check sop/, then render pages, PDFs, navigation and handbook.json."""
    from generator import qr
    from generator.addresses import page_uri, page_url, poster_dir
    from generator.bundle import bundle, bundle_text
    from generator.labels import labels
    from generator.loader import load_tree
    from generator.navigation import build_nav
    from generator.render import inserts, render

    tree = _offered.get(_key(sop_path, docs_dir))
    if tree is None:
        tree = load_tree(sop_path, content_dir=docs_dir, jobs=jobs)
    content = sorted(content)
    if not tree.ok:
        return Prepared(tree.problems, content)
    pages = render(tree, lang, existing=content, pdf=pdf, directory_urls=directory_urls)
    marked = [uri for uri in content if DESK_MARKER.search(_read(docs_dir / uri))]
    pdfs = {}
    if pdf:
        words = labels(lang)
        sheets = qr.sheets(tree)
        for prop in tree.site.properties:
            posters = sheets.get(prop.id)
            if posters:
                areas = {a.id: a.name for a in prop.areas}
                pdfs[f"{poster_dir(prop.id)}/qr.pdf"] = qr.pdf(prop.name, posters, areas, words)
    text = None
    if with_bundle:
        urls = {
            doc.id: page_url(page_uri(doc), directory_urls)
            for doc in tree.documents.values()
            if doc.kind != "site"
        }
        text = bundle_text(bundle(tree, urls))
    return Prepared(
        problems=tree.problems,
        content=content,
        pages=pages,
        pdfs=pdfs,
        codes=qr.codes(tree),
        nav=build_nav(tree, content, set(pages), lang),
        bundle=text,
        inserts=inserts(tree, marked, lang),
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # MkDocs reports a page it cannot read
        return ""


class Early:
    """`prepare` in a forked process, started from on_config; `result` collects it."""

    def __init__(self, **kwargs: object) -> None:
        self._work = Background(prepare, **kwargs)

    def result(self, content: list[str]) -> Prepared | None:
        """What was prepared, or None if it must be done again in-process: no fork, a dead
        process, or MkDocs' pages differ from those found on disk (exclude_docs)."""
        prepared = self._work.result()
        return prepared if prepared and prepared.content == sorted(content) else None

    def cancel(self) -> None:
        self._work.cancel()
