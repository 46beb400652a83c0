"""File > Identify a file…: which of the library's exports a file without (or with broken)
credentials was made from, and what that signed export said. Files dropped on this window
(or dropped on the main window with Shift held) are identified too."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.cli.commands.identify import result_lines
from desktop.dialogs.common import Runner, WorkDialog, fit_to_screen
from provenance import Library


class IdentifyDialog(WorkDialog):
    """Identify files by soft binding; results are shown as plain lines, newest last."""

    def __init__(self, library: Library, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(library, runner, parent)
        self.setWindowTitle("Identify a file")
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Choose or drop image files found elsewhere (a website, a social network, an "
            "e-mail). Credence compares their pixels with every signed export of this library "
            "and shows what the signed original said."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.results = QPlainTextEdit(readOnly=True)
        self.results.setObjectName("identifyResults")
        self.results.setPlaceholderText("Drop files here.")
        layout.addWidget(self.results, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.task_panel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.choose_button = QPushButton("&Choose files…")
        buttons.addButton(self.choose_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.choose_button.clicked.connect(self.choose)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 420)
        fit_to_screen(self)

    def choose(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Identify image files")
        if files:
            self.identify(files)

    def identify(self, paths: list[str]) -> None:
        """Identify `paths` in a worker; the lines appear when it is done."""
        library = self.library

        def work(progress, cancel):
            found = []
            for n, path in enumerate(paths):
                if cancel.cancelled:
                    break
                progress(n, len(paths), path)
                found.append(library.identify(path).to_dict())
            return found

        self.run_task("Identifying", work, self._show)

    def set_inputs_enabled(self, enabled: bool) -> None:
        self.choose_button.setEnabled(enabled)

    def _show(self, results: list[dict], _cancelled: bool) -> None:
        for result in results:
            self.results.appendPlainText("\n".join(result_lines(result)))

    def dragEnterEvent(self, event) -> None:  # Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # Qt override
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.identify(paths)
