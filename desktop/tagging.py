"""Tagging in the window: the sidebar's Keywords and Subjects with counts, Tag selected items…
(Ctrl+T), and the Vocabulary menu (Import vocabulary…, Browse vocabularies… Ctrl+Shift+B).

Clicking a keyword or subject in the sidebar (or Enter on it) filters the list as
`credence items --tag` does: a subject also finds the items tagged with its narrower
concepts. Clicking the heading again, or Escape in the tag list, shows every item again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMessageBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.workers import Worker
from provenance import CredenceError

if TYPE_CHECKING:  # annotations only: the report classes load when a vocabulary is imported
    from desktop.main_window import MainWindow
    from provenance import TagCount, VocabularyImportReport

#: How many keywords and subjects the sidebar lists (most used first).
SIDEBAR_TAGS = 50
#: What a sidebar row filters by (the `--tag` term: a keyword, or a concept URI).
TERM_ROLE = Qt.ItemDataRole.UserRole
VOCABULARY_FILES = (
    "SKOS vocabularies (*.ttl *.rdf *.xml *.owl *.nt *.n3 *.jsonld *.json *.trig);;All files (*)"
)


class TagPanel(QTreeWidget):
    """The sidebar's tags: Keywords and Subjects, each with the items that have them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setAccessibleName("Tags")
        self.setAccessibleDescription(
            "Keywords and subjects with how many items have each; Enter or a click filters "
            "the list, Escape shows every item again"
        )
        self.keywords = QTreeWidgetItem(["Keywords", ""])
        self.subjects = QTreeWidgetItem(["Subjects", ""])
        for heading in (self.keywords, self.subjects):
            font = heading.font(0)
            font.setBold(True)
            heading.setFont(0, font)
            self.addTopLevelItem(heading)
            heading.setExpanded(True)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, self.header().ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, self.header().ResizeMode.ResizeToContents)
        self.cleared = None  # set by the owner: called on Escape

    def fill(self, keywords: list[TagCount], subjects: list[TagCount], term: str | None) -> None:
        """Show these counts; the row of `term` (the active filter) stays current."""
        self.blockSignals(True)
        try:
            for heading, tags, empty in (
                (self.keywords, keywords, "no keywords yet"),
                (self.subjects, subjects, "no subjects yet"),
            ):
                heading.takeChildren()
                for tag in tags:
                    row = QTreeWidgetItem([tag.text, f"{tag.count:,}"])
                    row.setData(0, TERM_ROLE, tag.term)
                    row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
                    row.setToolTip(
                        0,
                        f"{tag.text}: keyword on {tag.count:,} items"
                        if tag.kind == "keyword"
                        else f"{tag.text} ({tag.scheme}): subject of {tag.count:,} items; "
                        "narrower concepts are found too",
                    )
                    heading.addChild(row)
                    if term is not None and tag.term == term:
                        self.setCurrentItem(row)
                if not tags:
                    placeholder = QTreeWidgetItem([empty, ""])
                    placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
                    heading.addChild(placeholder)
                    # The count column is empty here: the words take the whole row, so a
                    # narrow sidebar (1024x700) shows them whole.
                    placeholder.setFirstColumnSpanned(True)
        finally:
            self.blockSignals(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() == Qt.Key.Key_Escape and self.cleared is not None:
            self.cleared()
            return
        super().keyPressEvent(event)


class Tagging:
    """The window's tagging actions, sidebar tags and vocabulary browser (one per window)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.library = window.library
        self.browser = None
        #: The tag the list is filtered by (a keyword or concept URI), and its label.
        self.term: str | None = None
        self.term_label = ""

        # The sidebar: the views on top, the tags below, the border between them movable.
        self.panel = TagPanel()
        self.panel.itemClicked.connect(lambda row, _col: self._choose(row))
        self.panel.itemActivated.connect(lambda row, _col: self._choose(row))
        self.panel.cleared = self.clear_filter
        self.filter_label = QLabel()
        self.filter_label.setWordWrap(True)
        self.filter_label.setAccessibleName("Tag filter")
        self.filter_label.hide()
        tags_box = QWidget()
        box = QVBoxLayout(tags_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.filter_label)
        box.addWidget(self.panel, 1)
        self.sidebar_split = QSplitter(Qt.Orientation.Vertical)
        self.sidebar_split.setChildrenCollapsible(False)
        sizes = window.splitter.sizes()
        window.splitter.replaceWidget(0, self.sidebar_split)
        self.sidebar_split.addWidget(window.sidebar)
        self.sidebar_split.addWidget(tags_box)
        self.sidebar_split.setSizes([200, 300])
        window.splitter.setSizes(sizes)
        QWidget.setTabOrder(window.sidebar, self.panel)

        self._timer = QTimer(window, singleShot=True, interval=150)
        self._timer.timeout.connect(self.refresh)
        window.model.modelReset.connect(self._timer.start)
        window.undo.changed.connect(lambda _id: self._timer.start())
        window.item_edited.connect(lambda _id: self._timer.start())

        self._build_actions()
        # The counts come a moment after the window is painted, never before it: the window
        # asks for them (refresh_soon) once its first paint is done. Counting from here, a
        # slow start (a loaded machine) read them, and loaded the ORM models, before it.

    def _build_actions(self) -> None:
        window = self.window
        edit_menu = window.menuBar().actions()[1].menu()  # File, Edit, View, Library

        def make(text: str, slot, shortcut: str | None, name: str) -> QAction:
            act = QAction(text, window)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setObjectName(name)
            act.triggered.connect(slot)
            return act

        self.tag_action = make("&Tag selected items…", self.tag_selection, "Ctrl+T", "tagItems")
        edit_menu.insertAction(window.batch_action, self.tag_action)
        # A submenu of Library: every letter of "Vocabulary" is an Alt+letter of a field on
        # the inspector tabs, and a clashing Alt+letter does nothing (tests/desktop/test_mnemonics).
        library_menu = window.menuBar().actions()[3].menu()
        menu = library_menu.addMenu("V&ocabularies")
        menu.setObjectName("vocabularyMenu")
        self.import_action = make(
            "&Import vocabulary…", self.import_vocabulary, None, "importVocabulary"
        )
        self.browse_action = make(
            "&Browse vocabularies…", self.browse, "Ctrl+Shift+B", "browseVocabularies"
        )
        menu.addAction(self.import_action)
        # The vocabularies shipped with Credence: tagging with a real thesaurus works offline on
        # the first day, one choice away (listed when the menu opens: imported ones are ticked).
        self.shipped_menu = menu.addMenu("Add a vocabulary &shipped with Credence")
        self.shipped_menu.setObjectName("shippedVocabularies")
        self.shipped_menu.aboutToShow.connect(self._fill_shipped)
        menu.addAction(self.browse_action)
        self.menu = menu

    # -- the sidebar ----------------------------------------------------------------------

    def refresh_soon(self) -> None:
        """Read the counts in a moment (events waiting now go first)."""
        self._timer.start()

    def refresh(self) -> None:
        """Read the counts again (after tagging, undo, import, a reload)."""
        self._timer.stop()
        try:
            keywords, subjects = self.library.tag_counts(SIDEBAR_TAGS)
        except CredenceError:
            return  # the list says what is wrong with the library; the counts just wait
        self.panel.fill(keywords, subjects, self.term)

    def _choose(self, row: QTreeWidgetItem) -> None:
        term = row.data(0, TERM_ROLE)
        if term is None:  # a heading or "no keywords yet"
            self.clear_filter()
            return
        if term == self.term:
            return
        self.set_filter(term, row.text(0))

    def set_filter(self, term: str, label: str) -> None:
        """Show only the items with this keyword or subject (narrower concepts included)."""
        self.term, self.term_label = term, label
        self.filter_label.setText(f"Showing items tagged “{label}” (Esc clears)")
        self.filter_label.show()
        self.window._apply_query()

    def clear_filter(self) -> None:
        """Show the items of the current view again, whatever their tags."""
        if self.term is None:
            return
        self.term, self.term_label = None, ""
        self.filter_label.hide()
        self.panel.setCurrentItem(None)
        self.window._apply_query()

    # -- tagging the selection ------------------------------------------------------------

    def tag_selection(self) -> None:
        """Tag selected items…: add/remove tags on the selection, previewed, one Undo step."""
        from desktop.dialogs.tag_dialog import TagDialog

        window = self.window
        ids = window.selected_ids()
        if not ids:
            QMessageBox.information(window, "Tag", "Select the items to tag first.")
            return
        try:
            dialog = TagDialog(self.library, window.undo, ids, window)
        except CredenceError as exc:
            QMessageBox.warning(window, "Credence", str(exc))
            return
        try:
            accepted = dialog.exec()
            report = dialog.report
        finally:
            # Gone once closed: a closed TagDialog left as a child of the window was seen to
            # crash Qt when the next window was built (switching libraries builds one).
            dialog.deleteLater()
        if accepted and report is not None:
            window.statusBar().showMessage(
                f"Tagged: {len(report.changed):,} changed, {len(report.unchanged):,} already so "
                "(Ctrl+Z undoes it)",
                10000,
            )
            self.after_tagging()

    def after_tagging(self) -> None:
        """Show what tagging changed, keeping the selection (the list's rows show no tags;
        only a tag filter can change which items are listed)."""
        window = self.window
        if self.term is not None:
            window.model.reload()
        else:
            window._show(window.table.selectionModel().currentIndex())
        self.refresh()

    def tag_with_concept(self, uri: str, label: str) -> str:
        """Tag the selected items with one concept (the browser's button): one Undo step."""
        window = self.window
        ids = window.selected_ids()
        if not ids:
            return "Select the items to tag in the list first."
        n = len(ids)
        with window.undo.edit(f"Tag {n:,} item{'' if n == 1 else 's'} with {label}", None):
            report = self.library.tag(ids, subjects=[uri])
        self.after_tagging()
        changed = len(report.changed)
        return (
            f"Tagged {changed:,} item{'' if changed == 1 else 's'} with “{label}”"
            + (f"; {len(report.unchanged):,} already had it" if report.unchanged else "")
            + " (Ctrl+Z in the window undoes it)."
        )

    # -- vocabularies ---------------------------------------------------------------------

    def browse(self) -> None:
        """Open (or bring back) the vocabulary browser beside the window."""
        from desktop.dialogs.vocabulary_dialog import VocabularyBrowser

        if self.browser is None:
            self.browser = VocabularyBrowser(self.library, self.tag_with_concept, self.window)
        self.browser.show()
        self.browser.raise_()
        self.browser.activateWindow()
        self.browser.find.setFocus()

    def import_vocabulary(self, path: str | None = None) -> None:
        """Vocabulary > Import vocabulary…: a SKOS file, read in a worker."""
        window = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                window, "Import a vocabulary (SKOS)", "", VOCABULARY_FILES
            )
        if not path:
            return
        library = self.library
        worker = Worker(
            f"Importing {Path(path).name}", lambda _p, _c: library.import_vocabulary(path)
        )
        worker.signals.succeeded.connect(self._imported)
        window.run_task(worker)

    def _fill_shipped(self) -> None:
        self.shipped_menu.clear()
        try:
            shipped = self.library.shipped_vocabularies()
        except CredenceError as error:
            self.shipped_menu.addAction(str(error)).setEnabled(False)
            return
        for n, vocabulary in enumerate(shipped, start=1):
            label = (
                f"&{n} {vocabulary.title} ({vocabulary.concepts:,} concepts, {vocabulary.licence})"
            )
            act = self.shipped_menu.addAction(label.replace("&", "&&").replace("&&", "&", 1))
            act.setCheckable(True)
            act.setChecked(vocabulary.imported)
            act.setStatusTip(
                ("Imported; choose it again to update it. " if vocabulary.imported else "")
                + vocabulary.attribution
            )
            act.setToolTip(vocabulary.description)
            act.triggered.connect(
                lambda _checked=False, name=vocabulary.name: self.import_shipped(name)
            )

    def import_shipped(self, name: str) -> None:
        """Vocabulary > Add a vocabulary shipped with Credence > NAME, read in a worker."""
        library = self.library
        worker = Worker(
            f"Importing the vocabulary {name}",
            lambda _p, _c: library.import_shipped_vocabulary(name),
        )
        worker.signals.succeeded.connect(self._imported)
        self.window.run_task(worker)

    def _imported(self, report: VocabularyImportReport) -> None:
        titles = ", ".join(s.title or s.uri for s in report.schemes) or report.file
        message = (
            f"Imported {titles}: {report.concepts:,} concepts ({report.new:,} new, "
            f"{report.updated:,} updated), {report.labels:,} labels."
        )
        if report.skipped_links:
            message += (
                f" {report.skipped_links:,} broader links name concepts not in the file and "
                "were left out."
            )
        self.window.statusBar().showMessage(message, 15000)
        QMessageBox.information(self.window, "Vocabulary imported", message)
        if self.browser is not None:
            self.browser.reload()
        self.refresh()
