"""Validated documents to Markdown pages: one Jinja template per kind, plain functions only.

`render(tree)` returns `{src_uri: markdown}` (and whole HTML for the print pages, whose
src_uri ends in .html); the MkDocs plugin adds those pages with
`File.generated`, and `write(pages, folder)` puts them on disk for any other site generator.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel

from generator import qr
from generator.addresses import (
    KIND_DIRS,
    KINDS,
    page_uri,
    page_url,
    poster_dir,
    posters_uri,
    print_uri,
    role_uri,
    section,
    staff_order,
)
from generator.labels import labels
from generator.models import Checklist, Item
from generator.page import Page, cell, step_anchor
from generator.prose import staff_tree
from generator.tree import Tree

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
    # attr_list's "{#anchor}" must reach Markdown untouched, so Jinja comments use {## ##}
    comment_start_string="{##",
    comment_end_string="##}",
)


# Paper forms and poster sheets are whole HTML pages of their own, not Material pages: they
# need no navigation, search or theme, and leaving them out of MkDocs' page pipeline saves
# a quarter of a large build. MkDocs copies them as static files.
HTML_ENV = ENV.overlay(autoescape=True)


def tags_for(page: Page, doc: BaseModel) -> list[str]:
    """A document's tags: the roles it applies to, the areas it covers, its own tags."""
    tags = [page.role(r) for r in doc.roles]
    areas: list[str] = list(getattr(doc, "areas", []) or [])
    areas += [i.area for i in getattr(doc, "items", []) if i.area]
    areas += [page.checkpoint(c.code).area for c in getattr(doc, "checkpoints", [])]
    tags += [page.area(a) for a in dict.fromkeys(areas)]
    return tags + list(doc.tags)


def rounds(page: Page, doc: Checklist) -> list[str]:
    """Column heads of the paper form: the set times, else one per round in a shift or day."""
    if doc.schedule.at:
        return list(doc.schedule.at)
    if doc.schedule.every in ("shift", "day") and 1 < doc.schedule.times <= 8:
        return [page.t["round"].format(n=n) for n in range(1, doc.schedule.times + 1)]
    return [page.t["round"].format(n=1)]


def grouped(doc: Checklist) -> list[tuple[str | None, list[tuple[int, Item]]]]:
    """Items grouped by area in the checklist's area order, numbered in the order shown."""
    order = list(dict.fromkeys([*doc.areas, *(i.area for i in doc.items)]))
    groups: dict[str | None, list[Item]] = {a: [] for a in order}
    for item in doc.items:
        groups[item.area].append(item)
    numbered, n = [], 0
    for area, items in groups.items():
        if items:
            numbered.append((area, [(n + i, item) for i, item in enumerate(items, 1)]))
            n += len(items)
    return numbered


def _page(template: str, page: Page, **context: object) -> str:
    return ENV.get_template(template).render(
        h=page, t=page.t, cell=cell, step_anchor=step_anchor, page_uri=page_uri, **context
    )


def render(
    tree: Tree,
    lang: str = "zh",
    today: dt.date | None = None,
    existing: Iterable[str] = (),
    pdf: bool = True,
    directory_urls: bool = True,
) -> dict[str, str]:
    """Markdown for every page the handbook generates, keyed by path under docs_dir.

    `existing` names hand-written pages; a generated home or tags page never replaces one.
    `pdf` says whether a QR PDF is built beside each patrol page (so pages may link to it).
    `directory_urls` is MkDocs' use_directory_urls: print pages link back by address.
    """
    made = jobs(staff_tree(tree), lang, today, existing, pdf, directory_urls)
    return {uri: job(set()) for uri, job in made.items()}


# A page whose `seen` holds this depends on every document (role, home and poster pages).
EVERY = "*"

Job = Callable[[set[str]], str]


