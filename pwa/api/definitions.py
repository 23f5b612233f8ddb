"""The handbook bundle as the server sees it: read from `site/handbook.json` when built,
filtered to the caller's roles and sites, served with an ETag.

The file is re-read when its identity (inode, size, mtime) changes, so a rebuild that swaps
the site folder is picked up without a restart. Before the first build the bundle is made
from the YAML in SOP_DIR with the same shape. Each bundle version's documents are validated
once into their generator.models objects (`Bundle.documents`, `Bundle.site`), which the
dashboard reads; a document its model refuses leaves the bundle unreadable (503).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import orjson
from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel

from generator.models import KINDS, Site
from pwa.api.auth import require_user
from pwa.api.live import site_root
from pwa.errors import ApiError
from pwa.ops.desk import Desk
from pwa.ops.documents import roles_of
from pwa.store.accounts import User

bp = Blueprint("definitions", __name__, url_prefix="/api/v1")

BUNDLE = "handbook.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Definition:
    """What record validation needs to know about one document."""

    kind: str
    version: tuple[int, int] | None
    sites: frozenset[str] | None  # None: every site
    roles: frozenset[str]


@dataclass(frozen=True)
class Models:
    """A bundle's documents as generator.models objects, validated from its JSON."""

    documents: dict[str, BaseModel]
    site: Site | None


@dataclass
class Bundle:
    raw: dict
    index: dict[str, Definition] = field(default_factory=dict)
    models: Models = field(default_factory=lambda: Models({}, None))
    filtered: dict[tuple, tuple[bytes, str]] = field(default_factory=dict)

    @property
    def documents(self) -> dict[str, BaseModel]:
        """Each document as its model: a Procedure, a Checklist, the Site..."""
        return self.models.documents

    @property
    def site(self) -> Site | None:
        """The bundle's site document (`raw["site"]`) as a Site."""
        return self.models.site

    @property
    def hash(self) -> str:
        return self.raw["hash"]

    @cached_property
    def desk(self) -> Desk | None:
        """The service desk's categories and the sites' calendars; None without a desk document."""
        return Desk.from_bundle(self.raw)

    @property
    def site_ids(self) -> set[str]:
        return {p["id"] for p in (self.raw.get("site") or {}).get("properties", [])}


def parse_version(text: object) -> tuple[int, int] | None:
    if not isinstance(text, str):
        return None
    major, dot, minor = text.partition(".")
    if not (dot and major.isdigit() and minor.isdigit()):
        return None
    return int(major), int(minor)


def _index(raw: dict) -> dict[str, Definition]:
    index = {}
    for doc_id, entry in raw["documents"].items():
        sites = entry["sites"]
        index[doc_id] = Definition(
            entry["kind"],
            parse_version(entry.get("version")),
            frozenset(sites) if sites is not None else None,
            roles_of(entry),
        )
    return index


# validated models per bundle version (its hash), newest last: a rebuild that changes nothing,
# or the same handbook under another app, is not validated again
_models: dict[str, Models] = {}
KEEP_MODELS = 4


def _validate(raw: dict) -> Models:
    """Every document through its generator.models class, as JSON (dates are text there).

    The real handbook (sop/, 110 documents, 820 KiB) takes 7-9 ms, the first time in a
    process about 22 ms (pydantic builds the validators); parsing its JSON takes about 7 ms.
    """
    version = raw["hash"]
    found = _models.get(version)
    if found is None:
        documents = {
            doc_id: KINDS[entry["kind"]].model_validate_json(orjson.dumps(entry["doc"]))
            for doc_id, entry in raw["documents"].items()
        }
        site = raw.get("site")
        found = Models(documents, Site.model_validate_json(orjson.dumps(site)) if site else None)
        _models[version] = found
        while len(_models) > KEEP_MODELS:
            del _models[next(iter(_models))]
    return found


