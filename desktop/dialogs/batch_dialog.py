"""Batch work: add one provenance event or one AI disclosure to every selected item, record
how their images were made (capture type), or give them the same catalog field values (typed,
or pasted from another item), after a preview of what will change for each, as a single Undo
step."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.capture import capture_type_combo
from desktop.dialogs.common import ProblemLabel, fit_to_screen
from desktop.undo import UndoController
from provenance import (
    BULK_FIELDS,
    CATEGORIES,
    ITEM_FIELD_WORDS,
    CredenceError,
    ItemView,
    Library,
    NotFound,
    ToolView,
    capture_label,
    category,
)

ACTIONS = (
    "acquired",
    "accessioned",
    "donated",
    "lent",
    "exhibited",
    "photographed",
    "digitised",
    "catalogued",
    "conserved",
    "restored",
    "deaccessioned",
)
DATE_HELP = (
    "EDTF dates: 1890, 1890-05, 1890~ (about 1890), 1890? (perhaps), 189X (the 1890s), "
    "1890/1895 (some time between). Leave empty when unknown."
)


#: Catalog fields that describe one object: Paste fields fills them in but leaves them unticked.
OWN_FIELDS = ("title", "inscription", "description")


def tool_label(tool: ToolView) -> str:
    """How the facade names a registered tool: "name version", or the name alone."""
    return f"{tool.name} {tool.version}" if tool.version else tool.name


class BatchDialog(QDialog):
    """Add an event or a disclosure to `item_ids`; the preview says what changes for each."""

    EVENT, DISCLOSURE, CAPTURE, FIELDS = 0, 1, 2, 3

    def __init__(
        self,
        library: Library,
        undo: UndoController,
        item_ids: Sequence[int],
        parent: QWidget | None = None,
        *,
        mode: int = EVENT,
        fields: Mapping[str, str | None] | None = None,
        source: str | None = None,
    ) -> None:
        """`mode` chooses the form shown first. `fields` fills the catalog fields form (Paste
        fields: the values copied from the item `source`); every field with a value is ticked
        except those of OWN_FIELDS, which describe one object."""
        super().__init__(parent)
        self.library = library
        self.undo = undo
        self._built = False  # the forms' signals fire while they are being filled in
        self.items: list[ItemView] = []
        missing = []
        for item_id in item_ids:
            try:
                self.items.append(library.get_item(item_id))
            except NotFound:
                missing.append(f"#{item_id}")
        self.tools = library.list_tools()
        self.applied = 0
        self.failures: list[tuple[str, str]] = []
        n = len(self.items)
        self.source = source
        items_word = f"{n} selected item{'' if n == 1 else 's'}"
        if source:
            self.setWindowTitle(f"Paste fields of {source} onto {items_word}")
        elif mode == self.FIELDS:
            self.setWindowTitle(f"Edit fields of {items_word}")
        else:
            self.setWindowTitle(f"Add to {items_word}")
        self.setAccessibleName("Batch edit of the selected items")

        self.event_radio = QRadioButton("Add an &event (a provenance record)", self)
        self.disclosure_radio = QRadioButton("Add an AI &disclosure", self)
        self.capture_radio = QRadioButton("Set the capture t&ype", self)
        self.fields_radio = QRadioButton("Set catalog &fields", self)
        self.radios = {
            self.EVENT: self.event_radio,
            self.DISCLOSURE: self.disclosure_radio,
            self.CAPTURE: self.capture_radio,
            self.FIELDS: self.fields_radio,
        }
        group = QButtonGroup(self)
        mode_row = QHBoxLayout()
        for mode_id, radio in self.radios.items():
            group.addButton(radio, mode_id)
            mode_row.addWidget(radio)
        mode_row.addStretch(1)

        self.forms = QStackedWidget(self)
        self.forms.addWidget(self._event_form())
        self.forms.addWidget(self._disclosure_form())
        self.forms.addWidget(self._capture_form())
        self.forms.addWidget(self._fields_form(fields or {}))
        self.radios[mode].setChecked(True)
        self._show_form(mode)
        group.idToggled.connect(self._mode_changed)
        self._field_changes: list = []  # the dry run behind the preview (catalog fields)

        self.preview = QTableWidget(0, 3, self)
        self.preview.setAccessibleName("What will change for each item")
        self.preview.setHorizontalHeaderLabels(["Item", "Will add", "Note"])
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview.verticalHeader().hide()
        self.preview.setWordWrap(False)  # full texts are in the tooltips
        header = self.preview.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        preview_label = QLabel("&Preview — nothing is changed until you apply:", self)
        preview_label.setBuddy(self.preview)

        self.problem = ProblemLabel(self)
        if missing:
            self.problem.show_problem(
                f"{', '.join(missing)} no longer exist in the library and are left out."
            )
        self.apply_button = QPushButton(f"&Apply to {n} item{'' if n == 1 else 's'}", self)
        self.apply_button.setAccessibleName("Apply to every item in the preview")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(mode_row)
        layout.addWidget(self.forms)
        layout.addWidget(preview_label)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(760, 640)
        fit_to_screen(self)
        self._built = True
        self.refresh_preview()
        if mode == self.FIELDS:
            # Typing starts in the first field; pasted values are ready to apply with Return.
            first = self.apply_button if fields else self.field_edits[BULK_FIELDS[0]]
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the two forms --------------------------------------------------------------------

    def _line(self, form: QFormLayout, text: str, name: str, hint: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(hint)
        edit.textChanged.connect(self.refresh_preview)
        label = QLabel(text)
        label.setBuddy(edit)
        form.addRow(label, edit)
        return edit

    def _event_form(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.action_combo = QComboBox(page)
        self.action_combo.setEditable(True)
        self.action_combo.addItems(ACTIONS)
        self.action_combo.setCurrentIndex(-1)
        self.action_combo.setAccessibleName("Event action")
        self.action_combo.lineEdit().setPlaceholderText("what happened, e.g. digitised")
        self.action_combo.editTextChanged.connect(self.refresh_preview)
        action_label = QLabel("Ac&tion:", page)
        action_label.setBuddy(self.action_combo)
        form.addRow(action_label, self.action_combo)
        self.actor_edit = self._line(form, "Act&or:", "Who did it", "a person or organisation")
        self.actor_edit.setText(self.library.actor)
        self.date_edit = self._line(form, "Da&te:", "Event date (EDTF)", "e.g. 1890~ or 2024-03")
        self.date_edit.setToolTip(DATE_HELP)
        self.date_edit.setAccessibleDescription(DATE_HELP)
        date_help = QLabel(DATE_HELP, page)
        date_help.setWordWrap(True)
        form.addRow("", date_help)
        self.place_edit = self._line(form, "P&lace:", "Place")
        self.source_edit = self._line(form, "&Source:", "Source or citation")
        self.note_edit = self._line(form, "&Note:", "Note")
        self.event_tool_combo = QComboBox(page)
        self.event_tool_combo.setAccessibleName("AI tool involved")
        self.event_tool_combo.addItem("(none)", None)
        for tool in self.tools:
            self.event_tool_combo.addItem(tool_label(tool), tool_label(tool))
        self.event_tool_combo.currentIndexChanged.connect(self.refresh_preview)
        tool_label_widget = QLabel("AI tool &involved:", page)
        tool_label_widget.setBuddy(self.event_tool_combo)
        form.addRow(tool_label_widget, self.event_tool_combo)
        return page

    def _disclosure_form(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.category_combo = QComboBox(page)
        self.category_combo.setAccessibleName("Disclosure category")
        for entry in CATEGORIES:
            self.category_combo.addItem(f"{entry.label} — {entry.examples}", entry.slug)
        self.category_combo.setCurrentIndex(max(0, self.category_combo.findData("ai-enhanced")))
        self.category_combo.currentIndexChanged.connect(self.refresh_preview)
        category_label = QLabel("&Category:", page)
        category_label.setBuddy(self.category_combo)
        form.addRow(category_label, self.category_combo)
        self.tools_list = QListWidget(page)
        self.tools_list.setAccessibleName("AI tools used")
        self.tools_list.setMaximumHeight(110)
        for tool in self.tools:
            entry = QListWidgetItem(f"{tool_label(tool)} ({tool.vendor})", self.tools_list)
            entry.setData(Qt.ItemDataRole.UserRole, tool_label(tool))
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
        if not self.tools:
            QListWidgetItem("No AI tools are registered yet (Tools → AI tools).", self.tools_list)
        self.tools_list.itemChanged.connect(self.refresh_preview)
        tools_label = QLabel("T&ools used:", page)
        tools_label.setBuddy(self.tools_list)
        form.addRow(tools_label, self.tools_list)
        self.purpose_edit = self._line(form, "P&urpose:", "Purpose", "why AI was used")
        self.extent_edit = self._line(form, "E&xtent:", "Extent", "how much of the work it did")
        return page

    def _capture_form(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.capture_combo = capture_type_combo(page)
        self.capture_combo.setAccessibleName("Capture type for every selected item")
        self.capture_combo.currentIndexChanged.connect(self.refresh_preview)
        label = QLabel("Capture &type:", page)
        label.setBuddy(self.capture_combo)
        form.addRow(label, self.capture_combo)
        explain = QLabel(
            "How the images were made. Exports sign it as the digital source type; with none "
            "recorded they claim no capture.",
            page,
        )
        explain.setWordWrap(True)
        form.addRow("", explain)
        return page

    def _fields_form(self, values: Mapping[str, str | None]) -> QWidget:
        page = QWidget(self)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        explain = QLabel(
            "Tick the fields to change and type their new value; a ticked field left empty is "
            "cleared. Typing ticks the field."
            + (
                " The title, inscription and description describe one object: they are pasted "
                "only if you tick them."
                if self.source
                else ""
            ),
            page,
        )
        explain.setWordWrap(True)
        outer.addWidget(explain)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.field_checks: dict[str, QCheckBox] = {}
        self.field_edits: dict[str, QLineEdit] = {}
        half = (len(BULK_FIELDS) + 1) // 2  # two columns: twelve rows would not fit 700 px
        order: list[QWidget] = []
        for index, name in enumerate(BULK_FIELDS):
            words = ITEM_FIELD_WORDS.get(name, name)
            check = QCheckBox(words[:1].upper() + words[1:], page)
            check.setAccessibleName(f"Change {words}")
            edit = QLineEdit(page)
            edit.setAccessibleName(f"New {words}")
            edit.setPlaceholderText("(empty: clear)")
            value = values.get(name)
            if value:
                edit.setText(value)
                check.setChecked(name not in OWN_FIELDS)
            check.toggled.connect(self.refresh_preview)
            edit.textEdited.connect(lambda _text, box=check: box.setChecked(True))
            edit.textChanged.connect(self.refresh_preview)
            row, column = index % half, (index // half) * 2
            grid.addWidget(check, row, column)
            grid.addWidget(edit, row, column + 1)
            self.field_checks[name], self.field_edits[name] = check, edit
            order += [check, edit]
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        outer.addLayout(grid)
        outer.addStretch(1)
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        return page

    def chosen_fields(self) -> dict[str, str | None]:
        """The ticked catalog fields and their new values (None: clear)."""
        return {
            name: (self.field_edits[name].text().strip() or None)
            for name, check in self.field_checks.items()
            if check.isChecked()
        }

    def _mode_changed(self, mode: int, checked: bool) -> None:
        if checked:
            self._show_form(mode)
            self.refresh_preview()

    def _show_form(self, mode: int) -> None:
        # The stack is no taller than the shown form, so a short form leaves its room to the
        # preview (a stack is otherwise as tall as its tallest page).
        self.forms.setCurrentIndex(mode)
        self.forms.setMaximumHeight(self.forms.widget(mode).sizeHint().height())

    def mode(self) -> int:
        if self.fields_radio.isChecked():
            return self.FIELDS
        if self.capture_radio.isChecked():
            return self.CAPTURE
        return self.DISCLOSURE if self.disclosure_radio.isChecked() else self.EVENT

    def chosen_tools(self) -> list[str]:
        found = []
        for row in range(self.tools_list.count()):
            entry = self.tools_list.item(row)
            if entry.data(Qt.ItemDataRole.UserRole) and entry.checkState() == Qt.CheckState.Checked:
                found.append(entry.data(Qt.ItemDataRole.UserRole))
        return found

    # -- the preview ----------------------------------------------------------------------

    def _event_text(self) -> str:
        action = self.action_combo.currentText().strip() or "(no action yet)"
        actor = self.actor_edit.text().strip() or "(nobody named)"
        text = f"event “{action}” by {actor}"
        if self.date_edit.text().strip():
            text += f", {self.date_edit.text().strip()}"
        if self.place_edit.text().strip():
            text += f", at {self.place_edit.text().strip()}"
        if self.event_tool_combo.currentData():
            text += f", with {self.event_tool_combo.currentData()}"
        return text

    def _disclosure_text(self) -> str:
        chosen = category(self.category_combo.currentData())
        text = f"{chosen.label} disclosure"
        tools = self.chosen_tools()
        if tools:
            text += f" ({', '.join(tools)})"
        return text + ", as a draft to review"

    def _disclosure_note(self, item: ItemView) -> str:
        slug = self.category_combo.currentData()
        same = next(
            (d for d in item.disclosures if d.category == slug and d.asset_id is None), None
        )
        if same is None:
            return ""
        note = f"replaces its existing {category(slug).label} disclosure ({same.review_state})"
        if same.review_state == "approved":
            note += f"; the approval by {same.approved_by} is withdrawn until it is approved again"
        elif same.review_state == "reviewed":
            note += "; it goes back to draft"
        return note

    @staticmethod
    def _capture_note(item: ItemView, value: str | None) -> str:
        if item.capture_type == value:
            return "already so: unchanged"
        if item.capture_type is None:
            return ""
        return f"replaces {capture_label(item.capture_type)}"

    def _field_rows(self) -> list[tuple[str, str, str]]:
        chosen = self.chosen_fields()
        self._field_changes = []
        if not chosen:
            return [(item.label, "(no field ticked)", "") for item in self.items]
        try:
            report = self.library.update_items([i.id for i in self.items], chosen, dry_run=True)
        except CredenceError as exc:
            return [("", "", str(exc))]
        self._field_changes = list(report.changes)
        labels = {item.id: item.label for item in self.items}
        rows = [
            (
                labels.get(c.item_id, c.item),
                ITEM_FIELD_WORDS.get(c.field, c.field),
                f"{_shown(c.before)} → {_shown(c.after)}",
            )
            for c in report.changes
        ]
        changed = {c.item_id for c in report.changes}
        rows += [
            (item.label, "", "already so: unchanged")
            for item in self.items
            if item.id not in changed
        ]
        return rows

    def planned(self) -> list[tuple[str, str, str]]:
        """(item label, what will be added, note) for every item, as the preview shows it;
        for catalog fields, one row per change: (item, field, before → after)."""
        if self.mode() == self.FIELDS:
            return self._field_rows()
        if self.mode() == self.EVENT:
            text = self._event_text()
            return [(item.label, text, "") for item in self.items]
        if self.mode() == self.CAPTURE:
            value = self.capture_combo.currentData()
            text = f"capture type: {capture_label(value)}"
            return [(item.label, text, self._capture_note(item, value)) for item in self.items]
        text = self._disclosure_text()
        return [(item.label, text, self._disclosure_note(item)) for item in self.items]

    def refresh_preview(self, *_args: object) -> None:
        if not self._built:
            return
        rows = self.planned()
        headers = (
            ["Item", "Field", "Before → after"]
            if self.mode() == self.FIELDS
            else ["Item", "Will add", "Note"]
        )
        self.preview.setHorizontalHeaderLabels(headers)
        self.preview.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.preview.setItem(row, column, cell)
        self.apply_button.setEnabled(bool(self.items) and not self.applied and self._ready())

    def _ready(self) -> bool:
        if self.mode() == self.FIELDS:
            return bool(self._field_changes)
        if self.mode() == self.EVENT:
            return bool(self.action_combo.currentText().strip() and self.actor_edit.text().strip())
        return True

    # -- applying -------------------------------------------------------------------------

    def undo_text(self) -> str:
        n = len(self.items)
        if self.mode() == self.EVENT:
            return f"Add event to {n} items"
        if self.mode() == self.CAPTURE:
            return f"Set capture type of {n} items"
        if self.mode() == self.FIELDS:
            changed = len({c.item_id for c in self._field_changes})
            verb = f"Paste fields of {self.source} onto" if self.source else "Edit fields of"
            return f"{verb} {changed} item{'' if changed == 1 else 's'}"
        return f"Add {category(self.category_combo.currentData()).label} disclosure to {n} items"

    def apply(self) -> None:
        """Make every edit inside one Undo step; one item's problem never stops the others."""
        self.problem.clear_problem()
        if self.mode() == self.FIELDS:
            self._apply_fields()
            return
        edit = {self.EVENT: self._add_event, self.CAPTURE: self._set_capture}.get(
            self.mode(), self._disclose
        )
        failures: list[tuple[str, str]] = []
        applied = 0
        with self.undo.edit(self.undo_text(), None):
            for item in self.items:
                try:
                    edit(item)
                except CredenceError as exc:
                    failures.append((item.label, str(exc)))
                else:
                    applied += 1
        self.applied, self.failures = applied, failures
        if not failures:
            self.accept()
            return
        reasons = {reason for _label, reason in failures}
        if not applied and len(reasons) == 1:  # the values themselves: fix them and try again
            self.problem.show_problem(f"Nothing was added: {reasons.pop()}.")
            self.applied = 0
            return
        listed = "; ".join(f"{label}: {reason}" for label, reason in failures[:10])
        more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
        self.problem.show_problem(
            f"Added to {applied} items (one Undo step). Not added to {len(failures)}: "
            f"{listed}{more}."
        )
        self.apply_button.setEnabled(False)
        self.cancel_button.setText("Close")

    def _apply_fields(self) -> None:
        """One facade call, one transaction: every change or none, one Undo step."""
        try:
            with self.undo.edit(self.undo_text(), None):
                report = self.library.update_items([i.id for i in self.items], self.chosen_fields())
        except CredenceError as exc:
            self.problem.show_problem(f"Nothing was changed: {exc}")
            return
        self.applied = len(report.changed)
        self.accept()

    def _add_event(self, item: ItemView) -> None:
        self.library.add_event(
            item.id,
            self.action_combo.currentText(),
            self.actor_edit.text(),
            date=self.date_edit.text().strip() or None,
            place=self.place_edit.text(),
            source=self.source_edit.text(),
            note=self.note_edit.text(),
            tool=self.event_tool_combo.currentData(),
        )

    def _set_capture(self, item: ItemView) -> None:
        self.library.update_item(item.id, {"capture_type": self.capture_combo.currentData()})

    def _disclose(self, item: ItemView) -> None:
        self.library.disclose(
            item.id,
            self.category_combo.currentData(),
            tools=self.chosen_tools(),
            purpose=self.purpose_edit.text(),
            extent=self.extent_edit.text(),
        )


def _shown(value: str | None) -> str:
    """A field value in the preview: quoted, shortened, "(empty)" for none."""
    if not value:
        return "(empty)"
    return f"“{value}”" if len(value) <= 60 else f"“{value[:59]}…”"
