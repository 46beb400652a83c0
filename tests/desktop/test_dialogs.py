"""The dialogs, driven as a person would, on real libraries, real files and real workers.

Workers run on the thread pool; a test waits for a dialog's `work_done` signal (connected
before the click that starts the work, so a fast worker cannot be missed), never a fixed sleep.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QTreeWidget, QTreeWidgetItem

from desktop.dialogs import (
    AiToolsDialog,
    BatchDialog,
    CatalogImportDialog,
    ExportDialog,
    IdentityWizard,
    ImportFilesDialog,
    PreferencesDialog,
)
from desktop.dialogs.identity_dialog import fingerprint_text
from desktop.undo import UndoController
from desktop.workers import start
from tests.conftest import data_file
from tests.provenance.c2pa_helpers import make_jpeg, make_signing_identity

WCMA_CSV = "catalogs/wcma/wcma-collection_2019-12-04.csv"
TIMEOUT = 120_000  # generous for slow CI machines; the wait ends as soon as the work does


def run_work(qtbot, dialog, action) -> None:
    """Do `action` (e.g. click Import) and wait until the dialog's main task has finished."""
    with qtbot.waitSignal(
        dialog.work_done, timeout=TIMEOUT, check_params_cb=lambda w: w is dialog.worker
    ):
        action()


def group(tree: QTreeWidget, title: str) -> QTreeWidgetItem:
    """The summary group whose heading starts with `title`."""
    for index in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(index)
        if item.text(0).startswith(title):
            return item
    raise AssertionError(f"no group {title!r} in the summary")


def children(item: QTreeWidgetItem) -> list[tuple[str, str]]:
    return [(item.child(i).text(0), item.child(i).text(1)) for i in range(item.childCount())]


# -- import -------------------------------------------------------------------------------


