"""The window on a team library (PostgreSQL, the throwaway test server), driven as a person
does: File > Open team library… with a password typed for the session only (never stored),
the title naming the role, a colleague's change met with "changed by X at T", Check out… /
Check in… with the conflict list, Keep mine / Keep theirs / Edit…, and Storage roots…."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)

from desktop.dialogs.offline_dialog import CheckInDialog, CheckOutDialog, ConflictsDialog
from desktop.dialogs.roots_dialog import StorageRootsDialog
from desktop.dialogs.stale_dialog import StaleEditDialog
from desktop.dialogs.team_dialog import OpenTeamDialog, PasswordDialog
from desktop.libraries import RecentLibraries
from desktop.main_window import MainWindow
from desktop.team import (
    database_name,
    needs_password,
    server_name,
    shown_location,
    team_label,
    with_password,
)
from provenance import open_library

SIZES = [(1024, 700), (1600, 1000)]
#: A password with characters a URL must escape, and letters beyond ASCII.
SECRET = "pä ss:@/wörd%"
#: Colleagues' login roles, named apart from other tests' roles in the shared test server.
CAROL, BOB = "win_carol", "win_bob"


def test_addresses_are_shown_and_remembered_without_password():
    assert shown_location("postgresql://alice:s3cret@db.museum.org/coll") == (
        "postgresql://alice@db.museum.org/coll"
    )
    assert shown_location("postgresql://alice:***@db/coll") == "postgresql://alice@db/coll"
    assert shown_location("postgresql://db/coll?password=x&sslmode=require") == (
        "postgresql://db/coll?sslmode=require"
    )
    socket = "postgresql://alice@/lib_1?host=/tmp/credence-pg-x"
    assert shown_location(socket) == socket  # nothing to remove: left exactly as typed
    typed = with_password("postgresql://carol@db.museum.org:5433/coll", SECRET)
    assert SECRET not in typed and "p%C3%A4%20ss%3A%40%2Fw%C3%B6rd%25" in typed
    assert shown_location(typed) == "postgresql://carol@db.museum.org:5433/coll"
    assert server_name(socket) == "this computer"
    assert server_name("postgresql://a@db.museum.org:5433/coll") == "db.museum.org"
    assert database_name("postgresql://a@h/%D0%9C%D1%83%D0%B7%D0%B5%D0%B9") == "Музей"
    assert team_label("postgresql://a@h/coll") == "coll on h"
    assert needs_password(
        "the team library x refused the login (connection failed: fe_sendauth: no password "
        "supplied); give the password in ~/.pgpass"
    )
    assert not needs_password("cannot reach the team library x (timeout)")


# -- helpers -------------------------------------------------------------------------------------


def _settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _inside(widget: QWidget, window: QWidget) -> bool:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return QRect(top_left, widget.size()).intersects(window.rect()) and widget.isVisible()


def _shown(qtbot, window: MainWindow, size) -> MainWindow:
    window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _menu(qtbot, title: str) -> QMenu:
    def find():
        menus = [m for m in QApplication.topLevelWidgets() if isinstance(m, QMenu)]
        return next((m for m in menus if m.isVisible() and m.title() == title), None)

    qtbot.waitUntil(lambda: find() is not None)
    return find()


def _modal(qtbot, kind):
    def find():
        widget = QApplication.activeModalWidget()
        return widget if isinstance(widget, kind) and widget.isVisible() else None

    qtbot.waitUntil(lambda: find() is not None, timeout=20000)
    return find()


#: The pollers of `_when_shown`, kept alive for the whole run.
_KEPT: list = []


def _when_shown(qtbot, kind, act) -> list:
    """Run `act(dialog)` once a modal `kind` is on screen. Polls without blocking (a nested
    wait would hold the dialog below it open), so it also finds a dialog that opens only
    after the current one closes. A dialog that never comes, or a step that fails, closes
    whatever modal dialog is open, so the test fails instead of waiting forever."""
    seen: list = []
    tries = [0]

    def poll():
        widget = QApplication.activeModalWidget()
        try:
            ready = (
                isinstance(widget, kind) and widget.isVisible() and not widget.property("handled")
            )
        except RuntimeError:  # a dialog of an earlier step, already deleted
            ready = False
        if ready:
            widget.setProperty("handled", True)  # a dialog still closing is not the next one
            seen.append(widget)
            try:
                act(widget)
            except BaseException:
                widget.done(0)
                raise
            QTimer.singleShot(30000, lambda: _still_open(widget, kind))
            return
        tries[0] += 1
        if tries[0] < 1500:  # about 30 s
            QTimer.singleShot(20, poll)
        elif widget is not None:
            widget.done(0)
            raise AssertionError(f"no {kind.__name__} came; {type(widget).__name__} was open")

    _KEPT.append(poll)  # Qt's timer alone does not keep a Python callable alive
    QTimer.singleShot(0, poll)
    return seen


def _still_open(widget, kind) -> None:
    """A dialog its step meant to close is still open half a minute later: close it, so the
    test fails here instead of waiting forever in the dialog's own loop."""
    try:
        open_still = widget.isVisible()
    except RuntimeError:  # deleted: closed long ago
        return
    if open_still:
        widget.done(0)
        raise AssertionError(f"the {kind.__name__} stayed open after its step")


