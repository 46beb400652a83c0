"""Starting the Credence window: the library (or a first-run choice), then the main window."""

from __future__ import annotations

import gc
import os
import sys
from importlib import resources
from pathlib import Path

from desktop.system_check import libraries_sentence, missing_libraries

try:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import (
        QApplication,
        QDialog,
        QDialogButtonBox,
        QFileDialog,
        QLabel,
        QMessageBox,
        QPushButton,
        QVBoxLayout,
    )
except ImportError as _qt_failed:  # a system library Qt loads is missing (e.g. libGL.so.1)
    # Said as one plain line, naming every missing library, instead of a traceback.
    _missing = missing_libraries(xcb=False) if sys.platform.startswith("linux") else []
    raise SystemExit(
        "credence: cannot open the window: "
        + (libraries_sentence(_missing) if _missing else f"Qt cannot be loaded ({_qt_failed})")
    ) from None

from desktop.libraries import LibrarySession, RecentLibraries, is_library
from provenance import CredenceError, Library, open_library


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
    # Every library the xcb plugin needs, named at once (the desktop bundle ships some).
    bundle = getattr(sys, "_MEIPASS", None)
    missing = missing_libraries(xcb=True, bundled=Path(bundle) if bundle else None)
    if missing:
        return libraries_sentence(missing)
    return None


class FirstRunDialog(QDialog):
    """No library yet: create one, open another folder, or explore the sample collection."""

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.setWindowTitle("Welcome to Credence")
        self.choice: tuple[str, Path] | None = None
        self.default = default
        text = QLabel(
            "<h2>Welcome to Credence</h2>"
            "<p>Credence keeps provenance records and honest AI disclosures for your "
            "collection, exports signed Content Credentials and prints disclosure labels.</p>"
            f"<p>A new library will be created in <b>{default}</b>.</p>"
        )
        text.setWordWrap(True)
        create = QPushButton("&Create a new library")
        create.setDefault(True)
        other = QPushButton("&Open another library folder…")
        sample = QPushButton("Open the &sample collection")
        for button in (create, other, sample):
            button.setAccessibleName(button.text().replace("&", ""))
        create.clicked.connect(lambda: self._choose("create", default))
        other.clicked.connect(self._open_other)
        sample.clicked.connect(lambda: self._choose("sample", default.parent))
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        for button in (create, other, sample):
            layout.addWidget(button)
        cancel = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel.rejected.connect(self.reject)
        layout.addWidget(cancel)

    def _choose(self, kind: str, path: Path) -> None:
        self.choice = (kind, path)
        self.accept()

    def _open_other(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Library folder", str(self.default))
        if folder:
            self._choose("create", Path(folder))


def open_for_window(library_path: Path, first_run: bool) -> Library | None:
    """The library the window should show, asking on first run. None when the user cancels."""
    if first_run:
        dialog = FirstRunDialog(library_path)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
            return None
        kind, path = dialog.choice
        if kind == "sample":
            from desktop.sample import open_sample_collection

            return open_sample_collection(path)
        library_path = path
    return open_library(library_path)


def start_window(
    library_path: Path | str, *, explicit: bool = False, settings: QSettings | None = None
) -> LibrarySession | None:
    """Open the library the window should show and show it; None when the user cancelled the
    Welcome dialog (or a team library's password prompt). Raises CredenceError when the
    library cannot be opened.

    `library_path` may be a team library's postgresql:// address (--library URL): the password
    comes from the address or ~/.pgpass, else it is asked for, for this session only.

    Without an explicit library (--library or CREDENCE_LIBRARY) the window reopens the library
    used last, so the Welcome dialog's choice (the sample collection, another folder) is
    remembered; Welcome appears only when there is no library to reopen.
    """
    settings = settings if settings is not None else QSettings("Credence", "Credence")
    explicit = explicit or bool(os.environ.get("CREDENCE_LIBRARY"))
    if isinstance(library_path, str):  # a team library: no Welcome, no folder to create
        from desktop.team import connect_team_library

        team = connect_team_library(library_path)
        if team is None:
            return None
        session = LibrarySession(settings)
        session.show(team)
        return session
    if not explicit:
        last = RecentLibraries(settings).last()
        if last is not None:
            library_path = last
    first_run = not explicit and not is_library(library_path)
    library = open_for_window(library_path, first_run)
    if library is None:
        return None
    session = LibrarySession(settings)
    session.show(library)
    return session


def pause_collection_until_painted() -> None:
    """No garbage collection until the window has painted (the first pass of the event loop).

    Building the window makes tens of thousands of objects (Qt wrappers, the core's modules),
    none of them garbage, and the collector walked them all before the first paint. They live
    as long as the window, so they are then frozen out of the collections that follow: those
    walk only what was made since (a search's rows), not the whole heap.
    """
    gc.disable()
    QTimer.singleShot(0, _collect_from_now_on)


def _collect_from_now_on() -> None:
    gc.freeze()
    gc.enable()


def run_window(library_path: Path | str, *, explicit: bool = False) -> int:
    """Open the library (asking on first run) and show the window until it is closed."""
    problem = display_problem()
    if problem:
        print(f"credence: cannot open the window: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Credence")
    app.setOrganizationName("Credence")
    app.setDesktopFileName("org.credence.Credence")  # Wayland matches the menu entry and icon
    with resources.as_file(resources.files("resources") / "icons" / "credence-256.png") as icon:
        app.setWindowIcon(QIcon(str(icon)))
    pause_collection_until_painted()
    try:
        session = start_window(library_path, explicit=explicit)
    except CredenceError as exc:
        _collect_from_now_on()
        QMessageBox.critical(None, "Credence", f"The library cannot be opened.\n\n{exc}")
        return 1
    if session is None:
        return 0
    try:
        return app.exec()
    finally:
        if session.library is not None:  # the library shown last (after any switching)
            session.library.close()
