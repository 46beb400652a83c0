"""1,000 wall labels to one PDF with `render_pdf`, against a plain QPdfWriter loop that draws
the same strings with the same fonts (QPainter.drawText into word-wrapped rectangles).

Two lines: text-only labels against the plain loop, then labels with QR codes against the plain
loop drawing the same segno codes as rectangles.
"""

from __future__ import annotations

import random

import segno
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from labels import LabelContent, ensure_gui, get_template, register_fonts, render_pdf
from labels.fonts import label_font
from labels.templates import PT_PER_MM, Template, block_parts
from tests.benchmarks.common import SCRATCH, side_by_side

_TITLES = "Harbour at Dusk|Study of a Vase|Winter Market|Portrait of a Woman|The Old Bridge"
_MAKERS = ("Émile Laurent (French, 1851–1919)", "Farah Z", "Chen W (b. 1961)", "Unknown maker")
_MEDIA = ("Albumen silver print from a glass negative", "Oil on canvas", "Ink wash on paper")
_SENTENCES = (
    "Damaged areas were reconstructed with Photoshop Generative Fill (Adobe); approved by "
    "Jane Doe, March 2025.",
    "The image was enhanced with Topaz Photo AI; reviewed by the registrar, May 2025.",
    "No use of AI has been recorded for this image.",
)
_BADGES = ("AI-restored", "AI-enhanced", "No AI use recorded")


def make_contents(count: int, *, qr: bool) -> list[LabelContent]:
    rnd = random.Random(11)
    titles = _TITLES.split("|")
    contents = []
    for n in range(count):
        which = rnd.randrange(3)
        accession = f"{1900 + n % 120}.{n // 120}.{n % 7}"
        contents.append(
            LabelContent(
                title=f"{rnd.choice(titles)} {n}",
                maker=rnd.choice(_MAKERS),
                date=str(1750 + rnd.randrange(270)),
                medium=rnd.choice(_MEDIA),
                credit_line="Gift of the Friends of the Museum",
                accession=accession,
                badge=_BADGES[which],
                sentence=_SENTENCES[which],
                qr_text=f"https://collection.example.org/objects/{accession}" if qr else None,
            )
        )
    return contents


def _entries(content: LabelContent, template: Template) -> list[tuple[str, str]]:
    out = []
    for entry in template.blocks:
        if entry == "qr":
            continue
        texts = [t for t in (content.field(p) for p in block_parts(entry)) if t]
        if texts:
            out.append((entry, ", ".join(texts)))
    return out


def baseline_pdf(contents: list[LabelContent], template: Template, path) -> None:
    """The plain way: QPainter.drawText of each string, wrapped into the label's rectangle."""
    writer = QPdfWriter(str(path))
    writer.setResolution(1200)
    size = QPageSize(
        QSizeF(template.page_height_mm, template.page_width_mm), QPageSize.Unit.Millimeter
    )
    writer.setPageLayout(
        QPageLayout(
            size, QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point
        )
    )
    families = (template.font_family, *template.fallback_families)
    # Fonts are made once per size here, as a hand-written loop would.
    fonts: dict[str, QFont] = {}
    painter = QPainter(writer)
    scale = writer.resolution() / 72
    pad = template.padding_mm * PT_PER_MM * scale
    width = writer.width() - 2 * pad
    for index, content in enumerate(contents):
        if index:
            writer.newPage()
        y = pad
        for entry, text in _entries(content, template):
            if entry not in fonts:
                fonts[entry] = QFont(
                    label_font(families, template.sizes[entry], bold=entry in template.bold),
                    writer,
                )
            painter.setFont(fonts[entry])
            bounds = painter.drawText(
                QRectF(pad, y, width, writer.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap),
                text,
            )
            y += bounds.height() + 0.3 * template.sizes[entry] * scale
        if content.qr_text:
            matrix = segno.make_qr(content.qr_text, error="m", boost_error=True).matrix
            module = 90 * scale / len(matrix)
            x0, y0 = writer.width() - pad - 90 * scale, writer.height() - pad - 90 * scale
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#000000"))
            for r, row in enumerate(matrix):
                for c, dark in enumerate(row):
                    if dark:
                        painter.drawRect(QRectF(x0 + c * module, y0 + r * module, module, module))
            painter.setPen(QColor("#000000"))
    painter.end()


def run(count: int = 1000, rounds: int = 2) -> float:
    """Print the side-by-side lines; returns the text-only ratio."""
    ensure_gui()
    register_fonts()
    template = get_template("wall")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    ratio = 0.0
    for qr in (False, True):
        contents = make_contents(count, qr=qr)
        ours_path = SCRATCH / f"labels-ours-{'qr' if qr else 'text'}.pdf"
        base_path = SCRATCH / f"labels-baseline-{'qr' if qr else 'text'}.pdf"
        what = "with QR codes" if qr else "text only"
        result = side_by_side(
            f"labels: {count} wall labels to PDF, {what}",
            lambda contents=contents, path=ours_path: render_pdf(contents, template, path),
            lambda contents=contents, path=base_path: baseline_pdf(contents, template, path),
            rounds,
            goal=1.5,
        )
        if not qr:
            ratio = result
    return ratio


if __name__ == "__main__":
    run()
