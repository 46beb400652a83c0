"""Labels to files: vector PDF (QPdfWriter) and PNG, one page per sheet, written atomically.

Both call `paint_label` with a painter scaled to points, exactly as the preview and a QPrinter
do. Files are written to a temporary file in the target folder and moved into place with
`os.replace`, so a crash or a cancel leaves either the old file or the new one.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QSizeF
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from labels.content import LabelContent
from labels.paint import LabelLayout, ShapeCache, paint_label
from labels.preflight import Finding, preflight
from labels.templates import Template, page_count, png_page_path
from provenance import CancelToken, OutputRun, Progress

#: QPdfWriter resolution: fine enough that Qt's integer device coordinates never show.
PDF_DPI = 1200


class LabelsCancelled(Exception):
    """Rendering was cancelled through the cancel token; the target file was not touched."""


@dataclass(frozen=True)
class RenderedLabel:
    """One label as rendered: its content, its page (1-based), its layout and preflight."""

    content: LabelContent
    page: int
    layout: LabelLayout
    findings: tuple[Finding, ...]


def ensure_gui() -> None:
    """Make sure a QGuiApplication exists, so labels can be rendered from the command line.

    Creates one (never a widgets QApplication) when there is none, on the "offscreen"
    platform when no display is available (Linux/BSD without DISPLAY or WAYLAND_DISPLAY and no
    QT_QPA_PLATFORM choice). Qt keeps the application object alive; nothing is stored here.
    Raises RuntimeError when a plain QCoreApplication (no GUI support) is already running.
    """
    app = QCoreApplication.instance()
    if app is not None:
        if not isinstance(app, QGuiApplication):
            raise RuntimeError(
                "labels need a QGuiApplication, but a QCoreApplication is already running"
            )
        return
    argv = [sys.argv[0] if sys.argv and sys.argv[0] else "credence"]
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if (
        sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))
        and headless
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        argv += ["-platform", "offscreen"]
    QGuiApplication(argv)


def _page_size(template: Template) -> QPageLayout:
    width, height = template.page_width_mm, template.page_height_mm
    # Qt keeps page sizes portrait; a landscape page is a portrait size turned round.
    size = QPageSize(
        QSizeF(min(width, height), max(width, height)),
        QPageSize.Unit.Millimeter,
        template.name,
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    orientation = (
        QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    )
    return QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def _require_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: the folder {path.parent} does not exist")


def _paint_page(
    painter: QPainter,
    sheet: Sequence[LabelContent],
    first: int,
    template: Template,
    page: int,
    results: list[RenderedLabel],
    progress: Progress | None,
    cancel: CancelToken | None,
    total: int,
    cache: ShapeCache,
) -> None:
    """Paint the labels of one `sheet`, the first being label number `first` + 1 of `total`
    (0: not known, the labels are streamed)."""
    rects = cache.slot_rects(template)
    for slot, content in enumerate(sheet):
        if cancel is not None and cancel.cancelled:
            raise LabelsCancelled
        layout = paint_label(painter, rects[slot], content, template, cache=cache)
        findings = tuple(preflight(content, layout, template))
        results.append(RenderedLabel(content, page, layout, findings))
        if progress is not None:
            done = first + slot + 1
            progress(done, total, f"label {done} of {total}" if total else f"label {done}")


def _sheets(contents: Iterable[LabelContent], per_sheet: int) -> Iterator[list[LabelContent]]:
    """The labels of each sheet in turn, taken from `contents` only as they are needed."""
    labels = iter(contents)
    while sheet := list(itertools.islice(labels, per_sheet)):
        yield sheet


def render_pdf(
    contents: Sequence[LabelContent],
    template: Template,
    path: Path,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    output: OutputRun | None = None,
) -> list[RenderedLabel]:
    """Render `contents` to one vector PDF at `path`: text stays text, fonts are embedded.

    Labels fill each sheet in order, row by row; a new page starts when a sheet is full.
    `progress(done, total, message)` is called after each label; `cancel` is checked before
    each one, and a cancel raises LabelsCancelled leaving `path` as it was.
    The file goes through `output` (the library's guarded run from `Library.output_run()`,
    which refuses originals and library files), else through an unguarded atomic write.
    """
    ensure_gui()
    path = Path(path)
    if not contents:
        raise ValueError("there are no labels to render")
    _require_folder(path)
    run = output if output is not None else OutputRun()
    with run.writing(path) as temp:
        return write_pdf(contents, template, temp, progress=progress, cancel=cancel)


def write_pdf(
    contents: Iterable[LabelContent],
    template: Template,
    file: Path,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[RenderedLabel]:
    """Paint `contents` as one vector PDF into `file`, a file the caller has claimed (such as
    the temporary file of an `OutputRun`): nothing is guarded or moved here. `render_pdf` is
    the whole guarded, atomic write; this is its painting half, for a caller (`credence
    labels`) that claims the file in one process and paints it in another. `contents` may be a
    stream (an iterator): each label is painted as it comes (see `paint_pages`).
    """
    ensure_gui()
    writer = QPdfWriter(str(file))
    writer.setResolution(PDF_DPI)
    writer.setCreator("Credence")
    writer.setTitle(f"Labels ({template.name})")
    results = paint_pages(writer, contents, template, progress=progress, cancel=cancel)
    del writer  # closes the file before it is moved
    return results


def paint_pages(
    device: QPagedPaintDevice,
    contents: Iterable[LabelContent],
    template: Template,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[RenderedLabel]:
    """Paint every sheet onto a paged device: a QPdfWriter, or a QPrinter the user chose.

    The device gets the template's page layout; labels fill each sheet row by row.
    `contents` may be a stream (an iterator, such as labels read while earlier ones are
    painted): a sheet is taken from it when the one before is done, and progress then counts
    labels without a total.
    """
    ensure_gui()
    total = len(contents) if isinstance(contents, Sized) else 0
    sheets = _sheets(contents, template.labels_per_sheet)
    sheet = next(sheets, None)
    if sheet is None:
        raise ValueError("there are no labels to render")
    device.setPageLayout(_page_size(template))
    painter = QPainter()
    results: list[RenderedLabel] = []
    cache = ShapeCache()
    if not painter.begin(device):
        raise OSError("cannot start painting on the output (is the file or printer available?)")
    try:
        scale = device.logicalDpiX() / 72
        painter.scale(scale, scale)
        page = 1
        while sheet is not None:
            if page > 1:
                device.newPage()
            first = len(results)
            _paint_page(
                painter, sheet, first, template, page, results, progress, cancel, total, cache
            )
            page += 1
            sheet = next(sheets, None)
    finally:
        painter.end()
    return results


def page_image(
    contents: Sequence[LabelContent], template: Template, page: int, *, dpi: int = 96
) -> tuple[QImage, list[RenderedLabel]]:
    """One sheet as an image (for an on-screen preview), with its labels' layouts."""
    ensure_gui()
    results: list[RenderedLabel] = []
    image = _sheet_image(contents, template, page, dpi, results, None, None, ShapeCache())
    return image, results


