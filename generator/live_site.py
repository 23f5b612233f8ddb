"""The preview's site: one full MkDocs build, then only what a saved file changes.

`LiveSite.build()` is what `dutybook serve-docs` runs after each save. The first time, and
whenever a hand-written page, the config or the theme changed, it is MkDocs' own build (the
steps of mkdocs.commands.build, kept here so that the files, navigation, theme and plugin
state stay in memory). After a change under sop/ it asks generator.live for the pages whose
Markdown changed, then:

- gives MkDocs those pages' new Markdown (re-rendered to HTML: the tags plugin and search
  see them as in a build), and the tags page, which lists every page;
- builds the navigation again when it changed (a title, an id, a document added or
  removed), and writes again every page whose own view of it changed: Material prunes the
  navigation to the page's section, so that is the section's pages, their neighbours
  (footer links) and every page for a new section;
- writes the search index from each page's entries (kept, tuned, per page), handbook.json,
  the new QR SVGs, 404.html and sitemap.xml; deletes the files of removed pages.

A check error stops nothing: it is printed as `dutybook check` prints it, kept in
`problems` for the server to show over every page, and the site stays as it was until the
file is fixed. Anchor links are not validated again after an update (a full build does).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs import utils
from mkdocs.commands.build import _build_page, _build_theme_template, _populate_page
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page

from generator import qr
from generator.live import Rendered, Source, rerender, stamps
from generator.live_nav import pruned_nav, tags_digest, titled, view
from generator.prepare import DESK_MARKER, Prepared, _read
from generator.problems import ERROR, Problem, format_text, promote
from generator.search import tune

log = logging.getLogger("mkdocs.plugins.dutybook")
INCLUSION = InclusionLevel.is_in_serve


@dataclass
class State:
    """What one build left in memory for the next."""

    config: MkDocsConfig
    env: object
    files: Files
    nav: Navigation
    nav_data: list
    base: list[File]  # the files MkDocs found itself (docs_dir, theme), in its order
    tail: list[File]  # the plugin's own assets, after the pages
    content: list[str]
    marked: list[str]  # hand-written pages that show the desk's limits
    rendered: Rendered
    inserts: dict[str, str]
    codes: list[tuple[str, str]]
    listing_pages: set[str]
    entries: dict[str, list[dict]] = field(default_factory=dict)  # src_uri: tuned entries
    views: dict[str, tuple] = field(default_factory=dict)  # src_uri: what its template shows
    tags_digest: tuple = ()  # what the tags page lists (tags_digest)


class LiveSite:
    """The preview's site in `site_dir`, built in full once, then updated in place."""

    def __init__(
        self, config_file: Path, site_dir: Path, site_url: str | None = None, echo=print
    ) -> None:
        self.config_file = config_file
        self.site_dir = site_dir
        self.site_url = site_url
        self.echo: Callable[[str], None] = echo
        self.state: State | None = None
        self.problems: list[Problem] = []  # the errors the site does not show yet
        self.stamps: dict[str, tuple[int, int]] = {}
        self.source: Source | None = None
        self.kept: dict[str, tuple] = {}  # handbook.json's entries (bundle.bundle)
        self.last: dict[str, list[str]] = {}  # what the last update read, rendered, wrote

    def build(self) -> str:
        """Bring the site up to date: "full", "update", "error" (problems hold why)."""
        start = time.perf_counter()
        state = self.state
        outside = state is None or stamps(self.config_file, Path(state.config.docs_dir))
        what = self.full() if state is None or outside != self.stamps else self.update(state)
        if what != "error":
            self.echo(f"==> {what} in {time.perf_counter() - start:.2f} s")
        return what

    # --- the first build -----------------------------------------------------------------

    def _config(self) -> MkDocsConfig:
        config = load_config(str(self.config_file), site_dir=str(self.site_dir))
        if self.site_url:
            config.site_url = self.site_url
        return config

    def full(self) -> str:
        config = self._config()
        config.plugins.on_startup(command="serve", dirty=False)
        plugin = config.plugins["dutybook"]
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        docs_dir = Path(config.docs_dir)
        self.stamps = stamps(self.config_file, docs_dir)
        self.source = Source(plugin.sop_path, docs_dir)
        self.kept = {}
        tree = self.source.load()
        if self._failed(tree.problems):
            self.state = None
            return "error"
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        base = list(files)
        content = sorted(f.src_uri for f in files.documentation_pages())
        marked = [uri for uri in content if DESK_MARKER.search(_read(docs_dir / uri))]
        lang, urls = plugin.config.lang, config.use_directory_urls
        rendered = rerender(tree, None, lang, content, urls)
        state_inserts, nav_data, bundle = self._derived(tree, rendered, content, marked, lang, urls)
        codes = qr.codes(tree)
        plugin.given = Prepared(
            problems=tree.problems,
            content=content,
            pages=dict(rendered.texts),
            codes=codes,
            nav=nav_data,
            bundle=bundle,
            inserts=state_inserts,
        )
        utils.clean_directory(config.site_dir)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        for file in files.documentation_pages(inclusion=INCLUSION):
            if file.page is None:
                Page(None, file, config)
            _populate_page(file.page, config, files)
        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(inclusion=INCLUSION)
        for template in config.theme.static_templates:
            _build_theme_template(template, env, files, config, nav)
        tags = config.plugins.get("material/tags")
        listing_pages = {x.page.file.src_uri for x in tags.listings.data} if tags else set()
        tail = [f for f in files if f not in base and f.src_uri not in rendered.texts]
        state = State(
            config, env, files, nav, nav_data, base, tail, content, marked, rendered,
            state_inserts, codes, listing_pages,
        )  # fmt: skip
        state.tags_digest = tags_digest(files)
        everything = [f.src_uri for f in files.documentation_pages(inclusion=INCLUSION)]
        self._template(state, everything, True)
        config.plugins.on_post_build(config=config)
        self.state = state
        self.problems = []
        return "full build"

    def _derived(self, tree, rendered, content, marked, lang, directory_urls):
        from generator.addresses import page_uri, page_url
        from generator.bundle import bundle, bundle_text
        from generator.navigation import build_nav
        from generator.render import inserts

        urls = {
            doc.id: page_url(page_uri(doc), directory_urls)
            for doc in tree.documents.values()
            if doc.kind != "site"
        }
        nav = build_nav(tree, content, set(rendered.texts), lang)
        return inserts(tree, marked, lang), nav, bundle_text(bundle(tree, urls, kept=self.kept))

    def _failed(self, problems: list[Problem]) -> bool:
        problems = promote(problems, strict=False)
        errors = [p for p in problems if p.severity == ERROR]
        if errors:
            self.echo(format_text(problems))
            self.echo(f"==> {len(errors)} error(s): the preview keeps the last good build")
        self.problems = errors
        return bool(errors)

    # --- after a save under sop/ ---------------------------------------------------------

    def update(self, state: State) -> str:
        assert self.source is not None
        tree = self.source.load()
        if self._failed(tree.problems):
            return "error"
        warned = [p for p in tree.problems if p.path in self.source.reread]
        if warned:  # the saved file's warnings, as a full build logs them
            self.echo(format_text(warned))
        config, plugin = state.config, state.config.plugins["dutybook"]
        lang = plugin.config.lang
        rendered = rerender(tree, state.rendered, lang, state.content, config.use_directory_urls)
        before = state.rendered.texts
        changed = [u for u in rendered.texts if before.get(u) != rendered.texts[u]]
        removed = [u for u in before if u not in rendered.texts]
        inserts, nav_data, bundle = self._derived(
            tree, rendered, state.content, state.marked, lang, config.use_directory_urls
        )
        files = state.files
        gone_urls = set()
        for uri in removed:
            file = files.get_file_from_path(uri)
            if file is None:
                continue
            files.remove(file)
            if file.page is not None:
                gone_urls.add(file.page.url)
            state.entries.pop(uri, None)
            state.views.pop(uri, None)
            _unlink(Path(file.abs_dest_path), Path(config.site_dir))
        new_files = []
        for uri in changed:
            file = files.get_file_from_path(uri)
            if file is None:
                file = File.generated(config, uri, content=rendered.texts[uri])
                new_files.append(file)
            else:
                file.content_string = rendered.texts[uri]
            if not uri.endswith(".md"):
                file.copy_file()
        set_exclusions(new_files, config)
        by_uri = {f.src_uri: f for f in [*files, *new_files]}
        state.files = files = Files(
            [*state.base, *(by_uri[u] for u in rendered.texts), *state.tail]
        )
        pages = {u for u in changed if u.endswith(".md")}
        added = [f.src_uri for f in new_files if f.src_uri.endswith(".md")]
        if nav_data != state.nav_data or added or removed:
            self._navigate(state, nav_data)
        state.nav_data = nav_data
        # hand-written pages that show the desk's limits, or link to a page added or removed
        names = [Path(u).stem for u in [*added, *removed]]
        for uri in state.content:
            file = files.get_file_from_path(uri)
            links = names and file and any(n in file.content_string for n in names)
            if links or inserts.get(uri) != state.inserts.get(uri):
                pages.add(uri)
        plugin.inserts = state.inserts = inserts
        pages = self._populate(state, pages, gone_urls)
        uris = [f.src_uri for f in files.documentation_pages(inclusion=INCLUSION)]
        pruned, memo = pruned_nav(config), {}
        views = {u: view(files.get_file_from_path(u).page, state.nav, pruned, memo) for u in uris}
        shown = [u for u in uris if u in pages or views[u] != state.views.get(u)]
        self._template(state, shown, set(pages))
        for template in config.theme.static_templates:
            _build_theme_template(template, state.env, files, config, state.nav)
        self._write_index(state)
        site = Path(config.site_dir)
        (site / "handbook.json").write_text(bundle, encoding="utf-8")
        codes = qr.codes(tree)
        fresh = [c for c in codes if c not in set(state.codes)]
        for uri, data in qr.PendingSvgs(fresh, background=False).result().items():
            (site / uri).parent.mkdir(parents=True, exist_ok=True)
            (site / uri).write_bytes(data)
        for uri, _ in set(state.codes) - set(codes):
            if uri not in {u for u, _ in codes}:
                _unlink(site / uri, site)
        state.codes = codes
        state.rendered = rendered
        self.last = {"read": self.source.reread, "rendered": rendered.rendered, "written": shown}
        return f"update ({len(self.source.reread)} file(s) read, {len(shown)} page(s) written)"

    def _navigate(self, state: State, nav_data: list) -> None:
        config, files = state.config, state.files
        config.nav = nav_data
        for file in files.documentation_pages():
            if file.page is not None:
                file.page.parent = file.page.previous_page = file.page.next_page = None
        nav = get_navigation(files, config)
        for title, uri in titled(nav_data):
            file = files.get_file_from_path(uri)
            if file is not None and file.page is not None:
                file.page.title = title
        state.nav = config.plugins.on_nav(nav, config=config, files=files)

    def _populate(self, state: State, pages: set[str], gone_urls: set[str]) -> set[str]:
        """Markdown to HTML for `pages`, and for the tags page when what it lists changed;
        returns the pages made."""
        config, files = state.config, state.files
        tags = config.plugins.get("material/tags")
        plugin = config.plugins["dutybook"]
        for url in gone_urls:
            plugin.aliases.pop(url, None)
            if tags:
                tags.mappings.data.pop(url, None)
        listing = state.listing_pages
        for uri in pages - listing:
            self._populate_one(state, uri)
        digest = tags_digest(files)
        if tags and (digest != state.tags_digest or pages & listing):
            kept = {x for x in tags.listings.data if x.page.file.src_uri not in listing}
            tags.listings.data = kept
            for uri in listing:
                self._populate_one(state, uri)
            data = tags.mappings.data  # in page order, as a build collects them
            order = [f.page.url for f in files.documentation_pages() if f.page]
            tags.mappings.data = {url: data[url] for url in order if url in data}
            state.env = config.plugins.on_env(state.env, config=config, files=files)
            pages = pages | listing
        state.tags_digest = digest
        return pages

    def _populate_one(self, state: State, uri: str) -> None:
        config = state.config
        page = state.files.get_file_from_path(uri).page
        config.plugins["dutybook"].aliases.pop(page.url, None)
        tags = config.plugins.get("material/tags")
        if tags:
            tags.mappings.data.pop(page.url, None)
        _populate_page(page, config, state.files)

    def _template(self, state: State, uris: list[str], fresh: set[str] | bool) -> None:
        """Write the HTML of `uris`; the search entries of the `fresh` ones (new content)."""
        config, files = state.config, state.files
        search = config.plugins.get("material/search")
        doc_files = files.documentation_pages(inclusion=INCLUSION)
        raw: dict[str, list[dict]] = {}
        memo: dict = {}
        pruned = pruned_nav(config)
        if search and fresh is not True:
            search.search_index.entries = []
        for uri in uris:
            page = files.get_file_from_path(uri).page
            entries = search.search_index.entries if search else []
            start = len(entries)
            excluded = page.file.inclusion.is_excluded()
            indexed = fresh is True or uri in fresh
            index = search.search_index if search else None
            if search and not indexed:  # its entries are kept: the content is the same
                search.search_index = _Unindexed()
            try:
                _build_page(page, config, doc_files, state.nav, state.env, excluded=excluded)
            finally:
                if search:
                    search.search_index = index
            if indexed:
                raw[uri] = entries[start:]
            state.views[uri] = view(page, state.nav, pruned, memo)
        if search:
            fields = search.search_index.config.get("fields", {})
            aliases = config.plugins["dutybook"].aliases
            for uri, entries in raw.items():
                copies = {"config": {"fields": fields}, "docs": [dict(e) for e in entries]}
                state.entries[uri] = tune(copies, aliases)["docs"]
            if fresh is not True:
                search.search_index.entries = []

    def _write_index(self, state: State) -> None:
        search = state.config.plugins.get("material/search")
        if not search:
            return
        keys = ["lang", "separator", "pipeline", "fields"]
        index = {
            "config": {key: search.search_index.config[key] for key in keys},
            "docs": [
                entry
                for file in state.files.documentation_pages(inclusion=INCLUSION)
                for entry in state.entries.get(file.src_uri, [])
            ],
        }
        path = Path(state.config.site_dir) / "search" / "search_index.json"
        path.write_text(
            json.dumps(index, ensure_ascii=False, separators=(",", ":"), default=str),
            encoding="utf-8",
        )


class _Unindexed:
    """Stands in for the search plugin's index while a page whose content did not change
    is written again (its entries are kept); the theme still sees search enabled."""

    def add_entry_from_context(self, page: Page) -> None:
        pass


def _unlink(path: Path, site: Path) -> None:
    path.unlink(missing_ok=True)
    folder = path.parent
    try:  # a page's own folder (directory URLs), once empty
        while folder != site and site in folder.parents and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    except OSError:
        pass
