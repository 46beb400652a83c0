"""History lines say what changed in a disclosure statement or in an item's tags, in words."""

from __future__ import annotations

from desktop.history_text import describe_entry


def test_statement_changes_in_words(library) -> None:
    item = library.create_item({"accession": "1976.37", "title": "Harbour"})
    library.add_tool("Restorer X", "Acme", "2.1")
    library.disclose(item.id, "ai-restored", tools=["Restorer X"], purpose="fill a torn corner")
    library.review(item.id, "approved", "Dana Registrar")
    library.override_purpose(item.id, "ai-restored", "es", "rellenar una esquina rota")
    library.override_sentence(item.id, "ai-restored", "de", "Eigener Satz.")
    library.override_sentence(item.id, "ai-restored", "de", None)
    lines = [describe_entry(e) for e in library.history(item.id)][-4:]
    assert lines[0] == "disclosure AI-restored: draft -> approved by Dana Registrar"
    assert lines[1] == (
        "disclosure AI-restored: purpose translation in es: rellenar una esquina rota; "
        "approved -> draft"
    )
    assert lines[2] == "disclosure AI-restored: own sentence in de: Eigener Satz."
    assert lines[3] == "disclosure AI-restored: own sentence in de removed"


def test_tagging_in_words(library) -> None:
    item = library.create_item({"accession": "1976.38", "title": "Boats"})
    library.tag([item.id], add=["harbour", "boats"])
    library.tag([item.id], remove=["boats"])
    lines = [describe_entry(e) for e in library.history(item.id)][-2:]
    assert lines == ["tags: +keyword harbour; +keyword boats", "tags: -keyword boats"]
