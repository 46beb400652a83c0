"""The interim main window: a real Qt window listing the library's items, a page at a time."""

from __future__ import annotations

from desktop.app import PAGE, MainWindow


def test_window_lists_items_lazily(qtbot, library):
    for n in range(PAGE + 20):
        library.create_item({"accession": f"A{n:04d}", "title": f"Item {n}"})
    window = MainWindow(library)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Credence"
    model = window.model
    assert model.total == PAGE + 20
    assert model.rowCount() == PAGE  # the first page, fetched when the view asked for it
    assert model.data(model.index(0, 0)) == "A0000"
    assert model.data(model.index(0, 1)) == "Item 0"
    window.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 20)
    assert window.table.accessibleName() == "Items"


def test_empty_library_window(qtbot, library):
    window = MainWindow(library)
    qtbot.addWidget(window)
    assert window.model.rowCount() == 0 and window.model.total == 0
