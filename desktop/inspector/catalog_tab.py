"""Catalog tab: the item's fields, edited in place, with the fields AI touched marked.

A field is saved when the registrar leaves it (Return, Tab, a click elsewhere) and before
another item is shown, so switching items never loses typing. Each save is one Undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.capture import capture_type_combo
from desktop.inspector.base import InspectorTab
from desktop.inspector.tag_editor import TagEditor
from desktop.undo import UndoController
from provenance import (
    CATEGORIES,
    ITEM_FIELDS,
    CredenceError,
    DisclosureView,
    ItemView,
    Library,
    StaleEdit,
)

#: Label text (with mnemonic) of each catalog field, in display order.
FIELD_LABELS: dict[str, str] = {
    "accession": "&Accession",
    "title": "&Title",
    "object_type": "O&bject type",
    "maker": "&Maker",
    "maker_nationality": "Maker's &nationality",
    "maker_dates": "Maker's date&s",
    "date": "&Date",
    "medium": "Medi&um",
    "dimensions": "Dimensi&ons",
    "inscription": "&Inscription",
    "credit_line": "&Credit line",
    "rights": "&Rights",
    "description": "Descri&ption",
}
_CATEGORY_LABELS = {c.slug: c.label for c in CATEGORIES}


def plain_label(name: str) -> str:
    """A field's label for a person, without the mnemonic ampersand."""
    return FIELD_LABELS.get(name, name).replace("&", "")


def ai_note(disclosures: list[DisclosureView]) -> str:
    """One line saying which AI work touched a field and where its review stands."""
    parts = []
    for d in disclosures:
        what = _CATEGORY_LABELS.get(d.category, d.category)
        if d.tools:
            what += f" with {', '.join(d.tools)}"
        if d.review_state == "approved":
            parts.append(f"{what}, approved by {d.approved_by} ({(d.approved_at or '')[:10]})")
        elif d.review_state == "reviewed":
            parts.append(f"{what}, reviewed by {d.reviewed_by}, not yet approved")
        else:
            parts.append(f"{what}, draft: not yet reviewed")
    return "; ".join(parts)


def touched_by_ai(item: ItemView, name: str) -> list[DisclosureView]:
    """The disclosures (other than "no AI use") whose fields include `name`."""
    return [d for d in item.disclosures if d.category != "none" and name in d.fields]


def _clean(value: str | None) -> str | None:
    # The facade stores blank text as None; compare the same way so no empty save is made.
    value = (value or "").strip()
    return value or None


class _TextEdit(QPlainTextEdit):
    """A multi-line field that, like QLineEdit, says when editing is finished (focus left)."""

    editingFinished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


