"""The tag editor of the Catalog tab: the item's keywords and subjects, added with completion
and removed by keyboard.

Type in the field (Alt+G): keywords in use and concepts of the imported vocabularies are
suggested with their scheme and broader path; Enter adds the chosen one (or the typed text as
a keyword). The list below holds the item's tags; Delete or Backspace removes the selected one.
Each addition or removal is one Undo step.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.tag_field import TagField
from desktop.undo import UndoController
from provenance import CredenceError, ItemView, Library, TagSuggestion

#: What a row of the tag list stands for: ("keyword", text) or ("subject", URI).
TAG_ROLE = Qt.ItemDataRole.UserRole


class TagList(QListWidget):
    """A list of tags; Delete or Backspace asks to remove the selected ones (`removing`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.removing = None  # set by the owner: called with [(kind, value), ...]
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)

    def event(self, event: QEvent) -> bool:  # Qt override
        # Delete here removes a tag, not the item: the window's Delete (delete item…) is a
        # shortcut, which would otherwise take the key before this list sees it.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.removing
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.removing:
            chosen = [i.data(TAG_ROLE) for i in self.selectedItems()]
            if not chosen and self.currentItem() is not None:
                chosen = [self.currentItem().data(TAG_ROLE)]
            if chosen:
                self.removing(chosen)
                return
        super().keyPressEvent(event)

    def selected_tags(self) -> list[tuple[str, str]]:
        chosen = [i.data(TAG_ROLE) for i in self.selectedItems()]
        if not chosen and self.currentItem() is not None:
            chosen = [self.currentItem().data(TAG_ROLE)]
        return chosen


def keyword_row(text: str, note: str = "") -> QListWidgetItem:
    """A list row for a keyword."""
    row = QListWidgetItem(f"# {text}" + (f"   ({note})" if note else ""))
    row.setData(TAG_ROLE, ("keyword", text))
    row.setToolTip("Keyword")
    return row


def subject_row(label: str, uri: str, note: str = "") -> QListWidgetItem:
    """A list row for a subject (a concept of a vocabulary)."""
    row = QListWidgetItem(f"◆ {label}" + (f"   ({note})" if note else ""))
    row.setData(TAG_ROLE, ("subject", uri))
    row.setToolTip(f"Subject: {uri}")
    return row


class TagEditor(QWidget):
    """The keywords and subjects of the item the inspector shows. After a change it emits
    `item_changed(item_id)`, as inspector tabs do, so the window shows the fresh item."""

    item_changed = Signal(int)

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.undo = undo
        self.item: ItemView | None = None
        self.field = TagField(library, self)
        self.field.setAccessibleName("Add a tag")
        self.field.chosen.connect(self.add_tag)
        self.label = QLabel("Ta&gs:", self)
        self.label.setBuddy(self.field)

        self.tags = TagList(self)
        self.tags.setAccessibleName("Tags of this item")
        self.tags.setAccessibleDescription(
            "Keywords (#) and subjects (◆); Delete removes the selected tag"
        )
        self.tags.removing = self.remove_tags
        self.tags.setMinimumHeight(self.tags.fontMetrics().lineSpacing() * 4)
        self.tags.setMaximumHeight(self.tags.fontMetrics().lineSpacing() * 8)

        self.remove_button = QPushButton("Remove tag", self)
        self.remove_button.setAccessibleName("Remove the selected tag")
        self.remove_button.clicked.connect(lambda: self.remove_tags(self.tags.selected_tags()))
        self.browse_button = QPushButton("Browse vocabularies…", self)
        self.browse_button.clicked.connect(self._browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.browse_button)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Tags status")
        self.status.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.tags)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        # In the scrolling Catalog tab, whatever takes the keyboard here scrolls into view
        # (Alt+G from the top of the form, a click on a half-hidden list).
        for widget in (self.field, self.tags, self.remove_button, self.browse_button):
            widget.installEventFilter(self)
        self._set_enabled(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.FocusIn:
            parent = self.parentWidget()
            while parent is not None and not isinstance(parent, QScrollArea):
                parent = parent.parentWidget()
            if parent is not None:
                parent.ensureWidgetVisible(watched, 8, 8)
        return False

    def widgets(self) -> list[QWidget]:
        """The widgets that take the keyboard, in Tab order."""
        return [self.field, self.tags, self.remove_button, self.browse_button]

    def show_item(self, item: ItemView | None) -> None:
        """Show the tags of `item` (None: nothing selected)."""
        self.item = item
        self._set_enabled(item is not None)
        self.tags.clear()
        if item is None:
            return
        for keyword in item.keywords:
            self.tags.addItem(keyword_row(keyword))
        for subject in item.subjects:
            self.tags.addItem(subject_row(subject.label, subject.uri))
        if self.tags.count():
            self.tags.setCurrentRow(0)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.field, self.tags, self.remove_button):
            widget.setEnabled(enabled)
        if not enabled:
            self._say("")

    # -- editing ------------------------------------------------------------------------

    def add_tag(self, suggestion: TagSuggestion) -> None:
        """Add a chosen suggestion (a concept) or a typed keyword to the item."""
        if self.item is None:
            return
        if suggestion.kind == "subject" and suggestion.uri:
            text, kwargs = f"Add subject {suggestion.text}", {"subjects": [suggestion.uri]}
        else:
            text, kwargs = f"Add keyword {suggestion.text}", {"add": [suggestion.text]}
        self._tag(text, kwargs)

    def remove_tags(self, tags: list[tuple[str, str]]) -> None:
        """Remove keywords and subjects (as (kind, value) pairs) from the item."""
        if self.item is None or not tags:
            return
        keywords = [v for k, v in tags if k == "keyword"]
        uris = [v for k, v in tags if k == "subject"]
        row = self.tags.currentRow()
        text = "Remove tag" if len(tags) == 1 else f"Remove {len(tags)} tags"
        if self._tag(text, {"remove": keywords, "unsubjects": uris}):
            # The keyboard stays in the list, on the row that took the removed one's place.
            self.tags.setFocus()
            if self.tags.count():
                self.tags.setCurrentRow(min(max(row, 0), self.tags.count() - 1))

    def _tag(self, text: str, kwargs: dict) -> bool:
        item = self.item
        assert item is not None
        try:
            with self.undo.edit(text, item.id):
                report = self.library.tag([item.id], **kwargs)
        except CredenceError as exc:
            self._say(f"Not tagged: {exc}")
            return False
        self._say(f"{text}." if report.changed else "Already so; nothing changed.")
        if report.changed:
            self.item_changed.emit(item.id)  # the window shows the fresh item in every tab
        return True

    def _browse(self) -> None:
        tagging = getattr(self.window(), "tagging", None)
        if tagging is not None:
            tagging.browse()

    def _say(self, text: str) -> None:
        # Said in the window's status bar: a line appearing inside the scrolling Catalog tab
        # would move the tag field away from under the typing.
        window = self.window()
        if isinstance(window, QMainWindow):
            if text:
                window.statusBar().showMessage(text, 10000)
            self.status.setText(text)  # kept (hidden) for a screen reader and for tests
            return
        self.status.setText(text)
        self.status.setVisible(bool(text))
