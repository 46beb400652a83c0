"""Tag selection…: add and remove keywords and subjects on the selected items, with a preview
of how many items gain or lose each tag, applied as one Undo step.

Type a tag in "Add" (completion as in the Tags tab; Enter puts it on the list to add). The
tags the selection already has are listed with how many items have each; Delete there moves
one to the list to remove. Delete in either list of changes takes a tag back off it. The
preview is read from the library (nothing written) after every change.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel, fit_to_screen
from desktop.inspector.tag_editor import TAG_ROLE, TagList, keyword_row, subject_row
from desktop.tag_field import TagField
from desktop.undo import UndoController
from provenance import CredenceError, Library, TagPreview, TagReport, TagSuggestion


def preview_text(preview: TagPreview) -> str:
    """The preview in words: how many items change, then one line per tag."""
    n = preview.items
    lines = [
        f"{preview.changed:,} of {_items(n)} selected will change."
        if preview.lines
        else "Add or remove a tag to see what will change."
    ]
    for line in preview.lines:
        if line.action == "add":
            verb = "gains" if line.gain == 1 else "gain"
            lines.append(f"+ {line.kind} “{line.text}”: {_items(line.gain)} {verb} it")
        else:
            verb = "loses" if line.lose == 1 else "lose"
            lines.append(f"− {line.kind} “{line.text}”: {_items(line.lose)} {verb} it")
    if preview.not_found:
        lines.append(f"Not found (deleted meanwhile?): {', '.join(preview.not_found[:5])}")
    return "\n".join(lines)


class TagDialog(QDialog):
    """Add/remove keywords and subjects on many items, previewed, in one Undo step."""

    def __init__(
        self,
        library: Library,
        undo: UndoController,
        item_ids: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.undo = undo
        self.item_ids = list(item_ids)
        self.report: TagReport | None = None
        n = len(self.item_ids)
        self.setWindowTitle(f"Tag {n:,} item{'' if n == 1 else 's'}")

        self.field = TagField(library, self)
        self.field.setAccessibleName("Tag to add")
        self.field.chosen.connect(self.add_tag)
        add_label = QLabel("&Add a tag:", self)
        add_label.setBuddy(self.field)

        self.current = TagList(self)
        self.current.setAccessibleName("Tags the selection has")
        self.current.removing = self.remove_tags
        current_label = QLabel("Tags the selection &has (Delete: remove from all):", self)
        current_label.setBuddy(self.current)

        self.adding = TagList(self)
        self.adding.setAccessibleName("Tags to add")
        self.adding.removing = lambda tags: self._take_back(self.adding, tags)
        adding_label = QLabel("To a&dd:", self)
        adding_label.setBuddy(self.adding)
        self.removing = TagList(self)
        self.removing.setAccessibleName("Tags to remove")
        self.removing.removing = lambda tags: self._take_back(self.removing, tags)
        removing_label = QLabel("To re&move:", self)
        removing_label.setBuddy(self.removing)

        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Preview of the changes")
        self.preview.setTabChangesFocus(True)
        self.preview.setMaximumHeight(self.preview.fontMetrics().lineSpacing() * 7)
        preview_label = QLabel("&Preview:", self)
        preview_label.setBuddy(self.preview)
        self.problem = ProblemLabel(self)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setText("&Apply tags")
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        grid = QGridLayout()
        grid.addWidget(adding_label, 0, 0)
        grid.addWidget(removing_label, 0, 1)
        grid.addWidget(self.adding, 1, 0)
        grid.addWidget(self.removing, 1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(add_label)
        layout.addWidget(self.field)
        layout.addWidget(current_label)
        layout.addWidget(self.current, 2)
        layout.addLayout(grid, 1)
        layout.addWidget(preview_label)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 600)
        fit_to_screen(self)
        self._fill_current()
        self.update_preview()

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        self.field.setFocus()  # typing starts at once (before showing, focus would not stay)

    # -- lists ----------------------------------------------------------------------------

    def _fill_current(self) -> None:
        self.current.clear()
        n = len(self.item_ids)
        for tag in self.library.tags_of(self.item_ids):
            note = f"{tag.count:,} of {n:,}"
            row = (
                keyword_row(tag.text, note)
                if tag.kind == "keyword"
                else subject_row(tag.text, tag.uri or "", note)
            )
            self.current.addItem(row)

    def _values(self, tags: TagList) -> list[tuple[str, str]]:
        return [tags.item(r).data(TAG_ROLE) for r in range(tags.count())]

    @staticmethod
    def _same(value: tuple[str, str]) -> tuple[str, str]:
        # Keywords compare without regard to case ("Harbour" is "harbour"), as the library does.
        kind, text = value
        return (kind, " ".join(text.split()).casefold() if kind == "keyword" else text)

    def add_tag(self, suggestion: TagSuggestion) -> None:
        """Put a chosen concept or typed keyword on the list to add."""
        if suggestion.kind == "subject" and suggestion.uri:
            value, row = ("subject", suggestion.uri), subject_row(suggestion.text, suggestion.uri)
        else:
            value, row = ("keyword", suggestion.text), keyword_row(suggestion.text)
        self._take_back(self.removing, [value])
        if self._same(value) not in {self._same(v) for v in self._values(self.adding)}:
            self.adding.addItem(row)
        self.update_preview()

    def remove_tags(self, tags: list[tuple[str, str]]) -> None:
        """Put tags the selection has on the list to remove."""
        for value in tags:
            self._take_back(self.adding, [value])
            if self._same(value) in {self._same(v) for v in self._values(self.removing)}:
                continue
            source = next(
                self.current.item(r)
                for r in range(self.current.count())
                if self.current.item(r).data(TAG_ROLE) == value
            )
            label = source.text()[2:].rsplit("   (", 1)[0]
            self.removing.addItem(
                keyword_row(value[1]) if value[0] == "keyword" else subject_row(label, value[1])
            )
        self.update_preview()

    def _take_back(self, tags: TagList, values: list[tuple[str, str]]) -> None:
        gone = {self._same(v) for v in values}
        for r in reversed(range(tags.count())):
            if self._same(tags.item(r).data(TAG_ROLE)) in gone:
                tags.takeItem(r)
        self.update_preview()

    def _arguments(self) -> dict[str, list[str]]:
        adding, removing = self._values(self.adding), self._values(self.removing)
        return {
            "add": [v for k, v in adding if k == "keyword"],
            "subjects": [v for k, v in adding if k == "subject"],
            "remove": [v for k, v in removing if k == "keyword"],
            "unsubjects": [v for k, v in removing if k == "subject"],
        }

    # -- preview and apply ------------------------------------------------------------------

    def update_preview(self) -> None:
        """Ask the library what the changes would do (nothing written) and show it."""
        if not hasattr(self, "preview"):
            return
        arguments = self._arguments()
        try:
            preview = self.library.preview_tag(self.item_ids, **arguments)
        except CredenceError as exc:
            self.preview.setPlainText("")
            self.problem.show_problem(str(exc))
            self.apply_button.setEnabled(False)
            return
        self.problem.clear_problem()
        self.preview.setPlainText(preview_text(preview))
        self.apply_button.setEnabled(preview.changed > 0)

    def apply(self) -> None:
        """Tag the items in one transaction, recorded as one Undo step."""
        arguments = self._arguments()
        n = len(self.item_ids)
        try:
            with self.undo.edit(f"Tag {n:,} item{'' if n == 1 else 's'}", None):
                self.report = self.library.tag(self.item_ids, **arguments)
        except CredenceError as exc:
            self.problem.show_problem(f"Not tagged: {exc}")
            return
        self.accept()


def _items(n: int) -> str:
    return f"{n:,} item" if n == 1 else f"{n:,} items"
