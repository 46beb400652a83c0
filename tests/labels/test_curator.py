"""Labels a curator would hang: readable dates in the label's language, italic titles,
dimensions, maker's nationality and dates, plain zeros on wall and case labels, no holes where a
field is missing, and preflight that catches file names and characters no font can show."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QTextLayout

from labels import LabelContent, get_template, label_content, render_pdf, render_png
from labels.fonts import label_font, register_fonts
from labels.preflight import looks_like_file_name
from provenance import ItemView, Wording
from tests.labels.conftest import needs_poppler, pdf_fonts, pdf_text

WORDING = Wording(
    "AI-restored",
    "Damaged areas were reconstructed with Restorer X 2.1; approved by Dana Registrar.",
    "",
    "en",
)


def _item(**fields: object) -> ItemView:
    values: dict[str, object] = {
        "id": 3,
        "accession": "CR.2019.2",
        "title": "Torn studio photograph",
        "maker": "Émile Durand",
        "date": "2024-03-22",
        "medium": "Albumen print",
        "credit_line": "Gift of the Credence Friends",
        "rights": None,
        "description": "A studio portrait, torn across the lower left corner.",
        "extra": {
            "dimensions": "16.5 × 10.8 cm",
            "maker_nationality": "French",
            "maker_dates": "1851–1919",
        },
        "created_at": "2025-01-01T00:00:00+00:00",
        "updated_at": "2025-01-01T00:00:00+00:00",
    }
    values.update(fields)
    return ItemView(**values)  # type: ignore[arg-type]


def test_content_says_dates_in_words_and_names_the_maker_fully():
    content = label_content(_item(), WORDING)
    assert content.date == "22 March 2024"
    assert content.maker == "Émile Durand (French, 1851–1919)"
    assert content.dimensions == "16.5 × 10.8 cm"
    assert content.description.startswith("A studio portrait")
    assert label_content(_item(date="1890~"), WORDING).date == "about 1890"
    assert label_content(_item(date="../1900"), WORDING).date == "before 1900"
    assert label_content(_item(date="about 1890"), WORDING).date == "about 1890"  # free text
    # The label's language decides, whatever language the wording has.
    assert label_content(_item(), None, language="de").date == "22. März 2024"
    # A maker written with nationality and dates already is not repeated.
    written = _item(maker="Émile Durand (French, 1851–1919)")
    assert label_content(written, None).maker == "Émile Durand (French, 1851–1919)"
    assert label_content(_item(extra={}), None).maker == "Émile Durand"


@needs_poppler
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "22 March 2024"),
        ("fr", "22 mars 2024"),
        ("es", "22 de marzo de 2024"),
        ("de", "22. März 2024"),
        ("nb", "22. mars 2024"),
    ],
)
def test_pdf_prints_the_date_in_the_labels_language(gui, tmp_path: Path, language, said):
    out = tmp_path / "wall.pdf"
    render_pdf([label_content(_item(), None, language=language)], get_template("wall"), out)
    text = pdf_text(out)
    assert said in text and "2024-03-22" not in text


@needs_poppler
def test_wall_pdf_has_italic_title_dimensions_and_maker_details(gui, tmp_path: Path):
    out = tmp_path / "wall.pdf"
    render_pdf([label_content(_item(date="1890~"), WORDING)], get_template("wall"), out)
    text = pdf_text(out)
    assert "Torn studio photograph" in text
    assert "Émile Durand (French, 1851–1919), about 1890" in text
    assert "Albumen print, 16.5 × 10.8 cm" in text
    names = {font["name"].split("+")[-1] for font in pdf_fonts(out)}
    assert "SourceSans3-BoldItalic" in names  # the title: a real italic, not a slanted roman
    assert not any("Atkinson" in name for name in names)


@needs_poppler
def test_a5_card_prints_the_optional_description(gui, tmp_path: Path):
    out = tmp_path / "a5.pdf"
    render_pdf([label_content(_item(), WORDING)], get_template("a5"), out)
    assert "A studio portrait, torn across the lower left corner." in pdf_text(out)
    wall = tmp_path / "wall.pdf"
    render_pdf([label_content(_item(), WORDING)], get_template("wall"), wall)
    assert "studio portrait" not in pdf_text(wall)  # the wall template leaves it out


def _ink_at_centre(family: str) -> int:
    """Darkness (0-255) at the centre of a large "0" set in `family`'s label font."""
    register_fonts()
    image = QImage(400, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    layout = QTextLayout("0", label_font((family,), 200))
    layout.beginLayout()
    line = layout.createLine()
    layout.endLayout()
    painter = QPainter(image)
    layout.draw(painter, QPointF(50, 50))
    painter.end()
    x = round(50 + line.naturalTextWidth() / 2)
    y = round(50 + line.ascent() - line.ascent() * 0.35)  # half a figure's height up
    return 255 - min(image.pixelColor(x + dx, y + dy).lightness() for dx in (-2, 0, 2)
                     for dy in (-2, 0, 2))  # fmt: skip


def test_wall_and_case_zeros_are_not_slashed(gui):
    # A slashed zero has ink in the middle of its counter; a plain one is empty there.
    assert _ink_at_centre("Atkinson Hyperlegible") > 128  # the reason for the change
    for name in ("wall", "case"):
        assert _ink_at_centre(get_template(name).font_family) < 40, name


def test_a_missing_maker_leaves_no_gap(gui, tmp_path: Path):
    template = get_template("wall")
    full = label_content(_item(), WORDING)
    bare = label_content(_item(maker=None, date=None, extra={}), WORDING)
    with_maker, without = render_png([full, bare], template, tmp_path / "w.png", dpi=72)
    assert "maker+date" in with_maker.layout.lines
    assert "maker+date" not in without.layout.lines
    # The badge moves up by what the maker took, and follows the last field by one blank line.
    for label in (with_maker, without):
        boxes = label.layout.boxes
        last = boxes["accession"]
        gap = boxes["badge"][1] - (last[1] + last[3])
        assert 0 < gap < 1.5 * template.sizes["badge"], gap
    assert without.layout.boxes["badge"][1] < with_maker.layout.boxes["badge"][1]


@pytest.mark.parametrize(
    "title",
    ["IMG_0003", "DSC01234.jpg", "scan-3", "PXL_20240322_101010", "Screenshot 2024-03-22", "a.tif"],
)
def test_titles_that_are_file_names(gui, tmp_path: Path, title):
    assert looks_like_file_name(title)
    content = LabelContent(title=title, maker="Émile Durand", accession="CR.1")
    [label] = render_png([content], get_template("case"), tmp_path / "c.png", dpi=72)
    [finding] = [f for f in label.findings if f.rule == "file-name-title"]
    assert title in finding.message and "file name" in finding.message


@pytest.mark.parametrize(
    "title", ["Harbour at dusk", "Composition VII", "Study No. 3", "Room 101", "1952", "Untitled"]
)
def test_real_titles_pass(gui, tmp_path: Path, title):
    assert not looks_like_file_name(title)
    [label] = render_png(
        [LabelContent(title=title)], get_template("case"), tmp_path / "c.png", dpi=72
    )
    assert not [f for f in label.findings if f.rule == "file-name-title"]


def _some_font_has(codepoint: int) -> bool:
    if not shutil.which("fc-list"):
        return True  # cannot tell: do not assert on this machine's fonts
    out = subprocess.run(
        ["fc-list", f":charset={codepoint:x}", "family"], capture_output=True, text=True
    ).stdout
    return bool(out.strip())


def test_characters_no_font_can_show_are_reported(gui, tmp_path: Path):
    linear_b = "\U00010000"  # LINEAR B SYLLABLE B008 A: in no font Debian installs by default
    if _some_font_has(0x10000):
        pytest.skip("a font on this machine has Linear B glyphs")
    content = LabelContent(title=f"Tablet {linear_b}", maker="Arthur Evans", accession="X.1")
    [label] = render_png([content], get_template("wall"), tmp_path / "w.png", dpi=72)
    [finding] = [f for f in label.findings if f.rule == "missing-glyph"]
    assert "U+10000" in finding.message and "title" in finding.message
    # Latin-extended, Norwegian and Polish letters are in the bundled fonts: nothing to say.
    fine = LabelContent(title="Łódź, Øre, Œuvre", maker="Ångström", accession="X.2")
    [label] = render_png([fine], get_template("wall"), tmp_path / "w.png", dpi=72)
    assert not [f for f in label.findings if f.rule == "missing-glyph"]


def test_characters_seen_before_are_reported_as_when_first_seen(gui):
    # A text made only of characters already found fine skips the check of each one; every
    # text still reports exactly the characters a check of each one finds missing.
    from labels.preflight import _has_glyph, missing_characters

    register_fonts()
    families = ("Source Sans 3", "Atkinson Hyperlegible")
    linear_b = "\U00010000"
    texts = [
        f"Tablet {linear_b}",
        "Tablet",
        "let Tab",  # new text, all of it seen
        f"{linear_b} bat, Łódź",
        "Łódź bat",
        f"Ab {linear_b}\u2068x\u2069",
    ]
    for bold, italic in ((False, False), (True, True)):
        for text in texts:
            expected = [
                c
                for c in dict.fromkeys(text)
                if not c.isspace()
                and unicodedata.category(c) not in ("Cc", "Cf")
                and not _has_glyph(families, c, bold, italic)
            ]
            found = missing_characters(text, families, bold=bold, italic=italic)
            assert found == expected, text


def test_italic_is_only_for_scripts_that_have_it(gui, tmp_path: Path):
    # An Arabic or Japanese title stays upright: a slanted fallback may lack the glyphs.
    content = LabelContent(title="صورة امرأة", maker="محمد بن علي", language="ar")
    [label] = render_png([content], get_template("wall"), tmp_path / "w.png", dpi=72)
    assert not [f for f in label.findings if f.rule == "missing-glyph"]
