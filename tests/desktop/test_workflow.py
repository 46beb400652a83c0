"""The whole day's workflow through the real window, offscreen, with real files:
import a folder and a catalog CSV, add an event, disclose, approve, export signed and verify,
print labels to PDF, undo an edit, verify history."""

from __future__ import annotations

import shutil
import subprocess

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QInputDialog

from desktop.dialogs.export_dialog import ExportDialog
from desktop.dialogs.import_dialog import CatalogImportDialog
from desktop.dialogs.labels_dialog import LabelsDialog
from desktop.main_window import MainWindow
from desktop.workers import start
from tests.provenance.c2pa_helpers import make_jpeg

TIMEOUT = 120_000


def _tab(window, title):
    return next(t for t in window.tabs if t.title == title)


def _select(window, accession):
    model = window.model
    window.search.clear()
    window.sidebar.setCurrentRow(0)
    window.model.reload()
    row = next(r for r in range(model.rowCount()) if model.item_at(r).accession == accession)
    window.table.selectRow(row)
    window.table.setCurrentIndex(model.index(row, 0))
    return model.item_at(row)


def _check(widget, data):
    for i in range(widget.count()):
        if widget.item(i).data(Qt.ItemDataRole.UserRole) == data:
            widget.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"{data} not listed")


def test_a_registrars_day(qtbot, library, tmp_path, monkeypatch):
    library.create_identity("Credence Test Museum", "pw")
    library.add_tool("Restorer X", "Acme Imaging", version="2.1")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    qtbot.addWidget(window)
    window.show()

    # 1. A catalog CSV through the mapping dialog.
    csv_file = tmp_path / "catalog.csv"
    csv_file.write_text(
        "object_number,title,artist,date,notes\n"
        "W1,Harbour at dusk,Ingrid Moe,1934,glass negative\n"
        "W2,Field in spring,Bo Lund,1950,\n"
    )
    dialog = CatalogImportDialog(library, start, window, path=csv_file)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.work_done, timeout=TIMEOUT):
        dialog.import_button.click()
    assert dialog.report.created == 2

    # 2. A folder of images, named by accession number, through the window (as a drop would).
    folder = tmp_path / "scans"
    folder.mkdir()
    make_jpeg(folder / "W1.jpg", size=(120, 90))
    make_jpeg(folder / "W2.jpg", size=(90, 120))
    window._import_paths([str(folder)])
    with qtbot.waitSignal(window.tasks.worker.signals.finished, timeout=TIMEOUT):
        pass
    qtbot.waitUntil(lambda: window.model.total == 2)
    assert all(item.assets for item in library.list_items(details=True))

    # 3. An event with an EDTF date, in the Provenance tab.
    _select(window, "W1")
    provenance = _tab(window, "Provenance")
    provenance.action.setEditText("restored")
    provenance.actor.setText("Conservation lab")
    qtbot.keyClicks(provenance.date, "2026-05")
    provenance.tool.setCurrentIndex(provenance.tool.findText("Restorer X 2.1"))
    with qtbot.waitSignal(provenance.item_changed):
        provenance.add_button.click()
    assert library.get_item("W1").events[0].date == "2026-05"

    # 4. Disclose and approve, in the Disclosure tab.
    disclosure = _tab(window, "Disclosure")
    disclosure.category.setCurrentIndex(disclosure.category.findData("ai-restored"))
    _check(disclosure.tools, "Restorer X 2.1")
    disclosure.purpose.setText("reconstruct a torn corner")
    with qtbot.waitSignal(disclosure.item_changed):
        disclosure.save_button.click()
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *a, **k: ("Dana Registrar", True))
    )
    disclosure.approve_button.click()
    assert library.get_item("W1").disclosures[0].review_state == "approved"
    assert "Dana Registrar" in disclosure.sentence.text()

    # 5. Export signed, then verify the file.
    out = tmp_path / "exports"
    export = ExportDialog(library, [library.get_item("W1").id], start, window)
    qtbot.addWidget(export)
    export.folder_edit.setText(str(out))
    export.passphrase_edit.setText("pw")
    with qtbot.waitSignal(
        export.work_done, timeout=TIMEOUT, check_params_cb=lambda w: w is export.worker
    ):
        export.export_button.click()
    [exported] = export.report.exported
    assert library.verify_file(exported.file)["credentials"] == "trusted"

    # 6. Print labels to PDF from the Print labels dialog.
    labels = LabelsDialog(library, [library.get_item("W1").id, library.get_item("W2").id])
    qtbot.addWidget(labels)
    assert labels.findings.count() >= 1 and labels.preview.pixmap() is not None
    pdf = labels.save_pdf(str(tmp_path / "labels.pdf"))
    assert pdf is not None and pdf.stat().st_size > 1000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "AI-restored" in text and "Harbour at dusk" in text and "Field in spring" in text

    # 7. Edit a catalog field, then undo it with the window's Undo.
    _select(window, "W2")
    catalog = _tab(window, "Catalog")
    title = catalog.editors["title"]
    title.setFocus()
    title.selectAll()
    qtbot.keyClicks(title, "Field in early spring")
    with qtbot.waitSignal(catalog.item_changed):
        qtbot.keyClick(title, Qt.Key.Key_Return)
    assert library.get_item("W2").title == "Field in early spring"
    window.undo_action.trigger()
    assert library.get_item("W2").title == "Field in spring"

    # 8. Verify history from the History tab.
    history = _tab(window, "History")
    assert history.verify() is not None  # runs in a worker; the result label says when done
    qtbot.waitUntil(lambda: "intact" in history.result.text().lower(), timeout=TIMEOUT)
    assert library.verify_history().ok
