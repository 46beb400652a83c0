"""Editing the catalog fields of many items at once, from the window.

Edit > Edit fields of N items… (Ctrl+Shift+E) opens the Batch dialog on its catalog-fields
form; Edit > Copy fields (Ctrl+Shift+C) remembers the current item's catalog fields, and
Edit > Paste fields (Ctrl+Shift+V) opens the same form on the selection, filled with them. The
dialog previews every change (item, field, before → after) and applies them as one Undo step.
The item list's context menu offers the same actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu, QMessageBox

from provenance import BULK_FIELDS, CredenceError

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class BulkEdit:
    """The window's bulk-edit actions and the fields last copied (one per window)."""

    def __init__(self, window: MainWindow, edit_menu: QMenu, before: QAction | None) -> None:
        self.window = window
        #: The catalog fields last copied, and the item they came from.
        self.copied: dict[str, str | None] = {}
        self.copied_from: str | None = None

        def add(text: str, slot, shortcut: str, name: str) -> QAction:
            act = QAction(text, window)
            act.setShortcut(QKeySequence(shortcut))
            act.setObjectName(name)
            act.triggered.connect(slot)
            edit_menu.insertAction(before, act)
            return act

        self.edit_action = add(
            "Edit &fields of selected items…", self.edit_fields, "Ctrl+Shift+E", "editFields"
        )
        self.copy_action = add("&Copy fields", self.copy_fields, "Ctrl+Shift+C", "copyFields")
        self.paste_action = add("Pa&ste fields…", self.paste_fields, "Ctrl+Shift+V", "pasteFields")
        self.paste_action.setEnabled(False)
        edit_menu.insertSeparator(before)
        edit_menu.aboutToShow.connect(self.update_actions)
        window.table.selectionModel().selectionChanged.connect(self.update_actions)
        self.watch(window.table)  # and the grid, once built

    def watch(self, view: QAbstractItemView) -> None:
        """Give an item list view (the table, the grid) the bulk-edit context menu."""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(
            lambda position, v=view: self.context_menu(v, position)
        )

    # -- state ----------------------------------------------------------------------------

    def update_actions(self, *_args: object) -> None:
        """Name the selection's size in the menu ("Edit fields of 3 items…")."""
        n = len(self.window.selected_ids())
        self.edit_action.setText(
            f"Edit &fields of {n} item{'' if n == 1 else 's'}…"
            if n
            else "Edit &fields of selected items…"
        )
        self.edit_action.setEnabled(n > 0)
        self.copy_action.setEnabled(self.window.current_item_id() is not None)
        self.paste_action.setEnabled(bool(self.copied) and n > 0)
        if self.copied_from:
            self.paste_action.setText(f"Pa&ste fields of {self.copied_from}…")

    def context_menu(self, view: QAbstractItemView, position: QPoint) -> None:
        """The item list's right-click menu: what can be done with the selection."""
        self.update_actions()
        window = self.window
        menu = QMenu(view)
        menu.setAccessibleName("Item actions")
        menu.addAction(self.edit_action)
        menu.addAction(self.copy_action)
        menu.addAction(self.paste_action)
        menu.addSeparator()
        for name in ("batch_action", "view_image_action", "export_action", "print_action"):
            act = getattr(window, name, None)
            if act is not None:
                menu.addAction(act)
        menu.addSeparator()
        menu.addAction(window.delete_action)
        menu.exec(view.viewport().mapToGlobal(position))

    # -- the actions ----------------------------------------------------------------------

    def edit_fields(self) -> None:
        """Open the catalog-fields form of the Batch dialog on the selection."""
        self._open_dialog({}, None)

    def copy_fields(self) -> None:
        """Remember the current item's catalog fields (every one but the accession number)."""
        window = self.window
        item_id = window.current_item_id()
        if item_id is None:
            return
        try:
            item = window.library.get_item(item_id)
        except CredenceError as exc:
            QMessageBox.warning(window, "Credence", str(exc))
            return
        self.copied = {name: getattr(item, name) for name in BULK_FIELDS}
        self.copied_from = item.accession or f"#{item.id}"
        filled = sum(1 for v in self.copied.values() if v)
        self.update_actions()
        window.statusBar().showMessage(
            f"Copied {filled} catalog field{'' if filled == 1 else 's'} of {item.label}; "
            "select items and paste them with Ctrl+Shift+V.",
            8000,
        )

    def paste_fields(self) -> None:
        """Open the catalog-fields form on the selection, filled with the copied fields."""
        if not self.copied:
            self.window.statusBar().showMessage(
                "Nothing copied yet: Copy fields (Ctrl+Shift+C) on an item first.", 8000
            )
            return
        self._open_dialog(self.copied, self.copied_from)

    def _open_dialog(self, fields: dict[str, str | None], source: str | None) -> None:
        from desktop.dialogs.batch_dialog import BatchDialog

        window = self.window
        ids = window.selected_ids()
        if not ids:
            window.statusBar().showMessage("Select the items to edit first.", 8000)
            return
        try:
            dialog = BatchDialog(
                window.library,
                window.undo,
                ids,
                window,
                mode=BatchDialog.FIELDS,
                fields=fields,
                source=source,
            )
        except CredenceError as exc:
            QMessageBox.warning(window, "Credence", str(exc))
            return
        if dialog.exec() and dialog.applied:
            window.statusBar().showMessage(
                f"Changed {dialog.applied} item{'' if dialog.applied == 1 else 's'} "
                "(one Undo step: Ctrl+Z).",
                8000,
            )
        self.reload_keeping_selection(ids)

    def reload_keeping_selection(self, ids: list[int]) -> None:
        """Reload the list; the items that were selected stay selected (where still listed),
        so a second bulk edit of the same items needs no new selection."""
        window = self.window
        window.model.reload()
        selection = window.table.selectionModel()
        for item_id in ids:
            row = window.model.row_of(item_id)
            if row is not None:
                selection.select(
                    window.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        current = selection.currentIndex()
        if current.isValid():
            window._show(current)  # the inspector shows the edited values
