"""The AI tools registry: every tool the institution has used, and a form to register one."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel, fit_to_screen
from provenance import CredenceError, Library, ToolView

COLUMNS = (
    ("name", "Name"),
    ("version", "Version / model"),
    ("vendor", "Vendor"),
    ("runs", "Runs"),
    ("training_data", "Training data (vendor's statement)"),
    ("retention", "Data retention"),
    ("documentation", "Documentation"),
)
RUNS = ((None, "Not stated"), ("on-device", "On this computer"), ("cloud", "In the vendor's cloud"))
RUNS_TEXT = {code: text for code, text in RUNS}


class AiToolsDialog(QDialog):
    """The registry as a table, and a form that registers a tool (messages from the facade)."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("AI tools")
        self.setAccessibleName("AI tools registry")
        self.added: list[ToolView] = []

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName("Registered AI tools")
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        table_label = QLabel("&Registered tools:", self)
        table_label.setBuddy(self.table)

        box = QGroupBox("Register a tool", self)
        form = QFormLayout(box)
        self.name_edit = self._edit(form, "&Name:", "Name", "e.g. Topaz Gigapixel AI")
        self.vendor_edit = self._edit(form, "&Vendor:", "Vendor", "who makes it")
        self.version_edit = self._edit(form, "Version or &model:", "Version", "e.g. 7.2")
        self.runs_combo = QComboBox(box)
        self.runs_combo.setAccessibleName("Where it runs")
        for code, text in RUNS:
            self.runs_combo.addItem(text, code)
        runs_label = QLabel("Where it r&uns:", box)
        runs_label.setBuddy(self.runs_combo)
        form.addRow(runs_label, self.runs_combo)
        self.training_edit = self._edit(
            form,
            "&Training data:",
            "Training data statement",
            "what the vendor says the model was trained on",
        )
        self.retention_edit = self._edit(
            form, "Data re&tention:", "Data retention", "what the vendor keeps of your images"
        )
        self.documentation_edit = self._edit(
            form, "&Documentation:", "Documentation link", "https://… (the vendor's page)"
        )
        self.problem = ProblemLabel(box)
        form.addRow(self.problem)
        self.add_button = QPushButton("&Add tool", box)
        self.add_button.setAccessibleName("Register this tool")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_tool)
        form.addRow("", self.add_button)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        layout.addWidget(buttons)
        self.resize(900, 600)
        fit_to_screen(self)
        self.refresh()

    def _edit(self, form: QFormLayout, text: str, name: str, hint: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(hint)
        label = QLabel(text, self)
        label.setBuddy(edit)
        form.addRow(label, edit)
        return edit

    def refresh(self) -> None:
        """Fill the table from the registry."""
        tools = self.library.list_tools()
        self.table.setRowCount(len(tools))
        for row, tool in enumerate(tools):
            for column, (attr, _title) in enumerate(COLUMNS):
                value = getattr(tool, attr)
                if attr == "runs":
                    value = RUNS_TEXT.get(value, value or "")
                cell = QTableWidgetItem(value or "")
                cell.setToolTip(value or "")
                cell.setData(Qt.ItemDataRole.UserRole, tool.id)
                self.table.setItem(row, column, cell)
            if tool.documentation and tool.documentation.startswith(("https://", "http://")):
                link = QLabel(self.table)
                link.setTextFormat(Qt.TextFormat.RichText)
                url = html.escape(tool.documentation)
                link.setText(f'<a href="{url}">{url}</a>')
                link.setOpenExternalLinks(True)  # only when the user clicks it
                link.setAccessibleName(f"Documentation of {tool.name}")
                link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
                self.table.setCellWidget(row, len(COLUMNS) - 1, link)
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 240))

    def add_tool(self) -> ToolView | None:
        """Register the tool in the form; a problem is named on the form, with the field."""
        self.problem.clear_problem()
        try:
            tool = self.library.add_tool(
                self.name_edit.text(),
                self.vendor_edit.text(),
                version=self.version_edit.text().strip() or None,
                runs=self.runs_combo.currentData(),
                training_data=self.training_edit.text().strip() or None,
                retention=self.retention_edit.text().strip() or None,
                documentation=self.documentation_edit.text().strip() or None,
            )
        except CredenceError as exc:
            message = str(exc)
            self.problem.show_problem(f"The tool was not added: {message}.")
            lowered = message.lower()
            if "vendor" in lowered:
                self.vendor_edit.setFocus()
            elif "name" in lowered or "already registered" in lowered:
                self.name_edit.setFocus()
            return None
        self.added.append(tool)
        for edit in (
            self.name_edit,
            self.vendor_edit,
            self.version_edit,
            self.training_edit,
            self.retention_edit,
            self.documentation_edit,
        ):
            edit.clear()
        self.runs_combo.setCurrentIndex(0)
        self.refresh()
        self.name_edit.setFocus()
        return tool
