"""Drop-to-identify in the window: File > Identify a file… (Ctrl+Shift+D) and a Shift+drop on
the main window show which export a stripped copy was made from, at both window sizes."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.main_window import MainWindow
from tests.conftest import data_file

PASS = "gui test passphrase"


@pytest.fixture
def stripped(library, tmp_path):
    """One real picture exported (signed) and a stripped, halved WebP copy of it."""
    library.create_identity("Museo di Prova", PASS)
    masters = tmp_path / "masters"
    masters.mkdir()
    shutil.copy(data_file("images/exif-samples/jpg_gps_DSCN0021.jpg"), masters / "1976.37.jpg")
    library.create_item({"accession": "1976.37", "title": "Harbour"})
    library.import_files([masters])
    [signed] = library.export(None, tmp_path / "out", passphrase=PASS).exported
    copy = tmp_path / "from-the-web.webp"
    with Image.open(signed.file) as im:
        im.resize((im.width // 2, im.height // 2)).save(copy, "WEBP", quality=70)
    return copy


def _window(qtbot, library, tmp_path, size):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _drop(target, path, modifiers=Qt.KeyboardModifier.NoModifier):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, modifiers
    )
    # Called as Qt calls it at the end of a drag (a sent QDropEvent without the drag that
    # precedes it is dropped by Qt, as in test_window's drop test).
    target.dropEvent(event)


def _read_then_close(qtbot, window, seen, then=None):
    """While the modal dialog runs: (drop a file on it,) wait for the answer, check the
    answer and the Close button are visible inside the dialog, read it, and click Close."""
    state = {"dropped": then is None, "tries": 0}

    def again(dialog=None):
        # Never wait forever: after about 60 s the dialog is closed and the test fails on
        # what it saw, instead of hanging the whole run.
        state["tries"] += 1
        if state["tries"] < 3000:
            QTimer.singleShot(20, drive)
        elif dialog is not None:
            seen["text"] = dialog.results.toPlainText()
            dialog.done(0)

    def drive():
        dialog = getattr(window, "identify_dialog", None)
        if dialog is None or not dialog.isVisible():
            again(dialog if dialog is not None and dialog.isVisible() else None)
            return
        if not state["dropped"]:
            state["dropped"] = True
            then(dialog)
        text = dialog.results.toPlainText()
        if "similarity" not in text and "none of this library" not in text:
            again(dialog)
            return
        seen["text"] = text
        seen["visible"] = dialog.results.isVisible()
        close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
        seen["inside"] = (
            all(
                dialog.rect().contains(w.mapTo(dialog, w.rect().bottomRight()))
                for w in (dialog.results, close)
            )
            and close.isVisible()
        )
        qtbot.mouseClick(close, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, drive)


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_shift_drop_on_the_window_identifies(qtbot, library, tmp_path, stripped, size):
    window = _window(qtbot, library, tmp_path, size)
    seen = {}
    _read_then_close(qtbot, window, seen)
    _drop(window, stripped, Qt.KeyboardModifier.ShiftModifier)
    assert seen["visible"] and seen["inside"]
    assert "our export" in seen["text"] and "1976.37 (Harbour)" in seen["text"]
    assert "signed by Museo di Prova" in seen["text"]
    assert window.model.total == 1  # identified, not imported


def test_menu_shortcut_then_drop_on_the_dialog(qtbot, library, tmp_path, stripped):
    window = _window(qtbot, library, tmp_path, (1024, 700))
    unrelated = data_file("images/exif-samples/jpg_gps_DSCN0042.jpg")
    seen = {}
    _read_then_close(qtbot, window, seen, then=lambda dialog: _drop(dialog, unrelated))
    assert window.identify_action.isEnabled()
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert "looks like none of this library's exports" in seen["text"]
    # A plain drop on the window still imports (unchanged).
    assert window.rect().contains(QPoint(20, 20))
