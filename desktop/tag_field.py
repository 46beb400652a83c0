"""A field for typing a tag, with completion from the keywords in use and from the imported
vocabularies.

The popup lists keywords with how many items have them, and concepts with their scheme and
broader path ("photographs · AAT · Visual Works > Photographs"), so two concepts with the
same label in different places can be told apart. Down opens the list, Enter on a row takes
that suggestion, Enter with no row chosen takes the typed text as a free keyword, Escape
closes the list.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from provenance import CredenceError, Library, TagSuggestion

#: The suggestion behind a popup row, and the plain text a chosen row puts in the field.
SUGGESTION_ROLE = Qt.ItemDataRole.UserRole + 1
PLAIN_ROLE = Qt.ItemDataRole.UserRole + 2
#: The popup's width when the field is narrower (a row holds label, scheme and path).
POPUP_WIDTH = 560


def describe(suggestion: TagSuggestion) -> str:
    """A popup row in words: the label, what was matched (another language, another name),
    the scheme and the broader path; for a keyword, how many items have it."""
    if suggestion.kind == "keyword":
        items = "item" if suggestion.count == 1 else "items"
        return f"{suggestion.text}  —  keyword, {suggestion.count:,} {items}"
    parts = [suggestion.text]
    if suggestion.matched:
        parts[0] += f" ({suggestion.matched})"
    where = suggestion.scheme or ""
    if suggestion.path:
        where += f" › {suggestion.path_text}"
        if suggestion.other_paths:
            where += f" (+{suggestion.other_paths} more)"
    parts.append(where)
    return "  —  ".join(parts)


class TagField(QLineEdit):
    """A line edit that completes tags. `chosen` carries a TagSuggestion: a concept or keyword
    from the popup, or the typed text as a keyword (kind "keyword", count 0)."""

    chosen = Signal(object)

    def __init__(
        self,
        library: Library,
        parent: QWidget | None = None,
        *,
        keywords: bool = True,
        scheme: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self._keywords = keywords
        self.scheme = scheme
        self.limit = 12
        self._picked: TagSuggestion | None = None
        self.suggestions: list[TagSuggestion] = []
        #: The text the shown suggestions are for (None: none shown).
        self.suggested_for: str | None = None
        self.setClearButtonEnabled(True)
        self.setPlaceholderText("Type a keyword or a subject; Enter adds it")
        self.model = QStandardItemModel(self)
        completer = QCompleter(self)
        completer.setModel(self.model)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCompletionRole(PLAIN_ROLE)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(10)
        completer.popup().setAccessibleName("Tag suggestions")
        completer.activated[QModelIndex].connect(self._activated)
        completer.highlighted[QModelIndex].connect(self._highlighted)
        self.setCompleter(completer)
        #: A popup row the person moved to (arrows, mouse): only then does Enter take a row.
        self._row_chosen = False
        # Installed after the completer's own filters, so they see keys first (see
        # eventFilter); while the popup is open, keys go to the popup.
        self.installEventFilter(self)
        completer.popup().installEventFilter(self)
        self._timer = QTimer(self, singleShot=True, interval=80)
        self._timer.timeout.connect(self.refresh)
        self.textEdited.connect(self._edited)
        self.returnPressed.connect(self._return_pressed)

    # Qt's own completer filters by prefix; ours are already chosen by the library, in every
    # language, so its model is replaced with ours on each refresh (unfiltered popup).
    def _edited(self, _text: str) -> None:
        # Suggestions for the previous text must not be offered for this one, not even for
        # the moment until the new ones are read.
        self._forget()
        self._timer.start()

    def _highlighted(self, _index: QModelIndex) -> None:
        self._row_chosen = True

    def eventFilter(self, watched, event) -> bool:  # Qt override
        # Qt's completer quietly makes the row that starts like the typed text current, and
        # Enter would take it: "harb" + Enter would add the concept "harbour". Enter takes a
        # row only when the person moved to it; otherwise it takes what was typed.
        if (
            watched in (self, self.completer().popup())
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.completer().popup().isVisible()
            and not self._row_chosen
        ):
            self.completer().popup().hide()
            self._return_pressed()
            return True
        return super().eventFilter(watched, event)

    def _forget(self) -> None:
        self._row_chosen = False
        self.suggestions = []
        self.suggested_for = None
        self.model.clear()
        self.completer().popup().hide()

    def refresh(self) -> None:
        """Ask the library for suggestions for the typed text and show them."""
        self._timer.stop()
        text = self.text()
        try:
            found = self.library.tag_suggestions(
                text, limit=self.limit, keywords=self._keywords, scheme=self.scheme
            )
        except CredenceError:
            found = []
        self.suggestions = found
        self.suggested_for = text
        self._row_chosen = False
        self.model.clear()
        for suggestion in found:
            row = QStandardItem(describe(suggestion))
            row.setData(suggestion, SUGGESTION_ROLE)
            row.setData(suggestion.text, PLAIN_ROLE)
            row.setToolTip(f"{describe(suggestion)}\n{suggestion.uri or 'free keyword'}")
            row.setEditable(False)
            self.model.appendRow(row)
        completer = self.completer()
        if found and self.hasFocus():
            completer.setCompletionPrefix("")
            # Wider than the field where there is room: a row carries scheme and path.
            # (Qt keeps the popup on the screen.)
            rect = self.rect()
            rect.setWidth(max(rect.width(), POPUP_WIDTH))
            completer.complete(rect)
        else:
            completer.popup().hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        popup = self.completer().popup()
        if event.key() == Qt.Key.Key_Down and not popup.isVisible():
            self.refresh()  # Down opens the list, as in a combo box
            if self.suggestions:
                return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            popup.isVisible() and popup.currentIndex().isValid()
        ):
            # Enter here adds a tag; it must not also press a dialog's default button. (With
            # a popup row highlighted the event stays unaccepted: the completer takes it.)
            event.accept()

    def _activated(self, index: QModelIndex) -> None:
        suggestion = index.data(SUGGESTION_ROLE)
        if suggestion is None:
            return
        # The completer writes the row's text into the field after this signal and then
        # passes Return on to the field: take the choice once all of that has happened.
        self._picked = suggestion
        QTimer.singleShot(0, self._commit_picked)

    def _commit_picked(self) -> None:
        suggestion, self._picked = self._picked, None
        if suggestion is None:
            return
        self.clear()
        self._forget()
        self.chosen.emit(suggestion)

    def _return_pressed(self) -> None:
        if self._picked is not None:
            return  # a popup row was taken with this Return
        popup = self.completer().popup()
        if popup.isVisible() and popup.currentIndex().isValid() and self._row_chosen:
            # The field hears Return before the completer does: the completer then takes
            # the highlighted row (`_activated`), which must not also become a keyword.
            return
        text = " ".join(self.text().split())
        if not text:
            return
        self.clear()
        self._forget()
        self.chosen.emit(TagSuggestion(kind="keyword", text=text))
