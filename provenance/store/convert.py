"""ORM rows to the frozen views the facade returns, and history entries back into edits."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue
from provenance.domain.views import (
    ITEM_FIELDS,
    AssetView,
    DisclosureView,
    EventView,
    ExportRecordView,
    HistoryEntryView,
    ItemView,
    ToolView,
)
from provenance.store.history import Change
from provenance.store.models import Disclosure, Event, HistoryEntry, Item, Tool


def item_fields(item: Item) -> dict[str, str | None]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def item_state(item: Item) -> dict[str, Any]:
    """The item's catalog content as recorded in history (empty values left out)."""
    state: dict[str, Any] = {k: v for k, v in item_fields(item).items() if v is not None}
    if item.capture_type:
        state["capture_type"] = item.capture_type
    if item.extra:
        state["extra"] = dict(item.extra)
    return state


def item_label(item: Item) -> str:
    return f"{item.accession or '#' + str(item.id)}" + (f" ({item.title})" if item.title else "")


def tool_label(tool: Tool) -> str:
    return f"{tool.name} {tool.version}" if tool.version else tool.name


def asset_view(asset) -> AssetView:
    return AssetView(
        id=asset.id,
        item_id=asset.item_id,
        path=asset.path,
        sha256=asset.sha256,
        size=asset.size,
        format=asset.format,
        mime=asset.mime,
        width=asset.width,
        height=asset.height,
        orientation=asset.orientation,
        thumbnail=asset.thumbnail,
        credential_state=asset.credential_state,
        credentials=dict(asset.credentials or {}),
        imported_at=asset.imported_at,
        ai_found=bool(asset.ai_found),
    )


def tool_view(tool: Tool) -> ToolView:
    return ToolView(
        id=tool.id,
        name=tool.name,
        vendor=tool.vendor,
        version=tool.version,
        runs=tool.runs,
        training_data=tool.training_data,
        retention=tool.retention,
        documentation=tool.documentation,
    )


def event_view(event: Event) -> EventView:
    return EventView(
        id=event.id,
        item_id=event.item_id,
        action=event.action,
        actor=event.actor,
        date=event.date,
        date_earliest=event.date_earliest,
        date_latest=event.date_latest,
        place=event.place,
        source=event.source,
        note=event.note,
        tool=tool_label(event.tool) if event.tool else None,
        created_at=event.created_at,
    )


def disclosure_view(disclosure: Disclosure) -> DisclosureView:
    return DisclosureView(
        id=disclosure.id,
        item_id=disclosure.item_id,
        asset_id=disclosure.asset_id,
        category=disclosure.category,
        tools=tuple(tool_label(t) for t in disclosure.tools),
        purpose=disclosure.purpose,
        extent=disclosure.extent,
        fields=tuple(disclosure.fields or ()),
        overrides=dict(disclosure.overrides or {}),
        review_state=disclosure.review_state,
        reviewed_by=disclosure.reviewed_by,
        reviewed_at=disclosure.reviewed_at,
        approved_by=disclosure.approved_by,
        approved_at=disclosure.approved_at,
        created_at=disclosure.created_at,
    )


def item_view(item: Item, *, details: bool, events: bool = True) -> ItemView:
    """A view of `item`; with `details`, its assets, disclosures (and events) too."""
    children: dict[str, Any] = {}
    if details:
        children["assets"] = tuple(asset_view(a) for a in item.assets)
        children["disclosures"] = tuple(disclosure_view(d) for d in item.disclosures)
        if events:
            ordered = sorted(item.events, key=lambda e: (e.date_earliest or "9999", e.id))
            children["events"] = tuple(event_view(e) for e in ordered)
    return ItemView(
        id=item.id,
        **item_fields(item),
        extra=dict(item.extra or {}),
        created_at=item.created_at,
        updated_at=item.updated_at,
        capture_type=item.capture_type,
        **children,
    )


def export_view(row) -> ExportRecordView:
    return ExportRecordView(
        id=row.id,
        item_id=row.item_id,
        asset_id=row.asset_id,
        path=row.path,
        sha256=row.sha256,
        manifest_id=row.manifest_id,
        signer_fingerprint=row.signer_fingerprint,
        created_at=row.created_at,
        stale_since=row.stale_since,
        stale_reason=row.stale_reason,
    )


def history_view(entry: HistoryEntry) -> HistoryEntryView:
    return HistoryEntryView(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        entity=entry.entity,
        entity_id=entry.entity_id,
        item_id=entry.item_id,
        action=entry.action,
        before=json.loads(entry.before_json) if entry.before_json else None,
        after=json.loads(entry.after_json) if entry.after_json else None,
        note=entry.note,
        hash=entry.hash,
    )


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
        return Change("item", item.id, item.id, "update", after, before, note)
    if entry.entity == "event" and entry.action == "create":
        event = session.get(Event, entry.entity_id)
        if event is None:
            raise InvalidValue(f"the event of entry {entry.seq} was already removed")
        session.delete(event)
        return Change("event", entry.entity_id, entry.item_id, "delete", after, None, note)
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
        return Change("event", event.id, entry.item_id, "create", None, before, note)
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
        return Change("disclosure", disclosure.id, entry.item_id, "create", None, before, note)
    if entry.entity == "disclosure" and entry.action == "create":
        disclosure = session.get(Disclosure, entry.entity_id)
        if disclosure is None:
            raise InvalidValue(f"the disclosure of entry {entry.seq} was already removed")
        session.delete(disclosure)
        return Change("disclosure", entry.entity_id, entry.item_id, "delete", after, None, note)
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
        return Change("disclosure", disclosure.id, entry.item_id, "update", after, before, note)
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
