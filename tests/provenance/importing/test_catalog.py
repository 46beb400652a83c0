"""Catalog CSV/JSON import and export with real museum files and hand-made awkward ones."""

from __future__ import annotations

import csv
import json

import pytest

from provenance import InvalidValue
from provenance.media.catalog_files import guard_cell, read_catalog, unguard_cell
from tests.conftest import data_file

WCMA_CSV = "catalogs/wcma/wcma-collection_2019-12-04.csv"
WCMA_JSON = "catalogs/wcma/Objects-utf8_2022-11-28.json"
TATE_ARTISTS = "catalogs/tate/artist_data.csv"


def test_wcma_csv_cut_off_last_row_is_reported_and_the_rest_stored(library):
    report = library.import_catalog(data_file(WCMA_CSV))
    assert report.created == 7057
    [problem] = report.rejected
    assert "cut off" in problem.reason and problem.line > 7000  # the line a text editor shows
    item = library.get_item("39.1.400")  # accession numbers stay text, never numbers
    assert item.maker == "Adrien Barrère" and item.date == "1917"
    assert item.extra["ULAN"].isdigit()  # the leading space of the export is trimmed
    assert library.list_items("poilus envahies")[0].accession in ("39.1.400", "39.1.315")
    assert "39.1.400" in [i.accession for i in library.list_items("poilus envahies")]


def test_wcma_round_trip_reimport_is_unchanged_and_history_counts(library, tmp_path):
    first = library.import_catalog(data_file(WCMA_CSV))
    history_before = len(library.history())
    again = library.import_catalog(data_file(WCMA_CSV))
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert len(library.history()) == history_before
    out = tmp_path / "export.csv"
    assert library.export_catalog(out) == first.created
    back = library.import_catalog(out)
    assert (back.created, back.updated, back.rejected) == (0, 0, ())
    assert back.unchanged == first.created
    assert library.verify_history().ok


def test_reimport_updates_only_changed_fields_with_history(library, tmp_path):
    src = tmp_path / "cat.csv"
    src.write_text("object_number,title,artist,notes\nA1,Harbour,Ann,x\nA2,Field,Bo,y\n")
    first = library.import_catalog(src)
    assert (first.created, first.rejected) == (2, ())
    assert library.get_item("A1").maker == "Ann"  # 'artist' guessed as maker
    assert library.get_item("A1").extra == {"notes": "x"}
    src.write_text("object_number,title,artist,notes\nA1,Harbour at dusk,Ann,x\nA2,Field,Bo,\n")
    second = library.import_catalog(src)
    assert (second.created, second.updated, second.unchanged) == (0, 2, 0)
    last = library.history("A1")[-1]
    assert last.before == {"title": "Harbour"} and last.after == {"title": "Harbour at dusk"}
    assert "cat.csv line 2" in last.note
    assert library.get_item("A2").extra == {}  # an emptied cell clears the extra field


def test_wcma_json_with_bom_and_duplicate_description_keys(library):
    report = library.import_catalog(data_file(WCMA_JSON))
    assert report.created > 3000
    item = library.list_items(limit=1, details=False)[0]
    assert item.accession


def test_tate_artists_bom_crlf_keyed_by_id(library):
    with pytest.raises(InvalidValue, match="--key"):
        library.import_catalog(data_file(TATE_ARTISTS))
    report = library.import_catalog(
        data_file(TATE_ARTISTS), mapping={"title": "name", "date": "dates"}, key="id"
    )
    assert report.created == 3532 and report.rejected == ()
    hit = library.list_items("Abakanowicz")[0]
    assert hit.extra["id"] == "10093" and hit.date == "born 1930"
    again = library.import_catalog(
        data_file(TATE_ARTISTS), mapping={"title": "name", "date": "dates"}, key="id"
    )
    assert again.unchanged == 3532


