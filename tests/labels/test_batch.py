"""A batch shares shaped text and preflight checks between its labels; each label still comes
out exactly as it does painted on its own (same lines, sizes, boxes and findings)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from labels import ShapeCache, get_template, paint_label, preflight, render_pdf
from tests.labels.conftest import SENTENCE, sample

_TEXTS = {
    "ar": ("ميناء عند الغسق", "فرح زيد", "تم ترميم المناطق التالفة باستخدام أداة توليدية."),
    "ru": ("Гавань в сумерках", "Илья Репин (русский, 1844–1930)", "Участки восстановлены."),
    "de": ("Hafen in der Abenddämmerung", "Émile Laurent", "Bereiche wurden rekonstruiert."),
    "zh": ("黄昏的港口", "陈伟 (生于1961年)", "受损区域使用生成式填充重建。"),
    "en": ("Harbour at Dusk " + "and the Old Bridge " * 5, "Unknown maker", SENTENCE * 3),
}


def _contents():
    contents = []
    for n in range(40):
        language = sorted(_TEXTS)[n % len(_TEXTS)]
        title, maker, sentence = _TEXTS[language]
        contents.append(
            sample(
                title=f"{title} {n % 3}",
                maker=maker,
                sentence=sentence if n % 4 else None,
                badge=None if n % 5 == 0 else "AI-restored",
                qr_text=None if n % 2 else f"https://example.org/{n % 3}",
                draft=n % 7 == 0,
                language=language,
            )
        )
    return contents


@pytest.mark.parametrize("name", ["wall", "avery-5163"])
def test_labels_of_a_batch_come_out_as_each_alone(name, gui, tmp_path: Path):
    template = get_template(name)
    contents = _contents()
    batch = render_pdf(contents, template, tmp_path / "batch.pdf")
    image = QImage(1, 1, QImage.Format.Format_RGB32)
    for index, (content, rendered) in enumerate(zip(contents, batch, strict=True)):
        # Alone: a fresh cache, painted in the same slot of its sheet as in the batch.
        x, y, width, height = template.label_rect_pt(index % template.labels_per_sheet)
        painter = QPainter(image)
        try:
            alone = paint_label(
                painter, QRectF(x, y, width, height), content, template, cache=ShapeCache()
            )
        finally:
            painter.end()
        assert alone.lines == rendered.layout.lines
        assert alone.hidden_lines == rendered.layout.hidden_lines
        assert alone.sizes_used == rendered.layout.sizes_used
        assert alone.boxes == rendered.layout.boxes
        assert (alone.overflow, alone.scale, alone.qr_modules) == (
            rendered.layout.overflow,
            rendered.layout.scale,
            rendered.layout.qr_modules,
        )
        assert tuple(preflight(content, alone, template)) == rendered.findings
    assert any(r.layout.overflow for r in batch) and any(r.findings for r in batch)


def _painted(content, template, cache: ShapeCache) -> QImage:
    # One label at 1 pixel a point: where each line of text lands shows in the pixels.
    _, _, width, height = template.label_rect_pt(0)
    image = QImage(round(width), round(height), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        paint_label(painter, QRectF(0, 0, width, height), content, template, cache=cache)
    finally:
        painter.end()
    return image


@pytest.mark.parametrize("position", ["follow", "bottom"])
def test_text_a_batch_finds_already_in_place_is_painted_where_it_belongs(position, gui):
    # Repeated paragraphs are left where the previous label put them when they fall at the
    # same place; labels with and without a QR code, drafts, overflows and a disclosure moved
    # to the bottom must not mix them up.
    template = dataclasses.replace(get_template("wall"), disclosure_position=position)
    shared = ShapeCache()
    contents = _contents()
    for content in contents + contents[::-1]:
        assert _painted(content, template, shared) == _painted(content, template, ShapeCache())
