"""The MkDocs plugin: a thin adapter that loads sop/, renders it and adds the pages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from generator import qr
from generator.bundle import bundle, write_bundle
from generator.labels import labels
from generator.loader import Tree, load_tree
from generator.navigation import build_nav
from generator.problems import ERROR, format_text, promote
from generator.render import page_uri, render

if TYPE_CHECKING:  # mkdocs.livereload is only needed by `mkdocs serve`
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.dutybook")
ASSETS = Path(__file__).with_name("assets")
CSS = "assets/dutybook.css"
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


class DutybookConfig(base.Config):
    sop_dir = c.Type(str, default="sop")
    lang = c.Choice(("zh", "en"), default="zh")
    pdf = c.Type(bool, default=True)
    bundle = c.Type(bool, default=True)


class DutybookPlugin(BasePlugin[DutybookConfig]):
    """Adds a page per sop/ document, role start pages, QR posters and handbook.json."""

    def __init__(self) -> None:
        self.serving = False
        self.tree: Tree | None = None
        self.posters: qr.PendingSvgs | None = None
        self.early: Early | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # PDFs take a while; a preview while typing does not need them
        self.serving = command == "serve"

    @event_priority(100)  # before Material's search plugin reads its jieba settings
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base_dir = Path(config.config_file_path or ".").parent
        self.sop_path = (base_dir / self.config.sop_dir).resolve()
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None and "jieba_dict_user" in search.config:
            user_dict = search.config.jieba_dict_user
            if not user_dict:
                search.config.jieba_dict_user = str(ASSETS / "jieba-user.txt")
            elif not Path(user_dict).is_absolute():
                search.config.jieba_dict_user = str((base_dir / user_dict).resolve())
        if CSS not in config.extra_css:
            config.extra_css.append(CSS)
        # Load and render in a second process while this one goes on with MkDocs' own start
        # (Material's search loads jieba's dictionary next, ~0.6 s); on_files collects it.
        # Not under `mkdocs serve`, which runs a file watcher and a web server in threads.
        self.early = None
        if not self.serving:
            self.early = Early(
                self.sop_path,
                Path(config.docs_dir),
                self.config.lang,
                self.config.pdf,
                config.use_directory_urls,
            )
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        content = [f.src_uri for f in files.documentation_pages()]
        pdf = self.config.pdf and not self.serving
        early, self.early = self.early, None
        tree, pages = early.result(content) if early else (None, None)
        if tree is None:
            jobs = 1 if self.serving else None  # no forking beside serve's threads
            tree = load_tree(self.sop_path, Path(config.docs_dir), jobs=jobs)
        self.tree = report(tree, self.sop_path)
        patrols = self.tree.of_kind("patrol")
        # Poster SVGs are linked only from the standalone poster sheets, so MkDocs need not
        # know them: they are made in a second process during the whole page build and
        # written into the site at the end (on_post_build).
        self.posters = qr.PendingSvgs(patrols, background=not self.serving)
        if pages is None:
            pages = render(
                self.tree,
                self.config.lang,
                existing=content,
                pdf=pdf,
                directory_urls=config.use_directory_urls,
            )
        for uri, markdown in pages.items():
            files.append(File.generated(config, uri, content=markdown))
        if pdf:
            areas = {a.id: a.name for p in self.tree.site.properties for a in p.areas}
            for patrol in patrols:
                data = qr.pdf(patrol, areas, labels(self.config.lang)["scan_hint"])
                files.append(
                    File.generated(config, f"patrols/{patrol.id.lower()}/qr.pdf", content=data)
                )
        files.append(File.generated(config, CSS, abs_src_path=str(ASSETS / "dutybook.css")))
        if config.nav is None:
            config.nav = build_nav(self.tree, content, set(pages), self.config.lang)
        return files

    def on_build_error(self, *, error: Exception) -> None:
        if self.early is not None:
            self.early.cancel()
            self.early = None
        if self.posters is not None:
            self.posters.cancel()
            self.posters = None

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder) -> None:
        server.watch(str(self.sop_path))

    def on_post_page(self, output: str, *, page, config: MkDocsConfig) -> str:
        # Material's search overlay is a dialog without a name; screen readers announce
        # nothing useful (axe: aria-dialog-name). Name it rather than copy the partial.
        label = labels(self.config.lang)["search_dialog"]
        return output.replace(SEARCH_DIALOG, f'{SEARCH_DIALOG[:-1]} aria-label="{label}">', 1)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.posters is not None:
            site = Path(config.site_dir)
            for uri, data in self.posters.result().items():
                (site / uri).parent.mkdir(parents=True, exist_ok=True)
                (site / uri).write_bytes(data)
            self.posters = None
        if self.config.bundle and self.tree is not None:
            urls = {
                doc.id: _url(config, page_uri(doc))
                for doc in self.tree.documents.values()
                if doc.kind != "site"
            }
            write_bundle(bundle(self.tree, urls), Path(config.site_dir) / "handbook.json")


def report(tree: Tree, sop_path: Path) -> Tree:
    """Print a loaded tree's problems as `dutybook check` does; abort on errors."""
    problems = promote(tree.problems, strict=False)
    if any(p.severity == ERROR for p in problems):
        click.echo(format_text(problems), err=True)
        errors = sum(p.severity == ERROR for p in problems)
        raise Abort(f"Aborted with {errors} content error{'s' * (errors != 1)} in {sop_path}")
    for problem in problems:
        log.warning(str(problem))
    return tree


# Generated pages that a hand-written page of the same name replaces (see render()).
REPLACEABLE = {"index.md", "tags.md"}


def _load_and_render(
    sop_path: Path, docs_dir: Path, lang: str, pdf: bool, directory_urls: bool
) -> tuple[Tree, dict[str, str] | None, set[str]]:
    """The early job: the tree, and its pages if it has no errors (render needs a good tree)."""
    tree = load_tree(sop_path, content_dir=docs_dir)
    present = {name for name in REPLACEABLE if (docs_dir / name).is_file()}
    if not tree.ok:
        return tree, None, present
    pages = render(tree, lang, existing=present, pdf=pdf, directory_urls=directory_urls)
    return tree, pages, present


class Early:
    """`_load_and_render` in a forked process, started from on_config."""

    def __init__(self, *args: object) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = self._future = None
        if "fork" in multiprocessing.get_all_start_methods():
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(_load_and_render, *args)

    def result(self, content: list[str]) -> tuple[Tree | None, dict[str, str] | None]:
        """The tree and pages; pages None if they must be rendered again (or never were)."""
        from concurrent.futures.process import BrokenProcessPool

        if self._future is None:
            return None, None
        try:
            tree, pages, present = self._future.result()
        except BrokenProcessPool:  # the process died: do it here instead
            return None, None
        finally:
            self._pool.shutdown()
        # MkDocs may leave out a page the process saw (exclude_docs): render again then
        if present != REPLACEABLE & set(content):
            pages = None
        return tree, pages

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _url(config: MkDocsConfig, uri: str) -> str:
    stem = uri.removesuffix(".md")
    return f"{stem}/" if config.use_directory_urls else f"{stem}.html"
