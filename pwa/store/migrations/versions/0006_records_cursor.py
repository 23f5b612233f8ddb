"""records.txn: the transaction that stored each record, the order the cursor reads in

Revision ID: r0005
Revises: a0005
Create Date: 2026-12-08 12:00:00

Records stored before this revision are numbered 0: they come first, in id order. From here on
PostgreSQL numbers a row by its transaction's id (the column's default) and SQLite by one more
than the largest number stored (the record store passes it; a trigger refuses a row that
leaves the column to its default, which could put it behind a cursor already handed out).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "a0005"
branch_labels = None
depends_on = None

PG_DEFAULT = "(pg_current_xact_id()::text::bigint)"
SQLITE_GUARD = """
CREATE TRIGGER records_txn_given BEFORE INSERT ON records WHEN NEW.txn = 0
BEGIN
    SELECT RAISE(ABORT, 'records.txn must be given: the cursor would skip this row');
END
"""


def upgrade() -> None:
    # a constant default fills the rows already stored without rewriting the table
    op.add_column("records", sa.Column("txn", sa.BigInteger(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("records", "txn", server_default=sa.text(PG_DEFAULT))
    else:
        op.execute(SQLITE_GUARD)
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_site_txn_id", ["site", "txn", "id"], unique=False)
        batch_op.create_index("ix_records_txn_id", ["txn", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_txn_id")
        batch_op.drop_index("ix_records_site_txn_id")
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER records_txn_given")
    op.drop_column("records", "txn")
