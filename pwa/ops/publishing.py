"""Publishing the built handbook into the database, and serving the live version from it.

A publish is a folder (`dutybook publish --database-url`) or a tar.gz of one (the upload
endpoint) holding `site/` as `dutybook build` made it. Its files are stored by sha256 (only
those not stored before), its manifest becomes a new version with what changed since the live
one, and that version becomes live, in one transaction. Each app server writes the live
version's files once into a cache folder named by the manifest's hash (`materialize`): built
beside it and renamed into place, so no request ever sees half a version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import shutil
import tarfile
import time
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from pwa.ops.documents import roles_of
from pwa.ops.handbook_changes import changes
from pwa.store import versions

BUNDLE = "handbook.json"
# files read and stored per batch while publishing
BATCH = 200


class PublishError(Exception):
    """Why a site or an archive cannot be published; `lines` name each problem."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lines = lines or []


@dataclass(frozen=True)
class Limits:
    files: int = 50_000
    unpacked: int = 1024 * 1024 * 1024


@dataclass
class Files:
    """A site to publish: its manifest (path → sha256) and how to read a file by its hash."""

    manifest: dict[str, str]
    sizes: dict[str, int]
    read: Callable[[str], bytes]
    # the total, when the sizes are not at hand (a stored version published again)
    known_size: int | None = None

    @property
    def size(self) -> int:
        if self.known_size is not None:
            return self.known_size
        return sum(self.sizes[sha] for sha in self.manifest.values())

    def bundle_bytes(self) -> bytes:
        if BUNDLE not in self.manifest:
            raise PublishError(f"the site has no {BUNDLE}: build it with `dutybook build`")
        return self.read(self.manifest[BUNDLE])


@dataclass(frozen=True)
class Published:
    version_id: int
    bundle_hash: str
    summary: dict
    stored: int
    unchanged: bool = False


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_hash(manifest: Mapping[str, str]) -> str:
    return sha256(orjson.dumps(dict(sorted(manifest.items()))))


def _safe(name: str) -> str | None:
    """The archive member's path inside the site, or None when it would leave it."""
    if "\\" in name or "\x00" in name:
        return None
    path = posixpath.normpath(name.removeprefix("./"))
    if path in (".", "") or path.startswith("/") or path.split("/")[0] == "..":
        return None
    return path


