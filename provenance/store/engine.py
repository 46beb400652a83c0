"""Engines, connection pragmas and migrations for a library's SQLite database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text

from provenance.media.output import atomic_path

#: How long a writer waits for another process's write to finish before giving up (ms).
BUSY_TIMEOUT_MS = 30_000


def _sqlite_engine(db_path: Path, *, immediate: bool) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from pysqlite so that BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports touch several indexes
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # Writers take the write lock up front: two processes (window and command line) then
        # queue on busy_timeout instead of failing with "database is locked" on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engines(db_path: Path) -> tuple[Engine, Engine]:
    """Return (reader, writer) engines on one database file."""
    return _sqlite_engine(db_path, immediate=False), _sqlite_engine(db_path, immediate=True)


def _alembic_config():
    # Alembic is imported only when a migration is looked at: most starts never need it.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "provenance.store:migrations")
    return cfg


def head_revision() -> str:
    """The newest schema revision shipped with this version of Credence."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database, None for a new database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup_database(db_path: Path, backups_dir: Path, label: str) -> Path:
    """Copy the database with SQLite's online backup API (consistent even in WAL mode)."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups_dir / f"library-{label}-{stamp}.sqlite"
    # Through the output writer's primitive: a copy that stops half way never has a final name.
    with atomic_path(target) as tmp:
        src, dst = sqlite3.connect(db_path), sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    return target


#: The revision this build ships. Checked against the migration scripts by a test, so the
#: common case (an up-to-date library) can skip loading Alembic at all.
HEAD_REVISION = "0009"


def migrate(writer: Engine, db_path: Path, backups_dir: Path) -> Path | None:
    """Bring the schema to head. An existing database is backed up first; returns the backup."""
    current = current_revision(writer)
    if current == HEAD_REVISION:
        return None
    from alembic import command

    head = head_revision()
    if current == head:
        return None
    backup = None
    if current is not None:
        backup = backup_database(db_path, backups_dir, f"before-{head}-from-{current}")
    cfg = _alembic_config()
    with writer.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup
