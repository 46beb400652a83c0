"""The image viewer: one item large, or two side by side to compare.

Zoom with Ctrl++ / Ctrl+- / Ctrl+0 (fit) or the mouse wheel, pan by dragging, move through the
current list with the arrow keys, close with Escape (or Space, as it opened). The core reads and
decodes the original (`Library.preview_image`, upright and colour-managed) on a pool thread;
the thumbnail stands in until the full picture arrives.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QIcon, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from provenance import CredenceError, ItemView, Library

if TYPE_CHECKING:
    from desktop.item_model import ItemListModel
    from desktop.main_window import MainWindow

log = logging.getLogger(__name__)

#: Longest side of the picture the viewer asks the core for: detail for zooming in, without
#: decoding a 100-megapixel scan at full size.
PREVIEW_SIDE = 4096
ZOOM_STEP = 1.25
ZOOM_RANGE = (0.02, 16.0)
#: Keys that move to another item; a picture pans by dragging, so arrows are free for this.
_BACK_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp)
_NEXT_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown)


class _PreviewSignals(QObject):
    loaded = Signal(int, QImage, str)  # request number, picture, plain problem ("" when fine)


class _LoadPreview(QRunnable):
    """Asks the core for one picture and decodes it, on a pool thread (QImage is thread-safe)."""

    def __init__(
        self, library: Library, asset_id: int, request: int, signals: _PreviewSignals
    ) -> None:
        super().__init__()
        self.library, self.asset_id, self.request, self.signals = (
            library,
            asset_id,
            request,
            signals,
        )

    def run(self) -> None:
        image, problem = QImage(), ""
        try:
            image = QImage.fromData(self.library.preview_image(self.asset_id, PREVIEW_SIDE))
            if image.isNull():
                problem = "The picture could not be decoded."
        except CredenceError as exc:  # e.g. "harbour.jpg cannot be shown: file not found"
            text = str(exc)
            problem = f"{text[:1].upper()}{text[1:]}."
        except Exception as exc:  # never a traceback on screen; the details go to the log
            log.exception("preview of asset %s failed", self.asset_id)
            problem = f"The picture cannot be shown ({type(exc).__name__})."
        self.signals.loaded.emit(self.request, image, problem)


class ImagePane(QGraphicsView):
    """One picture that zooms (wheel, keys) and pans (drag); fits the pane until zoomed."""

    navigate = Signal(int)  # -1 previous, +1 next
    #: A factor, and whether to zoom around the mouse (the wheel) or the middle (keys).
    zoom_requested = Signal(float, bool)
    refitted = Signal()  # the fitted scale changed (the pane was resized)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.setAccessibleName("Picture")
        self.fitted = True
        self.full_width = 0  # the picture's own width, for the zoom percentage

    def set_picture(self, pixmap: QPixmap, full_width: int) -> None:
        """Show `pixmap` (the thumbnail for now, or the picture) scaled to `full_width`."""
        self.item.setPixmap(pixmap)
        self.full_width = full_width or pixmap.width()
        # A stand-in thumbnail is drawn at the picture's size, so zoom stays put when it swaps.
        scale = self.full_width / pixmap.width() if pixmap.width() else 1.0
        self.item.setScale(scale)
        self.scene().setSceneRect(self.item.sceneBoundingRect())
        if self.fitted:
            self.fit()

    def clear_picture(self) -> None:
        self.item.setPixmap(QPixmap())
        self.full_width = 0

    @property
    def zoom(self) -> float:
        """The current scale against the picture's own pixels (1.0 = 100 %)."""
        return self.transform().m11()

    def fit(self) -> None:
        """Show the whole picture, as large as the pane allows (never upscaled past 100 %)."""
        self.fitted = True
        rect = self.item.sceneBoundingRect()
        if rect.isEmpty():
            return
        self.resetTransform()
        view = self.viewport().size()
        factor = min(view.width() / rect.width(), view.height() / rect.height(), 1.0)
        self.scale(factor, factor)
        self.centerOn(self.item)
        self.refitted.emit()

    def zoom_by(self, factor: float, around_mouse: bool = False) -> None:
        low, high = ZOOM_RANGE
        target = min(max(self.zoom * factor, low), high)
        if self.zoom:
            self.fitted = False
            anchor = QGraphicsView.ViewportAnchor
            self.setTransformationAnchor(
                anchor.AnchorUnderMouse if around_mouse else anchor.AnchorViewCenter
            )
            factor = target / self.zoom
            self.scale(factor, factor)

    def wheelEvent(self, event) -> None:  # Qt override: the wheel zooms, as in photo viewers
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_requested.emit(ZOOM_STEP**steps, True)
        event.accept()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        if self.fitted:
            self.fit()

    def keyPressEvent(self, event) -> None:  # Qt override: arrows move through the list
        key = event.key()
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
        elif key in _BACK_KEYS:
            self.navigate.emit(-1)
        elif key in _NEXT_KEYS:
            self.navigate.emit(1)
        else:
            super().keyPressEvent(event)


