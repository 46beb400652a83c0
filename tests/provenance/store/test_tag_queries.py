"""Questions asked while tagging: completion in any language with scheme and broader path, a
vocabulary's tree (poly-hierarchy), sidebar counts, the preview of a tag operation (nothing
written), and subject labels in the library's language. Real vocabularies from ../shared/data.
"""

from __future__ import annotations

import json

import pytest

from provenance import InvalidValue, NotFound, SearchFilters
from provenance.store.tag_queries import prefix_range
from tests.conftest import data_file

UNESCO = "vocabularies/unesco-thesaurus-culture/unesco-thesaurus-culture-domain.ttl"
TATE = "vocabularies/tate-subjects/tate-skos.ttl"
AAT = "vocabularies/aat-linkedart-arches/aat-entries-arches-skos.ttl"
EPIC = "http://vocabularies.unesco.org/thesaurus/concept10066"  # Epic poetry (ar/en/es/fr/ru)
POETRY = "http://vocabularies.unesco.org/thesaurus/concept2493"  # broader of Epic poetry
PHOTOGRAPHS = "http://vocab.getty.edu/aat/300046300"  # two broader concepts in the selection
PHOTOGRAPHS_PARENTS = (
    "urn:uuid:0f3d6d10-5daf-45af-ba4d-c1543ba83374",  # Visual Work Type
    "urn:uuid:e5909f90-de56-40ed-8262-2b0b9ed629f2",
)


@pytest.fixture
def tagged(library):
    library.import_vocabulary(data_file(UNESCO))
    for n in range(1, 6):
        library.create_item({"accession": f"T{n}", "title": f"Item {n}"})
    library.tag(["T1", "T2", "T3"], add=["Harbour"])
    library.tag(["T1"], add=["harbour wall", "Ship"])
    library.tag(["T2", "T4"], subjects=[EPIC])
    return library


def test_prefix_range_bounds_every_string_with_the_prefix():
    low, high = prefix_range("Har")
    assert (low, high) == ("har", "has")
    assert all(low <= s < high for s in ("har", "harbour", "har\U0010ffff"))
    assert not low <= "has" < high
    assert prefix_range("  ") == ("", None)
    # The character after U+D7FF is a surrogate, which UTF-8 cannot hold: skip to U+E000.
    assert prefix_range("a\ud7ff")[1] == "a\ue000"
    assert prefix_range("\U0010ffff") == ("\U0010ffff", None)


def test_keywords_complete_with_counts_most_used_first_in_the_first_spelling(tagged):
    found = [s for s in tagged.tag_suggestions("HAR") if s.kind == "keyword"]
    assert [(s.text, s.count) for s in found] == [("Harbour", 3), ("harbour wall", 1)]
    assert tagged.tag_suggestions("") == [] and tagged.tag_suggestions("   ") == []
    assert [s.text for s in tagged.tag_suggestions("zzz-nothing")] == []


@pytest.mark.parametrize(
    ("typed", "label", "matched"),
    [
        ("Эпич", "Epic poetry", "Эпическая поэзия"),  # Russian
        ("شعر م", "Epic poetry", "شعر ملحمي"),  # Arabic
        ("poésie é", "Epic poetry", "Poésie épique"),  # French, typed with its accent
        ("epic", "Epic poetry", None),  # the label itself: nothing else to say
    ],
)
def test_concepts_complete_in_any_language_with_scheme_and_path(tagged, typed, label, matched):
    found = [s for s in tagged.tag_suggestions(typed) if s.uri == EPIC]
    assert len(found) == 1
    epic = found[0]
    assert (epic.kind, epic.text, epic.matched) == ("subject", label, matched)
    assert epic.scheme == "UNESCO Thesaurus"
    assert epic.path == ("Literary forms and genres", "Poetry")
    assert epic.path_uris[-1] == POETRY
    assert epic.path_text == "Literary forms and genres > Poetry"
    assert epic.count == 2  # T2 and T4


def test_completion_shows_labels_in_the_library_language(tagged):
    tagged.update_settings({"language": "fr"})
    epic = next(s for s in tagged.tag_suggestions("epic") if s.uri == EPIC)
    assert epic.text == "Poésie épique"
    assert epic.path == ("Forme et genre littéraire", "Poésie")
    assert epic.matched == "Epic poetry"


def test_subject_labels_of_items_follow_the_library_language(tagged):
    assert [s.label for s in tagged.get_item("T2").subjects] == ["Epic poetry"]
    tagged.update_settings({"language": "es"})
    assert [s.label for s in tagged.get_item("T2").subjects] == ["Poesía épica"]
    listed = tagged.list_items(details=True)
    assert [s.label for i in listed for s in i.subjects] == ["Poesía épica", "Poesía épica"]
    # German: UNESCO has no German label, so English (then no language, then any) is shown.
    tagged.update_settings({"language": "de"})
    assert tagged.get_item("T4").subjects[0].to_dict() == {
        "uri": EPIC,
        "label": "Epic poetry",
        "scheme": "http://vocabularies.unesco.org/thesaurus",
    }
    json.dumps(tagged.get_item("T4").to_dict())  # still JSON-ready


