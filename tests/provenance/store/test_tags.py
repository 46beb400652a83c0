"""Keywords and subjects: real vocabularies from ../shared/data/vocabularies, history and undo,
full-text and tag filters (a broader concept finds narrower ones), re-import keeps tags."""

from __future__ import annotations

import pytest

from provenance import InvalidValue, LibraryError, SearchFilters
from tests.conftest import data_file

TATE = "vocabularies/tate-subjects/tate-skos.ttl"
UNESCO = "vocabularies/unesco-thesaurus-culture/unesco-thesaurus-culture-domain.ttl"
ORANGE = "http://w3id.org/tate-skos#0132c001b3e2429fa3cc12fff10d73e4"  # nature > trees > orange
EPIC = "http://vocabularies.unesco.org/thesaurus/concept10066"  # Epic poetry, five languages

SMALL = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix skosxl: <http://www.w3.org/2008/05/skos-xl#> .
@prefix ex: <http://example.org/voc/> .
ex:a a skos:ConceptScheme ; skos:prefLabel "Scheme A"@en .
ex:b a skos:ConceptScheme ; skos:prefLabel "Scheme B"@en .
ex:vessel a skos:Concept ; skos:inScheme ex:a ; skos:prefLabel "vessels"@en ;
    skos:narrower ex:jug .
ex:jug a skos:Concept ; skos:inScheme ex:a ; skosxl:prefLabel [ skosxl:literalForm "{jug}"@en ] ;
    skosxl:altLabel [ skosxl:literalForm "Krug"@de ] ; skos:hiddenLabel "ewer"@en .
