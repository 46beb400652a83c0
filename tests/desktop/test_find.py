"""Finding items as a person does: Ctrl+F and typing, Escape, the filter bar, sorting by a
column header, the inspector following the list, Tab order and a safe Delete."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.main_window import MainWindow
from provenance import SearchFilters


def _window(qtbot, library, tmp_path, size=(1024, 700)):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitActive(window)  # shortcuts such as Ctrl+F reach an active window only
    return window


def _focus(qtbot, widget) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def _on_screen(window: QWidget, widget: QWidget) -> bool:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return widget.isVisible() and window.rect().contains(rect)


def _fill(library):
    library.create_item(
        {"accession": "A1", "title": "Harbour at dusk", "maker": "Ingrid Moe", "date": "1934"}
    )
    library.create_item(
        {"accession": "A2", "title": "Lidded jar", "maker": "Unknown maker", "date": "about 1890"}
    )
    library.create_item({"accession": "A3", "title": "Map", "maker": "Survey office"})
    library.add_event("A3", "surveyed", "Survey office", date="1803")
    library.create_item({"accession": "A4", "title": "Portrait", "maker": "Émile Durand"})
    library.disclose("A4", "ai-restored", purpose="to mend a tear")


def _shown(window) -> str | None:
    """The accession number the inspector's Catalog tab shows."""
    catalog = window.tabs[0]
    return catalog.item.accession if catalog.item else None


def test_ctrl_f_typing_and_escape(qtbot, library, tmp_path):
    _fill(library)
    window = _window(qtbot, library, tmp_path)
    assert _on_screen(window, window.search)
    _focus(qtbot, window.table)
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.search
    qtbot.keyClicks(window.search, "harbour")
    qtbot.waitUntil(lambda: window.model.total == 1)
    assert window.model.item_at(0).accession == "A1" and _shown(window) == "A1"
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)  # clears
    assert window.search.text() == ""
    qtbot.waitUntil(lambda: window.model.total == 4)
    assert _shown(window) == "A1"  # still current: it is still listed
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)  # empty: back to the list
    assert QApplication.focusWidget() is window.table
    # Edit > Find does the same as Ctrl+F.
    window.find_action.trigger()
    assert QApplication.focusWidget() is window.search


def test_filters_combine_and_the_inspector_follows(qtbot, library, tmp_path):
    _fill(library)
    window = _window(qtbot, library, tmp_path)
    _focus(qtbot, window.table)
    window.table.setCurrentIndex(window.model.index(0, 0))
    assert _shown(window) == "A1"
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    bar = window.filter_bar
    assert _on_screen(window, bar) and QApplication.focusWidget() is bar.maker
    qtbot.keyClicks(bar.maker, "unknown")
    qtbot.keyClick(bar.maker, Qt.Key.Key_Return)
    assert window.model.total == 1 and _shown(window) == "A2"  # A1 is hidden: A2 is shown
    bar.maker.clear()
    qtbot.keyClick(bar.maker, Qt.Key.Key_Return)
    # A date range: the item's own year ("about 1890") or a provenance event (1803).
    qtbot.keyClick(bar.maker, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is bar.date_from
    qtbot.keyClicks(bar.date_from, "1800")
    qtbot.keyClick(bar.date_from, Qt.Key.Key_Tab)
    qtbot.keyClicks(bar.date_to, "1899")
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Return)
    assert [window.model.item_at(r).accession for r in range(window.model.rowCount())] == [
        "A2",
        "A3",
    ]
    # A date that is no date: one plain sentence beside the filters, the list unchanged.
    qtbot.keyClicks(bar.date_to, "x")
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Return)
    assert bar.problem.isVisible() and "not an EDTF date" in bar.problem.text()
    assert window.model.total == 2
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Backspace)
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Return)
    assert not bar.problem.isVisible()
    # Combined with a menu: AI involved leaves nothing in that range; the inspector empties.
    _focus(qtbot, bar.ai)
    qtbot.keyClick(bar.ai, Qt.Key.Key_Down)
    assert bar.ai.currentText() == "AI involved"
    assert window.model.total == 0 and _shown(window) is None
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert window.model.total == 4 and _shown(window) is not None
    # The sidebar's views combine with the filter bar too.
    assert bar.apply_to(SearchFilters(stale=True)).stale