class ImageViewer(QDialog):
    """One item large, or (with two rows) two items side by side."""

    #: The row now shown (single view), for the main list to follow.
    current_row_changed = Signal(int)

    def __init__(
        self, library: Library, model: ItemListModel, rows: list[int], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.model = model
        self.rows = list(rows)
        self.compare = len(self.rows) > 1
        self.setObjectName("imageViewer")
        self.setAccessibleName("Compare" if self.compare else "Image viewer")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._signals = _PreviewSignals(self)
        self._signals.loaded.connect(self._loaded)
        self._request = 0
        self._waiting: dict[int, int] = {}  # request -> pane number
        self._widths: dict[int, int] = {}  # pane number -> the original's upright width

        self.panes: list[ImagePane] = []
        self.captions: list[QLabel] = []
        row_layout = QHBoxLayout()
        row_layout.setSpacing(6)
        for number in range(len(self.rows)):
            pane = ImagePane(self)
            pane.navigate.connect(self.move)
            pane.zoom_requested.connect(self.zoom_by)
            pane.refitted.connect(self._update_title)
            caption = QLabel()
            caption.setTextFormat(Qt.TextFormat.PlainText)
            caption.setAccessibleName(f"Caption {number + 1}" if self.compare else "Caption")
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(pane, 1)
            row_layout.addLayout(column, 1)
            self.panes.append(pane)
            self.captions.append(caption)
        hint = QLabel(
            "Drag to pan · wheel or Ctrl++ / Ctrl+− to zoom · Ctrl+0 fits · Esc closes"
            if self.compare
            else "← → previous / next · drag to pan · wheel or Ctrl++ / Ctrl+− to zoom · "
            "Ctrl+0 fits · Esc closes"
        )
        hint.setWordWrap(True)
        self.zoom_label = QLabel()
        self.zoom_label.setAccessibleName("Zoom")
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.zoom_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row_layout, 1)
        layout.addLayout(bottom)

        for keys, slot in (
            (("Ctrl++", "Ctrl+="), lambda: self.zoom_by(ZOOM_STEP)),
            (("Ctrl+-",), lambda: self.zoom_by(1 / ZOOM_STEP)),
            (("Ctrl+0",), self.fit),
            (("Space",), self.close),
        ):
            for key in keys:
                QShortcut(QKeySequence(key), self, slot)
        # The list changed under us (a reload, or rows that moved): its rows mean others.
        model.modelReset.connect(self.close)
        model.layoutChanged.connect(self.close)
        model.total_changed.connect(self._count_arrived)
        self._size_to(parent)
        for number in range(len(self.rows)):
            self._show(number)
        self.panes[0].setFocus()

    def _count_arrived(self) -> None:
        for number in range(len(self.rows)):
            self._caption(number)

    def _size_to(self, parent: QWidget) -> None:
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        base = parent.window().size() if parent is not None else screen.size()
        width = min(int(base.width() * 0.92), screen.width())
        height = min(int(base.height() * 0.92), screen.height())
        self.resize(QSize(width, height))

    # -- showing ---------------------------------------------------------------------------

    def item(self, number: int = 0) -> ItemView | None:
        return self.model.item_at(self.rows[number])

    def _caption(self, number: int) -> None:
        """The pane's caption: the item, where it is in the list, the picture's size."""
        row = self.rows[number]
        item = self.model.item_at(row)
        if item is None:
            return
        asset = item.assets[0] if item.assets else None
        model = self.model
        # A long list's count may still be on its way (the model says how many, at least).
        of = f"more than {model.total - 1:,}" if model.counting else f"{model.total:,}"
        where = "" if self.compare else f" — {row + 1} of {of}"
        if asset is None:
            tail = " — this item has no image"
        else:
            tail = f" — {asset.width} × {asset.height} px" if asset.width else ""
        self.captions[number].setText(f"{item.label}{where}{tail}")

    def _show(self, number: int) -> None:
        row = self.rows[number]
        item = self.model.item_at(row)
        pane, caption = self.panes[number], self.captions[number]
        if item is None:
            return
        asset = item.assets[0] if item.assets else None
        self._caption(number)
        caption.setToolTip(item.label)
        self._update_title()
        pane.fitted = True
        if asset is None:
            pane.clear_picture()
            return
        self._widths[number] = _upright_width(asset)
        icon = self.model.data(self.model.index(row, 0), Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon) and not icon.isNull():
            pane.set_picture(icon.pixmap(QSize(512, 512)), self._widths[number])
        else:
            pane.clear_picture()
        self._request += 1
        self._waiting = {r: n for r, n in self._waiting.items() if n != number}
        self._waiting[self._request] = number
        self.pool.start(_LoadPreview(self.library, asset.id, self._request, self._signals))

    def _loaded(self, request: int, image: QImage, problem: str) -> None:
        number = self._waiting.pop(request, None)
        if number is None:  # the viewer moved on before this picture arrived
            return
        if problem:
            self.captions[number].setText(f"{self.captions[number].text()} — {problem}")
            return
        self.panes[number].set_picture(QPixmap.fromImage(image), self._widths.get(number, 0))
        self._update_title()

    def _update_title(self) -> None:
        labels = [item.label for n in range(len(self.rows)) if (item := self.item(n))]
        zoom = round(self.panes[0].zoom * 100) if self.panes and self.panes[0].full_width else 0
        shown = f" — {zoom} %" if zoom else ""
        kind = "Compare" if self.compare else "View"
        self.setWindowTitle(f"{kind}: {' | '.join(labels)}{shown}")
        fitted = " (fitted)" if self.panes and self.panes[0].fitted else ""
        self.zoom_label.setText(f"Zoom {zoom} %{fitted}" if zoom else "")

    # -- actions ---------------------------------------------------------------------------

    def move(self, step: int) -> None:
        """Show the previous (-1) or next (+1) item of the list (single view only)."""
        if self.compare:
            return
        row = self.rows[0] + step
        if row >= self.model.rowCount() and self.model.canFetchMore():
            self.model.fetchMore()
        if not 0 <= row < self.model.rowCount():
            return
        self.rows[0] = row
        self._show(0)
        self.current_row_changed.emit(row)

    def zoom_by(self, factor: float, around_mouse: bool = False) -> None:
        for pane in self.panes:
            pane.zoom_by(factor, around_mouse)
        self._update_title()

    def fit(self) -> None:
        for pane in self.panes:
            pane.fit()
        self._update_title()

    def done(self, result: int) -> None:  # Qt override: no picture arrives after closing
        self.pool.clear()
        self.pool.waitForDone()
        super().done(result)


def _upright_width(asset) -> int:
    """The picture's width as shown (EXIF orientations 5-8 turn it a quarter)."""
    width, height = asset.width or 0, asset.height or 0
    return height if asset.orientation in (5, 6, 7, 8) else width


def open_viewer(window: MainWindow, row: int) -> ImageViewer | None:
    """Show the item in `row` of the window's list large; the list follows the viewer."""
    if window.model.item_at(row) is None:
        return None
    viewer = ImageViewer(window.library, window.model, [row], window)

    def follow(shown: int) -> None:
        window.table.setCurrentIndex(window.model.index(shown, 0))

    viewer.current_row_changed.connect(follow)
    viewer.show()
    viewer.activateWindow()
    return viewer


def open_compare(window: MainWindow) -> ImageViewer | None:
    """Show the two selected items side by side (a plain message for any other selection)."""
    rows = sorted({i.row() for i in window.table.selectionModel().selectedIndexes()})
    if len(rows) != 2:
        QMessageBox.information(
            window,
            "Compare",
            "Select two items to compare them side by side (Ctrl+click the second one), "
            "then press C.",
        )
        return None
    viewer = ImageViewer(window.library, window.model, rows, window)
    viewer.show()
    viewer.activateWindow()
    return viewer
