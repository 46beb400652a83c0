"""Render packaging/icons/credence.svg to every icon file the bundles use.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/icons/render_icons.py

Writes png/credence-{16,32,48,64,128,256,512}.png (Linux hicolor sizes), credence.ico (Windows:
16-256 px) and credence.icns (macOS: 16-1024 px). Every size is drawn from the SVG by Qt's own
renderer (QtSvg ships in PySide6-Essentials), never scaled from another bitmap, so no
rsvg-convert, ImageMagick or iconutil is needed; Pillow packs the .ico and .icns. The outputs
are committed: run this again only after editing the SVG.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(svg: Path, size: int, target: Path) -> None:
    """Draw the SVG into a transparent size x size image and save it as PNG."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"{target}: could not write")


def pack(svg: Path, sizes: tuple[int, ...], target: Path, kind: str) -> None:
    """Render each size and pack them into one .ico or .icns file."""
    with tempfile.TemporaryDirectory() as scratch:
        images = []
        for size in sizes:
            png = Path(scratch) / f"{size}.png"
            render(svg, size, png)
            images.append(Image.open(png))
        largest = images[-1]
        largest.save(target, kind, sizes=[(s, s) for s in sizes], append_images=images[:-1])
        for image in images:
            image.close()


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (Qt needs it)
    svg = HERE / "credence.svg"
    for size in SIZES:
        target = HERE / "png" / f"credence-{size}.png"
        target.parent.mkdir(exist_ok=True)
        render(svg, size, target)
        print(target.relative_to(HERE.parent.parent))
    pack(svg, ICO_SIZES, HERE / "credence.ico", "ICO")
    pack(svg, ICNS_SIZES, HERE / "credence.icns", "ICNS")
    print("packaging/icons/credence.ico\npackaging/icons/credence.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
