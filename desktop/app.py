"""The Credence window. Until the full desktop (browse, disclose, review, export, print) lands,
this is a real Qt main window that lists the library's items, loading them page by page."""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QTableView

from provenance import CredenceError, ItemView, Library, open_library

PAGE = 500
COLUMNS = (("accession", "Accession"), ("title", "Title"), ("maker", "Maker"), ("date", "Date"))
_Index = QModelIndex | QPersistentModelIndex


class ItemTableModel(QAbstractTableModel):
    """Items of a library as a table, fetched from the facade a page at a time."""

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self._library = library
        self._items: list[ItemView] = []
        self._total = library.count_items()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        item = self._items[index.row()]
        return getattr(item, COLUMNS[index.column()][0]) or ""

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._items) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        page = self._library.list_items(limit=PAGE, offset=len(self._items))
        if not page:
            self._total = len(self._items)
            return
        start = len(self._items)
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self._items.extend(page)
        self.endInsertRows()

    @property
    def total(self) -> int:
        return self._total


class MainWindow(QMainWindow):
    """The main window: the library's items in a table."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.setWindowTitle("Credence")
        self.setObjectName("mainWindow")
        self.model = ItemTableModel(library, self)
        self.table = QTableView(self)
        self.table.setAccessibleName("Items")
        self.table.setModel(self.model)
        if self.model.canFetchMore():
            self.model.fetchMore()  # the first page at once; the view asks for the rest
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(1, 360)
        self.setCentralWidget(self.table)
        status = QLabel(f"{self.model.total:,} items in {library.folder}")
        self.statusBar().addWidget(status)
        self.resize(1000, 650)


def display_problem() -> str | None:
    """Why Qt could not open a window here, in words a person can act on (Linux only).

    Qt aborts the whole process when it finds no display or misses a system library; checking
    first turns that into a plain message.
    """
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return (
            "no display was found (DISPLAY is not set). Start Credence from a desktop session, "
            "or use the command line: credence --help"
        )
    if ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt needs the xcb-cursor library to open a window. Install it "
            "(Debian/Ubuntu: sudo apt install libxcb-cursor0) and start Credence again"
        )
    return None


def run_window(library_path: Path) -> int:
    """Open the library and show the window until it is closed."""
    problem = display_problem()
    if problem:
        print(f"credence: cannot open the window: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Credence")
    try:
        library = open_library(library_path)
    except CredenceError as exc:
        QMessageBox.critical(None, "Credence", f"The library cannot be opened.\n\n{exc}")
        return 1
    with library:
        window = MainWindow(library)
        window.show()
        return app.exec()
