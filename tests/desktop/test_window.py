"""The main window on real libraries: paging, views, search, grid, import by drop, delete."""

from __future__ import annotations

import threading

from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QThread, QThreadPool, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import item_model
from desktop.inspector.tabs import TAB_SPECS
from desktop.item_model import FIRST_PAGE, PAGE
from desktop.main_window import VIEWS, MainWindow
from desktop.viewer import ImageViewer
from tests.provenance.c2pa_helpers import make_jpeg


def _window(qtbot, library, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_pages_search_and_views(qtbot, library, tmp_path):
    for n in range(PAGE + 20):
        library.create_item({"accession": f"A{n:04d}", "title": f"Item {n}"})
    library.create_item({"accession": "Z1", "title": "Harbour at dusk"})
    library.disclose("Z1", "ai-described", fields=["title"])
    window = _window(qtbot, library, tmp_path)
    model = window.model
    assert model.total == PAGE + 21 and model.rowCount() == FIRST_PAGE
    window.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 21)
    window.search.setText("harbour")
    qtbot.waitUntil(lambda: model.total == 1)
    assert model.item_at(0).accession == "Z1"
    window.search.clear()
    window.sidebar.setCurrentRow(1)  # AI involved
    qtbot.waitUntil(lambda: model.total == 1)
    window.sidebar.setCurrentRow(2)  # Needs review
    assert model.total == 1 and model.data(model.index(0, 4)) == "Needs review"
    window.set_view_mode("grid")
    assert window.items_stack.currentWidget() is window.grid
    assert window.count_label.text() == "1 item"


def test_drop_files_imports_in_a_worker_without_blocking(qtbot, library, tmp_path):
    window = _window(qtbot, library, tmp_path)
    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(3):
        make_jpeg(folder / f"{n}.jpg", size=(40 + n, 30))
    seen_threads = []

    def on_progress(*_args):
        seen_threads.append(QThread.currentThread() is QApplication.instance().thread())

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    worker = window.tasks.worker
    assert worker is not None and window.tasks.isVisible()
    worker.signals.progressed.connect(on_progress)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=30000)
    qtbot.waitUntil(lambda: window.model.total == 3)
    assert all(seen_threads)  # slots run on the UI thread, never the worker's
    assert not window.tasks.isVisible()


def test_delete_asks_first(qtbot, library, tmp_path, monkeypatch):
    library.create_item({"accession": "D1", "title": "Doomed"})
    window = _window(qtbot, library, tmp_path)
    window.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.delete_selected()
    assert library.count_items() == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.delete_selected()
    assert library.count_items() == 0 and window.model.total == 0


def test_layout_is_remembered(qtbot, library, tmp_path):
    window = _window(qtbot, library, tmp_path)
    window.set_view_mode("grid")
    window.close()
    again = _window(qtbot, library, tmp_path)
    assert again.items_stack.currentWidget() is again.grid


def test_sample_collection_shows_everything(qtbot, tmp_path):
    from desktop.sample import open_sample_collection

    library = open_sample_collection(tmp_path)
    try:
        assert library.count_items() == 6
        restored = library.get_item("CR.2019.2")
        assert restored.assets and restored.disclosures[0].review_state == "approved"
        assert len(restored.events) == 4
        window = _window(qtbot, library, tmp_path)
        assert window.model.total == 6
    finally:
        library.close()
    again = open_sample_collection(tmp_path)  # opening again does not duplicate
    assert again.count_items() == 6
    again.close()


def test_saved_searches_live_in_the_sidebar(qtbot, library, tmp_path):
    library.create_item({"accession": "S1", "title": "Harbour at dusk"})
    library.create_item({"accession": "S2", "title": "Field"})
    window = _window(qtbot, library, tmp_path)
    window.search.setText("harbour")
    window.save_search("Harbours")
    again = _window(qtbot, library, tmp_path)  # remembered across windows
    assert again.sidebar.item(again.sidebar.count() - 1).text().endswith("Harbours")
    again.search.setText("")
    again.sidebar.setCurrentRow(again.sidebar.count() - 1)
    qtbot.waitUntil(lambda: again.model.total == 1)
    assert again.search.text() == "harbour"
    again.delete_saved_search()
    assert again.sidebar.count() == len(VIEWS)  # only the built-in views are left


