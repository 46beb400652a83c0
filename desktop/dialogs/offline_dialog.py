"""Work carried offline: File > Check out… (items into a new library for a laptop), File >
Check in… (the laptop's work back, with the conflicts it could not apply) and File >
Conflicts… (decide each: keep mine, keep theirs, or edit; every decision is recorded in
history by the core).

"Mine" is the laptop's value and "theirs" the team library's, as in `credence resolve`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel, Runner, WorkDialog, fit_to_screen
from provenance import CheckinReport, CheckoutReport, ConflictView, CredenceError, Library

#: The conflict list's columns.
CONFLICT_COLUMNS = ("#", "Item", "Field", "Mine (laptop)", "Theirs (team)", "From", "Why")


def value_text(value: Any) -> str:
    """A conflict's value as a person reads it."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def conflict_cells(conflict: ConflictView) -> list[str]:
    """One row of the conflict list."""
    what = conflict.item_label or (
        f"#{conflict.item}" if conflict.item is not None else conflict.entity
    )
    origin = f"{conflict.by}, {conflict.at[:16].replace('T', ' ')}"
    if conflict.state != "open":
        origin += f" — {conflict.resolution} ({conflict.resolved_by})"
    return [
        str(conflict.id),
        what,
        conflict.field,
        value_text(conflict.ours),
        value_text(conflict.theirs),
        origin,
        conflict.reason,
    ]


def conflict_tree(parent: QWidget, name: str) -> QTreeWidget:
    """An empty conflict list."""
    tree = QTreeWidget(parent)
    tree.setColumnCount(len(CONFLICT_COLUMNS))
    tree.setHeaderLabels(list(CONFLICT_COLUMNS))
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setAccessibleName(name)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = tree.header()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    # The two values get the room; the reason (the same few sentences) comes last.
    for column, width in enumerate((36, 130, 80, 210, 210, 170)):
        tree.setColumnWidth(column, width)
    return tree


def fill_conflicts(tree: QTreeWidget, conflicts: list[ConflictView] | tuple) -> None:
    """Show `conflicts` in `tree`, each full value in its tooltip."""
    tree.clear()
    for conflict in conflicts:
        cells = conflict_cells(conflict)
        row = QTreeWidgetItem(cells)
        for column, text in enumerate(cells):
            row.setToolTip(column, text)
        row.setData(0, Qt.ItemDataRole.UserRole, conflict.id)
        row.setData(0, Qt.ItemDataRole.UserRole + 1, conflict.state)
        tree.addTopLevelItem(row)


def _folder_row(
    owner: QWidget, label_text: str, name: str, start: str
) -> tuple[QLineEdit, QHBoxLayout, QLabel]:
    """A folder field with a Choose… button (typing the path works as well)."""
    edit = QLineEdit(start, owner)
    edit.setAccessibleName(name)
    choose = QPushButton("C&hoose…", owner)
    choose.setAccessibleName(f"Choose the {name.lower()}")

    def pick() -> None:
        chosen = QFileDialog.getExistingDirectory(owner, name, edit.text() or str(Path.home()))
        if chosen:
            edit.setText(chosen)

    choose.setAutoDefault(False)  # Return in the field starts the work, it opens nothing
    choose.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(choose)
    label = QLabel(label_text, owner)
    label.setBuddy(edit)
    return edit, row, label


