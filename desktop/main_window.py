"""The main window: views in a sidebar, the items as a table or a grid, an inspector, and long
work (import, export, labels) in the status bar with progress and cancel."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.bulk_edit import BulkEdit
from desktop.filter_bar import FilterBar, SearchField
from desktop.history_text import fields_read_words
from desktop.inspector.tabs import TAB_SPECS, tab_class
from desktop.item_model import COLUMNS, ItemListModel, ThumbnailCache
from desktop.libraries import LibrarySession, install_library_menu, library_name
from desktop.list_hint import install_list_hint
from desktop.tagging import Tagging
from desktop.team import install_team_menu, window_title
from desktop.undo import UndoController
from desktop.workers import Worker, start
from provenance import CredenceError, ItemView, Library, NotFound, SearchFilters

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSlider

    from desktop.inspector.base import InspectorTab
    from desktop.item_grid import ItemGrid, ItemGridDelegate

#: The sidebar's built-in views: (label, filters). Saved searches refer to these by position,
#: so new views go at the end.
VIEWS: tuple[tuple[str, SearchFilters], ...] = (
    ("All items", SearchFilters()),
    ("AI involved", SearchFilters(has_ai=True)),
    ("Needs review", SearchFilters(review_state="draft")),
    ("Not yet exported", SearchFilters(not_exported=True)),
    ("Credential problems", SearchFilters(credential_state="invalid")),
    ("Needs re-export", SearchFilters(stale=True)),
)

#: Default widths of the table's columns (the last one takes what is left): every column is in
#: view at 1600 px and reachable by scrolling (or Left/Right) at 1024 px.
COLUMN_WIDTHS = (200, 120, 80, 100, 90, 110)

#: A focus outline a person can see on every widget that takes the keyboard (Qt's own is a
#: thin dotted or pale line in most styles).
FOCUS_STYLE = """
QAbstractItemView:focus, QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus,
QComboBox:focus, QAbstractSpinBox:focus {
    border: 2px solid palette(highlight);
}
QPushButton:focus, QToolButton:focus, QCheckBox:focus, QRadioButton:focus {
    outline: 2px solid palette(highlight);
}
"""


class TaskPanel(QWidget):
    """Progress and Cancel for the running task, in the status bar. One task at a time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setAccessibleName("Task progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the running task")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.worker: Worker | None = None
        self.cancel_button.clicked.connect(self._cancel)
        self.hide()

    @property
    def busy(self) -> bool:
        return self.worker is not None and not self.worker.done

    def run(self, worker: Worker) -> None:
        """Show and start `worker`; its finished signal hides the panel again."""
        self.worker = worker
        self.label.setText(worker.title + "…")
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        worker.signals.progressed.connect(self._progressed)
        # The task ends with its outcome: the worker thread's own `finished` comes a moment
        # later, and a person who closes the window or starts the next task in between must
        # not be told that a task is still running.
        for outcome in (worker.signals.succeeded, worker.signals.cancelled, worker.signals.failed):
            outcome.connect(lambda *_, ended=worker: self._ended(ended))
        worker.signals.finished.connect(lambda ended=worker: self._ended(ended))
        self.show()
        start(worker)

    def _progressed(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.label.setText(f"{self.worker.title if self.worker else ''}: {message}")

    def _cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling after the current file…")

    def _ended(self, worker: Worker) -> None:
        if self.worker is worker:  # not a newer task started since
            self.worker = None
            self.hide()


class MainWindow(QMainWindow):
    """Browse, tag, disclose, review, export and print from one window."""

    #: An inspector tab edited this item (whoever refreshes after edits listens here: the
    #: tabs themselves are built only when first shown).
    item_edited = Signal(int)

    def __init__(
        self,
        library: Library,
        settings: QSettings | None = None,
        session: LibrarySession | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.settings = settings or QSettings("Credence", "Credence")
        if session is None:  # a window built on its own (tests, benchmarks) still switches
            session = LibrarySession(self.settings)
            session.adopt(self)
        self.session = session
        self.setWindowTitle(window_title(library, library_name(library.folder)))
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.undo = UndoController(library, self)
        self.undo.changed.connect(self._after_undo)
        self.undo.failed.connect(lambda text: QMessageBox.warning(self, "Credence", text))
        self.thumbnails = ThumbnailCache(library.thumbnails_dir, self)
        self.thumbnails.hold()  # until the first paint (see paintEvent)
        self.model = ItemListModel(library, self.thumbnails, self)
        self.tasks = TaskPanel(self)
        self._build_views()
        self._build_actions()
        install_list_hint(self)
        self.tagging = Tagging(self)  # sidebar tags, Tag selected items…, Vocabulary menu
        # Tab goes list -> inspector -> sidebar (-> search field), as the eye reads the window.
        QWidget.setTabOrder(self.search, self.table)
        QWidget.setTabOrder(self.table, self.inspector)
        self.statusBar().addPermanentWidget(self.tasks)
        self.count_label = QLabel()
        self.statusBar().addWidget(self.count_label)
        self.model.modelReset.connect(self._update_count)
        self.model.total_changed.connect(self._update_count)
        self._update_count()
        self._restore_layout()
        # The inspector opens on the first item, so it is never blank: just after the window's
        # first paint (reading the whole item and filling every tab would delay that paint).
        self._painted = False
        self.items_stack.currentWidget().setFocus()  # the keyboard starts in the list

    # -- layout ---------------------------------------------------------------------------------

    def _build_views(self) -> None:
        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName("Views")
        for label, filters in VIEWS:
            entry = QListWidgetItem(label)
            entry.setData(Qt.ItemDataRole.UserRole, filters)
            self.sidebar.addItem(entry)
        self._add_saved_searches()
        self.sidebar.setCurrentRow(0)
        self.sidebar.currentRowChanged.connect(self._view_changed)

        self.search = SearchField()
        self.search.setPlaceholderText("Search titles, makers, accession numbers… (Ctrl+F)")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(160)
        self.search.setMaximumWidth(360)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self._apply_query)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.search.escaped.connect(lambda: self.items_stack.currentWidget().setFocus())
        # The filter bar is built when first shown or used (see `filter_bar`).
        self._filter_bar: FilterBar | None = None

        self.table = QTableView()
        self.table.setAccessibleName("Items (table)")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setIconSize(QSize(40, 40))
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.table.verticalHeader().hide()
        # Tab leaves the list for the inspector instead of walking cell by cell.
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(48)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        # Sorting happens in the database (ItemListModel.sort); a third click on a header
        # goes back to catalog order (or best match first while searching).
        header.setSortIndicatorShown(True)
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # The grid view is built when grid view is first chosen (see `grid`).
        self._grid: ItemGrid | None = None
        # End goes to the list's last item: the views only know the rows listed so far.
        self.table.installEventFilter(self)

        self.items_stack = QStackedWidget()
        self.items_stack.addWidget(self.table)
        centre = QWidget()
        self._centre_layout = layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.items_stack)  # the filter bar goes above it

        self.inspector = QTabWidget()
        self.inspector.setAccessibleName("Inspector")
        # Only the tab in view is built before the first paint: the others hold most of the
        # window's widgets, and each is built when first shown (or when `tabs` is asked for),
        # showing the item the inspector shows.
        self._tabs: list[InspectorTab | None] = [None] * len(TAB_SPECS)
        self._inspected: ItemView | None = None
        self._swapping_tab = False
        for title, _module, _name in TAB_SPECS:
            self.inspector.addTab(QWidget(), title)
        self.item_edited.connect(self._item_changed)
        self.inspector.currentChanged.connect(self._tab_shown)
        self._built_tab(self.inspector.currentIndex())

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([170, 700, 520])
        self.setCentralWidget(self.splitter)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show(cur))
        # The selection follows the list: when a search, filter or sort changes it, the
        # current item stays current if it is still listed, else the first one is shown.
        self._kept_item: int | None = None
        # On a long list the kept item may be found only once the list's ids are read: the
        # item to go back to then, and the one shown meanwhile (see _restore_current).
        self._awaited: tuple[int, int | None] | None = None
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.modelReset.connect(self._restore_current)
        self.model.ids_read.connect(self._restore_awaited)
        # Rows that moved (see ItemListModel._adopt) take the selection along; an item no
        # longer listed leaves nothing current, and the inspector shows nothing either.
        self.model.layoutChanged.connect(self._current_gone)
        self.setStyleSheet(FOCUS_STYLE)
        self.table.doubleClicked.connect(self.view_image)

    def _build_actions(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.toolbar = toolbar
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        edit_menu = menu.addMenu("&Edit")
        view_menu = menu.addMenu("&View")
        self.view_menu = view_menu
        library_menu = menu.addMenu("&Library")

        def action(text, slot, shortcut=None, menu=None, tool=False) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            (menu or file_menu).addAction(act)
            if tool:
                toolbar.addAction(act)
            return act

        self.import_action = action("&Import files…", self.import_files, "Ctrl+I", tool=True)
        action("Import &folder…", self.import_folder, "Ctrl+Shift+I")
        action("Import &catalog (CSV/JSON)…", self.import_catalog)
        file_menu.addSeparator()
        self.export_action = action("&Export signed files…", self.export, "Ctrl+E", tool=True)
        self.print_action = action("&Print labels…", self.print_labels, "Ctrl+P", tool=True)
        self.identify_action = action("I&dentify a file…", self.identify_files, "Ctrl+Shift+D")
        self.identify_action.setToolTip(
            "Which of our exports a file without credentials was made from (or Shift+drop it)"
        )
        file_menu.addSeparator()
        action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        install_library_menu(self, file_menu)

        self.undo_action = self.undo.stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo.stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self.batch_action = action(
            "Add to &selected items…", self.batch_edit, "Ctrl+B", menu=edit_menu
        )
        self.delete_action = action(
            "&Delete item…", self.delete_selected, QKeySequence.StandardKey.Delete, edit_menu
        )
        self.bulk_edit = BulkEdit(self, edit_menu, before=self.delete_action)
        self.find_action = action("&Find", self.focus_search, "Ctrl+F", edit_menu)
        self.filters_action = action(
            "&Filters", self.show_filters, "Ctrl+Shift+F", edit_menu, tool=True
        )
        self.filters_action.setCheckable(True)
        self.filters_action.setToolTip("Filter by maker, date, AI, review, credentials, export")
        action("Sa&ve search…", lambda: self.save_search(), "Ctrl+Shift+S", edit_menu)
        action("Delete saved searc&h", self.delete_saved_search, menu=edit_menu)

        self.table_action = action("&Table", self._show_table, "Ctrl+1", view_menu)
        self.grid_action = action("&Grid", self._show_grid, "Ctrl+2", view_menu)
        for act in (self.grid_action, self.table_action):
            act.setCheckable(True)
        self.table_action.setChecked(True)
        action("&Reload", self.model.reload, QKeySequence.StandardKey.Refresh, view_menu)
        view_menu.addSeparator()
        self.view_image_action = action("&View image", self.view_image, "Space", view_menu)
        self.compare_action = action("&Compare two items", self.compare_selected, "C", view_menu)
        for act in (self.view_image_action, self.compare_action):
            # Single keys act only in the item list: Space still types in fields and presses
            # buttons elsewhere.
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.items_stack.addAction(act)
        view_menu.addSeparator()
        for text, keys, direction in (
            ("&Larger thumbnails", ("Ctrl+=", "Ctrl++"), 1),
            ("S&maller thumbnails", ("Ctrl+-",), -1),
        ):
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.triggered.connect(lambda _=False, d=direction: self._step_thumbnails(d))
            view_menu.addAction(act)

        action("AI &tools…", self.ai_tools, menu=library_menu)
        action("Signing &identity…", self.identity, menu=library_menu)
        action("&Verify history", self.verify_history, menu=library_menu)
        library_menu.addSeparator()
        action(
            "&Preferences…", self.preferences, QKeySequence.StandardKey.Preferences, library_menu
        )
        install_team_menu(self, file_menu, library_menu)  # check out/in, conflicts, roots

        # The search field lives at the right end of the toolbar, always in view.
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search)

    # -- state ----------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:  # first start: as large as is comfortable on this screen, never larger
            screen = self.screen() or QApplication.primaryScreen()
            free = screen.availableGeometry() if screen is not None else None
            if free is None:
                self.resize(1280, 800)
            else:
                self.resize(min(1440, free.width() - 16), min(900, free.height() - 40))
        self._fit_to_screen()
        state = self.settings.value("window/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        else:  # the inspector gets about two fifths (all its tabs in view at 1024 px)
            width = self.width()
            inspector = max(self.inspector.tabBar().sizeHint().width() + 8, width * 2 // 5)
            self.splitter.setSizes([140, max(300, width - 140 - inspector), inspector])
        columns = self.settings.value("window/columns")
        if isinstance(columns, QByteArray):
            self.table.horizontalHeader().restoreState(columns)
        self.set_view_mode(str(self.settings.value("window/view", "table")))

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        # The window manager's frame is known only once shown: fit again with it counted.
        QTimer.singleShot(0, self._fit_to_screen)

    def eventFilter(self, watched, event) -> bool:  # Qt override
        if (
            watched in (self.table, self._grid)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_End
        ):
            self.model.list_all()
        return super().eventFilter(watched, event)

    def paintEvent(self, event) -> None:  # Qt override
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        self.thumbnails.release()  # the pictures the first paint asked for
        self._open_on_first_item()
        self.tagging.refresh_soon()  # the sidebar's tag counts

    def closeEvent(self, event) -> None:  # Qt override
        if self.tasks.busy:
            answer = QMessageBox.question(
                self, "Credence", "A task is still running. Cancel it and quit?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.tasks.worker.cancel()
        # A pending refresh (search, sidebar counts) must not read a library that is closed
        # next, or whose team database is gone, after the window has.
        for timer in self.findChildren(QTimer):
            timer.stop()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/columns", self.table.horizontalHeader().saveState())
        self.settings.setValue("window/view", "grid" if self._in_grid() else "table")
        super().closeEvent(event)

    def _fit_to_screen(self) -> None:
        """Never larger than the screen's free area (a 1024x700 laptop, a remembered size from
        a bigger monitor), and never starting off screen."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        width = min(self.width(), free.width() - frame.width())
        height = min(self.height(), free.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not free.intersects(self.frameGeometry()) or not free.contains(self.frameGeometry()):
            self.move(
                max(free.left(), min(self.x(), free.right() - self.frameGeometry().width())),
                max(free.top(), min(self.y(), free.bottom() - self.frameGeometry().height())),
            )

    def _column_menu(self, position) -> None:
        """Right-click on the header: show or hide columns (the first always stays)."""
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for column in range(1, len(COLUMNS)):
            toggle = menu.addAction(COLUMNS[column])
            toggle.setCheckable(True)
            toggle.setChecked(not header.isSectionHidden(column))
            toggle.toggled.connect(lambda on, c=column: header.setSectionHidden(c, not on))
        menu.exec(header.mapToGlobal(position))

    def _show_table(self) -> None:
        self.set_view_mode("table")

    def _show_grid(self) -> None:
        self.set_view_mode("grid")

    def set_view_mode(self, mode: str) -> None:
        grid = mode == "grid"
        self.items_stack.setCurrentWidget(self.grid if grid else self.table)
        self.grid_action.setChecked(grid)
        self.table_action.setChecked(not grid)

    def _in_grid(self) -> bool:
        return self._grid is not None and self.items_stack.currentWidget() is self._grid

    @property
    def grid(self) -> ItemGrid:
        """The items as a grid of pictures (same model and selection as the table), built when
        first asked for: most sessions stay in the table, and the grid with its delegate and
        size slider cost ~10 ms before the first paint."""
        if self._grid is None:
            from desktop.item_grid import install_grid

            grid = self._grid = install_grid(self)
            grid.installEventFilter(self)  # End, as in the table
            grid.doubleClicked.connect(self.view_image)
            self.bulk_edit.watch(grid)
            QWidget.setTabOrder(self.table, grid)  # Tab: list -> inspector, as from the table
            # A view's own reset on modelReset clears the selection model, which the grid
            # shares with the table: the window must put its current item back after that,
            # as when the grid was built before the window connected to the model.
            self.model.modelReset.disconnect(self._restore_current)
            self.model.modelReset.connect(self._restore_current)
        return self._grid

    @staticmethod
    def _tab_before(anchor: QWidget, widgets: Iterable[QWidget]) -> None:
        """Put `widgets`, in order, just before `anchor` in the Tab order, where they were when
        built with the window (a widget built later comes last)."""
        previous = anchor.previousInFocusChain()
        while not previous.focusPolicy() & Qt.FocusPolicy.TabFocus:  # setTabOrder skips those
            previous = previous.previousInFocusChain()
        for widget in widgets:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    @property
    def grid_delegate(self) -> ItemGridDelegate:
        """What draws the grid's cells (the grid is built if it was not)."""
        return self.grid.itemDelegate()

    @property
    def thumbnail_slider(self) -> QSlider:
        """The grid's thumbnail size slider in the status bar (the grid is built if it was not)."""
        return self.grid.size_slider

    def _step_thumbnails(self, direction: int) -> None:
        """View > Larger / Smaller thumbnails: step the grid's size slider (in grid view)."""
        from desktop.item_grid import SIDE_STEP

        if not self._in_grid():
            self.set_view_mode("grid")
        self.thumbnail_slider.setValue(self.thumbnail_slider.value() + direction * SIDE_STEP)

    def view_image(self, index=None) -> None:
        """Open the current (or double-clicked) item large in the viewer."""
        from desktop.viewer import open_viewer

        if not isinstance(index, QModelIndex) or not index.isValid():
            index = self.table.selectionModel().currentIndex()
        if index.isValid():
            open_viewer(self, index.row())

    def compare_selected(self) -> None:
        """Show the two selected items side by side."""
        from desktop.viewer import open_compare

        open_compare(self)

    # -- saved searches ------------------------------------------------------------------------

    def _saved_searches(self) -> list[dict]:
        stored = self.settings.value("searches/saved", "[]")
        try:
            return [s for s in json.loads(str(stored)) if isinstance(s, dict) and s.get("name")]
        except ValueError:
            return []

    def _add_saved_searches(self) -> None:
        saved_searches = self._saved_searches()
        if saved_searches:
            heading = QListWidgetItem("Saved searches")
            heading.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading: not a view to choose
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            heading.setToolTip("Save the current search and filters with Ctrl+Shift+S")
            self.sidebar.addItem(heading)
        for saved in saved_searches:
            view = saved.get("view", 0)
            view = view if isinstance(view, int) and 0 <= view < len(VIEWS) else 0
            entry = QListWidgetItem(f"🔎 {saved['name']}")
            entry.setData(Qt.ItemDataRole.UserRole, VIEWS[view][1])
            entry.setData(Qt.ItemDataRole.UserRole + 1, saved.get("text", ""))
            filters = saved.get("filters")
            filters = filters if isinstance(filters, dict) else {}
            entry.setData(Qt.ItemDataRole.UserRole + 2, filters)
            entry.setToolTip(f"Saved search: {saved.get('text', '') or 'no words'}")
            self.sidebar.addItem(entry)

    def save_search(self, name: str | None = None) -> None:
        """Keep the current search and view as a sidebar entry."""
        text = self.search.text().strip()
        if name is None:
            name, accepted = QInputDialog.getText(self, "Save search", "Name of this search:")
            if not accepted:
                return
        name = (name or "").strip()
        if not name:
            return
        row = self.sidebar.currentRow()
        view = row if 0 <= row < len(VIEWS) else 0
        saved = [s for s in self._saved_searches() if s["name"] != name]
        saved.append({"name": name, "text": text, "view": view, "filters": self.filter_bar.state()})
        self.settings.setValue("searches/saved", json.dumps(saved))
        while self.sidebar.count() > len(VIEWS):
            self.sidebar.takeItem(len(VIEWS))
        self._add_saved_searches()

    def delete_saved_search(self) -> None:
        row = self.sidebar.currentRow()
        if row < len(VIEWS):
            return
        name = self.sidebar.item(row).text().removeprefix("🔎 ")
        saved = [s for s in self._saved_searches() if s["name"] != name]
        self.settings.setValue("searches/saved", json.dumps(saved))
        self.sidebar.setCurrentRow(0)
        while self.sidebar.count() > len(VIEWS):  # the heading goes with the last one
            self.sidebar.takeItem(len(VIEWS))
        self._add_saved_searches()

    def _view_changed(self, _row: int) -> None:
        entry = self.sidebar.currentItem()
        saved_text = entry.data(Qt.ItemDataRole.UserRole + 1) if entry else None
        if saved_text is not None:  # a saved search brings its words and filters back
            self.search.blockSignals(True)
            self.search.setText(saved_text)
            self.search.blockSignals(False)
            filters = entry.data(Qt.ItemDataRole.UserRole + 2) or {}
            self.filter_bar.restore(filters)  # applies the query
            if self.filter_bar.active():
                self.show_filters(True)
            return
        self._apply_query()

    def _apply_query(self) -> None:
        self._search_timer.stop()
        entry = self.sidebar.currentItem()
        filters = entry.data(Qt.ItemDataRole.UserRole) if entry else None
        bar = self._filter_bar
        filters = filters or SearchFilters()
        if bar is not None:  # none built: no filter set
            filters = bar.apply_to(filters)
        if getattr(self, "tagging", None) is not None and self.tagging.term is not None:
            filters = replace(filters, tag=self.tagging.term)  # a tag chosen in the sidebar
        try:
            self.model.set_query(self.search.text().strip() or None, filters)
        except CredenceError as exc:  # an impossible date: say so beside the filters
            self.filter_bar.show_problem(f"Not filtered: {exc}")
            self.show_filters(True)
            return
        if bar is not None:
            bar.show_problem(None)

    def _search_now(self) -> None:
        self._apply_query()

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search field, its words selected to type over."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def show_filters(self, shown: bool = True) -> None:
        """Show or hide the filter bar; hiding it keeps the filters (the button stays lit)."""
        self.filter_bar.setVisible(bool(shown))
        self.filters_action.setChecked(bool(shown) or self.filter_bar.active())
        if shown:
            self.filter_bar.maker.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @property
    def filter_bar(self) -> FilterBar:
        """The filters above the list (hidden until Filters is chosen), built when first shown
        or used: most sessions never open it, and it cost ~3 ms before the first paint."""
        if self._filter_bar is None:
            bar = self._filter_bar = FilterBar()
            bar.hide()
            bar.changed.connect(self._apply_query)
            bar.changed.connect(self._filters_changed)
            self._centre_layout.insertWidget(0, bar)
            self._tab_before(self.search, bar.fields())
        return self._filter_bar

    def _filters_changed(self) -> None:
        self.filters_action.setChecked(self.filter_bar.isVisible() or self.filter_bar.active())

    def current_item_id(self) -> int | None:
        """The item the inspector shows (None: none)."""
        index = self.table.selectionModel().currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def _open_on_first_item(self) -> None:
        if self.model.rowCount() and not self.table.selectionModel().currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _remember_current(self) -> None:
        current = self.current_item_id()
        awaited, self._awaited = self._awaited, None
        if awaited is not None and current == awaited[1]:
            current = awaited[0]  # still on the stand-in: the item awaited is the one to keep
        self._kept_item = current

    def _restore_current(self) -> None:
        kept = self._kept_item
        # On a long list, only if among the rows read: a million ids take seconds to read on
        # this thread. They are read on the pool thread; _restore_awaited goes back to the
        # item when they arrive, unless the person has moved on meanwhile.
        row = self.model.row_of(kept, at_once=True) if kept is not None else None
        awaited = None
        # The ids are read only if the item is listed at all (asked of that one item).
        if (
            row is None
            and kept is not None
            and not self.model.paged_by_id
            and self.model.lists(kept)
        ):
            awaited = kept
        if row is None and self.model.rowCount():
            row = 0
        if row is None:  # nothing listed: the inspector shows nothing either
            self._show(self.model.index(-1, -1))
            return
        self._make_current(row)
        if awaited is not None:
            self._awaited = (awaited, self.current_item_id())
            self.model.read_ids_soon()

    def _restore_awaited(self) -> None:
        awaited, self._awaited = self._awaited, None
        if awaited is None or self.current_item_id() != awaited[1]:
            return  # nothing awaited, or the person chose another item meanwhile
        row = self.model.row_of(awaited[0])
        if row is not None:
            self._make_current(row)

    def _make_current(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _update_count(self) -> None:
        model = self.model
        total = model.total
        if model.counting:  # a long list: its first rows are shown, its count is on its way
            self.count_label.setText(f"More than {total - 1:,} items (counting…)")
            return
        text = f"{total:,} item" if total == 1 else f"{total:,} items"
        # Say when a search is not listed best match first (the model's rule, per reload).
        searched = total and model.search and model.sorting is None
        if searched and not model.ranked:
            text += " (in the order added: too many matches to rank)"
        self.count_label.setText(text)

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [i for i in map(self.model.id_at, rows) if i is not None]

    @property
    def tabs(self) -> list[InspectorTab]:
        """The inspector's tabs, in order (those not shown yet are built now)."""
        return [self._built_tab(i) for i in range(len(self._tabs))]

    def _tab_shown(self, index: int) -> None:
        if not self._swapping_tab and index >= 0:
            self._built_tab(index)

    def _built_tab(self, index: int) -> InspectorTab:
        """The tab at `index`, built in place of its placeholder page if it was not."""
        tab = self._tabs[index]
        if tab is not None:
            return tab
        tab = tab_class(index)(self.library, self.undo, self)
        tab.item_changed.connect(self.item_edited)
        self._tabs[index] = tab
        current = self.inspector.currentIndex()
        placeholder = self.inspector.widget(index)
        self._swapping_tab = True  # removing the current page makes another one current
        try:
            self.inspector.removeTab(index)
            self.inspector.insertTab(index, tab, TAB_SPECS[index][0])
            self.inspector.setCurrentIndex(current)
        finally:
            self._swapping_tab = False
        placeholder.deleteLater()
        tab.show_item(self._inspected)
        return tab

    def _show(self, index) -> None:
        item_id = self.model.id_at(index.row()) if index.isValid() else None
        view = None
        if item_id is not None:
            try:
                view = self.library.get_item(item_id)
            except NotFound:  # a blank row: deleted elsewhere (by a colleague, say)
                keys = QKeySequence(QKeySequence.StandardKey.Refresh).toString(
                    QKeySequence.SequenceFormat.NativeText
                )
                self.statusBar().showMessage(
                    f"This item was deleted elsewhere; Reload ({keys}) to refresh the list.",
                    15000,
                )
        self._inspected = view
        for tab in self._tabs:
            if tab is not None:
                tab.show_item(view)

    def _current_gone(self) -> None:
        if not self.table.selectionModel().currentIndex().isValid():
            self._show(self.model.index(-1, -1))

    def _item_changed(self, item_id: int) -> None:
        if self.model.filters.stale:
            # An edit can make an export stale or current again: the list itself changes.
            self._reload_keeping(item_id)
            return
        self.model.refresh_item(item_id)
        current = self.table.selectionModel().currentIndex()
        self._show(current)

    def _reload_keeping(self, item_id: int) -> None:
        """Reload the list; the item stays current if it is still listed."""
        self.model.reload()
        row = self.model.row_of(item_id)
        if row is None and self.model.rowCount():
            row = 0
        if row is None:
            self._show(self.model.index(-1, -1))
        else:  # the selection's currentRowChanged shows it in the inspector
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _after_undo(self, item_id: Any) -> None:
        if isinstance(item_id, int):
            self._item_changed(item_id)
        else:
            self.model.reload()

    # -- long work ------------------------------------------------------------------------------

    def run_task(self, worker: Worker) -> None:
        """Start a worker with progress and Cancel in the status bar (the dialogs' runner)."""
        if self.tasks.busy:
            QMessageBox.information(self, "Credence", "Another task is running; wait for it.")
            return
        worker.signals.failed.connect(lambda text: QMessageBox.warning(self, "Credence", text))
        worker.signals.finished.connect(self.model.reload)
        self.tasks.run(worker)

    def _import_paths(self, paths: list[str]) -> None:
        library = self.library

        def work(progress, cancel):
            return library.import_files(paths, progress=progress, cancel=cancel)

        worker = Worker("Importing", work)
        worker.signals.succeeded.connect(self._import_done)
        worker.signals.cancelled.connect(self._import_done)
        self.run_task(worker)

    def _import_done(self, report) -> None:
        if report is None:
            return
        message = (
            f"{len(report.imported)} imported, {len(report.duplicates)} already in the library, "
            f"{len(report.rejected)} not imported; {fields_read_words(report)}"
        )
        self.statusBar().showMessage(message, 10000)
        if report.rejected:
            details = "\n".join(f"{Path(r.file).name}: {r.reason}" for r in report.rejected[:30])
            QMessageBox.information(self, "Import", f"{message}.\n\n{details}")

    def import_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import images")
        if files:
            self._import_paths(files)

    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of images")
        if folder:
            self._import_paths([folder])

    def dragEnterEvent(self, event) -> None:  # Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # Qt override
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.identify_files(paths)  # Shift+drop: identify, do not import
            else:
                self._import_paths(paths)

    def identify_files(self, paths: list[str] | None = None) -> None:
        """File > Identify a file…: which exports a file was made from (by soft binding)."""
        from desktop.dialogs.identify_dialog import IdentifyDialog

        dialog = IdentifyDialog(self.library, self.run_task, self)
        self.identify_dialog = dialog  # tests and a second drop find the open dialog
        if paths:
            dialog.identify(paths)
        dialog.exec()

    # -- dialogs (built in desktop/dialogs) ----------------------------------------------------

    def _open(self, factory: Callable[[], Any]) -> None:
        try:
            dialog = factory()
        except CredenceError as exc:
            QMessageBox.warning(self, "Credence", str(exc))
            return
        dialog.exec()
        self.model.reload()

    def import_catalog(self) -> None:
        from desktop.dialogs.import_dialog import CatalogImportDialog

        self._open(lambda: CatalogImportDialog(self.library, self.run_task, self))

    def export(self) -> None:
        from desktop.dialogs.export_dialog import ExportDialog

        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "Export", "Select the items to export first.")
            return
        self._open(lambda: ExportDialog(self.library, ids, self.run_task, self))

    def print_labels(self) -> None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "Print labels", "Select the items to label first.")
            return
        from desktop.dialogs.labels_dialog import LabelsDialog

        self._open(lambda: LabelsDialog(self.library, ids, self.run_task, self))

    def batch_edit(self) -> None:
        from desktop.dialogs.batch_dialog import BatchDialog

        ids = self.selected_ids()
        if ids:
            self._open(lambda: BatchDialog(self.library, self.undo, ids, self))

    def ai_tools(self) -> None:
        from desktop.dialogs.tools_dialog import AiToolsDialog

        self._open(lambda: AiToolsDialog(self.library, self))

    def identity(self) -> None:
        from desktop.dialogs.identity_dialog import IdentityWizard

        self._open(lambda: IdentityWizard(self.library, self))

    def preferences(self) -> None:
        from desktop.dialogs.preferences_dialog import PreferencesDialog

        self._open(lambda: PreferencesDialog(self.library, self))

    def verify_history(self) -> None:
        library = self.library
        worker = Worker(
            "Verifying history",
            lambda progress, cancel: library.verify_history(progress=progress, cancel=cancel),
        )

        def done(result) -> None:
            if result.ok:
                QMessageBox.information(
                    self, "History", f"The history is intact: {result.checked:,} entries checked."
                )
            elif result.damaged:
                QMessageBox.warning(self, "History", f"The library is damaged: {result.reason}")
            else:
                QMessageBox.warning(
                    self,
                    "History",
                    f"The history is broken at entry {result.first_broken}: {result.reason}",
                )

        worker.signals.succeeded.connect(done)
        self.run_task(worker)

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        labels = [self.model.row_at(self.model.row_of(i)).label for i in ids[:5]]
        more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        answer = QMessageBox.question(
            self,
            "Delete",
            f"Delete {', '.join(labels)}{more} from the library?\n\nTheir image files are not "
            "touched. The history keeps a record of what was deleted. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,  # a step that cannot be undone is never the default
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            for item_id in ids:
                self.library.delete_item(item_id)
        except CredenceError as exc:
            QMessageBox.warning(self, "Credence", str(exc))
        self.model.reload()
