"""`dutybook serve-docs`: MkDocs' live-reload server over a generator.live_site preview.

The server is MkDocs' own (a file watcher, a WSGI server, browsers polling for a new
version); only the builder differs, and every HTML page it serves carries a panel with the
check errors while there are any, so the author sees them on the page they are reading.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import traceback
from collections.abc import Callable
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer, _serve_url

from generator.labels import labels
from generator.live_site import LiveSite
from generator.problems import Problem

log = logging.getLogger("mkdocs.plugins.dutybook")
PANEL = (
    '<div id="dutybook-preview-errors" role="alert" style="position:fixed;z-index:1000;'
    "left:0;right:0;bottom:0;max-height:60vh;overflow:auto;background:#b71c1c;color:#fff;"
    'padding:.8em 1em;font:14px/1.5 system-ui,sans-serif">'
    '<strong>{heading}</strong><pre style="white-space:pre-wrap;margin:.5em 0 0;'
    'font:13px/1.4 monospace">{lines}</pre></div>'
)


def panel(problems: list[Problem], lang: str) -> str:
    """The errors as a panel over the page, as `dutybook check` words them."""
    lines = "\n".join(escape(str(p)) for p in problems)
    return PANEL.format(heading=escape(labels(lang)["preview_errors"]), lines=lines)


class PreviewServer(LiveReloadServer):
    """MkDocs' server; while the preview has check errors every page shows them."""

    live: LiveSite
    lang = "zh"

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        content = super()._inject_js_into_html(content, epoch)
        if not self.live.problems:
            return content
        shown = panel(self.live.problems, self.lang).encode()
        end = content.rfind(b"<script>")
        return content[:end] + shown + content[end:]


def builder(live: LiveSite, echo: Callable[[str], None]) -> Callable[[], None]:
    def build() -> None:
        try:
            live.build()
        except Exception:  # a bug or a MkDocs error: say so, start afresh next time
            echo(traceback.format_exc())
            live.state = None
            live.problems = [Problem("mkdocs.yml", 1, 1, "error", "", "the build failed")]

    return build


def _say_what_mkdocs_says() -> None:
    """MkDocs' messages (serving on, warnings, browsers reloaded) in the terminal, as
    `mkdocs serve` shows them."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "dutybook", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.dutybook = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def serve(config_file: Path, dev_addr: str, echo: Callable[[str], None] = print) -> None:
    _say_what_mkdocs_says()
    config = load_config(str(config_file), dev_addr=dev_addr)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    url = _serve_url(host, port, mount_path)
    site_dir = Path(tempfile.mkdtemp(prefix="dutybook_"))
    live = LiveSite(config_file, site_dir, url, echo)
    build = builder(live, echo)
    server = PreviewServer(
        builder=build, host=host, port=port, root=str(site_dir), mount_path=mount_path
    )
    server.live = live
    server.lang = config.plugins["dutybook"].config.lang

    def error_page(code: int) -> bytes | None:
        page = site_dir / f"{code}.html"
        body = page.read_bytes() if page.is_file() else b"<html><body></body></html>"
        return server._inject_js_into_html(body, server._visible_epoch)

    server.error_handler = error_page
    try:
        build()
        base = config_file.parent
        sop = base / config.plugins["dutybook"].config.sop_dir
        for path in (config.docs_dir, str(config_file), str(sop)):
            server.watch(path)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)