def test_the_count_says_when_a_search_is_too_broad_to_rank(qtbot, library, tmp_path):
    """Beside the count: a search listed in the order added says so; a filter narrowing it
    under the cap, a sorted list and no search say nothing more."""
    for n in range(5):
        maker = "Ann B" if n in (1, 3) else "Chen W"
        library.create_item({"accession": f"B.{n}", "title": "bowl " * (n + 1), "maker": maker})
    library._store.search_index.ranked_at_most = 3
    window = _window(qtbot, library, tmp_path)
    model = window.model
    window.search.setText("bowl")
    qtbot.waitUntil(lambda: model.search == "bowl")
    assert window.count_label.text() == "5 items (in the order added: too many matches to rank)"
    assert [model.item_at(r).accession for r in range(5)] == [f"B.{n}" for n in range(5)]
    window.filter_bar.maker.setText("Ann B")
    qtbot.waitUntil(lambda: model.total == 2)
    assert window.count_label.text() == "2 items"
    assert [model.item_at(r).accession for r in range(2)] == ["B.3", "B.1"]  # best match first
    window.filter_bar.maker.clear()
    qtbot.waitUntil(lambda: model.total == 5)
    assert window.count_label.text().endswith("(in the order added: too many matches to rank)")
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: window.count_label.text() == "5 items")
    window.search.clear()
    qtbot.waitUntil(lambda: model.search is None)
    assert window.count_label.text() == "5 items"


def test_a_long_search_shows_its_first_rows_while_it_is_counted(
    qtbot, library, tmp_path, monkeypatch
):
    """A search matching more than COUNT_AT_ONCE items shows its first rows at once, the
    inspector on the first, and "counting…"; the count comes from a pool thread. Ctrl+End
    meanwhile counts at once and goes to the last match (issue 16: on a million items the exact
    count of a common word took 50–200 ms before anything was shown)."""
    monkeypatch.setattr(item_model, "COUNT_AT_ONCE", 100)
    for n in range(250):
        library.create_item({"accession": f"B{n:04d}", "title": f"Bowl {n}"})
    library.create_item({"accession": "C0001", "title": "Cup"})
    gate = threading.Event()
    count_items = library.count_items

    def held(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)  # the pool thread's count waits until the test lets it go
        return count_items(*args, **kwargs)

    monkeypatch.setattr(library, "count_items", held)
    window = _window(qtbot, library, tmp_path)
    model = window.model
    assert window.count_label.text() == "251 items"

    def search(words: str) -> None:
        focused = QApplication.focusWidget() or window  # where a person's keys go
        qtbot.keyClick(focused, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert QApplication.focusWidget() in (window.search, None)
        qtbot.keyClicks(window.search, words)
        qtbot.keyClick(window.search, Qt.Key.Key_Return)

    search("bowl")
    assert model.counting and window.count_label.text() == "More than 100 items (counting…)"
    assert model.rowCount() == FIRST_PAGE + 1
    assert window.tabs[0].item.accession == model.item_at(0).accession == "B0000"
    # The viewer, opened meanwhile (Space), says no more than the window does.
    table = window.table
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(model.index(0, 0)).center(),
    )
    assert QApplication.focusWidget() is table
    qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is not None)
    caption = window.findChild(ImageViewer).captions[0]
    assert caption.isVisible() and "1 of more than 100 —" in caption.text()
    gate.set()
    qtbot.waitUntil(lambda: window.count_label.text() == "250 items")
    assert not model.counting and model.total == 250
    assert "1 of 250 —" in caption.text()  # the count, once in, is said there too
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # Space closes it again
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is None)
    window.activateWindow()  # the offscreen platform does not give it back by itself
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    gate.clear()
    search("bowl")
    assert model.counting
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert window.count_label.text() == "250 items"
    assert window.tabs[0].item.accession == "B0249"
    gate.set()  # the pool thread's count, late, changes nothing
    qtbot.wait(100)
    assert window.count_label.text() == "250 items" and window.tabs[0].item.accession == "B0249"


