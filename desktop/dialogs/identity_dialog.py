"""The signing identity wizard: create the institution's own certificate, or import one bought
from a certification authority; then show the certificate and export the trust bundle."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.dialogs.common import ProblemLabel, fit_to_screen
from provenance import CredenceError, Library

ALGORITHMS = (
    ("ES256", "ES256 — ECDSA P-256, read by every Content Credentials tool (recommended)"),
    ("Ed25519", "Ed25519 — compact and fast, read by newer tools"),
)
PEM_FILTER = "Certificates and keys (*.pem *.crt *.cer *.key);;All files (*)"
P12_FILTER = "PKCS#12 files (*.p12 *.pfx);;All files (*)"


def identity_summary(info) -> str:
    """The certificate facts a person checks, one per line (`info` is an IdentityInfo)."""
    lines = [
        f"Organisation: {info.organisation}",
        f"Certificate: {info.common_name}",
        f"Issued by: {info.issuer}",
        f"Valid: {info.not_before.date().isoformat()} to {info.not_after.date().isoformat()}",
        f"Algorithm: {info.algorithm}",
        f"Fingerprint (SHA-256): {fingerprint_text(info.fingerprint)}",
    ]
    return "\n".join(lines)


def fingerprint_text(fingerprint: str) -> str:
    """A hex fingerprint in readable pairs (AB:CD:…), as certificate viewers show it."""
    upper = fingerprint.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def _password_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


def _labelled(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> None:
    label = QLabel(text)
    label.setBuddy(buddy or field)
    form.addRow(label, field)


def _file_row(parent: QWidget, edit: QLineEdit, button: QPushButton) -> QWidget:
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(button)
    return row


def _passphrase_problem(first: str, second: str) -> str | None:
    if not first:
        return "Choose a passphrase: it protects the signing key on this computer."
    if first != second:
        return "The two passphrases are not the same; type the passphrase again in both fields."
    return None


class ChoicePage(QWizardPage):
    """What there is now, and whether to create or import."""

    def __init__(self, wizard: IdentityWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Signing identity")
        self.setSubTitle(
            "Exports are signed with your institution's certificate, so anyone can check that "
            "a file and its disclosure come from you and were not changed."
        )
        self.current = QLabel(self)
        self.current.setWordWrap(True)
        self.current.setAccessibleName("Current signing identity")
        self.create_radio = QRadioButton("&Create a certificate for my institution", self)
        self.create_radio.setToolTip(
            "Credence makes your own certification authority and a signing certificate under it; "
            "partners add the authority (the trust bundle) to their trust lists."
        )
        self.import_radio = QRadioButton(
            "&Import a certificate from a certification authority", self
        )
        self.create_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.create_radio)
        group.addButton(self.import_radio)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addSpacing(8)
        layout.addWidget(self.create_radio)
        layout.addWidget(self.import_radio)
        layout.addStretch(1)

    def initializePage(self) -> None:  # Qt override
        info = self.wizard().library.identity_info()
        if info is None:
            self.current.setText("This library has no signing identity yet.")
        else:
            text = f"This library signs as:\n{identity_summary(info)}"
            warning = info.expiry_warning()
            self.current.setText(f"{text}\n\n{warning}" if warning else text)

    def nextId(self) -> int:  # Qt override
        return IdentityWizard.CREATE if self.create_radio.isChecked() else IdentityWizard.IMPORT


class CreatePage(QWizardPage):
    """Organisation, algorithm and passphrase for a new identity."""

    def __init__(self, wizard: IdentityWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Create a signing certificate")
        self.setSubTitle("The passphrase is asked for at every export; it is never stored.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "C&reate")
        self.organisation_edit = QLineEdit(self)
        self.organisation_edit.setAccessibleName("Organisation")
        self.organisation_edit.setPlaceholderText("e.g. Williams College Museum of Art")
        self.organisation_edit.setMaxLength(64)
        self.algorithm_combo = QComboBox(self)
        self.algorithm_combo.setAccessibleName("Algorithm")
        for code, text in ALGORITHMS:
            self.algorithm_combo.addItem(text, code)
        self.passphrase_edit = _password_edit(self, "Passphrase")
        self.repeat_edit = _password_edit(self, "Passphrase again")
        self.replace_warning = QLabel(self)
        self.replace_warning.setWordWrap(True)
        self.replace_warning.setAccessibleName("Replacing the identity")
        self.replace_check = QCheckBox("Re&place the existing identity", self)
        self.problem = ProblemLabel(self)
        form = QFormLayout(self)
        _labelled(form, "&Organisation:", self.organisation_edit)
        _labelled(form, "&Algorithm:", self.algorithm_combo)
        _labelled(form, "&Passphrase:", self.passphrase_edit)
        _labelled(form, "Passphrase a&gain:", self.repeat_edit)
        form.addRow(self.replace_warning)
        form.addRow(self.replace_check)
        form.addRow(self.problem)

    def initializePage(self) -> None:  # Qt override
        info = self.wizard().library.identity_info()
        exists = info is not None
        self.replace_warning.setVisible(exists)
        self.replace_check.setVisible(exists)
        self.replace_check.setChecked(False)
        if exists:
            self.replace_warning.setText(
                f"This library already signs as {info.organisation}. Replacing it overwrites "
                "its keys for good: files signed before stay valid, but partners must add the "
                "new trust bundle to keep seeing new exports as trusted."
            )
            if not self.organisation_edit.text():
                self.organisation_edit.setText(info.organisation)

    def validatePage(self) -> bool:  # Qt override: the identity is made here
        self.problem.clear_problem()
        organisation = self.organisation_edit.text().strip()
        if not organisation:
            self.problem.show_problem("Type the organisation's name, as it should be shown.")
            self.organisation_edit.setFocus()
            return False
        problem = _passphrase_problem(self.passphrase_edit.text(), self.repeat_edit.text())
        if problem:
            self.problem.show_problem(problem)
            self.passphrase_edit.setFocus()
            return False
        if self.replace_check.isVisible() and not self.replace_check.isChecked():
            self.problem.show_problem(
                "An identity exists already: tick “Replace the existing identity” to replace it, "
                "or go Back and keep it."
            )
            self.replace_check.setFocus()
            return False
        try:
            info = self.wizard().library.create_identity(
                organisation,
                self.passphrase_edit.text(),
                algorithm=self.algorithm_combo.currentData(),
                replace=self.replace_check.isChecked(),
            )
        except CredenceError as exc:
            self.problem.show_problem(f"The certificate was not created: {exc}.")
            return False
        self.wizard().info = info
        self.passphrase_edit.clear()
        self.repeat_edit.clear()
        return True

    def nextId(self) -> int:  # Qt override
        return IdentityWizard.RESULT


class ImportPage(QWizardPage):
    """A PEM chain and key, or a PKCS#12 file, and the passphrase to protect the key with."""

    def __init__(self, wizard: IdentityWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Import a certificate")
        self.setSubTitle(
            "Use the signing certificate your certification authority issued (with its chain) "
            "and its private key. The key is stored encrypted with your new passphrase."
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.pem_radio = QRadioButton("P&EM files: certificate chain and private key", self)
        self.p12_radio = QRadioButton("PKCS#&12 file (.p12 or .pfx)", self)
        self.pem_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.pem_radio)
        group.addButton(self.p12_radio)

        self.chain_edit = QLineEdit(self)
        self.chain_edit.setAccessibleName("Certificate chain file")
        self.key_edit = QLineEdit(self)
        self.key_edit.setAccessibleName("Private key file")
        self.key_passphrase_edit = _password_edit(self, "Private key passphrase")
        self.key_passphrase_edit.setPlaceholderText("only if the key file is encrypted")
        self.p12_edit = QLineEdit(self)
        self.p12_edit.setAccessibleName("PKCS#12 file")
        self.p12_password_edit = _password_edit(self, "PKCS#12 password")
        pem = QWidget(self)
        pem_form = QFormLayout(pem)
        pem_form.setContentsMargins(0, 0, 0, 0)
        chain_row = _file_row(pem, self.chain_edit, self._browse(self.chain_edit, PEM_FILTER))
        key_row = _file_row(pem, self.key_edit, self._browse(self.key_edit, PEM_FILTER))
        _labelled(pem_form, "Certificate &chain:", chain_row, self.chain_edit)
        _labelled(pem_form, "Private &key:", key_row, self.key_edit)
        _labelled(pem_form, "Key pass&word:", self.key_passphrase_edit)
        p12 = QWidget(self)
        p12_form = QFormLayout(p12)
        p12_form.setContentsMargins(0, 0, 0, 0)
        p12_row = _file_row(p12, self.p12_edit, self._browse(self.p12_edit, P12_FILTER))
        _labelled(p12_form, "PKCS#12 &file:", p12_row, self.p12_edit)
        _labelled(p12_form, "File pass&word:", self.p12_password_edit)
        self.sources = QStackedWidget(self)
        self.sources.addWidget(pem)
        self.sources.addWidget(p12)
        self.p12_radio.toggled.connect(lambda on: self.sources.setCurrentIndex(1 if on else 0))

        self.passphrase_edit = _password_edit(self, "New passphrase")
        self.repeat_edit = _password_edit(self, "New passphrase again")
        self.exists_warning = QLabel(self)
        self.exists_warning.setWordWrap(True)
        self.problem = ProblemLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pem_radio)
        layout.addWidget(self.p12_radio)
        layout.addWidget(self.sources)
        form = QFormLayout()
        _labelled(form, "&New passphrase:", self.passphrase_edit)
        _labelled(form, "New passphrase a&gain:", self.repeat_edit)
        layout.addLayout(form)
        layout.addWidget(self.exists_warning)
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def _browse(self, edit: QLineEdit, filter_text: str) -> QPushButton:
        button = QPushButton("Browse…", self)
        button.setAccessibleName(f"Choose the {edit.accessibleName().lower()}")

        def choose() -> None:
            path, _ = QFileDialog.getOpenFileName(self, edit.accessibleName(), "", filter_text)
            if path:
                edit.setText(path)

        button.clicked.connect(choose)
        return button

    def initializePage(self) -> None:  # Qt override
        info = self.wizard().library.identity_info()
        self.exists_warning.setVisible(info is not None)
        if info is not None:
            self.exists_warning.setText(
                f"This library already signs as {info.organisation}; importing into a library "
                "that has an identity is refused. Go Back and create a new one instead, or use "
                "a new library for the imported certificate."
            )

    def _read(self, edit: QLineEdit, what: str) -> bytes | None:
        text = edit.text().strip()
        if not text:
            self.problem.show_problem(f"Choose the {what}.")
            edit.setFocus()
            return None
        try:
            return Path(text).expanduser().read_bytes()
        except OSError as exc:
            self.problem.show_problem(
                f"The {what} {text} cannot be read ({exc.strerror}); choose the file again."
            )
            edit.setFocus()
            return None

    def validatePage(self) -> bool:  # Qt override: the identity is imported here
        self.problem.clear_problem()
        problem = _passphrase_problem(self.passphrase_edit.text(), self.repeat_edit.text())
        if problem:
            self.problem.show_problem(problem)
            self.passphrase_edit.setFocus()
            return False
        library = self.wizard().library
        try:
            if self.p12_radio.isChecked():
                data = self._read(self.p12_edit, "PKCS#12 file")
                if data is None:
                    return False
                info = library.import_identity(
                    self.passphrase_edit.text(),
                    pkcs12=data,
                    pkcs12_password=self.p12_password_edit.text() or None,
                )
            else:
                chain = self._read(self.chain_edit, "certificate chain file")
                if chain is None:
                    return False
                key = self._read(self.key_edit, "private key file")
                if key is None:
                    return False
                info = library.import_identity(
                    self.passphrase_edit.text(),
                    cert_chain_pem=chain,
                    key_pem=key,
                    key_passphrase=self.key_passphrase_edit.text() or None,
                )
        except CredenceError as exc:
            self.problem.show_problem(f"The certificate was not imported: {exc}.")
            return False
        self.wizard().info = info
        for edit in (
            self.passphrase_edit,
            self.repeat_edit,
            self.key_passphrase_edit,
            self.p12_password_edit,
        ):
            edit.clear()
        return True

    def nextId(self) -> int:  # Qt override
        return IdentityWizard.RESULT


