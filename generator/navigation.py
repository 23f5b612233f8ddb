"""The handbook's navigation: hand-written pages, then one section per kind, then roles."""

from __future__ import annotations

import posixpath

from pydantic import BaseModel

from generator.addresses import KINDS, page_uri, role_uri, section, staff_order
from generator.labels import labels
from generator.tree import Tree

# Material renders every page's navigation; past ~100 entries per section that dominates the
# build (DESIGN.md), so big sections are split into sub-sections of at most this many pages.
SECTION_SIZE = 25
AUTHORS = "authors/"

NavEntry = str | dict[str, object]


def _content_nav(uris: list[str]) -> list[NavEntry]:
    """Hand-written pages: index first, then by path; sub-folders become sections."""
    top: list[NavEntry] = []
    folders: dict[str, list[str]] = {}
    for uri in sorted(uris, key=lambda u: (u.count("/"), posixpath.basename(u) != "index.md", u)):
        folder = uri.split("/")[0] if "/" in uri else ""
        if folder:
            folders.setdefault(folder, []).append(uri)
        else:
            top.append(uri)
    return top + [{folder: pages} for folder, pages in folders.items()]


def _chunked(entries: list[tuple[BaseModel, NavEntry]]) -> list[NavEntry]:
    if len(entries) <= SECTION_SIZE:
        return [entry for _, entry in entries]
    chunks = []
    for start in range(0, len(entries), SECTION_SIZE):
        part = entries[start : start + SECTION_SIZE]
        chunks.append({f"{part[0][0].id} – {part[-1][0].id}": [e for _, e in part]})
    return chunks


def build_nav(
    tree: Tree, content_uris: list[str], generated: set[str], lang: str = "zh"
) -> list[NavEntry]:
    """A MkDocs `nav` list; generated pages not in `generated` are left out."""
    t = labels(lang)
    # pages for the people who maintain the handbook go last, in a section of their own
    authors = [u for u in content_uris if u.startswith(AUTHORS)]
    nav = _content_nav([u for u in content_uris if u != "tags.md" and u not in authors])
    if "index.md" in generated and "index.md" not in content_uris:
        nav.insert(0, "index.md")
    for kind in KINDS:
        docs = sorted(
            (d for d in tree.documents.values() if section(d.kind) == kind), key=staff_order
        )
        entries = [(d, {d.title: page_uri(d)}) for d in docs if page_uri(d) in generated]
        if entries:
            nav.append({t[kind]: _chunked(entries)})
    site = tree.site
    roles = [r for r in site.roles if role_uri(r.id) in generated] if site else []
    if roles:
        name = (lambda r: r.name_en or r.name) if lang == "en" else (lambda r: r.name)
        nav.append({t["by_role"]: [{name(r): role_uri(r.id)} for r in roles]})
    if "tags.md" in generated or "tags.md" in content_uris:
        nav.append("tags.md")
    if authors:
        nav.append({t["authors"]: sorted(authors)})
    return nav