def jobs(
    tree: Tree,
    lang: str = "zh",
    today: dt.date | None = None,
    existing: Iterable[str] = (),
    pdf: bool = True,
    directory_urls: bool = True,
) -> dict[str, Job]:
    """How to render each page of `render`, in its order, without rendering any yet.

    `tree` is already as staff read it (prose.staff_tree). Each job takes a set and adds
    to it the ids of the documents the page read (its own, those it links to or names) or
    EVERY for a page that lists them all: what the preview (generator.live) re-renders
    when a document changes.
    """
    today = today or dt.date.today()
    existing = set(existing)
    pages: dict[str, Job] = {}

    def add(uri: str, template: str, own: str, **context: object) -> None:
        def job(seen: set[str]) -> str:
            seen.add(own)
            return _page(template, Page(tree, uri, lang, today, pdf, seen), **context)

        pages[uri] = job

    def add_doc(doc: BaseModel) -> None:
        uri = page_uri(doc)

        def job(seen: set[str]) -> str:
            seen.add(doc.id)
            page = Page(tree, uri, lang, today, pdf, seen)
            return _page(f"{doc.kind}.md.j2", page, doc=doc, tags=tags_for(page, doc), **extra(doc))

        pages[uri] = job

    def extra(doc: BaseModel) -> dict[str, object]:
        if doc.kind == "checklist":
            page = Page(tree, page_uri(doc), lang, today, pdf)
            return {
                "rounds": rounds(page, doc),
                "groups": grouped(doc),
                "print_uri": print_uri(doc),
            }
        if doc.kind == "patrol":
            return {"posters_uri": posters_uri(doc.site), "assets": poster_dir(doc.site)}
        return {}

    def add_html(
        uri: str, template: str, backs: list[BaseModel], title: str, own: str, **context: object
    ) -> None:
        """A standalone print page; `backs` are the pages its bar links back to."""

        def job(seen: set[str]) -> str:
            seen.add(own)
            page = Page(tree, uri, lang, today, pdf, seen)
            links = []
            for doc in backs:
                url = page_url(page_uri(doc), directory_urls)
                links.append((page.rel(url) + ("/" if url.endswith("/") else ""), doc.title))
            return HTML_ENV.get_template(template).render(
                h=page, t=page.t, title=title, backs=links, **context
            )

        pages[uri] = job

    docs = sorted((d for d in tree.documents.values() if d.kind in KIND_DIRS), key=lambda d: d.id)
    for doc in docs:
        add_doc(doc)
        if doc.kind == "checklist":
            title = page_title(doc, "print_title", lang)
            add_html(
                print_uri(doc),
                "checklist_print.html.j2",
                [doc],
                title,
                doc.id,
                doc=doc,
                **extra(doc),
            )
    site = tree.site
    for prop_id, posters in qr.sheets(tree).items():
        prop = next(p for p in site.properties if p.id == prop_id)
        routes = [d for d in docs if d.kind == "patrol" and d.site == prop_id]
        title = labels(lang)["posters_title"].format(title=prop.name)
        sheet = posters_uri(prop_id)
        files = {p.code: posixpath.relpath(p.svg, poster_dir(prop_id)) for p in posters}
        # area names of this property: two properties may name one area id differently
        areas = {a.id: a.name for a in prop.areas}
        add_html(
            sheet,
            "patrol_posters.html.j2",
            routes,
            title,
            EVERY,
            posters=posters,
            files=files,
            areas=areas,
            place=prop.name,
        )
    for role in site.roles if site else []:
        applies = {
            kind: sorted(
                (d for d in docs if section(d.kind) == kind and role.id in d.roles),
                key=staff_order,
            )
            for kind in KINDS
        }
        add(role_uri(role.id), "role.md.j2", EVERY, role=role, applies=applies)
    if "index.md" not in existing:
        add(
            "index.md",
            "home.md.j2",
            EVERY,
            roles=site.roles if site else [],
            counts={k: sum(section(d.kind) == k for d in docs) for k in KINDS},
        )
    if "tags.md" not in existing:
        add("tags.md", "tags.md.j2", EVERY)
    return pages


def inserts(
    tree: Tree, uris: Iterable[str], lang: str = "zh", today: dt.date | None = None
) -> dict[str, str]:
    """The service desk's categories and limits as Markdown for each hand-written page of
    `uris`, which shows them in place of a marker line (prepare.DESK_MARKER); empty without a
    desk document."""
    desks = sorted((d for d in tree.documents.values() if d.kind == "desk"), key=lambda d: d.id)
    if not desks:
        return {uri: "" for uri in uris}
    tree = staff_tree(tree)
    desk = tree.documents[desks[0].id]
    today = today or dt.date.today()
    return {
        uri: _page("desk_limits.md.j2", Page(tree, uri, lang, today, False), desk=desk)
        for uri in uris
    }


def page_title(doc: BaseModel, label: str, lang: str) -> str:
    return labels(lang)[label].format(title=doc.title)


def write(pages: dict[str, str], folder: Path) -> list[Path]:
    """Write rendered pages (.md, and .html print pages) under `folder` for another generator."""
    written = []
    for uri, markdown in sorted(pages.items()):
        path = folder / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown, encoding="utf-8")
        written.append(path)
    return written
