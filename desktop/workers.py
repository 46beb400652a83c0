"""Long work off the UI thread: one QRunnable per task, results posted back as Qt signals.

A task is a plain callable `work(progress, cancel) -> result` that calls the Library facade
(the same functions the command line runs). It never touches a widget: it reports through
`progress(done, total, message)`, and the signals below carry its outcome to the UI thread,
where Qt delivers them through the event loop (queued connections across threads).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from provenance import CancelToken, CredenceError

log = logging.getLogger(__name__)

Work = Callable[[Callable[[int, int | None, str], None], CancelToken], Any]


class WorkerSignals(QObject):
    """What a worker tells the UI. Emitted from the worker thread, received on the UI thread."""

    progressed = Signal(int, int, str)  # done, total (-1 when unknown), message
    succeeded = Signal(object)
    failed = Signal(str)  # a plain message for a person
    cancelled = Signal(object)  # the partial result, if any
    finished = Signal()  # always last


class Worker(QRunnable):
    """Runs one task on the thread pool; `signals` carry progress and the outcome."""

    def __init__(self, title: str, work: Work) -> None:
        super().__init__()
        self.title = title
        self.work = work
        self.cancel_token = CancelToken()
        self.signals = WorkerSignals()
        #: Set on the pool thread once the work has returned, before its outcome is signalled:
        #: the slots handling the outcome may run before the status bar's own (a modal summary).
        self.done = False
        self.setAutoDelete(False)  # the UI keeps it until `finished` arrives

    def cancel(self) -> None:
        """Ask the task to stop at its next unit of work."""
        self.cancel_token.cancel()

    def run(self) -> None:  # Qt override, runs on a pool thread
        def progress(done: int, total: int | None, message: str) -> None:
            self.signals.progressed.emit(done, -1 if total is None else total, message)

        try:
            result = self.work(progress, self.cancel_token)
        except CredenceError as exc:
            self.done = True
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # never a traceback in front of the user; details to the log
            log.error("%s failed:\n%s", self.title, traceback.format_exc())
            self.done = True
            self.signals.failed.emit(
                f"{self.title} stopped unexpectedly ({type(exc).__name__}: {exc}). "
                "Details are in the log file."
            )
        else:
            self.done = True
            if self.cancel_token.cancelled:
                self.signals.cancelled.emit(result)
            else:
                self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


def start(worker: Worker, pool: QThreadPool | None = None) -> Worker:
    """Start `worker` on `pool` (the global pool by default) and return it."""
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker
