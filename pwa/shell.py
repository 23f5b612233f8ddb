"""The offline app: its shell page, web manifest, static files and the root-scope service worker."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, render_template, send_from_directory, url_for

from pwa.api.definitions import current_bundle
from pwa.api.live import site_root
from pwa.compress import gzip_file
from pwa.errors import ApiError

bp = Blueprint("shell", __name__, template_folder="templates")

STATIC = Path(__file__).with_name("static")
# Handbook files the device never needs offline: print PDFs are large and the
# app reads definitions from the API, not from the raw bundle.
SKIP_SUFFIXES = (".pdf", ".gz", ".map")
SKIP_NAMES = {"handbook.json", "LICENSE", "README.md"}

# Revisions by (path, size, mtime): hashing the handbook on every /sw.js request would
# cost ~0.1 s per thousand pages; a rebuilt file gets a new mtime and is hashed again.
_revisions: dict[tuple[str, int, int], str] = {}


def _revision(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    rev = _revisions.get(key)
    if rev is None:
        rev = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        _revisions[key] = rev
    return rev


def _walk(root: Path, prefix: str, keep=lambda _rel: True) -> list[tuple[str, str]]:
    if not root.is_dir():
        return []
    entries = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in SKIP_NAMES or path.suffix in SKIP_SUFFIXES:
            continue
        rel = path.relative_to(root).as_posix()
        if keep(rel):
            entries.append((prefix + rel, _revision(path)))
    return entries


LUNR = "assets/javascripts/lunr/"
_languages: dict[tuple[str, int, int], list[str]] = {}


def lunr_scripts(languages: list[str]) -> set[str]:
    """The scripts under LUNR that Material's search worker loads for the index's languages
    (its `setupSearchLanguages`): none for English alone, so the 0.9 MB of segmenters and
    stemmers for other languages need not cross a phone's link."""
    scripts = set()
    for lang in languages:
        if lang == "ja":
            scripts.add("tinyseg.js")
        elif lang in ("hi", "th"):
            scripts.add("wordcut.js")
        if lang != "en":
            scripts.add(f"min/lunr.{lang}.min.js")
    if len(languages) > 1:
        scripts.add("min/lunr.multi.min.js")
    if scripts:
        scripts.add("min/lunr.stemmer.support.min.js")
    return scripts


def _handbook_keep(site: Path):
    """Which handbook files to precache: all but the search languages the index does not use
    (all of them when the index cannot be read)."""
    index = site / "search" / "search_index.json"
    try:
        stat = index.stat()
        key = (str(index), stat.st_size, stat.st_mtime_ns)
        if key not in _languages:
            _languages.clear()
            _languages[key] = list(json.loads(index.read_bytes())["config"]["lang"])
    except (OSError, ValueError, KeyError, TypeError):
        return lambda _rel: True
    needed = {LUNR + name for name in lunr_scripts(_languages[key])}
    return lambda rel: not rel.startswith(LUNR) or rel in needed


def site_dir() -> Path:
    """The handbook folder served now: the live published version's, else SITE_DIR."""
    return site_root()


# Every module the entry module reaches, fetched at once: offline, each level of imports
# found one by one costs a round trip through the service worker (the worker script and
# the entry itself are not preloaded).
PRELOAD = sorted(
    f"/app/static/app/{p.name}"
    for p in (STATIC / "app").glob("*.js")
    if p.name not in ("main.js", "writer.js")
)


def _shell_html() -> str:
    return render_template("app/index.html", preload=PRELOAD)


EMERGENCY_URL = "/app/emergency.json"
# what a plan's screen needs from the site document: contact numbers and role names
EMERGENCY_SITE_KEYS = ("id", "title", "properties", "roles", "contacts")


def emergency_part() -> dict | None:
    """The emergency plans and the site's contacts, for a phone with nobody signed in.

    A plan and its call buttons must never wait for a login, so this part of the bundle is
    public and precached. It holds nothing the public handbook pages do not already show
    (no courses, so no quiz answers).
    """
    try:
        raw = current_bundle().raw
    except ApiError:  # no readable bundle yet: the shell still installs
        return None
    site = raw.get("site") or {}
    return {
        "format": raw["format"],
        "hash": raw["hash"],
        "site": {key: site[key] for key in EMERGENCY_SITE_KEYS if key in site},
        "documents": {
            doc_id: entry
            for doc_id, entry in raw["documents"].items()
            if entry["kind"] == "emergency"
        },
    }


def _emergency_body(plans: dict) -> bytes:
    return json.dumps(plans, ensure_ascii=False, sort_keys=True).encode()


def precache_manifest() -> list[tuple[str, str]]:
    """Every URL the device keeps offline, with a content revision: app shell, then handbook."""
    shell = _shell_html().encode()
    manifest = [("/app/", hashlib.sha256(shell).hexdigest()[:16])]
    manifest.append(("/app/manifest.webmanifest", _webmanifest_revision()))
    plans = emergency_part()
    if plans is not None:
        # from the body, not the bundle hash: that one leaves out the site's phone numbers
        manifest.append((EMERGENCY_URL, hashlib.sha256(_emergency_body(plans)).hexdigest()[:16]))
    manifest += _walk(STATIC, "/app/static/")
    manifest += _walk(site_dir(), "/", _handbook_keep(site_dir()))
    return manifest


def _webmanifest() -> dict:
    return {
        "name": "值班本 Dutybook",
        "short_name": "值班本",
        "description": "离线检查表、巡更、异常上报与应急预案",
        "lang": "zh-CN",
        "start_url": "/app/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            {"src": "/app/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {
                "src": "/app/static/icons/icon-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }


def _webmanifest_revision() -> str:
    body = json.dumps(_webmanifest(), sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:16]


@bp.get("/app/")
def index() -> Response:
    resp = Response(_shell_html(), mimetype="text/html")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/app/manifest.webmanifest")
def webmanifest() -> Response:
    body = json.dumps(_webmanifest(), ensure_ascii=False)
    return Response(body, mimetype="application/manifest+json")


@bp.get(EMERGENCY_URL)
def emergency() -> Response:
    plans = emergency_part()
    if plans is None:
        raise ApiError(503, "The handbook bundle cannot be read; rebuild it.")
    resp = Response(_emergency_body(plans), mimetype="application/json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/app/static/<path:filename>")
def static(filename: str) -> Response:
    resp = send_from_directory(STATIC, filename, max_age=0)
    if filename.endswith(".wasm"):
        resp.mimetype = "application/wasm"
    return gzip_file(resp, STATIC / filename)


@bp.get("/sw.js")
def service_worker() -> Response:
    manifest = precache_manifest()
    version = hashlib.sha256(json.dumps(manifest).encode()).hexdigest()[:16]
    body = render_template(
        "app/sw.js",
        manifest=json.dumps(manifest, separators=(",", ":")),
        version=version,
        shell_url=url_for("shell.index"),
    )
    resp = Response(body, mimetype="text/javascript")
    # The worker lives at the root so it can also serve the handbook pages offline.
    resp.headers["Service-Worker-Allowed"] = "/"
    resp.headers["Cache-Control"] = "no-cache"
    return resp
