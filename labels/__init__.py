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

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Imported here, not on first use: the function `preflight` must win over the submodule of the
# same name, which the import system sets on the package whenever it loads it.
from labels.preflight import Finding, contrast_ratio, count_words, preflight

if TYPE_CHECKING:
    from labels.content import LabelContent, label_content
    from labels.fonts import register_fonts
    from labels.paint import (
        UNITS_PER_PT,
        LabelLayout,
        ShapeCache,
        paint_label,
        text_direction,
    )
    from labels.render import (
        LabelsCancelled,
        RenderedLabel,
        ensure_gui,
        page_image,
        paint_pages,
        render_pdf,
        render_png,
        write_pdf,
        write_png,
    )
    from labels.templates import (
        BLOCKS,
        Template,
        get_template,
        load_templates,
        page_count,
        parse_template,
        png_page_path,
    )

# The other names load on first use (as in `provenance`): what a label says (`content`), the
# templates and preflight's rules need no Qt, so `credence labels` plans a batch while another
# process loads Qt and the fonts.
_LAZY = {
    **dict.fromkeys(("LabelContent", "label_content"), "labels.content"),
    "register_fonts": "labels.fonts",
    **dict.fromkeys(
        ("UNITS_PER_PT", "LabelLayout", "ShapeCache", "paint_label", "text_direction"),
        "labels.paint",
    ),
    **dict.fromkeys(
        (
            "LabelsCancelled",
            "RenderedLabel",
            "ensure_gui",
            "page_image",
            "paint_pages",
            "render_pdf",
            "render_png",
            "write_pdf",
            "write_png",
        ),
        "labels.render",
    ),
    **dict.fromkeys(
        (
            "BLOCKS",
            "Template",
            "get_template",
            "load_templates",
            "page_count",
            "parse_template",
            "png_page_path",
        ),
        "labels.templates",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'labels' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
    "write_pdf",
    "write_png",
]
