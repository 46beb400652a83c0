"""History tab: every recorded change of the item, and a check of the whole hash chain."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.history_text import entry_line
from desktop.inspector.base import InspectorTab
from desktop.inspector.credentials_tab import require_ui_thread
from desktop.undo import UndoController
from desktop.workers import Worker, start
from provenance import CredenceError, HistoryVerification, ItemView, Library

COLUMNS = ("#", "When", "Who", "What")


def verification_line(result: HistoryVerification) -> str:
    """The outcome of a history check, for a person."""
    if result.ok:
        return f"History intact: {result.checked} entries checked."
    return (
        f"History broken at entry {result.first_broken}: {result.reason}. "
        "Entries from there on cannot be trusted; keep a copy of the library and ask for help."
    )


class HistoryTab(InspectorTab):
    """The item's history entries, oldest first, with Verify history for the whole library."""

    title = "History"

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(library, undo, parent)
        self.worker: Worker | None = None
        heading = QLabel("&Changes to this item", self)
        self.entries = QTreeWidget(self)
        self.entries.setColumnCount(len(COLUMNS))
        self.entries.setHeaderLabels(list(COLUMNS))
        self.entries.setRootIsDecorated(False)
        self.entries.setAlternatingRowColors(True)
        self.entries.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.entries.setAccessibleName("History of this item")
        self.entries.setAccessibleDescription("Each change: number, time, who, and what changed")
        self.entries.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.entries.header().setStretchLastSection(True)
        heading.setBuddy(self.entries)
        self.verify_button = QPushButton("Verif&y history", self)
        self.verify_button.setAccessibleName("Verify history")
        self.verify_button.setToolTip(
            "Check that no entry of the library's history was altered or removed"
        )
        self.verify_button.clicked.connect(self.verify)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setAccessibleName("History check result")
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addWidget(self.result, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.entries, 1)
        layout.addLayout(row)
        QWidget.setTabOrder(self.entries, self.verify_button)
        self.show_item(None)

    def show_item(self, item: ItemView | None) -> None:
        super().show_item(item)
        self.entries.clear()
        if item is None:
            return
        try:
            entries = self.library.history(item.id)
        except CredenceError as exc:
            self.result.setText(str(exc))
            return
        for entry in entries:
            what = entry_line(entry)
            row = QTreeWidgetItem(
                [str(entry.seq), entry.at[:19].replace("T", " "), entry.actor, what]
            )
            row.setToolTip(3, what)
            self.entries.addTopLevelItem(row)
        if entries:
            self.entries.scrollToItem(self.entries.topLevelItem(len(entries) - 1))

    # -- verification (in a worker) -----------------------------------------------------

    def verify(self) -> Worker | None:
        """Check the whole history chain off the UI thread."""
        if self.worker is not None:
            return None
        library = self.library  # the worker gets the facade, never a widget

        def work(progress, cancel) -> HistoryVerification:
            return library.verify_history(progress=progress, cancel=cancel)

        worker = Worker("Verifying history", work)
        # Slots of this widget, so Qt runs them on the UI thread.
        worker.signals.progressed.connect(self._progressed)
        worker.signals.succeeded.connect(self._verified)
        worker.signals.failed.connect(self._failed)
        worker.signals.cancelled.connect(self._cancelled)
        worker.signals.finished.connect(self._finished)
        self.worker = worker
        self.verify_button.setEnabled(False)
        self.result.setText("Checking the history…")
        return start(worker)

    def _progressed(self, done: int, total: int, _message: str) -> None:
        require_ui_thread("HistoryTab._progressed")
        if total > 0:
            self.result.setText(f"Checking the history: {done} of {total} entries…")

    def _verified(self, result: HistoryVerification) -> None:
        require_ui_thread("HistoryTab._verified")
        self.result.setText(verification_line(result))

    def _failed(self, message: str) -> None:
        require_ui_thread("HistoryTab._failed")
        self.result.setText(f"The history could not be checked: {message}")

    def _cancelled(self, _partial: object) -> None:
        require_ui_thread("HistoryTab._cancelled")
        self.result.setText("The history check was stopped before the end.")

    def _finished(self) -> None:
        require_ui_thread("HistoryTab._finished")
        self.worker = None
        self.verify_button.setEnabled(True)
