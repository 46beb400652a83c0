"""Tagging many items in one step (the bulk path of `Library.tag`): items in different tag
states, more of them than one batch, on both engines. The search index, the history chain
(one entry per item changed, hashed in a run) and undo of one item's entry must all hold."""

from __future__ import annotations

import csv

import pytest

from provenance import SearchFilters
from provenance.store.history import GENESIS, chain_hashes, entry_hash

VOCABULARY = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/bulk/> .
ex:s a skos:ConceptScheme ; skos:prefLabel "Häfen"@de .
ex:harbour a skos:Concept ; skos:inScheme ex:s ; skos:prefLabel "Hafenanlage"@de ,
    "harbour works"@en ; skos:altLabel "مرفأ"@ar , "пристань"@ru .
"""
HARBOUR = "http://example.org/bulk/harbour"
COUNT = 1203  # more than two batches of 500 (look-ups, index and updates go in batches)


def _accession(n: int) -> str:
    return f"B.{n:04d}"


@pytest.fixture
def many(library, tmp_path):
    """COUNT items in four tag states: n % 4 == 0 already has everything the step adds (in
    other spellings), 1 has the keyword the step removes, 2 has an unrelated keyword, 3 none."""
    vocabulary = tmp_path / "harbours.ttl"
    vocabulary.write_text(VOCABULARY, encoding="utf-8")
    library.import_vocabulary(vocabulary)
    path = tmp_path / "catalog.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["accession", "title", "keywords", "subjects"])
        for n in range(1, COUNT + 1):
            keywords, subjects = {
                0: ("QUAYSIDE; ГАВАНЬ", HARBOUR),
                1: ("obsolete", ""),
                2: ("Zeichnung", ""),
                3: ("", ""),
            }[n % 4]
            writer.writerow([_accession(n), f"Blatt {n}", keywords, subjects])
    report = library.import_catalog(path)
    assert report.created == COUNT, report
    # Tags that came with the file are in the full-text index from the start.
    assert _accessions(library.list_items("гавань")) == {
        _accession(n) for n in range(4, COUNT + 1, 4)
    }
    return library


def _accessions(items) -> set[str]:
    return {i.accession for i in items}


def test_bulk_tagging_keeps_search_history_and_undo(many):
    library = many
    head = library.history_head()
    refs = [_accession(n) for n in range(1, COUNT + 1)]
    refs += [_accession(7), "#2", "B.9999"]  # a duplicate, an item by id, a missing one
    report = library.tag(refs, add=["quayside", "гавань"], subjects=[HARBOUR], remove=["Obsolete"])
    every = {_accession(n) for n in range(1, COUNT + 1)}
    settled = {_accession(n) for n in range(4, COUNT + 1, 4)}
    assert set(report.unchanged) == settled and set(report.changed) == every - settled
    assert len(report.changed) == len(set(report.changed))  # the duplicate counted once
    assert report.not_found == ("B.9999",)

    # One history entry per item changed, holding only what changed, and the chain holds.
    entries = [e for e in library.history() if e.seq > head]
    assert len(entries) == len(report.changed) and {e.action for e in entries} == {"tag"}
    assert library.verify_history().ok

    # The tags: kept spellings stay, new ones come after, the removed one is gone.
    assert library.get_item(_accession(4)).keywords == ("QUAYSIDE", "ГАВАНЬ")
    assert library.get_item(_accession(5)).keywords == ("quayside", "гавань")
    assert library.get_item(_accession(6)).keywords == ("Zeichnung", "quayside", "гавань")
    assert [s.uri for s in library.get_item(_accession(7)).subjects] == [HARBOUR]

    # The full-text index says the same: new keywords and every label of the new subject
    # (German, Russian, Arabic) find every item; the removed keyword finds none.
    for word in ("гавань", "quayside", "Hafenanlage", "пристань", "مرفأ"):
        assert _accessions(library.list_items(word)) == every, word
    assert library.list_items("obsolete") == []
    assert _accessions(library.list_items("Zeichnung")) == {
        _accession(n) for n in range(2, COUNT + 1, 4)
    }
    assert len(library.list_items(filters=SearchFilters(tag="harbour works"))) == COUNT

    # Undo one item's entry: that item alone goes back, in its record and in the index.
    [entry] = [e for e in entries if e.item_id == library.get_item(_accession(9)).id]
    library.revert(entry.seq)
    nine = library.get_item(_accession(9))
    assert nine.keywords == ("obsolete",) and nine.subjects == ()
    assert _accessions(library.list_items("obsolete")) == {_accession(9)}
    assert _accessions(library.list_items("пристань")) == every - {_accession(9)}
    assert library.verify_history().ok

    # The same step again changes only the item that was undone.
    again = library.tag(refs, add=["quayside", "гавань"], subjects=[HARBOUR], remove=["obsolete"])
    assert again.changed == (_accession(9),) and len(again.unchanged) == COUNT - 1
    assert _accessions(library.list_items("obsolete")) == set()
    assert library.verify_history().ok


def test_removing_tags_in_bulk_empties_the_index_of_them(many):
    library = many
    refs = [_accession(n) for n in range(1, COUNT + 1)]
    report = library.tag(refs, remove=["ГАВАНЬ", "zeichnung"], unsubjects=[HARBOUR])
    assert len(report.changed) == COUNT // 2  # the n % 4 == 0 and n % 4 == 2 items
    for word in ("гавань", "Zeichnung", "Hafenanlage", "مرفأ"):
        assert library.list_items(word) == [], word
    assert _accessions(library.list_items("quayside")) == {
        _accession(n) for n in range(4, COUNT + 1, 4)
    }
    assert library.list_items(filters=SearchFilters(tag="harbour works")) == []
    assert library.verify_history().ok


def test_chain_hashes_are_the_hashes_of_entries_written_one_by_one():
    """The bulk hashing spells every entry exactly as `entry_hash` does, odd values too."""
    entries = [
        (1, 1, '{"keywords":[]}', '{"keywords":["a"]}', None),
        (2, 2, '{"keywords":[]}', '{"keywords":["a"]}', "line 3"),  # same state, a note
        (None, None, None, '{"x":"Ünïcödé 🏛"}', "نص"),  # no entity id, non-BMP text
        (12345678901, 3, '{"keywords":["ГАВАНЬ"]}', None, ""),  # empty note is not None
        (4, 4, '{"keywords":[]}', '{"keywords":["a"]}', None),  # a repeated state again
    ]
    hashes = chain_hashes(41, "2024-05-01T10:00:00+00:00", "Zoë", "item", "tag", entries, GENESIS)
    prev, expected = GENESIS, []
    for seq, (entity_id, item_id, before, after, note) in enumerate(entries, start=42):
        prev = entry_hash(
            seq, "2024-05-01T10:00:00+00:00", "Zoë", "item", entity_id, item_id, "tag",
            before, after, note, prev,
        )  # fmt: skip
        expected.append(prev)
    assert hashes == expected
    assert len(set(hashes)) == len(hashes)  # the same state on two items still differs


def test_team_index_leaves_the_jit_setting_as_it_was(pg_url):
    """The team index turns PostgreSQL's JIT off only for its own statements."""
    from sqlalchemy import text

    from provenance import open_library

    with open_library(pg_url) as library:
        library.create_item({"accession": "J1", "title": "Kanne"})
        store = library._store
        with store.write() as (session, _history):
            session.execute(text("SET LOCAL jit = on"))
            store.search_index.index(session, [library.get_item("J1").id])
            assert session.execute(text("SELECT current_setting('jit')")).scalar_one() == "on"
        assert [i.accession for i in library.list_items("kanne")] == ["J1"]