def _menu_entry(qtbot, window, menu_key, menu_title, entry_key):
    window.activateWindow()  # back from a dialog: the window has the keyboard again
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, menu_key, Qt.KeyboardModifier.AltModifier)
    menu = _menu(qtbot, menu_title)
    qtbot.keyClick(menu, entry_key)


def _button(dialog, text) -> QPushButton:
    found = [b for b in dialog.findChildren(QPushButton) if b.text() == text and b.isVisible()]
    assert len(found) == 1, [b.text() for b in dialog.findChildren(QPushButton)]
    assert _inside(found[0], dialog)
    return found[0]


def _click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _type(qtbot, field: QLineEdit, text: str) -> None:
    assert field.isVisible()
    field.setFocus()
    field.selectAll()
    if not text:
        qtbot.keyClick(field, Qt.Key.Key_Delete)
    for char in text:
        if char.isascii():
            qtbot.keyClicks(field, char)
        else:  # QTest maps ASCII only: a key event carrying the letter, as a keyboard sends
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    field, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )


@pytest.fixture
def role(pg_cluster, pg_url):
    """Make a login role (a colleague) that may work in the test database: member of alice,
    who owns it. With `password`, the server asks it for a password (scram) over the socket."""
    made: list[str] = []
    hba = pg_cluster.data / "pg_hba.conf"
    original_hba = hba.read_text()

    def make(name: str, password: str | None = None) -> str:
        pg_cluster.sql("postgres", f"CREATE ROLE {name} LOGIN IN ROLE alice")
        made.append(name)
        if password is not None:
            quoted = password.replace("'", "''")
            pg_cluster.sql("postgres", f"ALTER ROLE {name} PASSWORD '{quoted}'")
            hba.write_text(f"local all {name} scram-sha-256\n" + original_hba)
            pg_cluster._run("pg_ctl", "-D", str(pg_cluster.data), "reload")
            _wait_until_asked(pg_cluster, name)
        return pg_url.replace("postgresql://alice@", f"postgresql://{name}@")

    yield make
    if hba.read_text() != original_hba:
        hba.write_text(original_hba)
        pg_cluster._run("pg_ctl", "-D", str(pg_cluster.data), "reload")
    for name in made:
        pg_cluster.sql(
            "postgres",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'",
        )
        pg_cluster.sql("postgres", f"DROP ROLE IF EXISTS {name}")


def _wait_until_asked(pg_cluster, name: str) -> None:
    """A reload is asynchronous: wait until the server asks `name` for a password."""
    import psycopg

    for _ in range(200):
        try:
            psycopg.connect(host=str(pg_cluster.socket_dir), dbname="postgres", user=name).close()
        except psycopg.OperationalError:
            return
        QTest.qWait(25)
    raise AssertionError("the test server never asked for the password")