def test_import_folder_summary_names_each_file_and_the_rejected_one(qtbot, library, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    make_jpeg(folder / "harbour.jpg")
    make_jpeg(folder / "field.jpg", size=(80, 60))
    (folder / "notes.txt").write_text("shelf list, not an image\n")
    dialog = ImportFilesDialog(library, start)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.import_button.click()  # nothing chosen yet: said plainly, nothing started
    assert "Nothing to import" in dialog.problem.text() and dialog.worker is None

    dialog.add_paths([folder])
    run_work(qtbot, dialog, dialog.import_button.click)

    assert len(dialog.report.imported) == 2
    [rejected] = children(group(dialog.summary, "Rejected"))
    assert rejected[0] == "notes.txt"
    assert rejected[1] == dialog.report.rejected[0].reason and rejected[1]
    imported = dict(children(group(dialog.summary, "Imported (2)")))
    assert set(imported) == {"harbour.jpg", "field.jpg"}
    assert "2 imported" in dialog.counts.text() and "1 rejected" in dialog.counts.text()
    assert library.count_items() == 2
    assert dialog.import_button.isEnabled() and not dialog.task_panel.isVisible()

    run_work(qtbot, dialog, dialog.import_button.click)  # the same folder again
    duplicates = children(group(dialog.summary, "Already in the library (2)"))
    assert {name for name, _ in duplicates} == {"harbour.jpg", "field.jpg"}
    assert library.count_items() == 2


def test_import_into_a_missing_item_is_a_plain_message(qtbot, library, tmp_path):
    dialog = ImportFilesDialog(library, start, paths=[make_jpeg(tmp_path / "a.jpg")])
    qtbot.addWidget(dialog)
    dialog.item_edit.setText("NOPE-1")
    run_work(qtbot, dialog, dialog.import_button.click)
    assert "NOPE-1" in dialog.problem.text() and "Traceback" not in dialog.problem.text()
    assert dialog.report is None and library.count_items() == 0


def test_catalog_mapping_preview_and_rejected_cut_off_row(qtbot, library):
    dialog = CatalogImportDialog(library, start, path=data_file(WCMA_CSV))
    qtbot.addWidget(dialog)
    dialog.show()
    combos = dialog.mapping_combos
    assert combos["accession"].currentText() == "accession_number"  # Credence's guess
    assert combos["description"].currentText() == "description"

    combo = combos["description"]
    combo.setCurrentIndex(combo.findText("object_name"))  # as a person picks it
    preview = dialog.preview
    headers = [preview.horizontalHeaderItem(c).text() for c in range(preview.columnCount())]
    described = next(c for c, h in enumerate(headers) if h.startswith("Description"))
    assert "object_name" in headers[described]
    assert preview.rowCount() == 5
    assert preview.item(0, 0).text() == "2"  # the line a text editor shows
    assert preview.item(0, described).text() == "poster"
    maker = next(c for c, h in enumerate(headers) if h.startswith("Maker"))
    assert preview.item(0, maker).text() == "Adrien Barrère"
    assert "description" in dialog.extra_note.text()  # the unmapped column is kept as extra

    run_work(qtbot, dialog, dialog.import_button.click)

    report = dialog.report
    assert report.created == 7057
    assert dialog.rejected_table.rowCount() == 1
    assert dialog.rejected_table.item(0, 0).text() == f"line {report.rejected[0].line}"
    assert report.rejected[0].line > 7000
    assert "cut off" in dialog.rejected_table.item(0, 1).text()
    assert "7057 items created" in dialog.counts.text()
    assert library.get_item("39.1.400").description == "poster"


def test_catalog_file_that_cannot_be_read_is_named(qtbot, library, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    dialog = CatalogImportDialog(library, start)
    qtbot.addWidget(dialog)
    assert dialog.set_path(empty) is False
    assert "empty.csv" in dialog.problem.text()
    assert not dialog.import_button.isEnabled()


# -- export -------------------------------------------------------------------------------


def test_export_lists_refusals_first_then_exports_the_approved_item(
    qtbot, library, tmp_path, monkeypatch
):
    monkeypatch.delenv("CREDENCE_PASSPHRASE", raising=False)
    library.create_identity("Test Museum", "pw")
    library.import_files(
        [make_jpeg(tmp_path / "ok.jpg"), make_jpeg(tmp_path / "draft.jpg", (64, 48))]
    )
    by_title = {i.title: i for i in library.list_items()}
    ok, draft = by_title["ok"], by_title["draft"]
    library.disclose(ok.id, "ai-enhanced")
    library.review(ok.id, "approved", "Dana Curator")
    library.disclose(draft.id, "ai-restored")
    out = tmp_path / "out"

    dialog = ExportDialog(library, [ok.id, draft.id], start)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.work_done, timeout=TIMEOUT):
        dialog.show()  # the refusal check starts when the dialog is shown

    assert dialog.refusals.topLevelItemCount() == 1
    refused = dialog.refusals.topLevelItem(0)
    assert refused.text(0) == draft.label
    assert "ai-restored" in refused.text(1) and "not approved" in refused.text(1)
    assert "Disclosure tab" in dialog.refusal_note.text()
    assert "export report" in dialog.refusal_note.text()
    dialog.unreviewed_check.setChecked(True)
    assert dialog.refusals.topLevelItemCount() == 0
    assert "pending" in dialog.refusal_note.text()
    dialog.unreviewed_check.setChecked(False)
    assert dialog.refusals.topLevelItemCount() == 1
    assert not out.exists()  # nothing written by looking

    dialog.folder_edit.setText(str(out))
    dialog.jobs_spin.setValue(1)
    dialog.passphrase_edit.setText("not the passphrase")
    run_work(qtbot, dialog, dialog.export_button.click)
    assert "passphrase" in dialog.problem.text() and "Traceback" not in dialog.problem.text()
    assert dialog.report is None

    dialog.passphrase_edit.setText("pw")
    run_work(qtbot, dialog, dialog.export_button.click)

    report = dialog.report
    assert [e.item for e in report.exported] == [ok.accession or f"#{ok.id}"]
    assert len(report.refused) == 1 and report.failed == ()
    assert Path(report.exported[0].file).is_file()
    exported = children(group(dialog.summary, "Exported (1)"))
    assert exported[0][1] == Path(report.exported[0].file).name
    assert len(children(group(dialog.summary, "Refused (1)"))) == 1
    assert group(dialog.summary, "Failed (0)").childCount() == 0
    assert "1 exported, 1 refused, 0 failed" in dialog.counts.text()
    assert not dialog.problem.isVisible()


def test_export_says_when_the_passphrase_comes_from_the_environment(qtbot, library, monkeypatch):
    monkeypatch.setenv("CREDENCE_PASSPHRASE", "from-env")
    dialog = ExportDialog(library, None, start)
    qtbot.addWidget(dialog)
    assert "CREDENCE_PASSPHRASE" in dialog.passphrase_note.text()
    assert "no signing identity" in dialog.identity_note.text()
    dialog.naming_edit.setText("{accession")
    assert "not valid" in dialog.naming_example.text()


# -- identity -----------------------------------------------------------------------------


def test_identity_wizard_creates_an_identity_and_shows_its_fingerprint(qtbot, library, tmp_path):
    wizard = IdentityWizard(library)
    qtbot.addWidget(wizard)
    wizard.show()
    assert "no signing identity" in wizard.choice_page.current.text()
    wizard.choice_page.create_radio.setChecked(True)
    wizard.next()
    assert wizard.currentId() == IdentityWizard.CREATE
    page = wizard.create_page
    page.organisation_edit.setText("Test Museum")
    page.algorithm_combo.setCurrentIndex(page.algorithm_combo.findData("Ed25519"))
    page.passphrase_edit.setText("pw")
    page.repeat_edit.setText("pq")
    wizard.next()
    assert wizard.currentId() == IdentityWizard.CREATE  # refused on the page, plainly
    assert "not the same" in page.problem.text()
    assert library.identity_info() is None

    page.repeat_edit.setText("pw")
    wizard.next()
    assert wizard.currentId() == IdentityWizard.RESULT
    info = library.identity_info()
    assert info.organisation == "Test Museum" and info.algorithm == "Ed25519"
    details = wizard.result_page.details.text()
    assert fingerprint_text(info.fingerprint) in details and "Test Museum" in details

    bundle = wizard.result_page.export_bundle(tmp_path / "partners" / "bundle.pem")
    assert bundle.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "bundle.pem" in wizard.result_page.bundle_note.text()
    wizard.accept()
    assert wizard.result() == QDialog.DialogCode.Accepted

    again = IdentityWizard(library)  # an identity exists now: replacing it needs a tick
    qtbot.addWidget(again)
    again.show()
    again.next()
    assert again.create_page.replace_check.isVisible()
    again.create_page.passphrase_edit.setText("new")
    again.create_page.repeat_edit.setText("new")
    again.next()
    assert again.currentId() == IdentityWizard.CREATE
    assert "Replace the existing identity" in again.create_page.problem.text()
    assert library.identity_info().fingerprint == info.fingerprint


# -- AI tools -----------------------------------------------------------------------------


def test_tools_dialog_names_a_missing_vendor_then_adds_the_tool(qtbot, library):
    dialog = AiToolsDialog(library)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("Upscaler")
    dialog.add_button.click()
    assert dialog.problem.isVisible() and "vendor" in dialog.problem.text()
    assert dialog.vendor_edit.hasFocus() or not dialog.isActiveWindow()
    assert dialog.table.rowCount() == 0 and library.list_tools() == []

    dialog.vendor_edit.setText("Topaz Labs")
    dialog.version_edit.setText("7.2")
    dialog.runs_combo.setCurrentIndex(dialog.runs_combo.findData("cloud"))
    dialog.training_edit.setText("licensed photographs")
    dialog.documentation_edit.setText("https://example.org/upscaler")
    dialog.add_button.click()

    assert not dialog.problem.isVisible()
    assert dialog.table.rowCount() == 1
    row = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert row[:5] == [
        "Upscaler",
        "7.2",
        "Topaz Labs",
        "In the vendor's cloud",
        "licensed photographs",
    ]
    [tool] = library.list_tools()
    assert (tool.vendor, tool.runs) == ("Topaz Labs", "cloud")
    assert dialog.name_edit.text() == ""  # ready for the next one


# -- preferences --------------------------------------------------------------------------


def test_preferences_save_reviewer_role_as_one_history_entry(qtbot, library):
    dialog = PreferencesDialog(library)
    qtbot.addWidget(dialog)
    assert not dialog.role_edit.isEnabled()  # a role only matters when roles are shown
    dialog.reviewer_combo.setCurrentIndex(dialog.reviewer_combo.findData("role"))
    assert dialog.role_edit.isEnabled()
    dialog.role_edit.setText("the collections manager")
    assert "the collections manager" in dialog.reviewer_explanation.text()
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("fr"))
    head = library.history_head()
    dialog.save_button.click()

    assert dialog.result() == QDialog.DialogCode.Accepted
    settings = library.settings()
    assert settings.reviewer_display == "role"
    assert settings.reviewer_role == "the collections manager" and settings.language == "fr"
    assert library.history_head() == head + 1
    [entry] = library.history()[-1:]
    assert entry.after == {
        "reviewer_display": "role",
        "reviewer_role": "the collections manager",
        "language": "fr",
    }


