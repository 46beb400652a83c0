"""The soft-binding keys of every export, kept in memory between lookups.

`identify` compares one file's 64-bit image code with the key of every export. Reading 100,000
keys from the database costs far more than comparing them, so the keys are read once per
Library and then only the exports added since (ids above the highest one seen). Whether the
table changed otherwise (an item deleted, its exports with it) is told by the row count and the
highest id; any other change reloads everything. A deleted export left in memory could never
be reported anyway: every candidate is read back from the database and confirmed with its full
code before it is shown.
"""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

_SHAPE = text("SELECT count(*), coalesce(max(id), 0) FROM exports")
_SINCE = "SELECT id, soft_binding_key FROM exports WHERE id > {since}"


class SoftBindingIndex:
    """Export ids and their 64-bit keys (unsigned), refreshed on each lookup."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._keys: list[int] = []
        self._rows = 0  # export rows (with or without a key) the lists account for
        self._top = 0  # highest export id seen
        # The window identifies in a worker thread while the UI thread may verify.
        self._lock = threading.Lock()

    def near(self, session: Session, key: int, limit: int) -> list[tuple[int, int]]:
        """(export id, bits differing) of every export whose key is within `limit` bits of
        `key` (unsigned 64 bits)."""
        with self._lock:
            self._refresh(session)
            ids, keys = self._ids, self._keys
            return [
                (ids[n], bits)
                for n, stored in enumerate(keys)
                if (bits := (stored ^ key).bit_count()) <= limit
            ]

    def _refresh(self, session: Session) -> None:
        rows, top = session.execute(_SHAPE).one()
        if (rows, top) == (self._rows, self._top):
            return
        since = self._top if top >= self._top else 0
        added = self._fetch(session, since)
        if since and rows != self._rows + len(added):
            since, added = 0, self._fetch(session, 0)  # something else changed: start over
        if not since:
            self._ids, self._keys = [], []
        for ident, stored in added:
            if stored is not None:
                self._ids.append(ident)
                self._keys.append(stored + (1 << 64) if stored < 0 else stored)
        self._rows, self._top = rows, top

    @staticmethod
    def _fetch(session: Session, since: int) -> list[tuple[int, int | None]]:
        # The driver's own cursor: plain tuples, several times faster than Row objects.
        cursor = session.connection().connection.dbapi_connection.cursor()
        try:
            cursor.execute(_SINCE.format(since=int(since)))
            return cursor.fetchall()
        finally:
            cursor.close()
