"""dashboard: exception workflow events; indexes for a site's day, exceptions and devices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exception_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_exception_events_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exception_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_events")),
    )
    with op.batch_alter_table("exception_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exception_events_record_id"), ["record_id"], unique=False
        )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_site_def_id_type_recorded_at",
            ["site", "def_id", "type", "recorded_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_records_site_type_recorded_at", ["site", "type", "recorded_at"], unique=False
        )
        batch_op.create_index(
            "ix_records_site_received_at",
            ["site", "received_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_site_received_at")
        batch_op.drop_index("ix_records_site_type_recorded_at")
        batch_op.drop_index("ix_records_site_def_id_type_recorded_at")
    with op.batch_alter_table("exception_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_events_record_id"))
    op.drop_table("exception_events")
