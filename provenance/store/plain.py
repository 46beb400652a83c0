"""A local library read with Python's sqlite3 alone: no SQLAlchemy.

Why a second way in: `store.reading` is plain SQL already, but a `Store` opens it through
SQLAlchemy engines, and importing SQLAlchemy costs about 0.15 s, more than `credence labels`
spends reading a thousand items. So a command that only reads a local library of this version
(`credence labels`, see `provenance.reader`) opens it here and runs the same `store.reading`
functions on a sqlite3 connection. Anything else takes the one full way, `Store` (via
`open_library`): a library to create, upgrade or give its id, a read-only folder, a team library
on PostgreSQL (psycopg is reached through SQLAlchemy only), and every write.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from provenance.domain.errors import LibraryError
from provenance.store.engine import BUSY_TIMEOUT_MS, HEAD_REVISION
from provenance.store.roots import StorageRoots

DB_NAME = "library.sqlite"


def sqlite_damage(error: BaseException) -> bool:
    """True when SQLite says the database file itself is damaged (not busy, not full)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
    text = str(error).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def damage_message(folder: Path, detail: object) -> str:
    """The plain sentence for a damaged database: which file, that nothing more was written,
    and where the copies are."""
    return (
        f"the library database {folder / DB_NAME} is damaged (SQLite: {detail}); "
        "Credence will not write into it. Restore your latest copy made with "
        f"`credence backup`, or the newest copy in {folder / 'backups'} (made before "
        "upgrades), and keep the damaged file for inspection"
    )


class LocalReader:
    """Read transactions on a local library's database file, as `Store.reading` gives them
    (a `store.reading.ReadStore`), and its storage roots. Made by `open_local_reader`."""

    team = False

    def __init__(self, folder: Path, conn: sqlite3.Connection, library_id: str) -> None:
        self.folder = folder
        self.location = str(folder / DB_NAME)
        self._conn = conn
        #: Where this computer finds the library's storage roots (as a Store's).
        self.roots = StorageRoots(lambda: library_id)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, in a read transaction (other writers are not held up); damage
        found meanwhile is LibraryError with the sentence `Store.read` says it in."""
        try:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("ROLLBACK")  # it only read
        except sqlite3.DatabaseError as exc:
            if not sqlite_damage(exc):
                raise
            raise LibraryError(damage_message(self.folder, exc)) from exc

    def close(self) -> None:
        """Release the database connection."""
        self._conn.close()


def open_local_reader(folder: Path) -> LocalReader | None:
    """The library in `folder` opened for reading with sqlite3, or None when `open_library`
    would do more than open it (create, upgrade or repair it, give it its id) or refuse it:
    the caller then opens it that way, which does that or says why not."""
    db_path = folder / DB_NAME
    try:
        usable = (
            db_path.is_file()
            and (folder / "cache" / "thumbnails").is_dir()
            and os.access(folder, os.W_OK)
        )
    except OSError:  # a name too long, a folder not allowed to be looked into: it says which
        return None
    if not usable:
        return None
    try:
        conn = sqlite3.connect(db_path, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")  # as a Store's connections (reads are the same)
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        # Under the write lock, as `open_library` looks at the schema: a library another
        # process is writing is read once that write is done (or refused as it refuses it).
        conn.execute("BEGIN IMMEDIATE")
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
        found = conn.execute("SELECT value FROM meta WHERE key = 'library_id'").fetchone()
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            # Waited as long as `open_library` waits: say what it says, without waiting again.
            raise LibraryError(open_failure(db_path, exc)) from exc
        return None  # not a library, a read-only file, ...: open_library says which
    except sqlite3.Error:  # damaged: open_library says so
        conn.close()
        return None
    if mode != "wal" or revision != HEAD_REVISION or found is None or found[0] is None:
        conn.close()
        return None
    return LocalReader(folder, conn, found[0])


def open_failure(db_path: Path, detail: object) -> str:
    """The plain sentence for a database file SQLite would not open (busy, locked, ...)."""
    return f"cannot open {db_path}: {detail}"
