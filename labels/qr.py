"""QR codes as vector shapes: segno encodes, Qt fills one path of module runs."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

#: Light modules around the symbol that readers need (ISO/IEC 18004 asks for four).
QUIET_ZONE = 4


def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of `text` as rows of dark (True) / light modules, without the quiet zone.

    Error correction M at least; segno raises it further when that costs no extra size.
    """
    import segno  # only labels with a QR code pay for loading it

    code = segno.make_qr(text, error="m", boost_error=True)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix)


def qr_path(matrix: tuple[tuple[bool, ...], ...], rect: QRectF) -> QPainterPath:
    """One path of rectangles drawing `matrix` into `rect` (the symbol, without quiet zone).

    Neighbouring dark modules in a row become one rectangle: fewer shapes in the PDF and no
    hairline seams between modules when a viewer anti-aliases.
    """
    count = len(matrix)
    module = rect.width() / count
    path = QPainterPath()
    path.setFillRule(path.fillRule().WindingFill)
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < count and row[c]:
                c += 1
            x, y = rect.x() + start * module, rect.y() + r * module
            path.addRect(QRectF(x, y, (c - start) * module, module))
    return path
