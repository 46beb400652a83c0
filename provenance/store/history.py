"""The hash-chained history: every change is an append-only entry that names its predecessor.

Each entry's hash covers its sequence number, time, actor, what changed (before and after, as
the exact JSON text stored) and the previous entry's hash. Editing an entry breaks its own hash;
deleting or reordering entries breaks the sequence or the link; cutting entries off the end is
caught by the head (last seq and hash) kept in the `meta` table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from provenance.domain.reports import HistoryVerification
from provenance.store.bulk import insert_rows
from provenance.store.models import Meta

GENESIS = "0" * 64
_HEAD_KEY = "history_head"
_COLUMNS = (
    "seq",
    "at",
    "actor",
    "entity",
    "entity_id",
    "item_id",
    "action",
    "before_json",
    "after_json",
    "note",
    "prev_hash",
    "hash",
)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str | None:
    """The one JSON spelling hashed and stored for a before/after value."""
    if value is None:
        return None
    return _CANONICAL.encode(value)


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    entity: str,
    entity_id: int | None,
    item_id: int | None,
    action: str,
    before_json: str | None,
    after_json: str | None,
    note: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 over the entry's content and its predecessor's hash.

    Every part goes in as a netstring (`<length>:<text>,`), so no two different entries can
    produce the same input; None is spelled `-` (length-prefixed text can never be bare `-`).
    """
    parts = (str(seq), at, actor, entity, entity_id, item_id, action, note, prev_hash)
    head = "".join("-" if p is None else f"{len(str(p))}:{p}," for p in parts)
    digest = hashlib.sha256(head.encode("utf-8"))
    for text in (before_json, after_json):
        if text is None:
            digest.update(b"-")
        else:
            data = text.encode("utf-8")
            digest.update(b"%d:" % len(data))
            digest.update(data)
            digest.update(b",")
    return digest.hexdigest()


def _netstring(part: object) -> str:
    if part is None:
        return "-"
    text = str(part)
    return f"{len(text)}:{text},"


def chain_hashes(
    seq: int,
    at: str,
    actor: str,
    entity: str,
    action: str,
    entries: Sequence[tuple[int | None, int | None, str | None, str | None, str | None]],
    prev_hash: str,
) -> list[str]:
    """`entry_hash` for a run of entries that share time, actor, entity and action (a bulk
    step: one entry per item tagged), numbered from `seq + 1`, each chained to the one before.

    `entries` are (entity_id, item_id, before_json, after_json, note), hashed by `_hashes`.
    """
    rows = (
        (
            number,
            at,
            actor,
            entity,
            entity_id,
            item_id,
            action,
            before_json,
            after_json,
            note,
            "",
            "",
        )
        for number, (entity_id, item_id, before_json, after_json, note) in enumerate(
            entries, seq + 1
        )
    )
    return list(_hashes(rows, chain_from=prev_hash))


def _hashes(rows: Iterable[Sequence[Any]], chain_from: str | None = None) -> Iterator[str]:
    """`entry_hash` of each row (the twelve `_COLUMNS`; its stored hash is not read): the same
    bytes, spelled inline, because verifying a million entries or writing a catalog's spends
    its time here. The netstrings of the parts a run of entries shares (time, actor, entity,
    action) are spelled once per run.

    With `chain_from`, each row is chained to the hash before it (the first to `chain_from`),
    whatever its prev_hash (bulk writes). Without, each row's own prev_hash is hashed (verify).
    """
    sha256 = hashlib.sha256
    # Only the previous entry's shared parts are kept: a bulk step's entries come one after
    # another, and a cache of every distinct time would grow with the library.
    last: tuple[str, str, str, str] | None = None
    shared = action_part = ""
    last_before: object = object()  # equal to no text and not None
    last_after: object = last_before
    body = b""
    prev = chain_from
    for seq, at, actor, entity, entity_id, item_id, action, before, after, note, link, _ in rows:
        if (at, actor, entity, action) != last:
            last = (at, actor, entity, action)
            shared = _netstring(at) + _netstring(actor) + _netstring(entity)
            action_part = _netstring(action)
        # The same netstrings as `_netstring`, spelled inline: this loop runs once per entry.
        if entity_id is None:
            ids = "-"
        else:
            text = str(entity_id)
            ids = f"{len(text)}:{text},"
        if item_id == entity_id:
            ids += ids
        elif item_id is None:
            ids += "-"
        else:
            text = str(item_id)
            ids += f"{len(text)}:{text},"
        if before != last_before or after != last_after:  # a run of taggings shares them
            last_before, last_after = before, after
            if before is None:
                body = b"-"
            else:
                data = before.encode("utf-8")
                body = b"%d:%b," % (len(data), data)
            if after is None:
                body += b"-"
            else:
                data = after.encode("utf-8")
                body += b"%d:%b," % (len(data), data)
        if prev is not None:
            link = prev
        number = str(seq)
        head = (
            f"{len(number)}:{number},{shared}{ids}{action_part}"
            f"{'-' if note is None else f'{len(note)}:{note},'}{len(link)}:{link},"
        )
        digest = sha256(head.encode("utf-8") + body).hexdigest()
        if prev is not None:
            prev = digest
        yield digest


