"""PNG output: one image per page, at the asked resolution, named predictably."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from PySide6.QtGui import QImage

from labels import get_template, png_page_path, render_png
from tests.labels.conftest import sample


def test_one_png_per_page_with_numbered_names(gui, tmp_path: Path):
    contents = [sample(title=f"Object {n}") for n in range(12)]
    out = tmp_path / "sheet.png"
    rendered = render_png(contents, get_template("avery-5163"), out, dpi=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet-2.png", "sheet.png"]
    assert png_page_path(out, 1) == out and png_page_path(out, 2) == tmp_path / "sheet-2.png"
    assert [r.page for r in rendered] == [1] * 10 + [2] * 2
    image = QImage(str(out))
    assert (image.width(), image.height()) == (850, 1100)  # 8.5 x 11 in at 100 dpi
    assert image.dotsPerMeterX() == round(100 / 0.0254)


def test_png_resolution_follows_dpi(gui, tmp_path: Path):
    out = tmp_path / "wall.png"
    render_png([sample()], get_template("wall"), out, dpi=72)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (648, 432)
    with pytest.raises(ValueError, match="dpi"):
        render_png([sample()], get_template("wall"), out, dpi=5)


def test_png_shows_the_same_qr_code(gui, tmp_path: Path):
    url = "https://collection.example.org/objects/A-1"
    out = tmp_path / "case.png"
    layout = render_png([sample(qr_text=url)], get_template("case"), out, dpi=300)[0].layout
    image = QImage(str(out))
    expected = segno.make_qr(url, error="m", boost_error=True).matrix
    x, y, size, _ = layout.boxes["qr"]
    module, scale = size / len(expected), 300 / 72
    for r, row in enumerate(expected):
        for c, dark in enumerate(row):
            px = round((x + (c + 0.5) * module) * scale)
            py = round((y + (r + 0.5) * module) * scale)
            assert (image.pixelColor(px, py).lightness() < 128) == bool(dark), (r, c)


def test_text_is_dark_on_light(gui, tmp_path: Path):
    out = tmp_path / "sticker.png"
    layout = render_png([sample()], get_template("sticker"), out, dpi=200)[0].layout
    image = QImage(str(out))
    _, y, _, height = layout.boxes["badge"]
    # The badge is a filled pill: its middle row has the badge colour and white letters.
    row = round((y + height / 2) * 200 / 72)
    colours = {image.pixelColor(px, row).name() for px in range(image.width())}
    assert "#1f3a5f" in colours and "#ffffff" in colours
