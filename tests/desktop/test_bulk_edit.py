"""Bulk editing of catalog fields in the window, driven as a person does: select several items
with the mouse, open Edit fields (Ctrl+Shift+E) or Paste fields (Ctrl+Shift+V), type, read the
preview of every change, apply, and take it all back with one Ctrl+Z. At 1024x700 and 1600x1000.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from desktop.dialogs.batch_dialog import BatchDialog
from desktop.main_window import MainWindow
from tests.desktop.gui import context_menu_texts

SIZES = [(1024, 700), (1600, 1000)]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _window(qtbot, library, tmp_path, size):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    _activate(qtbot, window)
    return window


def _activate(qtbot, window):
    """Shortcuts reach an active window only. (A window manager activates the window again
    when a dialog closes; the offscreen platform has none, so the test does it.)"""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _inside(widget: QWidget, window: QWidget) -> bool:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return widget.isVisible() and window.rect().contains(rect)


def _fill(library):
    library.create_item({"accession": "P1", "title": "Harbour", "maker": "Ingrid Moe"})
    library.create_item({"accession": "P2", "title": "Field", "inscription": "signed l.r."})
    library.create_item({"accession": "P3", "title": "Jar", "object_type": "etching"})
    library.create_item(
        {
            "accession": "P4",
            "title": "Portrait",
            "object_type": "gelatin silver print",
            "maker": "Émile Durand",
            "maker_nationality": "French",
            "maker_dates": "1851–1919",
            "dimensions": "24 x 30 cm",
        }
    )


def _click_row(qtbot, window, row, modifier=Qt.KeyboardModifier.NoModifier):
    table = window.table
    rect = table.visualRect(window.model.index(row, 1))
    assert table.viewport().rect().contains(rect.center())
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def _row(window, accession):
    return next(
        r for r in range(window.model.rowCount()) if window.model.item_at(r).accession == accession
    )


def _in_dialog(qtbot, work):
    """Run `work(dialog)` on the modal dialog a key press is about to open; the dialog is
    closed if `work` fails, so a failing test never hangs. Returns what `work` raised."""
    raised: list[BaseException] = []

    def drive():
        dialog = QApplication.activeModalWidget()
        if dialog is None:  # not open yet: look again shortly
            QTimer.singleShot(20, drive)
            return
        try:
            work(dialog)
        except BaseException as exc:  # re-raised by the test
            raised.append(exc)
            dialog.reject()

    QTimer.singleShot(0, drive)
    return raised


def _type_into(qtbot, dialog, edit: QLineEdit, text: str) -> None:
    assert _inside(edit, dialog)
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, text)


def _preview(dialog):
    table = dialog.preview
    return [
        tuple(table.item(r, c).text() for c in range(table.columnCount()))
        for r in range(table.rowCount())
    ]


@pytest.mark.parametrize("size", SIZES)
def test_edit_fields_of_several_items_previews_every_change_and_undoes_in_one_step(
    qtbot, library, tmp_path, size
):
    _fill(library)
    window = _window(qtbot, library, tmp_path, size)
    _click_row(qtbot, window, _row(window, "P1"))
    _click_row(qtbot, window, _row(window, "P3"), Qt.KeyboardModifier.ShiftModifier)
    assert window.selected_ids() == [library.get_item(a).id for a in ("P1", "P2", "P3")]
    history_before = len(library.history())
    seen = {}

    def work(dialog):
        assert isinstance(dialog, BatchDialog) and dialog.mode() == dialog.FIELDS
        assert dialog.windowTitle() == "Edit fields of 3 selected items"
        frame, screen = dialog.frameGeometry(), dialog.screen().availableGeometry()
        assert frame.width() <= screen.width() and frame.height() <= screen.height()
        _type_into(qtbot, dialog, dialog.field_edits["object_type"], "etching")
        assert dialog.field_checks["object_type"].isChecked()  # typing ticks the field
        _type_into(qtbot, dialog, dialog.field_edits["dimensions"], "20 x 30 cm")
        clear = dialog.field_checks["inscription"]  # ticked and left empty: cleared
        assert _inside(clear, dialog)
        qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
        assert clear.isChecked()
        seen["preview"] = _preview(dialog)
        seen["undo text"] = dialog.undo_text()
        assert library.get_item("P1").object_type is None  # a preview changes nothing
        assert _inside(dialog.apply_button, dialog)
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    raised = _in_dialog(qtbot, work)
    qtbot.keyClick(window.table, Qt.Key.Key_E, CTRL_SHIFT)
    assert not raised, raised
    assert seen["preview"] == [
        ("P1 Harbour", "object type", "(empty) → “etching”"),
        ("P1 Harbour", "dimensions", "(empty) → “20 x 30 cm”"),
        ("P2 Field", "object type", "(empty) → “etching”"),
        ("P2 Field", "dimensions", "(empty) → “20 x 30 cm”"),
        ("P2 Field", "inscription", "“signed l.r.” → (empty)"),
        ("P3 Jar", "dimensions", "(empty) → “20 x 30 cm”"),  # P3 already was an etching
    ]
    assert seen["undo text"] == "Edit fields of 3 items"
    assert [library.get_item(a).dimensions for a in ("P1", "P2", "P3", "P4")] == [
        "20 x 30 cm",
        "20 x 30 cm",
        "20 x 30 cm",
        "24 x 30 cm",
    ]
    assert library.get_item("P2").inscription is None
    assert len(library.history()) == history_before + 3  # one entry per item
    assert window.selected_ids() == [library.get_item(a).id for a in ("P1", "P2", "P3")]
    catalog = window.tabs[0]
    qtbot.waitUntil(lambda: catalog.editors["dimensions"].text() == "20 x 30 cm")

    assert window.undo.stack.count() == 1
    _activate(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [library.get_item(a).dimensions for a in ("P1", "P2", "P3")] == [None, None, None]
    assert library.get_item("P2").inscription == "signed l.r."
    assert library.get_item("P1").object_type is None
    assert library.get_item("P3").object_type == "etching"
    assert library.verify_history().ok


@pytest.mark.parametrize("size", SIZES)
def test_copy_and_paste_fields_between_items(qtbot, library, tmp_path, size):
    _fill(library)
    window = _window(qtbot, library, tmp_path, size)
    _click_row(qtbot, window, _row(window, "P4"))
    qtbot.keyClick(window.table, Qt.Key.Key_C, CTRL_SHIFT)
    assert "Copied 6 catalog fields of P4 Portrait" in window.statusBar().currentMessage()
    _click_row(qtbot, window, _row(window, "P1"))
    _click_row(qtbot, window, _row(window, "P2"), Qt.KeyboardModifier.ControlModifier)
    seen = {}

    def work(dialog):
        assert dialog.windowTitle() == "Paste fields of P4 onto 2 selected items"
        checks = dialog.field_checks
        assert not checks["title"].isChecked()  # a title names one object
        assert dialog.field_edits["title"].text() == "Portrait"
        assert all(checks[n].isChecked() for n in ("object_type", "maker", "dimensions"))
        assert not checks["inscription"].isChecked()  # empty on P4: not pasted
        seen["preview"] = _preview(dialog)
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    raised = _in_dialog(qtbot, work)
    qtbot.keyClick(window.table, Qt.Key.Key_V, CTRL_SHIFT)
    assert not raised, raised
    rows = seen["preview"]
    assert ("P1 Harbour", "maker", "“Ingrid Moe” → “Émile Durand”") in rows
    assert ("P2 Field", "maker's dates", "(empty) → “1851–1919”") in rows
    assert len(rows) == 5 + 5  # five filled fields besides the title, onto each item
    for accession in ("P1", "P2"):
        item = library.get_item(accession)
        assert (item.maker, item.maker_nationality, item.dimensions) == (
            "Émile Durand",
            "French",
            "24 x 30 cm",
        )
    assert library.get_item("P2").inscription == "signed l.r."  # not pasted
    assert library.get_item("P1").title == "Harbour"
    assert window.undo.stack.undoText() == "Paste fields of P4 onto 2 items"
    _activate(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert library.get_item("P1").maker == "Ingrid Moe"
    assert library.get_item("P2").maker is None and library.get_item("P2").dimensions is None


def test_the_item_list_context_menu_offers_bulk_editing(qtbot, library, tmp_path):
    _fill(library)
    window = _window(qtbot, library, tmp_path, (1024, 700))
    _click_row(qtbot, window, _row(window, "P1"))
    _click_row(qtbot, window, _row(window, "P2"), Qt.KeyboardModifier.ShiftModifier)
    rect = window.table.visualRect(window.model.index(_row(window, "P2"), 1))
    # On a selected row the right click keeps the selection.
    texts = context_menu_texts(qtbot, window, window.table, rect.center())
    assert "Edit fields of 2 items…" in texts
    assert "Copy fields" in texts and "Add to selected items…" in texts


@pytest.mark.parametrize("size", SIZES)
def test_catalog_tab_new_fields_are_reached_by_tab_and_saved(qtbot, library, tmp_path, size):
    _fill(library)
    window = _window(qtbot, library, tmp_path, size)
    _click_row(qtbot, window, _row(window, "P1"))
    catalog = window.tabs[0]
    qtbot.waitUntil(lambda: catalog.item is not None and catalog.item.accession == "P1")
    title = catalog.editors["title"]
    assert _inside(title, window)
    qtbot.mouseClick(title, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(title.hasFocus)
    order = ["object_type", "maker", "maker_nationality", "maker_dates"]
    for name in order:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.waitUntil(catalog.editors[name].hasFocus)
    dates = catalog.editors["maker_dates"]
    qtbot.keyClicks(dates, "1890-1950")
    for name in ("date", "medium", "dimensions", "inscription"):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.waitUntil(catalog.editors[name].hasFocus)
    inscription = catalog.editors["inscription"]
    # Scrolled into view inside the tab: the focused field is never off screen.
    port = catalog.scroll.viewport()
    seen = QRect(inscription.mapTo(port, QPoint(0, 0)), inscription.size())
    assert port.rect().contains(seen) and _inside(port, window)
    assert library.get_item("P1").maker_dates == "1890-1950"
    history = window.tabs[-1]
    window.inspector.setCurrentWidget(history)
    qtbot.waitUntil(lambda: "maker's dates" in _all_text(history))


def _all_text(widget: QWidget) -> str:
    from PySide6.QtWidgets import QLabel, QTableWidget, QTreeWidget

    parts = [w.text() for w in widget.findChildren(QLabel)]
    for table in widget.findChildren(QTableWidget):
        parts += [
            table.item(r, c).text()
            for r in range(table.rowCount())
            for c in range(table.columnCount())
            if table.item(r, c)
        ]
    for tree in widget.findChildren(QTreeWidget):
        for i in range(tree.topLevelItemCount()):
            entry = tree.topLevelItem(i)
            parts += [entry.text(c) for c in range(tree.columnCount())]
    return "\n".join(parts)