# -- opening a team library ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_open_team_library_by_address_with_a_password_never_stored(
    qtbot, tmp_path, pg_url, role, size
):
    url = role(CAROL, SECRET)
    team = open_library(pg_url)
    team.create_item({"accession": "T-1", "title": "Harbour at dusk"})
    team.close()
    settings = _settings(tmp_path)
    local = open_library(tmp_path / "Harbour Museum")
    window = _shown(qtbot, MainWindow(local, settings), size)
    assert window.windowTitle() == "Credence — Harbour Museum"

    passwords = []

    def right(dialog: PasswordDialog):
        passwords.append(dialog)
        # Asked again, saying the first was refused.
        assert dialog.problem.isVisible() and "not accepted" in dialog.problem.text()
        _type(qtbot, dialog.password, SECRET)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    def wrong(dialog: PasswordDialog):
        passwords.append(dialog)
        assert f"password of {CAROL}" in dialog.intro.text()
        assert not dialog.problem.isVisible()
        assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
        _type(qtbot, dialog.password, "not it")
        _when_shown(qtbot, PasswordDialog, right)  # the next dialog, once this one is gone
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    def address(dialog: OpenTeamDialog):
        assert _inside(dialog.address, dialog)
        _type(qtbot, dialog.address, url)
        _when_shown(qtbot, PasswordDialog, wrong)
        qtbot.keyClick(dialog.address, Qt.Key.Key_Return)

    _when_shown(qtbot, OpenTeamDialog, address)
    _menu_entry(qtbot, window, Qt.Key.Key_F, "&File", Qt.Key.Key_T)  # Open &team library…
    qtbot.waitUntil(lambda: window.session.window is not window, timeout=20000)
    teamwin = window.session.window
    qtbot.addWidget(teamwin)
    _shown(qtbot, teamwin, size)
    assert len(passwords) == 2
    assert teamwin.library.team and teamwin.library.actor == CAROL
    assert teamwin.windowTitle() == (
        f"Credence — {database_name(url)} on this computer — team library, you are {CAROL}"
    )
    qtbot.waitUntil(lambda: teamwin.model.total == 1)
    # The password went to libpq only: not in the settings, Recent, title or location.
    settings.sync()
    stored = (tmp_path / "settings.ini").read_bytes()
    for form in (SECRET, "p%C3%A4", "pä ss"):
        assert form.encode() not in stored
        assert form not in teamwin.windowTitle()
    assert RecentLibraries(settings).entries()[0] == url
    # File > Open Recent lists it as a team library, checked, next to the folder.
    qtbot.keyClick(teamwin, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    file_menu = _menu(qtbot, "&File")
    qtbot.keyClick(file_menu, Qt.Key.Key_R)
    recent = _menu(qtbot, "Open &Recent")
    texts = [a.text() for a in recent.actions()]
    assert texts[0] == f"&1 {team_label(url)} (team) — {url}"
    assert recent.actions()[0].isChecked() and not recent.actions()[1].isChecked()
    recent.close()
    file_menu.close()
    teamwin.close()
    teamwin.library.close()


def test_a_connection_error_is_one_sentence_and_the_library_stays_open(qtbot, tmp_path):
    settings = _settings(tmp_path)
    local = open_library(tmp_path / "Harbour Museum")
    window = _shown(qtbot, MainWindow(local, settings), SIZES[0])
    problems = []

    def bad(dialog: OpenTeamDialog):
        # Nothing listens on this socket folder: the server cannot be reached.
        _type(qtbot, dialog.address, f"postgresql://alice@/coll?host={tmp_path}")
        qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
        qtbot.waitUntil(dialog.problem.isVisible)
        problems.append(dialog.problem.text())
        _type(qtbot, dialog.address, "mysql://alice:pw@db/coll")
        qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "PostgreSQL only" in dialog.problem.text())
        problems.append(dialog.problem.text())
        qtbot.keyClick(dialog.address, Qt.Key.Key_Escape)

    _when_shown(qtbot, OpenTeamDialog, bad)
    _menu_entry(qtbot, window, Qt.Key.Key_F, "&File", Qt.Key.Key_T)
    qtbot.waitUntil(lambda: len(problems) == 2)
    assert problems[0].startswith("Not opened: cannot reach the team library")
    assert "Traceback" not in problems[0] and "\n" not in problems[0]
    assert "pw" not in problems[1] and "***" in problems[1]
    assert window.session.window is window and window.isVisible()
    window.close()
    local.close()


