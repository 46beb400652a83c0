"""Soft bindings: every export records the ISCC image code of the pixels it signed.

`exports.soft_binding` holds the ISCC text (256 bits, as the manifest's c2pa.soft-binding
assertion carries it); `exports.soft_binding_key` its first 64 bits as a signed 64-bit
integer, so `credence identify` compares one query against every stored export in one pass
without decoding text. Both are NULL for exports written before this revision (and for files
whose pixels could not be read).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable columns: SQLite adds them in place, no table rebuild.
    op.add_column("exports", sa.Column("soft_binding", sa.String(80), nullable=True))
    op.add_column("exports", sa.Column("soft_binding_key", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.drop_column("soft_binding_key")
        batch.drop_column("soft_binding")
