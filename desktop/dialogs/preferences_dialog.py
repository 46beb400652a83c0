"""Preferences: the institution's settings kept in the library, trust anchors and the identity."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel, naming_help, naming_problem
from desktop.dialogs.identity_dialog import IdentityWizard, fingerprint_text
from provenance import CredenceError, Library, available_languages

if TYPE_CHECKING:
    from provenance import Settings

TRAINING_MINING = (
    (
        "notAllowed",
        "Not allowed",
        "Exported images say that they may not be used to train AI models or be mined for data.",
    ),
    (
        "allowed",
        "Allowed",
        "Exported images say that AI training and data mining are permitted.",
    ),
    (
        "constrained",
        "Allowed with conditions",
        "Exported images say that training and mining are allowed only under terms agreed with "
        "you separately (for example a licence).",
    ),
)
REVIEWER_DISPLAY = (
    ("name", "The reviewer's name"),
    ("role", "A role instead of the name (privacy)"),
)
PEM_FILTER = "CA certificates (*.pem *.crt *.cer *.der);;All files (*)"


def language_name(code: str) -> str:
    """A language code with its name: "German (de)"."""
    name = QLocale.languageToString(QLocale(code).language())
    return f"{name} ({code})" if name and name != "C" else code


class PreferencesDialog(QDialog):
    """Edit the library's settings; Save writes them as one history entry."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Preferences")
        self.setAccessibleName("Preferences")
        self.settings = library.settings()
        self.added_anchors: list[str] = []

        policy = QGroupBox("Exports and labels", self)
        form = QFormLayout(policy)
        self.training_combo = QComboBox(policy)
        self.training_combo.setAccessibleName("AI training and data mining")
        for code, text, _explanation in TRAINING_MINING:
            self.training_combo.addItem(text, code)
        self.training_explanation = QLabel(policy)
        self.training_explanation.setWordWrap(True)
        self.training_combo.currentIndexChanged.connect(self._training_changed)
        self._row(form, "AI &training and mining:", self.training_combo)
        form.addRow("", self.training_explanation)

        self.reviewer_combo = QComboBox(policy)
        self.reviewer_combo.setAccessibleName("Who approved, as printed and signed")
        for code, text in REVIEWER_DISPLAY:
            self.reviewer_combo.addItem(text, code)
        self.role_edit = QLineEdit(policy)
        self.role_edit.setAccessibleName("Reviewer role")
        self.role_edit.setPlaceholderText("e.g. the registrar")
        self.reviewer_explanation = QLabel(policy)
        self.reviewer_explanation.setWordWrap(True)
        self.reviewer_combo.currentIndexChanged.connect(self._reviewer_changed)
        self.role_edit.textChanged.connect(self._reviewer_changed)
        self._row(form, "&Who approved is shown as:", self.reviewer_combo)
        self._row(form, "&Role:", self.role_edit)
        form.addRow("", self.reviewer_explanation)

        self.naming_edit = QLineEdit(policy)
        self.naming_edit.setAccessibleName("Export naming pattern")
        self.naming_edit.setAccessibleDescription(naming_help())
        self._row(form, "Export &naming:", self.naming_edit)
        naming_note = QLabel(naming_help(short=True), policy)
        naming_note.setWordWrap(True)
        form.addRow("", naming_note)

        self.language_combo = QComboBox(policy)
        self.language_combo.setAccessibleName("Disclosure language")
        for code in available_languages():
            self.language_combo.addItem(language_name(code), code)
        self._row(form, "Disclosure &language:", self.language_combo)
        form.addRow("", QLabel("The language of the wording signed into exports.", policy))

        trust = QGroupBox("Trusted partners", self)
        trust_layout = QVBoxLayout(trust)
        trust_text = QLabel(
            "Add a partner institution's CA certificate (their trust bundle) so files they "
            "signed show as trusted when you verify them.",
            trust,
        )
        trust_text.setWordWrap(True)
        self.anchor_button = QPushButton("Add &partner CA…", trust)
        self.anchor_button.setAccessibleName("Add a partner's CA certificate")
        self.anchor_button.clicked.connect(self.choose_trust_anchor)
        self.anchor_note = QLabel(trust)
        self.anchor_note.setWordWrap(True)
        self.anchor_note.setAccessibleName("Trusted partners added")
        trust_layout.addWidget(trust_text)
        trust_layout.addWidget(self.anchor_button)
        trust_layout.addWidget(self.anchor_note)

        identity = QGroupBox("Signing identity", self)
        identity_layout = QHBoxLayout(identity)
        self.identity_label = QLabel(identity)
        self.identity_label.setWordWrap(True)
        self.identity_label.setAccessibleName("Signing identity")
        self.identity_button = QPushButton("Signing &identity…", identity)
        self.identity_button.setAccessibleName("Create, import or export the signing identity")
        self.identity_button.clicked.connect(self.open_identity_wizard)
        identity_layout.addWidget(self.identity_label, 1)
        identity_layout.addWidget(self.identity_button)

        self.problem = ProblemLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(policy)
        layout.addWidget(trust)
        layout.addWidget(identity)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._show_settings(self.settings)
        self.refresh_identity()
        self.resize(640, 640)

    @staticmethod
    def _row(form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)

    def _show_settings(self, settings: Settings) -> None:
        self.training_combo.setCurrentIndex(
            max(0, self.training_combo.findData(settings.training_mining))
        )
        self.reviewer_combo.setCurrentIndex(
            max(0, self.reviewer_combo.findData(settings.reviewer_display))
        )
        self.role_edit.setText(settings.reviewer_role)
        self.naming_edit.setText(settings.export_naming)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))
        self._training_changed()
        self._reviewer_changed()

    def _training_changed(self, *_args: object) -> None:
        code = self.training_combo.currentData()
        text = next((e for c, _t, e in TRAINING_MINING if c == code), "")
        self.training_explanation.setText(
            f"{text} (written into each export's Content Credentials and XMP.)"
        )

    def _reviewer_changed(self, *_args: object) -> None:
        role = self.reviewer_combo.currentData() == "role"
        self.role_edit.setEnabled(role)
        if role:
            shown = self.role_edit.text().strip() or "the role"
            self.reviewer_explanation.setText(
                f"Labels and signed exports say “approved by {shown}”; the name stays in the "
                "library's history."
            )
        else:
            self.reviewer_explanation.setText(
                "Labels and signed exports name the person who approved the disclosure."
            )

    # -- trust anchors and identity -------------------------------------------------------

    def choose_trust_anchor(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a partner's CA certificate", "", PEM_FILTER
        )
        if path:
            self.add_trust_anchor_file(path)

    def add_trust_anchor_file(self, path: str | Path) -> str | None:
        """Trust the CA certificate in `path`; returns its fingerprint, or None (and says why)."""
        path = Path(path)
        self.problem.clear_problem()
        try:
            fingerprint = self.library.add_trust_anchor(path.read_bytes())
        except OSError as exc:
            self.problem.show_problem(
                f"{path.name} cannot be read ({exc.strerror}); choose the file again."
            )
            return None
        except CredenceError as exc:
            self.problem.show_problem(f"{path.name} was not added: {exc}.")
            return None
        self.added_anchors.append(fingerprint)
        self.anchor_note.setText(
            f"Trusted {path.name} (fingerprint {fingerprint_text(fingerprint)[:47]}…)."
        )
        return fingerprint

    def refresh_identity(self) -> None:
        info = self.library.identity_info()
        if info is None:
            self.identity_label.setText("No signing identity yet: exports cannot be signed.")
            return
        text = (
            f"{info.organisation}, valid until {info.not_after.date().isoformat()} "
            f"({info.algorithm}, {fingerprint_text(info.fingerprint)[:23]}…)."
        )
        warning = info.expiry_warning()
        self.identity_label.setText(f"{text} {warning}" if warning else text)

    def open_identity_wizard(self) -> IdentityWizard:
        wizard = IdentityWizard(self.library, self)
        wizard.finished.connect(self.refresh_identity)
        wizard.open()  # window-modal; the summary refreshes when it closes
        return wizard

    # -- saving ---------------------------------------------------------------------------

    def changes(self) -> dict[str, str]:
        """The settings that differ from the stored ones, as update_settings takes them."""
        chosen = {
            "training_mining": self.training_combo.currentData(),
            "reviewer_display": self.reviewer_combo.currentData(),
            "reviewer_role": self.role_edit.text().strip(),
            "export_naming": self.naming_edit.text(),
            "language": self.language_combo.currentData(),
        }
        stored = self.settings.to_dict()
        return {k: v for k, v in chosen.items() if stored.get(k) != v}

    def save(self) -> None:
        """Store the changes (one history entry) and close; a problem keeps the dialog open."""
        self.problem.clear_problem()
        changes = self.changes()
        problem = naming_problem(changes.get("export_naming", self.settings.export_naming))
        if problem:
            self.problem.show_problem(problem)
            self.naming_edit.setFocus()
            return
        if "reviewer_role" in changes and not changes["reviewer_role"]:
            if self.reviewer_combo.currentData() == "role":
                self.problem.show_problem("Type the role to show instead of names.")
                self.role_edit.setFocus()
                return
            del changes["reviewer_role"]  # an empty role matters only when roles are shown
        if changes:
            try:
                self.settings = self.library.update_settings(changes)
            except CredenceError as exc:
                self.problem.show_problem(f"The preferences were not saved: {exc}.")
                return
        self.accept()
