"""The Store: one library database with public read and write transactions.

Pipelines and services reach the database only through a Store: `read()` yields a session in a
read transaction; `write()` takes the write lock up front (BEGIN IMMEDIATE on SQLite, a
transaction-level advisory lock on a team library's PostgreSQL), yields the session
and the history writer, writes the queued history entries and runs the `before_commit` hook
(the facade uses it to keep export staleness in step) before committing. The search index
travels with the Store so every writer keeps it in step.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from provenance.domain.clock import now
from provenance.domain.errors import LibraryError, StaleEdit
from provenance.domain.progress import CancelToken, Progress
from provenance.domain.text import url_without_password
from provenance.store.engine import (
    WRITE_LOCK_KEY,
    make_engines,
    make_team_engines,
    migrate,
    migrate_team,
    shown_url,
    team_url,
)
from provenance.store.plain import DB_NAME, damage_message, open_failure, sqlite_damage
from provenance.store.roots import StorageRoots
from provenance.store.search import SearchIndex

# The history writer and the ORM models load with the first write: opening a library and
# reading it (store.reading) needs neither.
if TYPE_CHECKING:
    from provenance.domain.reports import HistoryVerification
    from provenance.store.history import Change, HistoryWriter

#: Called inside every write transaction after its history entries are written.
BeforeCommit = Callable[[Session, "HistoryWriter"], None]


def _refuse_misplaced(db_path: Path) -> None:
    """LibraryError when a library folder whose path has '?' has no database yet, but the file
    earlier versions made for it in error is there: they read the path as a URL, so the
    database went to the part before '?' (".../Loans" for ".../Loans? 2024/"). Opening would
    make a new, empty library and seem to lose every record; the person moves the file instead.
    """
    if "?" not in str(db_path) or db_path.exists():
        return
    misplaced = Path(str(db_path).split("?", 1)[0])
    try:
        with misplaced.open("rb") as handle:
            is_sqlite = handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return
    if is_sqlite:
        raise LibraryError(
            f"the database of the library {db_path.parent} was written by an earlier Credence "
            f"to {misplaced} (a fault with '?' in folder names): move that file, with any "
            f"{misplaced.name}-wal and {misplaced.name}-shm beside it, to {db_path} (and "
            f"-wal, -shm), then open the library again; nothing was changed"
        )


class Store:
    """A library database: read and write transactions, the history writer and the search index.

    A damaged database file found by SQLite's check (before the first write) or by any later
    read or write is never written to again by this Store.
    """

    def __init__(
        self,
        folder: Path,
        reader: Engine,
        writer: Engine,
        actor: str,
        *,
        before_commit: BeforeCommit | None = None,
    ) -> None:
        self.folder = folder
        self.actor = actor
        #: A team library on a database server (PostgreSQL), not a file in `folder`.
        self.team = writer.dialect.name == "postgresql"
        #: Where the database is, as a person reads it: the file, or the URL (no password).
        self.location = shown_url(writer.url) if self.team else str(folder / DB_NAME)
        self.search_index = search_index_for(writer.dialect.name)
        self._reader = reader
        self._writer = writer
        self._before_commit = before_commit
        self._damage: str | None = None
        self._checked = False
        self._library_id: str | None = None
        #: Where this computer finds the library's storage roots (resolves every original).
        self.roots = StorageRoots(lambda: self.library_id)

    @classmethod
    def open(cls, folder: Path, actor: str, *, before_commit: BeforeCommit | None = None) -> Store:
        """Open (migrating after a backup) or create the database in `folder`.

        Raises LibraryError with a plain reason when the file is damaged or cannot be opened.
        """
        db_path = folder / DB_NAME
        _refuse_misplaced(db_path)
        reader, writer = make_engines(db_path)
        try:
            migrate(writer, db_path, folder / "backups")
            store = cls(folder, reader, writer, actor, before_commit=before_commit)
            store.ensure_library_id()
        except DatabaseError as exc:
            reader.dispose()
            writer.dispose()
            if is_damage(exc):
                raise LibraryError(damage_message(folder, exc.orig)) from exc
            raise LibraryError(open_failure(db_path, exc.orig)) from exc
        except BaseException:  # refused (a newer schema, no room for the backup, ...)
            reader.dispose()
            writer.dispose()
            raise
        return store

    @classmethod
    def open_team(
        cls, location: str, folder: Path, *, before_commit: BeforeCommit | None = None
    ) -> Store:
        """Open (creating or upgrading its schema) the team library at the PostgreSQL URL
        `location`, with this workstation's files in `folder`.

        Who writes is the database role the server authenticated (``current_user``), never a
        name typed on the workstation. Raises LibraryError with a plain reason that never
        shows the password.
        """
        url = team_url(location)
        reader, writer = make_team_engines(url)
        try:
            migrate_team(writer)
            with writer.connect() as conn:
                role = conn.execute(text("SELECT current_user")).scalar_one()
            store = cls(folder, reader, writer, role, before_commit=before_commit)
            store.location = url_without_password(location)  # as typed, not as parsed
            store.ensure_library_id()
        except DatabaseError as exc:
            reader.dispose()
            writer.dispose()
            raise LibraryError(server_failure(url, exc)) from exc
        except BaseException:
            reader.dispose()
            writer.dispose()
            raise
        return store

    @property
    def path(self) -> Path:
        """The database file."""
        return self.folder / DB_NAME

    @property
    def damage(self) -> str | None:
        """SQLite's finding when the database file was found damaged, else None."""
        return self._damage

    def close(self) -> None:
        """Release database connections."""
        self._reader.dispose()
        self._writer.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a read transaction (other writers are not held up)."""
        try:
            with Session(self._reader) as session, session.begin():
                yield session
        except DatabaseError as exc:
            if self.team and isinstance(exc, OperationalError):
                # The server went away, refused the login or lost the database: a plain
                # sentence for the person, never the driver's traceback.
                raise LibraryError(server_failure(self._reader.url, exc)) from exc
            if self.team or not is_damage(exc):
                raise
            self._damage = str(exc.orig)
            raise LibraryError(damage_message(self.folder, exc.orig)) from exc

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection of a read transaction (`read`), for plain SQL (store.reading)."""
        with self.read() as session:
            yield session.connection()

    @contextmanager
    def write(self) -> Iterator[tuple[Session, HistoryWriter]]:
        """A write transaction: the session and the history writer of this transaction.

        Nothing is committed when the block raises; a full or busy disk becomes LibraryError
        with a plain reason (what was stored before stays as it was).
        """
        from provenance.store.history import HistoryWriter

        self._check_sound()
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                self._lock_for_writing(session)
                history = HistoryWriter(session, self.actor, now())
                yield session, history
                history.flush()
                if self._before_commit is not None:
                    self._before_commit(session, history)
        except StaleDataError as exc:
            # A row changed under this transaction by a writer outside Credence's lock.
            raise StaleEdit(
                "a record was changed by someone else while this change was being saved; "
                "nothing was changed. Reload and try again"
            ) from exc
        except OperationalError as exc:
            # The transaction was rolled back: what was stored before stays as it was.
            if self.team:
                raise LibraryError(server_failure(self._writer.url, exc)) from exc
            raise LibraryError(write_failure(self.folder, exc)) from exc
        except DatabaseError as exc:
            if self.team or not is_damage(exc):
                raise
            self._damage = str(exc.orig)
            raise LibraryError(damage_message(self.folder, exc.orig)) from exc

    def _lock_for_writing(self, session: Session) -> None:
        # SQLite's BEGIN IMMEDIATE already made this transaction the only writer. On a server,
        # writers from every workstation queue here (released at commit or rollback, also when
        # a writer's process dies): the history head read next is then the newest, and the
        # chain stays one chain.
        if self.team:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})

    def record(self, change: Change) -> None:
        """Write one history entry in a transaction of its own (a change kept outside the
        database, such as a new signing identity)."""
        with self.write() as (_session, history):
            history.record(change)

    def integrity_problem(self) -> str | None:
        """SQLite's quick_check of the database file: None when sound, else its first finding.

        A team library's server keeps its own files sound (checksums, WAL): always None.
        """
        if self.team:
            return None
        try:
            # On the reader: a read transaction, so other writers are not held up meanwhile.
            with self._reader.connect() as conn:
                rows = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
        except OperationalError as exc:
            raise LibraryError(write_failure(self.folder, exc)) from exc
        except DatabaseError as exc:
            if not is_damage(exc):
                raise
            return str(exc.orig)
        findings = [str(r[0]) for r in rows if r[0] != "ok"]
        return findings[0] if findings else None

    def verify_history(
        self, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> HistoryVerification:
        """Check the database file (SQLite's quick_check), then the whole hash chain.

        Damage to the file is reported as damage (`damaged` is True), not as tampering; an
        intact file with a broken chain names the first broken entry.
        """
        from concurrent.futures import ThreadPoolExecutor

        from provenance.domain.reports import HistoryVerification
        from provenance.store.history import verify_chain

        # The file check and the walk of the chain run side by side (SQLite works without the
        # GIL): on a million entries each takes seconds. Damage still wins over the chain.
        with ThreadPoolExecutor(max_workers=1) as pool:
            checking = pool.submit(self.integrity_problem)
            try:
                with self.read() as session:
                    verdict = verify_chain(session, progress, cancel)
            except LibraryError:
                problem = checking.result()
                if problem is None and self._damage is None:
                    raise
                problem = problem or self._damage
            else:
                problem = checking.result()
                if problem is None:
                    return verdict
        self._damage = problem
        return HistoryVerification(
            ok=False,
            checked=0,
            first_broken=None,
            reason=damage_message(self.folder, problem),
            damaged=True,
        )

    def ensure_library_id(self) -> None:
        """Give the library its short random id, once.

        The id names this library in exported catalog rows (credence_id), so a CSV from another
        library can never be mistaken for ours on re-import.
        """
        # Looked at first with a reader: only a new library takes the write lock for it, so a
        # read-only command never waits for (or holds up) a writer. Plain SQL: opening a
        # library for reading never needs the ORM models.
        if self._read_library_id() is not None:
            return
        with self._writer.begin() as conn:
            if self.team:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            if conn.execute(_LIBRARY_ID).scalar() is None:
                conn.execute(
                    text("INSERT INTO meta (key, value) VALUES ('library_id', :value)"),
                    {"value": uuid.uuid4().hex[:8]},
                )

    def _read_library_id(self) -> str | None:
        with self._reader.connect() as conn:
            return conn.execute(_LIBRARY_ID).scalar()

    @property
    def library_id(self) -> str:
        """The library's short random id (kept in `meta`)."""
        if self._library_id is None:
            with self.read() as session:
                value = session.connection().execute(_LIBRARY_ID).scalar()
            if value is None:
                raise LibraryError("the library has no id yet")
            self._library_id = value
        return self._library_id

    def _check_sound(self) -> None:
        # Once per Store, before its first write (about 0.15 s for 200,000 items): writing
        # into a damaged file spreads the damage and buries the good copy in the backups.
        if not self._checked and self._damage is None:
            self._damage = self.integrity_problem()
            self._checked = True
        if self._damage is not None:
            raise LibraryError(damage_message(self.folder, self._damage))


_LIBRARY_ID = text("SELECT value FROM meta WHERE key = 'library_id'")


def search_index_for(dialect: str):
    """The full-text index of a database engine: FTS5 on SQLite, tsvector/GIN on PostgreSQL."""
    if dialect == "postgresql":
        from provenance.store.search import PostgresSearchIndex

        return PostgresSearchIndex()
    return SearchIndex()


def server_failure(url, exc: DatabaseError) -> str:
    """The plain sentence for a team library's server refusing or failing (never the password:
    the URL is shown without it, and the server's own messages do not carry it)."""
    where = shown_url(url)
    detail = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
    secret = getattr(url, "password", None)
    if secret:  # should the driver ever echo its connection string
        detail = detail.replace(str(secret), "***")
    lowered = detail.lower()
    if "password" in lowered or "authentication" in lowered:
        return (
            f"the team library {where} refused the login ({detail}); give the password in "
            "~/.pgpass or PGPASSWORD, or ask the database's administrator for access"
        )
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"the team library {where} does not exist on its server ({detail}); ask the "
            "administrator to create the database (CREATE DATABASE), then run credence init"
        )
    if any(w in lowered for w in ("connect", "timeout", "resolve", "could not translate")):
        return (
            f"cannot reach the team library {where} ({detail}); check the address and the "
            "network, then try again"
        )
    if "permission denied" in lowered:
        return f"the team library {where} refused this change ({detail}); nothing was changed"
    return f"the team library {where} could not be used ({detail}); nothing was changed"


def is_damage(exc: DatabaseError) -> bool:
    """True when SQLite says the database file itself is damaged (not busy, not full)."""
    return sqlite_damage(exc.orig)


def write_failure(folder: Path, exc: OperationalError) -> str:
    """The plain sentence for a write that SQLite refused (full disk, busy, read-only)."""
    text = str(exc.orig).lower()
    if "full" in text or "disk i/o" in text or "no space" in text:
        return (
            f"the library at {folder} could not be written: its disk is full or failing. "
            "Nothing stored before was lost; free some space and run the same step again"
        )
    if "locked" in text or "busy" in text:
        return (
            "another program kept the library busy for too long; nothing was changed. "
            "Try again in a moment"
        )
    if "readonly" in text or "read-only" in text:
        return f"the library at {folder} is read-only; nothing was changed"
    return f"the library could not be written ({exc.orig}); nothing was changed"
