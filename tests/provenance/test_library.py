"""The Library facade on real SQLite files: items, tools, events, disclosures, review, history."""

from __future__ import annotations

import os
import sqlite3

import pytest

from provenance import InvalidValue, LibraryError, NotFound, SearchFilters, open_library
from provenance.store.engine import HEAD_REVISION
from tests.conftest import tamper


def test_open_creates_folder_database_and_cache(tmp_path):
    with open_library(tmp_path / "new") as lib:
        assert (tmp_path / "new" / "library.sqlite").is_file()
        assert lib.thumbnails_dir.is_dir()
        assert lib.count_items() == 0
    conn = sqlite3.connect(tmp_path / "new" / "library.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD_REVISION


def test_reopen_keeps_data_and_does_not_back_up_current_schema(tmp_path):
    with open_library(tmp_path / "lib") as lib:
        lib.create_item({"accession": "1970.1", "title": "Harbour"})
    with open_library(tmp_path / "lib") as lib:
        assert lib.get_item("1970.1").title == "Harbour"
    assert not (tmp_path / "lib" / "backups").exists()


@pytest.mark.parametrize("revision", ["0011", "9999_from_the_future", "0000"])
def test_schema_of_a_newer_credence_is_refused_plainly_and_left_alone(tmp_path, revision):
    """A revision this build does not ship (a newer Credence made or upgraded the library) is
    refused in one sentence saying so, before anything is backed up or written; an older
    schema is backed up and upgraded (test_catalog_fields)."""
    with open_library(tmp_path / "lib") as lib:
        lib.create_item({"accession": "A1"})
    db = tmp_path / "lib" / "library.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    conn.commit()
    conn.close()
    before = db.read_bytes()
    from provenance import LibraryError

    with pytest.raises(LibraryError, match="newer version of Credence") as info:
        open_library(tmp_path / "lib")
    assert revision in str(info.value) and HEAD_REVISION in str(info.value)
    assert not (tmp_path / "lib" / "backups").exists()
    assert db.read_bytes() == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT accession FROM items").fetchone()[0] == "A1"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists open files on Linux")
def test_a_refused_library_is_not_left_open(tmp_path):
    # Refused after its database was opened (a newer schema): the connections are closed at
    # once, not when the error that says why is finally dropped (the window keeps it to show
    # it; Windows would meanwhile not let the folder be moved or deleted).
    open_library(tmp_path / "lib").close()
    db = tmp_path / "lib" / "library.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(LibraryError, match="newer version") as info:
        open_library(tmp_path / "lib")
    assert info.value is not None  # the error, and so its traceback, is still held
    assert _open_files(db.parent) == []


