"""The window acts on the item the registrar clicked, in a collection numbered 1, 2, 3 whose ids
are shifted against those numbers (every number names two different items)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from desktop.inspector.catalog_tab import CatalogTab
from desktop.main_window import MainWindow


def _shifted(library) -> dict[str, int]:
    """id 1 is "X", id 2 is "1", id 3 is "2", id 4 is "3"."""
    ids = {}
    for accession, title in (("X", "Lead item"), ("1", "One"), ("2", "Two"), ("3", "Three")):
        ids[accession] = library.create_item({"accession": accession, "title": title}).id
    assert ids == {"X": 1, "1": 2, "2": 3, "3": 4}
    return ids


def _inside(widget, window) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return QRect(QPoint(0, 0), window.size()).contains(QRect(top_left, widget.size()))


def _click_row(qtbot, window, accession: str) -> None:
    model = window.model
    row = next(r for r in range(model.rowCount()) if model.item_at(r).accession == accession)
    rect = window.table.visualRect(model.index(row, 0))
    assert rect.isValid() and window.table.viewport().rect().contains(rect.center())
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.selected_ids() == [model.item_at(row).id])


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_clicked_item_is_the_one_shown_edited_and_deleted(
    qtbot, library, tmp_path, monkeypatch, size
):
    ids = _shifted(library)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.table.isVisible() and _inside(window.table, window)

    _click_row(qtbot, window, "2")  # id 3; the item whose accession is "3" is id 4
    catalog = next(t for t in window.tabs if isinstance(t, CatalogTab))
    window.inspector.setCurrentWidget(catalog)
    title = catalog.editors["title"]
    qtbot.waitUntil(lambda: title.text() == "Two")
    assert title.isVisible() and _inside(title, window)
    assert catalog.editors["accession"].text() == "2"

    qtbot.mouseClick(title, Qt.MouseButton.LeftButton)
    title.selectAll()
    qtbot.keyClicks(title, "Two, edited")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: library.get_item(ids["2"]).title == "Two, edited")
    assert [library.get_item(i).title for i in (1, 2, 4)] == ["Lead item", "One", "Three"]

    _click_row(qtbot, window, "3")  # id 4
    qtbot.waitUntil(lambda: title.text() == "Three")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.activateWindow()
    qtbot.waitActive(window)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: library.count_items() == 3)
    left = {(i.id, i.accession) for i in library.list_items()}
    assert left == {(1, "X"), (2, "1"), (3, "2")}