def test_a_closed_window_reads_nothing_more_and_a_lost_database_is_one_sentence(
    qtbot, tmp_path, pg_url, pg_cluster
):
    from provenance.domain.errors import LibraryError

    team = open_library(pg_url)
    team.create_item({"accession": "T-1", "title": "Harbour at dusk"})
    window = _shown(qtbot, MainWindow(team, _settings(tmp_path)), SIZES[0])
    qtbot.addWidget(window)
    # A search typed a moment before closing: its refresh (and the sidebar's) is pending.
    qtbot.keyClicks(window.search, "Harbour")
    window.close()
    team.close()
    pg_cluster.drop_database(database_name(pg_url))
    qtbot.wait(600)  # a pending refresh would now fail in Qt's event loop (pytest-qt reports it)
    assert window.model.total == 1
    # Reading a team library whose database is gone: a sentence, not the driver's traceback.
    with pytest.raises(LibraryError, match="does not exist on its server"):
        team.get_item("T-1")


def test_credence_library_url_opens_the_window(qtbot, pg_url, monkeypatch, tmp_path):
    from desktop.cli import main

    team = open_library(pg_url)
    team.create_item({"accession": "T-1", "title": "Harbour at dusk"})
    team.close()
    seen = []

    def close_when_shown():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        shown = [w for w in windows if w.isVisible()]
        if not shown:
            QTimer.singleShot(50, close_when_shown)
            return
        seen.append((shown[0].windowTitle(), shown[0].model.total))
        shown[0].close()

    QTimer.singleShot(50, close_when_shown)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["--library", pg_url]) == 0
    assert seen and seen[0][1] == 1
    assert seen[0][0].endswith("team library, you are alice")


# -- a colleague saved first ---------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_saving_over_a_colleagues_change_says_who_and_when(qtbot, tmp_path, pg_url, role, size):
    bob = open_library(role(BOB))
    item = bob.create_item({"accession": "T-1", "title": "Harbour at dusk", "maker": "Anon"})
    window = _shown(qtbot, MainWindow(open_library(pg_url), _settings(tmp_path)), size)
    qtbot.addWidget(window)
    catalog = window.tabs[0]
    qtbot.waitUntil(lambda: catalog.item is not None and catalog.item.id == item.id)
    title = catalog.editors["title"]
    assert _inside(title, window)

    # Bob renames it while alice types; alice's save is refused with who and when.
    bob.update_item(item.id, {"title": "Harbour at night"})
    messages = []

    def reload(dialog: StaleEditDialog):
        messages.append(dialog.message.text())
        rows = dialog.fields.topLevelItem(0)
        messages.append((rows.text(0), rows.text(1), rows.text(2)))
        assert dialog.reload_button.isDefault() and _inside(dialog.reload_button, dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Reload, the default

    _when_shown(qtbot, StaleEditDialog, reload)
    _type(qtbot, title, "Harbour in the rain")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: title.text() == "Harbour at night")
    assert f"Item T-1 was changed by {BOB} at 20" in messages[0]
    assert "T" not in messages[0].split(" at ")[1].split(".")[0]  # a local time, no ISO T
    assert "reload it and try again" not in messages[0]
    assert messages[1] == ("Title", "Harbour in the rain", "Harbour at night")
    assert "Reloaded" in catalog.status.text()
    assert window.library.get_item(item.id).title == "Harbour at night"

    # Again; this time alice keeps her change, saved on top of bob's newer version.
    bob.update_item(item.id, {"maker": "J. Smith"})

    def keep(dialog: StaleEditDialog):
        _click(qtbot, dialog.keep_button)

    _when_shown(qtbot, StaleEditDialog, keep)
    _type(qtbot, title, "Harbour in the rain")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.library.get_item(item.id).title == "Harbour in the rain")
    now = window.library.get_item(item.id)
    assert now.maker == "J. Smith"  # bob's other change stays
    # The History tab names each author.
    history = next(t for t in window.tabs if t.title == "History")
    window.inspector.setCurrentWidget(history)
    qtbot.waitUntil(lambda: history.entries.topLevelItemCount() >= 4)
    who = [
        history.entries.topLevelItem(i).text(2) for i in range(history.entries.topLevelItemCount())
    ]
    assert who == [BOB, BOB, BOB, "alice"]
    assert history.entries.isVisible()
    bob.close()
    window.close()
    window.library.close()


