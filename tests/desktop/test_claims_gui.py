"""The capture type in the window: the Catalog tab, the Batch dialog and the Import dialog,
driven with real key and mouse events on visible widgets, at 1024x700 and on a large screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QDialog, QWidget

from desktop.dialogs.batch_dialog import BatchDialog
from desktop.dialogs.import_dialog import ImportFilesDialog
from desktop.main_window import MainWindow
from desktop.undo import UndoController
from desktop.workers import start
from tests.provenance.c2pa_helpers import make_jpeg

SIZES = [(1024, 700), (1600, 1000)]


def _inside(widget: QWidget, window: QWidget) -> bool:
    """The widget is shown and lies wholly inside `window` (not clipped off screen)."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    return widget.isVisible() and window.rect().contains(QRect(top_left, widget.size()))


def _window(qtbot, library, tmp_path, size):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def _catalog_tab(window):
    for index in range(window.inspector.count()):
        if window.inspector.tabText(index).replace("&", "") == "Catalog":
            window.inspector.setCurrentIndex(index)
            return window.inspector.widget(index)
    raise AssertionError("no Catalog tab")


@pytest.mark.parametrize("size", SIZES)
def test_catalog_tab_records_the_capture_type_from_the_keyboard(qtbot, library, tmp_path, size):
    item = library.create_item({"accession": "N1", "title": "Glass negative"})
    window = _window(qtbot, library, tmp_path, size)
    tab = _catalog_tab(window)
    qtbot.waitUntil(lambda: tab.item is not None and tab.item.id == item.id)
    combo = tab.capture_combo
    assert _inside(combo, window)
    assert combo.currentData() is None and "Not recorded" in combo.currentText()

    description = tab.editors["description"]
    qtbot.mouseClick(description.viewport(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(description.hasFocus)
    qtbot.keyClick(description, Qt.Key.Key_Tab)  # the keyboard order: the fields, then this
    qtbot.waitUntil(combo.hasFocus)
    target = combo.findData("negativeFilm")
    for _ in range(target):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: library.get_item(item.id).capture_type == "negativeFilm")
    assert "capture type" in tab.status.text()
    assert library.history(item.id)[-1].after == {"capture_type": "negativeFilm"}

    # Each choice is one Undo step: undo goes back to the choice before.
    window.undo.stack.undo()
    assert library.get_item(item.id).capture_type == combo.itemData(target - 1)
    qtbot.waitUntil(lambda: combo.currentData() == combo.itemData(target - 1))


@pytest.mark.parametrize("size", SIZES)
def test_batch_dialog_sets_the_capture_type_of_many_items(qtbot, library, size):
    ids = [library.create_item({"accession": f"S{n}", "title": f"Slide {n}"}).id for n in range(3)]
    library.update_item(ids[0], {"capture_type": "print"})
    undo = UndoController(library)
    dialog = BatchDialog(library, undo, ids)
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)

    qtbot.mouseClick(dialog.capture_radio, Qt.MouseButton.LeftButton)
    assert dialog.mode() == dialog.CAPTURE
    combo = dialog.capture_combo
    assert _inside(combo, dialog) and _inside(dialog.apply_button, dialog)
    combo.setFocus()
    for _ in range(combo.findData("positiveFilm")):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "positiveFilm"
    notes = [dialog.preview.item(r, 2).text() for r in range(3)]
    assert "replaces Scan of a print" in notes[0] and notes[1:] == ["", ""]
    assert all(library.get_item(i).capture_type != "positiveFilm" for i in ids)  # preview only

    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.applied == 3
    assert {library.get_item(i).capture_type for i in ids} == {"positiveFilm"}
    assert undo.stack.count() == 1 and undo.stack.undoText() == "Set capture type of 3 items"
    undo.stack.undo()
    assert [library.get_item(i).capture_type for i in ids] == ["print", None, None]


@pytest.mark.parametrize("size", SIZES)
def test_import_dialog_records_the_chosen_capture_type(qtbot, library, tmp_path, size):
    library.update_settings({"capture_type_default": "print"})
    dialog = ImportFilesDialog(library, start, paths=[make_jpeg(tmp_path / "scan.jpg")])
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)
    combo = dialog.capture_combo
    assert _inside(combo, dialog)
    assert combo.currentData() == "print"  # the institution's default
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert combo.currentData() == "negativeFilm"
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30000)
    [imported] = dialog.report.imported
    assert library.get_item(imported.item).capture_type == "negativeFilm"


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog_refuses_ai_in_the_file_and_notes_unrecorded_capture(
    qtbot, library, tmp_path, monkeypatch, size
):
    from desktop.dialogs.export_dialog import ExportDialog
    from tests.conftest import data_file
    from tests.desktop.test_dialogs import TIMEOUT, children, group, run_work

    monkeypatch.delenv("CREDENCE_PASSPHRASE", raising=False)
    library.create_identity("Test Museum", "pw")
    fill = tmp_path / "fill.jpg"
    fill.write_bytes(data_file("c2pa-fixtures/ocsp.jpg").read_bytes())  # Generative Fill
    library.import_files([make_jpeg(tmp_path / "plain.jpg"), fill])
    ids = [i.id for i in library.list_items()]

    dialog = ExportDialog(library, ids, start)
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    with qtbot.waitSignal(dialog.work_done, timeout=TIMEOUT):
        dialog.show()
    assert dialog.refusals.topLevelItemCount() == 1
    assert "no AI disclosure is recorded" in dialog.refusals.topLevelItem(0).text(1)
    dialog.unreviewed_check.setFocus()
    qtbot.keyClick(dialog.unreviewed_check, Qt.Key.Key_Space)
    assert dialog.unreviewed_check.isChecked()
    assert dialog.refusals.topLevelItemCount() == 1  # allowing unreviewed work does not help

    dialog.folder_edit.setText(str(tmp_path / "out"))
    dialog.jobs_spin.setValue(1)
    dialog.passphrase_edit.setText("pw")
    assert _inside(dialog.export_button, dialog)
    run_work(
        qtbot, dialog, lambda: qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    )
    assert len(dialog.report.exported) == 1
    row = group(dialog.summary, "Exported (1)").child(0)
    assert row.isExpanded() and children(row)[0][0] == "Note"
    assert "capture type unrecorded" in children(row)[0][1]
    assert "claim no capture" in dialog.counts.text() and dialog.counts.isVisible()
    assert len(children(group(dialog.summary, "Refused (1)"))) == 1