def test_preferences_add_partner_ca_and_refuse_a_non_ca(qtbot, library, tmp_path):
    partner = make_signing_identity("Partner Museum")
    ca = tmp_path / "partner-ca.pem"
    ca.write_text(partner.ca_cert_pem)
    leaf = tmp_path / "partner-signer.pem"
    leaf.write_text(
        partner.cert_chain_pem.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    )
    dialog = PreferencesDialog(library)
    qtbot.addWidget(dialog)
    assert "No signing identity" in dialog.identity_label.text()
    assert dialog.add_trust_anchor_file(leaf) is None
    assert "partner-signer.pem" in dialog.problem.text() and "not a CA" in dialog.problem.text()
    fingerprint = dialog.add_trust_anchor_file(ca)
    assert fingerprint and "partner-ca.pem" in dialog.anchor_note.text()
    library.create_identity("Test Museum", "pw")
    dialog.refresh_identity()
    assert "Test Museum" in dialog.identity_label.text()


# -- batch --------------------------------------------------------------------------------


def test_batch_event_previews_then_applies_as_one_undo_step(qtbot, library):
    ids = [library.create_item({"accession": f"B{n}", "title": f"Print {n}"}).id for n in range(3)]
    undo = UndoController(library)
    dialog = BatchDialog(library, undo, ids)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.apply_button.isEnabled()  # no action yet
    dialog.action_combo.setEditText("digitised")
    dialog.date_edit.setText("2024-03")
    dialog.place_edit.setText("Photo studio")

    assert dialog.preview.rowCount() == 3
    assert [dialog.preview.item(r, 0).text() for r in range(3)] == [
        "B0 Print 0",
        "B1 Print 1",
        "B2 Print 2",
    ]
    assert "digitised" in dialog.preview.item(0, 1).text()
    assert "2024-03" in dialog.preview.item(2, 1).text()
    assert all(not library.get_item(i).events for i in ids)  # a preview changes nothing

    dialog.apply_button.click()

    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.applied == 3
    assert all(len(library.get_item(i).events) == 1 for i in ids)
    assert undo.stack.count() == 1
    assert undo.stack.undoText() == "Add event to 3 items"
    undo.stack.undo()
    assert all(not library.get_item(i).events for i in ids)
    undo.stack.redo()
    assert all(library.get_item(i).events[0].action == "digitised" for i in ids)


