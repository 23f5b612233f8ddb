"""tickets: the service desk's tickets, their events and numbers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_numbers",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "day", name=op.f("pk_ticket_numbers")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("grp", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "photos",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("reported_from", sa.String(length=64), nullable=True),
        sa.Column("exception_id", sa.String(length=36), nullable=True),
        sa.Column("def_version", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("pool", sa.String(length=32), nullable=True),
        sa.Column("respond_due", sa.DateTime(), nullable=True),
        sa.Column("respond_stop", sa.DateTime(), nullable=True),
        sa.Column("respond_minutes", sa.Float(), nullable=True),
        sa.Column("on_site_due", sa.DateTime(), nullable=True),
        sa.Column("on_site_stop", sa.DateTime(), nullable=True),
        sa.Column("on_site_minutes", sa.Float(), nullable=True),
        sa.Column("close_due", sa.DateTime(), nullable=True),
        sa.Column("close_stop", sa.DateTime(), nullable=True),
        sa.Column("close_minutes", sa.Float(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("called_back", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tickets_token_hash")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_assignee_status", ["assignee", "status"], unique=False)
        batch_op.create_index("ix_tickets_phone_created_at", ["phone", "created_at"], unique=False)
        batch_op.create_index(
            "ix_tickets_reported_from_created_at", ["reported_from", "created_at"], unique=False
        )
        batch_op.create_index("ix_tickets_site_created_at", ["site", "created_at"], unique=False)
        batch_op.create_index(
            "ix_tickets_site_status_close_due", ["site", "status", "close_due"], unique=False
        )

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("flag", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ticket_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_photos",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name=op.f("fk_ticket_photos_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_photos_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "sha256", name=op.f("pk_ticket_photos")),
    )
    with op.batch_alter_table("ticket_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_photos_sha256"), ["sha256"], unique=False)
    # a resident's photo has no uploader account
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("ticket_photos")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_site_status_close_due")
        batch_op.drop_index("ix_tickets_site_created_at")
        batch_op.drop_index("ix_tickets_reported_from_created_at")
        batch_op.drop_index("ix_tickets_phone_created_at")
        batch_op.drop_index("ix_tickets_assignee_status")

    op.drop_table("tickets")
    op.drop_table("ticket_numbers")
