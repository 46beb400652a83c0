"""The Export dialog: signed copies of the selected items' images, with what will be refused
(and why) shown before anything is written, progress with Stop, and a summary afterwards."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import (
    Runner,
    WorkDialog,
    fit_to_screen,
    naming_example,
    naming_help,
    naming_problem,
    summary_group,
    summary_row,
)
from provenance import ExportReport, ItemView, Library, NotFound, category

PASSPHRASE_ENV = "CREDENCE_PASSPHRASE"
#: Up to this many selected items are read one by one; more are read a page at a time.
ONE_BY_ONE = 200
PAGE = 1000


@dataclass(frozen=True)
class Candidate:
    """What the refusal check needs to know about one item (plain data, made off the UI thread)."""

    label: str
    has_image: bool
    unapproved: tuple[str, ...]  # AI disclosure categories not yet approved
    example: tuple[str, str | None] | None = None  # (a file name, accession) for the naming hint
    item_id: int = 0
    missing: bool = False
    #: An image file's own credentials or XMP say AI, and no AI disclosure of it is recorded.
    ai_undisclosed: bool = False


def candidate(item: ItemView) -> Candidate:
    """The facts of `item` the refusal check uses (as the export's planner judges them)."""
    unapproved = sorted(
        {
            d.category
            for d in item.disclosures
            if d.category != "none" and d.review_state != "approved"
        }
    )
    example = (Path(item.assets[0].path).name, item.accession) if item.assets else None
    undisclosed = any(a.ai_found for a in item.assets) and not any(
        category(d.category).touches_pixels for d in item.disclosures
    )
    return Candidate(
        item.label, bool(item.assets), tuple(unapproved), example, item.id, False, undisclosed
    )


def refusal(entry: Candidate, allow_unreviewed: bool) -> str | None:
    """Why the export will refuse this item, judged from the record (None: it will be tried).

    The same rules as the export's planner: no image; AI work not approved by a named person.
    """
    if entry.missing:
        return "is no longer in the library"
    if not entry.has_image:
        return "has no image to export (import one for it first)"
    if entry.ai_undisclosed:  # nothing to review: allowing unreviewed work does not help
        return (
            "its file says AI made or changed it, but no AI disclosure is recorded; "
            "record one and have it approved"
        )
    if entry.unapproved and not allow_unreviewed:
        return f"AI disclosure ({', '.join(entry.unapproved)}) not approved by a named person"
    return None


def load_candidates(library: Library, item_ids: Sequence[int] | None, cancel) -> list[Candidate]:
    """Read what the refusal check needs (runs in a worker: a selection may be large)."""
    found: list[Candidate] = []
    if item_ids is not None and len(item_ids) <= ONE_BY_ONE:
        for item_id in item_ids:
            if cancel.cancelled:
                break
            try:
                found.append(candidate(library.get_item(item_id)))
            except NotFound:
                found.append(Candidate(f"#{item_id}", False, (), None, item_id, missing=True))
        return found
    wanted = None if item_ids is None else set(item_ids)
    offset = 0
    while not cancel.cancelled:
        page = library.list_items(limit=PAGE, offset=offset, details=True)
        if not page:
            break
        offset += len(page)
        found.extend(candidate(i) for i in page if wanted is None or i.id in wanted)
    return found


class ExportDialog(WorkDialog):
    """Export signed copies of `item_ids` (None: every item) to a folder."""

    def __init__(
        self,
        library: Library,
        item_ids: Sequence[int] | None,
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(library, runner, parent)
        self.setWindowTitle("Export signed images")
        self.setAccessibleName("Export signed images")
        self.item_ids = None if item_ids is None else list(item_ids)
        self.report: ExportReport | None = None
        self.candidates: list[Candidate] | None = None
        self.check_worker = None
        settings = library.settings()

        count = len(self.item_ids) if self.item_ids is not None else library.count_items()
        scope = "selected item" if self.item_ids is not None else "item in the library"
        self.scope_label = QLabel(
            f"{count:,} {scope}{'' if count == 1 else 's'}"
            + ("" if self.item_ids is not None else " (everything)"),
            self,
        )
        self.scope_label.setAccessibleName("What will be exported")

        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Export folder")
        self.folder_edit.setPlaceholderText("the folder the signed copies are written to")
        self.browse_button = QPushButton("&Browse…", self)
        self.browse_button.setAccessibleName("Choose the export folder")
        self.browse_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)

        self.naming_edit = QLineEdit(settings.export_naming, self)
        self.naming_edit.setAccessibleName("Naming pattern")
        self.naming_edit.setAccessibleDescription(naming_help())
        self.naming_edit.setToolTip(naming_help())
        self.naming_edit.textChanged.connect(self._naming_changed)
        self.naming_help = QLabel(naming_help(short=True), self)
        self.naming_help.setWordWrap(True)
        self.naming_example = QLabel(self)
        self.naming_example.setAccessibleName("Naming example")
        self.naming_example.setWordWrap(True)

        self.caption_check = QCheckBox(
            "Add a &caption strip with the disclosure below each image (saved as JPEG)", self
        )
        self.unreviewed_check = QCheckBox(
            "Export &unreviewed AI work (its credentials say the review is pending)", self
        )
        self.unreviewed_check.toggled.connect(self.refresh_refusals)
        self.jobs_spin = QSpinBox(self)
        self.jobs_spin.setAccessibleName("Parallel jobs")
        self.jobs_spin.setRange(1, max(1, (os.cpu_count() or 1) * 2))
        self.jobs_spin.setValue(os.cpu_count() or 1)
        self.jobs_spin.setToolTip("How many images are signed at once")
        self.jobs_spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Signing passphrase")
        self.passphrase_note = QLabel(self)
        self.passphrase_note.setWordWrap(True)
        self.passphrase_note.setAccessibleName("About the passphrase")
        if os.environ.get(PASSPHRASE_ENV):
            self.passphrase_edit.setPlaceholderText(f"taken from {PASSPHRASE_ENV}")
            self.passphrase_note.setText(
                f"The passphrase is taken from the {PASSPHRASE_ENV} environment variable; "
                "type one here only to use a different one."
            )
        else:
            self.passphrase_note.setText(
                "The passphrase that protects the signing key (it is never stored)."
            )

        form = QFormLayout()
        self._add_row(form, "Export &to folder:", folder_row, self.folder_edit)
        naming_box = QVBoxLayout()  # one form row: wrapped labels in rows of their own
        naming_box.setSpacing(2)  # leave gaps in a QFormLayout
        naming_box.addWidget(self.naming_edit)
        naming_box.addWidget(self.naming_help)
        naming_box.addWidget(self.naming_example)
        self._add_row(form, "&Naming pattern:", naming_box, self.naming_edit)
        form.addRow("", self.caption_check)
        form.addRow("", self.unreviewed_check)
        self._add_row(form, "Parallel &jobs:", self.jobs_spin)
        passphrase_box = QVBoxLayout()
        passphrase_box.setSpacing(2)
        passphrase_box.addWidget(self.passphrase_edit)
        passphrase_box.addWidget(self.passphrase_note)
        self._add_row(form, "Signing &passphrase:", passphrase_box, self.passphrase_edit)

        self.identity_note = QLabel(self)
        self.identity_note.setWordWrap(True)
        self.identity_note.setAccessibleName("Signing identity")
        info = library.identity_info()
        if info is None:
            self.identity_note.setText(
                "There is no signing identity yet: create or import one (Preferences → "
                "Signing identity) before exporting."
            )
        else:
            text = f"Signed as {info.organisation} (certificate {info.fingerprint[:16]}…)."
            warning = info.expiry_warning()
            self.identity_note.setText(f"{text} {warning}" if warning else text)

        self.refusals = QTreeWidget(self)
        self.refusals.setAccessibleName("Items that will be refused, and why")
        self.refusals.setHeaderLabels(["Item", "Why it will be refused"])
        self.refusals.setRootIsDecorated(False)
        self.refusals.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.refusals.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.refusals.setWordWrap(True)
        refusals_label = QLabel("Will be &refused:", self)
        refusals_label.setBuddy(self.refusals)
        self.refusal_note = QLabel("Checking the selected items…", self)
        self.refusal_note.setWordWrap(True)
        self.refusal_note.setAccessibleName("About the refusals")

        self.counts = QLabel(self)
        self.counts.setAccessibleName("Export result")
        self.counts.setWordWrap(True)
        self.summary = QTreeWidget(self)
        self.summary.setAccessibleName("Export summary")
        self.summary.setHeaderLabels(["Item", "File or reason"])
        self.summary.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.summary.hide()

        self.export_button = QPushButton("&Export", self)
        self.export_button.setAccessibleName("Start the export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.scope_label)
        layout.addWidget(self.identity_note)
        layout.addLayout(form)
        layout.addWidget(refusals_label)
        layout.addWidget(self.refusals, 1)
        layout.addWidget(self.refusal_note)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.counts)
        layout.addWidget(self.summary, 1)
        layout.addWidget(buttons)
        self.resize(760, 720)
        fit_to_screen(self)
        self._naming_changed()

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        if self.check_worker is None:  # checked when first shown: a selection may be large
            self._start_check()

    @staticmethod
    def _add_row(form: QFormLayout, text: str, field, buddy: QWidget | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(buddy or field)
        form.addRow(label, field)

    # -- choices --------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the export folder")
        if folder:
            self.folder_edit.setText(folder)

    def _naming_changed(self, *_args: object) -> None:
        pattern = self.naming_edit.text()
        problem = naming_problem(pattern)
        if problem:
            self.naming_example.setText(problem)
            return
        example = next((c for c in self.candidates or () if c.example), None)
        name, accession = example.example if example and example.example else ("IMG_0042.jpg", "A1")
        made = naming_example(pattern, name, accession, example.item_id if example else 1)
        self.naming_example.setText(f"For example: {name} → {made}")

    # -- what will be refused -------------------------------------------------------------

    def _start_check(self) -> None:
        library, item_ids = self.library, self.item_ids

        def work(progress, cancel) -> list[Candidate]:
            return load_candidates(library, item_ids, cancel)

        self.check_worker = self.run_task(
            "Checking what will be refused",
            work,
            self._candidates_loaded,
            on_failed=self.refusal_note.setText,
            main=False,
        )

    def _candidates_loaded(self, candidates: list[Candidate], cancelled: bool) -> None:
        self.candidates = candidates
        self.refresh_refusals()
        self._naming_changed()

    def will_be_refused(self) -> list[tuple[str, str]]:
        """(item label, reason) for each item the record says will be refused now."""
        allow = self.unreviewed_check.isChecked()
        found = []
        for entry in self.candidates or ():
            reason = refusal(entry, allow)
            if reason:
                found.append((entry.label, reason))
        return found

    def refresh_refusals(self, *_args: object) -> None:
        """Recompute the refusal list (after the check, and when allow-unreviewed changes)."""
        if self.candidates is None:
            return
        self.refusals.clear()
        refused = self.will_be_refused()
        for label, reason in refused:
            row = QTreeWidgetItem(self.refusals, [label, reason])
            row.setToolTip(1, reason)
        pending = (
            sum(1 for c in self.candidates if c.unapproved and c.has_image)
            if self.unreviewed_check.isChecked()
            else 0
        )
        total = len(self.candidates)
        text = f"{len(refused)} of {total} items will be refused."
        if not refused:
            text = f"None of the {total} items will be refused by the record."
        if any(c.unapproved and c.has_image for c in self.candidates) and not pending:
            text += (
                " To export AI work, approve its disclosure in the Disclosure tab, or tick "
                "“Export unreviewed AI work”."
            )
        if pending:
            text += f" {pending} will be exported with their review marked as pending."
        text += (
            " This is checked from the record now; the export report gives the final list "
            "(it also refuses images that cannot carry Content Credentials, and files whose own "
            "credentials declare AI work that is not disclosed)."
        )
        self.refusal_note.setText(text)

    # -- exporting ------------------------------------------------------------------------

    def set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.folder_edit,
            self.browse_button,
            self.naming_edit,
            self.caption_check,
            self.unreviewed_check,
            self.jobs_spin,
            self.passphrase_edit,
            self.export_button,
        ):
            widget.setEnabled(enabled)

    def start_export(self) -> None:
        """Check the choices, then run the export in a worker."""
        folder = self.folder_edit.text().strip()
        if not folder:
            self.problem.show_problem("Choose the folder the signed copies are written to.")
            self.folder_edit.setFocus()
            return
        naming = self.naming_edit.text()
        problem = naming_problem(naming)
        if problem:
            self.problem.show_problem(problem)
            self.naming_edit.setFocus()
            return
        passphrase = self.passphrase_edit.text() or os.environ.get(PASSPHRASE_ENV, "")
        if not passphrase:
            self.problem.show_problem(
                "Type the passphrase of the signing key (or set CREDENCE_PASSPHRASE)."
            )
            self.passphrase_edit.setFocus()
            return
        library, items = self.library, self.item_ids
        options = {
            "jobs": self.jobs_spin.value(),
            "caption": self.caption_check.isChecked(),
            "allow_unreviewed": self.unreviewed_check.isChecked(),
            "naming": naming,
        }

        def work(progress, cancel) -> ExportReport:
            return library.export(
                items, folder, passphrase=passphrase, progress=progress, cancel=cancel, **options
            )

        self.run_task("Exporting signed images", work, self.show_report, on_failed=self._failed)

    def _failed(self, message: str) -> None:
        self.problem.show_problem(message)
        if "passphrase" in message.lower():
            self.passphrase_edit.selectAll()
            self.passphrase_edit.setFocus()

    def show_report(self, report: ExportReport, cancelled: bool = False) -> None:
        """The summary: files written, items refused by rule, and failures by fault."""
        self.report = report
        tree = self.summary
        tree.clear()
        exported = summary_group(tree, "Exported", len(report.exported))
        for entry in report.exported:
            row = summary_row(exported, entry.item, Path(entry.file).name, tooltip=entry.file)
            for note in entry.notes:  # what a reader should know about the file's claims
                summary_row(row, "Note", note, tooltip=note)
            row.setExpanded(bool(entry.notes))
        refused = summary_group(tree, "Refused", len(report.refused))
        for entry in report.refused:
            summary_row(refused, entry.item, entry.reason, tooltip=entry.reason)
        failed = summary_group(tree, "Failed", len(report.failed))
        for entry in report.failed:
            summary_row(failed, entry.item, entry.reason, tooltip=entry.reason)
        text = (
            f"{len(report.exported)} exported, {len(report.refused)} refused, "
            f"{len(report.failed)} failed."
        )
        unrecorded = sum(
            any(n.startswith("capture type unrecorded") for n in e.notes) for e in report.exported
        )
        if unrecorded:
            text += (
                f" {unrecorded} claim no capture: their capture type is not recorded "
                "(set it in the Catalog tab or with Batch)."
            )
        if report.failed:
            text += " Fix what each failure names and export again; finished files are kept."
        if report.cancelled or cancelled:
            text += " The export was stopped: the files listed were written, the rest were not."
        self.counts.setText(text)
        tree.show()
        self.export_button.setText("&Export again")
