"""The catalog fields of revision 0003 (object type, maker's nationality and dates, dimensions,
inscription): migration with data kept, bulk edits with one history entry per item, search,
catalog CSV mapping and round trip, signed in exports' staleness."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from provenance import BULK_FIELDS, ITEM_FIELDS, InvalidValue, open_library
from provenance.exporting.staleness import SIGNED_FIELDS
from provenance.importing.catalog import guess_mapping
from provenance.store.engine import HEAD_REVISION
from tests.conftest import downgrade_schema

NEW_FIELDS = ("object_type", "maker_nationality", "maker_dates", "dimensions", "inscription")


def test_new_fields_are_item_fields_and_bulk_fields_leave_out_the_accession():
    assert set(NEW_FIELDS) <= set(ITEM_FIELDS)
    assert "accession" not in BULK_FIELDS and set(NEW_FIELDS) <= set(BULK_FIELDS)


def test_migration_from_0002_keeps_data_and_indexes_the_new_fields(tmp_path):
    folder = tmp_path / "lib"
    with open_library(folder, actor="alice") as lib:
        lib.create_item(
            {"accession": "A1", "title": "Harbour", "maker": "Émile Durand"},
            {"Dimensions": "24 x 30 cm"},
        )
        lib.create_item({"accession": "A2", "title": "Field"})
    db = folder / "library.sqlite"
    downgrade_schema(db, "0002")
    with sqlite3.connect(db) as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(items)")}
        assert not set(NEW_FIELDS) & columns
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0002"
    with open_library(folder, actor="alice") as lib:  # opening migrates, after a backup
        item = lib.get_item("A1")
        assert (item.title, item.maker, item.extra) == (
            "Harbour",
            "Émile Durand",
            {"Dimensions": "24 x 30 cm"},
        )
        assert item.object_type is None and item.dimensions is None
        assert [i.accession for i in lib.list_items("durand")] == ["A1"]  # old text still found
        lib.update_item("A2", {"object_type": "gelatin silver print", "inscription": "verso"})
        assert [i.accession for i in lib.list_items("gelatin")] == ["A2"]
        assert [i.accession for i in lib.list_items("verso")] == ["A2"]
        assert lib.verify_history().ok
    assert list((folder / "backups").glob(f"library-before-{HEAD_REVISION}-from-0002-*.sqlite"))
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD_REVISION


def test_update_items_changes_many_items_one_entry_each(library):
    for n in (1, 2, 3):
        library.create_item({"accession": f"B{n}", "title": f"Print {n}"})
    library.update_item("B2", {"object_type": "etching"})
    history_before = len(library.history())
    preview = library.update_items(
        ["B1", "B2", "B3", "nope"],
        {"object_type": "etching", "dimensions": " 20 x 30 cm "},
        dry_run=True,
    )
    assert not preview.applied and len(library.history()) == history_before  # nothing written
    assert [(c.item.split()[0], c.field, c.before, c.after) for c in preview.changes] == [
        ("B1", "object_type", None, "etching"),
        ("B1", "dimensions", None, "20 x 30 cm"),  # cleaned as stored
        ("B2", "dimensions", None, "20 x 30 cm"),  # B2 already was an etching
        ("B3", "object_type", None, "etching"),
        ("B3", "dimensions", None, "20 x 30 cm"),
    ]
    assert preview.not_found == ("nope",)
    report = library.update_items(
        ["B1", "B2", "B3", "nope"], {"object_type": "etching", "dimensions": "20 x 30 cm"}
    )
    assert report.applied and report.changes == preview.changes
    assert report.changed == ("B1", "B2", "B3") and report.not_found == ("nope",)
    entries = library.history()[history_before:]
    assert len(entries) == 3  # one history entry per item changed
    assert entries[1].before == {"dimensions": None}
    assert entries[1].after == {"dimensions": "20 x 30 cm"}
    assert all(e.note == "bulk edit of 3 items" for e in entries)
    assert library.get_item("B3").dimensions == "20 x 30 cm"
    again = library.update_items(["B1", "B2"], {"dimensions": "20 x 30 cm"})
    assert not again.applied and again.unchanged == ("B1", "B2")
    cleared = library.update_items(["B1", "B3"], {"object_type": None, "dimensions": ""})
    assert len(cleared.changes) == 4 and library.get_item("B1").object_type is None
    for entry in reversed(library.history()[-2:]):  # undo: the items get their values back
        library.revert(entry.seq)
    assert library.get_item("B1").dimensions == "20 x 30 cm"
    assert library.verify_history().ok


def test_update_items_refuses_the_accession_and_unknown_fields_plainly(library):
    library.create_item({"accession": "C1"})
    with pytest.raises(InvalidValue, match="names one object"):
        library.update_items(["C1"], {"accession": "C9"})
    with pytest.raises(InvalidValue, match="unknown catalog field 'colour'"):
        library.update_items(["C1"], {"colour": "red"})


def test_catalog_guesses_the_new_columns_and_round_trips_them(library, tmp_path):
    assert guess_mapping(
        [
            "Object Number",
            "Title",
            "Object Name",
            "Classification",
            "Artist Nationality",
            "Artist Dates",
            "Dimensions",
            "Marks",
        ]
    ) == {
        "accession": "Object Number",
        "title": "Title",
        "object_type": "Object Name",
        "maker_nationality": "Artist Nationality",
        "maker_dates": "Artist Dates",
        "dimensions": "Dimensions",
        "inscription": "Marks",
    }
    src = tmp_path / "cat.csv"
    src.write_text(
        "accession,title,Type,Nationality,Life dates,Measurements,Inscriptions,Notes\n"
        'D1,Harbour,photograph,French,1851–1919,"24 x 30 cm",signed l.r.,x\n'
    )
    assert library.import_catalog(src).created == 1
    item = library.get_item("D1")
    assert (item.object_type, item.maker_nationality, item.maker_dates) == (
        "photograph",
        "French",
        "1851–1919",
    )
    assert (item.dimensions, item.inscription, item.extra) == (
        "24 x 30 cm",
        "signed l.r.",
        {"Notes": "x"},
    )
    out = tmp_path / "out.csv"
    library.export_catalog(out)
    with out.open(newline="", encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["object_type"] == "photograph" and row["dimensions"] == "24 x 30 cm"
    assert row["maker_dates"] == "1851–1919" and row["inscription"] == "signed l.r."
    back = library.import_catalog(out)
    assert (back.created, back.updated, back.unchanged) == (0, 0, 1)
    # --map names the new fields too
    other = tmp_path / "other.csv"
    other.write_text("accession,Größe\nD1,30 x 40 cm\n")
    library.import_catalog(other, mapping={"dimensions": "Größe"})
    assert library.get_item("D1").dimensions == "30 x 40 cm"


def test_tombstone_fields_are_signed_inscription_is_not():
    assert {"object_type", "maker_nationality", "maker_dates", "dimensions"} <= set(SIGNED_FIELDS)
    assert "inscription" not in SIGNED_FIELDS
    assert SIGNED_FIELDS["maker_dates"] == "maker's dates"
