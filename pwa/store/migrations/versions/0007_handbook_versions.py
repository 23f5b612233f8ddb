"""handbook versions: published files by hash, each version's manifest and documents, the live one

Revision ID: h0007
Revises: r0005
Create Date: 2026-12-12 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h0007"
down_revision = "r0005"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "handbook_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_handbook_files")),
    )
    op.create_table(
        "handbook_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_hash", sa.String(length=64), nullable=False),
        sa.Column("manifest_hash", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("changes", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handbook_versions")),
    )
    with op.batch_alter_table("handbook_versions", schema=None) as batch_op:
        batch_op.create_index("ix_handbook_versions_bundle_hash", ["bundle_hash"], unique=False)
    op.create_table(
        "handbook_documents",
        sa.Column("doc_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("doc_id", "version", name=op.f("pk_handbook_documents")),
    )
    live = op.create_table(
        "handbook_live",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("manifest_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_handbook_live")),
    )
    op.bulk_insert(live, [{"name": "live", "version_id": None, "manifest_hash": None}])


def downgrade() -> None:
    op.drop_table("handbook_live")
    op.drop_table("handbook_documents")
    with op.batch_alter_table("handbook_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_handbook_versions_bundle_hash")
    op.drop_table("handbook_versions")
    op.drop_table("handbook_files")
