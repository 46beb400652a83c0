"""Saving labels as a registrar does: Save PDF… opens in Documents, the PDF is written with the
user's umask, and a message says where it went with a button that opens the folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QPushButton

from desktop.dialogs.labels_dialog import LabelsDialog


class _FileManager(QObject):
    """Stands in for the desktop's file manager: Qt hands it the file: URLs it would open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


@pytest.fixture
def file_manager():
    manager = _FileManager()
    QDesktopServices.setUrlHandler("file", manager, "open_url")
    yield manager
    QDesktopServices.unsetUrlHandler("file")


def test_save_starts_in_documents_confirms_and_opens_the_folder(
    qtbot, library, tmp_path, monkeypatch, file_manager
):
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    item = library.create_item(
        {"accession": "CR.1", "title": "Harbour at dusk", "maker": "Ingrid Moe", "date": "1934-05"}
    )
    dialog = LabelsDialog(library, [item.id])
    qtbot.addWidget(dialog)
    dialog.resize(1000, 650)
    dialog.show()
    qtbot.waitExposed(dialog)
    save = dialog.save_button
    assert save.isVisible() and save.isEnabled()

    seen: dict[str, object] = {}

    def answer_the_file_dialog() -> None:
        chooser = QApplication.activeModalWidget()
        assert isinstance(chooser, QFileDialog) and chooser.isVisible()
        seen["folder"] = chooser.directory().absolutePath()
        name = chooser.findChild(QLineEdit, "fileNameEdit")
        assert name is not None and name.isVisible()
        seen["suggested"] = name.text()
        name.selectAll()
        qtbot.keyClicks(name, "harbour")
        qtbot.keyClick(name, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer_the_file_dialog)
    old = os.umask(0o002)  # a shared drive's group may write
    try:
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    finally:
        os.umask(old)

    documents = home / "Documents"
    assert Path(str(seen["folder"])) == documents
    assert seen["suggested"] == "labels-wall.pdf"
    pdf = documents / "harbour.pdf"
    assert pdf.is_file()
    assert pdf.stat().st_mode & 0o777 == 0o664  # readable (and writable) by the group
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "May 1934" in text and "1934-05" not in text

    message = dialog.saved_message
    assert isinstance(message, QMessageBox)
    qtbot.waitUntil(message.isVisible)
    assert "harbour.pdf" in message.text() and str(documents) in message.text()
    [open_folder] = [
        b for b in message.findChildren(QPushButton) if b.accessibleName() == "Open folder"
    ]
    assert open_folder.isVisible()
    qtbot.mouseClick(open_folder, Qt.MouseButton.LeftButton)
    assert file_manager.opened == [str(documents)]
    qtbot.waitUntil(lambda: not message.isVisible())
    # The next save starts where this one went.
    assert dialog.save_folder == documents
