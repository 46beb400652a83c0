"""Libraries in the window: File > New library, Open library, Open Recent, and switching.

Switching builds a fresh MainWindow on the new library and closes the old window and its
Library only after the old window's work has finished or been cancelled, so no worker ever
writes into a library that is already closed. The list of recent libraries lives in QSettings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, QSettings, QStandardPaths, QThreadPool
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QWidget

from desktop.team import shown_location, team_label
from provenance import CredenceError, Library, open_library, team_library_url

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

#: The database file that makes a folder a library (the core's DB_NAME).
DB_FILE = "library.sqlite"
#: How many libraries File > Open Recent remembers.
RECENT_LIMIT = 8
#: The folder name the app gives a library it creates itself (the default and the sample's).
_GENERIC_NAMES = {"library"}
#: Folders whose name says nothing about the collection (the per-user data folder).
_APP_FOLDERS = {"credence", ""}


def library_name(folder: Path) -> str:
    """How the title bar names a library: its folder's name, or, for a folder the app named
    "Library" itself (the sample's, a default), the name of the folder around it."""
    if folder.name.lower() in _GENERIC_NAMES and folder.parent.name.lower() not in _APP_FOLDERS:
        return folder.parent.name
    return folder.name


def is_library(folder: Path) -> bool:
    """True when `folder` holds a Credence library."""
    return (folder / DB_FILE).is_file()


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _is_url(text: str) -> bool:
    return team_library_url(text) is not None


def _same_entry(stored: str, text: str) -> bool:
    if _is_url(stored) or _is_url(text):
        return shown_location(stored) == shown_location(text)
    return _same(Path(stored), Path(text))


def location_of(library: Library) -> Path | str:
    """What Recent remembers of `library`: its folder, or a team library's address."""
    return shown_location(library.location) if library.team else library.folder


class RecentLibraries:
    """The libraries opened lately, newest first, kept in QSettings (`libraries/recent`)."""

    KEY = "libraries/recent"

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def _stored(self) -> list[str]:
        try:
            stored = json.loads(str(self.settings.value(self.KEY, "[]")))
        except ValueError:
            return []
        return [s for s in stored if isinstance(s, str) and s] if isinstance(stored, list) else []

    def paths(self) -> list[Path]:
        """The remembered library folders that still exist, newest first (team libraries are
        left out: whether one exists is the server's to say)."""
        return [Path(p) for p in self._stored() if not _is_url(p) and is_library(Path(p))]

    def entries(self) -> list[Path | str]:
        """Every remembered library, newest first: folders that still exist, and team
        libraries' addresses (without password)."""
        return [
            p if _is_url(p) else Path(p)
            for p in self._stored()
            if _is_url(p) or is_library(Path(p))
        ]

    def team_addresses(self) -> list[str]:
        """The team libraries opened lately, newest first."""
        return [p for p in self._stored() if _is_url(p)]

    def last(self) -> Path | None:
        """The library opened last, if it still exists."""
        paths = self.paths()
        return paths[0] if paths else None

    def remember(self, folder: Path | str) -> None:
        """Put `folder` (or a team library's address, kept without its password) first."""
        if isinstance(folder, str) and _is_url(folder):
            text = shown_location(folder)
        else:
            text = str(Path(folder).expanduser().absolute())
        stored = self._stored()
        recent = [text, *(p for p in stored if not _same_entry(p, text))][:RECENT_LIMIT]
        if recent == stored:
            # Already first (reopening the library used last): writing the same list again
            # would wait for the disk (sync) before the window's first paint.
            return
        self.settings.setValue(self.KEY, json.dumps(recent))
        self.settings.sync()

    def forget(self, folder: Path | str) -> None:
        """Drop `folder` (or a team library's address) from the list."""
        text = shown_location(folder) if isinstance(folder, str) and _is_url(folder) else folder
        kept = [p for p in self._stored() if not _same_entry(p, str(text))]
        self.settings.setValue(self.KEY, json.dumps(kept))


class LibrarySession(QObject):
    """The window on screen and the library it shows; switching replaces both.

    Parented to the QApplication, which keeps it (and through it the current window) alive
    without a module-level global.
    """

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else QApplication.instance())
        self.settings = settings
        self.recent = RecentLibraries(settings)
        self.window: MainWindow | None = None

    @property
    def library(self) -> Library | None:
        return self.window.library if self.window is not None else None

    def show(self, library: Library) -> MainWindow:
        """Open a main window on `library`, remember it as the latest library, and show it."""
        from desktop.main_window import MainWindow

        self.recent.remember(location_of(library))
        window = MainWindow(library, self.settings, session=self)
        self.window = window
        window.show()
        return window

    def adopt(self, window: MainWindow) -> None:
        """Take charge of a window built elsewhere (tests, benchmarks)."""
        self.window = window
        self.recent.remember(location_of(window.library))

    # -- switching ------------------------------------------------------------------------

    def switch_to(self, folder: Path, *, create: bool = False) -> bool:
        """Show the library in `folder` instead of the current one. False, with a message and
        the current library still open, when it cannot be opened (or the user keeps working)."""
        old = self.window
        parent: QWidget | None = old
        folder = folder.expanduser()
        if not create and not is_library(folder) and is_library(folder / "Library"):
            folder = folder / "Library"  # the folder around a library (the sample's, a default)
        if old is not None and not old.library.team and _same(old.library.folder, folder):
            old.raise_()
            return True
        if not create and not is_library(folder):
            QMessageBox.warning(
                parent,
                "Open library",
                f"{folder} is not a Credence library (it has no {DB_FILE}). To start a new "
                "library there, use File > New library…",
            )
            if not folder.exists():
                self.recent.forget(folder)
            return False
        if old is not None and not self._finish_work(old):
            return False
        try:
            library = open_library(folder, create=create)
        except CredenceError as exc:
            QMessageBox.warning(parent, "Open library", f"The library cannot be opened: {exc}")
            return False
        self.replace_with(library)
        return True

    def replace_with(self, library: Library) -> MainWindow:
        """Show `library` in a new window in place of the current one (whose work has
        finished), closing the old library."""
        old = self.window
        if old is not None:
            old.close()  # saves the window's layout for the new window to restore
        window = self.show(library)
        if old is not None:
            old.library.close()
            old.deleteLater()
        window.activateWindow()
        return window

    def switch_to_team(self, location: str) -> bool:
        """Show the team library at `location` (asking for a password when the server wants
        one). False, with a message and the current library still open, when it cannot be
        opened or the person cancels."""
        from desktop.team import connect_team_library

        old = self.window
        if (
            old is not None
            and old.library.team
            and shown_location(old.library.location) == shown_location(location)
        ):
            old.raise_()
            return True
        if old is not None and not self._finish_work(old):
            return False
        try:
            library = connect_team_library(location, old)
        except CredenceError as exc:
            QMessageBox.warning(old, "Open team library", f"The library cannot be opened: {exc}")
            return False
        if library is None:
            return False
        self.replace_with(library)
        return True

    def open_team_library(self, parent: QWidget | None = None) -> bool:
        """File > Open team library…: ask for the address, connect and switch to it."""
        from desktop.dialogs.team_dialog import OpenTeamDialog

        old = self.window
        if old is not None and not self._finish_work(old):
            return False
        known = self.recent.team_addresses()
        dialog = OpenTeamDialog(known[0] if known else "", parent)
        if dialog.exec() != OpenTeamDialog.DialogCode.Accepted or dialog.library is None:
            return False
        self.replace_with(dialog.library)
        return True

    def _finish_work(self, window: MainWindow) -> bool:
        """Let the window's running task end (cancelled, after asking) before it goes away."""
        if window.tasks.busy:
            answer = QMessageBox.question(
                window,
                "Switch library",
                "A task is still running in this library. Cancel it and switch?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            worker = window.tasks.worker
            if worker is not None:
                loop = QEventLoop()
                worker.signals.finished.connect(loop.quit)
                worker.cancel()
                if window.tasks.busy:
                    loop.exec()
        # Short workers (a credential check, thumbnails) finish on their own; wait for them so
        # none reads the library after it is closed.
        window.thumbnails.pool.waitForDone(10000)
        QThreadPool.globalInstance().waitForDone(10000)
        return True

    # -- File menu ------------------------------------------------------------------------

    def new_library(self, parent: QWidget | None = None) -> bool:
        """Ask for the name and place of a new library, create it and switch to it."""
        start = Path(documents_folder()) / "New library"
        chosen, _ = QFileDialog.getSaveFileName(
            parent, "New library: choose its folder name and place", str(start)
        )
        if not chosen:
            return False
        folder = Path(chosen)
        occupied = not folder.is_dir() or any(folder.iterdir())
        if folder.exists() and not is_library(folder) and occupied:
            QMessageBox.warning(
                parent,
                "New library",
                f"{folder} already exists and is not an empty folder. Choose a new name.",
            )
            return False
        return self.switch_to(folder, create=True)

    def open_library(self, parent: QWidget | None = None) -> bool:
        """Ask for a library folder and switch to it."""
        start = self.library.folder.parent if self.library is not None else documents_folder()
        chosen = QFileDialog.getExistingDirectory(parent, "Open library folder", str(start))
        if not chosen:
            return False
        return self.switch_to(Path(chosen))


def documents_folder() -> str:
    """The user's Documents folder (where a new library is suggested)."""
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


def install_library_menu(window: MainWindow, file_menu: QMenu) -> None:
    """Put New library…, Open library… and Open Recent at the top of `file_menu`."""
    first = file_menu.actions()[0] if file_menu.actions() else None

    def add(text: str, slot: Callable[[], object], shortcut: str | None = None) -> QAction:
        act = QAction(text, window)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        file_menu.insertAction(first, act)
        return act

    window.new_library_action = add(
        "&New library…", lambda: window.session.new_library(window), "Ctrl+Shift+N"
    )
    window.open_library_action = add(
        "&Open library…", lambda: window.session.open_library(window), "Ctrl+O"
    )
    window.open_team_action = add(
        "Open &team library…", lambda: window.session.open_team_library(window)
    )
    recent = QMenu("Open &Recent", window)
    recent.setObjectName("recentLibrariesMenu")
    window.recent_menu = recent
    file_menu.insertMenu(first, recent)
    file_menu.insertSeparator(first)

    def fill() -> None:
        recent.clear()
        current = location_of(window.library)
        entries = window.session.recent.entries()
        for number, entry in enumerate(entries, start=1):
            prefix = f"&{number} " if number < 10 else ""
            if isinstance(entry, str):  # a team library, opened by its address
                act = recent.addAction(f"{prefix}{team_label(entry)} (team) — {entry}")
                act.triggered.connect(lambda _=False, u=entry: window.session.switch_to_team(u))
            else:
                act = recent.addAction(f"{prefix}{library_name(entry)} — {entry}")
                act.triggered.connect(lambda _=False, f=entry: window.session.switch_to(f))
            act.setCheckable(True)
            # A folder is never the team library on screen, nor an address the folder.
            same_kind = isinstance(entry, str) == isinstance(current, str)
            act.setChecked(same_kind and _same_entry(str(entry), str(current)))
        if not entries:
            none = recent.addAction("No other libraries yet")
            none.setEnabled(False)

    recent.aboutToShow.connect(fill)
    fill()