def _open_files(folder) -> list[str]:
    """The files in `folder` this process has open (Linux)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_read_only_folder_is_refused_plainly(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if not __import__("os").access(folder, __import__("os").W_OK):
            from provenance import LibraryError

            with pytest.raises(LibraryError, match="read-only"):
                open_library(folder)
    finally:
        folder.chmod(0o700)


def test_a_path_the_system_refuses_is_refused_plainly(tmp_path):
    # A folder name longer than the file system takes: asking whether a library is there
    # raises OSError (ENAMETOOLONG), which must become the facade's plain LibraryError.
    too_long = tmp_path / ("x" * 300)
    with pytest.raises(LibraryError, match="no library"):
        open_library(too_long, create=False)
    with open_library(tmp_path / "lib") as lib:
        lib.create_item({"accession": "A1"})
        with pytest.raises(LibraryError, match="too long"):
            lib.checkout(too_long, everything=True)
        with pytest.raises(LibraryError, match="no library"):
            lib.checkin(too_long)


def test_item_crud_accession_unique_and_lookup(library):
    a = library.create_item({"accession": "39.1.400", "title": "Vase", "maker": "Unknown"})
    b = library.create_item({"title": "No number yet"})
    assert b.accession is None
    library.create_item({"title": "Another without number"})  # NULL accessions may repeat
    assert library.get_item("39.1.400").id == a.id
    assert library.get_item(f"#{b.id}").title == "No number yet"
    with pytest.raises(InvalidValue, match="already used"):
        library.create_item({"accession": "39.1.400"})
    with pytest.raises(InvalidValue, match="unknown catalog field"):
        library.create_item({"colour": "red"})
    with pytest.raises(NotFound):
        library.get_item("nope")
    updated = library.update_item("39.1.400", {"title": "Lidded vase"}, extra={"ULAN": "500"})
    assert updated.title == "Lidded vase" and updated.extra == {"ULAN": "500"}


def test_numeric_accession_wins_over_id(library):
    first = library.create_item({"title": "first"})
    second = library.create_item({"accession": str(first.id), "title": "numbered"})
    assert library.get_item(str(first.id)).id == second.id
    assert library.get_item(f"#{first.id}").id == first.id


def test_tools_events_and_edtf_dates(library):
    library.create_item({"accession": "76.37.5.K", "title": "Portrait"})
    tool = library.add_tool("Restorer X", "Acme Imaging", version="2.1", runs="on-device")
    assert tool.runs == "on-device"
    with pytest.raises(InvalidValue, match="already registered"):
        library.add_tool("Restorer X", "Acme Imaging", version="2.1")
    with pytest.raises(InvalidValue, match="on-device or cloud"):
        library.add_tool("Other", "Acme", runs="server")
    library.add_event("76.37.5.K", "acquired", "Williams College", date="1976")
    library.add_event("76.37.5.K", "made", "Unknown photographer", date="189X", place="Paris")
    library.add_event(
        "76.37.5.K", "restored", "Conservation lab", date="2026-05", tool="Restorer X"
    )
    with pytest.raises(InvalidValue, match="EDTF"):
        library.add_event("76.37.5.K", "sold", "Dealer", date="about 1890")
    with pytest.raises(NotFound, match="register it first"):
        library.add_event("76.37.5.K", "edited", "Lab", tool="Unknown AI")
    events = library.get_item("76.37.5.K").events
    # Timeline order follows the earliest possible day, so 189X comes first.
    assert [e.action for e in events] == ["made", "acquired", "restored"]
    assert events[0].date_earliest == "1890-01-01" and events[0].date_latest == "1899-12-31"
    assert events[2].tool == "Restorer X 2.1"


def test_disclosure_review_cycle_and_change_resets_approval(library):
    library.create_item({"accession": "P1", "title": "Photo", "description": "A harbour"})
    library.add_tool("Restorer X", "Acme Imaging", version="2.1")
    d = library.disclose("P1", "ai-restored", tools=["Restorer X"], purpose="repair tears")
    assert d.review_state == "draft" and d.tools == ("Restorer X 2.1",)
    with pytest.raises(InvalidValue, match="name of the person"):
        library.review("P1", "approved", "")
    [approved] = library.review("P1", "approved", "Dana Registrar")
    assert approved.review_state == "approved"
    assert approved.approved_by == "Dana Registrar" and approved.reviewed_by == "Dana Registrar"
    # Changing the statement after approval sends it back to draft.
    again = library.disclose("P1", "ai-restored", tools=["Restorer X"], purpose="repair tears+")
    assert again.id == d.id and again.review_state == "draft" and again.approved_by is None
    with pytest.raises(ValueError, match="unknown disclosure category"):
        library.disclose("P1", "ai-magic")
    with pytest.raises(InvalidValue, match="not a catalog field"):
        library.disclose("P1", "ai-described", fields=["colour"])
    text_level = library.disclose("P1", "ai-described", fields=["description"])
    assert text_level.fields == ("description",)


def test_search_and_filters(library):
    library.create_item({"accession": "1", "title": "Portrait of Madame Crémieux", "maker": "X"})
    library.create_item({"accession": "2", "title": "Harbour at dusk", "medium": "albumen print"})
    library.create_item({"accession": "3", "title": "Study"}, extra={"ULAN": "500103823"})
    library.add_tool("Colorizer", "Acme")
    library.disclose("2", "ai-restored", tools=["Colorizer"])
    assert [i.accession for i in library.list_items("cremieux")] == ["1"]  # diacritics folded
    assert [i.accession for i in library.list_items("albu")] == ["2"]  # prefix match
    assert [i.accession for i in library.list_items("500103823")] == ["3"]  # extra fields
    assert library.list_items('"harbour* (') == library.list_items("harbour")  # no syntax error
    assert library.list_items("NOT AND OR") == []  # operators are plain words
    assert library.list_items("...") == []
    ai = library.list_items(filters=SearchFilters(has_ai=True))
    assert [i.accession for i in ai] == ["2"]
    assert len(library.list_items(filters=SearchFilters(has_ai=False))) == 2
    drafts = library.list_items(filters=SearchFilters(review_state="draft"))
    assert [i.accession for i in drafts] == ["2"]
    library.review("2", "approved", "Dana")
    assert library.list_items(filters=SearchFilters(review_state="draft")) == []
    # A title change is searchable at once; the old words are gone.
    library.update_item("1", {"title": "Seascape"})
    assert library.list_items("cremieux") == []
    assert [i.accession for i in library.list_items("seascape")] == ["1"]


def test_every_change_is_in_history_and_chain_verifies(library):
    library.create_item({"accession": "H1", "title": "One"})
    library.update_item("H1", {"title": "Two"})
    library.update_item("H1", {"title": "Two"})  # no change, no entry
    entries = library.history("H1")
    assert [(e.action, e.actor) for e in entries] == [("create", "alice"), ("update", "alice")]
    assert entries[1].before == {"title": "One"} and entries[1].after == {"title": "Two"}
    result = library.verify_history()
    assert result.ok and result.checked == 2


def _tamper(lib, sql, *params):
    tamper(lib, (sql, *params))


@pytest.fixture
def busy_library(library):
    library.create_item({"accession": "T1", "title": "One"})
    for title in ("Two", "Three", "Four"):
        library.update_item("T1", {"title": title})
    assert library.verify_history().ok
    return library


def test_edited_entry_is_detected(busy_library):
    _tamper(busy_library, "UPDATE history SET after_json = ? WHERE seq = 3", '{"title":"Forged"}')
    result = busy_library.verify_history()
    assert not result.ok and result.first_broken == 3 and "edited" in result.reason


def test_edited_actor_is_detected(busy_library):
    _tamper(busy_library, "UPDATE history SET actor = 'mallory' WHERE seq = 2")
    assert busy_library.verify_history().first_broken == 2


def test_deleted_entry_is_detected(busy_library):
    _tamper(busy_library, "DELETE FROM history WHERE seq = 2")
    result = busy_library.verify_history()
    assert not result.ok and result.first_broken == 2 and "missing" in result.reason


def test_deleted_last_entries_are_detected(busy_library):
    _tamper(busy_library, "DELETE FROM history WHERE seq >= 3")
    result = busy_library.verify_history()
    assert not result.ok and result.first_broken == 3 and "removed" in result.reason


def test_reordered_entries_are_detected(busy_library):
    tamper(
        busy_library,
        "UPDATE history SET seq = -2 WHERE seq = 2",
        "UPDATE history SET seq = 2 WHERE seq = 3",
        "UPDATE history SET seq = 3 WHERE seq = -2",
    )
    result = busy_library.verify_history()
    assert not result.ok and result.first_broken == 2


def test_undo_is_a_new_entry_and_refuses_to_clobber(library):
    library.create_item({"accession": "U1", "title": "Original"})
    library.update_item("U1", {"title": "Typo"})
    typo_entry = library.history("U1")[-1].seq
    library.revert(typo_entry)
    assert library.get_item("U1").title == "Original"
    entries = library.history("U1")
    assert len(entries) == 3 and entries[-1].note == f"undo of entry {typo_entry}"
    # Redo is undoing the undo.
    library.revert(entries[-1].seq)
    assert library.get_item("U1").title == "Typo"
    library.update_item("U1", {"title": "Newer"})
    with pytest.raises(InvalidValue, match="changed again"):
        library.revert(typo_entry)
    assert library.verify_history().ok


def test_undo_event_and_disclosure(library):
    library.create_item({"accession": "U2"})
    event = library.add_event("U2", "digitised", "Photo studio", date="2026")
    library.revert(library.history("U2")[-1].seq)
    assert library.get_item("U2").events == ()
    library.disclose("U2", "ai-enhanced", purpose="denoise")
    library.review("U2", "approved", "Dana")
    library.revert(library.history("U2")[-1].seq)  # undo the approval
    assert library.get_item("U2").disclosures[0].review_state == "draft"
    assert event.id
    assert library.verify_history().ok


def test_sentence_override_prints_and_needs_new_approval(library):
    library.create_item({"accession": "O1", "title": "Harbour"})
    library.add_tool("Restorer X", "Acme Imaging", version="2.1")
    library.disclose("O1", "ai-restored", tools=["Restorer X"])
    library.review("O1", "approved", "Dana Registrar")
    [(_, generated)] = library.wordings("O1")
    assert generated.sentence.startswith("Damaged areas were reconstructed with Restorer X 2.1")
    view = library.override_sentence("O1", "ai-restored", "en", "A tear was filled in by AI.")
    assert view.review_state == "draft"  # the new words need a new approval
    [(_, wording)] = library.wordings("O1")
    assert wording.sentence == "A tear was filled in by AI." and wording.badge == "AI-restored"
    last = library.history("O1")[-1]
    assert last.before["overrides"] == {} and last.after["overrides"] == {
        "en": "A tear was filled in by AI."
    }
    library.override_sentence("O1", "ai-restored", "en", None)
    assert library.wordings("O1")[0][1].sentence.startswith("Damaged areas")
    with pytest.raises(InvalidValue, match="no disclosure wording"):
        library.override_sentence("O1", "ai-restored", "xx", "x")


def test_shipped_head_revision_matches_the_migration_scripts():
    from provenance.store.engine import HEAD_REVISION, head_revision

    assert head_revision() == HEAD_REVISION


def test_count_delete_and_exports_of(library):
    library.create_item({"accession": "D1", "title": "Harbour"})
    library.create_item({"accession": "D2", "title": "Field"})
    assert library.count_items() == 2
    assert library.count_items("harbour") == 1
    assert library.count_items(filters=SearchFilters(has_ai=True)) == 0
    library.delete_item("D1")
    assert library.count_items() == 1 and library.list_items("harbour") == []
    last = library.history()[-1]
    assert last.action == "delete" and last.before["title"] == "Harbour"
    assert library.exports_of("D2") == []
    assert library.verify_history().ok


def test_undo_and_redo_of_created_events_and_disclosures(library):
    library.create_item({"accession": "R1"})
    library.add_event("R1", "digitised", "Studio", date="2026")
    created = library.history_head()
    undone = library.revert(created)
    assert library.get_item("R1").events == ()
    library.revert(undone.seq)  # redo: the event is back (under a new id)
    [event] = library.get_item("R1").events
    assert (event.action, event.actor, event.date) == ("digitised", "Studio", "2026")
    library.disclose("R1", "ai-described", fields=["title"])
    undone = library.revert(library.history_head())
    assert library.get_item("R1").disclosures == ()
    library.revert(undone.seq)
    assert library.get_item("R1").disclosures[0].fields == ("title",)
    assert library.verify_history().ok


def test_remove_event_is_recorded_and_undoable(library):
    library.create_item({"accession": "E1"})
    event = library.add_event("E1", "acquired", "Dealer", date="1901")
    library.remove_event(event.id)
    assert library.get_item("E1").events == ()
    entry = library.history("E1")[-1]
    assert entry.action == "delete" and entry.before["actor"] == "Dealer"
    library.revert(entry.seq)
    assert library.get_item("E1").events[0].actor == "Dealer"
    with pytest.raises(NotFound):
        library.remove_event(99999)


def test_backup_while_open_is_complete_and_verifies(library, tmp_path):
    from provenance import open_library

    library.create_identity("Backup Museum", "pw")
    library.create_item({"accession": "B1", "title": "Kept"})
    if library.team:  # the server keeps a team library: its backups are the server's
        with pytest.raises(LibraryError, match="pg_dump"):
            library.backup(tmp_path / "backups")
        assert not (tmp_path / "backups").exists()
        assert (library.identity_dir / "signer-key.pem").is_file()  # on this workstation
        return
    target = library.backup(tmp_path / "backups")
    assert (target / "identity" / "signer-key.pem").is_file()
    with open_library(target) as copy:
        assert copy.get_item("B1").title == "Kept"
        assert copy.verify_history().ok


def test_filters_by_maker_and_date_range_and_sorts_in_the_database(library):
    library.create_item({"accession": "M1", "maker": "Anna Smith", "date": "about 1885"})
    library.create_item({"accession": "M2", "maker": "bob 100%_jones", "date": "1925"})
    library.create_item({"accession": "M3", "title": "Kite", "date": "20th century"})
    library.create_item({"accession": "M4", "date": "189X"})
    library.add_event("M3", "surveyed", "Survey office", date="1890~")

    def found(**fields) -> list[str]:
        return [i.accession for i in library.list_items(filters=SearchFilters(**fields))]

    assert found(maker="SMITH") == ["M1"]
    assert found(maker="100%_") == ["M2"]  # wildcards typed by a person are plain text
    # The item's own year (after words like "about"), a decade, or an event's EDTF bounds.
    assert found(date_from="1880", date_to="1899") == ["M1", "M3", "M4"]
    assert found(date_to="1886") == ["M1"]
    assert found(date_from="1900") == ["M2"]
    assert found(date_from="1880", maker="smith") == ["M1"]  # filters combine
    with pytest.raises(InvalidValue, match="not an EDTF date"):
        found(date_from="soon")
    by_date = [i.accession for i in library.list_items(sort="date")]
    assert by_date == ["M1", "M4", "M2", "M3"]
    newest_first = library.list_items(sort="date", descending=True, limit=2)
    assert [i.accession for i in newest_first] == ["M3", "M2"]
    assert [i.accession for i in library.list_items(sort="maker")][:2] == ["M1", "M2"]
    assert [i.accession for i in library.list_items(sort="maker", offset=2)] == ["M3", "M4"]
    with pytest.raises(InvalidValue, match="cannot sort by"):
        library.list_items(sort="colour")


def test_wordings_of_many_items_read_at_once_are_each_items_wordings(library):
    """The batch read that labels use gives, item by item, exactly what `wordings` gives."""
    library.add_tool("Restorer X", "Acme Imaging", version="2.1")
    library.add_tool("Upscaler", "Pixel Co")
    library.update_settings({"reviewer_display": "role", "reviewer_role": "the registrar"})
    for n in range(5):
        library.create_item({"accession": f"W{n}", "title": f"Harbour {n}"})
    library.disclose("W0", "ai-restored", tools=["Restorer X"])
    library.review("W0", "approved", "Dana Registrar")
    library.disclose("W1", "ai-enhanced", tools=["Upscaler", "Restorer X"], purpose="clarity")
    library.disclose("W1", "ai-described", fields=["description"])
    library.disclose("W3", "none")
    library.override_sentence("W0", "ai-restored", "fr", "Une déchirure a été comblée par IA.")
    ids = [library.get_item(f"W{n}").id for n in range(5)]
    for language in (None, "fr"):
        batch = library.wordings_of([*ids, 999_999], language)
        assert batch[999_999] == []
        for item_id in ids:
            assert batch[item_id] == library.wordings(item_id, language)
    assert [v.category for v, _ in library.wordings_of(ids)[ids[1]]] == [
        "ai-enhanced",
        "ai-described",
    ]


def test_team_library_of_a_newer_credence_is_refused_plainly(pg_url):
    """The same refusal on PostgreSQL, inside the upgrade's locked transaction."""
    from provenance import LibraryError
    from tests.conftest import tamper

    with open_library(pg_url) as lib:
        lib.create_item({"accession": "A1"})
        tamper(lib, "UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(LibraryError, match="newer version of Credence"):
        open_library(pg_url)