@dataclass(frozen=True)
class Change:
    """One change to record: what entity, what action, and the before/after values."""

    entity: str
    entity_id: int | None
    item_id: int | None
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None

    @classmethod
    def for_item(
        cls,
        *,
        item_id: int,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> Change:
        """A change to the item `item_id` itself (entity "item", entity_id == item_id)."""
        return cls(
            entity="item",
            entity_id=item_id,
            item_id=item_id,
            action=action,
            before=before,
            after=after,
            note=note,
        )


class HistoryWriter:
    """Appends entries inside the caller's write transaction (which holds the write lock)."""

    def __init__(self, session: Session, actor: str, at: str) -> None:
        self._session = session
        self._actor = actor
        self._at = at
        self.head_at_start = read_head(session)
        self._seq, self._hash = self.head_at_start
        self._rows: list[tuple] = []
        #: Items this transaction changed, and the entities it changed that have no item
        #: (settings, tools, ...): what the stale-export check looks at before commit.
        self.touched_items: set[int] = set()
        self.touched_entities: set[str] = set()

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest entry, including queued ones."""
        return self._seq, self._hash

    def record(self, change: Change, *, actor: str | None = None, at: str | None = None) -> None:
        """Queue one entry; it is written by `flush()` in the same transaction.

        `actor` and `at` replace this transaction's own only for a change made elsewhere and
        recorded here as it was made (a laptop's work checked in keeps its author and time).
        """
        self.record_encoded(
            entity=change.entity,
            entity_id=change.entity_id,
            item_id=change.item_id,
            action=change.action,
            before_json=canonical_json(change.before),
            after_json=canonical_json(change.after),
            note=change.note,
            actor=actor,
            at=at,
        )

    def record_encoded(
        self,
        *,
        entity: str,
        entity_id: int | None,
        item_id: int | None,
        action: str,
        before_json: str | None,
        after_json: str | None,
        note: str | None,
        actor: str | None = None,
        at: str | None = None,
    ) -> None:
        """Like `record`, with before/after already encoded by `canonical_json` (bulk path)."""
        if item_id is not None:
            self.touched_items.add(item_id)
        else:
            self.touched_entities.add(entity)
        self._seq += 1
        row = (
            self._seq,
            self._at if at is None else at,
            self._actor if actor is None else actor,
            entity,
            entity_id,
            item_id,
            action,
            before_json,
            after_json,
            note,
            self._hash,
        )
        digest = entry_hash(*row)
        self._rows.append((*row, digest))
        self._hash = digest

    def record_encoded_many(
        self,
        *,
        entity: str,
        action: str,
        entries: Sequence[tuple[int | None, int | None, str | None, str | None, str | None]],
        at: str | None = None,
        hashed: tuple[tuple[int, str], Sequence[str]] | None = None,
    ) -> None:
        """Queue one entry per (entity_id, item_id, before_json, after_json, note), all with
        this transaction's actor and time: the bulk path of `record_encoded` (tagging ten
        thousand items), hashed by `chain_hashes`.

        `at` replaces the transaction's time, as in `record_encoded`. `hashed` is (head,
        hashes): the entries' hashes worked out beforehand by `chain_hashes` from `head` (seq,
        hash) with this actor and time (a catalog import hashes a chunk while the one before
        it commits). They are taken only if `head` is still this writer's head; otherwise the
        entries are hashed here, so the chain holds whatever happened in between.
        """
        if not entries:
            return
        at = self._at if at is None else at
        if hashed is not None and hashed[0] == (self._seq, self._hash):
            hashes = hashed[1]
        else:
            hashes = chain_hashes(self._seq, at, self._actor, entity, action, entries, self._hash)
        rows = self._rows
        seq, prev = self._seq, self._hash
        for (entity_id, item_id, before_json, after_json, note), digest in zip(
            entries, hashes, strict=True
        ):
            seq += 1
            rows.append(
                (
                    seq,
                    at,
                    self._actor,
                    entity,
                    entity_id,
                    item_id,
                    action,
                    before_json,
                    after_json,
                    note,
                    prev,
                    digest,
                )
            )
            prev = digest
        items = {e[1] for e in entries}
        if None in items:
            self.touched_entities.add(entity)
            items.discard(None)
        self.touched_items |= items
        self._seq, self._hash = seq, prev

    def flush(self) -> None:
        """Write queued entries and move the head. Call before the transaction commits."""
        if not self._rows:
            return
        insert_rows(self._session, "history", _COLUMNS, self._rows)
        self._session.merge(Meta(key=_HEAD_KEY, value=f"{self._seq}:{self._hash}"))
        self._rows = []


def read_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest history entry; (0, GENESIS) for an empty history."""
    head = session.get(Meta, _HEAD_KEY)
    if head is None:
        return 0, GENESIS
    seq, digest = head.value.split(":", 1)
    return int(seq), digest