ex:blue a skos:Concept ; skos:inScheme ex:b ; skos:prefLabel "blue"@en, "bleu"@fr .
"""


def write_small(tmp_path, jug="jug", name="small.ttl"):
    path = tmp_path / name
    path.write_text(SMALL.replace("{jug}", jug), encoding="utf-8")
    return path


def test_real_vocabularies_import_with_schemes_labels_and_links(library):
    tate = library.import_vocabulary(data_file(TATE))
    assert [s.title for s in tate.schemes] == ["Tate subject hierarchy"]
    assert tate.concepts == 2409 and tate.new == 2409 and tate.links > 2000
    unesco = library.import_vocabulary(data_file(UNESCO))
    assert unesco.schemes[0].uri == "http://vocabularies.unesco.org/thesaurus"
    assert [v.concepts for v in library.vocabularies()] == [2409, unesco.concepts]


def test_several_schemes_skos_xl_and_narrower_links_from_one_file(library, tmp_path):
    report = library.import_vocabulary(write_small(tmp_path))
    assert sorted(s.title for s in report.schemes) == ["Scheme A", "Scheme B"]
    assert report.links == 1
    library.create_item({"accession": "J1", "title": "Stoneware"})
    library.tag(["J1"], subjects=["http://example.org/voc/jug"])
    item = library.get_item("J1")
    assert [(s.label, s.scheme) for s in item.subjects] == [("jug", "http://example.org/voc/a")]
    for term in ("jug", "Krug", "EWER", "vessels", "http://example.org/voc/vessel"):
        assert [i.accession for i in library.list_items(filters=SearchFilters(tag=term))] == [
            "J1"
        ], term
    assert library.list_items(filters=SearchFilters(tag="blue")) == []


@pytest.mark.parametrize(
    "fmt,suffix",
    [
        ("xml", ".rdf"),
        ("nt", ".nt"),
        ("json-ld", ".jsonld"),
        ("trig", ".trig"),
        ("turtle", ".data"),
    ],
)
def test_every_rdf_syntax_is_read(library, tmp_path, fmt, suffix):
    import rdflib

    graph = rdflib.Graph().parse(data=SMALL.replace("{jug}", "jug"), format="turtle")
    path = tmp_path / f"small{suffix}"
    path.write_text(graph.serialize(format=fmt), encoding="utf-8")
    report = library.import_vocabulary(path)
    assert report.concepts == 3 and report.links == 1


def test_a_file_that_is_not_rdf_is_refused_with_its_name(library, tmp_path):
    bad = tmp_path / "notes.ttl"
    bad.write_text("this is not turtle {", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"notes\.ttl"):
        library.import_vocabulary(bad)


def test_keywords_are_unique_regardless_of_case_and_in_history_and_search(library):
    library.create_item({"accession": "K1", "title": "Harbour"})
    library.create_item({"accession": "K2", "title": "Field"})
    report = library.tag(["K1", "K2", "nope"], add=["Café", "boats"])
    assert report.changed == ("K1", "K2") and report.not_found == ("nope",)
    again = library.tag(["K1"], add=["CAFÉ", "Boats"])
    assert again.unchanged == ("K1",)
    assert library.get_item("K1").keywords == ("Café", "boats")
    assert [i.accession for i in library.list_items("boats")] == ["K1", "K2"]
    assert [i.accession for i in library.list_items(filters=SearchFilters(tag="cAfé"))] == [
        "K1",
        "K2",
    ]
    entries = [e for e in library.history() if e.action == "tag"]
    assert len(entries) == 2  # one per item changed
    library.revert(entries[0].seq)
    assert library.get_item("K1").keywords == ()
    assert [i.accession for i in library.list_items("boats")] == ["K2"]
    assert library.verify_history().ok


def test_subjects_broader_finds_narrower_in_any_language_and_undo(library):
    library.import_vocabulary(data_file(TATE))
    library.import_vocabulary(data_file(UNESCO))
    library.create_item({"accession": "S1", "title": "Orchard"})
    library.create_item({"accession": "S2", "title": "Beowulf"})
    library.tag(["S1"], subjects=[ORANGE])
    library.tag(["S2"], subjects=[EPIC], add=["manuscript"])
    view = library.get_item("S2")
    assert view.keywords == ("manuscript",)
    assert [(s.uri, s.label) for s in view.subjects] == [(EPIC, "Epic poetry")]
    by_tag = lambda t: [i.accession for i in library.list_items(filters=SearchFilters(tag=t))]  # noqa: E731
    assert by_tag("orange") == ["S1"]
    assert by_tag("trees") == ["S1"] and by_tag("nature") == ["S1"]  # broader finds narrower
    assert by_tag("Poésie épique") == ["S2"] and by_tag("ЭПИЧЕСКАЯ ПОЭЗИЯ") == ["S2"]
    assert [i.accession for i in library.list_items("épique")] == ["S2"]  # full text, French
    rows = library.list_items(details=True)
    assert rows[1].to_dict()["subjects"][0] == {
        "uri": EPIC,
        "label": "Epic poetry",
        "scheme": "http://vocabularies.unesco.org/thesaurus",
    }
    with pytest.raises(InvalidValue, match="no imported vocabulary"):
        library.tag(["S1"], subjects=["http://example.org/unknown"])
    library.tag(["S1"], unsubjects=[ORANGE])
    assert library.get_item("S1").subjects == ()
    last = library.history()[-1]
    library.revert(last.seq)
    assert [s.uri for s in library.get_item("S1").subjects] == [ORANGE]
    assert by_tag("trees") == ["S1"]
    assert library.verify_history().ok


def test_undo_refuses_when_tags_changed_again(library):
    library.create_item({"accession": "U1"})
    library.tag(["U1"], add=["one"])
    first = library.history()[-1].seq
    library.tag(["U1"], add=["two"])
    with pytest.raises(InvalidValue, match="changed again"):
        library.revert(first)


def test_reimporting_a_newer_version_updates_labels_and_keeps_tags(library, tmp_path):
    library.import_vocabulary(write_small(tmp_path))
    library.create_item({"accession": "R1"})
    library.tag(["R1"], subjects=["http://example.org/voc/jug"])
    assert [i.accession for i in library.list_items("jug")] == ["R1"]
    report = library.import_vocabulary(write_small(tmp_path, jug="pitcher"))
    assert report.new == 0 and report.updated == 3
    item = library.get_item("R1")
    assert [s.label for s in item.subjects] == ["pitcher"]
    assert [i.accession for i in library.list_items("pitcher")] == ["R1"]
    assert library.list_items("jug") == []  # the index was told the old words went
    assert [i.accession for i in library.list_items(filters=SearchFilters(tag="vessels"))] == ["R1"]
    assert library.verify_history().ok


def test_deleting_a_tagged_item_removes_its_tags(library, tmp_path):
    library.import_vocabulary(write_small(tmp_path))
    library.create_item({"accession": "D1"})
    library.tag(["D1"], add=["x"], subjects=["http://example.org/voc/blue"])
    library.delete_item("D1")
    assert library.list_items(filters=SearchFilters(tag="x")) == []
