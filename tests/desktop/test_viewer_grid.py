"""Looking at pictures, driven by keys and the mouse as a person does: double-click or Space opens
the viewer, arrows move through the list, Ctrl++ / Ctrl+0 / the wheel zoom, a drag pans, Escape
closes; C compares two selected items; the grid shows whole pictures, captions, badges and a
size slider; an empty library says how to add items."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPixmapCache, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QSlider, QWidget

from desktop.item_grid import SIDE_DEFAULT, SIDE_STEP, badges
from desktop.main_window import MainWindow
from desktop.viewer import ImageViewer
from tests.desktop.gui import context_menu_texts

SIZES = [(1024, 700), (1600, 1000)]


def _window(qtbot, library, tmp_path, size) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _on_screen(window: QWidget, widget: QWidget) -> QWidget:
    """`widget`, after checking a person could see it: visible and inside the window."""
    assert widget.isVisible()
    top_left = widget.mapTo(window, QPoint(0, 0))
    assert window.rect().contains(top_left), (widget.accessibleName(), top_left)
    return widget


def _named(window: QWidget, kind, name: str):
    found = [w for w in window.findChildren(kind) if w.accessibleName() == name]
    assert len(found) == 1, (name, found)
    return _on_screen(window, found[0])


def _picture(path, size, colour):
    Image.new("RGB", size, colour).save(path, "JPEG", quality=95)
    return path


@pytest.fixture
def pictures(library, tmp_path):
    """Three items with pictures (one very wide, one turned by EXIF) and one without."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    wide = _picture(folder / "a-wide.jpg", (600, 100), (220, 20, 20))
    tall = folder / "b-turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (300, 200), (20, 20, 220)).save(tall, "JPEG", exif=exif.tobytes())
    plain = _picture(folder / "c-plain.jpg", (400, 300), (20, 160, 20))
    report = library.import_files([wide, tall, plain])
    assert len(report.imported) == 3
    for number, imported in enumerate(report.imported, start=1):
        library.update_item(imported.item, {"accession": f"V{number}", "title": f"View {number}"})
    library.create_item({"accession": "V4", "title": "No picture"})
    library.disclose("V1", "ai-restored", purpose="fill a tear")
    return library


def _open_viewer(qtbot, window) -> ImageViewer:
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is not None)
    viewer = window.findChild(ImageViewer)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is viewer)
    qtbot.waitUntil(lambda: not viewer._waiting, timeout=10000)  # the picture has arrived
    return viewer


