"""PDF output read back with poppler: geometry, sheets, fonts, text, scripts, marks, QR."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
import segno
from PySide6.QtGui import QImage

from labels import LabelContent, get_template, preflight, render_pdf
from labels.paint import OVERFLOW_MARK
from tests.labels.conftest import (
    SENTENCE,
    fc_families,
    needs_poppler,
    page_size,
    pdf_fonts,
    pdf_info,
    pdf_text,
    plain,
    sample,
)

pytestmark = needs_poppler

PAGE_SIZES = {
    "wall": (648, 432),
    "case": (432, 288),
    "a6": (419.528, 297.638),
    "a5": (595.276, 419.528),
    "avery-5163": (612, 792),
    "avery-l7163": (595.276, 841.89),
    "sticker": (144, 72),
}


@pytest.mark.parametrize("name", sorted(PAGE_SIZES))
def test_page_geometry(name, gui, tmp_path: Path):
    out = tmp_path / f"{name}.pdf"
    rendered = render_pdf([sample()], get_template(name), out)
    # Qt writes the media box in whole points (A4 becomes 595 x 842): within one point.
    assert page_size(out) == pytest.approx(PAGE_SIZES[name], abs=1.0)
    assert pdf_info(out)["Pages"] == "1"
    assert [r.page for r in rendered] == [1]


def test_sheets_fill_in_order_and_continue_on_a_new_page(gui, tmp_path: Path):
    contents = [sample(title=f"Object number {n}", accession=f"2001.{n}") for n in range(1, 26)]
    out = tmp_path / "sheet.pdf"
    rendered = render_pdf(contents, get_template("avery-l7163"), out)
    assert pdf_info(out)["Pages"] == "2"
    assert [r.page for r in rendered] == [1] * 14 + [2] * 11
    first, second = pdf_text(out, page=1), pdf_text(out, page=2)
    assert "Object number 15" in second and "Object number 15" not in first
    assert "Object number 14" in first and "Object number 25" in second
    # Row by row: label 2 sits to the right of label 1, label 3 below label 1.
    boxes = [r.layout.boxes["title"] for r in rendered]
    assert boxes[1][0] > boxes[0][0] and boxes[1][1] == pytest.approx(boxes[0][1])
    assert boxes[2][1] > boxes[0][1] and boxes[2][0] == pytest.approx(boxes[0][0])


def test_fonts_are_embedded_and_text_is_selectable(gui, tmp_path: Path):
    out = tmp_path / "wall.pdf"
    render_pdf([sample()], get_template("wall"), out)
    fonts = pdf_fonts(out)
    assert fonts, "the PDF uses no fonts: text was drawn as outlines"
    assert all(font["emb"] == "yes" for font in fonts), fonts
    # Wall and case labels are set in Source Sans 3 (plain zeros); the title in its italic.
    names = {font["name"].split("+")[-1] for font in fonts}
    assert {"SourceSans3-Regular", "SourceSans3-BoldItalic"} <= names, fonts
    text = pdf_text(out)
    assert "Harbour at Dusk, Saint-Malo" in text
    assert "Émile Laurent (French, 1851–1919), c. 1890" in text
    assert "AI-restored" in text


def test_vector_output_has_no_images(gui, tmp_path: Path):
    out = tmp_path / "wall.pdf"
    render_pdf([sample(draft=True)], get_template("wall"), out)
    listing = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert len(listing.strip().splitlines()) == 2  # the header only: QR and marks are vectors


def test_the_sentence_is_on_exactly_the_labels_that_have_one(gui, tmp_path: Path):
    with_sentence = [True, False, True, True, False]
    contents = [
        sample(title=f"Item {n}", badge=None, sentence=SENTENCE if has else None)
        for n, has in enumerate(with_sentence)
    ]
    out = tmp_path / "wall.pdf"
    render_pdf(contents, get_template("wall"), out)
    for page, has in enumerate(with_sentence, 1):
        text = pdf_text(out, page=page)
        assert f"Item {page - 1}" in text
        assert (SENTENCE in text) is has, (page, text)
    # On a sheet, too: count the sentences on the page.
    sheet = tmp_path / "sheet.pdf"
    render_pdf(contents, get_template("avery-5163"), sheet)
    assert pdf_text(sheet).count("Jane Doe, March 2025.") == sum(with_sentence)


def test_a_french_sentence_prints_in_french(gui, tmp_path: Path):
    sentence = (
        "Des zones endommagées ont été reconstruites avec Photoshop (Adobe) ; approuvé par "
        "Jeanne Dupont, mars 2025."
    )
    content = sample(badge="Restauré par IA", sentence=sentence, language="fr")
    out = tmp_path / "fr.pdf"
    render_pdf([content], get_template("case"), out)
    text = pdf_text(out)
    assert "Restauré par IA" in text
    assert sentence in text


def test_an_arabic_maker_name_comes_out_in_logical_order(gui, tmp_path: Path):
    if not fc_families("ar"):
        pytest.skip("no font with Arabic glyphs is installed (e.g. Debian fonts-dejavu-core)")
    name = "محمد بن علي"
    content = sample(maker=name, date=None)
    out = tmp_path / "ar.pdf"
    rendered = render_pdf([content], get_template("wall"), out)
    assert rendered[0].layout.lines["maker+date"] == [name]
    # poppler writes Arabic as contextual presentation forms; folded back, the letters come
    # in reading (logical) order, not reversed.
    text = plain(pdf_text(out))
    assert name in text
    assert name[::-1] not in text


def test_an_arabic_label_runs_right_to_left(gui, tmp_path: Path):
    if not fc_families("ar"):
        pytest.skip("no font with Arabic glyphs is installed (e.g. Debian fonts-dejavu-core)")
    content = LabelContent(
        title="صورة امرأة",
        maker="محمد بن علي",
        date="١٨٩٠",
        badge="مُحسَّنة بالذكاء الاصطناعي",
        qr_text="https://collection.example.org/objects/1",
        language="ar",
    )
    out = tmp_path / "ar.pdf"
    layout = render_pdf([content], get_template("wall"), out)[0].layout
    assert layout.direction == "rtl"
    x, _, width, _ = layout.boxes["qr"]
    assert x + width < 648 / 2  # the QR code moves to the left (the end side)
    assert "صورة امرأة" in plain(pdf_text(out))


def test_a_cjk_title_renders_with_a_font_that_has_the_glyphs(gui, tmp_path: Path):
    families = fc_families("ja")
    if not families:
        pytest.skip(
            "no font with Japanese glyphs is installed (e.g. Debian fonts-droid-fallback or "
            "fonts-noto-cjk); Qt would draw empty boxes"
        )
    title = "富士山の風景"
    out = tmp_path / "cjk.pdf"
    render_pdf([sample(title=title)], get_template("wall"), out)
    squashed = {f.replace(" ", "").lower() for f in families}
    fonts = pdf_fonts(out)
    assert any(any(family in font["name"].lower() for family in squashed) for font in fonts), (
        fonts,
        families,
    )
    assert all(font["emb"] == "yes" for font in fonts)
    assert title in pdf_text(out)


def test_draft_mark_only_when_draft(gui, tmp_path: Path):
    out = tmp_path / "draft.pdf"
    rendered = render_pdf([sample(draft=True), sample(draft=False)], get_template("case"), out)
    assert "DRAFT" in pdf_text(out, page=1)
    assert "DRAFT" not in pdf_text(out, page=2)
    assert [r.layout.draft for r in rendered] == [True, False]


def test_long_text_shrinks_first_then_overflows_visibly(gui, tmp_path: Path):
    template = get_template("wall")
    medium = "Albumen silver print from a glass negative, mounted on card with gilt edges"
    shrunk = sample(medium=medium, credit_line="Gift of the Friends of the Museum in 1952")
    words = " ".join(["and then a much longer story about the picture"] * 12)
    overflowing = sample(medium=medium, credit_line=f"Gift. {words} THE-END-MARK")
    out = tmp_path / "long.pdf"
    first, second = render_pdf([shrunk, overflowing], template, out)

    assert not first.layout.overflow
    assert first.layout.scale < 1.0
    assert first.layout.sizes_used["title"] < template.sizes["title"]
    assert first.layout.smallest_pt >= template.min_size_pt
    assert not [f for f in first.findings if f.rule in ("overflow", "min-type-size")]

    assert second.layout.overflow
    assert second.layout.smallest_pt == template.min_size_pt
    hidden = [line for lines in second.layout.hidden_lines.values() for line in lines]
    assert "THE-END-MARK" in second.layout.hidden_lines["credit_line"][-1]
    assert "1952.14.3" in hidden  # the accession number below it did not fit either
    assert "overflow" in {f.rule for f in second.findings}
    text = pdf_text(out, page=2)
    assert OVERFLOW_MARK in text  # the label says so on paper too
    assert "THE-END-MARK" not in text
    # The disclosure wins the space; everything painted stays inside the label.
    assert SENTENCE in text
    for x, y, width, height in second.layout.boxes.values():
        assert x >= 0 and x + width <= 648.01 and y >= 0 and y + height <= 432.01


def test_shrinking_never_goes_below_the_minimum(gui, tmp_path: Path):
    template = dataclasses.replace(get_template("avery-5163"))
    long_title = "A very long title " * 8
    rendered = render_pdf([sample(title=long_title)], template, tmp_path / "t.pdf")[0]
    assert min(rendered.layout.sizes_used.values()) >= template.min_size_pt
    assert rendered.findings == tuple(preflight(rendered.content, rendered.layout, template))


def _modules_from_page(png: Path, box: tuple[float, float, float, float], count: int, dpi: int):
    image = QImage(str(png))
    assert not image.isNull()
    x, y, size, _ = box
    module = size / count
    scale = dpi / 72
    rows = []
    for r in range(count):
        row = []
        for c in range(count):
            px = round((x + (c + 0.5) * module) * scale)
            py = round((y + (r + 0.5) * module) * scale)
            row.append(image.pixelColor(px, py).lightness() < 128)
        rows.append(tuple(row))
    return tuple(rows)


def test_qr_code_reads_back_module_for_module(gui, tmp_path: Path):
    # No QR decoder is installed, so read the printed symbol back from poppler's rendering of
    # the PDF and compare every module with what segno encodes for the text.
    url = "https://collection.example.org/objects/1952.14.3"
    out = tmp_path / "qr.pdf"
    layout = render_pdf([sample(qr_text=url)], get_template("wall"), out)[0].layout
    expected = segno.make_qr(url, error="m", boost_error=True)
    assert layout.qr_modules == len(expected.matrix)
    subprocess.run(["pdftoppm", "-png", "-r", "300", str(out), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    seen = _modules_from_page(png, layout.boxes["qr"], layout.qr_modules, 300)
    assert seen == tuple(tuple(bool(v) for v in row) for row in expected.matrix)


def test_no_qr_code_without_qr_text(gui, tmp_path: Path):
    layout = render_pdf([sample(qr_text=None)], get_template("wall"), tmp_path / "x.pdf")[0].layout
    assert layout.qr_modules == 0 and "qr" not in layout.boxes


@pytest.mark.parametrize(("name", "size"), [("wall", (648, 432)), ("avery-5163", (612, 792))])
def test_inch_based_pages_are_exact(name, size, gui, tmp_path: Path):
    out = tmp_path / "exact.pdf"
    render_pdf([sample()], get_template(name), out)
    assert page_size(out) == size
