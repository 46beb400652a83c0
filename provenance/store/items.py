"""Items (catalog entries): finding, creating, changing, listing and deleting them, each change
with its history entry and the search index kept in step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, exists, func, select, text
from sqlalchemy.orm import Session, selectinload

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.fields import (
    check_limit,
    checked_capture_type,
    clean_extra,
    clean_fields,
    extra_changes,
)
from provenance.domain.text import MAX_SQLITE_INT, nfc, terminal_safe
from provenance.domain.views import (
    REVIEW_STATES,
    CaptureTypeReport,
    ExportRecordView,
    ItemView,
    SearchFilters,
)
from provenance.store import convert
from provenance.store.exports import needs_reexport, stale_items
from provenance.store.history import Change
from provenance.store.models import Asset, Disclosure, Export, Item
from provenance.store.search import MATCHING_IDS_SQL, match_expression
from provenance.store.store import Store


def resolve_item(session: Session, ref: str | int) -> Item:
    """Find an item: an `int` is always its id; a string is an accession number, or `#12` for
    the item whose id is 12.

    Ids and accession numbers are kept apart on purpose: in a collection numbered 1, 2, 3 the
    item with id 5 and the item with accession number "5" are usually different items.
    """
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise InvalidValue(f"{ref!r} is neither an item id nor an accession number")
    if isinstance(ref, int):
        item = session.get(Item, ref) if 0 < ref <= MAX_SQLITE_INT else None
        if item is None:
            raise NotFound(f"there is no item with id {ref}")
        return item
    text_ref = nfc(ref.strip())
    if not text_ref:
        raise InvalidValue("no item given: write its accession number, or #ID for an item id")
    number = _id_number(text_ref.removeprefix("#")) if text_ref.startswith("#") else None
    if number is not None:
        item = session.get(Item, number) if number <= MAX_SQLITE_INT else None
        if item is not None:
            return item
    item = session.scalar(select(Item).where(Item.accession == text_ref))
    if item is not None:
        return item
    shown = terminal_safe(text_ref)
    if number is not None:
        raise NotFound(f"there is no item with id {number}")
    number = _id_number(text_ref)
    if number is not None and number <= MAX_SQLITE_INT and session.get(Item, number):
        raise NotFound(
            f"no item has the accession number '{shown}'; to mean the item whose id is "
            f"{number}, write #{number}"
        )
    raise NotFound(f"no item has the accession number '{shown}' (write #ID for an item id)")


def _id_number(text_ref: str) -> int | None:
    """The number in an id reference ("12"), or None when it is not plain ASCII digits."""
    if text_ref.isascii() and text_ref.isdigit() and len(text_ref) <= 30:
        return int(text_ref)
    return None


def check_accession_free(session: Session, accession: str, own_id: int | None = None) -> None:
    """Refuse an accession number another item already has."""
    other = session.scalar(select(Item.id).where(Item.accession == accession))
    if other is not None and other != own_id:
        raise InvalidValue(f"accession number {accession!r} is already used by item #{other}")


def item_changes(
    item: Item, values: dict[str, Any], extra: dict[str, str | None]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """What setting catalog `values` and `extra` fields changes in `item` (nothing is set).

    Returns (before, after) as recorded in history (extra fields as ``extra.<name>``), and the
    item's new extra dict.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in values.items():
        if getattr(item, name) != value:
            before[name], after[name] = getattr(item, name), value
    extra_before, extra_after, new_extra = extra_changes(dict(item.extra or {}), extra)
    before.update(extra_before)
    after.update(extra_after)
    return before, after, new_extra


def create_item(store: Store, fields: dict[str, Any], extra: dict[str, str] | None) -> int:
    """Create a catalog entry; returns its id."""
    values = clean_fields(fields)
    with store.write() as (session, history):
        if values.get("accession"):
            check_accession_free(session, values["accession"])
        stamp = now()
        item = Item(
            **values,
            extra=clean_extra(dict(extra or {})),
            created_at=stamp,
            updated_at=stamp,
        )
        session.add(item)
        session.flush()
        store.search_index.index(session, [item.id])
        history.record(
            Change.for_item(
                item_id=item.id,
                action="create",
                after=convert.item_state(item),
            )
        )
    return item.id


def update_item(
    store: Store,
    ref: str | int,
    fields: dict[str, Any],
    extra: dict[str, str | None] | None,
) -> int:
    """Change catalog fields and extra fields (None removes one); returns the item's id."""
    values = clean_fields(fields)
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        accession = item_changes(item, values, {})[1].get("accession")
        if accession:  # checked before the extra fields, as a person reads the form
            check_accession_free(session, accession, item.id)
        before, after, new_extra = item_changes(item, values, clean_extra(dict(extra or {})))
        if after:
            with store.search_index.updating(session, [item.id]):
                for name in values:
                    if name in after:
                        setattr(item, name, after[name])
                item.extra = new_extra
                item.updated_at = now()
            history.record(
                Change.for_item(
                    item_id=item.id,
                    action="update",
                    before=before,
                    after=after,
                )
            )
        return item.id


