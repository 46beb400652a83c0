"""The grid of items: whole pictures with captions and status badges, and a size slider.

The delegate draws each cell from the model's ItemRow: the thumbnail fitted inside the cell
(never cropped), accession and title below it (elided), and badges on the picture for what a
registrar scans a wall of pictures for: AI involved, review state, credential state and stale
exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.item_model import ItemRow, RowStatus
from provenance import ItemView

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

#: Thumbnail side in the grid: smallest, largest, default, and the slider's step (pixels).
SIDE_MIN, SIDE_MAX, SIDE_DEFAULT, SIDE_STEP = 64, 320, 160, 16
SETTINGS_KEY = "grid/thumbnail"
_PAD = 6
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Badge:
    """A word drawn on a thumbnail, with its colours and what it means."""

    text: str
    background: str
    meaning: str
    foreground: str = "#ffffff"


def badges(item: ItemView) -> list[Badge]:
    """The badges of `item`, in reading order: AI, review, credentials, export."""
    return status_badges(RowStatus.of(item))


def status_badges(status: RowStatus) -> list[Badge]:
    """The badges of a listed row's status, in reading order: AI, review, credentials, export."""
    found: list[Badge] = []
    ai = status.ai
    if "not disclosed" in ai:
        found.append(Badge("AI?", "#b3261e", "The file says AI was involved; not disclosed"))
    elif ai:
        found.append(Badge("AI", "#6a3fb5", f"AI involved: {ai}"))
    review = status.review
    if review == "Needs review":
        found.append(Badge("Draft", "#f2b600", "Disclosure needs review", "#1b1b1b"))
    elif review == "Reviewed":
        found.append(Badge("Reviewed", "#1f6fb2", "Disclosure reviewed, not yet approved"))
    elif review == "Approved":
        found.append(Badge("Approved", "#2e7d32", "Disclosure approved"))
    states = status.credential_states
    if states & {"invalid", "error"}:
        found.append(Badge("CR ✗", "#b3261e", f"Credentials: {status.credentials}"))
    elif "trusted" in states:
        found.append(Badge("CR ✓", "#2e7d32", "Credentials: trusted"))
    elif "valid" in states:
        found.append(Badge("CR", "#546e7a", f"Credentials: {status.credentials}"))
    if status.needs_reexport:
        found.append(
            Badge("Re-export", "#d84315", f"Needs re-export: {status.stale_reason or 'changed'}")
        )
    return found


def _line_height(font: QFont) -> int:
    return QFontMetrics(font).height()


class ItemGridDelegate(QStyledItemDelegate):
    """Draws one grid cell: the whole picture, badges on it, two caption lines below."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.side = SIDE_DEFAULT

    def cell_size(self, font: QFont) -> QSize:
        line = _line_height(font)
        return QSize(self.side + 2 * _PAD, self.side + 2 * line + 3 * _PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # Qt override
        return self.cell_size(option.font)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        model = index.model()
        item = model.row_at(index.row()) if hasattr(model, "row_at") else None
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        cell = opt.rect.adjusted(_PAD, _PAD, -_PAD, -_PAD)
        frame = QRect(cell.left(), cell.top(), cell.width(), self.side)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        icon = icon if isinstance(icon, QIcon) and not icon.isNull() else None
        picture = self._picture_rect(icon, frame) if icon is not None else frame
        # The selection hugs the picture and its caption, not the empty band above a wide one.
        self._draw_background(painter, opt, picture.top())
        self._draw_picture(painter, opt, icon, picture, item)
        if item is not None:
            self._draw_badges(painter, picture, status_badges(item.status))
            self._draw_caption(painter, opt, cell, item)
        painter.restore()

    def _draw_background(self, painter: QPainter, opt: QStyleOptionViewItem, top: int) -> None:
        """The selection behind picture and caption (the style would mark only the caption)."""
        box = opt.rect.adjusted(2, 2, -2, -2)
        box.setTop(max(box.top(), top - _PAD + 2))
        painter.setPen(Qt.PenStyle.NoPen)
        if opt.state & QStyle.StateFlag.State_Selected:
            painter.setBrush(opt.palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(box, 6, 6)
        elif opt.state & QStyle.StateFlag.State_MouseOver:
            painter.setBrush(opt.palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRoundedRect(box, 6, 6)
        if opt.state & QStyle.StateFlag.State_HasFocus:
            pen = QPen(opt.palette.color(QPalette.ColorRole.Highlight).darker(150), 2)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 6, 6)

    @staticmethod
    def _picture_rect(icon: QIcon, frame: QRect) -> QRect:
        """Where the thumbnail goes: fitted inside the square, aspect kept (a panorama is a
        strip, never cropped), centred across and standing on the caption."""
        sizes = icon.availableSizes()
        natural = sizes[0] if sizes else frame.size()
        shown = natural.scaled(frame.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, shown.width(), shown.height())
        target.moveCenter(frame.center())
        target.moveBottom(frame.bottom())
        return target

    def _draw_picture(
        self, painter: QPainter, opt: QStyleOptionViewItem, icon: QIcon | None, target: QRect, item
    ) -> None:
        if icon is not None:
            sizes = icon.availableSizes()
            painter.drawPixmap(target, icon.pixmap(sizes[0] if sizes else target.size()))
            return
        # No picture (yet): a quiet box says which.
        painter.setPen(opt.palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(opt.palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(target.adjusted(0, 0, -1, -1), 4, 4)
        text = "Loading…" if item is not None and item.status.has_assets else "No image"
        painter.setPen(opt.palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(target, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_badges(self, painter: QPainter, picture: QRect, found: list[Badge]) -> None:
        if not found:
            return
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * (0.75 if self.side < 120 else 0.85), 6.0))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        x, y = picture.left() + 3, picture.top() + 3
        height = metrics.height() + 2
        for badge in found:
            width = metrics.horizontalAdvance(badge.text) + 8
            if x + width > picture.right() - 2 and x > picture.left() + 3:
                x, y = picture.left() + 3, y + height + 2  # wrap to the next row
            box = QRect(x, y, width, height)
            painter.setPen(QColor(0, 0, 0, 90))
            painter.setBrush(QColor(badge.background))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(badge.foreground))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge.text)
            x += width + 3

    def _draw_caption(
        self, painter: QPainter, opt: QStyleOptionViewItem, cell: QRect, item: ItemRow
    ) -> None:
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(opt.palette.color(role))
        line = _line_height(opt.font)
        top = cell.top() + self.side + _PAD // 2
        bold = QFont(opt.font)
        bold.setBold(True)
        lines = ((bold, item.head), (opt.font, item.title))
        for number, (font, text) in enumerate(lines):
            painter.setFont(font)
            elided = painter.fontMetrics().elidedText(
                text, Qt.TextElideMode.ElideRight, cell.width()
            )
            rect = QRect(cell.left(), top + number * line, cell.width(), line)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, elided
            )


class ItemGrid(QListView):
    """The grid's list view: cells of one size flowing left to right in rows.

    A change of an item's data (a thumbnail arriving, an edit) repaints its cell and nothing
    else. QListView (Qt 6) lays out every listed row again on any `dataChanged`, one Python
    `rowCount` call per row, and thumbnails arrive one by one as a person scrolls: on a million
    rows each took seconds, and scrolling to the end never finished. Cells here are all one size
    whatever their data says, so a change cannot move one, and the layout can stay.
    """

    #: The status bar's thumbnail size slider (see install_grid).
    size_slider: QSlider

    def dataChanged(self, top_left: _Index, bottom_right: _Index, roles=()) -> None:  # noqa: N802
        # QAbstractItemView's own handling: repaint, editors, accessibility; no relayout.
        QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)


def set_thumbnail_side(grid: QListView, delegate: ItemGridDelegate, side: int) -> int:
    """Resize the grid's cells for thumbnails of `side` pixels (clamped); returns the side."""
    side = max(SIDE_MIN, min(SIDE_MAX, int(side)))
    delegate.side = side
    grid.setIconSize(QSize(side, side))
    grid.setGridSize(delegate.cell_size(grid.font()))
    return side


