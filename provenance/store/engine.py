"""Engines, connection pragmas and migrations for a library's SQLite database."""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.media.output import atomic_path

# SQLAlchemy loads with the first engine: a local library read with sqlite3 alone (store.plain,
# `credence labels`) checks HEAD_REVISION without it.
if TYPE_CHECKING:
    from sqlalchemy import Engine

#: How long a writer waits for another process's write to finish before giving up (ms).
BUSY_TIMEOUT_MS = 30_000
#: Bytes per database page of a new library (SQLite's default is 4,096). Every page a write
#: transaction changes is appended to the write-ahead log and later copied into the database
#: file, with system calls for each page: a bulk import writes its whole size twice, and with
#: four times larger pages it makes a quarter of the calls (measured: 200,000 catalog rows
#: imported about 7% quicker, the file slightly smaller).
PAGE_SIZE = 16_384


def _sqlite_engine(db_path: Path, *, immediate: bool) -> Engine:
    from sqlalchemy import URL, create_engine, event

    # The path as the database, not parsed from a URL's text: a folder named "Loans? 2024"
    # would end the path at "?" (the rest read as a query) and open the file "Loans" beside it.
    engine = create_engine(URL.create("sqlite", database=str(db_path)))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from pysqlite so that BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Takes effect only in a new database file, before anything is written to it (so
        # before journal_mode, which writes the header); an existing file keeps its size.
        cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Writers keep 64 MiB of pages (bulk imports touch several indexes); readers, SQLite's
        # own 2 MiB: a reader walking a million rows (the window's grid, its ids, a count)
        # filled a cache of its own to 64 MiB, three of them in a window (one a thread).
        cursor.execute(f"PRAGMA cache_size={-65536 if immediate else -2000}")
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


def _alembic_command():
    """Alembic's `command` module, loaded (the first time) without Pygments.

    Alembic loads Mako, and Mako loads Pygments whenever it can, only to colour errors in
    templates (measured: 65 ms of the 0.25 s a new library costs a command). A library's
    migrations render no template. With the plug-in module marked missing while Alembic loads,
    Mako takes its plain fallback; the mark is removed again at once.
    """
    plugin = "mako.ext.pygmentplugin"
    blocked = plugin not in sys.modules
    if blocked:
        sys.modules[plugin] = None  # type: ignore[assignment]  # importing it raises ImportError
    try:
        from alembic import command
    finally:
        if blocked:
            del sys.modules[plugin]
    return command


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
    from sqlalchemy import inspect, text

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
HEAD_REVISION = "0010"


def migrate(writer: Engine, db_path: Path, backups_dir: Path, *, quick: bool = True) -> Path | None:
    """Bring the schema to head. An existing database is backed up first; returns the backup.

    A new, empty database gets the head schema in one step (see store.head_schema), unless
    `quick` is False: then, as every other database, through Alembic's migrations.
    """
    current = current_revision(writer)
    if current == HEAD_REVISION:
        return None
    if current is None and quick and _create_head_schema(writer):
        return None
    command = _alembic_command()

    head = head_revision()
    if current == head:
        return None
    _refuse_unknown(current)
    backup = None
    if current is not None:
        backup = backup_database(db_path, backups_dir, f"before-{head}-from-{current}")
    cfg = _alembic_config()
    with writer.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup


def _refuse_unknown(current: str | None) -> None:
    """LibraryError when the database's schema revision is not one this build ships: the
    library was made or upgraded by a newer Credence, and no migration here can read it."""
    if current is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from provenance.domain.errors import LibraryError

    try:
        ScriptDirectory.from_config(_alembic_config()).get_revision(current)
    except CommandError:
        raise LibraryError(
            f"this library was made or upgraded by a newer version of Credence (its schema "
            f"is {current!r}; this version knows up to {HEAD_REVISION!r}): open it with that "
            "version or a newer one; nothing in it was changed"
        ) from None


def _create_head_schema(writer: Engine) -> bool:
    """Make the head schema in an empty database in one transaction; False (nothing done)
    when the database is not empty or the shipped statements are of another revision."""
    from provenance.store import head_schema

    if head_schema.REVISION != HEAD_REVISION:
        return False
    # BEGIN IMMEDIATE (see _sqlite_engine): a second process creating the same library waits
    # here, then finds it no longer empty and leaves it to the check of its revision.
    with writer.begin() as conn:
        if not head_schema.is_empty(conn):
            return False
        head_schema.create(conn)
    return True


# -- team libraries on PostgreSQL ---------------------------------------------------------------

#: The key of the transaction-level advisory lock that serialises writers of a team library
#: (so the history stays one chain) and schema upgrades ("credence" in ASCII, as a number).
WRITE_LOCK_KEY = 0x63726564656E6365

#: How long connecting to a server may take before the attempt is given up (seconds).
CONNECT_TIMEOUT_S = 15


def team_url(location: str):
    """The SQLAlchemy URL of a team library: ``postgresql://`` means psycopg 3.

    Credentials stay where they were given: in the URL, or left to libpq (``~/.pgpass``,
    PGPASSWORD, PGUSER, PGHOST, a service file). Raises LibraryError for a URL that cannot be
    read, naming it without its password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from provenance.domain.errors import LibraryError

    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as exc:
        raise LibraryError(f"{shown_url(location)} is not a database address ({exc})") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    else:
        raise LibraryError(
            f"{shown_url(location)}: a team library is opened as postgresql://host/database"
        )
    if not url.database:
        raise LibraryError(
            f"{shown_url(location)} names no database: write postgresql://host/DATABASE"
        )
    return url


def shown_url(location) -> str:
    """A library URL as messages and titles show it: never its password."""
    from sqlalchemy.engine import URL, make_url

    if isinstance(location, URL):
        return location.render_as_string(hide_password=True)
    try:
        return make_url(str(location)).render_as_string(hide_password=True)
    except Exception:  # a URL too broken to parse: show only its scheme
        return str(location).split(":", 1)[0] + "://…"


def make_team_engines(url) -> tuple[Engine, Engine]:
    """Return (reader, writer) engines on a team library's PostgreSQL database.

    Both read committed; writers serialise on WRITE_LOCK_KEY inside each write transaction
    (see Store.write), readers are never held up.
    """
    from sqlalchemy import create_engine

    options = {
        "pool_pre_ping": True,  # a workstation's connection may have slept through a restart
        "connect_args": {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "credence",
        },
    }
    return create_engine(url, **options), create_engine(url, **options)


def migrate_team(writer: Engine) -> None:
    """Bring a team library's schema to head, in one transaction that holds the write lock:
    two workstations starting a new version at once upgrade it once.

    No file backup is made here (the server's own backups, pg_dump, are the team's copy); a
    failed upgrade leaves the schema as it was, as PostgreSQL's DDL is transactional.
    """
    if current_revision(writer) == HEAD_REVISION:
        return
    from sqlalchemy import text

    command = _alembic_command()

    cfg = _alembic_config()
    with writer.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        current = current_revision_in(conn)
        if current == head_revision():
            return
        _refuse_unknown(current)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision_in(conn) -> str | None:
    """The schema revision seen by an open connection (inside its transaction)."""
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def team_folder(url, base: Path) -> Path:
    """The per-user folder on this workstation for the team library at `url` (thumbnail
    cache, signing identity): under `base`, named by server, port and database, so each team
    library has its own and one database is one folder whoever logs in."""
    import re

    host = url.host or url.query.get("host") or "local"
    if isinstance(host, tuple):
        host = host[0]
    port = url.port or url.query.get("port") or 5432
    if isinstance(port, tuple):
        port = port[0]
    name = f"{host}_{port}_{url.database}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:120] or "team"
    return base / safe
