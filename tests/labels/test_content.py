"""Label content from the record: catalog fields plus the disclosure wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from labels import label_content, render_pdf
from labels.templates import get_template
from provenance.domain.views import ItemView
from provenance.domain.wording import Wording
from tests.labels.conftest import needs_poppler, pdf_text


def _item(**fields: object) -> ItemView:
    values: dict[str, object] = {
        "id": 7,
        "accession": "1952.14.3",
        "title": "Harbour at Dusk",
        "maker": "Émile Laurent",
        "date": "c. 1890",
        "medium": "Albumen silver print",
        "credit_line": "Gift of the Friends of the Museum",
        "rights": None,
        "description": "Not printed on labels.",
        "extra": {},
        "created_at": "2025-01-01T00:00:00+00:00",
        "updated_at": "2025-01-01T00:00:00+00:00",
    }
    values.update(fields)
    return ItemView(**values)  # type: ignore[arg-type]


def test_label_content_takes_catalog_fields_and_wording():
    wording = Wording("AI-restored", "Damaged areas were reconstructed.", "detail", "fr")
    content = label_content(_item(), wording, qr_text="https://example.org/1952.14.3", draft=True)
    assert content.title == "Harbour at Dusk"
    assert content.accession == "1952.14.3"
    assert content.credit_line == "Gift of the Friends of the Museum"
    assert (content.badge, content.sentence) == ("AI-restored", "Damaged areas were reconstructed.")
    assert content.language == "fr"
    assert content.qr_text == "https://example.org/1952.14.3"
    assert content.draft is True


def test_label_content_without_wording_has_no_disclosure():
    content = label_content(_item(maker="  Émile \n Laurent ", medium="  "), None)
    assert content.badge is None and content.sentence is None and content.qr_text is None
    assert content.maker == "Émile Laurent"  # spreadsheet whitespace collapsed
    assert content.medium is None
    assert content.draft is False


@needs_poppler
@pytest.mark.slow
def test_a_label_prints_the_words_the_library_records(library, gui, tmp_path: Path):
    item = library.create_item({"accession": "2024.1", "title": "Winter Market", "maker": "Bo V"})
    library.add_tool("Photoshop Generative Fill", "Adobe")
    library.disclose(item.accession, "ai-restored", tools=["Photoshop Generative Fill"])
    library.review(item.accession, "approved", by="Jane Doe")
    (_, wording) = library.wordings(item.accession)[0]
    content = label_content(library.get_item(item.accession), wording)
    out = tmp_path / "label.pdf"
    render_pdf([content], get_template("wall"), out)
    text = pdf_text(out)
    assert "Winter Market" in text
    assert wording.badge in text
    assert wording.sentence in text


@needs_poppler
@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "es", "de", "nb"])
def test_the_wording_prints_in_the_chosen_language(language, library, gui, tmp_path: Path):
    from provenance.domain.wording import available_languages

    if language not in available_languages():
        pytest.skip(f"no {language} disclosure wording yet")
    item = library.create_item({"accession": "2024.2", "title": "Le Marché"})
    library.add_tool("Topaz Photo AI", "Topaz Labs", version="3.1")
    library.disclose(item.accession, "ai-enhanced", tools=["Topaz Photo AI"])
    library.review(item.accession, "approved", by="Jeanne Dupont")
    (_, wording) = library.wordings(item.accession, language=language)[0]
    (_, english) = library.wordings(item.accession, language="en")[0]
    assert wording.language == language and wording.sentence != english.sentence
    content = label_content(library.get_item(item.accession), wording)
    out = tmp_path / f"{language}.pdf"
    render_pdf([content], get_template("case"), out)
    text = pdf_text(out)
    assert wording.badge in text
    assert wording.sentence in text
    assert english.sentence not in text


@needs_poppler
@pytest.mark.parametrize("template", ["wall", "case", "a6"])
def test_words_with_f_ligatures_read_back_whole(template, gui, tmp_path: Path):
    """Copying a label's text (or a screen reader reading the PDF) gets every letter: with the
    fonts' ligatures on, Qt's PDF text mapping dropped the "ft" of "Gift" ("Gi of the ...")."""
    from tests.labels.conftest import sample

    words = "Gift of the Office Staff, fine flat waffle"
    out = tmp_path / f"{template}.pdf"
    render_pdf([sample(credit_line=words)], get_template(template), out)
    assert words in pdf_text(out)
