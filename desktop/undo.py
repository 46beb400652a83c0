"""Undo/Redo for the window, backed by the library's history.

An edit is made through the facade first; the command then remembers the history entry it
produced. Undo and Redo never delete history: each is a new entry that reverts the latest one
(Library.revert), so the tamper-evident log shows every step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from provenance import CredenceError, Library


class HistoryCommand(QUndoCommand):
    """An already-applied edit (one or more history entries); undo and redo each revert the
    entries of the latest step, newest first, and remember the entries that did it."""

    def __init__(
        self, controller: UndoController, text: str, seqs: list[int], item_id: int | None
    ) -> None:
        super().__init__(text)
        self._controller = controller
        self._latest = seqs
        self._first_redo = True
        self.item_id = item_id

    def redo(self) -> None:  # Qt calls redo() once when pushed: the edit is already applied
        if self._first_redo:
            self._first_redo = False
            return
        self._flip()

    def undo(self) -> None:
        self._flip()

    def _flip(self) -> None:
        self._latest = [self._controller.revert(s, self.item_id) for s in reversed(self._latest)]


class UndoController(QObject):
    """Owns the QUndoStack of one window and records facade edits onto it."""

    changed = Signal(object)  # item id (or None) whose records changed by undo/redo
    failed = Signal(str)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.stack = QUndoStack(self)

    @contextmanager
    def edit(self, text: str, item_id: int | None) -> Iterator[None]:
        """Wrap one facade edit: what it wrote to history becomes one undoable step."""
        before = self.library.history_head()
        yield
        after = self.library.history_head()
        if after > before:  # no-op edits write nothing and push nothing
            self.stack.push(HistoryCommand(self, text, list(range(before + 1, after + 1)), item_id))

    def revert(self, seq: int, item_id: int | None) -> int:
        try:
            entry = self.library.revert(seq)
        except CredenceError as exc:
            self.failed.emit(str(exc))
            return seq
        self.changed.emit(item_id)
        return entry.seq
