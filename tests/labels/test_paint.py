"""One renderer: the same call paints the preview, PDF, PNG and print, in points."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPrintSupport import QPrinter

from labels import LabelContent, ShapeCache, get_template, paint_label, render_pdf
from labels.paint import slants, text_direction
from tests.labels.conftest import needs_poppler, pdf_text, sample


def _paint_on_image(content: LabelContent, name: str, scale: float, offset=(0.0, 0.0)):
    template = get_template(name)
    _, _, width, height = template.label_rect_pt(0)
    image = QImage(
        round(width * scale) + 200, round(height * scale) + 200, QImage.Format.Format_RGB32
    )
    image.fill(QColor("#808080"))
    painter = QPainter(image)
    painter.scale(scale, scale)
    layout = paint_label(painter, QRectF(offset[0], offset[1], width, height), content, template)
    painter.end()
    return image, layout


def test_layout_is_the_same_on_every_device(gui, tmp_path: Path):
    content = sample()
    _, preview = _paint_on_image(content, "case", 96 / 72)
    _, big = _paint_on_image(content, "case", 300 / 72)
    pdf = render_pdf([content], get_template("case"), tmp_path / "case.pdf")[0].layout
    assert preview == big == pdf


def test_rect_is_in_points_in_the_painters_coordinates(gui):
    image, layout = _paint_on_image(sample(), "sticker", 2.0, offset=(50, 20))
    x, y, width, height = layout.boxes["badge"]
    assert x > 50 and x + width < 50 + 144 and y > 20 and y + height < 20 + 72
    # The label's background was painted at (50, 20) pt, i.e. (100, 40) px at scale 2.
    assert image.pixelColor(101, 41).name() == "#ffffff"
    assert image.pixelColor(98, 38).name() == "#808080"
    assert image.pixelColor(100 + 2 * 144 + 2, 40 + 2 * 72 + 2).name() == "#808080"


def test_painter_state_is_restored(gui):
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.scale(1.5, 1.5)
    before = painter.transform()
    paint_label(painter, QRectF(0, 0, 144, 72), sample(), get_template("sticker"))
    assert painter.transform() == before
    painter.end()


def test_a_shape_cache_changes_nothing_painted(gui):
    cache = ShapeCache()
    template = get_template("avery-5163")
    image = QImage(400, 200, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    first = [paint_label(painter, QRectF(0, 0, 288, 144), sample(), template, cache=cache)]
    first.append(paint_label(painter, QRectF(0, 0, 288, 144), sample(), template, cache=cache))
    fresh = paint_label(painter, QRectF(0, 0, 288, 144), sample(), template)
    painter.end()
    assert first[0] == first[1] == fresh


def test_a_tiny_cache_forgets_without_harm(gui):
    cache = ShapeCache(limit=3)
    template = get_template("wall")
    image = QImage(10, 10, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    layouts = [
        paint_label(painter, QRectF(0, 0, 648, 432), sample(title=f"T {n}"), template, cache=cache)
        for n in range(6)
    ]
    painter.end()
    assert [lay.lines["title"] for lay in layouts] == [[f"T {n}"] for n in range(6)]


@needs_poppler
def test_printing_uses_the_same_call(gui, tmp_path: Path):
    # QPrinter writing to a PDF file stands in for a real printer: same painter, same call.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    painter = QPainter(printer)
    scale = printer.resolution() / 72
    painter.scale(scale, scale)
    layout = paint_label(painter, QRectF(36, 36, 288, 144), sample(), get_template("avery-5163"))
    painter.end()
    assert not layout.overflow
    assert "Harbour at Dusk, Saint-Malo" in pdf_text(tmp_path / "printed.pdf")


@pytest.mark.parametrize("name", ["wall", "case", "a6", "a5", "avery-5163", "avery-l7163"])
def test_a_typical_label_fits_at_full_size(name, gui):
    _, layout = _paint_on_image(sample(), name, 1.0)
    assert not layout.overflow
    assert layout.smallest_pt >= get_template(name).min_size_pt


def test_right_to_left_label_mirrors_alignment(gui):
    content = LabelContent(title="صورة امرأة", maker="محمد بن علي", qr_text="x", language="ar")
    _, layout = _paint_on_image(content, "case", 1.0)
    assert layout.direction == "rtl"
    _, ltr = _paint_on_image(sample(), "case", 1.0)
    assert layout.boxes["qr"][0] < ltr.boxes["qr"][0]


def test_a_group_that_gains_a_line_beside_the_qr_code_still_fits(gui):
    # Moved down beside the QR code this sentence needs one more line, which would push it
    # back up where it needs one line fewer: the layout must settle where it fits.
    content = LabelContent(
        title="صورة امرأة",
        maker="محمد بن علي",
        date="١٨٩٠",
        medium="زيت على قماش",
        badge="لم يُسجَّل استخدام للذكاء الاصطناعي",
        sentence="لم يُسجَّل أي استخدام للذكاء الاصطناعي في هذه الصورة.",
        qr_text="https://collection.example.org/objects/1",
        language="ar",
    )
    _, layout = _paint_on_image(content, "case", 1.0)
    assert not layout.overflow and layout.scale == 1.0
    _, _, _, height = get_template("case").label_rect_pt(0)
    _, y, _, box_height = layout.boxes["sentence"]
    assert y + box_height <= height


def test_ascii_text_slants_and_runs_left_to_right_without_a_scan():
    # The fast path for ASCII rests on this: its letters are all Latin, and none of its
    # characters is right-to-left or opens an isolate, so the full scan would say the same.
    for char in map(chr, range(128)):
        assert not char.isalpha() or unicodedata.name(char).startswith("LATIN")
        assert unicodedata.bidirectional(char) not in ("R", "AL", "FSI", "LRI", "RLI", "PDI")
    assert slants("Harbour at Dusk 12") and not slants("Harbour ميناء")
    assert text_direction("1962, Paris") == Qt.LayoutDirection.LeftToRight
    assert text_direction("1962 ميناء") == Qt.LayoutDirection.RightToLeft


@pytest.mark.parametrize(
    "name", ["wall", "case", "a5", "a6", "sticker", "avery-5163", "avery-l7163"]
)
def test_ascii_paragraphs_say_what_the_generic_reading_of_their_lines_says(name, gui):
    # An ASCII paragraph's line texts are read as its lines are made, and no line is asked
    # for after the one that ends the text. Every paragraph still ends with its text, and
    # says what reading its finished lines one by one (as for any other text) says.
    from labels.paint import _line_texts

    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
    contents = [
        sample(),
        sample(title="A", maker=None, sentence=None, qr_text=None),
        sample(title=long_word, medium=f"Ink {long_word} on paper"),
        sample(sentence="Damaged areas were reconstructed with a generative tool. " * 6),
        sample(title="Harbour at Dusk " * 8, draft=True),
    ]
    template = get_template(name)
    cache = ShapeCache()
    image = QImage(1, 1, QImage.Format.Format_RGB32)
    rect = QRectF(*template.label_rect_pt(0))
    checked = 0
    for content in contents:
        painter = QPainter(image)
        try:
            paint_label(painter, rect, content, template, cache=cache)
        finally:
            painter.end()
        for layout in cache.layouts.values():
            text = layout.text()
            if not text.isascii() or layout.lineCount() == 0:
                continue
            lines = [layout.lineAt(i) for i in range(layout.lineCount())]
            assert lines[-1].textStart() + lines[-1].textLength() == len(text)
            assert cache.breaks[id(layout)][2] == _line_texts(text, lines)
            checked += 1
    assert checked >= len(contents)


@pytest.mark.parametrize(
    ("maker", "language", "isolated"),
    [
        ("Émile Laurent (French, 1851–1919)", "en", False),
        ("Farah Z", "en", False),
        ("فرح زيد", "en", True),  # right to left
        ("Chen W ٣", "en", True),  # an Arabic-Indic digit
        ("Émile Laurent", "ar", True),  # a right-to-left label
    ],
)
def test_joined_fields_are_isolated_only_where_something_could_run_right_to_left(
    gui, maker, language, isolated
):
    """Isolating "maker, date" keeps an Arabic name from dragging the date to the wrong side;
    where nothing can run right to left, every character runs left to right either way, and
    the line is drawn as one run (a PDF page holds one text object for it, not five)."""
    from labels.paint import FSI, PDI

    cache = ShapeCache()
    image = QImage(800, 600, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    content = sample(maker=maker, date="1890", language=language)
    layout = paint_label(
        painter, QRectF(0, 0, 400, 300), content, get_template("wall"), cache=cache
    )
    painter.end()
    joined = next(lay.text() for lay in cache.layouts.values() if "1890" in lay.text())
    separator = "، " if language == "ar" else ", "
    assert joined.replace(FSI, "").replace(PDI, "") == f"{maker}{separator}1890"
    assert (FSI in joined) is isolated
    assert " ".join(layout.lines["maker+date"]) == f"{maker}{separator}1890"
