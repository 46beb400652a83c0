"""Capture type on items; staleness on exports.

An item's capture type (digitalCapture, negativeFilm, positiveFilm, print, ...) is part of the
record: with the disclosure it decides the digital source type an export signs. An export is
stale when what it signed (catalog fields it carries, disclosure wording, approval) has changed
since: `stale_since` says when, `stale_reason` says what, in plain words.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capture_type", sa.String(length=40), nullable=True))
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stale_since", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("stale_reason", sa.Text(), nullable=True))
        batch_op.create_index("ix_exports_stale_since", ["stale_since"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_index("ix_exports_stale_since")
        batch_op.drop_column("stale_reason")
        batch_op.drop_column("stale_since")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("capture_type")