def test_batch_disclosure_preview_says_what_it_replaces(qtbot, library):
    ids = [library.create_item({"accession": f"D{n}"}).id for n in range(2)]
    library.disclose(ids[0], "ai-enhanced")
    library.review(ids[0], "approved", "Dana Curator")
    library.add_tool("Upscaler", "Topaz Labs")
    undo = UndoController(library)
    dialog = BatchDialog(library, undo, ids)
    qtbot.addWidget(dialog)
    dialog.disclosure_radio.setChecked(True)
    dialog.category_combo.setCurrentIndex(dialog.category_combo.findData("ai-enhanced"))
    dialog.tools_list.item(0).setCheckState(dialog.tools_list.item(0).checkState().Checked)

    note = dialog.preview.item(0, 2).text()
    assert "replaces its existing AI-enhanced disclosure (approved)" in note
    assert "Dana Curator" in note and "withdrawn" in note
    assert dialog.preview.item(1, 2).text() == ""
    assert "Upscaler" in dialog.preview.item(1, 1).text()

    dialog.apply_button.click()
    assert undo.stack.count() == 1
    assert [d.review_state for d in library.get_item(ids[0]).disclosures] == ["draft"]
    assert library.get_item(ids[1]).disclosures[0].tools == ("Upscaler",)


def test_batch_bad_date_adds_nothing_and_says_why(qtbot, library):
    ids = [library.create_item({"accession": f"C{n}"}).id for n in range(2)]
    undo = UndoController(library)
    dialog = BatchDialog(library, undo, ids)
    qtbot.addWidget(dialog)
    dialog.action_combo.setEditText("acquired")
    dialog.date_edit.setText("sometime last spring")
    dialog.apply_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problem.text().startswith("Nothing was added")
    assert undo.stack.count() == 0
    assert all(not library.get_item(i).events for i in ids)
