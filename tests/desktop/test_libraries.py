"""Libraries in the window, driven from the keyboard: File > Open Recent lists and switches,
the title names the library, File > Open library refuses a folder that is not one, and the
Welcome choice is remembered from one start to the next."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QPushButton

from desktop.app import FirstRunDialog, start_window
from desktop.libraries import RecentLibraries, library_name
from desktop.main_window import MainWindow
from provenance import open_library

SIZES = [(1024, 700), (1600, 1000)]


def _settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _library(folder, *titles):
    library = open_library(folder)
    for number, title in enumerate(titles, start=1):
        library.create_item({"accession": f"{folder.name[:1]}{number}", "title": title})
    return library


def _active(qtbot, window, size) -> MainWindow:
    window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _visible_menu(qtbot, title: str) -> QMenu:
    def find():
        menus = [m for m in QApplication.topLevelWidgets() if isinstance(m, QMenu)]
        return next((m for m in menus if m.isVisible() and m.title() == title), None)

    qtbot.waitUntil(lambda: find() is not None)
    return find()


def test_library_names():
    from pathlib import Path

    assert library_name(Path("/srv/Harbour Museum")) == "Harbour Museum"
    assert library_name(Path("/home/a/Sample collection/Library")) == "Sample collection"
    assert library_name(Path("/home/a/.local/share/Credence/Library")) == "Library"


@pytest.mark.parametrize("size", SIZES)
def test_open_recent_lists_and_switches_in_the_window(qtbot, tmp_path, size):
    settings = _settings(tmp_path)
    town = _library(tmp_path / "Town Archive", "Minutes 1901", "Map of the quay")
    town.close()
    RecentLibraries(settings).remember(tmp_path / "Town Archive")  # opened on an earlier day
    harbour = _library(tmp_path / "Harbour Museum", "Harbour at dusk")
    window = MainWindow(harbour, settings)
    qtbot.addWidget(window)
    _active(qtbot, window, size)
    assert window.windowTitle() == "Credence — Harbour Museum"

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    file_menu = _visible_menu(qtbot, "&File")
    texts = [a.text() for a in file_menu.actions()]
    assert texts[:2] == ["&New library…", "&Open library…"]
    qtbot.keyClick(file_menu, Qt.Key.Key_R)  # Open &Recent
    recent = _visible_menu(qtbot, "Open &Recent")
    entries = [a.text() for a in recent.actions()]
    assert entries == [
        f"&1 Harbour Museum — {tmp_path / 'Harbour Museum'}",
        f"&2 Town Archive — {tmp_path / 'Town Archive'}",
    ]
    assert recent.actions()[0].isChecked()  # the library on screen
    qtbot.keyClick(recent, Qt.Key.Key_2)

    session = window.session
    qtbot.waitUntil(lambda: session.window is not window)
    switched = session.window
    qtbot.addWidget(switched)
    qtbot.waitUntil(lambda: switched.isVisible())
    assert switched.windowTitle() == "Credence — Town Archive"
    assert switched.model.total == 2 and switched.library.folder == tmp_path / "Town Archive"
    assert not window.isVisible()
    assert switched.size().width() <= size[0] + 1  # the old window's size carries over
    # The list now leads with the library on screen, and the old library is closed cleanly.
    assert RecentLibraries(settings).paths()[0] == tmp_path / "Town Archive"
    switched.library.close()


def test_a_folder_that_is_not_a_library_is_refused_plainly(qtbot, tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    harbour = _library(tmp_path / "Harbour Museum", "Harbour at dusk")
    plain = tmp_path / "Holiday photos"
    plain.mkdir()
    window = MainWindow(harbour, settings)
    qtbot.addWidget(window)
    _active(qtbot, window, SIZES[0])
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: said.append(text))

    def choose_folder():  # the folder dialog: type the folder's path, press Enter
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog) and dialog.isVisible()
        field = QApplication.focusWidget()
        field.selectAll()
        qtbot.keyClicks(field, str(plain))
        qtbot.keyClick(field, Qt.Key.Key_Return)

    QTimer.singleShot(200, choose_folder)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(said))
    assert said == [
        f"{plain} is not a Credence library (it has no library.sqlite). To start a new library "
        "there, use File > New library…"
    ]
    assert window.session.window is window and window.isVisible()
    assert window.model.total == 1  # the current library stays open and usable
    assert not (plain / "library.sqlite").exists()


def test_welcome_is_remembered_from_one_start_to_the_next(qtbot, tmp_path):
    settings = _settings(tmp_path)
    default = tmp_path / "data" / "Credence" / "Library"
    shown = []

    def pick_sample():
        dialog = QApplication.activeModalWidget()
        shown.append(dialog)
        assert isinstance(dialog, FirstRunDialog) and dialog.isVisible()
        buttons = [
            b
            for b in dialog.findChildren(QPushButton)
            if b.accessibleName() == "Open the sample collection"
        ]
        assert len(buttons) == 1 and buttons[0].isVisible()
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, pick_sample)
    session = start_window(default, settings=settings)
    assert shown and session is not None
    first = session.window
    qtbot.addWidget(first)
    assert first.windowTitle() == "Credence — Sample collection"
    first.close()
    session.library.close()

    def no_welcome():
        shown.append(QApplication.activeModalWidget())

    QTimer.singleShot(200, no_welcome)
    again = start_window(default, settings=settings)  # the next start, same settings
    second = again.window
    qtbot.addWidget(second)
    qtbot.waitUntil(lambda: len(shown) == 2)
    assert shown[1] is None  # no Welcome dialog this time
    assert second.windowTitle() == "Credence — Sample collection"
    assert second.model.total == 6
    assert RecentLibraries(settings).paths() == [
        tmp_path / "data" / "Credence" / "Sample collection" / "Library"
    ]
    again.library.close()


def test_reopening_the_library_used_last_leaves_the_settings_file_alone(tmp_path):
    """Remembering the library that is already first writes nothing: each write waits for the
    disk, and the window remembers its library before its first paint."""
    settings = _settings(tmp_path)
    recent = RecentLibraries(settings)
    town, harbour = tmp_path / "Town Archive", tmp_path / "Harbour Museum"
    for folder in (town, harbour):
        _library(folder, "An item").close()
    recent.remember(town)
    recent.remember(harbour)
    written = (tmp_path / "settings.ini").stat()
    recent.remember(harbour)  # already first
    again = (tmp_path / "settings.ini").stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert recent.paths() == [harbour, town]
    recent.remember(town)  # a change is written at once, as before
    assert (tmp_path / "settings.ini").stat().st_ino != written.st_ino
    assert RecentLibraries(_settings(tmp_path)).paths() == [town, harbour]