def test_a_scheme_keeps_completion_to_one_vocabulary(tagged):
    tagged.import_vocabulary(data_file(TATE))
    both = {s.scheme for s in tagged.tag_suggestions("poet", limit=50) if s.kind == "subject"}
    assert {"UNESCO Thesaurus", "Tate subject hierarchy"} <= both
    only = tagged.tag_suggestions("poet", scheme="http://vocabularies.unesco.org/thesaurus")
    assert only and {s.scheme for s in only} == {"UNESCO Thesaurus"}


def test_vocabulary_tree_top_concepts_children_and_poly_hierarchy(library):
    library.import_vocabulary(data_file(AAT))
    scheme = next(v.uri for v in library.vocabularies())
    top = library.concept_children(scheme)
    labels = [n.label for n in top]
    assert labels == sorted(labels, key=str.casefold)
    assert "Visual Work Type" in labels
    # A concept with two broader concepts is listed under both.
    for parent in PHOTOGRAPHS_PARENTS:
        assert PHOTOGRAPHS in [c.uri for c in library.concept_children(scheme, parent)]
    photographs = library.concept(PHOTOGRAPHS)
    assert (photographs.label, photographs.narrower, photographs.count) == ("photographs", 0, 0)
    suggestion = next(s for s in library.tag_suggestions("photographs") if s.uri == PHOTOGRAPHS)
    assert suggestion.other_paths == 1
    with pytest.raises(NotFound):
        library.concept_children("http://example.org/no-such-scheme")
    with pytest.raises(NotFound):
        library.concept_children(scheme, "http://example.org/no-such-concept")


def test_tree_counts_items_tagged_with_each_concept(tagged):
    scheme = "http://vocabularies.unesco.org/thesaurus"
    literary = next(n for n in tagged.concept_children(scheme) if n.label.startswith("Literary"))
    poetry = next(n for n in tagged.concept_children(scheme, literary.uri) if n.uri == POETRY)
    epic = next(n for n in tagged.concept_children(scheme, POETRY) if n.uri == EPIC)
    assert poetry.narrower >= 1 and epic.count == 2


def test_sidebar_counts_most_used_first(tagged):
    keywords, subjects = tagged.tag_counts()
    assert [(k.text, k.count) for k in keywords] == [
        ("Harbour", 3),
        ("harbour wall", 1),
        ("Ship", 1),
    ]
    assert [(s.text, s.count, s.uri, s.scheme) for s in subjects] == [
        ("Epic poetry", 2, EPIC, "UNESCO Thesaurus")
    ]
    # What the sidebar filters by finds exactly the counted items (and a broader concept the
    # narrower ones).
    for tag in [*keywords, *subjects]:
        assert tagged.count_items(filters=SearchFilters(tag=tag.term)) == tag.count
    assert tagged.count_items(filters=SearchFilters(tag=POETRY)) == 2
    assert len(tagged.tag_counts(limit=1)[0]) == 1


def test_preview_says_what_tag_would_do_and_writes_nothing(tagged):
    head = tagged.history_head()
    preview = tagged.preview_tag(
        ["T1", "T2", "T3", "T5", "NOPE"],
        add=["harbour", "Pier"],
        remove=["ship"],
        subjects=[POETRY],
        unsubjects=[EPIC],
    )
    assert tagged.history_head() == head
    assert preview.items == 4 and preview.not_found == ("NOPE",)
    assert [
        (line.kind, line.action, line.text, line.gain, line.lose) for line in preview.lines
    ] == [
        ("keyword", "add", "harbour", 1, 0),  # T5 lacks it; T1-T3 have "Harbour"
        ("keyword", "add", "Pier", 4, 0),
        ("keyword", "remove", "Ship", 0, 1),
        ("subject", "add", "Poetry", 4, 0),
        ("subject", "remove", "Epic poetry", 0, 1),
    ]
    assert preview.changed == 4 and preview.unchanged == 0
    report = tagged.tag(
        ["T1", "T2", "T3", "T5"],
        add=["harbour", "Pier"],
        remove=["ship"],
        subjects=[POETRY],
        unsubjects=[EPIC],
    )
    assert len(report.changed) == preview.changed


def test_preview_refuses_what_tag_refuses(tagged):
    with pytest.raises(InvalidValue, match="both added and removed"):
        tagged.preview_tag(["T1"], add=["Harbour"], remove=["HARBOUR"])
    with pytest.raises(InvalidValue, match="no imported vocabulary"):
        tagged.preview_tag(["T1"], subjects=["http://example.org/unknown"])
    with pytest.raises(InvalidValue, match="empty keyword"):
        tagged.preview_tag(["T1"], add=["  "])
    # Removing a concept nobody can have changes nothing, and says so.
    nothing = tagged.preview_tag(["T1"], unsubjects=["http://example.org/unknown"])
    assert nothing.changed == 0


def test_tags_of_a_selection_with_counts(tagged):
    ids = [tagged.get_item(a).id for a in ("T1", "T2", "T4")]
    found = [(t.kind, t.text, t.count) for t in tagged.tags_of(ids)]
    assert found == [
        ("keyword", "Harbour", 2),
        ("keyword", "harbour wall", 1),
        ("keyword", "Ship", 1),
        ("subject", "Epic poetry", 2),
    ]
    assert tagged.tags_of([]) == []
