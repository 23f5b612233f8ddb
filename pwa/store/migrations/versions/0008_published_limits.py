"""handbook documents keep the sites and roles each published version was for

Revision ID: h0008
Revises: h0007
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h0008"
down_revision = "h0007"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # rows noted before keep null roles (limits not known); the next publish of the same
    # version fills them in
    with op.batch_alter_table("handbook_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sites", Json, nullable=True))
        batch_op.add_column(sa.Column("roles", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handbook_documents", schema=None) as batch_op:
        batch_op.drop_column("roles")
        batch_op.drop_column("sites")
