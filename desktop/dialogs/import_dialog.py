"""Import dialogs: image files and folders, and catalog files (CSV or JSON) with a field mapping."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.capture import capture_type_combo
from desktop.dialogs.common import (
    FIELD_LABELS,
    ProblemLabel,
    Runner,
    WorkDialog,
    fit_to_screen,
    summary_group,
    summary_row,
)
from desktop.history_text import fields_read_words, from_file_words
from provenance import (
    ITEM_FIELDS,
    BadRow,
    CatalogImportReport,
    CatalogRow,
    CredenceError,
    ImportReport,
    Library,
    read_catalog,
    unguard_cell,
)

IMAGE_FILTER = (
    "Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif *.avif *.dng *.gif *.bmp);;"
    "All files (*)"
)
CATALOG_FILTER = "Catalog files (*.csv *.json *.txt);;All files (*)"
NOT_IMPORTED = "(not imported)"
PREVIEW_ROWS = 5


class ImportFilesDialog(WorkDialog):
    """Choose image files and folders (or drop them here), import them, then read what happened.

    Each file becomes a new item unless "Attach to item" names one. The summary names every
    file: imported, already in the library, or rejected and why.
    """

    def __init__(
        self,
        library: Library,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        paths: Iterable[str | Path] = (),
        item: str | None = None,
    ) -> None:
        super().__init__(library, runner, parent)
        self.setWindowTitle("Import images")
        self.setAccessibleName("Import images")
        self.setAcceptDrops(True)
        self.report: ImportReport | None = None

        self.sources = QListWidget(self)
        self.sources.setAccessibleName("Files and folders to import")
        self.sources.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        sources_label = QLabel("&Files and folders to import (drop them here too):", self)
        sources_label.setBuddy(self.sources)

        self.add_files_button = QPushButton("Add fi&les…", self)
        self.add_files_button.setAccessibleName("Add image files")
        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button = QPushButton("Add f&older…", self)
        self.add_folder_button.setAccessibleName("Add a folder (imported with its subfolders)")
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setAccessibleName("Remove the selected files and folders from the list")
        self.remove_button.clicked.connect(self.remove_selected)
        side = QVBoxLayout()
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            side.addWidget(button)
        side.addStretch(1)
        chooser = QHBoxLayout()
        chooser.addWidget(self.sources, 1)
        chooser.addLayout(side)

        self.item_edit = QLineEdit(item or "", self)
        self.item_edit.setAccessibleName("Attach to item")
        self.item_edit.setPlaceholderText("accession number or #id; empty: one new item per image")
        self.item_edit.setClearButtonEnabled(True)
        form = QFormLayout()
        item_label = QLabel("&Attach to item (optional):", self)
        item_label.setBuddy(self.item_edit)
        form.addRow(item_label, self.item_edit)
        # How the images were made is part of the record: exports sign it.
        self.capture_combo = capture_type_combo(self)
        self.capture_combo.setAccessibleName("Capture type of the new items")
        default = library.settings().capture_type_default or None
        self.capture_combo.setCurrentIndex(max(0, self.capture_combo.findData(default)))
        capture_label_widget = QLabel("Capture t&ype of new items:", self)
        capture_label_widget.setBuddy(self.capture_combo)
        form.addRow(capture_label_widget, self.capture_combo)

        self.counts = QLabel(self)
        self.counts.setAccessibleName("Import result")
        self.counts.setWordWrap(True)
        self.summary = QTreeWidget(self)
        self.summary.setAccessibleName("Import summary")
        self.summary.setHeaderLabels(["File", "What happened", "Folder"])
        self.summary.setRootIsDecorated(True)
        header = self.summary.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.summary.hide()

        self.import_button = QPushButton("&Import", self)
        self.import_button.setAccessibleName("Start importing")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(sources_label)
        layout.addLayout(chooser, 1)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.counts)
        layout.addWidget(self.summary, 2)
        layout.addWidget(buttons)
        self.add_paths(paths)
        self.resize(720, 520)
        fit_to_screen(self)

    # -- choosing -------------------------------------------------------------------------

    def paths(self) -> list[str]:
        """The files and folders in the list, in order."""
        return [self.sources.item(i).text() for i in range(self.sources.count())]

    def add_paths(self, paths: Iterable[str | Path]) -> None:
        """Add files or folders to the list (each once)."""
        known = set(self.paths())
        for path in paths:
            text = str(path)
            if text and text not in known:
                self.sources.addItem(text)
                known.add(text)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Choose images to import", "", IMAGE_FILTER)
        self.add_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder to import")
        if folder:
            self.add_paths([folder])

    def remove_selected(self) -> None:
        for entry in self.sources.selectedItems():
            self.sources.takeItem(self.sources.row(entry))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        self.add_paths(u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile())
        event.acceptProposedAction()

    # -- importing ------------------------------------------------------------------------

    def set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.sources,
            self.add_files_button,
            self.add_folder_button,
            self.remove_button,
            self.item_edit,
            self.capture_combo,
            self.import_button,
        ):
            widget.setEnabled(enabled)

    def start_import(self) -> None:
        """Import the listed files and folders in a worker."""
        paths = self.paths()
        if not paths:
            self.problem.show_problem(
                "Nothing to import yet: add image files or a folder (or drop them here)."
            )
            return
        item = self.item_edit.text().strip() or None
        # "" (not None): the choice "Not recorded" is made here, not left to the setting.
        capture = self.capture_combo.currentData() or ""
        library = self.library

        def work(progress, cancel) -> ImportReport:
            return library.import_files(
                paths, item=item, capture_type=capture, progress=progress, cancel=cancel
            )

        self.run_task("Importing images", work, self.show_report)

    def show_report(self, report: ImportReport, cancelled: bool = False) -> None:
        """Fill the summary: every file, grouped by what happened to it."""
        self.report = report
        tree = self.summary
        tree.clear()
        imported = summary_group(tree, "Imported", len(report.imported))
        for entry in report.imported:
            path = Path(entry.file)
            what = f"imported into {entry.item}"
            state = (entry.credentials or {}).get("summary")
            if state:
                what += f"; credentials: {state}"
            if entry.from_file:
                what += "; from the file: " + from_file_words(entry)
            if entry.warnings:
                what += "; " + "; ".join(entry.warnings)
            summary_row(imported, path.name, what, str(path.parent), tooltip=str(path))
        duplicates = summary_group(tree, "Already in the library", len(report.duplicates))
        for entry in report.duplicates:
            path = Path(entry.file)
            what = f"same image as {Path(entry.same_as).name} of {entry.item}; not imported again"
            summary_row(duplicates, path.name, what, str(path.parent), tooltip=str(path))
        rejected = summary_group(tree, "Rejected", len(report.rejected))
        for entry in report.rejected:
            path = Path(entry.file)
            summary_row(rejected, path.name, entry.reason, str(path.parent), tooltip=str(path))
        text = (
            f"{len(report.imported)} imported, {len(report.duplicates)} already in the library, "
            f"{len(report.rejected)} rejected; {fields_read_words(report)}."
        )
        if report.cancelled or cancelled:
            text += " The import was stopped: files not listed here were not imported."
        self.counts.setText(text)
        tree.show()
        self.import_button.setText("&Import again")


class CatalogImportDialog(WorkDialog):
    """Import a catalog CSV or JSON file: map its columns onto item fields, preview the first
    rows as they will be stored, then import and read which rows were rejected and why."""

    def __init__(
        self,
        library: Library,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        path: str | Path | None = None,
    ) -> None:
        super().__init__(library, runner, parent)
        self.setWindowTitle("Import a catalog")
        self.setAccessibleName("Import a catalog")
        self.report: CatalogImportReport | None = None
        self.path: Path | None = None
        self.columns: list[str] = []
        self.guess: dict[str, str] = {}
        self._preview_rows: list[CatalogRow | BadRow] = []

        self.file_edit = QLineEdit(self)
        self.file_edit.setAccessibleName("Catalog file")
        self.file_edit.setPlaceholderText("a CSV file or a JSON array of records")
        self.file_edit.editingFinished.connect(self._file_edited)
        file_label = QLabel("Catalog &file:", self)
        file_label.setBuddy(self.file_edit)
        self.choose_button = QPushButton("&Choose…", self)
        self.choose_button.setAccessibleName("Choose the catalog file")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(file_label)
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)

        mapping_box = QGroupBox("Which column fills each field", self)
        mapping_form = QFormLayout(mapping_box)
        self.mapping_combos: dict[str, QComboBox] = {}
        for field in ITEM_FIELDS:
            combo = QComboBox(mapping_box)
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setAccessibleName(f"Column for {FIELD_LABELS[field]}")
            combo.currentIndexChanged.connect(self._mapping_changed)
            label = QLabel(f"&{FIELD_LABELS[field]}:", mapping_box)
            label.setBuddy(combo)
            mapping_form.addRow(label, combo)
            self.mapping_combos[field] = combo
        self.key_combo = QComboBox(mapping_box)
        self.key_combo.setMinimumContentsLength(18)
        self.key_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.key_combo.setAccessibleName("Key column")
        self.key_combo.setToolTip(
            "The column that identifies each record. A row whose key is already in the "
            "library updates that item; a new key creates an item."
        )
        self.key_combo.currentIndexChanged.connect(self._mapping_changed)
        key_label = QLabel("&Key column:", mapping_box)
        key_label.setBuddy(self.key_combo)
        mapping_form.addRow(key_label, self.key_combo)
        self.mapping_problem = ProblemLabel(mapping_box, "Mapping problem")
        mapping_form.addRow(self.mapping_problem)
        self.extra_note = QLabel(mapping_box)
        self.extra_note.setWordWrap(True)
        self.extra_note.setAccessibleName("Columns kept as extra fields")
        mapping_form.addRow(self.extra_note)

        self.preview = QTableWidget(self)
        self.preview.setAccessibleName(f"Preview of the first {PREVIEW_ROWS} records as mapped")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().hide()
        self.preview.setWordWrap(False)
        preview_label = QLabel(f"&Preview of the first {PREVIEW_ROWS} records as mapped:", self)
        preview_label.setBuddy(self.preview)

        self.counts = QLabel(self)
        self.counts.setAccessibleName("Import result")
        self.counts.setWordWrap(True)
        self.rejected_table = QTableWidget(0, 2, self)
        self.rejected_table.setAccessibleName("Rejected rows")
        self.rejected_table.setHorizontalHeaderLabels(["Line", "Why it was not imported"])
        self.rejected_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected_table.verticalHeader().hide()
        self.rejected_table.horizontalHeader().setStretchLastSection(True)
        self.rejected_table.hide()

        self.import_button = QPushButton("&Import", self)
        self.import_button.setAccessibleName("Start importing the catalog")
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        preview_box = QWidget(self)
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(preview_label)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addWidget(self.counts)
        preview_layout.addWidget(self.rejected_table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(mapping_box)
        splitter.addWidget(preview_box)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 620])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        layout.addWidget(buttons)
        self.resize(1000, 560)
        fit_to_screen(self)
        if path is not None:
            self.set_path(path)

    # -- the file and its columns ---------------------------------------------------------

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a catalog file", "", CATALOG_FILTER)
        if path:
            self.set_path(path)

    def _file_edited(self) -> None:
        text = self.file_edit.text().strip()
        if text and Path(text) != self.path:
            self.set_path(text)

    def set_path(self, path: str | Path) -> bool:
        """Read the file's columns and first rows, and start the mapping from Credence's guess.

        Returns False (and says why on the page) when the file cannot be read.
        """
        path = Path(path)
        self.file_edit.setText(str(path))
        self.problem.clear_problem()
        try:
            columns, guess = self.library.catalog_columns(path)
            _header, rows = read_catalog(path)
            try:
                preview = list(islice(rows, PREVIEW_ROWS))
            finally:
                close = getattr(rows, "close", None)
                if close is not None:
                    close()  # the CSV reader holds the file open until closed
        except CredenceError as exc:
            return self._unreadable(str(exc))
        except OSError as exc:
            return self._unreadable(f"{path.name}: cannot be opened ({exc.strerror}).")
        self.path, self.columns, self.guess = path, columns, guess
        self._preview_rows = preview
        self._fill_combos()
        self.import_button.setEnabled(True)
        return True

    def _unreadable(self, message: str) -> bool:
        self.path, self.columns, self.guess, self._preview_rows = None, [], {}, []
        self._fill_combos()
        self.import_button.setEnabled(False)
        self.problem.show_problem(f"{message} Choose another file, or save this one as UTF-8 CSV.")
        return False

    def _fill_combos(self) -> None:
        for field, combo in self.mapping_combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IMPORTED, None)
            for column in self.columns:
                combo.addItem(column, column)
            guessed = self.guess.get(field)
            combo.setCurrentIndex(combo.findData(guessed) if guessed else 0)
            combo.blockSignals(False)
        self.key_combo.blockSignals(True)
        self.key_combo.clear()
        self.key_combo.addItem("(the accession column)", None)
        for column in self.columns:
            self.key_combo.addItem(column, column)
        self.key_combo.setCurrentIndex(0)
        self.key_combo.blockSignals(False)
        self._mapping_changed()

    # -- the mapping ----------------------------------------------------------------------

    def chosen_mapping(self) -> dict[str, str]:
        """Field -> column as chosen in the dialog (fields left out are not listed)."""
        mapping = {}
        for field, combo in self.mapping_combos.items():
            column = combo.currentData()
            if column:
                mapping[field] = column
        return mapping

    def effective_mapping(self) -> dict[str, str]:
        """What the import will use: the guess, overridden by the choices made here."""
        return {**self.guess, **self.chosen_mapping()}

    def key_column(self) -> str | None:
        return self.key_combo.currentData() or self.effective_mapping().get("accession")

    def _mapping_changed(self, *_args: object) -> None:
        mapping = self.effective_mapping()
        used = set(mapping.values())
        extra = [c for c in self.columns if c not in used and c != "credence_id"]
        if extra:
            shown = ", ".join(extra[:12]) + (
                f" and {len(extra) - 12} more" if len(extra) > 12 else ""
            )
            self.extra_note.setText(f"Other columns are kept as extra fields: {shown}.")
        else:
            self.extra_note.setText("Every column fills a field.")
        notes = []
        for field, combo in self.mapping_combos.items():
            if combo.currentData() is None and field in self.guess:
                notes.append(
                    f"{FIELD_LABELS[field]} is still read from column {self.guess[field]!r}: "
                    "Credence recognises that column name and cannot leave it out yet; choose "
                    "another column for it, or rename the column in the file."
                )
        if self.columns and self.key_column() is None:
            notes.append(
                "No column is mapped to Accession number: choose the Key column, the column "
                "that identifies each record."
            )
        self.mapping_problem.show_problem(" ".join(notes))
        self._fill_preview(mapping, extra)

    def _fill_preview(self, mapping: dict[str, str], extra: list[str]) -> None:
        fields = [f for f in ITEM_FIELDS if f in mapping]
        headers = ["Line", *(f"{FIELD_LABELS[f]}\n← {mapping[f]}" for f in fields), "Extra fields"]
        table = self.preview
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(self._preview_rows))
        for row, record in enumerate(self._preview_rows):
            table.setItem(row, 0, QTableWidgetItem(str(record.line)))
            if isinstance(record, BadRow):
                cell = QTableWidgetItem(f"will be rejected: {record.reason}")
                table.setItem(row, 1, cell)
                table.setSpan(row, 1, 1, len(headers) - 1)
                continue
            for column, field in enumerate(fields, start=1):
                value = _cell(record.values.get(mapping[field]))
                table.setItem(row, column, QTableWidgetItem(value))
            kept = [c for c in extra if _cell(record.values.get(c))]
            text = f"{len(kept)}: " + ", ".join(kept[:4]) + ("…" if len(kept) > 4 else "")
            table.setItem(row, len(headers) - 1, QTableWidgetItem(text if kept else ""))
        table.resizeColumnsToContents()
        for column in range(table.columnCount()):
            table.setColumnWidth(column, min(table.columnWidth(column), 220))

    # -- importing ------------------------------------------------------------------------

    def set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (self.file_edit, self.choose_button, self.key_combo, self.import_button):
            widget.setEnabled(enabled and (widget is not self.import_button or bool(self.path)))
        for combo in self.mapping_combos.values():
            combo.setEnabled(enabled)

    def start_import(self) -> None:
        """Import the file with the chosen mapping and key, in a worker."""
        if self.path is None:
            self.problem.show_problem("Choose a catalog file first.")
            return
        if self.key_column() is None:
            self.problem.show_problem(
                "Choose the Key column (the column that identifies each record), or map a "
                "column to Accession number."
            )
            self.key_combo.setFocus()
            return
        path, mapping, key = self.path, self.chosen_mapping(), self.key_combo.currentData()
        library = self.library

        def work(progress, cancel) -> CatalogImportReport:
            return library.import_catalog(
                path, mapping=mapping, key=key, progress=progress, cancel=cancel
            )

        self.run_task(f"Importing {path.name}", work, self.show_report)

    def show_report(self, report: CatalogImportReport, cancelled: bool = False) -> None:
        """Show the counts and each rejected row with its line number and reason."""
        self.report = report
        name = self.path.name if self.path else "the file"
        text = (
            f"{report.created} items created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.rejected)} "
            f"row{'' if len(report.rejected) == 1 else 's'} rejected."
        )
        if report.rejected:
            text += f" Fix the rejected lines in {name} and import it again: rows already "
            text += "imported are found by their key and not duplicated."
        if report.cancelled or cancelled:
            text += " The import was stopped; rows after the last one counted were not read."
        self.counts.setText(text)
        table = self.rejected_table
        table.setRowCount(len(report.rejected))
        for row, problem in enumerate(report.rejected):
            table.setItem(row, 0, QTableWidgetItem(f"line {problem.line}"))
            table.setItem(row, 1, QTableWidgetItem(problem.reason))
        table.resizeColumnToContents(0)
        table.setVisible(bool(report.rejected))


def _cell(value: str | None) -> str:
    """A cell as the import stores it: trimmed, spreadsheet formula guard removed."""
    if not value:
        return ""
    value = value.strip()
    return unguard_cell(value) if value[:1] == "'" else value