def test_a_long_list_goes_back_to_the_current_item_once_its_ids_are_read(
    qtbot, library, tmp_path, monkeypatch
):
    """After a search, the current item stays current if it is still listed. On a list of at
    most COUNT_AT_ONCE items it is found in the ids at once. On a longer one the ids are read on
    the pool thread (a million took 1–3 s on this one): the first item stands in until they
    arrive, then the window goes back to the item, unless the person has moved on."""
    for n in range(250):
        library.create_item({"accession": f"B{n:04d}", "title": f"Bowl {n}"})
    library.create_item({"accession": "C0001", "title": "Cup"})
    read_on_the_ui_thread = []
    gate = threading.Event()
    gate.set()
    list_item_ids = library.list_item_ids

    def watched(*args, **kwargs):
        on_ui = threading.current_thread() is threading.main_thread()
        read_on_the_ui_thread.append(on_ui)
        if not on_ui:
            gate.wait(10)
        return list_item_ids(*args, **kwargs)

    monkeypatch.setattr(library, "list_item_ids", watched)
    window = _window(qtbot, library, tmp_path)

    def search_from_the_last_bowl(words: str) -> str:
        window.search.clear()
        qtbot.waitUntil(lambda: window.model.search is None)
        qtbot.waitUntil(lambda: window.table.currentIndex().isValid())  # after the first paint
        window.table.setFocus()
        qtbot.keyClick(window.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window.table, Qt.Key.Key_Up)
        assert window.tabs[0].item.accession == "B0249"
        read_on_the_ui_thread.clear()
        gate.clear()  # the pool thread's ids are held back until the test lets them go
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(window.search, words)
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        return window.tabs[0].item.accession

    assert search_from_the_last_bowl("bowl") == "B0249"  # 250 ids read at once
    gate.set()
    monkeypatch.setattr(item_model, "COUNT_AT_ONCE", 100)
    assert search_from_the_last_bowl("bowl") == "B0000"  # the first item stands in
    assert True not in read_on_the_ui_thread
    assert window.table.currentIndex().row() == 0
    gate.set()
    qtbot.waitUntil(lambda: window.tabs[0].item.accession == "B0249")
    assert window.model.id_at(window.table.currentIndex().row()) == window.tabs[0].item.id
    assert True not in read_on_the_ui_thread
    # Moving on before the ids arrive: the person's choice stands.
    assert search_from_the_last_bowl("bowl") == "B0000"
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.tabs[0].item.accession == "B0001"
    gate.set()
    qtbot.waitUntil(lambda: window.model.paged_by_id)
    qtbot.wait(50)
    assert window.tabs[0].item.accession == "B0001"


def test_a_long_list_without_the_current_item_reads_no_ids_to_look_for_it(
    qtbot, library, tmp_path, monkeypatch
):
    """After a search, a long list's ids are read to go back to the current item only if the
    item is listed at all (asked of that one item): a search that does not list it shows the
    first item and reads no ids (a million take a second or more on a pool thread, holding the
    GIL while the person goes on)."""
    monkeypatch.setattr(item_model, "COUNT_AT_ONCE", 100)
    for n in range(250):
        library.create_item({"accession": f"B{n:04d}", "title": f"Bowl {n}"})
    cup = library.create_item({"accession": "C0001", "title": "Cup"})
    read = []
    list_item_ids = library.list_item_ids

    def watched(*args, **kwargs):
        read.append(args)
        return list_item_ids(*args, **kwargs)

    monkeypatch.setattr(library, "list_item_ids", watched)
    window = _window(qtbot, library, tmp_path)
    window.table.setCurrentIndex(window.model.index(window.model.row_of(cup.id), 0))
    assert window.tabs[0].item.accession == "C0001"
    QThreadPool.globalInstance().waitForDone(10_000)
    read.clear()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search, "bowl")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.model.counting  # a long list: its ids are not read at once
    assert window.tabs[0].item.accession == "B0000"
    qtbot.waitUntil(lambda: not window.model.counting)
    QThreadPool.globalInstance().waitForDone(10_000)
    assert read == [] and not window.model.paged_by_id
    assert window.tabs[0].item.accession == "B0000"