@pytest.mark.parametrize("size", SIZES)
def test_double_click_opens_the_viewer_and_keys_drive_it(qtbot, pictures, tmp_path, size):
    window = _window(qtbot, pictures, tmp_path, size)
    window.set_view_mode("grid")
    grid = _named(window, QWidget, "Items (grid)")
    first = window.model.index(0, 0)
    # As a hand does it: press and release, then the second press that makes it a double-click.
    point = grid.visualRect(first).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=point)
    viewer = _open_viewer(qtbot, window)
    assert viewer.isVisible() and viewer.width() <= size[0] and viewer.height() <= size[1]
    pane = viewer.panes[0]
    caption = _named(viewer, QLabel, "Caption")
    assert caption.text().startswith("V1 View 1 — 1 of 4 — 600 × 100 px")
    assert pane.item.sceneBoundingRect().width() == 600  # the picture itself, not the thumbnail
    assert 0 < pane.zoom <= 1.0 and "%" in viewer.windowTitle()
    zoom = _named(viewer, QLabel, "Zoom")
    assert zoom.text() == f"Zoom {round(pane.zoom * 100)} % (fitted)"

    focus = QApplication.focusWidget()
    assert focus is pane
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: not viewer._waiting, timeout=10000)
    assert caption.text().startswith("V2 View 2 — 2 of 4")
    # EXIF orientation 6: stored 300 x 200, shown upright 200 wide and 300 high.
    shown = pane.item.sceneBoundingRect()
    assert (round(shown.width()), round(shown.height())) == (200, 300)
    assert window.table.currentIndex().row() == 1  # the list follows the viewer

    fitted = pane.zoom
    qtbot.keyClick(focus, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert pane.zoom == pytest.approx(fitted * 1.25)
    assert zoom.text() == f"Zoom {round(fitted * 125)} %"
    qtbot.keyClick(focus, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert pane.zoom == pytest.approx(fitted)
    for _ in range(8):
        wheel = QWheelEvent(
            QPointF(pane.viewport().rect().center()),
            QPointF(pane.viewport().mapToGlobal(pane.viewport().rect().center())),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(pane.viewport(), wheel)
    assert pane.zoom == pytest.approx(fitted * 1.25**8)

    # Drag to pan: the picture is now larger than the pane.
    bar = pane.verticalScrollBar()
    assert bar.maximum() > 0
    before = bar.value()
    start = pane.viewport().rect().center()
    qtbot.mousePress(pane.viewport(), Qt.MouseButton.LeftButton, pos=start)
    drag = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(start + QPoint(0, 60)),
        QPointF(pane.viewport().mapToGlobal(start + QPoint(0, 60))),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(pane.viewport(), drag)
    qtbot.mouseRelease(pane.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(0, 60))
    assert bar.value() != before

    qtbot.keyClick(focus, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert pane.fitted and pane.zoom == pytest.approx(fitted)

    qtbot.keyClick(focus, Qt.Key.Key_Right)
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: not viewer._waiting, timeout=10000)
    assert "V4 No picture" in caption.text() and "has no image" in caption.text()
    qtbot.keyClick(focus, Qt.Key.Key_Right)  # the end of the list: stays
    assert "V4" in caption.text()
    qtbot.keyClick(focus, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: "V3" in caption.text())

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is None)
    assert window.table.currentIndex().row() == 2


@pytest.mark.parametrize("size", SIZES)
def test_space_opens_and_closes_the_viewer_from_the_table(qtbot, pictures, tmp_path, size):
    window = _window(qtbot, pictures, tmp_path, size)
    table = _named(window, QWidget, "Items (table)")
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(window.model.index(2, 0)).center(),
    )
    assert QApplication.focusWidget() is table
    qtbot.keyClick(table, Qt.Key.Key_Space)
    viewer = _open_viewer(qtbot, window)
    assert _named(viewer, QLabel, "Caption").text().startswith("V3 View 3 — 3 of 4")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is None)


@pytest.mark.parametrize("size", SIZES)
def test_c_compares_two_selected_items_side_by_side(qtbot, pictures, tmp_path, size):
    window = _window(qtbot, pictures, tmp_path, size)
    table = _named(window, QWidget, "Items (table)")

    def click(row, modifier=Qt.KeyboardModifier.NoModifier):
        pos = table.visualRect(window.model.index(row, 0)).center()
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, pos)

    click(0)
    click(2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_C)
    viewer = _open_viewer(qtbot, window)
    assert viewer.compare and len(viewer.panes) == 2
    first = _named(viewer, QLabel, "Caption 1")
    second = _named(viewer, QLabel, "Caption 2")
    assert first.text().startswith("V1 View 1") and second.text().startswith("V3 View 3")
    left, right = viewer.panes
    assert left.mapTo(viewer, QPoint(0, 0)).x() < right.mapTo(viewer, QPoint(0, 0)).x()
    assert left.item.sceneBoundingRect().width() == 600
    assert right.item.sceneBoundingRect().width() == 400
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert not left.fitted and not right.fitted  # zoom acts on both, to compare detail
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(ImageViewer) is None)


def test_c_compares_two_items_selected_in_the_grid(qtbot, pictures, tmp_path):
    window = _window(qtbot, pictures, tmp_path, SIZES[0])
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # View > Grid
    grid = _named(window, QWidget, "Items (grid)")
    for row, modifier in (
        (1, Qt.KeyboardModifier.NoModifier),
        (2, Qt.KeyboardModifier.ControlModifier),
    ):
        pos = grid.visualRect(window.model.index(row, 0)).center()
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifier, pos)
    assert window.selected_ids() == [window.model.item_at(1).id, window.model.item_at(2).id]
    qtbot.keyClick(grid, Qt.Key.Key_C)
    viewer = _open_viewer(qtbot, window)
    assert _named(viewer, QLabel, "Caption 1").text().startswith("V2 View 2")
    assert _named(viewer, QLabel, "Caption 2").text().startswith("V3 View 3")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)


