"""The MkDocs plugin: a thin adapter that loads sop/, renders it and adds the pages."""

from __future__ import annotations

import json
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
from generator.labels import labels
from generator.prepare import DESK_MARKER, Early, Prepared, documentation_pages, prepare
from generator.problems import ERROR, Problem, format_text, promote
from generator.search import tune

if TYPE_CHECKING:  # mkdocs.livereload is only needed by `mkdocs serve`
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.dutybook")
ASSETS = Path(__file__).with_name("assets")
CSS = "assets/dutybook.css"
JS = "assets/dutybook.js"
# jieba user dictionaries this process has loaded (jieba keeps them for the process)
_USER_DICTS: set[str] = set()
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


class DutybookConfig(base.Config):
    sop_dir = c.Type(str, default="sop")
    lang = c.Choice(("zh", "en"), default="zh")
    pdf = c.Type(bool, default=True)
    bundle = c.Type(bool, default=True)


class DutybookPlugin(BasePlugin[DutybookConfig]):
    """Adds a page per sop/ document, role start pages, QR posters and handbook.json.

    The handbook is loaded, checked and rendered (generator.prepare) in a forked process
    that starts in on_config, while MkDocs goes on with its own start (Material's search
    loads jieba's dictionary next, ~0.6 s); on_files collects the result. A build waits
    for it a few milliseconds (100 documents) to ~0.4 s (2000), and this process never
    imports pydantic or the models. Under
    `mkdocs serve`, which runs a file watcher and a web server in threads, nothing forks.
    """

    def __init__(self) -> None:
        self.serving = False
        self.early: Early | None = None
        self.posters: qr.PendingSvgs | None = None
        self.bundle: str | None = None
        self.aliases: dict[str, list[str]] = {}
        self.inserts: dict[str, str] = {}
        # what the preview (generator.live_site) has already loaded and rendered
        self.given: Prepared | None = None

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
            if self.serving and search.config.jieba_dict_user in _USER_DICTS:
                # a second load adds every word's count to jieba's total again, so the
                # preview's next full build would cut words differently from a clean build
                search.config.jieba_dict_user = None
            elif self.serving:
                _USER_DICTS.add(search.config.jieba_dict_user)
        if CSS not in config.extra_css:
            config.extra_css.append(CSS)
        if JS not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(JS)
        self.early = None
        if not self.serving:
            docs_dir = Path(config.docs_dir)
            self.early = Early(**self._job(config, documentation_pages(docs_dir)))
        return config

    def _job(self, config: MkDocsConfig, content: list[str]) -> dict[str, object]:
        return {
            "sop_path": self.sop_path,
            "docs_dir": Path(config.docs_dir),
            "content": content,
            "lang": self.config.lang,
            "pdf": self.config.pdf and not self.serving,
            "directory_urls": config.use_directory_urls,
            "with_bundle": self.config.bundle,
        }

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        content = [f.src_uri for f in files.documentation_pages()]
        early, self.early = self.early, None
        prepared: Prepared | None = early.result(content) if early else None
        given, self.given = self.given, None
        prepared = prepared or given
        if prepared is None:
            jobs = 1 if self.serving else None  # no forking beside serve's threads
            prepared = prepare(**self._job(config, content), jobs=jobs)
        report(prepared.problems, self.sop_path)
        for uri, text in prepared.pages.items():
            files.append(File.generated(config, uri, content=text))
        for uri, data in prepared.pdfs.items():
            files.append(File.generated(config, uri, content=data))
        files.append(File.generated(config, CSS, abs_src_path=str(ASSETS / "dutybook.css")))
        files.append(File.generated(config, JS, abs_src_path=str(ASSETS / "dutybook.js")))
        # browsers ask for /favicon.ico whatever the page links; a 404 on every first visit
        if files.get_file_from_path("favicon.ico") is None:
            files.append(
                File.generated(config, "favicon.ico", abs_src_path=str(ASSETS / "favicon.ico"))
            )
        # Poster SVGs are linked only from the standalone poster sheets, so MkDocs need not
        # know them: they are made in a second process during the whole page build and
        # written into the site at the end (on_post_build).
        self.posters = qr.PendingSvgs(prepared.codes, background=not self.serving)
        self.bundle = prepared.bundle
        self.inserts = prepared.inserts
        if config.nav is None:
            config.nav = prepared.nav
        return files

    def on_build_error(self, *, error: Exception) -> None:
        for pending in (self.early, self.posters):
            if pending is not None:
                pending.cancel()
        self.early = self.posters = None

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder) -> None:
        server.watch(str(self.sop_path))

    def on_page_markdown(self, markdown: str, *, page, config: MkDocsConfig, files) -> str:
        insert = self.inserts.get(page.file.src_uri)
        return markdown if insert is None else DESK_MARKER.sub(lambda _: insert, markdown)

    def on_page_context(self, context, *, page, config: MkDocsConfig, nav):
        words = page.meta.get("aliases")
        if isinstance(words, list):
            self.aliases[page.url] = [str(w) for w in words]
        return context

    def on_post_page(self, output: str, *, page, config: MkDocsConfig) -> str:
        # Material's search overlay is a dialog without a name; screen readers announce
        # nothing useful (axe: aria-dialog-name). Name it rather than copy the partial.
        label = labels(self.config.lang)["search_dialog"]
        return output.replace(SEARCH_DIALOG, f'{SEARCH_DIALOG[:-1]} aria-label="{label}">', 1)

    @event_priority(-100)  # after Material's search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        site = Path(config.site_dir)
        index_path = site / "search" / "search_index.json"
        if index_path.is_file():
            index = json.loads(index_path.read_text(encoding="utf-8"))
            tuned = tune(index, self.aliases)
            index_path.write_text(
                json.dumps(tuned, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
            )
        if self.posters is not None:
            for uri, data in self.posters.result().items():
                (site / uri).parent.mkdir(parents=True, exist_ok=True)
                (site / uri).write_bytes(data)
            self.posters = None
        if self.bundle is not None:
            (site / "handbook.json").write_text(self.bundle, encoding="utf-8")
            self.bundle = None


def report(problems: list[Problem], sop_path: Path) -> None:
    """Print problems as `dutybook check` prints them; abort on errors."""
    problems = promote(problems, strict=False)
    if any(p.severity == ERROR for p in problems):
        click.echo(format_text(problems), err=True)
        errors = sum(p.severity == ERROR for p in problems)
        raise Abort(f"Aborted with {errors} content error{'s' * (errors != 1)} in {sop_path}")
    for problem in problems:
        log.warning(str(problem))