def set_capture_type(
    store: Store, refs: Sequence[str | int], value: str | None
) -> CaptureTypeReport:
    """Record how the images of many items were made (None: unrecorded), in one transaction."""
    key = checked_capture_type(value)
    changed: list[str] = []
    unchanged: list[str] = []
    missing: list[str] = []
    with store.write() as (session, history):
        for ref in refs:
            try:
                item = resolve_item(session, ref)
            except NotFound:
                missing.append(str(ref))
                continue
            label = item.accession or f"#{item.id}"
            if item.capture_type == key:
                unchanged.append(label)
                continue
            before, after = {"capture_type": item.capture_type}, {"capture_type": key}
            item.capture_type = key
            item.updated_at = now()
            history.record(
                Change.for_item(
                    item_id=item.id,
                    action="update",
                    before=before,
                    after=after,
                )
            )
            changed.append(label)
    return CaptureTypeReport(tuple(changed), tuple(unchanged), tuple(missing), key)


def delete_item(store: Store, ref: str | int) -> None:
    """Remove an item and its records; the history keeps its last state."""
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        state = convert.item_state(item)
        state["assets"] = [a.path for a in item.assets]
        item_id = item.id
        store.search_index.unindex(session, [item_id])
        session.delete(item)
        history.record(Change.for_item(item_id=item_id, action="delete", before=state))


def get_item(store: Store, ref: str | int) -> ItemView:
    """One item with its assets, events and disclosures. Raises NotFound."""
    with store.read() as session:
        item = resolve_item(session, ref)
        return with_staleness(session, [convert.item_view(item, details=True)])[0]


def exports_of(store: Store, ref: str | int) -> list[ExportRecordView]:
    """The signed files written for an item, newest first."""
    with store.read() as session:
        item = resolve_item(session, ref)
        rows = session.scalars(
            select(Export).where(Export.item_id == item.id).order_by(Export.id.desc())
        )
        return [convert.export_view(r) for r in rows]


def count_items(store: Store, search: str | None, filters: SearchFilters) -> int:
    """How many items match."""
    with store.read() as session:
        stmt = select_items(search, filters)
        if stmt is None:
            return 0
        counted = stmt.order_by(None).with_only_columns(func.count(Item.id))
        return session.scalar(counted) or 0


def list_items(
    store: Store,
    search: str | None,
    filters: SearchFilters,
    *,
    limit: int | None,
    offset: int,
    details: bool,
) -> list[ItemView]:
    """Items matching `search` and `filters` (see Library.list_items)."""
    check_limit(limit, offset)
    with store.read() as session:
        stmt = select_items(search, filters)
        if stmt is None:
            return []
        if limit is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        if details:
            stmt = stmt.options(
                selectinload(Item.assets),
                selectinload(Item.disclosures).selectinload(Disclosure.tools),
            )
        items = session.scalars(stmt).all()
        views = [convert.item_view(i, details=details, events=False) for i in items]
        return with_staleness(session, views)


def select_items(search: str | None, filters: SearchFilters) -> Select | None:
    """The query for items matching the full-text `search` and `filters` (None: no match
    is possible), best match first; without a search, in catalog order."""
    stmt = select(Item)
    if search and search.strip():
        match = match_expression(search)
        if match is None:
            return None
        ranked = (
            text(MATCHING_IDS_SQL)
            .bindparams(match=match)
            .columns(rowid=Item.id.type)
            .subquery("ranked")
        )
        stmt = stmt.join(ranked, ranked.c.rowid == Item.id)
    else:
        stmt = stmt.order_by(Item.accession.is_(None), Item.accession, Item.id)
    if filters.has_ai is not None:
        # AI involved: a recorded disclosure, or a file whose own credentials/XMP say AI.
        disclosed = exists().where(Disclosure.item_id == Item.id, Disclosure.category != "none")
        found = exists().where(Asset.item_id == Item.id, Asset.ai_found.is_(True))
        ai = disclosed | found
        stmt = stmt.where(ai if filters.has_ai else ~ai)
    if filters.review_state:
        if filters.review_state not in REVIEW_STATES:
            raise InvalidValue(
                f"review state {filters.review_state!r}; use one of {', '.join(REVIEW_STATES)}"
            )
        stmt = stmt.where(
            exists().where(
                Disclosure.item_id == Item.id,
                Disclosure.category != "none",
                Disclosure.review_state == filters.review_state,
            )
        )
    if filters.credential_state:
        stmt = stmt.where(
            exists().where(
                Asset.item_id == Item.id, Asset.credential_state == filters.credential_state
            )
        )
    if filters.not_exported:
        stmt = stmt.where(
            exists().where(Asset.item_id == Item.id),
            ~exists().where(Export.item_id == Item.id),
        )
    if filters.stale:
        stmt = stmt.where(needs_reexport())
    return stmt


def with_staleness(session: Session, views: list[ItemView]) -> list[ItemView]:
    """`views` with the staleness of their exports filled in (one query)."""
    stale = stale_items(session, [v.id for v in views])
    if not stale:
        return views
    return [
        replace(v, stale_since=stale[v.id][0], stale_reason=stale[v.id][1]) if v.id in stale else v
        for v in views
    ]