def test_compare_needs_two(qtbot, pictures, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: said.append(text))
    window = _window(qtbot, pictures, tmp_path, SIZES[0])
    table = _named(window, QWidget, "Items (table)")
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(window.model.index(0, 0)).center(),
    )
    qtbot.keyClick(table, Qt.Key.Key_C)
    assert said and said[0].startswith("Select two items to compare")
    assert window.findChild(ImageViewer) is None


@pytest.mark.parametrize("size", SIZES)
def test_grid_shows_whole_pictures_captions_badges_and_a_size_slider(
    qtbot, pictures, tmp_path, size
):
    window = _window(qtbot, pictures, tmp_path, size)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # View > Grid
    grid = _named(window, QWidget, "Items (grid)")
    model = window.model
    qtbot.waitUntil(
        lambda: model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is not None
    )
    qtbot.wait(50)
    cell = grid.visualRect(model.index(0, 0))
    shot = grid.viewport().grab().toImage()
    # The wide red picture (6:1) spans the cell's full width: both ends are drawn, not cropped.
    picture_row = [
        y
        for y in range(cell.top(), cell.bottom())
        if QColor(shot.pixel(cell.center().x(), y)).red() > 180
        and QColor(shot.pixel(cell.center().x(), y)).green() < 80
    ]
    assert picture_row, "the wide picture is drawn"
    y = picture_row[len(picture_row) // 2]
    side = window.grid_delegate.side
    left = cell.center().x() - side // 2 + 3
    right = cell.center().x() + side // 2 - 3
    for x in (left, right):
        colour = QColor(shot.pixel(x, y))
        assert colour.red() > 180 and colour.green() < 80, (x, y, colour.name())
    assert len(picture_row) < side // 3  # and it is a strip, aspect kept

    slider = _named(window, QSlider, "Thumbnail size")
    assert slider.value() == SIDE_DEFAULT
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=slider.rect().center())
    assert QApplication.focusWidget() is slider  # the click may move it a page; keys step it
    start_value = slider.value()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == start_value + SIDE_STEP
    assert window.grid.gridSize().width() == window.grid_delegate.side + 12
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert slider.value() == start_value
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # table
    assert not slider.isVisible()
    window.close()
    again = _window(qtbot, pictures, tmp_path, size)
    assert again.grid_delegate.side == start_value  # remembered


def test_badges_say_what_a_registrar_scans_for(pictures):
    item = pictures.get_item("V1")
    assert [b.text for b in badges(item)] == ["AI", "Draft"]
    pictures.review("V1", "approved", "Chief Registrar")
    assert [b.text for b in badges(pictures.get_item("V1"))] == ["AI", "Approved"]
    assert badges(pictures.get_item("V4")) == []


@pytest.mark.parametrize("size", SIZES)
def test_an_empty_library_says_how_to_add_items(qtbot, library, tmp_path, size):
    window = _window(qtbot, library, tmp_path, size)
    hint = _named(window, QLabel, "List hint")
    assert "No items yet" in hint.text() and "Ctrl+I" in hint.text()
    assert hint.geometry().width() > 100
    library.create_item({"accession": "E1", "title": "First"})
    qtbot.keyClick(window, Qt.Key.Key_F5)  # View > Reload
    assert window.model.total == 1
    assert not hint.isVisible()


