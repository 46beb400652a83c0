"""The Store's public transactions, used directly as the pipelines use them (no Library)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from provenance.store.engine import make_engines
from provenance.store.history import Change, read_head
from provenance.store.items import item_changes
from provenance.store.models import Item
from provenance.store.store import Store


@pytest.fixture
def store(tmp_path):
    seen: list[tuple[set[int], set[str]]] = []

    def before_commit(_session, history) -> None:
        seen.append((set(history.touched_items), set(history.touched_entities)))

    (tmp_path / "lib").mkdir()
    opened = Store.open(tmp_path / "lib", "tester", before_commit=before_commit)
    opened.seen = seen  # type: ignore[attr-defined]
    yield opened
    opened.close()


def test_write_records_history_and_runs_the_hook_before_commit(store):
    with store.write() as (session, history):
        item = Item(title="Harbour", extra={}, created_at="t", updated_at="t")
        session.add(item)
        session.flush()
        store.search_index.index(session, [item.id])
        history.record(Change(entity="item", entity_id=item.id, item_id=item.id, action="create"))
    store.record(Change(entity="settings", entity_id=None, item_id=None, action="update"))
    with store.read() as session:
        assert read_head(session)[0] == 2
        assert session.get(Item, item.id).title == "Harbour"
    assert store.seen == [({item.id}, set()), (set(), {"settings"})]


def test_a_failed_write_keeps_nothing(store):
    with pytest.raises(RuntimeError), store.write() as (session, history):
        session.add(Item(title="Lost", extra={}, created_at="t", updated_at="t"))
        history.record(Change(entity="item", entity_id=None, item_id=None, action="create"))
        raise RuntimeError("stop")
    with store.read() as session:
        assert read_head(session)[0] == 0
        assert session.query(Item).count() == 0
    assert store.seen == []


def test_item_changes_lists_fields_then_extra_fields():
    item = Item(title="Old", maker=None, extra={"room": "2", "gone": "x"})
    before, after, extra = item_changes(
        item, {"title": "New", "maker": None}, {"room": "3", "gone": None}
    )
    assert before == {"title": "Old", "extra.room": "2", "extra.gone": "x"}
    assert after == {"title": "New", "extra.room": "3", "extra.gone": None}
    assert extra == {"room": "3"}


def test_the_file_import_pipeline_runs_on_a_store_alone(store, tmp_path):
    from provenance.importing import files
    from tests.provenance.c2pa_helpers import make_jpeg

    (tmp_path / "pictures").mkdir()
    picture = make_jpeg(tmp_path / "pictures" / "P-7.jpg")
    report = files.run(store, [picture.parent], None, None, None, thumbnails_dir=tmp_path / "t")
    assert [f.item for f in report.imported] == ["#1"]
    with store.read() as session:
        assert session.get(Item, 1).title == "P-7"


def test_readers_keep_a_small_page_cache_and_writers_a_large_one(tmp_path):
    """A reader walking a million rows (the window's grid, its ids, a count on a thread) fills
    its page cache to the limit, one per connection: 64 MiB each took the window past 400 MB
    (issue 16). Bulk writes keep theirs large."""
    reader, writer = make_engines(tmp_path / "cache.sqlite")
    sizes = []
    for engine in (reader, writer):
        with engine.connect() as conn:
            sizes.append(conn.execute(text("PRAGMA cache_size")).scalar_one())
        engine.dispose()
    assert sizes == [-2000, -65536]


@pytest.mark.parametrize("name", ["Loans? 2024", "Loans #3", "Loans %3F"])
def test_a_library_folder_named_with_url_characters_keeps_its_database_inside(tmp_path, name):
    # The database file is named to SQLAlchemy as a path, not parsed as a URL: "?" there began
    # a query, and the database of "Loans? 2024" was made as the file "Loans" beside it (and
    # shared with "Loans? 2025").
    from provenance import open_library, read_library

    for folder in (tmp_path / name, tmp_path / f"{name}, again"):
        with open_library(folder) as lib:
            lib.create_item({"accession": folder.name, "title": "t"})
        with open_library(folder) as lib:
            assert [i.accession for i in lib.list_items()] == [folder.name]
        assert (folder / "library.sqlite").is_file()
        with read_library(folder) as reader:  # credence labels reads the same file
            assert [i.accession for i in reader.list_items()] == [folder.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, f"{name}, again"])


def test_a_database_earlier_versions_put_beside_a_question_mark_folder_is_not_hidden(tmp_path):
    """Earlier versions wrote the database of "Loans? 2024" to the file "Loans" beside it.
    Opening that folder now must not make a new, empty library over the person's records: it
    is refused, naming both files and what to do, and no database is made."""
    from provenance import LibraryError, open_library

    # What the earlier version wrote: a whole library's database, as the file "Loans".
    with open_library(tmp_path / "made") as lib:
        lib.create_item({"accession": "L.1", "title": "On loan"})
    folder = tmp_path / "Loans? 2024"
    folder.mkdir()
    misplaced = tmp_path / "Loans"
    (tmp_path / "made" / "library.sqlite").rename(misplaced)
    with pytest.raises(LibraryError) as info:
        open_library(folder)
    message = str(info.value)
    assert str(misplaced) in message and str(folder / "library.sqlite") in message
    assert "move" in message and "nothing was changed" in message
    assert not (folder / "library.sqlite").exists() and misplaced.is_file()
    # Moved as the sentence says, it is the library again, records and all.
    misplaced.rename(folder / "library.sqlite")
    with open_library(folder) as lib:
        assert [i.accession for i in lib.list_items()] == ["L.1"]
