"""The store's tables: users and their roles and sites, tokens, login attempts, records, blobs,
the service desk's tickets, the alerts' outbox and sender lease."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

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


class WritingTransaction(FunctionElement):
    """The number `records.txn` takes for a row stored by the current transaction.

    PostgreSQL: the transaction's own id (xid8, never wraps), which the migration also sets as
    the column's server default for the record store's raw insert. SQLite has one writer at a
    time, so one more than the largest number stored is in commit order. The record store's
    cursor (`pwa.store.records.page`) says why either is enough.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(WritingTransaction, "postgresql")
def _pg_transaction(_element, _compiler, **_kw) -> str:
    return "pg_current_xact_id()::text::bigint"


@compiles(WritingTransaction, "sqlite")
def _sqlite_transaction(_element, _compiler, **_kw) -> str:
    return "(SELECT coalesce(max(txn), 0) + 1 FROM records)"


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
    # the transaction that stored the row, in the order the cursor reads (`WritingTransaction`)
    Column("txn", BigInteger, nullable=False, default=WritingTransaction()),
    Index("ix_records_site_recorded_at", "site", "recorded_at"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    # the first uploader; None for a resident's photo (residents have no account)
    Column("user_id", ForeignKey("users.id")),
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
# the cursor's order, for one site and for every site
Index("ix_records_site_txn_id", records.c.site, records.c.txn, records.c.id)
Index("ix_records_txn_id", records.c.txn, records.c.id)

# The service desk. A ticket's facts as reported, and its state derived from its event log
# (pwa.ops.tickets), kept on the row so the open list and the month figures are one query.
tickets = Table(
    "tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("site", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("grp", String(16), nullable=False),
    # phone | visit | resident | staff
    Column("source", String(16), nullable=False),
    Column("room", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("photos", Json, nullable=False),
    # sha256 of the resident's status link token; None for tickets registered without one
    Column("token_hash", String(64), unique=True),
    # a hash of the address a resident reported from, for the rate limit
    Column("reported_from", String(64)),
    Column("exception_id", String(36)),
    Column("def_version", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee", String(64)),
    Column("pool", String(32)),
    Column("respond_due", DateTime),
    Column("respond_stop", DateTime),
    Column("respond_minutes", Float),
    Column("on_site_due", DateTime),
    Column("on_site_stop", DateTime),
    Column("on_site_minutes", Float),
    Column("close_due", DateTime),
    Column("close_stop", DateTime),
    Column("close_minutes", Float),
    Column("closed_at", DateTime),
    Column("reopened", Integer, nullable=False, default=0),
    Column("rating", String(16)),
    Column("called_back", Boolean, nullable=False, default=False),
    Column("flagged", Integer, nullable=False, default=0),
)
Index("ix_tickets_site_status_close_due", tickets.c.site, tickets.c.status, tickets.c.close_due)
Index("ix_tickets_site_created_at", tickets.c.site, tickets.c.created_at)
Index("ix_tickets_assignee_status", tickets.c.assignee, tickets.c.status)
Index("ix_tickets_phone_created_at", tickets.c.phone, tickets.c.created_at)
Index("ix_tickets_reported_from_created_at", tickets.c.reported_from, tickets.c.created_at)

# Every event of every ticket, append-only; its id is the client's, so a resend is a replay.
ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    # when it happened, as the actor says, kept between the ticket's creation and its arrival
    Column("at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # a username, or "resident"
    Column("actor", String(64), nullable=False),
    Column("user_id", ForeignKey("users.id")),
    Column("data", Json, nullable=False),
    Column("content_hash", String(64), nullable=False),
    # why the derived state could not take it (kept, never dropped); None when it fit
    Column("flag", String(64)),
)

# The last ticket number given per site and day: LY-20261201-007.
ticket_numbers = Table(
    "ticket_numbers",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("day", String(8), primary_key=True),
    Column("last", Integer, nullable=False),
)

# The photos a ticket was reported with: staff of the ticket's site may read them.
ticket_photos = Table(
    "ticket_photos",
    metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("sha256", ForeignKey("blobs.sha256"), primary_key=True, index=True),
)

# Alerts. The outbox: one row per alert and route, unique on what it is about (kind, site,
# subject, period) and where it goes, so finding the same thing twice queues it once; a row
# stays until it is sent, retried with back-off while the robot or mail server is down.
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # kind|site|subject|period: what the alert is about
    Column("about", String(255), nullable=False),
    # the route's identity (channel and its variable or recipients), hashed to a fixed length
    Column("route", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("site", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    # the variable's name or the recipients, never the URL or the secret
    Column("target", String(500), nullable=False),
    Column("secret_env", String(64)),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    # pending → sent, or failed once the attempts run out
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", DateTime, nullable=False),
    Column("last_error", String(500)),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    UniqueConstraint("about", "route", name="uq_alert_outbox_about_route"),
    Index("ix_alert_outbox_status_next_at", "status", "next_at"),
    Index("ix_alert_outbox_created_at", "created_at"),
)

# Who may send: one row per lease, taken with one atomic UPDATE while free or expired, so of
# several app servers one sends at a time and another takes over when it stops renewing.
alert_leases = Table(
    "alert_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(128)),
    Column("expires_at", DateTime, nullable=False),
)

# The published handbook (`dutybook publish`): every file of every version once, by the sha256
# of its bytes (zlib-compressed here), so a version that changes one page stores that page, its
# search index and handbook.json; each version's manifest (path → sha256) and who, when, what.
handbook_files = Table(
    "handbook_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    # the file's own length; `data` is shorter, compressed
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)

# Append-only: a rollback is a new version with an older version's manifest.
handbook_versions = Table(
    "handbook_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bundle_hash", String(64), nullable=False),
    # sha256 of the manifest: the name of each server's cache folder of these files
    Column("manifest_hash", String(64), nullable=False),
    # {path: sha256}, JSON compressed with zlib
    Column("manifest", LargeBinary, nullable=False),
    Column("files", Integer, nullable=False),
    Column("size", BigInteger, nullable=False),
    # bytes of handbook_files this publish added (what the version cost the database)
    Column("stored", BigInteger, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("note", Text, nullable=False, default=""),
    # the version whose content a rollback made live again
    Column("rollback_of", Integer),
    # what changed from the version live before it (pwa.ops.handbook_changes)
    Column("changes", Json, nullable=False),
    Index("ix_handbook_versions_bundle_hash", "bundle_hash"),
)

# Every (document, version) ever published, its kind, and the sites and roles it was for: a
# record made against a version no longer live (a rollback, a document taken out) still names
# one the handbook had, and is held to that version's limits. `sites` null: every site;
# `roles` null: noted before the limits were kept (migration 0008), so not known.
handbook_documents = Table(
    "handbook_documents",
    metadata,
    Column("doc_id", String(64), primary_key=True),
    Column("version", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("sites", Json),
    Column("roles", Json),
)

# The one row naming the live version; publishing updates it first, which serialises publishes.
handbook_live = Table(
    "handbook_live",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("version_id", Integer),
    Column("manifest_hash", String(64)),
)
