"""A dialog's task ends with its outcome: the summary is on screen and Esc closes the dialog at
once, even before the worker thread's own `finished` signal has come (on a loaded machine it
comes later; Esc used to be taken as "stop the running task" and the dialog stayed open)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from desktop.dialogs.common import WorkDialog
from desktop.main_window import MainWindow
from desktop.workers import Worker
from provenance import open_library


class _Summary(WorkDialog):
    def __init__(self, library, runner) -> None:
        super().__init__(library, runner)
        self.summary = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        self.resize(400, 200)

    def go(self, outcome: str) -> None:
        self.run_task("Counting", lambda _p, _c: outcome, self.done_with)

    def done_with(self, result, cancelled: bool) -> None:
        self.summary.setText(f"Done: {result}{' (stopped)' if cancelled else ''}")


def _held(started: list):
    """A runner that keeps the worker instead of starting it: the test delivers its signals
    in the order a pool thread emits them, with a pause where a loaded machine has one."""
    return started.append


def test_esc_closes_the_dialog_as_soon_as_the_result_is_shown(qtbot, tmp_path):
    with open_library(tmp_path / "lib") as library:
        for outcome in ("succeeded", "cancelled", "failed"):
            started: list = []
            dialog = _Summary(library, _held(started))
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)
            dialog.go("12 items")
            assert dialog.busy() and dialog.task_panel.isVisible()
            signals = started[0].signals
            if outcome == "succeeded":
                signals.succeeded.emit("12 items")
                assert dialog.summary.text() == "Done: 12 items"
            elif outcome == "cancelled":
                signals.cancelled.emit("5 items")
                assert dialog.summary.text() == "Done: 5 items (stopped)"
            else:
                signals.failed.emit("the disk is full")
                assert dialog.problem.text() == "the disk is full"
            assert not dialog.busy()
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # the worker's `finished` not yet come
            qtbot.waitUntil(lambda d=dialog: not d.isVisible())
            signals.finished.emit()  # when it comes, nothing more happens
            assert not dialog.busy()


class _FinishedLate(Worker):
    """A worker whose thread says `finished` only when the test lets it: what a loaded machine
    does between a task's result and the end of its thread."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__("Counting", lambda _p, _c: 12)
        self.release = release

    def run(self) -> None:  # Qt override, on a pool thread
        self.signals.succeeded.emit(12)
        self.release.wait(30)
        self.signals.finished.emit()


def test_the_window_is_free_once_a_task_has_its_result(qtbot, tmp_path):
    release = threading.Event()
    with open_library(tmp_path / "lib") as library:
        window = MainWindow(library, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.resize(1024, 700)
        window.show()
        qtbot.waitExposed(window)
        results = []
        worker = _FinishedLate(release)
        worker.signals.succeeded.connect(results.append)
        window.run_task(worker)
        assert window.tasks.isVisible()
        try:
            qtbot.waitUntil(lambda: results == [12])
            # The result is in; the thread has not said `finished` yet. The next task may
            # start, and closing asks nothing (a question box here would wait forever).
            assert not window.tasks.busy and not window.tasks.isVisible()
            assert window.close()
            assert not window.isVisible()
        finally:
            release.set()
        qtbot.wait(50)
        assert not window.tasks.busy
