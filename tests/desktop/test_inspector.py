"""The inspector tabs on real libraries and real files: edit, undo, events, disclosure, review,
credentials and history, with workers whose results must arrive on the UI thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThread
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from desktop.inspector import credentials_tab, history_tab
from desktop.inspector.catalog_tab import CatalogTab
from desktop.inspector.credentials_tab import CredentialsTab, StatusView, require_ui_thread
from desktop.inspector.disclosure_tab import DisclosureTab, ToolDialog
from desktop.inspector.history_tab import HistoryTab
from desktop.inspector.provenance_tab import ProvenanceTab
from desktop.inspector.tabs import TABS
from desktop.undo import UndoController
from desktop.workers import Worker, start
from provenance.domain.dates import EDTF_HELP
from tests.provenance.c2pa_helpers import (
    corrupt_jpeg_scan_data,
    make_jpeg,
    make_signing_identity,
    sign_file,
)

PASS = "correct horse battery staple"


@pytest.fixture
def undo(qapp, library):
    return UndoController(library)


@pytest.fixture
def make_tab(qtbot, library, undo):
    def make(cls):
        tab = cls(library, undo)
        qtbot.addWidget(tab)
        tab.resize(700, 900)
        tab.show()
        return tab

    return make


@pytest.fixture
def ui_thread_only(monkeypatch):
    """Record the thread of every widget update made for a worker's result; the test then
    checks they all ran on the UI thread (a worker touching a widget fails it)."""
    threads: list[bool] = []
    app = QCoreApplication.instance()

    def on_ui() -> bool:
        return QThread.currentThread() is app.thread()

    original_show = StatusView.show_result
    original_line = history_tab.verification_line

    def show_result(self, found):
        threads.append(on_ui())
        return original_show(self, found)

    def verification_line(result):
        threads.append(on_ui())
        return original_line(result)

    monkeypatch.setattr(StatusView, "show_result", show_result)
    monkeypatch.setattr(history_tab, "verification_line", verification_line)
    return threads


def _item(library, **fields):
    return library.get_item(library.create_item(fields).id)


def _imported(library, path):
    report = library.import_files([path])
    assert len(report.imported) == 1, report
    return library.get_item(report.imported[0].item)


def test_tabs_in_order_with_titles():
    assert [t.title for t in TABS] == [
        "Catalog",
        "Provenance",
        "Disclosure",
        "Credentials",
        "History",
    ]


# -- Catalog -------------------------------------------------------------------------------


def test_catalog_edit_is_saved_recorded_and_undone(qtbot, library, undo, make_tab):
    item = _item(library, accession="2024.1", title="Old title")
    tab = make_tab(CatalogTab)
    tab.item_changed.connect(lambda item_id: tab.show_item(library.get_item(item_id)))
    tab.show_item(item)
    title = tab.editors["title"]
    assert title.text() == "Old title" and title.accessibleName() == "Title"
    title.setFocus()
    title.selectAll()
    qtbot.keyClicks(title, "Harbour at dusk")
    with qtbot.waitSignal(tab.item_changed) as changed:
        qtbot.keyClick(title, Qt.Key.Key_Return)
    assert changed.args == [item.id]
    assert library.get_item(item.id).title == "Harbour at dusk"
    last = library.history(item.id)[-1]
    assert last.entity == "item" and last.after == {"title": "Harbour at dusk"}
    assert undo.stack.count() == 1 and undo.stack.undoText() == "Edit title"

    undo.stack.undo()
    assert library.get_item(item.id).title == "Old title"
    assert library.history(item.id)[-1].note.startswith("undo of entry")
    undo.stack.redo()
    assert library.get_item(item.id).title == "Harbour at dusk"


def test_catalog_saves_pending_text_when_switching_items(library, make_tab):
    first = _item(library, accession="A1", title="First")
    second = _item(library, accession="A2", title="Second")
    tab = make_tab(CatalogTab)
    tab.show_item(first)
    tab.editors["description"].setPlainText("Albumen print,\nmounted on card")
    tab.editors["maker"].setText("Unknown photographer")  # not yet "finished"
    tab.show_item(second)
    saved = library.get_item(first.id)
    assert saved.description == "Albumen print,\nmounted on card"
    assert saved.maker == "Unknown photographer"
    assert tab.editors["title"].text() == "Second" and tab.editors["maker"].text() == ""


def test_catalog_extra_field_and_ai_marks(library, undo, make_tab):
    # "stamp" is a free field (inscription became a catalog field in revision 0003).
    item = _item(library, accession="A1", title="First", description="Drafted text")
    library.update_item(item.id, {}, {"stamp": "verso: 1891"})
    library.disclose(item.id, "ai-described", fields=["description", "stamp"])
    library.review(item.id, "approved", "Dana Registrar")
    tab = make_tab(CatalogTab)
    # As the window does: every change shows the item again, while the edit is still running.
    tab.item_changed.connect(lambda item_id: tab.show_item(library.get_item(item_id)))
    tab.show_item(library.get_item(item.id))

    badge = tab.badges["description"]
    assert badge.isVisible() and badge.text() == "AI"
    assert "approved by Dana Registrar" in badge.toolTip()
    assert "AI-described" in tab.editors["description"].accessibleDescription()
    assert not tab.badges["title"].isVisible()
    assert tab.extra_table.item(0, 0).text() == "stamp"
    assert tab.extra_table.item(0, 2).text() == "AI"

    tab.extra_table.item(0, 1).setText("verso: 1892")  # as an edited cell commits it
    assert library.get_item(item.id).extra == {"stamp": "verso: 1892"}
    assert undo.stack.undoText() == "Edit field stamp"
    undo.stack.undo()
    assert library.get_item(item.id).extra == {"stamp": "verso: 1891"}

    tab.show_item(library.get_item(item.id))
    tab.extra_table.item(0, 0).setText("verso")  # rename
    assert library.get_item(item.id).extra == {"verso": "verso: 1891"}
    tab._add_extra_row()
    tab.extra_table.item(1, 0).setText("frame")
    tab.extra_table.item(1, 1).setText("oak")
    assert library.get_item(item.id).extra == {"verso": "verso: 1891", "frame": "oak"}
    tab.extra_table.setCurrentCell(0, 1)
    tab._remove_extra_row()
    assert library.get_item(item.id).extra == {"frame": "oak"}
    assert [tab.extra_table.item(r, 0).text() for r in range(tab.extra_table.rowCount())] == [
        "frame"
    ]


def test_catalog_refuses_a_taken_accession_without_losing_the_text(qtbot, library, make_tab):
    _item(library, accession="A1")
    item = _item(library, accession="A2")
    tab = make_tab(CatalogTab)
    tab.show_item(item)
    tab.editors["accession"].setText("A1")
    tab.editors["accession"].editingFinished.emit()
    assert "already used" in tab.status.text()
    assert tab.editors["accession"].text() == "A1"  # kept, to be corrected
    assert library.get_item(item.id).accession == "A2"


# -- Provenance ----------------------------------------------------------------------------


def test_provenance_adds_an_event_with_an_edtf_date(qtbot, library, undo, make_tab):
    library.add_tool("Restorer X", "Acme Imaging", version="2.1")
    item = _item(library, accession="A1")
    tab = make_tab(ProvenanceTab)
    tab.show_item(item)
    assert not tab.add_button.isEnabled()
    tab.action.setEditText("acquired")
    tab.actor.setText("Jane Smith")
    qtbot.keyClicks(tab.date, "189X")
    assert tab.date_note.text() == (
        "Understood as 1890s (some time from 1890-01-01 to 1899-12-31)."
    )
    tab.date.clear()
    for typed, said in (
        ("1890~", "about 1890"),
        ("1890?", "1890, uncertain"),
        ("../1900", "before 1900"),
        ("1984-1X", "Not an EDTF date"),
        ("189X", "1890s"),
    ):
        qtbot.keyClicks(tab.date, typed)
        assert said in tab.date_note.text(), (typed, tab.date_note.text())
        tab.date.clear()
    qtbot.keyClicks(tab.date, "189X")
    tab.place.setText("Bergen")
    tab.tool.setCurrentIndex(tab.tool.findText("Restorer X 2.1"))
    with qtbot.waitSignal(tab.item_changed):
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    [event] = library.get_item(item.id).events
    assert (event.action, event.actor, event.date, event.place, event.tool) == (
        "acquired",
        "Jane Smith",
        "189X",
        "Bergen",
        "Restorer X 2.1",
    )
    assert tab.timeline.topLevelItemCount() == 1
    assert tab.timeline.topLevelItem(0).text(0) == "1890s"
    assert "Recorded as 189X" in tab.timeline.topLevelItem(0).toolTip(0)
    assert tab.actor.text() == ""  # the form is ready for the next event

    undo.stack.undo()
    assert library.get_item(item.id).events == ()


def test_provenance_bad_date_is_explained_and_nothing_saved(qtbot, library, make_tab):
    item = _item(library, accession="A1")
    tab = make_tab(ProvenanceTab)
    tab.show_item(item)
    tab.action.setEditText("donated")
    tab.actor.setText("The Friends")
    qtbot.keyClicks(tab.date, "around 1890")
    assert EDTF_HELP in tab.date_note.text()
    assert "1890~" in tab.date.toolTip()
    assert not tab.add_button.isEnabled()
    head = library.history_head()
    tab.add_event()  # Return in a field reaches here too
    assert library.get_item(item.id).events == () and library.history_head() == head
    assert EDTF_HELP in tab.status.text()


def test_provenance_correct_and_remove(qtbot, library, undo, make_tab, monkeypatch):
    item = _item(library, accession="A1")
    library.add_event(item.id, "acquired", "Jane Smyth", date="1890")
    tab = make_tab(ProvenanceTab)
    tab.show_item(library.get_item(item.id))
    tab.timeline.setCurrentItem(tab.timeline.topLevelItem(0))
    qtbot.mouseClick(tab.correct_button, Qt.MouseButton.LeftButton)
    assert tab.action.currentText() == "acquired" and tab.actor.text() == "Jane Smyth"
    tab.actor.setText("Jane Smith")
    tab.add_event()
    assert [e.actor for e in library.get_item(item.id).events] == ["Jane Smyth", "Jane Smith"]

    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    tab.timeline.setCurrentItem(tab.timeline.topLevelItem(0))
    tab._remove_selected()
    assert [e.actor for e in library.get_item(item.id).events] == ["Jane Smith"]
    undo.stack.undo()  # brings the removed one back
    assert sorted(e.actor for e in library.get_item(item.id).events) == [
        "Jane Smith",
        "Jane Smyth",
    ]


# -- Disclosure ----------------------------------------------------------------------------


def _check(widget, data):
    for i in range(widget.count()):
        if widget.item(i).data(Qt.ItemDataRole.UserRole) == data:
            widget.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"{data} not listed")


def test_disclosure_save_approve_preview_and_override(qtbot, library, undo, make_tab, monkeypatch):
    library.add_tool("Transkribus", "READ-COOP", version="1.9")
    item = _item(library, accession="A1", title="Letter", description="Dear sir")
    tab = make_tab(DisclosureTab)
    tab.show_item(item)
    tab.category.setCurrentIndex(tab.category.findData("ai-transcribed"))
    assert "handwriting" in tab.examples.text()
    _check(tab.tools, "Transkribus 1.9")
    _check(tab.fields, "description")
    tab.purpose.setText("to make the faded hand legible")
    assert tab.dirty() and not tab.approve_button.isEnabled()
    # Before it is ever saved, the preview words the statement as typed.
    assert tab.badge.text() == "AI-transcribed" and "faded hand" in tab.detail.text()
    assert "Transkribus 1.9" in tab.sentence.text()
    with qtbot.waitSignal(tab.item_changed):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    [d] = library.get_item(item.id).disclosures
    assert d.category == "ai-transcribed" and d.tools == ("Transkribus 1.9",)
    assert d.fields == ("description",) and d.review_state == "draft"
    assert tab.badge.text() == "AI-transcribed"
    assert "transcribed with Transkribus 1.9 (READ-COOP)" in tab.sentence.text()
    assert "pending" in tab.sentence.text() and "faded hand" in tab.detail.text()

    # Unsaved changes are worded live, as a draft, and the note says they are not saved.
    tab.extent.setText("the second page")
    tab.purpose.setText("to read the torn margin")
    assert "torn margin" in tab.detail.text() and "faded hand" not in tab.detail.text()
    assert "unsaved changes" in tab.preview_note.text()
    tab.purpose.setText("to make the faded hand legible")
    tab.save()
    assert library.get_item(item.id).disclosures[0].extent == "the second page"

    # Approve asks who; an empty answer is refused with a plain message.
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("  ", True)))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    qtbot.mouseClick(tab.approve_button, Qt.MouseButton.LeftButton)
    assert library.get_item(item.id).disclosures[0].review_state == "draft"
    assert "needs the name" in tab.status.text()
    assert told and "needs the name of the person" in told[0]
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *a, **k: ("Dana Registrar", True))
    )
    qtbot.mouseClick(tab.approve_button, Qt.MouseButton.LeftButton)
    d = library.get_item(item.id).disclosures[0]
    assert (d.review_state, d.approved_by) == ("approved", "Dana Registrar")
    assert "approved by Dana Registrar" in tab.sentence.text()
    assert tab.review_state.text().startswith("Approved by Dana Registrar")
    assert undo.stack.undoText() == "Approve statement"

    # Another language, then the registrar's own sentence (which needs a new approval).
    tab.language.setCurrentIndex(tab.language.findData("fr"))
    assert tab.sentence.text() and "transcribed" not in tab.sentence.text()
    tab.language.setCurrentIndex(tab.language.findData("en"))
    tab.override_text.setPlainText("Staff checked a machine transcription of this letter.")
    qtbot.mouseClick(tab.use_override, Qt.MouseButton.LeftButton)
    d = library.get_item(item.id).disclosures[0]
    assert d.overrides == {"en": "Staff checked a machine transcription of this letter."}
    assert d.review_state == "draft"
    assert tab.sentence.text() == "Staff checked a machine transcription of this letter."
    qtbot.mouseClick(tab.restore_override, Qt.MouseButton.LeftButton)
    assert library.get_item(item.id).disclosures[0].overrides == {}


def test_disclosure_registers_a_tool(library, make_tab, monkeypatch):
    item = _item(library, accession="A1")
    tab = make_tab(DisclosureTab)
    tab.show_item(item)

    def fill(dialog):
        dialog.name.setText("Upscaler")
        dialog.vendor.setText("Pixel Co")
        dialog.version.setText("3")
        dialog.runs.setCurrentIndex(dialog.runs.findData("cloud"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ToolDialog, "exec", fill)
    tab._register_tool()
    [tool] = library.list_tools()
    assert (tool.name, tool.vendor, tool.version, tool.runs) == (
        "Upscaler",
        "Pixel Co",
        "3",
        "cloud",
    )
    assert tab._checked(tab.tools) == {"Upscaler 3"}


# -- Credentials ---------------------------------------------------------------------------


def test_credentials_none_and_valid_not_trusted(qtbot, library, tmp_path, make_tab, ui_thread_only):
    plain = make_jpeg(tmp_path / "plain.jpg")
    signed = tmp_path / "signed.jpg"
    sign_file(make_jpeg(tmp_path / "src.jpg", (80, 60)), signed, make_signing_identity())
    tab = make_tab(CredentialsTab)

    tab.show_item(_imported(library, plain))
    [view] = [v for k, v in tab.result_views.items() if k.startswith("import:")]
    assert view.kind == "none" and view.headline.text().lower().startswith("none")

    item = _imported(library, signed)
    tab.show_item(item)
    [view] = [v for k, v in tab.result_views.items() if k.startswith("import:")]
    assert view.kind == "valid"
    assert view.headline.text() == "Valid, not in your trust list"
    assert view.summary.text()  # the readable summary from the core
    assert "Credence Test Museum" in view.facts.text()

    key = f"asset:{item.assets[0].id}"
    assert tab.verify(key, item.assets[0].path) is not None
    qtbot.waitUntil(lambda: key not in tab.workers, timeout=20000)
    assert tab.result_views[key].kind == "valid"
    assert ui_thread_only and all(ui_thread_only)


def test_credentials_exports_trusted_then_tampered(
    qtbot, library, tmp_path, make_tab, ui_thread_only
):
    library.create_identity("Credence Test Museum", PASS)
    item = _imported(library, make_jpeg(tmp_path / "master.jpg"))
    report = library.export([item.id], tmp_path / "out", passphrase=PASS, jobs=1)
    assert report.failed == () and report.refused == () and len(report.exported) == 1
    tab = make_tab(CredentialsTab)
    tab.show_item(item)
    [record] = library.exports_of(item.id)
    key = f"export:{record.id}"
    button = tab.buttons[key]
    assert button.text() == "Verif&y now" and not tab.result_views[key].isVisible()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()  # while checking
    qtbot.waitUntil(lambda: key not in tab.workers, timeout=20000)
    view = tab.result_views[key]
    assert view.kind == "trusted" and view.headline.text().startswith("Trusted")
    assert button.isEnabled()

    corrupt_jpeg_scan_data(tmp_path / "out" / "master.jpg")
    tab.show_item(library.get_item(item.id))  # a refresh keeps the last result on screen
    assert tab.result_views[key].kind == "trusted"
    assert tab.verify(key, record.path) is not None
    qtbot.waitUntil(lambda: key not in tab.workers, timeout=20000)
    view = tab.result_views[key]
    assert view.kind == "invalid" and "tampered" in view.headline.text()
    assert all(ui_thread_only) and len(ui_thread_only) >= 2


def test_status_kinds_are_distinct():
    kinds = {
        credentials_tab.status_kind(state, problems)
        for state, problems in [
            ("trusted", []),
            ("valid", []),
            ("valid", [{"title": "a.jpg", "codes": ["x"]}]),
            ("invalid", []),
            ("error", []),
            ("none", []),
        ]
    }
    assert kinds == {"trusted", "valid", "ingredient", "invalid", "error", "none"}
    headlines = {credentials_tab.STATUSES[k][0] for k in kinds}
    assert len(headlines) == len(kinds)


# -- History -------------------------------------------------------------------------------


def test_history_lists_entries_and_verifies(qtbot, library, make_tab, ui_thread_only):
    item = _item(library, accession="A1", title="First")
    library.update_item(item.id, {"title": "Second"})
    library.add_event(item.id, "acquired", "Jane Smith", date="1890~")
    tab = make_tab(HistoryTab)
    tab.show_item(library.get_item(item.id))
    assert tab.entries.topLevelItemCount() == 3
    assert "title" in tab.entries.topLevelItem(1).text(3)
    assert "recorded event: acquired" in tab.entries.topLevelItem(2).text(3)

    with qtbot.waitSignal(tab.verify_button.clicked):
        qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    assert tab.worker is not None and not tab.verify_button.isEnabled()
    # Wait on the outcome, not on `finished`: a quick worker may emit before a wait is set up.
    qtbot.waitUntil(lambda: tab.verify_button.isEnabled(), timeout=20000)
    total = library.history_head()
    assert f"intact: {total} entries" in tab.result.text()
    assert ui_thread_only == [True]


# -- Threads -------------------------------------------------------------------------------


def test_ui_thread_guard_trips_in_a_worker(qtbot):
    require_ui_thread("on the UI thread")  # no error here

    worker = Worker("touch a widget", lambda _p, _c: require_ui_thread("a worker"))
    with qtbot.waitSignal(worker.signals.failed, timeout=10000) as failed:
        start(worker)
    assert "outside the UI thread" in failed.args[0]


def test_worker_slots_run_on_the_ui_thread(qtbot, library, tmp_path, make_tab, qtlog):
    """Every tab slot connected to a worker asserts its thread (require_ui_thread); pytest-qt
    fails the test on an exception in a slot, and Qt's cross-thread warnings fail it too."""
    item = _imported(library, make_jpeg(tmp_path / "a.jpg"))
    credentials = make_tab(CredentialsTab)
    credentials.show_item(item)
    history = make_tab(HistoryTab)
    history.show_item(item)
    credentials.verify(f"asset:{item.assets[0].id}", item.assets[0].path)
    credentials.verify("export:999", str(tmp_path / "missing.jpg"))
    history.verify()
    qtbot.waitUntil(lambda: not credentials.workers and history.worker is None, timeout=20000)
    assert credentials.results["export:999"]["credentials"] == "error"
    assert "file not found" in credentials.results["export:999"]["summary"]
    assert not [r for r in qtlog.records if "thread" in r.message.lower()]
