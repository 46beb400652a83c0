"""Full-text search over catalog fields, behind a small interface.

The SQLite implementation uses an FTS5 table (`items_fts`, rowid = item id) that the Library
keeps in step with `items` in the same transaction. A server database would provide the same
three methods over its own index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_INDEXED = ("accession", "title", "maker", "date", "medium", "credit_line", "rights", "description")
_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_row(item_id: int, fields: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict:
    row = {name: fields.get(name) or "" for name in _INDEXED}
    row["extra"] = " ".join(str(v) for v in (extra or {}).values() if v)
    row["rowid"] = item_id
    return row


def match_expression(query: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match, as a prefix.

    Punctuation never reaches FTS5's query syntax, so `"`, `*`, `-` or `AND` typed by a user
    cannot produce a syntax error. Returns None when nothing searchable was typed.
    """
    words = _TOKEN.findall(query)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


class SqliteSearchIndex:
    """FTS5-backed search index."""

    def index(self, session: Session, rows: Iterable[tuple[int, Mapping, Mapping | None]]) -> None:
        """Add or replace the index rows for (item id, fields, extra) tuples."""
        payload = [fts_row(item_id, fields, extra) for item_id, fields, extra in rows]
        if not payload:
            return
        session.execute(
            text("DELETE FROM items_fts WHERE rowid = :rowid"),
            [{"rowid": r["rowid"]} for r in payload],
        )
        self.add(session, payload)

    def add(self, session: Session, payload: list[dict]) -> None:
        """Insert rows known to be new (bulk path for catalog import)."""
        session.execute(
            text(
                "INSERT INTO items_fts(rowid, accession, title, maker, date, medium, credit_line, "
                "rights, description, extra) VALUES (:rowid, :accession, :title, :maker, :date, "
                ":medium, :credit_line, :rights, :description, :extra)"
            ),
            payload,
        )

    def remove(self, session: Session, item_ids: Iterable[int]) -> None:
        session.execute(
            text("DELETE FROM items_fts WHERE rowid = :rowid"), [{"rowid": i} for i in item_ids]
        )

    def matching_ids_sql(self) -> str:
        """SQL selecting item ids (ranked best first) that match the bound `:match` parameter."""
        return "SELECT rowid FROM items_fts WHERE items_fts MATCH :match ORDER BY rank"
