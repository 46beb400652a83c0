"""Vocabularies shipped with Credence (resources/vocabularies): listed with their licences,
imported offline by name, re-imported without losing tags; every file has its attribution."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from provenance import InvalidValue, SearchFilters

EPIC = "http://vocabularies.unesco.org/thesaurus/concept10066"  # Epic poetry, five languages
NAMES = ["tate-subjects", "unesco-culture", "iptc-mediatopics"]


def _folder():
    return resources.files("resources") / "vocabularies"


def test_every_shipped_vocabulary_has_its_file_licence_and_attribution():
    index = json.loads((_folder() / "index.json").read_text("utf-8"))
    assert [v["name"] for v in index] == NAMES
    for entry in index:
        data = _folder() / entry["file"]
        assert data.is_file(), entry["file"]
        folder = _folder() / entry["file"].split("/")[0]
        attribution = (folder / "ATTRIBUTION.txt").read_text("utf-8")
        assert "Licence" in attribution and entry["licence"].split(" (")[0] in attribution
    # Apache-2.0 asks for the licence text itself; CC licences may be given by their URI.
    assert "Apache License" in (_folder() / "tate-subjects" / "LICENSE").read_text("utf-8")
    unesco = (_folder() / "unesco-culture" / "ATTRIBUTION.txt").read_text("utf-8")
    assert "Share-alike" in unesco and "by-sa/3.0/igo" in unesco


@pytest.mark.parametrize("name", NAMES)
def test_a_shipped_vocabulary_imports_offline_as_its_index_says(library, name):
    [listed] = [v for v in library.shipped_vocabularies() if v.name == name]
    assert not listed.imported and listed.licence and listed.attribution
    report = library.import_shipped_vocabulary(name)
    assert [s.uri for s in report.schemes] == [listed.scheme]
    assert report.concepts == listed.concepts and report.new == listed.concepts
    assert "shipped with Credence" in report.schemes[0].source
    [now] = [v for v in library.shipped_vocabularies() if v.name == name]
    assert now.imported


def test_reimporting_a_shipped_vocabulary_keeps_tags_and_other_languages_find_them(library):
    library.import_shipped_vocabulary("unesco-culture")
    library.create_item({"accession": "P1", "title": "Beowulf"})
    library.tag(["P1"], subjects=[EPIC])
    again = library.import_shipped_vocabulary(" UNESCO-culture ")
    assert again.new == 0 and again.updated == again.concepts
    assert [s.uri for s in library.get_item("P1").subjects] == [EPIC]
    for label in ("Epic poetry", "Poésie épique", "Эпическая поэзия"):
        found = library.list_items(filters=SearchFilters(tag=label))
        assert [i.accession for i in found] == ["P1"], label


def test_a_new_library_imports_no_vocabulary_by_itself(library):
    # A choice: each import costs about half a second of parsing, not paid on creation.
    assert library.vocabularies() == []


def test_an_unknown_name_and_a_concept_of_a_shipped_vocabulary_say_what_to_do(library):
    with pytest.raises(InvalidValue, match="the shipped ones are tate-subjects"):
        library.import_shipped_vocabulary("getty-aat")
    library.create_item({"accession": "P2"})
    with pytest.raises(InvalidValue, match="credence vocab import unesco-culture"):
        library.tag(["P2"], subjects=[EPIC])