class ResultPage(QWizardPage):
    """The certificate now in use, its expiry, and the trust bundle for partners."""

    def __init__(self, wizard: IdentityWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Your signing certificate")
        self.setSubTitle(
            "Send partners the trust bundle so their Content Credentials readers show your "
            "exports as trusted."
        )
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setAccessibleName("Certificate details")
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.expiry = ProblemLabel(self, "Expiry warning")
        self.bundle_button = QPushButton("&Export trust bundle…", self)
        self.bundle_button.setAccessibleName("Export the trust bundle for partners")
        self.bundle_button.clicked.connect(self.choose_bundle_file)
        self.bundle_note = QLabel(self)
        self.bundle_note.setWordWrap(True)
        self.bundle_note.setAccessibleName("Trust bundle")
        self.problem = ProblemLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.details)
        layout.addWidget(self.expiry)
        row = QHBoxLayout()
        row.addWidget(self.bundle_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.bundle_note)
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def initializePage(self) -> None:  # Qt override
        info = self.wizard().info or self.wizard().library.identity_info()
        if info is None:
            self.details.setText("There is no signing identity.")
            self.bundle_button.setEnabled(False)
            return
        self.details.setText(identity_summary(info))
        self.expiry.show_problem(info.expiry_warning() or "")

    def choose_bundle_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the trust bundle", "trust-bundle.pem", "PEM certificate (*.pem)"
        )
        if path:
            self.export_bundle(path)

    def export_bundle(self, path: str | Path) -> Path | None:
        """Write the CA certificate partners trust to `path`; say where, or what went wrong."""
        self.problem.clear_problem()
        try:
            written = self.wizard().library.export_trust_bundle(path)
        except CredenceError as exc:
            self.problem.show_problem(f"The trust bundle was not saved: {exc}.")
            return None
        except OSError as exc:
            self.problem.show_problem(
                f"The trust bundle cannot be written to {path} ({exc.strerror}); choose "
                "another folder."
            )
            return None
        self.bundle_note.setText(f"Trust bundle saved to {written}. Send this file to partners.")
        return written


class IdentityWizard(QWizard):
    """Create or import the library's signing identity. `info` is the result (or None)."""

    CHOICE, CREATE, IMPORT, RESULT = range(4)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.info = None
        self.setWindowTitle("Signing identity")
        self.setAccessibleName("Signing identity wizard")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.choice_page = ChoicePage(self)
        self.create_page = CreatePage(self)
        self.import_page = ImportPage(self)
        self.result_page = ResultPage(self)
        self.setPage(self.CHOICE, self.choice_page)
        self.setPage(self.CREATE, self.create_page)
        self.setPage(self.IMPORT, self.import_page)
        self.setPage(self.RESULT, self.result_page)
        self.setStartId(self.CHOICE)
        self.resize(640, 520)
        fit_to_screen(self)
