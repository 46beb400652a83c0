"""What Credence's dialogs share: running facade work in a worker, and saying what went wrong.

A dialog never runs long work itself. It reads its widgets on the UI thread, builds a plain
`work(progress, cancel)` closure over the Library facade and hands a Worker to the window's
`runner` (which shows it in the status bar). The worker's signals come back to a small QObject
owned by the dialog, so they are delivered on the UI thread through the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.workers import Work, Worker
from provenance import Library, pattern_problem, resolve_name

#: Room kept for a window manager's title bar and borders, which Qt cannot know before a
#: window is first shown.
FRAME_ALLOWANCE = (16, 40)


def fit_to_screen(window: QWidget) -> None:
    """Shrink `window` to the screen's free area (a 1024x700 laptop), frame included, and
    keep it on screen. Dialogs call it after choosing their preferred size."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    free = screen.availableGeometry()
    width = min(window.width(), free.width() - FRAME_ALLOWANCE[0])
    height = min(window.height(), free.height() - FRAME_ALLOWANCE[1])
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)


#: What the window passes in to start a worker (desktop.workers.start in tests).
Runner = Callable[[Worker], object]

#: Item fields as a person names them, in display order.
FIELD_LABELS: dict[str, str] = {
    "accession": "Accession number",
    "title": "Title",
    "object_type": "Object type",
    "maker": "Maker",
    "maker_nationality": "Maker's nationality",
    "maker_dates": "Maker's dates",
    "date": "Date",
    "medium": "Medium",
    "dimensions": "Dimensions",
    "inscription": "Inscription",
    "credit_line": "Credit line",
    "rights": "Rights",
    "description": "Description",
}

#: The tokens an export naming pattern may use, explained.
NAMING_TOKENS: tuple[tuple[str, str], ...] = (
    ("{name}", "the original file name with its extension"),
    ("{stem}", "the original file name without its extension"),
    ("{ext}", "the original extension"),
    ("{accession}", "the item's accession number (item-ID when it has none)"),
    ("{id}", "the item's number in this library"),
)

SHORT_TOKENS: tuple[tuple[str, str], ...] = (
    ("{name}", "file name"),
    ("{stem}", "name without extension"),
    ("{ext}", "extension"),
    ("{accession}", "accession number"),
    ("{id}", "item number"),
)


def naming_help(short: bool = False) -> str:
    """The naming tokens explained: one compact line (`short`) or a full sentence."""
    if short:
        return "Tokens: " + " · ".join(f"{token} {meaning}" for token, meaning in SHORT_TOKENS)
    tokens = "; ".join(f"{token} = {meaning}" for token, meaning in NAMING_TOKENS)
    return f"File names are built from: {tokens}. The original extension is kept if you add none."


def naming_problem(pattern: str) -> str | None:
    """Why `pattern` cannot name export files, or None when it can (the core's own check)."""
    return pattern_problem(pattern)


def naming_example(pattern: str, file_name: str, accession: str | None, item_id: int) -> str:
    """What the pattern makes of one file, exactly as the export names it."""
    return resolve_name(pattern, Path(file_name), accession, item_id)


class ProblemLabel(QLabel):
    """A plain message on the page, hidden while there is nothing to say. Never a traceback."""

    def __init__(self, parent: QWidget | None = None, name: str = "Problem") -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setAccessibleName(name)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self.hide()

    def show_problem(self, text: str) -> None:
        """Show `text` (an empty text hides the label)."""
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))

    def clear_problem(self) -> None:
        self.show_problem("")


