"""Team libraries: optimistic version columns on items, events and disclosures; on PostgreSQL,
full-text search with the server's own tsvector, GIN index and unaccent.

Every change to an item, event or disclosure adds one to its `version`; an update that saw an
older version changes nothing and is reported ("changed by X at T; reload"), so when several
workstations write to one library no change is lost. On SQLite the columns are the same (one
schema, two engines); FTS5 stays as it is.

On PostgreSQL the search index is a table `items_tsv` (one tsvector per item, GIN-indexed),
kept in step by provenance.store.search.PostgresSearchIndex as FTS5 is on SQLite. It is a table
rather than a generated column because an item's text includes its keywords and the labels of
its subjects, which live in other tables.

Revision ID: 0008
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

_VERSIONED = ("items", "events", "disclosures")

# Frozen here (a migration must mean the same thing forever): the text indexed for an item
# when this revision was written (provenance.store.search builds it the same way).
_TEXT = (
    "i.accession, i.title, i.maker, i.date, i.medium, i.credit_line, i.rights, i.description, "
    "(CASE WHEN json_typeof(i.extra) = 'object' THEN "
    "(SELECT string_agg(e.value, ' ') FROM json_each_text(i.extra) e) END), "
    "i.object_type, i.maker_nationality, i.inscription, "
    "(SELECT string_agg(k.keyword, ' ') FROM item_keywords k WHERE k.item_id = i.id), "
    "(SELECT string_agg(l.label, ' ') FROM item_subjects s "
    "JOIN vocab_labels l ON l.concept_id = s.concept_id WHERE s.item_id = i.id)"
)
_DOCUMENT = (
    "to_tsvector('simple', regexp_replace(unaccent(left(concat_ws(' ', "
    f"{_TEXT}), 250000)), '[[:punct:]]+', ' ', 'g'))"
)


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite supports it natively, with a constant default): batch mode would
    # copy the tables and warn about the items table's expression index.
    for table in _VERSIONED:
        op.add_column(
            table, sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )
    if op.get_bind().dialect.name == "postgresql":
        # unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.create_table(
            "items_tsv",
            sa.Column(
                "item_id",
                sa.Integer(),
                sa.ForeignKey("items.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("doc", postgresql.TSVECTOR(), nullable=False),
        )
        op.execute(f"INSERT INTO items_tsv (item_id, doc) SELECT i.id, {_DOCUMENT} FROM items i")
        op.create_index(
            "ix_items_tsv_doc", "items_tsv", ["doc"], postgresql_using="gin", unique=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_items_tsv_doc", table_name="items_tsv")
        op.drop_table("items_tsv")
    for table in reversed(_VERSIONED):
        op.drop_column(table, "version")  # SQLite 3.35+ drops a column natively
