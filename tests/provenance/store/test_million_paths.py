"""The fast paths issue 16 added for million-item libraries give what the slow paths gave:
the streamed history check hashes exactly what `entry_hash` hashes, and a plain search is
counted in the full-text index alone with the same number as the joined query."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from provenance.domain.views import SearchFilters
from provenance.store.history import _COLUMNS, _entry_hashes, entry_hash
from provenance.store.items import select_items
from provenance.store.models import HistoryEntry
from tests.conftest import tamper


def _varied_history(lib) -> None:
    """Entries of several shapes: creates, updates with a before, notes, None ids, non-ASCII."""
    first = lib.create_item({"accession": "2024.1", "title": "Étude in oil", "maker": "Émile Z"})
    lib.create_item({"accession": "2024.2", "title": "River at dusk", "maker": "Chen W"})
    lib.create_item({"accession": "2024.3", "title": "Portrait, oil on canvas"})
    lib.update_item(first.id, {"title": "Étude — oil on board 🎨"})
    lib.add_event(first.id, "acquired", "Museum", date="1890~", note="from a gift")
    lib.add_tool("Restorer", "Vendor ✓")
    lib.tag(["2024.1", "2024.2"], add=["landscape"])


def test_streamed_hashes_match_entry_hash(library):
    _varied_history(library)
    with library._store.read() as session:
        rows = session.execute(
            select(*(getattr(HistoryEntry, c) for c in _COLUMNS)).order_by(HistoryEntry.seq)
        ).all()
        assert len(rows) >= 7
        assert {r.item_id is None for r in rows} == {True, False}
        for row, digest in _entry_hashes([tuple(r) for r in rows]):
            assert digest == entry_hash(*row[:11]) == row[11]
    result = library.verify_history()
    assert result.ok and result.checked == len(rows)


def test_verify_still_names_the_first_edited_entry(library):
    _varied_history(library)
    tamper(library, "UPDATE history SET note = 'changed' WHERE seq = 4")
    result = library.verify_history()
    assert not result.ok
    assert result.first_broken == 4 and result.checked == 3
    assert result.reason == "entry 4 was edited after it was written"


def test_verify_still_names_a_deleted_entry(library):
    _varied_history(library)
    tamper(library, "DELETE FROM history WHERE seq = 2")
    result = library.verify_history()
    assert (result.ok, result.first_broken, result.checked) == (False, 2, 1)
    assert "entry 2 is missing" in result.reason


def test_plain_search_count_equals_the_joined_count(library):
    _varied_history(library)
    for n in range(40):
        library.create_item({"accession": f"B.{n}", "title": f"oil sketch {n}", "maker": "Ann"})
    with library._store.read() as session:
        for query in ("oil", "OIL canvas", "étude", "emile", "2024", "river dusk", "zzz", "..."):
            stmt = select_items(query, SearchFilters(), library._store.search_index)
            joined = 0 if stmt is None else len(session.scalars(stmt).all())
            assert library.count_items(query) == joined == len(library.list_items(query))
    assert library.count_items("oil") == 42
    # With a filter the joined query still counts (the fast path is for a plain search).
    assert library.count_items("oil", SearchFilters(maker="Ann")) == 40


def test_sqlite_history_rows_stream_as_stored(tmp_path):
    from provenance import open_library

    with open_library(tmp_path / "lib", actor="alice") as lib:
        _varied_history(lib)
        folder = lib.folder
        result = lib.verify_history()
    conn = sqlite3.connect(folder / "library.sqlite")
    stored = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM history ORDER BY seq").fetchall()
    conn.close()
    assert result.ok and result.checked == len(stored)
    assert [d for _row, d in _entry_hashes(stored)] == [r[11] for r in stored]
