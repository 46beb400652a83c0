"""A new library: its schema made in one step (store.head_schema) against Alembic's
migrations (the same database, and later migrations apply to it the same way), and its pages
(engine.PAGE_SIZE), which an existing library keeps as they are."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from provenance import open_library
from provenance.store import engine, head_schema
from provenance.store.engine import HEAD_REVISION, PAGE_SIZE, make_engines, migrate


def _made(folder: Path, *, quick: bool) -> Path:
    folder.mkdir()
    db_path = folder / "library.sqlite"
    reader, writer = make_engines(db_path)
    try:
        assert migrate(writer, db_path, folder / "backups", quick=quick) is None
    finally:
        reader.dispose()
        writer.dispose()
    return db_path


def _everything(db_path: Path) -> dict:
    """What a database holds: its schema as SQLite keeps it, its settings and every row."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            "schema": conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
            ).fetchall(),
            "pragmas": [
                conn.execute(f"PRAGMA {name}").fetchone()
                for name in ("user_version", "application_id", "page_size", "journal_mode")
            ],
            "rows": {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables},
            "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
        }
    finally:
        conn.close()


def _migrate_to(db_path: Path, revision: str, *, down: bool) -> None:
    command = engine._alembic_command()
    cfg = engine._alembic_config()
    _reader, writer = make_engines(db_path)
    try:
        with writer.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        _reader.dispose()
        writer.dispose()


def test_new_database_in_one_step_is_the_migrations_database(tmp_path, monkeypatch):
    # First, so that a new migration without the statements made again says what to do.
    assert head_schema.REVISION == HEAD_REVISION, (
        f"store.head_schema makes revision {head_schema.REVISION}, the head is {HEAD_REVISION}: "
        "run python -m provenance.store.head_schema, then make format (until then new "
        "libraries go through every migration)"
    )
    migrated = _made(tmp_path / "migrated", quick=False)
    calls = []
    create = head_schema.create
    monkeypatch.setattr(head_schema, "create", lambda conn: calls.append(create(conn)))
    quick = _made(tmp_path / "quick", quick=True)
    assert len(calls) == 1  # the one-step path was taken
    made = _everything(quick)
    assert made == _everything(migrated)
    assert made["rows"]["alembic_version"] == [(HEAD_REVISION,)]
    assert made["integrity"] == [("ok",)]


def test_a_later_migration_applies_to_it_as_to_the_migrations_database(tmp_path):
    migrated = _made(tmp_path / "migrated", quick=False)
    quick = _made(tmp_path / "quick", quick=True)
    # The last migration taken back and made again on both: the same steps, the same result.
    # The revision it revises, as its script says: numbers are reserved, not consecutive.
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(engine._alembic_config())
    previous = scripts.get_revision(HEAD_REVISION).down_revision
    for db_path in (migrated, quick):
        _migrate_to(db_path, previous, down=True)
    assert _unordered(_everything(quick)) == _unordered(_everything(migrated))
    for db_path in (migrated, quick):
        _migrate_to(db_path, "head", down=False)
    assert _unordered(_everything(quick)) == _unordered(_everything(migrated))


def _unordered(everything: dict) -> dict:
    """`everything` with each statement's lines sorted and the statements too: when a batch
    migration makes a table again, Alembic orders its constraints and indexes differently from
    run to run (seen between two databases that the migrations alone made)."""
    schema = everything.pop("schema")
    everything["schema"] = sorted(
        (kind, name, table, sorted(re.split(r",?\s*\n", sql or "")))
        for kind, name, table, sql in schema
    )
    return everything


def test_only_an_empty_database_of_the_shipped_revision_takes_the_one_step(tmp_path, monkeypatch):
    # Statements of another revision than the head: Alembic's migrations, as before.
    monkeypatch.setattr(head_schema, "REVISION", "0009")
    monkeypatch.setattr(head_schema, "create", pytest.fail)
    older = _made(tmp_path / "older", quick=True)
    monkeypatch.undo()
    assert _everything(older) == _everything(_made(tmp_path / "migrated", quick=False))
    # A database made meanwhile (a second process creating the same library) is left alone.
    _reader, writer = make_engines(older)
    try:
        assert engine._create_head_schema(writer) is False
    finally:
        _reader.dispose()
        writer.dispose()
    assert _everything(older)["rows"]["alembic_version"] == [(HEAD_REVISION,)]


def test_a_library_made_in_one_step_works(tmp_path):
    with open_library(tmp_path / "lib", actor="registrar") as lib:
        lib.create_item({"accession": "1970.1", "title": "Harbour at night"})
        assert [i.accession for i in lib.list_items("harbour")] == ["1970.1"]
        assert lib.verify_history().ok
    assert not (tmp_path / "lib" / "backups").exists()


def test_a_new_library_has_large_pages_and_an_existing_one_keeps_its_own(tmp_path):
    with open_library(tmp_path / "lib", actor="registrar") as lib:
        lib.create_item({"accession": "1970.1", "title": "Harbour at night"})
    db_path = tmp_path / "lib" / "library.sqlite"
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA page_size").fetchone() == (PAGE_SIZE,)
    # A library made before: SQLite's default pages (a page size changes only by VACUUM,
    # outside WAL mode).
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA page_size=4096")
    conn.execute("VACUUM")
    conn.execute("PRAGMA journal_mode=WAL")
    assert conn.execute("PRAGMA page_size").fetchone() == (4096,)
    conn.close()
    with open_library(tmp_path / "lib", actor="registrar") as lib:
        lib.create_item({"accession": "1970.2", "title": "Harbour by day"})
        assert [i.accession for i in lib.list_items("harbour")] == ["1970.1", "1970.2"]
        assert lib.verify_history().ok
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA page_size").fetchone() == (4096,)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
