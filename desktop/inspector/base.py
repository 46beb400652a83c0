"""What every inspector tab is: a widget that shows one item and edits it through the facade."""

from __future__ import annotations

import itertools

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.undo import UndoController
from provenance import CredenceError, ItemView, Library


class InspectorTab(QWidget):
    """Base class. Subclasses build their widgets in __init__ and fill them in `show_item`.

    Edits go through `self.edit(text, item_id)` (a context manager) so each becomes one
    Undo step; after an edit, emit `item_changed(item_id)` so the window refreshes the item.
    Long work never runs here: use the window's task runner (see desktop.workers).
    """

    item_changed = Signal(int)
    title = "Tab"

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.undo = undo
        self.item: ItemView | None = None

    @staticmethod
    def set_tab_order(widgets: list[QWidget]) -> None:
        """Keyboard order through `widgets`, as listed."""
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def show_item(self, item: ItemView | None) -> None:
        """Show `item` (None: nothing selected). Called with a fresh view after every change."""
        self.item = item

    def edit(self, text: str):
        """Context manager for one undoable facade edit of the current item."""
        return self.undo.edit(text, self.item.id if self.item else None)

    def report(self, error: CredenceError) -> None:
        """Show a facade error as a plain message (never a traceback)."""
        QMessageBox.warning(self, "Credence", str(error))