def test_crlf_inside_quoted_cells_and_bom(library, tmp_path):
    src = tmp_path / "crlf.csv"
    src.write_bytes(
        b"\xef\xbb\xbfaccession,title,description\r\n"
        b'B1,"Two\r\nlines","Said ""hi"""\r\n'
        b"B2,Plain,\r\n"
    )
    report = library.import_catalog(src)
    assert report.created == 2
    assert library.get_item("B1").title == "Two\r\nlines"
    assert library.get_item("B1").description == 'Said "hi"'


def test_bad_rows_named_by_line_and_duplicate_keys(library, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("accession,title\nC1,One\nC2\nC1,Again\n,No key\nC3,Three\n")
    report = library.import_catalog(src)
    assert report.created == 2
    reasons = {p.line: p.reason for p in report.rejected}
    assert set(reasons) == {3, 4, 5}
    assert "1 cells" in reasons[3] and "first on line 2" in reasons[4] and "no value" in reasons[5]


def test_mapping_errors_name_the_column(library, tmp_path):
    src = tmp_path / "m.csv"
    src.write_text("accession,title\nD1,One\n")
    with pytest.raises(InvalidValue, match="no column 'artist'"):
        library.import_catalog(src, mapping={"maker": "artist"})
    with pytest.raises(InvalidValue, match="not an item field"):
        library.import_catalog(src, mapping={"colour": "title"})


def test_export_guards_formula_injection_and_reimports_to_no_change(library, tmp_path):
    src = tmp_path / "evil.csv"
    with open(src, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["accession", "title", "date", "rights"])
        writer.writerow(["E1", '=HYPERLINK("http://evil","x")', "-750", "@SUM(1)"])
        writer.writerow(["E2", "+1", "'quoted", "plain"])
    library.import_catalog(src)
    assert library.get_item("E1").title.startswith("=HYPERLINK")
    out = tmp_path / "out.csv"
    library.export_catalog(out)
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column, value in row.items():
            if column != "credence_id":
                assert not value.startswith(("=", "+", "-", "@")), (column, value)
    back = library.import_catalog(out)
    assert (back.updated, back.created, back.unchanged) == (0, 0, 2)


def test_items_without_accession_round_trip_by_credence_id(library, tmp_path):
    library.create_item({"title": "Untitled, no number"})
    out = tmp_path / "out.csv"
    library.export_catalog(out)
    back = library.import_catalog(out)
    assert (back.created, back.unchanged, back.rejected) == (0, 1, ())


def test_json_array_rows_and_non_objects(library, tmp_path):
    src = tmp_path / "cat.json"
    src.write_text(json.dumps([{"accession": "J1", "title": "One", "year": 1890}, 5]))
    report = library.import_catalog(src)
    assert report.created == 1 and report.rejected[0].line == 2
    assert library.get_item("J1").extra == {"year": "1890"}


def test_guard_round_trip():
    for value in ["=1+1", "-750", "'=x", "''x", "'hello", "plain", "@a", "\tx", ""]:
        assert unguard_cell(guard_cell(value)) == value


def test_utf16_file_is_read(tmp_path):
    src = tmp_path / "u16.csv"
    src.write_text("accession,title\nF1,Crémieux\n", encoding="utf-16")
    columns, rows = read_catalog(src)
    assert columns == ["accession", "title"]
    assert next(rows).values["title"] == "Crémieux"


def test_items_made_after_a_catalog_import_get_new_ids(library, tmp_path):
    # The import gives ids itself (bulk path); later items must never collide with them,
    # also on PostgreSQL where a serial column's sequence does not see explicit ids.
    csv = tmp_path / "ids.csv"
    csv.write_text('accession,title\nC-1,First\nC-2,Second\tTabbed\nC-3,"Line\nbreak"\n')
    report = library.import_catalog(csv)
    assert report.created == 3
    made = library.create_item({"accession": "C-4", "title": "Made by hand"})
    assert made.id not in {library.get_item(a).id for a in ("C-1", "C-2", "C-3")}
    assert library.get_item("C-2").title == "Second\tTabbed"
    assert library.get_item("C-3").title == "Line\nbreak"
    assert [i.accession for i in library.list_items("tabbed")] == ["C-2"]
    assert library.verify_history().ok
