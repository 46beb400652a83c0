"""Disclosure wording and exhibit label rendering (QtGui only, no widgets).

Depends on `provenance`'s public domain types only; `desktop` builds on it.

One renderer serves every output: `paint_label` paints a label onto any QPainter whose logical
unit is one point (1/72 inch); the preview, `render_pdf`, `render_png` and printing differ only
in how they scale the painter. Templates live in `resources/label_templates/*.json`; the
bundled Atkinson Hyperlegible font in `resources/fonts/`.

Typical use::

    from labels import ensure_gui, get_template, label_content, render_pdf

    ensure_gui()
    contents = [label_content(item, wording, qr_text=url) for item, wording, url in rows]
    for label in render_pdf(contents, get_template("wall"), Path("labels.pdf")):
        for finding in label.findings:
            print(label.page, finding.rule, finding.message)
"""

from labels.content import LabelContent, label_content
from labels.fonts import register_fonts
from labels.paint import UNITS_PER_PT, LabelLayout, ShapeCache, paint_label, text_direction
from labels.preflight import Finding, contrast_ratio, count_words, preflight
from labels.render import (
    LabelsCancelled,
    RenderedLabel,
    ensure_gui,
    page_count,
    page_image,
    paint_pages,
    png_page_path,
    render_pdf,
    render_png,
)
from labels.templates import BLOCKS, Template, get_template, load_templates, parse_template

__all__ = [
    "BLOCKS",
    "UNITS_PER_PT",
    "Finding",
    "LabelContent",
    "LabelLayout",
    "LabelsCancelled",
    "RenderedLabel",
    "ShapeCache",
    "Template",
    "contrast_ratio",
    "count_words",
    "ensure_gui",
    "get_template",
    "label_content",
    "load_templates",
    "page_count",
    "page_image",
    "paint_label",
    "paint_pages",
    "parse_template",
    "png_page_path",
    "preflight",
    "register_fonts",
    "render_pdf",
    "render_png",
    "text_direction",
]
