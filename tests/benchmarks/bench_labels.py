"""1,000 wall labels to one PDF, against a plain QPdfWriter loop that draws the same strings
with the same fonts (QPainter.drawText into word-wrapped rectangles).

First, as whole processes (issue 16, goal 1.5x): `credence labels --all --template wall` on a
1,000-item library against `labels_baseline.py`, a PySide6 script given the same strings. Then
in one process, `render_pdf` against the loop: text-only labels, and labels with QR codes
against the loop drawing the same segno codes as rectangles.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import segno
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from labels import LabelContent, ensure_gui, get_template, register_fonts, render_pdf
from labels.fonts import label_font
from labels.templates import PT_PER_MM, Template, block_parts
from tests.benchmarks.common import ROOT, SCRATCH, side_by_side

LIBRARY_ITEMS = 1000

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


def _env() -> dict[str, str]:
    # A bytecode cache as an installed app has; offscreen Qt for both sides.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(SCRATCH / "pycache")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def label_library(count: int = LIBRARY_ITEMS) -> Path:
    """A library of `count` items as make_contents words them: catalog fields from a CSV, and
    an approved disclosure (restored, enhanced, or no AI use) on each (built once)."""
    import csv

    from provenance import open_library

    folder = SCRATCH / f"labels-library-{count}"
    done = folder / "complete"
    if done.exists():
        return folder
    SCRATCH.mkdir(parents=True, exist_ok=True)
    catalog = SCRATCH / f"labels-catalog-{count}.csv"
    contents = make_contents(count, qr=False)
    with open(catalog, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["accession", "title", "maker", "date", "medium", "credit line"])
        for c in contents:
            out.writerow([c.accession, c.title, c.maker, c.date, c.medium, c.credit_line])
    categories = ("ai-restored", "ai-enhanced", "none")
    with open_library(folder) as lib:
        lib.import_catalog(catalog)
        lib.add_tool("Generative Fill", "Adobe")
        for n, c in enumerate(contents):
            slug = categories[n % 3]
            tools = ("Generative Fill",) if slug != "none" else ()
            lib.disclose(c.accession, slug, tools=tools)
            lib.review(c.accession, "approved", "Jane Doe")
    done.touch()
    return folder


def baseline_spec(library: Path, template: Template, path: Path) -> None:
    """The strings `credence labels` prints for `library`, entry by entry, with the template's
    fonts and sizes: what the plain script draws."""
    from desktop.labelling import plan_labels
    from labels.fonts import FONT_FILES
    from provenance import open_library

    with open_library(library) as lib:
        plan = plan_labels(lib, lib.list_items(details=True))
    fonts = ROOT / "resources" / "fonts"
    spec = {
        "font_files": [str(fonts / name) for name, _ in FONT_FILES],
        "families": [template.font_family, *template.fallback_families],
        "page_mm": [template.page_width_mm, template.page_height_mm],
        "padding_pt": template.padding_mm * PT_PER_MM,
        "styles": {e: [template.sizes[e], e in template.bold] for e in template.sizes},
        "labels": [_entries(content, template) for content in plan.contents],
    }
    path.write_text(json.dumps(spec), encoding="utf-8")


def run_processes(rounds: int = 5) -> float:
    """`credence labels --all --template wall` against the plain script, as processes."""
    template = get_template("wall")
    library = label_library()
    spec = SCRATCH / "labels-baseline-spec.json"
    baseline_spec(library, template, spec)
    script = Path(sys.executable).with_name("credence")
    credence = [str(script)] if script.exists() else [sys.executable, "-m", "desktop"]
    ours = [*credence, "--library", str(library), "labels", "--all", "--template", "wall"]
    ours += ["--out", str(SCRATCH / "labels-command.pdf")]
    plain = [sys.executable, str(Path(__file__).with_name("labels_baseline.py")), str(spec)]
    plain += [str(SCRATCH / "labels-plain-script.pdf")]

    def process(argv: list[str]):
        return lambda: subprocess.run(argv, env=_env(), check=True, stdout=subprocess.DEVNULL)

    process(ours)()  # warm the bytecode and page caches of both sides
    process(plain)()
    return side_by_side(
        f"labels: `credence labels --all --template wall`, {LIBRARY_ITEMS} items, vs a plain "
        "PySide6 script (processes)",
        process(ours),
        process(plain),
        rounds,
        goal=1.5,
    )


def run(count: int = 1000, rounds: int = 2) -> float:
    """Print the side-by-side lines; returns the whole-process ratio."""
    ratio = run_processes()
    ensure_gui()
    register_fonts()
    template = get_template("wall")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for qr in (False, True):
        contents = make_contents(count, qr=qr)
        ours_path = SCRATCH / f"labels-ours-{'qr' if qr else 'text'}.pdf"
        base_path = SCRATCH / f"labels-baseline-{'qr' if qr else 'text'}.pdf"
        what = "with QR codes" if qr else "text only"
        side_by_side(
            f"labels: {count} wall labels to PDF, {what} (render_pdf in one process)",
            lambda contents=contents, path=ours_path: render_pdf(contents, template, path),
            lambda contents=contents, path=base_path: baseline_pdf(contents, template, path),
            rounds,
            goal=1.5,
        )
    return ratio


if __name__ == "__main__":
    run()
