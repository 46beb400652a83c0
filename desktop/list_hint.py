"""A hint in the list pane when there is nothing to list: how to add items, or that the search
found nothing. Built only when a list is first empty (most windows never show it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from provenance import SearchFilters

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class EmptyHint(QLabel):
    """A hint over the list pane when nothing is listed: how to add items, or that the search
    found nothing. Clicks pass through to the list below."""

    def __init__(self, pane: QWidget) -> None:
        super().__init__(pane)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAccessibleName("List hint")
        self.setStyleSheet("color: palette(placeholder-text); font-size: 13pt; padding: 24px;")
        pane.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.setGeometry(watched.rect())
        return False

    def update_for(self, total: int, searching: bool) -> None:
        if total:
            self.hide()
            return
        self.setText(
            "No items match this search or view."
            if searching
            else "No items yet — drag images here or use File > Import files… (Ctrl+I)."
        )
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()


def install_list_hint(window: MainWindow) -> None:
    """Keep the hint over the window's list pane in step with its list; the hint is built the
    first time the list is empty."""
    hints: list[EmptyHint] = []

    def refresh_hint() -> None:
        model = window.model
        if model.total and not hints:
            return  # nothing to say, and nothing built yet to hide
        if not hints:
            hints.append(EmptyHint(window.items_stack))
        hints[0].update_for(model.total, bool(model.search) or model.filters != SearchFilters())

    window.model.modelReset.connect(refresh_hint)
    window.model.rowsInserted.connect(refresh_hint)
    # A view built later (the grid) lies above the hint until it is raised again.
    window.items_stack.currentChanged.connect(refresh_hint)
    refresh_hint()
