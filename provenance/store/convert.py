"""Row <-> view conversion: ORM rows to the frozen views the facade returns, and views to the
before/after values history entries record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from provenance.domain.tags import best_label
from provenance.domain.views import (
    ITEM_FIELDS,
    AssetView,
    DisclosureView,
    EventView,
    ExportRecordView,
    HistoryEntryView,
    ItemView,
    SubjectView,
    ToolView,
)

# Rows are read by attribute: ORM rows, or plain rows of the same table (store.reading reads
# those without the ORM mapping, so a read-only command never loads the models).
if TYPE_CHECKING:
    from provenance.store.models import Disclosure, Event, HistoryEntry, Item, Tool


def item_fields(item: Item) -> dict[str, str | None]:
    """The catalog fields of an item, by ITEM_FIELDS name."""
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
    """How messages name an item: its accession number (or #id), and title."""
    return f"{item.accession or '#' + str(item.id)}" + (f" ({item.title})" if item.title else "")


def tool_label(tool: Tool) -> str:
    """How an AI tool is named: name, and version when it has one."""
    return f"{tool.name} {tool.version}" if tool.version else tool.name


def asset_view(asset) -> AssetView:
    """The view of an asset row."""
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
        root=asset.root,
    )


def tool_view(tool: Tool) -> ToolView:
    """The view of an AI tool row."""
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


def event_view(event: Event, tool: Tool | None = None) -> EventView:
    """The view of an event row (its tool by label). A plain row of the events table serves
    too, with its `tool` row given."""
    tool = tool if tool is not None else getattr(event, "tool", None)
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
        tool=tool_label(tool) if tool is not None else None,
        created_at=event.created_at,
    )


def disclosure_view(disclosure: Disclosure, tools: Sequence[Tool] | None = None) -> DisclosureView:
    """The view of a disclosure row (its tools by label). A plain row of the disclosures table
    serves too, with its `tools` given (a batch read has them apart)."""
    return DisclosureView(
        id=disclosure.id,
        item_id=disclosure.item_id,
        asset_id=disclosure.asset_id,
        category=disclosure.category,
        tools=tuple(tool_label(t) for t in (disclosure.tools if tools is None else tools)),
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


#: The columns of the items table `item_view` takes, in this order (store.reading selects them).
ITEM_COLUMNS: tuple[str, ...] = (
    "id",
    *ITEM_FIELDS,
    "extra",
    "capture_type",
    "created_at",
    "updated_at",
    "version",
)


def item_view(row: Sequence[Any], children: dict[str, tuple] | None = None) -> ItemView:
    """The view of a plain row of the items table (its ITEM_COLUMNS, in that order), with its
    children's views (`assets`, `disclosures`, `keywords`, `subjects`, `events`) when given
    (see store.reading, which reads them). The row is read by position: by name, a list of
    a few thousand items spent three times as long here."""
    values = dict(zip(ITEM_COLUMNS, row, strict=True))
    values["extra"] = dict(values["extra"] or {})
    values["version"] = values["version"] or 1
    if children:
        values.update(children)
    return ItemView(**values)


def subject_view(
    uri: str, scheme: str, labels: Iterable[tuple[str, str, str]], languages: tuple[str, ...]
) -> SubjectView:
    """The view of a concept as an item's subject, labelled in the first of `languages` it
    has a preferred label in (see `best_label`; `labels` are its (kind, language, label) in
    the order they were stored); its URI when it has no label at all."""
    return SubjectView(uri=uri, label=best_label(labels, languages) or uri, scheme=scheme)


def export_view(row) -> ExportRecordView:
    """The view of an export row, with its stored staleness."""
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
    """The view of a history entry (before/after decoded)."""
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


def history_state(view: Any) -> dict[str, Any]:
    """A view as the before/after value of a history entry (ids and timestamps left out)."""
    state = view.to_dict()
    for key in ("id", "created_at"):
        state.pop(key, None)
    return state
