"""The store's tables: users and their roles and sites, tokens, login attempts, records, blobs."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from pwa.clock import utcnow

# stable constraint names so Alembic migrations match on both databases
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    # bumped on password reset and disable: signs out every cookie session
    Column("session_epoch", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

user_sites = Table(
    "user_sites",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site", String(64), primary_key=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    # sha256 of the bearer token: a leaked database does not leak usable tokens
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("device_id", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False, default=utcnow),
    Column("expires_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", DateTime, nullable=False, default=utcnow),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_username_at", "username", "at"),
    Index("ix_login_attempts_address_at", "address", "at"),
)

records = Table(
    "records",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("def_id", String(64), nullable=False),
    Column("def_version", String(16), nullable=False),
    Column("site", String(64), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("data", Json, nullable=False),
    # sha256 of the record as sent (canonical JSON) plus its author: replay vs conflict
    Column("content_hash", String(64), nullable=False),
    # e.g. "clock": recorded_at far from the server clock, kept for a person to judge
    Column("flags", String(64)),
    Index("ix_records_site_recorded_at", "site", "recorded_at"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)

# Who may read a photo: everyone who uploaded its bytes. Blobs are content-addressed, so two
# people photographing the same thing (or resending a shared picture) upload one blob; the
# row of blobs keeps only the first uploader.
blob_access = Table(
    "blob_access",
    metadata,
    Column("sha256", ForeignKey("blobs.sha256"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)

# The dashboard's exception workflow: one row per change, records stay append-only.
exception_events = Table(
    "exception_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", ForeignKey("records.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", DateTime, nullable=False, default=utcnow),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # None: a note only, the status stays
    Column("status", String(16)),
    Column("assignee", String(64)),
    Column("note", Text),
)

# the dashboard reads a site's day, its open exceptions and its devices' last sync; without
# these a year of records turns each of those into a scan of the whole table
Index(
    "ix_records_site_def_id_type_recorded_at",
    records.c.site,
    records.c.def_id,
    records.c.type,
    records.c.recorded_at,
)
Index("ix_records_site_type_recorded_at", records.c.site, records.c.type, records.c.recorded_at)
Index("ix_records_site_received_at", records.c.site, records.c.received_at)
