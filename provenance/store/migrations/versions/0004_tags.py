"""Tags: free keywords and subjects from controlled vocabularies (SKOS concept schemes, their
concepts, labels per language and broader links).

The full-text index is rebuilt to also find an item by its keywords and by every label of its
subjects, in every language.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen here (a migration must mean the same thing forever): the search index's columns
# before and after this revision.
_SEARCH_BEFORE = (
    "accession, title, maker, date, medium, credit_line, rights, description, extra, "
    "object_type, maker_nationality, inscription"
)
_SEARCH_AFTER = f"{_SEARCH_BEFORE}, keywords, subjects"
_EXTRA = "(SELECT group_concat(value, ' ') FROM json_each(items.extra)) AS extra"
_BEFORE_SELECT = (
    "SELECT id, accession, title, maker, date, medium, credit_line, rights, description, "
    f"{_EXTRA}, object_type, maker_nationality, inscription FROM items"
)
_KEYWORDS = (
    "(SELECT group_concat(k.keyword, ' ') FROM item_keywords k "
    "WHERE k.item_id = items.id) AS keywords"
)
_SUBJECTS = (
    "(SELECT group_concat(l.label, ' ') FROM item_subjects s "
    "JOIN vocab_labels l ON l.concept_id = s.concept_id "
    "WHERE s.item_id = items.id) AS subjects"
)
_AFTER_SELECT = (
    "SELECT id, accession, title, maker, date, medium, credit_line, rights, description, "
    f"{_EXTRA}, object_type, maker_nationality, inscription, {_KEYWORDS}, {_SUBJECTS} "
    "FROM items"
)


def upgrade() -> None:
    op.create_table(
        "vocab_schemes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uri", sa.Text(), nullable=False, unique=True),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "vocab_concepts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uri", sa.Text(), nullable=False, unique=True),
        sa.Column("scheme_id", sa.Integer(), sa.ForeignKey("vocab_schemes.id"), nullable=False),
    )
    op.create_index("ix_vocab_concepts_scheme_id", "vocab_concepts", ["scheme_id"])
    op.create_table(
        "vocab_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "concept_id",
            sa.Integer(),
            sa.ForeignKey("vocab_concepts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("language", sa.String(40), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
    )
    op.create_index("ix_vocab_labels_concept_id", "vocab_labels", ["concept_id"])
    op.create_index("ix_vocab_labels_folded", "vocab_labels", ["folded"])
    op.create_table(
        "vocab_broader",
        sa.Column(
            "concept_id",
            sa.Integer(),
            sa.ForeignKey("vocab_concepts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "broader_id",
            sa.Integer(),
            sa.ForeignKey("vocab_concepts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_vocab_broader_broader_id", "vocab_broader", ["broader_id"])
    op.create_table(
        "item_keywords",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("keyword", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.UniqueConstraint("item_id", "folded", name="uq_item_keywords_folded"),
    )
    op.create_index("ix_item_keywords_folded", "item_keywords", ["folded"])
    op.create_table(
        "item_subjects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "concept_id", sa.Integer(), sa.ForeignKey("vocab_concepts.id"), nullable=False
        ),
        sa.UniqueConstraint("item_id", "concept_id", name="uq_item_subjects"),
    )
    op.create_index("ix_item_subjects_concept_id", "item_subjects", ["concept_id"])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_search(_AFTER_SELECT, _SEARCH_AFTER)


def _rebuild_search(view_select: str, columns: str) -> None:
    # As in revision 0003: an external-content FTS5 table cannot gain columns, so it and its
    # view are dropped, created anew and filled from the view in one statement.
    op.execute("DROP TABLE IF EXISTS items_fts")
    op.execute("DROP VIEW IF EXISTS items_search")
    op.execute(f"CREATE VIEW items_search AS {view_select}")
    op.execute(
        f"CREATE VIRTUAL TABLE items_fts USING fts5({columns}, "
        "content='items_search', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(f"INSERT INTO items_fts(rowid, {columns}) SELECT id, {columns} FROM items_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The view names the new tables: it goes before they do.
        op.execute("DROP TABLE IF EXISTS items_fts")
        op.execute("DROP VIEW IF EXISTS items_search")
    for table in ("item_subjects", "item_keywords", "vocab_broader", "vocab_labels"):
        op.drop_table(table)
    op.drop_table("vocab_concepts")
    op.drop_table("vocab_schemes")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_search(_BEFORE_SELECT, _SEARCH_BEFORE)
