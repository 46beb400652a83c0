"""Print labels: template, language, a page preview with the preflight findings beside it,
Print… through the system dialog, and Save PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
)

from desktop.labelling import LabelPlan, plan_labels
from labels import load_templates, page_count, page_image, paint_pages, render_pdf
from provenance import CredenceError, Library, available_languages

PREVIEW_WIDTH = 600  # pixels


class LabelsDialog(QDialog):
    """Preview, print or save the labels of the selected items."""

    def __init__(self, library: Library, item_ids: list[int], runner=None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print labels")
        self.library = library
        self.items = [library.get_item(i) for i in item_ids]
        self.templates = load_templates()
        settings = library.settings()
        self.plan = LabelPlan()

        self.template = QComboBox()
        for name, template in sorted(self.templates.items()):
            self.template.addItem(f"{name} — {template.description}", name)
        self.template.setCurrentIndex(max(0, self.template.findData("wall")))
        self.language = QComboBox()
        for code in available_languages():
            self.language.addItem(code, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.qr = QLineEdit(settings.qr_pattern)
        self.qr.setPlaceholderText("https://collection.example.org/objects/{accession}, or export")
        self.drafts = QCheckBox("Print &unapproved disclosures as DRAFT")
        self.page = QSpinBox()
        self.page.setMinimum(1)
        for widget, name in (
            (self.template, "Template"),
            (self.language, "Language"),
            (self.qr, "QR code"),
            (self.drafts, "Print drafts"),
            (self.page, "Preview page"),
        ):
            widget.setAccessibleName(name)

        form = QFormLayout()
        form.addRow("&Template:", self.template)
        form.addRow("&Language:", self.language)
        form.addRow("&QR code:", self.qr)
        form.addRow(self.drafts)
        form.addRow("Preview &page:", self.page)

        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setAccessibleName("Page preview")
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        scroll.setMinimumSize(PREVIEW_WIDTH + 30, 460)
        self.findings = QListWidget()
        self.findings.setAccessibleName("Preflight findings")
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(QLabel("Preflight (accessibility) findings:"))
        side.addWidget(self.findings, 1)

        self.print_button = QPushButton("&Print…")
        self.save_button = QPushButton("&Save PDF…")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.print_button, self.save_button, close):
            buttons.addWidget(button)
        body = QHBoxLayout()
        body.addLayout(side, 2)
        body.addWidget(scroll, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addLayout(buttons)

        for signal in (
            self.template.currentIndexChanged,
            self.language.currentIndexChanged,
            self.drafts.toggled,
            self.qr.editingFinished,
        ):
            signal.connect(self.refresh)
        self.page.valueChanged.connect(self.show_page)
        self.print_button.clicked.connect(self.print_labels)
        self.save_button.clicked.connect(self.save_pdf)
        close.clicked.connect(self.accept)
        self.refresh()

    @property
    def current_template(self):
        return self.templates[self.template.currentData()]

    def refresh(self) -> None:
        """Re-plan the labels (refusals, drafts, QR) and redraw the preview."""
        try:
            self.plan = plan_labels(
                self.library,
                self.items,
                language=self.language.currentData(),
                allow_unreviewed=self.drafts.isChecked(),
                qr_pattern=self.qr.text().strip() or None,
            )
        except CredenceError as exc:
            QMessageBox.warning(self, "Labels", str(exc))
            return
        pages = page_count(len(self.plan.contents), self.current_template)
        self.page.setMaximum(pages)
        can_output = bool(self.plan.contents)
        self.print_button.setEnabled(can_output)
        self.save_button.setEnabled(can_output)
        self.show_page()

    def show_page(self) -> None:
        self.findings.clear()
        for label, reason in self.plan.refused:
            self.findings.addItem(f"Not printed — {label}: {reason}")
        if not self.plan.contents:
            self.preview.setText("No labels to print.")
            return
        # The whole sheet fits the preview's width; the PDF and the printer get full detail.
        width_pt, _height = self.current_template.page_size_pt
        dpi = max(24, min(96, int(72 * PREVIEW_WIDTH / width_pt)))
        image, rendered = page_image(
            self.plan.contents, self.current_template, self.page.value(), dpi=dpi
        )
        self.preview.setPixmap(QPixmap.fromImage(image))
        for label in rendered:
            for finding in label.findings:
                title = label.content.title or label.content.accession or "label"
                self.findings.addItem(f"{title}: {finding.message}")
        if self.findings.count() == 0:
            self.findings.addItem("No findings: type size, contrast and length are fine.")

    def print_labels(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            paint_pages(printer, self.plan.contents, self.current_template)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Print labels", f"Printing failed: {exc}")

    def save_pdf(self, path: str | None = None) -> Path | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save labels", "labels.pdf", "PDF (*.pdf)")
        if not path:
            return None
        target = Path(path)
        try:
            render_pdf(
                self.plan.contents,
                self.current_template,
                target,
                output=self.library.output_run(),  # never onto an original or a library file
            )
        except CredenceError as exc:
            QMessageBox.warning(self, "Save labels", str(exc))
            return None
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Save labels", f"The PDF could not be written: {exc}")
            return None
        return target