def test_a_thumbnail_or_an_edit_repaints_its_cell_without_laying_the_grid_out_again(
    qtbot, pictures, tmp_path
):
    """Data changing (a thumbnail arriving, an edit) repaints the cells it shows in; QListView
    would lay every listed row out again, seconds a time on a million rows (issue 16)."""
    window = _window(qtbot, pictures, tmp_path, SIZES[0])
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # View > Grid
    grid, model = window.grid, window.model
    first = model.index(0, 0)
    qtbot.waitUntil(lambda: model.data(first, Qt.ItemDataRole.DecorationRole) is not None)
    qtbot.wait(50)
    layouts, events = [], []
    lay_out, paint = type(grid).doItemsLayout, window.grid_delegate.paint
    grid.doItemsLayout = lambda: (layouts.append(1), lay_out(grid))
    window.grid_delegate.paint = lambda p, o, i: (
        events.append(("painted", i.row())),
        paint(p, o, i),
    )
    model.dataChanged.connect(lambda top, _bottom, _roles: events.append(("changed", top.row())))

    def repainted_after_change(row: int) -> bool:
        changed = ("changed", row)
        return changed in events and ("painted", row) in events[events.index(changed) :]

    QPixmapCache.clear()  # the thumbnails are loaded again, and arrive one by one
    grid.viewport().update()
    qtbot.waitUntil(lambda: repainted_after_change(0))  # the arrived picture is drawn

    row = model.row_of(pictures.get_item("V4").id)
    pictures.update_item("V4", {"title": "Renamed"})
    model.refresh_item(pictures.get_item("V4").id)
    qtbot.waitUntil(lambda: repainted_after_change(row))
    assert model.row_at(row).title == "Renamed"
    assert layouts == []


def test_the_grid_is_built_when_first_chosen_and_then_acts_as_if_built_with_the_window(
    qtbot, pictures, tmp_path
):
    """Most sessions stay in the table, so the grid, its delegate and its size slider are built
    when grid view is first chosen (issue 16: ~10 ms before the first paint). Once built it
    shows the table's current item, sits where it did in the keyboard order and the status bar,
    and offers the same context menu."""
    window = _window(qtbot, pictures, tmp_path, SIZES[0])
    grids = [v for v in window.findChildren(QWidget) if v.accessibleName() == "Items (grid)"]
    assert grids == [] and window.findChildren(QSlider) == []  # not built yet
    qtbot.waitUntil(lambda: window.current_item_id() is not None)
    current = window.current_item_id()
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # View > Grid
    grid = _named(window, QWidget, "Items (grid)")
    assert grid is window.grid and window.grid_action.isChecked()
    assert grid.selectionModel() is window.table.selectionModel()  # one selection, two views
    assert window.model.id_at(grid.currentIndex().row()) == current

    # Status bar: the item count, the slider, then the task panel (as they were built before).
    window.tasks.show()
    slider = _named(window, QSlider, "Thumbnail size")
    lefts = [w.mapTo(window, QPoint(0, 0)).x() for w in (window.count_label, slider, window.tasks)]
    assert lefts == sorted(lefts), lefts
    window.tasks.hide()

    # Tab goes from the grid to the inspector, as from the table.
    grid.setFocus()
    qtbot.waitUntil(grid.hasFocus)
    qtbot.keyClick(grid, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: window.inspector.isAncestorOf(QApplication.focusWidget()))

    # The same right-click menu as the table's.
    cell = grid.visualRect(grid.currentIndex()).center()
    texts = context_menu_texts(qtbot, window, grid, cell)
    assert "Copy fields" in texts and "Add to selected items…" in texts


def test_the_empty_hint_shows_over_a_grid_built_after_it(qtbot, library, tmp_path):
    window = _window(qtbot, library, tmp_path, SIZES[0])
    hint = _named(window, QLabel, "List hint")
    window.set_view_mode("grid")
    assert _named(window, QLabel, "List hint") is hint
    stacked = window.items_stack.children()
    assert stacked.index(hint) > stacked.index(window.grid)  # above the grid, not under it


def test_pictures_are_decoded_once_the_window_has_painted_then_shown(qtbot, pictures, tmp_path):
    """The first page's thumbnails are read and decoded on the pool after the window's first
    paint (issue 16: before, they competed with that paint for the cores), and then shown."""
    QPixmapCache.clear()  # none kept from an earlier test (the cache is the process's)
    window = MainWindow(pictures, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    model, first = window.model, window.model.index(0, 0)
    assert model.data(first, Qt.ItemDataRole.DecorationRole) is None  # asked for, not loaded
    with qtbot.assertNotEmitted(window.thumbnails.ready, wait=300):
        pass  # held: not painted yet
    with qtbot.waitSignal(window.thumbnails.ready, timeout=10_000):
        window.show()
    qtbot.waitUntil(lambda: model.data(first, Qt.ItemDataRole.DecorationRole) is not None)
    icon = model.data(first, Qt.ItemDataRole.DecorationRole)
    assert not icon.pixmap(40, 40).isNull()
