"""The preview's memory of sop/: what `dutybook serve-docs` keeps between two saves.

A full build loads 2,000 files, checks them and renders every page; an author saving one
file changed one. `Source` keeps each file's parsed and validated documents and re-reads
only the files whose size or modification time changed (then joins them and runs the
cross-document checks again, which are cheap and can fail anywhere). `rerender` keeps each
page's Markdown and the documents it read (render.jobs) and renders again only the pages
that read a changed document, or list them all (role, home, poster pages), or all of them
when the site document changed. What MkDocs does with the result is generator.live_site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from generator.loader import FileResult, display_path, merge, read_path
from generator.prose import for_staff
from generator.references import check_references
from generator.render import EVERY, jobs
from generator.source import yaml_files
from generator.tree import Tree


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class Source:
    """sop/ loaded once; `load` again re-reads only what changed on disk since."""

    def __init__(self, root: Path, content_dir: Path | None) -> None:
        self.root = root
        self.content_dir = content_dir
        self._read: dict[Path, tuple[tuple[int, int] | None, FileResult]] = {}
        self.reread: list[str] = []  # the files the last load read again

    def load(self, today: dt.date | None = None) -> Tree:
        cwd = Path.cwd()
        paths = yaml_files(self.root)
        kept = {}
        self.reread = []
        for path in paths:
            stamp = _stamp(path)
            known = self._read.get(path)
            if known is None or known[0] != stamp or stamp is None:
                known = (stamp, read_path(path, display_path(path, cwd)))
                self.reread.append(known[1].path)
            kept[path] = known
        self._read = kept
        tree = Tree(root=self.root)
        for path in paths:
            merge(tree, kept[path][1])
        check_references(tree, self.content_dir, today or dt.date.today())
        return tree


@dataclass
class Rendered:
    """Every generated page of one tree, and what each page read."""

    documents: dict[str, BaseModel] = field(default_factory=dict)  # as loaded
    staff: dict[str, BaseModel] = field(default_factory=dict)  # as staff read them
    texts: dict[str, str] = field(default_factory=dict)  # src_uri: Markdown or print HTML
    reads: dict[str, frozenset[str]] = field(default_factory=dict)  # src_uri: ids it read
    rendered: list[str] = field(default_factory=list)  # pages this render made again


def changed_ids(old: dict[str, BaseModel], new: dict[str, BaseModel]) -> set[str]:
    """Ids added, removed, or whose document differs in any field."""
    return {
        doc_id
        for doc_id in old.keys() | new.keys()
        if old.get(doc_id) is not new.get(doc_id) and old.get(doc_id) != new.get(doc_id)
    }


def rerender(
    tree: Tree,
    before: Rendered | None,
    lang: str,
    content: list[str],
    directory_urls: bool,
    today: dt.date | None = None,
) -> Rendered:
    """The pages of `tree`, rendering again only what a change since `before` can alter."""
    before = before or Rendered()
    changed = changed_ids(before.documents, tree.documents)
    everything = not before.texts or any(
        (before.documents.get(i) or tree.documents[i]).kind == "site" for i in changed
    )
    staff = {}
    for doc_id, doc in tree.documents.items():
        known = before.documents.get(doc_id)
        unchanged = known is not None and doc_id not in changed
        staff[doc_id] = before.staff[doc_id] if unchanged else for_staff(doc)
    staff_tree = dataclasses.replace(tree, documents=staff)
    after = Rendered(documents=dict(tree.documents), staff=staff)
    made = jobs(staff_tree, lang, today, content, pdf=False, directory_urls=directory_urls)
    for uri, job in made.items():
        reads = before.reads.get(uri)
        if not everything and reads is not None and EVERY not in reads and not reads & changed:
            after.texts[uri] = before.texts[uri]
            after.reads[uri] = reads
            continue
        seen: set[str] = set()
        after.texts[uri] = job(seen)
        after.reads[uri] = frozenset(seen)
        after.rendered.append(uri)
    return after


def stamps(config_file: Path, docs_dir: Path) -> dict[str, tuple[int, int]]:
    """Size and time of the config and every hand-written file: a change means a full build."""
    found = {}
    for path in [config_file, *sorted(docs_dir.rglob("*"))]:
        if path.is_file():
            stat = path.stat()
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found
