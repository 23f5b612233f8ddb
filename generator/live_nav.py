"""What one page shows of the others (the navigation, the tags page's list), so that the
preview writes again only the pages whose view of them changed (generator.live_site)."""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page


def _first_page(item):
    while item is not None and item.children:
        item = item.children[0]
    return item


def _nav_view(items, ancestors: set[int] | None) -> tuple:
    """The navigation as Material renders it on one page with navigation.prune: every
    section on the way to the page open, every other one a link to its first page; all
    open (`ancestors` None) without navigation.prune."""
    out = []
    for item in items:
        if item.is_section:
            if ancestors is None or id(item) in ancestors:
                out.append(("open", item.title, _nav_view(item.children, ancestors)))
            else:
                first = _first_page(item)
                out.append(("shut", item.title, getattr(first, "url", None), bool(item.children)))
        else:
            meta = getattr(item, "meta", None) or {}
            shown = tuple(str(meta.get(k)) for k in ("icon", "subtitle", "status"))
            out.append(("page", item.title, item.url, shown))
    return tuple(out)


def view(page: Page, nav: Navigation, pruned: bool = True, memo: dict | None = None) -> tuple:
    """Everything of other pages that this page's HTML shows. Pages of one section see the
    same navigation: `memo` (one per navigation) keeps it by section."""
    memo = {} if memo is None else memo
    key = id(page.parent) if pruned else None
    if key not in memo:
        ancestors = {id(a) for a in page.ancestors} if pruned else None
        memo[key] = _nav_view(nav.items, ancestors)
    near = [(p.title, p.url) if p else None for p in (page.previous_page, page.next_page)]
    return (page.title, memo[key], *near)


def titled(nav_data) -> list[tuple[str, str]]:
    """(title, src_uri) of every titled page of a MkDocs `nav` list."""
    found = []
    for entry in nav_data:
        if isinstance(entry, dict):
            for title, value in entry.items():
                if isinstance(value, str):
                    found.append((title, value))
                else:
                    found += titled(value)
        elif isinstance(entry, list):
            found += titled(entry)
    return found


def tags_digest(files: Files) -> tuple:
    """What the tags page shows of the other pages: their address, title and tags."""
    return tuple(
        (f.page.url, f.page.title, tuple(map(str, f.page.meta.get("tags") or ())))
        for f in files.documentation_pages()
        if f.page is not None
    )


def pruned_nav(config: MkDocsConfig) -> bool:
    """Whether Material shows each page only its own section of the navigation."""
    return "navigation.prune" in (config.theme.get("features") or [])
