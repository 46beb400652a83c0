"""A local library read with sqlite3 alone (store.plain, provenance.read_library, which
`credence labels` uses) reads what the Library reads through SQLAlchemy, and is used only when
opening it is all `open_library` would do: otherwise it answers None and the library is opened
the full way, which creates, upgrades or refuses it as before."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from provenance import (
    InvalidValue,
    LibraryError,
    NotFound,
    OutputRefused,
    available_languages,
    open_library,
    read_library,
)
from provenance.store import plain, reading
from tests.conftest import tamper
from tests.provenance.store.test_reading import collection  # noqa: F401 (a fixture)


def _outcome(call):
    try:
        return call()
    except (NotFound, InvalidValue, LibraryError) as error:
        return type(error), str(error)


def test_a_local_library_read_plainly_gives_what_the_library_gives(collection):  # noqa: F811
    if collection.team:  # a team library is read through SQLAlchemy (psycopg) only
        assert read_library(collection.location) is None
        return
    collection.update_settings({"reviewer_display": "role", "reviewer_role": "the registrar"})
    collection.disclose("A2", "none")
    target = collection.get_item("A1").assets[0]
    tamper(collection, ("UPDATE assets SET ai_found = ? WHERE id = ?", True, target.id))
    reader = read_library(collection.folder)
    assert reader is not None
    with reader:
        assert reader.settings() == collection.settings()
        for details in (False, True):
            assert reader.list_items(details=details) == collection.list_items(details=details)
        assert reader.list_items(limit=2, offset=3) == collection.list_items(limit=2, offset=3)
        every = collection.list_items()
        ids = [i.id for i in every]
        for ref in [*ids, *(i.accession for i in every if i.accession), "A99", "#99", "", 2.0]:
            assert _outcome(lambda ref=ref: reader.get_item(ref)) == _outcome(
                lambda ref=ref: collection.get_item(ref)
            )
            assert _outcome(lambda ref=ref: reader.exports_of(ref)) == _outcome(
                lambda ref=ref: collection.exports_of(ref)
            )
        assert collection.exports_of("A0") and collection.get_item("A0").assets[0].root
        assert reader.files_saying_ai([*ids, *ids]) == {target.item_id: target.path}
        assert reader.files_saying_ai(ids) == collection.files_saying_ai(ids)
        for language in (None, *available_languages(), "xx"):
            assert _outcome(lambda language=language: reader.wordings_of(ids, language)) == (
                _outcome(lambda language=language: collection.wordings_of(ids, language))
            )
        assert sum(map(len, reader.wordings_of(ids).values())) == 3
        # The same originals are protected, a rooted one where it is on this computer.
        originals = reading.original_texts(reader._store)
        assert originals == reading.original_texts(collection._store) and len(originals) == 3
        for target in (collection.get_item("A0").assets[0].path, collection.folder / "l.pdf"):
            with pytest.raises(OutputRefused):
                reader.output_run().claim(target)


def _opens(folder) -> bool:
    """Whether the library at `folder` is read plainly (the reader is closed again)."""
    reader = read_library(folder)
    if reader is not None:
        reader.close()
    return reader is not None


def test_what_open_library_would_create_upgrade_or_refuse_is_left_to_it(tmp_path):
    assert read_library(tmp_path / "nothing") is None
    assert not (tmp_path / "nothing").exists()  # never created here
    assert read_library("postgresql://someone@nowhere/db") is None
    assert read_library("https://example.org/library") is None
    (tmp_path / "empty").mkdir()
    assert read_library(tmp_path / "empty") is None
    folder = tmp_path / "lib"
    open_library(folder).close()
    assert _opens(folder)

    def changed(*statements: str) -> bool:
        db = sqlite3.connect(folder / "library.sqlite", isolation_level=None)
        for sql in statements:
            db.execute(sql)
        db.close()
        return _opens(folder)

    # Made by an older Credence (to upgrade) or a newer one: open_library decides.
    assert not changed("UPDATE alembic_version SET version_num = '0009'")
    assert not changed("UPDATE alembic_version SET version_num = '9999'")
    assert not changed("DELETE FROM alembic_version")
    assert not changed("DROP TABLE alembic_version")
    # The library's id is given by open_library (a write).
    tamper_folder = tmp_path / "noid"
    open_library(tamper_folder).close()
    db = sqlite3.connect(tamper_folder / "library.sqlite")
    db.execute("DELETE FROM meta WHERE key = 'library_id'")
    db.commit()
    db.close()
    assert not _opens(tamper_folder)
    open_library(tamper_folder).close()
    assert _opens(tamper_folder)
    # Its thumbnail folder is made again by open_library; a rollback journal is made WAL.
    (tamper_folder / "cache" / "thumbnails").rmdir()
    assert not _opens(tamper_folder)
    open_library(tamper_folder).close()
    db = sqlite3.connect(tamper_folder / "library.sqlite")
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    assert not _opens(tamper_folder)
    open_library(tamper_folder).close()
    with read_library(tamper_folder) as reader:
        assert reader.list_items() == []
    # Not a database: open_library says so.
    damaged = tmp_path / "damaged"
    open_library(damaged).close()
    (damaged / "library.sqlite").write_bytes(b"not a database" * 100)
    for name in ("library.sqlite-wal", "library.sqlite-shm"):
        (damaged / name).unlink(missing_ok=True)
    assert not _opens(damaged)
    with pytest.raises(LibraryError, match="damaged"):
        open_library(damaged)
    if os.geteuid() != 0:  # root may write anywhere
        os.chmod(folder, 0o555)
        try:
            assert not _opens(folder)
        finally:
            os.chmod(folder, 0o755)


def test_a_library_being_written_is_read_after_the_write_or_refused_as_open_library_does(
    tmp_path, monkeypatch
):
    folder = tmp_path / "lib"
    with open_library(folder) as lib:
        lib.create_item({"accession": "A1", "title": "before"})
    writer = sqlite3.connect(
        folder / "library.sqlite", isolation_level=None, check_same_thread=False
    )
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE items SET title = 'after'")
    # Still locked when the wait ends: the sentence open_library says.
    monkeypatch.setattr(plain, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr("provenance.store.engine.BUSY_TIMEOUT_MS", 50)
    with pytest.raises(LibraryError) as refused_plainly:
        read_library(folder)
    with pytest.raises(LibraryError) as refused:
        open_library(folder)
    assert str(refused_plainly.value) == str(refused.value)
    assert "locked" in str(refused.value)
    # Unlocked while it waits: it reads what the write committed.
    monkeypatch.setattr(plain, "BUSY_TIMEOUT_MS", 30_000)
    threading.Timer(0.3, lambda: writer.execute("COMMIT")).start()
    with read_library(folder) as reader:
        assert reader.get_item("A1").title == "after"
    writer.close()


def test_damage_found_while_reading_is_said_as_the_library_says_it(tmp_path):
    folder = tmp_path / "lib"
    with open_library(folder) as lib:
        for n in range(300):
            lib.create_item({"accession": f"A{n}", "title": "word " * 60})
    db = folder / "library.sqlite"
    conn = sqlite3.connect(db)  # where the items are, in pages of this file's size
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()
    conn.close()
    with read_library(folder) as reader:
        with open(db, "r+b") as handle:  # scribble over the items' pages, not the schema
            handle.seek((root - 1) * page_size)
            handle.write(b"\xff" * page_size * 20)
        with pytest.raises(LibraryError) as plainly:
            reader.list_items(details=True)
    with pytest.raises(LibraryError) as fully, open_library(folder) as lib:
        lib.list_items(details=True)
    assert str(plainly.value) == str(fully.value) and "damaged" in str(fully.value)


def test_a_path_the_system_refuses_is_left_to_open_library_which_says_why(tmp_path):
    # A folder name longer than the file system takes: asking whether the database is there
    # fails (ENAMETOOLONG), which is open_library's to say in its sentence, not a traceback.
    folder = tmp_path / ("x" * 300)
    assert read_library(folder) is None
    with pytest.raises(LibraryError, match="too long"):
        open_library(folder)
