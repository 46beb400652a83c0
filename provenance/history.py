"""The hash-chained history: every change is an append-only entry that names its predecessor.

Each entry's hash covers its sequence number, time, actor, what changed (before and after, as
the exact JSON text stored) and the previous entry's hash. Editing an entry breaks its own hash;
deleting or reordering entries breaks the sequence or the link; cutting entries off the end is
caught by the head (last seq and hash) kept in the `meta` table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.db.models import HistoryEntry, Meta
from provenance.views import HistoryVerification

GENESIS = "0" * 64
_HEAD_KEY = "history_head"


def canonical_json(value: Any) -> str | None:
    """The one JSON spelling hashed and stored for a before/after value."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    """SHA-256 over the entry's content and its predecessor's hash."""
    payload = json.dumps(
        [
            seq,
            at,
            actor,
            entity,
            entity_id,
            item_id,
            action,
            before_json,
            after_json,
            note,
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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


class HistoryWriter:
    """Appends entries inside the caller's write transaction (which holds the write lock)."""

    def __init__(self, session: Session, actor: str, at: str) -> None:
        self._session = session
        self._actor = actor
        self._at = at
        head = session.get(Meta, _HEAD_KEY)
        if head is None:
            self._seq, self._hash = 0, GENESIS
        else:
            seq, digest = head.value.split(":", 1)
            self._seq, self._hash = int(seq), digest
        self._rows: list[dict[str, Any]] = []

    def record(self, change: Change) -> None:
        """Queue one entry; it is written by `flush()` in the same transaction."""
        self._seq += 1
        before_json = canonical_json(change.before)
        after_json = canonical_json(change.after)
        digest = entry_hash(
            self._seq,
            self._at,
            self._actor,
            change.entity,
            change.entity_id,
            change.item_id,
            change.action,
            before_json,
            after_json,
            change.note,
            self._hash,
        )
        self._rows.append(
            {
                "seq": self._seq,
                "at": self._at,
                "actor": self._actor,
                "entity": change.entity,
                "entity_id": change.entity_id,
                "item_id": change.item_id,
                "action": change.action,
                "before_json": before_json,
                "after_json": after_json,
                "note": change.note,
                "prev_hash": self._hash,
                "hash": digest,
            }
        )
        self._hash = digest

    def record_all(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.record(change)

    def flush(self) -> None:
        """Write queued entries and move the head. Call before the transaction commits."""
        if not self._rows:
            return
        self._session.execute(HistoryEntry.__table__.insert(), self._rows)
        self._session.merge(Meta(key=_HEAD_KEY, value=f"{self._seq}:{self._hash}"))
        self._rows = []


def verify_chain(session: Session, progress=None, cancel=None) -> HistoryVerification:
    """Walk the whole chain in order and name the first entry that does not hold."""
    expected_seq, prev = 1, GENESIS
    checked = 0
    rows = session.execute(
        select(HistoryEntry).order_by(HistoryEntry.seq).execution_options(yield_per=5000)
    ).scalars()
    for row in rows:
        if row.seq != expected_seq:
            return HistoryVerification(
                False,
                checked,
                expected_seq,
                f"entry {expected_seq} is missing: the history jumps from {expected_seq - 1} "
                f"to {row.seq} (entries were deleted)",
            )
        if row.prev_hash != prev:
            return HistoryVerification(
                False,
                checked,
                row.seq,
                f"entry {row.seq} does not follow entry {row.seq - 1} "
                "(entries were reordered, replaced or deleted)",
            )
        digest = entry_hash(
            row.seq,
            row.at,
            row.actor,
            row.entity,
            row.entity_id,
            row.item_id,
            row.action,
            row.before_json,
            row.after_json,
            row.note,
            row.prev_hash,
        )
        if digest != row.hash:
            return HistoryVerification(
                False, checked, row.seq, f"entry {row.seq} was edited after it was written"
            )
        prev = row.hash
        expected_seq += 1
        checked += 1
        if progress is not None and checked % 5000 == 0:
            progress(checked, None, "verifying history")
        if cancel is not None and cancel.cancelled:
            return HistoryVerification(False, checked, None, "verification was cancelled")
    head = session.get(Meta, _HEAD_KEY)
    if head is not None:
        head_seq, head_hash = head.value.split(":", 1)
        if int(head_seq) != checked or head_hash != prev:
            missing = int(head_seq) - checked
            reason = (
                f"the last {missing} entries were removed (the chain should end at entry "
                f"{head_seq})"
                if missing > 0
                else f"the history head does not match entry {checked}"
            )
            return HistoryVerification(False, checked, checked + 1, reason)
    elif checked:
        return HistoryVerification(False, checked, 1, "the history head record is missing")
    return HistoryVerification(True, checked)
