"""Every read and write of the published handbook: its files by hash (`handbook_files`), its
versions with their manifests (`handbook_versions`) and the live one (`handbook_live`).

A file's bytes are kept once, zlib-compressed, whichever versions name it. The live row is
updated first by every publish (`lock_live`), so on PostgreSQL two publishes at once take
turns and each sees the other's version as the one before it; SQLite's writer takes its lock
at BEGIN IMMEDIATE.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pwa.store.models import handbook_documents, handbook_files, handbook_live, handbook_versions

LIVE = "live"
# hashes per query when reading or looking up many files
CHUNK = 500


@dataclass(frozen=True)
class Live:
    """The version every server serves, and the name of its files' cache folder."""

    version_id: int
    manifest_hash: str


def _insert(conn: Connection, table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def live(conn: Connection) -> Live | None:
    """The live version (one primary-key read: servers ask every few seconds), or None."""
    row = conn.execute(
        select(handbook_live.c.version_id, handbook_live.c.manifest_hash).where(
            handbook_live.c.name == LIVE
        )
    ).first()
    if row is None or row.version_id is None:
        return None
    return Live(row.version_id, row.manifest_hash)


def lock_live(conn: Connection) -> Live | None:
    """Take the live row for this transaction (other publishes wait) and answer it."""
    conn.execute(
        _insert(conn, handbook_live)
        .values(name=LIVE, version_id=None, manifest_hash=None)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    conn.execute(
        update(handbook_live)
        .where(handbook_live.c.name == LIVE)
        .values(version_id=handbook_live.c.version_id)
    )
    return live(conn)


def set_live(conn: Connection, version_id: int, manifest_hash: str) -> None:
    conn.execute(
        update(handbook_live)
        .where(handbook_live.c.name == LIVE)
        .values(version_id=version_id, manifest_hash=manifest_hash)
    )


def missing(conn: Connection, hashes: Iterable[str]) -> set[str]:
    """Those of `hashes` whose file is not stored yet."""
    wanted = sorted(set(hashes))
    present: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        present.update(
            conn.scalars(select(handbook_files.c.sha256).where(handbook_files.c.sha256.in_(part)))
        )
    return set(wanted) - present


def add_files(conn: Connection, files: Mapping[str, bytes], now: dt.datetime) -> int:
    """Store each file (sha256 → bytes) not stored yet; answers the bytes written."""
    written = 0
    rows = []
    for sha, data in files.items():
        packed = zlib.compress(data, 6)
        written += len(packed)
        rows.append({"sha256": sha, "size": len(data), "data": packed, "created_at": now})
    for start in range(0, len(rows), CHUNK):
        conn.execute(
            _insert(conn, handbook_files).on_conflict_do_nothing(index_elements=["sha256"]),
            rows[start : start + CHUNK],
        )
    return written


def file_data(conn: Connection, hashes: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """(sha256, bytes) of each stored file of `hashes`, a chunk of rows in memory at a time."""
    wanted = sorted(set(hashes))
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        rows = conn.execute(
            select(handbook_files.c.sha256, handbook_files.c.data).where(
                handbook_files.c.sha256.in_(part)
            )
        )
        for sha, data in rows:
            yield sha, zlib.decompress(data)


def pack_manifest(manifest: Mapping[str, str]) -> bytes:
    return zlib.compress(orjson.dumps(dict(sorted(manifest.items()))), 9)


def add_version(conn: Connection, manifest: Mapping[str, str], **fields: object) -> int:
    """A new row of the log; answers its id. `fields` are the other columns."""
    values = {**fields, "manifest": pack_manifest(manifest), "files": len(manifest)}
    return conn.execute(
        handbook_versions.insert().values(**values).returning(handbook_versions.c.id)
    ).scalar_one()


SUMMARY = [c for c in handbook_versions.c if c.name != "manifest"]
# an id past the column's range names no version (and must not reach the driver)
MAX_ID = 2**31 - 1


def version(conn: Connection, version_id: int) -> Row | None:
    """One version's row without its manifest."""
    if not 0 <= version_id <= MAX_ID:
        return None
    return conn.execute(select(*SUMMARY).where(handbook_versions.c.id == version_id)).first()


def versions(conn: Connection, limit: int = 200) -> list[Row]:
    """The log, newest first, without manifests."""
    query = select(*SUMMARY).order_by(handbook_versions.c.id.desc()).limit(limit)
    return list(conn.execute(query))


def count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(handbook_versions)) or 0


def manifest(conn: Connection, version_id: int) -> dict[str, str] | None:
    if not 0 <= version_id <= MAX_ID:
        return None
    packed = conn.scalar(
        select(handbook_versions.c.manifest).where(handbook_versions.c.id == version_id)
    )
    return orjson.loads(zlib.decompress(packed)) if packed is not None else None


def latest_with_bundle(conn: Connection, bundle_hash: str) -> int | None:
    """The newest version whose bundle is `bundle_hash` (what a phone last saw), or None."""
    return conn.scalar(
        select(func.max(handbook_versions.c.id)).where(
            handbook_versions.c.bundle_hash == bundle_hash
        )
    )


@dataclass(frozen=True)
class Noted:
    """One (document, version) a version published: its kind, and whom it was for."""

    doc_id: str
    version: str
    kind: str
    sites: list[str] | None  # None: every site
    roles: list[str] | None  # None: noted before the limits were kept


def add_documents(conn: Connection, documents: Iterable[Noted]) -> None:
    """Note each document version a version publishes; those noted before stay (a row noted
    before the limits were kept gets them now)."""
    rows = [
        {"doc_id": d.doc_id, "version": d.version, "kind": d.kind, "sites": d.sites,
         "roles": d.roles}
        for d in documents
    ]  # fmt: skip
    table = handbook_documents
    for start in range(0, len(rows), CHUNK):
        insert = _insert(conn, table)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["doc_id", "version"],
                set_={"sites": insert.excluded.sites, "roles": insert.excluded.roles},
                where=table.c.roles.is_(None),
            ),
            rows[start : start + CHUNK],
        )


def published(conn: Connection, doc_id: str, version: str) -> Noted | None:
    """`doc_id` at `version` if any version of the handbook had it, else None."""
    row = conn.execute(
        select(
            handbook_documents.c.kind, handbook_documents.c.sites, handbook_documents.c.roles
        ).where(handbook_documents.c.doc_id == doc_id, handbook_documents.c.version == version)
    ).first()
    return None if row is None else Noted(doc_id, version, row.kind, row.sites, row.roles)