class TaskPanel(QWidget):
    """Progress of the dialog's running task, with a Stop button. Hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Progress")
        self.message = QLabel(self)
        self.message.setAccessibleName("What is being done")
        self.message.setMinimumWidth(200)
        self.stop_button = QPushButton("S&top", self)
        self.stop_button.setAccessibleName("Stop the running task")
        self.stop_button.setToolTip("Stop after the current file; what is already done is kept")
        self.stop_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserStop))
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.message, 2)
        layout.addWidget(self.stop_button)
        self.hide()

    def begin(self, title: str) -> None:
        self.bar.setRange(0, 0)  # busy until the first progress report says how much
        self.message.setText(f"{title}…")
        self.stop_button.setEnabled(True)
        self.show()

    def update_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if message:
            self.message.setText(message)

    def stopping(self) -> None:
        self.stop_button.setEnabled(False)
        self.message.setText("Stopping after the current step…")

    def end(self) -> None:
        self.hide()


class _Task(QObject):
    """Receives one worker's signals on the UI thread and calls the dialog back."""

    def __init__(
        self,
        owner: WorkDialog,
        worker: Worker,
        on_result: Callable[[Any, bool], None],
        on_failed: Callable[[str], None] | None,
        main: bool,
    ) -> None:
        super().__init__(owner)
        self._owner = owner
        self.worker = worker
        self._on_result = on_result
        self._on_failed = on_failed
        self.main = main
        signals = worker.signals
        signals.progressed.connect(self._progressed)
        signals.succeeded.connect(self._succeeded)
        signals.cancelled.connect(self._cancelled)
        signals.failed.connect(self._failed)
        signals.finished.connect(self._finished)

    def _progressed(self, done: int, total: int, message: str) -> None:
        if self.main:
            self._owner.task_panel.update_progress(done, total, message)

    def _succeeded(self, result: object) -> None:
        self._on_result(result, False)
        self._finished()

    def _cancelled(self, result: object) -> None:
        if result is not None:
            self._on_result(result, True)
        self._finished()

    def _failed(self, message: str) -> None:
        if self._on_failed is not None:
            self._on_failed(message)
        else:
            self._owner.problem.show_problem(message)
        self._finished()

    def _finished(self) -> None:
        # The task ends with its outcome, in the same slot: a person who reads the summary and
        # presses Esc at once closes the dialog (the worker's own `finished` comes later, and
        # is then ignored), instead of being told a finished task is stopping.
        if self in self._owner._tasks:
            self._owner._task_finished(self)


class WorkDialog(QDialog):
    """A dialog that runs facade work through the window's runner.

    `worker` is the last main task started. `work_done(worker)` is emitted on the UI thread once
    a task's outcome has been shown (connect before starting: a worker may finish at once).
    While a main task runs, Esc stops it instead of closing the dialog, so its summary can be
    read.
    """

    work_done = Signal(object)

    def __init__(self, library: Library, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self.worker: Worker | None = None
        self.problem = ProblemLabel(self)
        self.task_panel = TaskPanel(self)
        self.task_panel.stop_button.clicked.connect(self.stop_work)
        self._tasks: list[_Task] = []

    def run_task(
        self,
        title: str,
        work: Work,
        on_result: Callable[[Any, bool], None],
        *,
        on_failed: Callable[[str], None] | None = None,
        main: bool = True,
    ) -> Worker:
        """Start `work` in a Worker through the runner; `on_result(result, cancelled)` gets
        its outcome on the UI thread. A main task shows progress and locks the inputs."""
        worker = Worker(title, work)
        task = _Task(self, worker, on_result, on_failed, main)
        self._tasks.append(task)
        if main:
            self.worker = worker
            self.problem.clear_problem()
            self.task_panel.begin(title)
            self.set_inputs_enabled(False)
        self.runner(worker)
        return worker

    def busy(self) -> bool:
        """Whether a main task is running."""
        return any(t.main for t in self._tasks)

    def stop_work(self) -> None:
        """Ask the running main task to stop at its next unit of work."""
        for task in self._tasks:
            if task.main:
                task.worker.cancel()
                self.task_panel.stopping()

    def set_inputs_enabled(self, enabled: bool) -> None:
        """Subclasses lock their inputs while a main task runs."""

    def _task_finished(self, task: _Task) -> None:
        self._tasks.remove(task)  # the QObject stays with the dialog: deleting it from its
        # own slot is unsafe, and it is small
        if task.main and not self.busy():
            self.task_panel.end()
            self.set_inputs_enabled(True)
        self.work_done.emit(task.worker)

    def reject(self) -> None:  # Qt override: Esc and Close
        if self.busy():
            self.stop_work()  # the summary of what was done stays on screen
            return
        for task in self._tasks:  # background checks: nobody will read them now
            task.worker.cancel()
        super().reject()


def summary_group(tree: QTreeWidget, title: str, count: int) -> QTreeWidgetItem:
    """A top-level group row ("Imported (3)") of a summary tree, expanded."""
    group = QTreeWidgetItem(tree, [f"{title} ({count})"])
    group.setFirstColumnSpanned(True)
    font = group.font(0)
    font.setBold(True)
    group.setFont(0, font)
    group.setExpanded(True)
    return group


def summary_row(group: QTreeWidgetItem, *cells: str, tooltip: str | None = None) -> QTreeWidgetItem:
    """One row under a summary group; `tooltip` (e.g. the full path) on every cell."""
    row = QTreeWidgetItem(group, list(cells))
    if tooltip:
        for column in range(len(cells)):
            row.setToolTip(column, tooltip)
    return row