# -- offline: check out, check in, conflicts -----------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_check_out_check_in_and_resolve_conflicts(qtbot, tmp_path, pg_url, role, size):
    team = open_library(pg_url)
    one = team.create_item({"accession": "T-1", "title": "Harbour at dusk", "maker": "Anon"})
    two = team.create_item({"accession": "T-2", "title": "Quay", "medium": "Oil"})
    team.create_item({"accession": "T-3", "title": "Not taken along"})
    window = _shown(qtbot, MainWindow(team, _settings(tmp_path)), size)
    qtbot.addWidget(window)
    window.table.selectAll()
    window.table.selectionModel().select(
        window.model.index(window.model.row_of(3), 0),
        window.table.selectionModel().SelectionFlag.Deselect
        | window.table.selectionModel().SelectionFlag.Rows,
    )
    assert sorted(window.selected_ids()) == [one.id, two.id]
    laptop = tmp_path / "laptop library"
    reports = []

    def check_out(dialog: CheckOutDialog):
        assert dialog.selection_radio.isChecked()
        assert dialog.selection_radio.text() == "The &selected items (2)"
        _type(qtbot, dialog.folder_edit, str(laptop))
        _click(qtbot, _button(dialog, "Check &out"))
        qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
        reports.append(dialog.result.text())
        assert _inside(dialog.result, dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    _when_shown(qtbot, CheckOutDialog, check_out)
    _menu_entry(qtbot, window, Qt.Key.Key_F, "&File", Qt.Key.Key_K)  # Chec&k out…
    qtbot.waitUntil(lambda: bool(reports))
    assert reports[0].startswith(
        f"Checked out 2 items (0 events, 0 disclosures, 0 images) to {laptop}"
    )

    # On the laptop: three changes. Meanwhile on the team: two of the same fields change.
    with open_library(laptop) as offline:
        offline.update_item("T-1", {"title": "Harbour at dusk, 1890", "maker": "J. Smith"})
        offline.update_item("T-2", {"medium": "Oil on canvas"})
    bob = open_library(role(BOB))
    bob.update_item(one.id, {"title": "Harbour at evening"})
    bob.update_item(two.id, {"medium": "Tempera"})
    bob.close()

    summaries = []
    summaries_detail = []

    def check_in(dialog: CheckInDialog):
        _type(qtbot, dialog.folder_edit, str(laptop))
        _click(qtbot, _button(dialog, "Check &in"))
        qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
        summaries.append(dialog.summary.text())
        assert dialog.conflict_list.isVisible() and _inside(dialog.conflict_list, dialog)
        rows = [
            [dialog.conflict_list.topLevelItem(i).text(c) for c in range(5)]
            for i in range(dialog.conflict_list.topLevelItemCount())
        ]
        summaries.append(rows)

        def resolve(conflicts: ConflictsDialog):
            tree = conflicts.tree
            assert tree.topLevelItemCount() == 2 and _inside(tree, conflicts)
            tree.setFocus()
            # First: T-1's title, keep mine (the laptop's).
            tree.setCurrentItem(tree.topLevelItem(0))
            _click(qtbot, _button(conflicts, "Keep &mine"))
            qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1)
            summaries.append(conflicts.status.text())

            # Then T-2's medium: Edit… a new value.
            def edit(box):
                field = box.findChild(QLineEdit)
                assert field.text() == "Tempera"
                _type(qtbot, field, "Oil and tempera on panel")
                qtbot.keyClick(field, Qt.Key.Key_Return)

            _when_shown(qtbot, QInputDialog, edit)
            _click(qtbot, _button(conflicts, "&Edit…"))
            qtbot.waitUntil(lambda: tree.topLevelItemCount() == 0)
            summaries.append(conflicts.status.text())
            # Resolved ones are still there to read.
            qtbot.mouseClick(conflicts.show_resolved, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2)
            summaries.append(tree.topLevelItem(0).text(5))
            summaries_detail.append(conflicts.detail.text())
            assert not _button(conflicts, "Keep &theirs").isEnabled()
            qtbot.keyClick(conflicts, Qt.Key.Key_Escape)

        _when_shown(qtbot, ConflictsDialog, resolve)
        _click(qtbot, _button(dialog, "&Resolve conflicts…"))
        qtbot.waitUntil(lambda: len(summaries) == 5)
        # Checking in again applies nothing new.
        _click(qtbot, _button(dialog, "Check &in"))
        qtbot.waitUntil(lambda: dialog.summary.text().startswith("Applied 0"), timeout=20000)
        summaries.append(dialog.summary.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    _when_shown(qtbot, CheckInDialog, check_in)
    _menu_entry(qtbot, window, Qt.Key.Key_F, "&File", Qt.Key.Key_H)  # C&heck in…
    qtbot.waitUntil(lambda: len(summaries) == 6, timeout=30000)
    assert summaries[0].startswith("Applied 1 change; 2 conflicts;")
    assert [row[1:] for row in summaries[1]] == [
        ["T-1 (Harbour at evening)", "title", "Harbour at dusk, 1890", "Harbour at evening"],
        ["T-2 (Quay)", "medium", "Oil on canvas", "Tempera"],
    ]
    assert summaries[2].endswith("(T-1 (Harbour at dusk, 1890), title): kept the laptop's value.")
    assert summaries[3].endswith("(T-2 (Quay), medium): gave a new value.")
    assert "kept the laptop's value (alice)" in summaries[4]
    assert summaries_detail[0].startswith(
        "T-1 (Harbour at dusk, 1890), title. Mine (laptop): Harbour at dusk, 1890\n"
        "Theirs (team): Harbour at evening\nWhy: the value was changed in the team library"
    )
    assert summaries[5].startswith("Applied 0 changes; 0 conflicts;")
    assert team.get_item("T-1").title == "Harbour at dusk, 1890"
    assert team.get_item("T-1").maker == "J. Smith"  # applied without conflict
    assert team.get_item("T-2").medium == "Oil and tempera on panel"
    decisions = [e for e in team.history() if e.entity == "conflict"]
    assert [e.action for e in decisions] == ["resolve", "resolve"]
    assert all(e.actor == "alice" for e in decisions)
    assert team.verify_history().ok
    assert team.conflicts() == []
    window.close()
    team.close()


# -- storage roots -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_storage_roots_are_listed_and_set_from_the_library_menu(qtbot, tmp_path, size):
    library = open_library(tmp_path / "Harbour Museum")
    library.add_root("scans", tmp_path)
    window = _shown(qtbot, MainWindow(library, _settings(tmp_path)), size)
    qtbot.addWidget(window)
    moved = tmp_path / "новый диск" / "scans"
    moved.mkdir(parents=True)
    photos = tmp_path / "photos"
    photos.mkdir()
    seen = []

    def roots(dialog: StorageRootsDialog):
        assert dialog.tree.topLevelItemCount() == 1 and _inside(dialog.tree, dialog)
        dialog.tree.setFocus()
        dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
        assert dialog.name_edit.text() == "scans"
        _type(qtbot, dialog.folder_edit, str(moved))
        qtbot.keyClick(dialog.folder_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "now" in dialog.status.text())
        seen.append(dialog.tree.topLevelItem(0).text(1))
        _click(qtbot, _button(dialog, "Ne&w root"))
        _type(qtbot, dialog.name_edit, "photos")
        _type(qtbot, dialog.folder_edit, str(photos))
        _click(qtbot, _button(dialog, "&Set folder"))
        qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 2)
        seen.append(dialog.status.text())
        # A root without a folder is refused in one sentence.
        _click(qtbot, _button(dialog, "Ne&w root"))
        _type(qtbot, dialog.name_edit, "empty")
        _click(qtbot, _button(dialog, "&Set folder"))
        seen.append(dialog.problem.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    _when_shown(qtbot, StorageRootsDialog, roots)
    _menu_entry(qtbot, window, Qt.Key.Key_L, "&Library", Qt.Key.Key_R)  # Storage &roots…
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert seen[0] == str(moved)
    assert seen[1] == f"Added the root photos at {photos}."
    assert seen[2] == "Give the root a name and a folder."
    assert {r.name: r.path for r in library.storage_roots()} == {
        "scans": str(moved),
        "photos": str(photos),
    }
    window.close()
    library.close()
