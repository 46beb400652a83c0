"""The row the list shows is the item the window acts on, whenever the list's ids arrive from
their pool thread: after an edit moved an item, a deep scroll, a sort changed meanwhile, or an
item deleted elsewhere (a blank row)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt
from PySide6.QtWidgets import QTableView

from desktop.inspector.catalog_tab import CatalogTab
from desktop.item_model import FIRST_PAGE, PAGE, ItemListModel, ThumbnailCache
from desktop.main_window import MainWindow
from desktop.viewer import ImageViewer, open_viewer

ITEMS = PAGE + 60


@pytest.fixture
def numbered(library):
    """M0000, M0001, ... listed in that order (the catalog order is by accession)."""
    for n in range(ITEMS):
        library.create_item({"accession": f"M{n:04d}", "title": f"Bowl {n}"})
    return library


def _gate_ids(library, monkeypatch) -> threading.Event:
    """Hold the first read of the list's ids (on its pool thread) until the event is set, as
    a million ids take a second or more: whatever happens meanwhile races with it."""
    gate = threading.Event()
    real = library.list_item_ids
    calls = []

    def held(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            assert gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(library, "list_item_ids", held)
    return gate


def _assert_rows_agree(model: ItemListModel, library, rows) -> None:
    """Each row's text, its id for Qt (UserRole), `id_at` and `item_at` name one item."""
    for row in rows:
        shown = model.row_at(row)
        assert shown is not None
        assert model.id_at(row) == shown.id
        assert model.data(model.index(row, 0), Qt.ItemDataRole.UserRole) == shown.id
        assert model.data(model.index(row, 0)) == library.get_item(shown.id).label
        assert model.item_at(row).id == shown.id


def _window(qtbot, library, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def _click(qtbot, window, row: int) -> None:
    _scroll_to(qtbot, window, row)
    index = window.model.index(row, 0)
    rect = window.table.visualRect(index)
    assert rect.isValid() and window.table.viewport().rect().contains(rect.center())
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _scroll_to(qtbot, window, row: int) -> None:
    """Scroll down to `row` as a person would: the view lists more rows as it nears the end."""
    table = window.table
    while window.model.rowCount() <= row:
        table.verticalScrollBar().setValue(table.verticalScrollBar().maximum())
        qtbot.wait(1)
    table.scrollTo(window.model.index(row, 0))
    table.viewport().repaint()  # draws the rows now in view, reading their texts


def _catalog(window) -> CatalogTab:
    tab = next(t for t in window.tabs if isinstance(t, CatalogTab))
    window.inspector.setCurrentWidget(tab)
    return tab


def test_an_item_edited_while_the_ids_are_read_stays_the_one_selected(
    qtbot, numbered, tmp_path, monkeypatch
):
    gate = _gate_ids(numbered, monkeypatch)
    window = _window(qtbot, numbered, tmp_path)
    model, catalog = window.model, _catalog(window)
    edited = numbered.get_item("M0005").id
    _click(qtbot, window, 5)
    accession = catalog.editors["accession"]
    qtbot.waitUntil(lambda: accession.text() == "M0005")
    _scroll_to(qtbot, window, 150)  # draws rows past the first: starts reading the ids
    window.table.scrollTo(model.index(5, 0))

    qtbot.mouseClick(accession, Qt.MouseButton.LeftButton)
    accession.selectAll()
    qtbot.keyClicks(accession, "Z9999")
    qtbot.keyClick(accession, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: numbered.get_item(edited).accession == "Z9999")
    assert model.data(model.index(5, 0)).startswith("Z9999")
    assert model.id_at(5) == edited and not model.paged_by_id

    viewer = open_viewer(window, 6)  # shows the rows it was opened on
    assert viewer.isVisible() and viewer.item().accession == "M0006"

    gate.set()  # the ids arrive: read after the edit, they list the item last
    qtbot.waitUntil(lambda: model.paged_by_id)
    # Its rows now hold other items: it closes, as on a reload.
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is None)
    now = list(numbered.list_item_ids())
    assert now.index(edited) == ITEMS - 1
    current = window.table.selectionModel().currentIndex()
    assert current.row() == ITEMS - 1  # the selection went along with the item
    assert model.data(current).startswith("Z9999")
    assert window.current_item_id() == edited and window.selected_ids() == [edited]
    assert accession.text() == "Z9999"  # the inspector still shows the item selected
    _assert_rows_agree(model, numbered, [0, 4, 5, 6, 150, ITEMS - 2, ITEMS - 1])
    assert model.data(model.index(5, 0)).startswith("M0006")  # rows below moved up one

    _click(qtbot, window, 6)  # and a click on a row acts on the item it shows
    qtbot.waitUntil(lambda: accession.text() == "M0007")
    assert window.selected_ids() == [numbered.get_item("M0007").id]


