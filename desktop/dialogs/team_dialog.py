"""File > Open team library… and the password a team library's server asks for."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import ProblemLabel
from desktop.team import connect_team_library, login_name, team_label
from provenance import Library, LibraryError


class PasswordDialog(QDialog):
    """Asks for the password of one login, for this session only."""

    def __init__(self, location: str, retry: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Team library password")
        self.setAccessibleName("Team library password")
        self.intro = text = QLabel(
            f"The server of {team_label(location)} asks for the password of "
            f"{login_name(location)}. It is used for this session only and never stored "
            "by Credence (keep it in ~/.pgpass to be asked no more).",
            self,
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = ProblemLabel(self)
        if retry:
            self.problem.show_problem("That password was not accepted; type it again.")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form = QFormLayout()
        label = QLabel("&Password:", self)
        label.setBuddy(self.password)
        form.addRow(label, self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Connect")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.problem)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())


class OpenTeamDialog(QDialog):
    """File > Open team library…: the address of a team library; the dialog stays open with
    the server's answer in one sentence until it opens or the person cancels."""

    def __init__(self, suggestion: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open team library")
        self.setAccessibleName("Open team library")
        self.library: Library | None = None
        intro = QLabel(
            "A team library is kept on the museum's PostgreSQL server. Type its address, e.g. "
            "postgresql://alice@db.museum.org/collections. A password is taken from "
            "~/.pgpass, or asked for and used for this session only; Credence never stores it.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.address = QLineEdit(suggestion, self)
        self.address.setAccessibleName("Team library address")
        self.address.setPlaceholderText("postgresql://user@server/database")
        self.address.setMinimumWidth(420)
        label = QLabel("&Address:", self)
        label.setBuddy(self.address)
        form = QFormLayout()
        form.addRow(label, self.address)
        self.problem = ProblemLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.try_open)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.address.selectAll()
        self.setMinimumWidth(600)
        self._fit()

    def _fit(self) -> None:
        """Grow (or shrink) to the wrapped text: the server's answer can be two lines long."""
        self.layout().activate()
        self.resize(self.width(), self.layout().heightForWidth(self.width()))

    def try_open(self) -> None:
        """Connect; on success the dialog is accepted with `library` set."""
        text = self.address.text().strip()
        if not text:
            self.problem.show_problem("Type the team library's address first.")
            return
        self.problem.clear_problem()
        try:
            library = connect_team_library(text, self)
        except LibraryError as exc:
            self.problem.show_problem(f"Not opened: {exc}.")
            self._fit()
            self.address.setFocus()
            return
        if library is None:  # the password was not given
            return
        self.library = library
        self.accept()