class ThumbnailSlider(QWidget):
    """The status-bar slider for the grid's thumbnail size (shown while the grid is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(SIDE_MIN, SIDE_MAX)
        self.slider.setSingleStep(SIDE_STEP)
        self.slider.setPageStep(SIDE_STEP * 4)
        self.slider.setFixedWidth(140)
        self.slider.setAccessibleName("Thumbnail size")
        self.slider.setToolTip("Thumbnail size (Ctrl+= larger, Ctrl+- smaller)")
        label = QLabel("Thumbnails")
        label.setBuddy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.slider)


def install_grid(window: MainWindow) -> ItemGrid:
    """Build the window's grid view of its items, sharing the table's model and selection, with
    the item delegate and the thumbnail size slider; the window builds it when grid view is first
    chosen (most sessions stay in the table, and the grid cost ~10 ms before the first paint)."""
    grid = ItemGrid()
    grid.setAccessibleName("Items (grid)")
    grid.setModel(window.model)
    grid.setSelectionModel(window.table.selectionModel())  # one selection, two views
    # Cells flowing left to right in rows, all of one size: the list mode lays a long list
    # out arithmetically (IconMode keeps a placed item for every row, and places them all
    # again whenever rows change: a million-item list never finished).
    grid.setViewMode(QListView.ViewMode.ListMode)
    grid.setFlow(QListView.Flow.LeftToRight)
    grid.setWrapping(True)
    grid.setMovement(QListView.Movement.Static)
    grid.setResizeMode(QListView.ResizeMode.Adjust)
    grid.setUniformItemSizes(True)
    grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    delegate = ItemGridDelegate(grid)
    grid.setItemDelegate(delegate)
    grid.setSpacing(0)
    # A cell stands for its whole row: what is selected in the grid is selected in the table
    # (one selection model), so Export, Print and Compare see the same items.
    grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    grid.setWordWrap(False)
    window.items_stack.addWidget(grid)

    slider = ThumbnailSlider(window)
    grid.size_slider = slider.slider
    # Left of the task panel, as when it was built with the window (after the item count, the
    # status bar's one plain widget).
    window.statusBar().insertPermanentWidget(1, slider)
    side = window.settings.value(SETTINGS_KEY, SIDE_DEFAULT)
    try:
        side = set_thumbnail_side(grid, delegate, int(side))
    except (TypeError, ValueError):
        side = set_thumbnail_side(grid, delegate, SIDE_DEFAULT)
    slider.slider.setValue(side)

    def resized(value: int) -> None:
        window.settings.setValue(SETTINGS_KEY, set_thumbnail_side(grid, delegate, value))

    slider.slider.valueChanged.connect(resized)

    def follow_mode(_index: int = 0) -> None:
        slider.setVisible(window.items_stack.currentWidget() is grid)

    window.items_stack.currentChanged.connect(follow_mode)
    follow_mode()
    return grid
