"""The history as people use it: listing entries as views, and undo (a recorded change applied
in reverse, recorded as a new entry, never a deletion)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.fields import check_sqlite_int
from provenance.domain.views import HistoryEntryView
from provenance.store.convert import disclosure_view, history_view, item_label, tool_label
from provenance.store.history import Change, read_head
from provenance.store.models import Disclosure, Event, HistoryEntry, Item, Tool
from provenance.store.store import Store
from provenance.store.tags import revert_tags


def history_head(store: Store) -> int:
    """The sequence number of the newest history entry (0 for an empty history)."""
    with store.read() as session:
        return read_head(session)[0]


def revert(store: Store, seq: int) -> HistoryEntryView:
    """Undo the change recorded in history entry `seq`, as a new entry (never a deletion).

    Item and disclosure updates get their earlier values back; a created event is removed.
    """
    check_sqlite_int(seq, "history entry")
    with store.write() as (session, history):
        entry = session.get(HistoryEntry, seq)
        if entry is None:
            raise NotFound(f"history entry {seq} does not exist")
        touched = [entry.entity_id] if entry.entity == "item" and entry.entity_id else []
        with store.search_index.updating(session, touched):
            change = revert_change(session, entry)
        if change is None:
            raise InvalidValue(
                f"history entry {seq} ({entry.entity} {entry.action}) cannot be undone"
            )
        history.record(change)
        history.flush()
        last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq.desc())).first()
        return history_view(last)


def revert_change(session: Session, entry: HistoryEntry) -> Change | None:
    """Apply the inverse of `entry` to the database and return the Change that records it.

    Refuses (InvalidValue) when the thing has changed again since, so an old undo never
    silently overwrites newer work. Returns None for entries that cannot be undone.
    """
    before = json.loads(entry.before_json) if entry.before_json else None
    after = json.loads(entry.after_json) if entry.after_json else None
    note = f"undo of entry {entry.seq}"
    if entry.entity == "item" and entry.action == "update" and before and after:
        item = session.get(Item, entry.entity_id)
        if item is None:
            raise InvalidValue(f"the item of entry {entry.seq} no longer exists")
        extra = dict(item.extra or {})
        for key, value in after.items():
            current = extra.get(key[6:]) if key.startswith("extra.") else getattr(item, key)
            if current != value:
                raise InvalidValue(
                    f"{key} of {item_label(item)} was changed again after entry {entry.seq}; "
                    "undo the later change first"
                )
        for key, value in before.items():
            if key.startswith("extra."):
                if value is None:
                    extra.pop(key[6:], None)
                else:
                    extra[key[6:]] = value
            else:
                setattr(item, key, value)
        item.extra = extra
        return Change.for_item(
            item_id=item.id,
            action="update",
            before=after,
            after=before,
            note=note,
        )
    if entry.entity == "item" and entry.action == "tag" and before is not None and after:
        item = session.get(Item, entry.entity_id)
        if item is None:
            raise InvalidValue(f"the item of entry {entry.seq} no longer exists")
        revert_tags(session, item, before, after, entry.seq)
        return Change.for_item(item_id=item.id, action="tag", before=after, after=before, note=note)
    if entry.entity == "event" and entry.action == "create":
        event = session.get(Event, entry.entity_id)
        if event is None:
            raise InvalidValue(f"the event of entry {entry.seq} was already removed")
        session.delete(event)
        return Change(
            entity="event",
            entity_id=entry.entity_id,
            item_id=entry.item_id,
            action="delete",
            before=after,
            note=note,
        )
    if entry.entity == "event" and entry.action == "delete" and before:
        event = Event(
            item_id=entry.item_id,
            action=before["action"],
            actor=before["actor"],
            date=before.get("date"),
            date_earliest=before.get("date_earliest"),
            date_latest=before.get("date_latest"),
            place=before.get("place"),
            source=before.get("source"),
            note=before.get("note"),
            tool=_tool_by_label(session, before.get("tool")),
            created_at=now(),
        )
        session.add(event)
        session.flush()
        return Change(
            entity="event",
            entity_id=event.id,
            item_id=entry.item_id,
            action="create",
            after=before,
            note=note,
        )
    if entry.entity == "disclosure" and entry.action == "delete" and before:
        disclosure = Disclosure(
            item_id=entry.item_id,
            asset_id=before.get("asset_id"),
            category=before["category"],
            created_at=now(),
        )
        session.add(disclosure)
        _restore_disclosure(session, disclosure, before)
        session.flush()
        return Change(
            entity="disclosure",
            entity_id=disclosure.id,
            item_id=entry.item_id,
            action="create",
            after=before,
            note=note,
        )
    if entry.entity == "disclosure" and entry.action == "create":
        disclosure = session.get(Disclosure, entry.entity_id)
        if disclosure is None:
            raise InvalidValue(f"the disclosure of entry {entry.seq} was already removed")
        session.delete(disclosure)
        return Change(
            entity="disclosure",
            entity_id=entry.entity_id,
            item_id=entry.item_id,
            action="delete",
            before=after,
            note=note,
        )
    if entry.entity == "disclosure" and entry.action in ("update", "review") and before:
        disclosure = session.get(Disclosure, entry.entity_id)
        if disclosure is None:
            raise InvalidValue(f"the disclosure of entry {entry.seq} was removed")
        current = disclosure_view(disclosure).to_dict()
        if any(
            current.get(k) != (tuple(v) if isinstance(v, list) else v) for k, v in after.items()
        ):
            raise InvalidValue(
                f"the disclosure was changed again after entry {entry.seq}; "
                "undo the later change first"
            )
        _restore_disclosure(session, disclosure, before)
        return Change(
            entity="disclosure",
            entity_id=disclosure.id,
            item_id=entry.item_id,
            action="update",
            before=after,
            after=before,
            note=note,
        )
    return None


def _tool_by_label(session: Session, label: str | None) -> Tool | None:
    if not label:
        return None
    return next((t for t in session.scalars(select(Tool)) if tool_label(t) == label), None)


def _restore_disclosure(session: Session, disclosure: Disclosure, state: dict[str, Any]) -> None:
    for key in (
        "purpose",
        "extent",
        "review_state",
        "reviewed_by",
        "reviewed_at",
        "approved_by",
        "approved_at",
    ):
        setattr(disclosure, key, state.get(key))
    disclosure.fields = list(state.get("fields") or ())
    disclosure.overrides = dict(state.get("overrides") or {})
    labels = set(state.get("tools") or ())
    disclosure.tools = [t for t in session.scalars(select(Tool)) if tool_label(t) in labels]
