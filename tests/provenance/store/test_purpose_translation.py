"""Purpose translations through the facade: kept beside the own sentences, recorded in history,
sending the statement back to draft, judged by staleness, undone, and dropped with the purpose
they translate."""

from __future__ import annotations

import pytest

from provenance import InvalidValue, NotFound
from provenance.exporting.staleness import _disclosure_differences


def _detail(library, language: str) -> str:
    [(_, wording)] = library.wordings("P1", language)
    return wording.detail


@pytest.fixture
def approved(library):
    library.create_item({"accession": "P1", "title": "Letter"})
    library.disclose("P1", "ai-restored", purpose="reconstruct torn corner")
    library.review("P1", "approved", "Dana Registrar")
    return library


def test_translation_used_recorded_and_back_to_draft(approved):
    library = approved
    [(_, generated)] = library.wordings("P1", "es")
    assert _detail(library, "es").endswith(
        "Finalidad (sin traducir, en inglés): reconstruct torn corner."
    )
    view = library.override_purpose("P1", "ai-restored", "es", "reconstruir la esquina rota")
    assert view.review_state == "draft"  # the approval covers the words approved
    assert view.overrides == {"purpose:es": "reconstruir la esquina rota"}
    assert view.purpose_translation("es") == "reconstruir la esquina rota"
    assert _detail(library, "es").endswith("Finalidad: reconstruir la esquina rota.")
    assert _detail(library, "en").endswith("Purpose: reconstruct torn corner.")
    assert _detail(library, "de").endswith(
        "Zweck (nicht übersetzt, auf Englisch): reconstruct torn corner."
    )
    # The generated sentence in Spanish is not replaced by the purpose key.
    [(_, es)] = library.wordings("P1", "es")
    assert es.sentence.split(";")[0] == generated.sentence.split(";")[0]
    last = library.history("P1")[-1]
    assert last.action == "update"
    assert last.before["overrides"] == {} and last.before["review_state"] == "approved"
    assert last.after["overrides"] == {"purpose:es": "reconstruir la esquina rota"}
    assert last.after["review_state"] == "draft"
    # The same words again change nothing and record nothing.
    seq = library.history_head()
    library.override_purpose("P1", "ai-restored", "es", "reconstruir la esquina rota")
    assert library.history_head() == seq
    # An own sentence in the same language lives beside it.
    view = library.override_sentence("P1", "ai-restored", "es", "Una esquina se completó con IA.")
    assert view.own_sentence("es") == "Una esquina se completó con IA."
    assert view.purpose_translation("es") == "reconstruir la esquina rota"
    library.override_sentence("P1", "ai-restored", "es", None)
    # Removing the translation marks the purpose again.
    library.review("P1", "approved", "Dana Registrar")
    view = library.override_purpose("P1", "ai-restored", "es", None)
    assert view.overrides == {} and view.review_state == "draft"
    assert "sin traducir" in _detail(library, "es")
    assert library.verify_history().ok


def test_undo_restores_the_translation(approved):
    library = approved
    library.override_purpose("P1", "ai-restored", "fr", "reconstituer le coin déchiré")
    library.revert(library.history_head())
    view = library.get_item("P1").disclosures[0]
    assert view.overrides == {} and view.review_state == "approved"
    assert "non traduit" in _detail(library, "fr")


def test_a_new_purpose_drops_the_old_translations_but_not_own_sentences(approved):
    library = approved
    library.override_purpose("P1", "ai-restored", "nb", "rekonstruere det revne hjørnet")
    library.override_sentence("P1", "ai-restored", "nb", "Et hjørne ble fylt inn med KI.")
    library.disclose("P1", "ai-restored", purpose="fill the torn corner")
    view = library.get_item("P1").disclosures[0]
    assert view.overrides == {"nb": "Et hjørne ble fylt inn med KI."}
    assert _detail(library, "nb").endswith(
        "Formål (ikke oversatt, på engelsk): fill the torn corner."
    )
    # The same purpose again keeps its translations.
    library.override_purpose("P1", "ai-restored", "nb", "fylle det revne hjørnet")
    library.disclose("P1", "ai-restored", purpose="fill the torn corner")
    assert library.get_item("P1").disclosures[0].purpose_translation("nb")


def test_the_source_language_follows_the_library_setting(approved):
    library = approved
    library.update_settings({"language": "es"})
    # The purpose was typed while the library worded in English; the brief's rule: the
    # library's language is the purpose's own, so English now reads it as Spanish.
    assert _detail(library, "es").endswith("Finalidad: reconstruct torn corner.")
    assert "not translated, in Spanish" in _detail(library, "en")


def test_refusals_are_plain_sentences(approved):
    library = approved
    with pytest.raises(InvalidValue, match="no disclosure wording"):
        library.override_purpose("P1", "ai-restored", "xx", "x")
    with pytest.raises(NotFound, match="no ai-generated disclosure"):
        library.override_purpose("P1", "ai-generated", "es", "x")
    library.disclose("P1", "ai-restored", purpose=None)
    with pytest.raises(InvalidValue, match="no purpose to translate"):
        library.override_purpose("P1", "ai-restored", "es", "x")


def test_staleness_sees_a_translation_in_the_export_language_only():
    then = {(None, "ai-restored"): {"purpose": "p", "overrides": {}, "review_state": "draft"}}
    now = {
        (None, "ai-restored"): {
            "purpose": "p",
            "overrides": {"purpose:es": "q"},
            "review_state": "draft",
        }
    }
    assert _disclosure_differences(then, now, "es") == [
        "the disclosure wording changed (ai-restored)"
    ]
    assert _disclosure_differences(then, now, "en") == []