def test_sorting_by_a_header_happens_in_the_database(qtbot, library, tmp_path):
    for n in range(250):  # more than one page: a sort over the loaded page alone would show
        library.create_item({"accession": f"B{n:03d}", "maker": f"Maker {n % 7}"})
    library.create_item({"accession": "C1", "maker": "Aalto"})
    window = _window(qtbot, library, tmp_path)
    header = window.table.horizontalHeader()
    maker = QPoint(header.sectionViewportPosition(1) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=maker)
    assert window.model.item_at(0).accession == "C1"  # the last item comes first
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=maker)
    assert window.model.item_at(0).maker == "Maker 6"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=maker)
    assert window.model.item_at(0).accession == "B000"  # third click: catalog order again
    # (test_fit checks that every column is in view at 1600 px, on a screen that wide.)


def test_saved_search_keeps_its_filters(qtbot, library, tmp_path, monkeypatch):
    _fill(library)
    window = _window(qtbot, library, tmp_path)
    window.show_filters(True)
    qtbot.keyClicks(window.filter_bar.maker, "moe")
    qtbot.keyClick(window.filter_bar.maker, Qt.Key.Key_Return)
    assert window.model.total == 1
    window.save_search("By Moe")
    heading = window.sidebar.item(window.sidebar.count() - 2)
    assert heading.text() == "Saved searches" and not heading.flags()
    qtbot.mouseClick(window.filter_bar.clear_button, Qt.MouseButton.LeftButton)
    assert window.model.total == 4
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    assert window.filter_bar.maker.text() == "moe" and window.model.total == 1


def test_tab_goes_list_inspector_sidebar(qtbot, library, tmp_path):
    _fill(library)
    window = _window(qtbot, library, tmp_path)
    _focus(qtbot, window.table)
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    first = QApplication.focusWidget()
    assert window.inspector.isAncestorOf(first)  # not the next cell of the table
    for _ in range(80):
        focused = QApplication.focusWidget()
        if not window.inspector.isAncestorOf(focused):
            break
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.sidebar


def test_delete_defaults_to_no(qtbot, library, tmp_path):
    _fill(library)
    window = _window(qtbot, library, tmp_path)
    _focus(qtbot, window.table)
    window.table.setCurrentIndex(window.model.index(0, 0))
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append((box.defaultButton() is box.button(QMessageBox.StandardButton.No), box.text()))
        qtbot.keyClick(box, Qt.Key.Key_Return)  # Return takes the default

    QTimer.singleShot(0, answer)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert seen and seen[0][0] and "cannot be undone" in seen[0][1]
    assert library.count_items() == 4


def test_window_is_never_larger_than_the_screen(qtbot, library, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    free = window.screen().availableGeometry()
    assert window.width() <= free.width() and window.height() <= free.height()


def test_ai_column_and_history_speak_plainly(qtbot, library, tmp_path):
    _fill(library)
    library.update_item("A4", {"credit_line": "Gift"})
    window = _window(qtbot, library, tmp_path)
    row = window.model.row_of(library.get_item("A4").id)
    assert window.model.data(window.model.index(row, 3)) == "AI-restored"
    window.table.setCurrentIndex(window.model.index(row, 0))
    history = window.tabs[-1]
    lines = [
        history.entries.topLevelItem(i).text(3) for i in range(history.entries.topLevelItemCount())
    ]
    assert any("credit line (empty) -> Gift" in line for line in lines)
    assert not any("credit_line" in line or "ai-restored" in line for line in lines)
    [last] = library.history(library.get_item("A4").id)[-1:]
    library.revert(last.seq)
    window.table.setCurrentIndex(window.model.index(row, 0))
    window.model.reload()
    lines = [
        history.entries.topLevelItem(i).text(3) for i in range(history.entries.topLevelItemCount())
    ]
    assert lines[-1].startswith(f"Undo of entry {last.seq}: ")


def test_the_filter_bar_built_when_first_shown_sits_before_the_search_field_in_tab_order(
    qtbot, library, tmp_path
):
    """The filter bar is built when Filters is first chosen (issue 16: not before the window's
    first paint); its fields still come just before the search field when Tab walks the
    window, as when it was built with the window."""
    _fill(library)
    window = _window(qtbot, library, tmp_path)
    assert not [w for w in window.findChildren(QWidget) if w.accessibleName() == "Filters"]
    _focus(qtbot, window.table)
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    bar = window.filter_bar
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.maker)
    window.tasks.show()  # a running task's Cancel button is in the Tab order too, elsewhere
    fields = [bar.maker, bar.date_from, bar.date_to, bar.ai, bar.review, bar.credentials]
    for field, following in zip(fields, [*fields[1:], bar.export], strict=True):
        qtbot.keyClick(field, Qt.Key.Key_Tab)
        qtbot.waitUntil(following.hasFocus)
    qtbot.keyClick(bar.export, Qt.Key.Key_Tab)
    qtbot.waitUntil(bar.clear_button.hasFocus)
    qtbot.keyClick(bar.clear_button, Qt.Key.Key_Tab)
    qtbot.waitUntil(window.search.hasFocus)
    qtbot.keyClick(window.search, Qt.Key.Key_Tab)
    qtbot.waitUntil(window.table.hasFocus)