_BATCH = 5000


def _history_batches(session: Session) -> Iterator[list[Sequence[Any]]]:
    """Every history row (the `_COLUMNS`), in order, as lists of plain rows streamed from the
    driver: building a SQLAlchemy row (let alone an ORM object) per entry took longer than
    hashing it."""
    connection = session.connection()
    sql = f"SELECT {', '.join(_COLUMNS)} FROM history ORDER BY seq"
    if connection.dialect.name != "sqlite":  # a server-side cursor on PostgreSQL
        result = connection.execution_options(yield_per=_BATCH).exec_driver_sql(sql)
        yield from result.partitions()
        return
    cursor = connection.connection.cursor()  # SQLite steps as rows are fetched
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(_BATCH):
            yield batch
    finally:
        cursor.close()


def verify_chain(session: Session, progress=None, cancel=None) -> HistoryVerification:
    """Walk the whole chain in order and name the first entry that does not hold.

    Rows stream in batches of plain tuples (no ORM object per entry), hashed by `_hashes`:
    a million entries verify in seconds.
    """
    expected_seq, prev = 1, GENESIS
    checked = 0
    for batch in _history_batches(session):
        for row, digest in zip(batch, _hashes(batch), strict=True):
            seq, prev_hash, stored = row[0], row[10], row[11]
            if seq != expected_seq:
                return HistoryVerification(
                    False,
                    checked,
                    expected_seq,
                    f"entry {expected_seq} is missing: the history jumps from {expected_seq - 1} "
                    f"to {seq} (entries were deleted)",
                )
            if prev_hash != prev:
                return HistoryVerification(
                    False,
                    checked,
                    seq,
                    f"entry {seq} does not follow entry {seq - 1} "
                    "(entries were reordered, replaced or deleted)",
                )
            if digest != stored:
                return HistoryVerification(
                    False, checked, seq, f"entry {seq} was edited after it was written"
                )
            prev = stored
            expected_seq += 1
            checked += 1
        if progress is not None:
            progress(checked, None, "verifying history")
        if cancel is not None and cancel.cancelled:
            return HistoryVerification(False, checked, None, "verification was cancelled")
    head = session.get(Meta, _HEAD_KEY)
    if head is not None:
        head_seq, head_hash = head.value.split(":", 1)
        head = int(head_seq)
        if head != checked or head_hash != prev:
            if head > checked:
                reason = (
                    f"the last {head - checked} entries were removed (the chain should end at "
                    f"entry {head})"
                )
                return HistoryVerification(False, checked, checked + 1, reason)
            if head < checked:
                reason = (
                    f"entry {head + 1} and later were added after the recorded end of the "
                    "history (written outside Credence)"
                )
                return HistoryVerification(False, checked, head + 1, reason)
            reason = f"the history head does not match entry {checked}"
            return HistoryVerification(False, checked, checked, reason)
    elif checked:
        return HistoryVerification(False, checked, 1, "the history head record is missing")
    return HistoryVerification(True, checked)