class CheckOutDialog(WorkDialog):
    """Copy items (the selection, what a search finds, or all) into a new library folder."""

    def __init__(
        self,
        library: Library,
        selected: list[int],
        runner: Runner,
        parent: QWidget | None = None,
        *,
        search: str = "",
        folder: str | None = None,
    ) -> None:
        super().__init__(library, runner, parent)
        self.setWindowTitle("Check out for offline work")
        self.setAccessibleName("Check out")
        self.selected = list(selected)
        self.report: CheckoutReport | None = None
        intro = QLabel(
            "The items are copied into a new library folder with their events, disclosures, "
            "tags, tools and vocabularies. Take it on a laptop, work without a network, and "
            "bring the work back with File > Check in…",
            self,
        )
        intro.setWordWrap(True)
        self.selection_radio = QRadioButton(f"The &selected items ({len(self.selected)})", self)
        self.search_radio = QRadioButton("Items a s&earch finds:", self)
        self.all_radio = QRadioButton(f"&All items ({library.count_items():,})", self)
        self.search_edit = QLineEdit(search, self)
        self.search_edit.setAccessibleName("Search words")
        self.search_edit.setPlaceholderText("words, as in the search field")
        self.search_edit.textEdited.connect(lambda _t: self.search_radio.setChecked(True))
        group = QButtonGroup(self)
        for radio in (self.selection_radio, self.search_radio, self.all_radio):
            group.addButton(radio)
        self.selection_radio.setEnabled(bool(self.selected))
        (self.selection_radio if self.selected else self.all_radio).setChecked(True)
        if search and not self.selected:
            self.search_radio.setChecked(True)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_radio)
        search_row.addWidget(self.search_edit, 1)

        suggestion = folder or str(Path.home() / f"Credence check-out {date.today().isoformat()}")
        self.folder_edit, folder_row, folder_label = _folder_row(
            self, "New library &folder:", "Check-out folder", suggestion
        )
        form = QFormLayout()
        form.addRow(folder_label, folder_row)

        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Check-out result")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.go_button = self.buttons.addButton(
            "Check &out", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self.check_out)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.selection_radio)
        layout.addLayout(search_row)
        layout.addWidget(self.all_radio)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(620, 360)
        fit_to_screen(self)

    def set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.selection_radio,
            self.search_radio,
            self.all_radio,
            self.search_edit,
            self.folder_edit,
        ):
            widget.setEnabled(
                enabled and (widget is not self.selection_radio or bool(self.selected))
            )
        # One check-out per dialog: its folder now holds a library.
        self.go_button.setEnabled(enabled and self.report is None)

    def check_out(self) -> None:
        """Check the chosen items out into the folder (in a worker)."""
        folder = self.folder_edit.text().strip()
        if not folder:
            self.problem.show_problem("Type or choose the folder for the new library.")
            return
        refs: list[int] = []
        search: str | None = None
        everything = False
        if self.selection_radio.isChecked():
            refs = self.selected
        elif self.search_radio.isChecked():
            search = self.search_edit.text().strip()
            if not search:
                self.problem.show_problem("Type the words of the search, or choose All items.")
                return
        else:
            everything = True
        library = self.library

        def work(_progress, _cancel) -> CheckoutReport:
            return library.checkout(Path(folder), refs, search=search, everything=everything)

        self.result.setText("")
        self.run_task("Checking out", work, self._done)

    def _done(self, report: CheckoutReport, _cancelled: bool) -> None:
        self.report = report
        self.result.setText(
            f"Checked out {report.items:,} item{'' if report.items == 1 else 's'} "
            f"({report.events:,} events, {report.disclosures:,} disclosures, "
            f"{report.assets:,} images) to {report.folder}. Open it there with File > Open "
            "library…, and bring the work back here with File > Check in…"
        )


class CheckInDialog(WorkDialog):
    """Replay a laptop library's work onto this library; show what was applied and the
    conflicts, each resolvable in the Conflicts dialog."""

    def __init__(
        self,
        library: Library,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        folder: str = "",
    ) -> None:
        super().__init__(library, runner, parent)
        self.setWindowTitle("Check in offline work")
        self.setAccessibleName("Check in")
        self.report: CheckinReport | None = None
        intro = QLabel(
            "Choose the laptop's library folder (made with File > Check out…). Each change it "
            "holds is applied when the team's value is still the one it started from; the "
            "others are listed as conflicts, never overwritten. Checking in twice applies "
            "nothing new.",
            self,
        )
        intro.setWordWrap(True)
        self.folder_edit, folder_row, folder_label = _folder_row(
            self, "Laptop library &folder:", "Laptop library folder", folder
        )
        form = QFormLayout()
        form.addRow(folder_label, folder_row)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Check-in result")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conflict_list = conflict_tree(self, "Conflicts of this check-in")
        self.conflict_list.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.go_button = self.buttons.addButton("Check &in", QDialogButtonBox.ButtonRole.ActionRole)
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self.check_in)
        self.resolve_button = self.buttons.addButton(
            "&Resolve conflicts…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.resolve_button.hide()
        self.resolve_button.clicked.connect(self.resolve)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.summary)
        layout.addWidget(self.conflict_list, 10)
        layout.addStretch(1)  # without conflicts the form stays at the top
        layout.addWidget(self.buttons)
        self.resize(900, 520)
        fit_to_screen(self)

    def set_inputs_enabled(self, enabled: bool) -> None:
        self.folder_edit.setEnabled(enabled)
        self.go_button.setEnabled(enabled)

    def check_in(self) -> None:
        """Check the laptop library in (in a worker, with progress)."""
        folder = self.folder_edit.text().strip()
        if not folder:
            self.problem.show_problem("Type or choose the laptop's library folder.")
            return
        library = self.library

        def work(progress, _cancel) -> CheckinReport:
            return library.checkin(Path(folder), progress=progress)

        self.summary.setText("")
        self.run_task("Checking in", work, self._done)

    def _done(self, report: CheckinReport, _cancelled: bool) -> None:
        self.report = report
        lines = [
            f"Applied {report.applied:,} change{'' if report.applied == 1 else 's'}; "
            f"{len(report.conflicts):,} conflict{'' if len(report.conflicts) == 1 else 's'}; "
            f"{report.unchanged:,} already so; {report.already:,} checked in before."
        ]
        lines += [
            f"New {kind} {laptop} on the laptop is {kind} {team} here."
            for kind, laptop, team in report.new_ids[:20]
        ]
        lines += [f"Not checked in: laptop entry {e}: {r}." for e, r in report.skipped[:20]]
        lines += [f"Warning: {w}" for w in report.warnings[:20]]
        if report.conflicts:
            lines.append("Decide each conflict with Resolve conflicts… (or File > Conflicts…).")
        self.summary.setText("\n".join(lines))
        fill_conflicts(self.conflict_list, report.conflicts)
        self.conflict_list.setVisible(bool(report.conflicts))
        self.resolve_button.setVisible(bool(report.conflicts))

    def resolve(self) -> None:
        """Open the Conflicts dialog."""
        ConflictsDialog(self.library, self).exec()