class _AiBadge(QLabel):
    """A small "AI" mark beside a field that AI touched; its tooltip says who approved it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Palette roles, not fixed colours: the badge follows light and dark themes.
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Highlight)
        self.setForegroundRole(QPalette.ColorRole.HighlightedText)
        font = QFont(self.font())
        font.setBold(True)
        self.setFont(font)
        self.setContentsMargins(4, 0, 4, 0)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hide()

    def show_for(self, disclosures: list[DisclosureView], field: str) -> None:
        if not disclosures:
            self.hide()
            self.setToolTip("")
            return
        states = {d.review_state for d in disclosures}
        self.setText(
            "AI" if states == {"approved"} else "AI (draft)" if "draft" in states else "AI"
        )
        note = ai_note(disclosures)
        self.setToolTip(note)
        self.setAccessibleName(f"{field}: touched by AI")
        self.setAccessibleDescription(note)
        self.show()


class CatalogTab(InspectorTab):
    """The catalog fields and the extra fields of the selected item, edited in place."""

    title = "Catalog"

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(library, undo, parent)
        self.editors: dict[str, QLineEdit | _TextEdit] = {}
        self.badges: dict[str, _AiBadge] = {}
        self._loading = False
        self._stale_open = False  # the "changed by someone else" question is on screen

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in ITEM_FIELDS:
            editor: QLineEdit | _TextEdit
            if name == "description":
                editor = _TextEdit(self)
                editor.setTabChangesFocus(True)  # Tab moves on; the field stays keyboard-friendly
                editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * 5)
            else:
                editor = QLineEdit(self)
            editor.setAccessibleName(plain_label(name))
            editor.editingFinished.connect(self._save_pending)
            badge = _AiBadge(self)
            row = QHBoxLayout()
            row.addWidget(editor, 1)
            row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
            label = QLabel(FIELD_LABELS[name], self)
            label.setBuddy(editor)
            form.addRow(label, row)
            self.editors[name] = editor
            self.badges[name] = badge

        # How the image was made: part of the record, signed by exports (None: unrecorded).
        self.capture_combo = capture_type_combo(self)
        self.capture_combo.setAccessibleName("Capture type")
        self.capture_combo.activated.connect(self._capture_chosen)
        capture_label = QLabel("Capture t&ype", self)
        capture_label.setBuddy(self.capture_combo)
        form.addRow(capture_label, self.capture_combo)

        # Keywords and subjects (issue 13): saved on their own, one Undo step each.
        self.tag_editor = TagEditor(library, undo, self)
        self.tag_editor.item_changed.connect(self.item_changed)

        extra_label = QLabel("E&xtra fields", self)
        self.extra_table = QTableWidget(0, 3, self)
        self.extra_table.setHorizontalHeaderLabels(["Field", "Value", "AI"])
        self.extra_table.setAccessibleName("Extra fields")
        self.extra_table.setAccessibleDescription(
            "Free fields of this item: name and value; edit a cell to change it"
        )
        header = self.extra_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.extra_table.verticalHeader().hide()
        self.extra_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.extra_table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.extra_table.itemChanged.connect(self._extra_changed)
        extra_label.setBuddy(self.extra_table)

        self.add_extra = QPushButton("Add field", self)
        self.add_extra.setAccessibleName("Add extra field")
        self.add_extra.clicked.connect(self._add_extra_row)
        self.remove_extra = QPushButton("Remove field", self)
        self.remove_extra.setAccessibleName("Remove the selected extra field")
        self.remove_extra.clicked.connect(self._remove_extra_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_extra)
        buttons.addWidget(self.remove_extra)
        buttons.addStretch(1)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Catalog status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Thirteen fields, the capture type and the extra fields are taller than the inspector
        # of a 1024x700 laptop: the tab scrolls up and down (Tab scrolls to the focused field).
        self.extra_table.setMinimumHeight(self.extra_table.fontMetrics().lineSpacing() * 7)
        content = QWidget(self)
        inner = QVBoxLayout(content)
        inner.addLayout(form)
        inner.addWidget(self.tag_editor.label)
        inner.addWidget(self.tag_editor)
        inner.addWidget(extra_label)
        inner.addWidget(self.extra_table, 1)
        inner.addLayout(buttons)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.status)

        # Ctrl+S is a registrar's habit: here it saves whatever is still being typed.
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self._save_pending)

        order = [
            *self.editors.values(),
            self.capture_combo,
            *self.tag_editor.widgets(),
            self.extra_table,
            self.add_extra,
            self.remove_extra,
        ]
        self.set_tab_order(order)
        self._set_enabled(False)

    # -- showing ------------------------------------------------------------------------

    def show_item(self, item: ItemView | None) -> None:
        previous = self.item
        if previous is not None:
            self.flush()  # save what is still being typed before anything else is shown
            if item is not None and item.id == previous.id and self.item is not previous:
                item = self.item  # our own save is newer than the view we were handed
        super().show_item(item)
        self.tag_editor.show_item(item)
        self._load()

    def _load(self) -> None:
        item = self.item
        self._loading = True
        try:
            self._set_enabled(item is not None)
            for name, editor in self.editors.items():
                value = (getattr(item, name) or "") if item else ""
                if self._text(editor) != value:  # untouched fields keep their cursor
                    if isinstance(editor, QLineEdit):
                        editor.setText(value)
                        editor.setCursorPosition(0)
                    else:
                        editor.setPlainText(value)
            self._load_capture()
            self._load_extra()
            self._mark_ai()
        finally:
            self._loading = False

    def _load_capture(self) -> None:
        value = self.item.capture_type if self.item else None
        self.capture_combo.setCurrentIndex(max(0, self.capture_combo.findData(value)))

    def _load_extra(self) -> None:
        item = self.item
        extra = dict(item.extra) if item else {}
        if extra == self._table_extra():
            return  # already shown (our own save); rebuilding would drop the open cell
        self.extra_table.blockSignals(True)
        try:
            self.extra_table.setRowCount(0)
            for key, value in extra.items():
                self._append_row(key, value)
        finally:
            self.extra_table.blockSignals(False)

    def _table_extra(self) -> dict[str, str] | None:
        """The extra fields as the table shows them (None when a row is not saved)."""
        shown = {}
        for row in range(self.extra_table.rowCount()):
            stored = self.extra_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            if stored is None or stored != self.extra_table.item(row, 0).text():
                return None
            shown[stored] = self.extra_table.item(row, 1).text()
        return shown

    def _append_row(self, key: str | None, value: str) -> int:
        row = self.extra_table.rowCount()
        self.extra_table.insertRow(row)
        key_cell = QTableWidgetItem(key or "")
        key_cell.setData(Qt.ItemDataRole.UserRole, key)  # the stored name (None: not saved)
        self.extra_table.setItem(row, 0, key_cell)
        self.extra_table.setItem(row, 1, QTableWidgetItem(value))
        mark = QTableWidgetItem("")
        mark.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.extra_table.setItem(row, 2, mark)
        return row

    def _mark_ai(self) -> None:
        item = self.item
        for name, editor in self.editors.items():
            touched = touched_by_ai(item, name) if item else []
            self.badges[name].show_for(touched, plain_label(name))
            # A screen reader hears the same thing the badge shows.
            editor.setAccessibleDescription(f"Touched by AI: {ai_note(touched)}" if touched else "")
            editor.setToolTip(ai_note(touched) if touched else "")
        self.extra_table.blockSignals(True)
        try:
            for row in range(self.extra_table.rowCount()):
                key = self.extra_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
                touched = touched_by_ai(item, key) if item and key else []
                mark = self.extra_table.item(row, 2)
                mark.setText("AI" if touched else "")
                mark.setToolTip(ai_note(touched))
                mark.setData(Qt.ItemDataRole.AccessibleTextRole, ai_note(touched) or "no AI")
        finally:
            self.extra_table.blockSignals(False)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            *self.editors.values(),
            self.capture_combo,
            self.extra_table,
            self.add_extra,
            self.remove_extra,
        ):
            widget.setEnabled(enabled)
        if not enabled:
            self.status.setText("")

    @staticmethod
    def _text(editor: QLineEdit | _TextEdit) -> str:
        return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()

    # -- saving -------------------------------------------------------------------------

    def pending(self) -> dict[str, str | None]:
        """Fields whose text differs from what the library holds."""
        if self.item is None:
            return {}
        changes = {}
        for name, editor in self.editors.items():
            value = _clean(self._text(editor))
            if value != getattr(self.item, name):
                changes[name] = value
        return changes

    def flush(self) -> None:
        """Save every pending edit (fields and an open table cell) now."""
        if self.item is None:
            return
        # Moving the current cell commits an open cell editor through itemChanged.
        self.extra_table.setCurrentItem(None)
        self._save(self.pending(), report=True)

    def _save_pending(self) -> None:
        if not self._loading and not self._stale_open:
            self._save(self.pending(), report=False)

    def _save(self, changes: dict[str, str | None], *, report: bool) -> None:
        if not changes or self.item is None:
            return
        names = [plain_label(n).lower() for n in changes]
        text = f"Edit {names[0]}" if len(names) == 1 else f"Edit {len(names)} fields"
        self._apply(text, changes, {}, report=report)

    def _apply(
        self, text: str, fields: dict, extra: dict, *, report: bool, done: str | None = None
    ) -> bool:
        item = self.item
        assert item is not None
        try:
            with self.edit(text):
                # The version the form was filled from: a change saved meanwhile (by a
                # colleague on a team library, or the command line) is never overwritten.
                view = self.library.update_item(
                    item.id, fields, extra, expected_version=item.version
                )
        except StaleEdit as exc:
            return self._stale(exc, text, fields, extra, report=report, done=done)
        except CredenceError as exc:
            # Shown beside the form, not in a dialog: a dialog would take the focus away and
            # finish the edit again. The typed text stays so it can be corrected.
            self.status.setText(f"Not saved: {exc}")
            if report:
                self.report(exc)
            return False
        self.item = view
        self.status.setText(done or f"Saved: {text[5:] if text.startswith('Edit ') else text}.")
        self._mark_ai()
        self.item_changed.emit(view.id)
        return True

    def _stale(
        self,
        error: StaleEdit,
        text: str,
        fields: dict,
        extra: dict,
        *,
        report: bool,
        done: str | None,
    ) -> bool:
        """Someone else saved the item first: ask Reload or Keep my changes (see
        desktop/dialogs/stale_dialog.py). True when the person's values were saved."""
        from desktop.dialogs.stale_dialog import StaleEditDialog

        item = self.item
        if self._stale_open or item is None:
            return False
        try:
            fresh = self.library.get_item(item.id)
        except CredenceError as exc:  # deleted meanwhile
            self.status.setText(f"Not saved: {exc}")
            return False
        rows = [
            (plain_label(name), value, getattr(fresh, name, None)) for name, value in fields.items()
        ] + [(f"{key} (extra field)", value, fresh.extra.get(key)) for key, value in extra.items()]
        self._stale_open = True
        try:
            dialog = StaleEditDialog(str(error), rows, self)
            dialog.exec()
            choice = dialog.choice
            dialog.deleteLater()
        finally:
            self._stale_open = False
        self.item = fresh
        if choice == StaleEditDialog.KEEP_MINE:
            # The other fields show the newer record first, so the refresh that follows the
            # save finds nothing else "typed" to save over the colleague's changes.
            self._show_fields(fresh, keep=set(fields))
            if self._apply(text, fields, extra, report=report, done=done):
                return True
        # After the caller has finished with its cells (a table cell may be rebuilt).
        QTimer.singleShot(0, lambda: self._reloaded(fresh.id))
        return False

    def _show_fields(self, item: ItemView, keep: set[str]) -> None:
        """Show `item`'s values in every field editor but those named in `keep`."""
        self._loading = True
        try:
            for name, editor in self.editors.items():
                value = getattr(item, name) or ""
                if name not in keep and self._text(editor) != value:
                    if isinstance(editor, QLineEdit):
                        editor.setText(value)
                    else:
                        editor.setPlainText(value)
        finally:
            self._loading = False

    def _reloaded(self, item_id: int) -> None:
        if self.item is None or self.item.id != item_id:
            return
        self._load()
        self.status.setText("Reloaded: the library's newer version is shown; yours was not saved.")
        self.item_changed.emit(item_id)

    def _capture_chosen(self, _index: int) -> None:
        if self._loading or self.item is None:
            return
        value = self.capture_combo.currentData()
        if value == self.item.capture_type:
            return
        if not self._apply(
            "Set capture type",
            {"capture_type": value},
            {},
            report=False,
            done=f"Saved: capture type {self.capture_combo.currentText()}.",
        ):
            self._load_capture()

    # -- extra fields -------------------------------------------------------------------

    def _add_extra_row(self) -> None:
        self.extra_table.blockSignals(True)
        row = self._append_row(None, "")
        self.extra_table.blockSignals(False)
        self.extra_table.setCurrentCell(row, 0)
        self.extra_table.editItem(self.extra_table.item(row, 0))
        self.status.setText("Type the new field's name, then its value.")

    def _remove_extra_row(self) -> None:
        row = self.extra_table.currentRow()
        if row < 0 or self.item is None:
            return
        key = self.extra_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.extra_table.removeRow(row)  # first, so a refresh during the save agrees with it
        if key is not None and not self._apply(
            f"Remove field {key}", {}, {key: None}, report=False, done=f"Removed field {key}."
        ):
            self._load_extra()

    def _extra_changed(self, cell: QTableWidgetItem) -> None:
        if self._loading or self.item is None or cell.column() == 2:
            return
        row = cell.row()
        key_cell, value_cell = self.extra_table.item(row, 0), self.extra_table.item(row, 1)
        if key_cell is None or value_cell is None:
            return
        stored = key_cell.data(Qt.ItemDataRole.UserRole)
        key, value = key_cell.text().strip(), value_cell.text()
        taken = {
            self.extra_table.item(r, 0).data(Qt.ItemDataRole.UserRole)
            for r in range(self.extra_table.rowCount())
            if r != row
        }
        if key in ITEM_FIELDS or (key and key in taken):
            self.status.setText(f"Not saved: there is already a field named {key!r}.")
            return
        if stored is None:
            if not key or not value.strip():
                return  # a new row is saved once it has both a name and a value
            text, extra = f"Add field {key}", {key: value}
        elif not key:
            self.status.setText(
                "A field needs a name; use Remove field to delete it. The old name is kept."
            )
            self._set_stored(key_cell, stored, text=stored)
            return
        elif key != stored:
            text, extra = f"Rename field {stored}", {stored: None, key: value}
        elif self.item.extra.get(key) != value:
            text, extra = f"Edit field {key}", {key: value}
        else:
            return
        # The row takes its new name before the save, so a refresh during it finds the table
        # already up to date and leaves the cell alone.
        self._set_stored(key_cell, key)
        if self._apply(text, {}, extra, report=False):
            self._mark_ai()
        else:
            self._set_stored(key_cell, stored)

    def _set_stored(self, cell: QTableWidgetItem, key: str | None, text: str | None = None) -> None:
        self.extra_table.blockSignals(True)
        try:
            cell.setData(Qt.ItemDataRole.UserRole, key)
            if text is not None:
                cell.setText(text)
        finally:
            self.extra_table.blockSignals(False)
