"""Full-text search over catalog fields, behind a small interface.

On SQLite the index is an external-content FTS5 table over the `items_search` view (see the
initial migration). External content means the index must be told the old text of a row before
the row changes: writers wrap every change to `items` in `SearchIndex.updating(...)`, or call
`index_new(...)` after inserting rows. A server database would implement the same methods over
its own index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Revision 0003 added object type, maker's nationality and inscription (words a person
# searches for); dimensions and maker's dates are numbers that would only add noise.
# Revision 0004 added an item's keywords and every label of its subjects, in every language.
_COLUMNS = (
    "accession, title, maker, date, medium, credit_line, rights, description, extra, "
    "object_type, maker_nationality, inscription, keywords, subjects"
)
_BATCH = 500

#: SQL selecting item ids (best match first) that match the bound `:match` parameter.
MATCHING_IDS_SQL = "SELECT rowid FROM items_fts WHERE items_fts MATCH :match ORDER BY rank"


def match_expression(query: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match, as a prefix.

    Punctuation never reaches FTS5's query syntax, so `"`, `*`, `-` or `AND` typed by a user
    cannot produce a syntax error. Returns None when nothing searchable was typed.
    """
    words = _TOKEN.findall(query)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


class SearchIndex:
    """Keeps the FTS5 index in step with `items`, inside the caller's transaction."""

    def _run(self, session: Session, sql: str, ids: Iterable[int]) -> None:
        for batch in _batches(ids):
            marks = ", ".join(str(int(i)) for i in batch)  # ints only: safe to inline
            session.execute(text(sql.format(ids=marks)))

    def index(self, session: Session, ids: Iterable[int]) -> None:
        """Add the current text of items `ids` (rows already flushed) to the index."""
        self._run(
            session,
            f"INSERT INTO items_fts(rowid, {_COLUMNS}) "
            f"SELECT id, {_COLUMNS} FROM items_search WHERE id IN ({{ids}})",
            ids,
        )

    def unindex(self, session: Session, ids: Iterable[int]) -> None:
        """Remove items `ids` from the index; call before their rows change or go."""
        self._run(
            session,
            f"INSERT INTO items_fts(items_fts, rowid, {_COLUMNS}) "
            f"SELECT 'delete', id, {_COLUMNS} FROM items_search WHERE id IN ({{ids}})",
            ids,
        )

    def index_range(self, session: Session, first: int, last: int) -> None:
        """Index newly inserted items with ids first..last (the bulk-import path)."""
        session.execute(
            text(
                f"INSERT INTO items_fts(rowid, {_COLUMNS}) SELECT id, {_COLUMNS} "
                "FROM items_search WHERE id BETWEEN :first AND :last"
            ),
            {"first": first, "last": last},
        )

    @contextmanager
    def updating(self, session: Session, ids: Iterable[int]) -> Iterator[None]:
        """Bracket changes to existing items: old text out before, new text in after."""
        ids = list(ids)
        session.flush()
        self.unindex(session, ids)
        yield
        session.flush()
        self.index(session, ids)