def _sheet_image(
    contents: Sequence[LabelContent],
    template: Template,
    page: int,
    dpi: int,
    results: list[RenderedLabel],
    progress: Progress | None,
    cancel: CancelToken | None,
    cache: ShapeCache,
) -> QImage:
    """Paint sheet `page` (1-based) into a white image at `dpi`."""
    width_pt, height_pt = template.page_size_pt
    scale = dpi / 72
    image = QImage(round(width_pt * scale), round(height_pt * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.scale(scale, scale)
        first = (page - 1) * template.labels_per_sheet
        _paint_page(
            painter,
            contents[first : first + template.labels_per_sheet],
            first,
            template,
            page,
            results,
            progress,
            cancel,
            len(contents),
            cache,
        )
    finally:
        painter.end()
    return image


def render_png(
    contents: Sequence[LabelContent],
    template: Template,
    path: Path,
    *,
    dpi: int = 300,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    output: OutputRun | None = None,
) -> list[RenderedLabel]:
    """Render `contents` to PNG images at `dpi`, one image per page (sheet).

    The first page goes to `path`, further pages beside it as `<stem>-2.png`, `<stem>-3.png`,
    ... (see `png_page_path`). Pages are written to temporary files and moved into place
    together at the end. Progress, cancel and `output` work as in `render_pdf`: a cancel
    raises LabelsCancelled and leaves existing files as they were.
    """
    ensure_gui()
    path = Path(path)
    if not contents:
        raise ValueError("there are no labels to render")
    if not 36 <= dpi <= 2400:
        raise ValueError(f"dpi must be between 36 and 2400, not {dpi}")
    _require_folder(path)
    # Every page is claimed first (a refused target changes nothing) and goes to a temporary
    # file; they are moved into place only when all are written, so a cancel or a failure
    # leaves the previous set of files as it was.
    pages = range(1, page_count(len(contents), template) + 1)
    run = output if output is not None else OutputRun()
    with run.writing_all(png_page_path(path, page) for page in pages) as temps:
        return write_png(contents, template, temps, dpi=dpi, progress=progress, cancel=cancel)


def write_png(
    contents: Sequence[LabelContent],
    template: Template,
    files: Sequence[Path],
    *,
    dpi: int = 300,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[RenderedLabel]:
    """Paint page n of `contents` as a PNG image into `files[n - 1]`, files the caller has
    claimed (see `write_pdf`; `render_png` is the whole guarded write). `files` has one file
    per page (`page_count`).
    """
    ensure_gui()
    if len(files) != page_count(len(contents), template) or not contents:
        raise ValueError(f"{len(contents)} labels need {page_count(len(contents), template)} files")
    results: list[RenderedLabel] = []
    cache = ShapeCache()
    for page, file in enumerate(files, 1):
        image = _sheet_image(contents, template, page, dpi, results, progress, cancel, cache)
        if not image.save(str(file), "PNG"):
            raise OSError(f"cannot write the PNG of page {page} ({file})")
    return results