def bundle_from_sop(sop_dir: Path, content_dir: Path | None) -> dict:
    """The bundle made from the YAML when no build has written handbook.json yet."""
    from generator.bundle import bundle
    from generator.loader import load_tree

    # jobs=1: never fork a server process that may hold threads and database connections
    content = content_dir if content_dir and content_dir.is_dir() else None
    tree = load_tree(sop_dir, content, jobs=1)
    # every worker must make the same bundle: the build time is the newest file's time
    newest = max((p.stat().st_mtime for p in sop_dir.rglob("*.y*ml")), default=0)
    return bundle(tree, generated=dt.datetime.fromtimestamp(int(newest), dt.UTC))


_lock = threading.Lock()
_cache: dict[str, tuple[object, Bundle]] = {}


def current_bundle() -> Bundle:
    """The bundle now on disk (or from the YAML), cached until the file changes."""
    config = current_app.config
    path = site_root() / BUNDLE
    try:
        stat = path.stat()
        key: object = ("file", str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        # one entry for every built or published folder: a new version replaces the last
        source = "site"
    except FileNotFoundError:
        sop = Path(config["SOP_DIR"]).resolve()
        stamps = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in sop.rglob("*.y*ml")))
        key, source = ("sop", stamps), str(sop)
    cached = _cache.get(source)
    if cached and cached[0] == key:
        return cached[1]
    with _lock:
        if source == "site":
            try:
                raw = json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise ApiError(503, "The handbook bundle cannot be read; rebuild it.") from exc
        else:
            content = Path(config["CONTENT_DIR"]).resolve()
            raw = bundle_from_sop(Path(source), content)
        try:
            bundle = Bundle(raw, _index(raw), _validate(raw))
        # JSON, but not a bundle, or a document its model refuses (ValidationError)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ApiError(503, "The handbook bundle cannot be read; rebuild it.") from exc
        _cache[source] = (key, bundle)
        return bundle


def visible(user: User, definition: Definition) -> bool:
    """Whether the user's roles and sites let them see (and record against) a document."""
    if user.is_admin or definition.kind == "site":
        return True
    if definition.sites is not None and not (definition.sites & user.sites):
        return False
    return user.is_supervisor or bool(definition.roles & user.roles)


def _own_properties(site: dict, user: User) -> dict:
    return {**site, "properties": [p for p in site["properties"] if p["id"] in user.sites]}


def _without_alerts(site: dict) -> dict:
    """A site document without its alert routes: who is e-mailed is for the server alone."""
    return {**site, "properties": [_drop(p, "alerts") for p in site["properties"]]}


def _drop(values: dict, key: str) -> dict:
    return {k: v for k, v in values.items() if k != key}


def filtered(bundle: Bundle, user: User) -> tuple[bytes, str]:
    """(JSON body, ETag) of the bundle as this user sees it, memoised per roles and sites."""
    key = (user.is_admin, frozenset(user.roles), frozenset(user.sites))
    if key in bundle.filtered:
        return bundle.filtered[key]
    raw = bundle.raw
    documents = {
        doc_id: entry
        for doc_id, entry in raw["documents"].items()
        if visible(user, bundle.index[doc_id])
    }
    site = raw.get("site")
    for doc_id, entry in documents.items():
        if entry["kind"] == "site":
            documents[doc_id] = {**entry, "doc": _without_alerts(entry["doc"])}
    if site:
        site = _without_alerts(site)
    if site and not user.is_admin:
        # the organisation stays whole, but only the caller's properties are listed
        site = _own_properties(site, user)
        for doc_id, entry in documents.items():
            if entry["kind"] == "site":
                documents[doc_id] = {**entry, "doc": _own_properties(entry["doc"], user)}
    body = {**raw, "site": site, "documents": documents}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    # from the bundle hash and the filter, not the bytes: every worker answers the same ETag
    etag = sha256(f"{raw['hash']}|{sorted(key[1])}|{sorted(key[2])}|{key[0]}".encode())[:32]
    bundle.filtered[key] = (data, etag)
    return data, etag


@bp.get("/definitions")
def definitions() -> Response:
    user = require_user()
    data, etag = filtered(current_bundle(), user)
    response = Response(data, mimetype="application/json")
    response.set_etag(etag)
    # the device must revalidate each time: a new build changes the ETag at once
    response.headers["Cache-Control"] = "no-cache, private"
    response.vary.add("Authorization")
    return response.make_conditional(request)
