"""The plain way, as a whole process: a PySide6 script that draws given strings with the given
fonts into a QPdfWriter, one page a label (QPainter.drawText into word-wrapped rectangles).

`python tests/benchmarks/labels_baseline.py SPEC.json OUT.pdf`; bench_labels writes SPEC from
the same labels `credence labels` prints. Imports nothing of Credence.
"""

import json
import sys

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)


def main(spec_path: str, out: str) -> None:
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (fonts need it)
    for path in spec["font_files"]:
        with open(path, "rb") as font_file:
            QFontDatabase.addApplicationFontFromData(font_file.read())
    writer = QPdfWriter(out)
    writer.setResolution(1200)
    width_mm, height_mm = spec["page_mm"]
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QSizeF(height_mm, width_mm), QPageSize.Unit.Millimeter),
            QPageLayout.Orientation.Landscape,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Point,
        )
    )
    fonts = {}
    for entry, (size, bold) in spec["styles"].items():
        font = QFont()
        font.setFamilies(spec["families"])
        font.setPointSizeF(size)
        font.setBold(bold)
        fonts[entry] = QFont(font, writer)
    painter = QPainter(writer)
    scale = writer.resolution() / 72
    pad = spec["padding_pt"] * scale
    width = writer.width() - 2 * pad
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
    for index, label in enumerate(spec["labels"]):
        if index:
            writer.newPage()
        y = pad
        for entry, text in label:
            painter.setFont(fonts[entry])
            bounds = painter.drawText(QRectF(pad, y, width, writer.height()), flags, text)
            y += bounds.height() + 0.3 * spec["styles"][entry][0] * scale
    painter.end()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