def test_a_filter_refused_while_the_ids_are_read_leaves_the_whole_list(
    qtbot, library, tmp_path, monkeypatch
):
    """A date that is no date, typed while the list's ids are still being read on a pool
    thread (a million take a second or more), leaves the list as it was: the read cut short
    for the refused query brings no partial ids for the list still shown, and the list's ids
    are read again (the window may be waiting for them to go back to its current item)."""
    import threading

    from PySide6.QtCore import QThreadPool

    for n in range(150):  # past the first rows: paging down reads the whole list's ids
        library.create_item({"accession": f"B{n:03d}", "title": f"Bowl {n}"})
    gate, asked = threading.Event(), []
    list_item_ids = library.list_item_ids

    def held(*args, **kwargs):
        asked.append(1)
        gate.wait(10)  # the pool thread reads once the test lets it go
        return list_item_ids(*args, **kwargs)

    monkeypatch.setattr(library, "list_item_ids", held)
    window = _window(qtbot, library, tmp_path)
    _focus(qtbot, window.table)
    for _ in range(8):
        qtbot.keyClick(window.table, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: asked == [1])
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    bar = window.filter_bar
    qtbot.keyClick(bar.maker, Qt.Key.Key_Tab)
    qtbot.keyClicks(bar.date_from, "x")
    qtbot.keyClick(bar.date_from, Qt.Key.Key_Return)
    assert bar.problem.isVisible() and "not an EDTF date" in bar.problem.text()
    gate.set()
    QThreadPool.globalInstance().waitForDone(10_000)
    qtbot.wait(50)  # the pool thread's signal is delivered
    assert window.model.total == 150
    qtbot.waitUntil(lambda: window.model.paged_by_id)  # the list's ids are read after all
    _focus(qtbot, window.table)
    qtbot.keyClick(window.table, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: window.model.rowCount() == 150)
    assert window.model.item_at(149).accession == "B149"


@pytest.mark.parametrize("grid_from", ["saved settings", "Ctrl+2"])
def test_a_search_in_a_grid_built_late_selects_its_first_item(qtbot, library, tmp_path, grid_from):
    """The grid is built when first chosen (issue 16), after the window began keeping its
    current item across a reload; the grid's own reset of the selection the two views share
    must not come after the window put the current item back: after a search or a filter,
    the list's first item is current and selected, and the inspector shows it."""
    _fill(library)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    if grid_from == "saved settings":
        settings.setValue("window/view", "grid")
        settings.sync()
    window = _window(qtbot, library, tmp_path)
    if grid_from == "Ctrl+2":
        _focus(qtbot, window.table)
        qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    grid = window.grid
    assert window.items_stack.currentWidget() is grid
    _focus(qtbot, grid)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert _shown(window) == "A2"
    qtbot.keyClick(grid, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search, "map")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    selection = window.table.selectionModel()
    assert window.model.total == 1
    assert selection.currentIndex().row() == 0
    assert [i.row() for i in selection.selectedRows()] == [0]
    assert _shown(window) == "A3"
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)  # the search cleared: all four again
    qtbot.waitUntil(lambda: window.model.total == 4)
    assert [i.row() for i in selection.selectedRows()] == [selection.currentIndex().row()]
    assert _shown(window) == "A3"
