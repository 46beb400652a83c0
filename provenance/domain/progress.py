"""Progress reporting and cancellation shared by every long operation (import, export, ...)."""

from __future__ import annotations

import threading
from typing import Protocol


class Progress(Protocol):
    """Called between units of work: `done` of `total` (None when unknown), and what is going on."""

    def __call__(self, done: int, total: int | None, message: str) -> None:
        """Report progress (cheap: it is called often)."""


class CancelToken:
    """A flag the UI sets and the worker checks between units of work. Thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once `cancel()` was called."""
        return self._event.is_set()
