"""Keywords and subjects in catalog files: the `keywords` and `subjects` columns on import
and export, the round trip (re-import changes nothing), and cells of odd shapes. Real
vocabularies from ../shared/data/vocabularies; real CSV and JSON files written here."""

from __future__ import annotations

import csv
import json

import pytest

from provenance import SearchFilters, open_library
from provenance.domain.tags import join_tags, split_subjects, split_tags
from tests.conftest import data_file

TATE = "vocabularies/tate-subjects/tate-skos.ttl"
UNESCO = "vocabularies/unesco-thesaurus-culture/unesco-thesaurus-culture-domain.ttl"
ORANGE = "http://w3id.org/tate-skos#0132c001b3e2429fa3cc12fff10d73e4"  # nature > trees > orange
EPIC = "http://vocabularies.unesco.org/thesaurus/concept10066"  # Epic poetry, five languages
ODD = "http://example.org/voc/x;v=2"  # RFC 3986 allows ';' in a URI path
ODD_VOCABULARY = f"""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/voc/> a skos:ConceptScheme ; skos:prefLabel "Odd"@en .
<{ODD}> a skos:Concept ; skos:inScheme <http://example.org/voc/> ; skos:prefLabel "odd"@en .
"""

#: Keywords a registrar may really type: a ';' and a backslash inside one, a formula lookalike,
#: other scripts, and a lone bracketed word.
AWKWARD = ["Hafen; Boote", "C:\\Scans\\", "=SUM(A1)", "ميناء", "гавань", "[untitled]"]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def tagged(library):
    library.import_vocabulary(data_file(TATE))
    library.import_vocabulary(data_file(UNESCO))
    library.create_item({"accession": "K1", "title": "Harbour at night"})
    library.create_item({"accession": "K2", "title": "Beowulf"})
    library.create_item({"title": "No number"})
    library.tag(["K1"], add=AWKWARD, subjects=[ORANGE, EPIC])
    library.tag(["K2"], add=["manuscript"], subjects=[EPIC])
    return library


def test_tags_are_written_as_columns_and_reimport_changes_nothing(tagged, tmp_path):
    out = tmp_path / "export.csv"
    assert tagged.export_catalog(out) == 3
    rows = {r["accession"]: r for r in read_rows(out)}
    assert split_tags(rows["K1"]["keywords"]) == AWKWARD
    assert rows["K1"]["subjects"] == f"{ORANGE}; {EPIC}"
    assert rows["K2"]["keywords"] == "manuscript" and rows[""]["keywords"] == ""
    head = tagged.history_head()
    again = tagged.import_catalog(out)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.rejected == () and again.left_out == ()
    assert tagged.history_head() == head  # not one history entry
    assert tagged.get_item("K1").keywords == tuple(AWKWARD)


def test_an_export_brings_the_same_tags_into_another_library(tagged, tmp_path):
    out = tmp_path / "export.csv"
    tagged.export_catalog(out)
    with open_library(tmp_path / "other", actor="bob") as other:
        other.import_vocabulary(data_file(TATE))
        other.import_vocabulary(data_file(UNESCO))
        report = other.import_catalog(out)
        # The item with no accession number has no key another library knows (as before).
        assert (report.created, len(report.rejected), report.left_out) == (2, 1, ())
        k1 = other.get_item("K1")
        assert k1.keywords == tuple(AWKWARD)
        assert [s.uri for s in k1.subjects] == [ORANGE, EPIC]
        # The create entry says which tags the row brought.
        created = other.history("K1")[0]
        assert created.after["keywords"] == AWKWARD and created.after["subjects"] == [ORANGE, EPIC]
        # Imported tags are searchable and filterable like tags given in the window.
        assert [i.accession for i in other.list_items("гавань")] == ["K1"]
        by_tag = other.list_items(filters=SearchFilters(tag="nature"))  # broader of "orange"
        assert [i.accession for i in by_tag] == ["K1"]
        assert other.verify_history().ok