def test_the_short_first_page_is_read_on_not_again(qtbot, numbered, monkeypatch):
    """Past FIRST_PAGE rows, the first page is read on from its end: the rows drawn already
    never silently become other items under a selection."""
    gate = _gate_ids(numbered, monkeypatch)
    model = ItemListModel(numbered, ThumbnailCache(numbered.thumbnails_dir))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    edited = numbered.get_item("M0000").id
    view.setCurrentIndex(model.index(0, 0))
    selection = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag
    selection.select(  # rows 0 to 3, as a shift-click selects them
        QItemSelection(model.index(0, 0), model.index(3, 0)), flags.ClearAndSelect | flags.Rows
    )
    picked = {model.id_at(r) for r in range(4)}
    numbered.update_item(edited, {"accession": "Z9999"})
    model.refresh_item(edited)
    assert model.data(model.index(0, 0)).startswith("Z9999")

    changed = []
    model.dataChanged.connect(lambda first, last, *_: changed.append((first.row(), last.row())))
    while model.canFetchMore():
        model.fetchMore()
    assert model.row_at(FIRST_PAGE + 40) is not None  # by offset, in the list as it is now
    assert model.data(model.index(0, 0)).startswith("Z9999") and model.id_at(0) == edited
    assert changed == []
    _assert_rows_agree(model, numbered, range(0, PAGE, 7))

    gate.set()
    qtbot.waitUntil(lambda: model.paged_by_id)
    assert view.currentIndex().row() == ITEMS - 1 and model.id_at(ITEMS - 1) == edited
    rows = {i.row() for i in selection.selectedRows()}
    assert rows == {0, 1, 2, ITEMS - 1}  # each selected item stays selected where it went
    assert {model.id_at(r) for r in rows} == picked
    assert [model.id_at(r) for r in range(ITEMS)] == list(numbered.list_item_ids())
    _assert_rows_agree(model, numbered, range(ITEMS))


def test_ids_of_an_earlier_sort_are_dropped(qtbot, numbered, monkeypatch):
    gate = _gate_ids(numbered, monkeypatch)
    model = ItemListModel(numbered, ThumbnailCache(numbered.thumbnails_dir))
    model.fetchMore()
    assert model.row_at(PAGE + 1) is not None  # starts reading the ids, held at the gate
    model.sort(0, Qt.SortOrder.DescendingOrder)
    model.fetchMore()
    assert model.row_at(PAGE + 1) is not None  # reads the new order's ids
    gate.set()
    qtbot.waitUntil(lambda: model.paged_by_id)
    qtbot.wait(200)  # the held ids, of the ascending order, arrive too: they are dropped
    assert [model.id_at(r) for r in range(model.rowCount())] == list(
        numbered.list_item_ids(sort="item", descending=True)
    )
    _assert_rows_agree(model, numbered, range(0, model.rowCount(), 9))


