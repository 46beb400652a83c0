"""Library > Storage roots…: the library's named storage roots and where each is on this
computer. Moving a root (a new drive letter, a new mount point) is one setting here, not a
re-import: the library stores paths relative to the root's name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel, fit_to_screen
from provenance import CredenceError, Library

COLUMNS = ("Name", "Folder on this computer", "Images")


class StorageRootsDialog(QDialog):
    """List the roots; set the selected root's folder, or add a root."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Storage roots")
        self.setAccessibleName("Storage roots")
        intro = QLabel(
            "Originals are found under named storage roots, so every computer of the team "
            "finds the same file: give each root its folder on this computer. The folders are "
            "kept in this computer's settings, not in the library.",
            self,
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Storage roots of this library")
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)

        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Root name")
        self.name_edit.setPlaceholderText("e.g. scans")
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Root folder on this computer")
        self.folder_edit.setPlaceholderText("e.g. /mnt/collections/scans")
        choose = QPushButton("C&hoose…", self)
        choose.setAccessibleName("Choose the root's folder")
        choose.setAutoDefault(False)  # Return in a field sets the folder, it opens nothing
        choose.clicked.connect(self._choose)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        form = QFormLayout()
        name_label = QLabel("&Name:", self)
        name_label.setBuddy(self.name_edit)
        folder_label = QLabel("&Folder:", self)
        folder_label.setBuddy(self.folder_edit)
        form.addRow(name_label, self.name_edit)
        form.addRow(folder_label, folder_row)
        self.apply_button = QPushButton("&Set folder", self)
        self.apply_button.setAccessibleName("Set the root's folder")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        self.new_button = QPushButton("Ne&w root", self)
        self.new_button.setToolTip("Clear the form to add a new root")
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self._new)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        self.problem = ProblemLabel(self)
        self.status = QLabel(self)
        self.status.setAccessibleName("Storage roots status")
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.problem)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(720, 420)
        fit_to_screen(self)
        self.reload()

    def reload(self, current: str | None = None) -> None:
        """List the roots again (`current` stays selected)."""
        try:
            roots = self.library.storage_roots()
        except CredenceError as exc:
            self.problem.show_problem(str(exc))
            return
        self.tree.clear()
        for root in roots:
            row = QTreeWidgetItem(
                [root.name, root.path or "(not set on this computer)", f"{root.assets:,}"]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, root.name)
            row.setToolTip(1, root.path or "Set its folder to find these originals here")
            self.tree.addTopLevelItem(row)
            if root.name == current:
                self.tree.setCurrentItem(row)
        if not roots:
            self.status.setText(
                "This library has no storage roots yet: type a name and a folder, then Set folder."
            )

    def _current_changed(self, row: QTreeWidgetItem | None, _previous) -> None:
        if row is None:
            return
        self.name_edit.setText(row.data(0, Qt.ItemDataRole.UserRole))
        path = row.text(1)
        self.folder_edit.setText("" if path.startswith("(") else path)

    def _new(self) -> None:
        self.tree.setCurrentItem(None)
        self.name_edit.clear()
        self.folder_edit.clear()
        self.name_edit.setFocus()

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Root folder", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def apply(self) -> None:
        """Set the named root's folder (adding the root when the library has none so named)."""
        name, folder = self.name_edit.text().strip(), self.folder_edit.text().strip()
        if not name or not folder:
            self.problem.show_problem("Give the root a name and a folder.")
            return
        try:
            known = {root.name for root in self.library.storage_roots()}
            if name in known:
                root = self.library.set_root(name, folder)
                done = f"The root {root.name} is now {root.path} on this computer."
            else:
                root = self.library.add_root(name, folder)
                done = f"Added the root {root.name} at {root.path}."
        except CredenceError as exc:
            self.problem.show_problem(f"Not set: {exc}.")
            return
        self.problem.clear_problem()
        self.status.setText(done)
        self.reload(current=root.name)