def test_changed_tag_cells_update_with_one_undoable_entry_per_item(tagged, tmp_path):
    out = tmp_path / "export.csv"
    tagged.export_catalog(out)
    rows = read_rows(out)
    for row in rows:
        if row["accession"] == "K2":
            row["keywords"] = "manuscript; Old English; MANUSCRIPT"
            row["subjects"] = ""
            row["title"] = "Beowulf (copy)"
    write_csv(out, list(rows[0]), [list(r.values()) for r in rows])
    report = tagged.import_catalog(out)
    assert (report.updated, report.unchanged) == (1, 2)
    k2 = tagged.get_item("K2")
    assert k2.keywords == ("manuscript", "Old English") and k2.subjects == ()
    [tag_entry] = [e for e in tagged.history("K2") if e.action == "tag" and e.note]
    assert "export.csv line" in tag_entry.note
    assert tag_entry.before == {"keywords": ["manuscript"], "subjects": [EPIC]}
    assert tag_entry.after == {"keywords": ["manuscript", "Old English"], "subjects": []}
    assert tagged.get_item("K2").title == "Beowulf (copy)"  # the field change is its own entry
    tagged.revert(tag_entry.seq)
    k2 = tagged.get_item("K2")
    assert k2.keywords == ("manuscript",) and [s.uri for s in k2.subjects] == [EPIC]
    assert tagged.list_items(filters=SearchFilters(tag="Old English")) == []
    assert tagged.verify_history().ok


def test_a_subject_of_no_imported_vocabulary_is_reported_and_the_row_still_imported(
    library, tmp_path
):
    library.import_vocabulary(data_file(TATE))
    src = write_csv(
        tmp_path / "cat.csv",
        ["accession", "title", "keywords", "subjects"],
        [
            ["S1", "Orchard", "fruit", f"{ORANGE}; {EPIC}"],
            ["S2", "Poem", "verse", "epic poetry"],
            ["S3", "Plain", "", ""],
        ],
    )
    report = library.import_catalog(src)
    assert (report.created, report.rejected) == (3, ())
    first, second = report.left_out
    assert first.line == 2 and "'subjects'" in first.reason and EPIC in first.reason
    assert "import its vocabulary first" in first.reason
    assert second.line == 3 and "'epic poetry' is not a concept URI" in second.reason
    s1 = library.get_item("S1")
    assert s1.keywords == ("fruit",) and [s.uri for s in s1.subjects] == [ORANGE]
    assert library.get_item("S2").keywords == ("verse",)
    # Once the vocabulary is there, the same file brings the missing subject.
    library.import_vocabulary(data_file(UNESCO))
    again = library.import_catalog(src)
    assert [p.line for p in again.left_out] == [3] and again.updated == 1
    assert [s.uri for s in library.get_item("S1").subjects] == [ORANGE, EPIC]


def test_odd_cells_spaces_empty_trailing_separators_brackets_and_a_uri_with_a_semicolon(
    library, tmp_path
):
    library.import_vocabulary(data_file(TATE))
    vocabulary = tmp_path / "odd.ttl"
    vocabulary.write_text(ODD_VOCABULARY, encoding="utf-8")
    library.import_vocabulary(vocabulary)
    src = write_csv(
        tmp_path / "odd.csv",
        ["Object Number", "Title", "Keywords", "Subjects"],
        [
            ["O1", "a", "  boats ;; harbour ; ", f"  {ORANGE}  ;  "],
            ["O2", "b", ";", ";"],
            ["O3", "c", "x" * 201 + "; kept", f"<{ORANGE}>;{ODD}"],
            ["O4", "d", "", f"{ODD}; {ORANGE}"],
        ],
    )
    report = library.import_catalog(src)
    assert report.created == 4 and report.rejected == ()
    assert [(p.line, "longer than" in p.reason) for p in report.left_out] == [(4, True)]
    assert library.get_item("O1").keywords == ("boats", "harbour")
    assert [s.uri for s in library.get_item("O1").subjects] == [ORANGE]
    assert library.get_item("O2").keywords == () and library.get_item("O2").subjects == ()
    assert library.get_item("O3").keywords == ("kept",)
    assert [s.uri for s in library.get_item("O3").subjects] == [ORANGE, ODD]
    assert [s.uri for s in library.get_item("O4").subjects] == [ODD, ORANGE]
    out = tmp_path / "out.csv"
    library.export_catalog(out)
    assert {r["accession"]: r["subjects"] for r in read_rows(out)}["O4"] == (
        "http://example.org/voc/x\\;v=2; " + ORANGE
    )
    back = library.import_catalog(out)
    assert (back.updated, back.unchanged, back.left_out) == (0, 4, ())


