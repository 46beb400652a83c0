"""Catalog fields every museum record and label needs: object type, maker's nationality and
dates, dimensions, inscription.

They were free "extra" fields before (if anything); as columns they can be edited in bulk,
mapped from a catalog file, printed on labels and signed in exports. The full-text index is
rebuilt to also find an item by its object type, its maker's nationality or its inscription.
Values kept in extra fields are left where they are: a catalog re-import with the new column
mapping fills the new fields, with history.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NEW_COLUMNS = ("object_type", "maker_nationality", "maker_dates", "dimensions", "inscription")

# Frozen here (a migration must mean the same thing forever): the search index's columns
# before and after this revision.
_SEARCH_BEFORE = "accession, title, maker, date, medium, credit_line, rights, description"
_SEARCH_AFTER = f"{_SEARCH_BEFORE}, extra, object_type, maker_nationality, inscription"
_EXTRA = "(SELECT group_concat(value, ' ') FROM json_each(items.extra)) AS extra"


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite supports it natively): batch mode would reflect `items` and warn
    # about its expression index on every user's first start after the upgrade.
    for name in _NEW_COLUMNS:
        op.add_column("items", sa.Column(name, sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_search(
            f"SELECT id, {_SEARCH_BEFORE}, {_EXTRA}, object_type, maker_nationality, "
            "inscription FROM items",
            _SEARCH_AFTER,
        )


def _rebuild_search(view_select: str, columns: str) -> None:
    # An external-content FTS5 table cannot gain columns: drop it and its view, create both
    # anew and fill the index from the view in one statement. (FTS5's own 'rebuild' command
    # fails over a view: "SQL logic error".)
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
        # The view names the new columns: it goes before they do.
        op.execute("DROP TABLE IF EXISTS items_fts")
        op.execute("DROP VIEW IF EXISTS items_search")
    for name in reversed(_NEW_COLUMNS):
        op.drop_column("items", name)  # SQLite 3.35+ drops a column natively
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_search(
            f"SELECT id, {_SEARCH_BEFORE}, {_EXTRA} FROM items", f"{_SEARCH_BEFORE}, extra"
        )
