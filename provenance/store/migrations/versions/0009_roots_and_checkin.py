"""Storage roots and offline check-in.

Assets may be stored relative to a named storage root (`assets.root`; NULL keeps the path
absolute, as before). The library keeps the names of its roots; where each root is on a
computer is that computer's own setting, never in the database.

A team library remembers which history entries of which laptop library it has checked in
(`checkin_entries`, by entry hash, so a second check-in applies nothing new), which records
made offline became which team records (`checkin_ids`), and the changes it could not apply
because the team's value had changed meanwhile (`conflicts`), until someone resolves them.

Revision ID: 0009
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: no table rebuild of the assets table (SQLite adds it in place).
    op.add_column("assets", sa.Column("root", sa.String(100), nullable=True))
    op.create_table(
        "storage_roots",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "checkin_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.String(40), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("source_seq", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("checked_in_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("source_id", "entry_hash", name="uq_checkin_entries"),
    )
    op.create_table(
        "checkin_ids",
        sa.Column("source_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("source_key", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(40), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("source_seq", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("base_json", sa.Text(), nullable=True),
        sa.Column("ours_json", sa.Text(), nullable=True),
        sa.Column("theirs_json", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolved_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_conflicts_state", "conflicts", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_conflicts_state", table_name="conflicts")
    op.drop_table("conflicts")
    op.drop_table("checkin_ids")
    op.drop_table("checkin_entries")
    op.drop_table("storage_roots")
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("root")
