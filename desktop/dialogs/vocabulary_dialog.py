"""The vocabulary browser: each imported vocabulary as a tree, searchable, with "Tag selection
with this concept".

The tree is read one level at a time (a vocabulary can hold tens of thousands of concepts).
A concept with several broader concepts appears under each of them. Find (Alt+F) completes
labels of the chosen vocabulary in any language; choosing one opens the tree down to it. The
browser stays open beside the window, so items can be selected while it is open; the tagging
is one Undo step in the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel, fit_to_screen
from desktop.tag_field import TagField
from provenance import ConceptNode, CredenceError, Library, TagSuggestion

#: A tree row's concept (ConceptNode); a row still to be read holds None.
NODE_ROLE = Qt.ItemDataRole.UserRole
#: Tags the selection with a concept (URI, label); returns a sentence saying what happened.
Tagger = Callable[[str, str], str]


class VocabularyBrowser(QDialog):
    """Browse and search the imported vocabularies; tag the window's selection."""

    def __init__(self, library: Library, tagger: Tagger, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.tagger = tagger
        self.setWindowTitle("Vocabularies")
        self.setModal(False)

        self.schemes = QComboBox(self)
        self.schemes.setAccessibleName("Vocabulary")
        self.schemes.currentIndexChanged.connect(self._scheme_changed)
        self.find = TagField(library, self, keywords=False)
        self.find.setAccessibleName("Find a concept")
        self.find.setPlaceholderText("Type a label in any language; Enter shows it in the tree")
        self.find.chosen.connect(self.reveal)

        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Concepts")
        self.tree.setHeaderLabels(["Concept", "Items"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.itemExpanded.connect(self._expand)
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._show(cur))
        self.tree.itemActivated.connect(lambda _item, _col: self.tag_selection())

        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.details.setAccessibleName("Concept details")
        self.status = ProblemLabel(self, "Vocabulary status")

        self.tag_button = QPushButton("&Tag selection with this concept", self)
        self.tag_button.setToolTip("Ctrl+Return, or Enter on a concept in the tree")
        self.tag_button.clicked.connect(self.tag_selection)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.tag_selection)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.tag_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)

        form = QFormLayout()
        scheme_label = QLabel("&Vocabulary:", self)
        scheme_label.setBuddy(self.schemes)
        find_label = QLabel("&Find:", self)
        find_label.setBuddy(self.find)
        form.addRow(scheme_label, self.schemes)
        form.addRow(find_label, self.find)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, 620)
        fit_to_screen(self)
        self.reload()

    # -- vocabularies and the tree --------------------------------------------------------

    def reload(self) -> None:
        """Read the list of vocabularies again (after an import) and show the chosen one."""
        current = self.schemes.currentData()
        self.schemes.blockSignals(True)
        self.schemes.clear()
        for vocabulary in self.library.vocabularies():
            title = vocabulary.title or vocabulary.uri
            self.schemes.addItem(f"{title} ({vocabulary.concepts:,} concepts)", vocabulary.uri)
        self.schemes.blockSignals(False)
        index = self.schemes.findData(current) if current else 0
        self.schemes.setCurrentIndex(max(index, 0))
        self._scheme_changed()

    def _scheme_changed(self, *_args: object) -> None:
        self.tree.clear()
        scheme = self.schemes.currentData()
        self.find.scheme = scheme
        self.find.setEnabled(scheme is not None)
        self.tag_button.setEnabled(False)
        if scheme is None:
            self.details.setText(
                "No vocabulary imported yet: use Vocabulary > Import vocabulary… with a SKOS "
                "file (Turtle, RDF/XML, N-Triples, JSON-LD or TriG)."
            )
            return
        self.details.setText("")
        self._add_rows(self.tree.invisibleRootItem(), self.library.concept_children(scheme))
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def _add_rows(self, parent: QTreeWidgetItem, nodes: list[ConceptNode]) -> None:
        for node in nodes:
            row = QTreeWidgetItem([node.label, f"{node.count:,}" if node.count else ""])
            row.setData(0, NODE_ROLE, node)
            row.setToolTip(0, node.uri)
            if node.narrower:
                row.addChild(QTreeWidgetItem(["…"]))  # read when first opened
            parent.addChild(row)

    def _expand(self, row: QTreeWidgetItem) -> None:
        node = row.data(0, NODE_ROLE)
        if node is None or row.childCount() != 1 or row.child(0).data(0, NODE_ROLE):
            return  # already read
        row.takeChild(0)
        try:
            children = self.library.concept_children(node.scheme_uri, node.uri)
        except CredenceError as exc:
            self.status.show_problem(str(exc))
            return
        self._add_rows(row, children)

    def _show(self, row: QTreeWidgetItem | None) -> None:
        node = row.data(0, NODE_ROLE) if row is not None else None
        self.tag_button.setEnabled(node is not None)
        if node is None:
            self.details.setText("")
            return
        path = []
        parent = row.parent()
        while parent is not None:
            path.insert(0, parent.text(0))
            parent = parent.parent()
        where = " > ".join(path) if path else "top concept"
        items = f"{node.count:,} item" + ("" if node.count == 1 else "s")
        self.details.setText(f"{node.label}\n{where}\n{node.uri}\n{items} tagged with it")

    def current_node(self) -> ConceptNode | None:
        """The concept chosen in the tree (None: none)."""
        row = self.tree.currentItem()
        return row.data(0, NODE_ROLE) if row is not None else None

    def reveal(self, suggestion: TagSuggestion) -> None:
        """Open the tree down to a concept found with Find, and make it current."""
        if suggestion.kind != "subject" or not suggestion.uri:
            return
        level = self.tree.invisibleRootItem()
        row = None
        for uri in (*suggestion.path_uris, suggestion.uri):
            row = next(
                (
                    level.child(i)
                    for i in range(level.childCount())
                    if (level.child(i).data(0, NODE_ROLE) or None)
                    and level.child(i).data(0, NODE_ROLE).uri == uri
                ),
                None,
            )
            if row is None:
                break
            if uri != suggestion.uri:
                row.setExpanded(True)  # reads its children
            level = row
        if row is None:  # its broader path leaves this vocabulary: show it on its own
            try:
                node = self.library.concept(suggestion.uri)
            except CredenceError as exc:
                self.status.show_problem(str(exc))
                return
            self._add_rows(self.tree.invisibleRootItem(), [node])
            row = self.tree.topLevelItem(self.tree.topLevelItemCount() - 1)
        self.tree.setCurrentItem(row)
        self.tree.scrollToItem(row)
        self.tree.setFocus()

    # -- tagging --------------------------------------------------------------------------

    def tag_selection(self) -> None:
        """Tag the window's selected items with the current concept (one Undo step)."""
        node = self.current_node()
        if node is None:
            return
        try:
            said = self.tagger(node.uri, node.label)
        except CredenceError as exc:
            self.status.show_problem(str(exc))
            return
        self.status.show_problem(said)
        row = self.tree.currentItem()
        fresh = self.library.concept(node.uri)
        row.setData(0, NODE_ROLE, fresh)
        row.setText(1, f"{fresh.count:,}" if fresh.count else "")
        self._show(row)