class ConflictsDialog(QDialog):
    """The open conflicts of checked-in work: both values, and Keep mine / Keep theirs /
    Edit… for each (recorded in history)."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Conflicts of checked-in work")
        self.setAccessibleName("Conflicts")
        self.resolved_any = False
        intro = QLabel(
            "Changes made on a laptop that could not be applied because the team changed the "
            "same thing meanwhile. Mine is the laptop's value, theirs the team library's.",
            self,
        )
        intro.setWordWrap(True)
        self.tree = conflict_tree(self, "Conflicts")
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        # The current conflict's values in full (a description does not fit in a column).
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setAccessibleName("The chosen conflict in full")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_resolved = QCheckBox("Show &resolved conflicts", self)
        self.show_resolved.toggled.connect(lambda _on: self.reload())
        self.problem = ProblemLabel(self)
        self.status = QLabel(self)
        self.status.setAccessibleName("Conflict status")
        self.status.setWordWrap(True)
        self.keep_mine = QPushButton("Keep &mine", self)
        self.keep_mine.setToolTip("Apply the laptop's value")
        self.keep_theirs = QPushButton("Keep &theirs", self)
        self.keep_theirs.setToolTip("Leave the team library's value as it is")
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setToolTip("Type the value to keep")
        self.keep_mine.clicked.connect(lambda: self.resolve(keep="mine"))
        self.keep_theirs.clicked.connect(lambda: self.resolve(keep="theirs"))
        self.edit_button.clicked.connect(self.edit_value)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        for button in (self.keep_mine, self.keep_theirs, self.edit_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.show_resolved)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(1000, 480)
        fit_to_screen(self)
        self.reload()

    def conflicts_shown(self) -> list[int]:
        """The ids of the listed conflicts, in order."""
        return [
            self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
            for i in range(self.tree.topLevelItemCount())
        ]

    def reload(self, keep: int | None = None) -> None:
        """List the conflicts again; the row at the same place stays current."""
        try:
            found = self.library.conflicts(include_resolved=self.show_resolved.isChecked())
        except CredenceError as exc:
            self.problem.show_problem(str(exc))
            return
        fill_conflicts(self.tree, found)
        if not found and not self.status.text():
            self.status.setText("No conflicts wait for a decision.")
        if self.tree.topLevelItemCount():
            row = min(keep or 0, self.tree.topLevelItemCount() - 1)
            self.tree.setCurrentItem(self.tree.topLevelItem(row))
        self._update_buttons()

    def current(self) -> tuple[int, ConflictView | None]:
        row = self.tree.currentItem()
        if row is None:
            return -1, None
        conflict_id = row.data(0, Qt.ItemDataRole.UserRole)
        for conflict in self.library.conflicts(include_resolved=True):
            if conflict.id == conflict_id:
                return self.tree.indexOfTopLevelItem(row), conflict
        return -1, None

    def _update_buttons(self) -> None:
        row = self.tree.currentItem()
        open_ = row is not None and row.data(0, Qt.ItemDataRole.UserRole + 1) == "open"
        self.detail.setText(
            ""
            if row is None
            else f"{row.text(1)}, {row.text(2)}. Mine (laptop): {row.text(3)}\n"
            f"Theirs (team): {row.text(4)}\nWhy: {row.text(6)}; from {row.text(5)}."
        )
        for button in (self.keep_mine, self.keep_theirs, self.edit_button):
            button.setEnabled(open_)

    def resolve(self, *, keep: str | None = None, value: str | None = None) -> None:
        """Decide the current conflict."""
        index, conflict = self.current()
        if conflict is None:
            return
        try:
            done = self.library.resolve_conflict(conflict.id, keep=keep, value=value)
        except CredenceError as exc:
            self.problem.show_problem(f"Not resolved: {exc}.")
            return
        self.problem.clear_problem()
        self.resolved_any = True
        what = done.item_label or (f"#{done.item}" if done.item is not None else done.entity)
        self.status.setText(f"Conflict {done.id} ({what}, {done.field}): {done.resolution}.")
        self.reload(keep=index)

    def edit_value(self) -> None:
        """Type the value to keep (the team's value to start from)."""
        _index, conflict = self.current()
        if conflict is None:
            return
        start = "" if conflict.theirs is None else value_text(conflict.theirs)
        text, accepted = QInputDialog.getText(
            self,
            "Resolve conflict",
            f"{conflict.field} of {conflict.item_label or conflict.entity}: the value to keep",
            QLineEdit.EchoMode.Normal,
            start,
        )
        if accepted:
            self.resolve(value=text)