def test_json_catalog_arrays_of_keywords_and_subject_objects(library, tmp_path):
    library.import_vocabulary(data_file(UNESCO))
    src = tmp_path / "cat.json"
    records = [
        {
            "accession": "J1",
            "title": "Saga",
            "keywords": ["saga", "a; b", 1890],
            "subjects": [{"uri": EPIC, "label": "Epic poetry"}],
        },
        {"accession": "J2", "title": "Two", "keywords": "one; two", "subjects": [EPIC]},
        {"accession": "J3", "title": "None", "keywords": [], "subjects": []},
    ]
    src.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    report = library.import_catalog(src)
    assert (report.created, report.rejected, report.left_out) == (3, (), ())
    assert library.get_item("J1").keywords == ("saga", "a; b", "1890")
    assert [s.uri for s in library.get_item("J1").subjects] == [EPIC]
    assert library.get_item("J2").keywords == ("one", "two")
    assert library.get_item("J3").extra == {}  # the columns are tags, not extra fields


def test_a_column_merely_named_subjects_stays_an_extra_field(library):
    """Tate's JSON records have a tree of subject names under "subjects", no URIs."""
    folder = data_file("catalogs/tate/artworks_json_sample")
    record = sorted(folder.glob("*.json"))[0]
    report = library.import_catalog(record, key="acno")
    assert report.created == 1 and report.left_out == ()
    [item] = library.list_items()
    assert item.subjects == () and "children" in item.extra["subjects"]


def test_columns_mapped_by_hand_and_a_tag_column_is_no_key(library, tmp_path):
    library.import_vocabulary(data_file(TATE))
    src = write_csv(
        tmp_path / "cat.csv",
        ["inv", "Schlagworte", "Sachbegriff"],
        [["M1", "Hafen; Schiff", ORANGE]],
    )
    report = library.import_catalog(
        src,
        key="inv",
        mapping={"accession": "inv", "keywords": "Schlagworte", "subjects": "Sachbegriff"},
    )
    assert report.created == 1
    item = library.get_item("M1")
    assert item.keywords == ("Hafen", "Schiff") and item.extra == {}
    assert [s.label for s in item.subjects] == ["orange"]
    from provenance import InvalidValue

    with pytest.raises(InvalidValue, match="tags cannot identify"):
        library.import_catalog(src, key="Schlagworte", mapping={"keywords": "Schlagworte"})


@pytest.mark.parametrize(
    "values",
    [["a"], ["a;b", "c"], ["\\", "\\;", ";\\"], ["x\\;y"], ["[a]"], ['["a"]'], ["  "[:0] + "é"]],
)
def test_join_and_split_give_back_the_same_keywords(values):
    assert split_tags(join_tags(values)) == values


def test_split_subjects_reads_uri_lists():
    assert split_subjects(f"{ORANGE};{EPIC}") == [ORANGE, EPIC]
    assert split_subjects(f"{ODD};{EPIC}") == [ODD, EPIC]
    assert split_subjects(f" <{ODD}> ") == [ODD]
    assert split_subjects(json.dumps([{"uri": EPIC}, ORANGE])) == [EPIC, ORANGE]
    assert split_subjects(" ; ;") == []