def test_inspector_tabs_out_of_view_are_built_when_shown_with_the_current_item(
    qtbot, library, tmp_path
):
    """Only the tab in view is built before the first paint; another one is built when first
    shown, in its place in the tab bar, showing the item the inspector shows."""
    first = library.create_item({"accession": "A1", "title": "Harbour at dusk"})
    second = library.create_item({"accession": "A2", "title": "Study of a vase"})
    library.add_event(second.id, "acquired", "Jane Smyth", date="1890")
    window = _window(qtbot, library, tmp_path)
    inspector = window.inspector
    titles = [title for title, _module, _name in TAB_SPECS]
    assert [inspector.tabText(i) for i in range(inspector.count())] == titles
    qtbot.waitUntil(lambda: getattr(inspector.currentWidget(), "item", None) is not None)
    assert inspector.currentIndex() == 0 and inspector.currentWidget().item.id == first.id
    # Another item becomes current while the Provenance tab has not been shown yet.
    window.table.setCurrentIndex(window.model.index(1, 0))
    inspector.setCurrentIndex(1)
    provenance = inspector.currentWidget()
    assert inspector.currentIndex() == 1 and provenance.title == "Provenance"
    assert provenance.item.id == second.id
    assert provenance.timeline.topLevelItemCount() == 1
    assert provenance.timeline.topLevelItem(0).text(2) == "Jane Smyth"
    # Every tab, built on asking, in the tab bar's order, and all showing the current item.
    tabs = window.tabs
    assert [t.title for t in tabs] == titles
    assert all(inspector.widget(i) is tab for i, tab in enumerate(tabs))
    assert all(tab.item.id == second.id for tab in tabs)
    assert inspector.currentWidget() is provenance
    window.table.setCurrentIndex(window.model.index(0, 0))
    assert all(tab.item.id == first.id for tab in tabs)


def test_a_tab_shown_later_does_not_grow_a_short_window(qtbot, library, tmp_path):
    """Every tab's content scrolls, so opening one (built on first showing) leaves a short
    window's size alone; the Provenance form stays reachable by scrolling."""
    from PySide6.QtTest import QTest

    library.create_item({"accession": "A1", "title": "Harbour at dusk"})
    window = _window(qtbot, library, tmp_path)
    window.resize(760, 460)
    qtbot.waitUntil(lambda: window.height() == 460)
    bar = window.inspector.tabBar()
    for index in range(1, bar.count()):
        rect = bar.tabRect(index)
        assert bar.isVisible() and window.rect().contains(bar.mapTo(window, rect.center()))
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda index=index: window.inspector.currentIndex() == index)
        QApplication.processEvents()
        assert (window.width(), window.height()) == (760, 460), window.inspector.tabText(index)
    bar_index = [title for title, _module, _name in TAB_SPECS].index("Provenance")
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(bar_index).center())
    provenance = window.inspector.currentWidget()
    provenance.actor.setFocus()
    QTest.keyClicks(provenance.actor, "Jane Smyth")
    assert provenance.actor.text() == "Jane Smyth"


def test_rows_listed_to_the_cap_go_on_once_the_count_arrives(qtbot, library, tmp_path, monkeypatch):
    """A person who pages down to the last row listed while a long search is being counted
    (the rows stop at COUNT_AT_ONCE + 1) sees the list go on when the count arrives, without
    having to move the scroll bar again."""
    monkeypatch.setattr(item_model, "COUNT_AT_ONCE", 100)
    for n in range(250):
        library.create_item({"accession": f"B{n:04d}", "title": f"Bowl {n}"})
    gate = threading.Event()
    count_items = library.count_items

    def held(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)
        return count_items(*args, **kwargs)

    monkeypatch.setattr(library, "count_items", held)
    window = _window(qtbot, library, tmp_path)
    model, table = window.model, window.table
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search, "bowl")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert model.counting
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(model.index(0, 0)).center(),
    )
    for _ in range(60):  # Page Down to the last row listed
        qtbot.keyClick(table, Qt.Key.Key_PageDown)
    assert model.counting and model.rowCount() == 101
    assert table.currentIndex().row() == 100
    gate.set()
    qtbot.waitUntil(lambda: not model.counting)
    qtbot.waitUntil(lambda: model.rowCount() > 101)
    qtbot.keyClick(table, Qt.Key.Key_PageDown)
    assert table.currentIndex().row() > 100
    assert window.tabs[0].item.accession == f"B{table.currentIndex().row():04d}"