def from_folder(root: Path) -> Files:
    """The files of a built site folder, hashed; read again from disk when stored."""
    manifest, sizes, paths = {}, {}, {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        sha = sha256(data)
        rel = path.relative_to(root).as_posix()
        manifest[rel], sizes[sha], paths[sha] = sha, len(data), path
    return Files(manifest, sizes, lambda sha: paths[sha].read_bytes())


def pack_folder(root: Path) -> bytes:
    """A tar.gz of the site folder, paths relative to it, for the upload."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
    return buffer.getvalue()


def from_archive(data: bytes, limits: Limits = Limits()) -> Files:
    """The files of an uploaded tar.gz of the site; PublishError when it is not one."""
    blobs: dict[str, bytes] = {}
    manifest: dict[str, str] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                path = _safe(member.name)
                if not member.isfile() or path is None:
                    raise PublishError(f"the archive holds {member.name!r}, not a file of the site")
                if len(manifest) >= limits.files:
                    raise PublishError(f"the archive holds more than {limits.files} files")
                total += member.size
                if total > limits.unpacked:
                    raise PublishError(f"the archive unpacks to more than {limits.unpacked} bytes")
                content = tar.extractfile(member).read()
                sha = sha256(content)
                manifest[path] = sha
                blobs[sha] = content
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise PublishError(f"the body is not a tar.gz of the site: {exc}") from None
    if not manifest:
        raise PublishError("the archive is empty")
    return Files(manifest, {s: len(b) for s, b in blobs.items()}, blobs.__getitem__)


def check_bundle(data: bytes) -> dict:
    """The bundle of a site to publish, each document through its model; PublishError if not."""
    from generator.models import KINDS

    try:
        raw = json.loads(data)
        documents = raw["documents"]
        bundle_hash = raw["hash"]
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"{BUNDLE} is not a handbook bundle") from None
    if not isinstance(bundle_hash, str) or not isinstance(documents, dict):
        raise PublishError(f"{BUNDLE} is not a handbook bundle")
    lines = []
    for doc_id, entry in sorted(documents.items()):
        model = KINDS.get(entry.get("kind")) if isinstance(entry, dict) else None
        if model is None:
            lines.append(f"{BUNDLE}: {doc_id}: unknown kind")
            continue
        try:
            model.model_validate_json(orjson.dumps(entry.get("doc")))
        except ValueError as exc:
            for error in getattr(exc, "errors", lambda **_: [])(include_url=False):
                loc = ".".join(str(p) for p in error["loc"])
                lines.append(f"{BUNDLE}: {doc_id}: {loc}: {error['msg']}")
    if lines:
        raise PublishError(f"{BUNDLE} holds documents that do not pass their checks", lines)
    return raw


def _pages(manifest: Mapping[str, str]) -> dict[str, str]:
    """The manifest without handbook.json, whose build time changes with every build."""
    return {path: sha for path, sha in manifest.items() if path != BUNDLE}


def bundle_of(conn, manifest: Mapping[str, str]) -> dict | None:
    """A stored version's bundle, from its handbook.json."""
    sha = manifest.get(BUNDLE)
    found = dict(versions.file_data(conn, [sha])) if sha else {}
    return json.loads(found[sha]) if sha in found else None


def publish(
    conn,
    files: Files,
    who: str,
    now: dt.datetime,
    note: str = "",
    rollback_of: int | None = None,
    bundle: dict | None = None,
) -> Published:
    """Store the files, log the version and make it live, in the caller's transaction.

    The live version's content again (the same bundle and pages; a rebuild differs only in
    handbook.json's build time) publishes nothing (`unchanged`)."""
    new_bundle = bundle if bundle is not None else check_bundle(files.bundle_bytes())
    previous = versions.lock_live(conn)
    old_bundle = None
    if previous is not None:
        row = versions.version(conn, previous.version_id)
        old_manifest = versions.manifest(conn, previous.version_id) or {}
        if row.bundle_hash == new_bundle["hash"] and _pages(old_manifest) == _pages(files.manifest):
            return Published(row.id, row.bundle_hash, row.changes, 0, unchanged=True)
        old_bundle = bundle_of(conn, old_manifest)
    need = sorted(versions.missing(conn, files.manifest.values()))
    stored = 0
    for start in range(0, len(need), BATCH):
        part = need[start : start + BATCH]
        stored += versions.add_files(conn, {sha: files.read(sha) for sha in part}, now)
    digest = manifest_hash(files.manifest)
    summary = changes(old_bundle, new_bundle)
    version_id = versions.add_version(
        conn,
        files.manifest,
        bundle_hash=new_bundle["hash"],
        manifest_hash=digest,
        size=files.size,
        stored=stored,
        published_at=now,
        published_by=who,
        note=note,
        rollback_of=rollback_of,
        changes=summary,
    )
    versions.add_documents(
        conn,
        [versions.Noted(doc_id, entry.get("version") or "", entry.get("kind") or "",
                        entry.get("sites"), sorted(roles_of(entry)))
         for doc_id, entry in new_bundle["documents"].items()],
    )  # fmt: skip
    versions.set_live(conn, version_id, digest)
    return Published(version_id, new_bundle["hash"], summary, stored)


def republish(conn, version_id: int, who: str, now: dt.datetime, note: str = "") -> Published:
    """Make an earlier version live again: a new version of its content (the log only grows)."""
    manifest = versions.manifest(conn, version_id)
    if manifest is None:
        raise PublishError(f"no version {version_id}")
    bundle = bundle_of(conn, manifest)
    size = versions.version(conn, version_id).size
    files = Files(manifest, {}, lambda sha: b"", size)  # every file is stored already
    return publish(conn, files, who, now, note, rollback_of=version_id, bundle=bundle)


def materialize(conn, live: versions.Live, root: Path) -> Path:
    """The live version's files in `root/<manifest hash>/`, written once per server."""
    target = root / live.manifest_hash
    if (target / BUNDLE).is_file():
        return target
    manifest = versions.manifest(conn, live.version_id) or {}
    root.mkdir(parents=True, exist_ok=True)
    temporary = root / f".{live.manifest_hash}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    by_hash: dict[str, list[str]] = {}
    for path, sha in manifest.items():
        by_hash.setdefault(sha, []).append(path)
    try:
        for sha, data in versions.file_data(conn, by_hash):
            for path in by_hash[sha]:
                if _safe(path) != path:
                    continue
                out = temporary / path
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
        temporary.mkdir(parents=True, exist_ok=True)
        os.rename(temporary, target)
    except OSError:
        # another worker renamed its copy into place first: that one serves
        if not (target / BUNDLE).is_file():
            raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    prune(root, target, time.time())
    return target


# cache folders of earlier versions kept: another worker may still serve one for a few seconds
KEEP_FOLDERS = 3
KEEP_SECONDS = 3600


def prune(root: Path, live: Path, now: float) -> list[Path]:
    """Remove the cache folders of versions no longer live, past the newest few and an hour
    old; answers those removed."""
    folders = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != live),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = []
    for folder in folders[KEEP_FOLDERS - 1 :]:
        if now - folder.stat().st_mtime > KEEP_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def upload(url: str, token: str, archive: bytes, note: str = "", timeout: float = 300) -> dict:
    """POST the archive to a server's `/api/v1/handbook/versions`; its JSON answer.

    PublishError carries the server's message and detail lines on a 4xx or 5xx."""
    import urllib.error
    import urllib.parse
    import urllib.request

    endpoint = url.rstrip("/") + "/api/v1/handbook/versions"
    request = urllib.request.Request(
        endpoint,
        data=archive,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/gzip",
            "X-Dutybook-Note": urllib.parse.quote(note),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read())
        except ValueError:
            body = {}
        message = body.get("message") or f"HTTP {exc.code}"
        lines = [d.get("msg", "") for d in body.get("details", [])]
        raise PublishError(f"{endpoint} answered {exc.code}: {message}", lines) from None
    except (urllib.error.URLError, OSError) as exc:
        raise PublishError(f"cannot reach {endpoint}: {exc}") from None


def describe(answer: Mapping) -> str:
    """One line on what a publish did, for the command line and CI logs."""
    summary = answer["changes"]
    if answer.get("unchanged"):
        return f"nothing to publish: version {answer['version']} is live with the same files"
    return (
        f"published version {answer['version']}: {summary['count']} change(s), "
        f"{summary['major']} MAJOR; {len(summary['added'])} added, "
        f"{len(summary['removed'])} removed, {len(summary['changed'])} changed; "
        f"{answer['stored']} bytes stored"
    )


def into_database(url: str, site: Path, who: str, note: str = "") -> dict:
    """Publish a built site folder straight into the database at `url` (no server needed)."""
    from sqlalchemy.exc import SQLAlchemyError

    from pwa.clock import utcnow
    from pwa.store.db import make_engine, transaction

    engine = make_engine(url)
    try:
        with transaction(engine) as conn:
            done = publish(conn, from_folder(site), who, utcnow(), note)
    except SQLAlchemyError as exc:
        raise PublishError(
            f"cannot publish into the database (run `dutybook db upgrade`): {exc}"
        ) from None
    finally:
        engine.dispose()
    return {
        "version": done.version_id,
        "unchanged": done.unchanged,
        "changes": done.summary,
        "stored": done.stored,
    }