def test_a_row_deleted_elsewhere_shows_nothing_and_says_so(qtbot, numbered, tmp_path):
    window = _window(qtbot, numbered, tmp_path)
    model, catalog = window.model, _catalog(window)
    accession = catalog.editors["accession"]
    _scroll_to(qtbot, window, 150)  # starts reading the ids
    qtbot.waitUntil(lambda: model.paged_by_id)
    row = PAGE + 10
    gone = model.id_at(row)
    numbered.delete_item(gone)  # by a colleague, say: the list does not know yet
    _click(qtbot, window, row)  # its page is read now: the row is blank
    assert model.row_at(row).label == "" and window.current_item_id() == gone
    qtbot.waitUntil(lambda: "deleted elsewhere" in window.statusBar().currentMessage())
    assert "Reload (F5)" in window.statusBar().currentMessage()
    assert catalog.item is None and accession.text() == "" and not accession.isEnabled()
    assert model.item_at(row) is None

    window.statusBar().clearMessage()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)  # the next row is a listed item again
    qtbot.waitUntil(lambda: accession.text() == model.row_at(row + 1).head)
    qtbot.keyClick(window.table, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: "deleted elsewhere" in window.statusBar().currentMessage())
    assert catalog.item is None

    qtbot.keyClick(window.table, Qt.Key.Key_F5)  # Reload: the row is gone
    qtbot.waitUntil(lambda: model.total == ITEMS - 1)
    assert model.row_of(gone) is None


def test_an_item_deleted_elsewhere_while_the_ids_are_read_keeps_the_current_one(
    qtbot, numbered, tmp_path, monkeypatch
):
    gate = _gate_ids(numbered, monkeypatch)
    window = _window(qtbot, numbered, tmp_path)
    model, catalog = window.model, _catalog(window)
    accession = catalog.editors["accession"]
    _click(qtbot, window, 5)
    qtbot.waitUntil(lambda: accession.text() == "M0005")
    kept = window.current_item_id()
    _scroll_to(qtbot, window, 150)  # starts reading the ids, held at the gate
    numbered.delete_item("M0001")  # by a colleague: the rows below move up one
    gate.set()
    qtbot.waitUntil(lambda: model.paged_by_id)
    assert model.total == ITEMS - 1
    current = window.table.selectionModel().currentIndex()
    assert current.row() == 4 and window.current_item_id() == kept
    assert model.data(current).startswith("M0005") and accession.text() == "M0005"
    _assert_rows_agree(model, numbered, [0, 1, 4, 5, 150, ITEMS - 2])


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
@pytest.mark.parametrize("mode", ["table", "grid"])
def test_end_goes_to_the_last_item_of_the_list_not_of_the_rows_listed_so_far(
    qtbot, numbered, tmp_path, size, mode
):
    window = _window(qtbot, numbered, tmp_path)
    window.resize(*size)
    model, catalog = window.model, _catalog(window)
    accession = catalog.editors["accession"]
    last = f"M{ITEMS - 1:04d}"
    if mode == "grid":
        window.grid_action.trigger()  # View > Grid (Ctrl+2)
    view = window.grid if mode == "grid" else window.table
    qtbot.waitUntil(view.isVisible)
    assert window.rect().contains(view.geometry().center())

    # A click on the first item, then Ctrl+End.
    first = view.visualRect(model.index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.waitUntil(lambda: accession.text() == "M0000")
    assert model.rowCount() < ITEMS  # only the first rows are listed
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: accession.text() == last)
    assert view.selectionModel().currentIndex().row() == ITEMS - 1
    assert window.current_item_id() == numbered.get_item(last).id
    assert view.visualRect(view.selectionModel().currentIndex()).intersects(
        view.viewport().rect()
    )  # and it is in sight


def test_refreshing_a_row_whose_item_was_deleted_elsewhere_blanks_it(qtbot, numbered):
    model = ItemListModel(numbered, ThumbnailCache(numbered.thumbnails_dir))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    gone = model.id_at(3)
    assert model.row_at(3).head == "M0003"
    numbered.delete_item(gone)  # by a colleague, after the row was drawn
    model.refresh_item(gone)  # an edit or undo elsewhere in the window asks for it again
    assert model.row_at(3).label == "" and model.id_at(3) == gone
    assert model.item_at(3) is None
    assert model.row_at(4).head == "M0004"  # the rows around it are untouched
