"""The purpose in every language: as typed in its own language, the registrar's translation in
another, and otherwise the purpose as typed with a marker naming its language, never passed off
as the reader's own words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provenance.domain.views import PURPOSE_KEY, DisclosureView
from provenance.domain.wording import available_languages, disclosure_wording

PURPOSE = "reconstruct torn corner"
#: What the detail says when the English purpose has no translation, in each language.
MARKED = {
    "fr": "Objectif (non traduit, en anglais)\u00a0: reconstruct torn corner.",
    "es": "Finalidad (sin traducir, en inglés): reconstruct torn corner.",
    "de": "Zweck (nicht übersetzt, auf Englisch): reconstruct torn corner.",
    "nb": "Formål (ikke oversatt, på engelsk): reconstruct torn corner.",
}
TRANSLATED = {
    "fr": ("reconstituer le coin déchiré", "Objectif\u00a0: reconstituer le coin déchiré."),
    "es": ("reconstruir la esquina rota", "Finalidad: reconstruir la esquina rota."),
    "de": ("die abgerissene Ecke rekonstruieren", "Zweck: die abgerissene Ecke rekonstruieren."),
    "nb": ("rekonstruere det revne hjørnet", "Formål: rekonstruere det revne hjørnet."),
}


def _restored(purpose: str | None = PURPOSE, overrides: dict | None = None) -> DisclosureView:
    return DisclosureView(
        id=1,
        item_id=1,
        asset_id=None,
        category="ai-restored",
        tools=(),
        purpose=purpose,
        extent=None,
        fields=(),
        overrides=overrides or {},
        review_state="draft",
        reviewed_by=None,
        reviewed_at=None,
        approved_by=None,
        approved_at=None,
        created_at="2026-05-01T10:00:00",
    )


def test_all_five_languages_are_covered() -> None:
    assert set(MARKED) | {"en"} == set(available_languages())


def test_the_source_language_shows_the_purpose_as_typed() -> None:
    detail = disclosure_wording(_restored(), [], language="en", source_language="en").detail
    assert detail.endswith(" Purpose: reconstruct torn corner.")
    assert "translated" not in detail
    # A full stop typed by the registrar is not doubled.
    typed = _restored(PURPOSE + ".")
    assert disclosure_wording(typed, [], language="en").detail.endswith("corner.")


@pytest.mark.parametrize("language", sorted(MARKED))
def test_other_languages_mark_an_untranslated_purpose(language: str) -> None:
    detail = disclosure_wording(_restored(), [], language=language, source_language="en").detail
    assert detail.endswith(" " + MARKED[language])


@pytest.mark.parametrize("language", sorted(TRANSLATED))
def test_a_translation_is_used_in_its_language_only(language: str) -> None:
    text, wanted = TRANSLATED[language]
    d = _restored(overrides={PURPOSE_KEY.format(language=language): text + "."})
    assert d.purpose_translation(language) == text + "." and d.own_sentence(language) is None
    assert disclosure_wording(d, [], language=language).detail.endswith(" " + wanted)
    # English, the source, is untouched; another language is still marked.
    assert disclosure_wording(d, [], language="en").detail.endswith(
        " Purpose: reconstruct torn corner."
    )
    other = "es" if language != "es" else "fr"
    assert disclosure_wording(d, [], language=other).detail.endswith(" " + MARKED[other])
    # The purpose key is not an own sentence: the generated sentence stays.
    generated = disclosure_wording(_restored(), [], language=language).sentence
    assert disclosure_wording(d, [], language=language).sentence == generated


def test_a_spanish_purpose_is_marked_in_english_and_german() -> None:
    d = _restored("reconstruir la esquina rota")
    assert disclosure_wording(d, [], language="es", source_language="es").detail.endswith(
        " Finalidad: reconstruir la esquina rota."
    )
    assert disclosure_wording(d, [], language="en", source_language="es").detail.endswith(
        " Purpose (not translated, in Spanish): reconstruir la esquina rota."
    )
    assert disclosure_wording(d, [], language="de", source_language="es").detail.endswith(
        " Zweck (nicht übersetzt, auf Spanisch): reconstruir la esquina rota."
    )


def test_no_purpose_says_nothing_even_with_a_left_over_translation() -> None:
    d = replace(_restored(None), overrides={"purpose:es": "reconstruir"})
    detail = disclosure_wording(d, [], language="es").detail
    assert "Finalidad" not in detail and detail.endswith(".")
