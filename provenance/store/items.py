"""Items (catalog entries): finding, creating, changing, listing and deleting them, each change
with its history entry and the search index kept in step."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, Select, and_, case, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from provenance.domain.clock import now
from provenance.domain.dates import parse_event_date
from provenance.domain.errors import InvalidValue, LibraryError, NotFound, StaleEdit
from provenance.domain.fields import (
    check_limit,
    check_sqlite_int,
    checked_capture_type,
    clean_extra,
    clean_fields,
    extra_changes,
)
from provenance.domain.progress import CancelToken
from provenance.domain.reports import CaptureTypeReport, FieldChange, ItemsUpdateReport
from provenance.domain.text import terminal_safe
from provenance.domain.views import (
    BULK_FIELDS,
    ITEM_FIELDS,
    REVIEW_STATES,
    ItemView,
    ListStart,
    SearchFilters,
)
from provenance.store import convert, reading
from provenance.store.exports import needs_reexport
from provenance.store.history import Change
from provenance.store.models import (
    Asset,
    Disclosure,
    Event,
    Export,
    HistoryEntry,
    Item,
)
from provenance.store.search import SearchIndex
from provenance.store.store import Store


def resolve_item(session: Session, ref: str | int) -> Item:
    """Find an item: an `int` is always its id; a string is an accession number, or `#12` for
    the item whose id is 12 (found as `reading.resolve_item_id` finds it, with its sentences).

    Ids and accession numbers are kept apart on purpose: in a collection numbered 1, 2, 3 the
    item with id 5 and the item with accession number "5" are usually different items.
    """
    session.flush()  # items added or renumbered in this session count, as in an ORM query
    item_id = reading.resolve_item_id(session.connection(), ref)
    item = session.get(Item, item_id)
    if item is None:  # deleted by another connection since (PostgreSQL reads committed rows)
        raise NotFound(f"there is no item with id {item_id}")
    return item


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
    expected_version: int | None = None,
) -> int:
    """Change catalog fields and extra fields (None removes one); returns the item's id.

    With `expected_version` (the version the person's form was filled from), a change made
    to the item since is never overwritten: StaleEdit names who made it and when.
    """
    values = clean_fields(fields)
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        if expected_version is not None and item.version != expected_version:
            raise stale_edit(session, item)
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


def stale_edit(session: Session, item: Item) -> StaleEdit:
    """The error for a change based on an older version of `item`: who changed it last, when."""
    last = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.item_id == item.id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).first()
    label = terminal_safe(item.accession or f"#{item.id}")
    if last is None:
        return StaleEdit(f"item {label} was changed meanwhile; reload it and try again")
    return StaleEdit(
        f"item {label} was changed by {terminal_safe(last.actor)} at {last.at}; "
        "reload it and try again (nothing was changed)"
    )


def update_items(
    store: Store, refs: Sequence[str | int], fields: dict[str, Any], *, dry_run: bool = False
) -> ItemsUpdateReport:
    """Give many items the same catalog field values (see Library.update_items)."""
    if "accession" in fields:
        raise InvalidValue(
            "an accession number names one object: it cannot be given to many items at once"
        )
    unknown = sorted(set(fields) - set(BULK_FIELDS))
    if unknown:
        raise InvalidValue(
            f"unknown catalog field {unknown[0]!r}; fields are {', '.join(BULK_FIELDS)}"
        )
    values = clean_fields(fields)
    if dry_run:
        with store.read() as session:
            plan = _BulkPlan(session, refs, values)
    else:
        with store.write() as (session, history):
            plan = _BulkPlan(session, refs, values)
            _apply_bulk(store, session, history, plan)
    return ItemsUpdateReport(
        changes=tuple(c for _item, changes in plan.changed for c in changes),
        changed=tuple(plan.changed_labels),
        unchanged=tuple(plan.unchanged),
        not_found=tuple(plan.not_found),
        applied=not dry_run and bool(plan.changed),
    )


def _apply_bulk(store: Store, session: Session, history, plan: _BulkPlan) -> None:
    if not plan.changed:
        return
    count = len(plan.changed)
    note = f"bulk edit of {count} item{'' if count == 1 else 's'}"
    with store.search_index.updating(session, [item.id for item, _c in plan.changed]):
        stamp = now()
        for item, changes in plan.changed:
            before = {c.field: c.before for c in changes}
            after = {c.field: c.after for c in changes}
            for name, value in after.items():
                setattr(item, name, value)
            item.updated_at = stamp
            history.record(
                Change.for_item(
                    item_id=item.id, action="update", before=before, after=after, note=note
                )
            )


class _BulkPlan:
    """What giving `values` to the items `refs` changes: per item, the fields that differ."""

    def __init__(self, session: Session, refs: Sequence[str | int], values: dict[str, Any]):
        # Labels are taken now: the rows expire when the transaction commits.
        self.changed: list[tuple[Item, list[FieldChange]]] = []
        self.changed_labels: list[str] = []
        self.unchanged: list[str] = []
        self.not_found: list[str] = []
        seen: set[int] = set()
        for ref in refs:
            try:
                item = resolve_item(session, ref)
            except NotFound:
                self.not_found.append(str(ref))
                continue
            if item.id in seen:  # named twice (id and accession): one change, one entry
                continue
            seen.add(item.id)
            label = convert.item_label(item)
            changes = [  # in display order, whatever order the caller named them in
                FieldChange(item.id, label, name, getattr(item, name), values[name])
                for name in ITEM_FIELDS
                if name in values and getattr(item, name) != values[name]
            ]
            short = item.accession or f"#{item.id}"
            if changes:
                self.changed.append((item, changes))
                self.changed_labels.append(short)
            else:
                self.unchanged.append(short)


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


def count_items(store: Store, search: str | None, filters: SearchFilters) -> int:
    """How many items match."""
    with store.read() as session:
        if search and search.strip() and filters == SearchFilters():
            # A plain search is counted in the full-text index alone (no join, no ranking).
            return store.search_index.count_matching(session, search) or 0
        stmt = select_items(search, filters, store.search_index)
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
    sort: str | None = None,
    descending: bool = False,
    ranked: bool | None = None,
) -> list[ItemView]:
    """Items matching `search` and `filters` (see Library.list_items)."""
    check_limit(limit, offset)
    with store.read() as session:
        stmt = _listing(
            session, store, search, filters, sort, descending, ranked, paged=limit is not None
        )
        if stmt is None:
            return []
        if limit is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        ids = list(session.scalars(stmt.with_only_columns(Item.id)))
        views = _views(session, ids, details)
    return reading.with_originals(store, views) if details else views


def list_item_ids(
    store: Store,
    search: str | None,
    filters: SearchFilters,
    *,
    sort: str | None = None,
    descending: bool = False,
    ranked: bool | None = None,
    cancel: CancelToken | None = None,
) -> array:
    """The ids of every item `list_items` would list, in its order (see Library.list_item_ids).

    The same statement with only the id column, streamed into a compact array: a million ids
    take 8 MB, and a long list is then paged by id instead of by OFFSET (each OFFSET page reads
    and sorts every row before it again).
    """
    ids = array("q")
    with store.read() as session:
        stmt = _listing(session, store, search, filters, sort, descending, ranked, paged=False)
        if stmt is None:
            return ids
        result = session.execute(
            stmt.with_only_columns(Item.id).execution_options(yield_per=10_000)
        )
        for part in result.scalars().partitions(10_000):
            if cancel is not None and cancel.cancelled:
                break  # no longer wanted: the caller drops what was read
            ids.extend(part)
    return ids


def items_by_id(store: Store, ids: Sequence[int], *, details: bool) -> list[ItemView]:
    """The items with these ids, in this order; ids no longer in the library are left out."""
    wanted = [check_sqlite_int(i, "item id") for i in ids]
    with store.read() as session:
        views = _views(session, wanted, details)
    if details:
        views = reading.with_originals(store, views)
    found = {v.id: v for v in views}
    return [found[i] for i in wanted if i in found]


def _listing(
    session: Session,
    store: Store,
    search: str | None,
    filters: SearchFilters,
    sort: str | None,
    descending: bool,
    ranked: bool | None,
    *,
    paged: bool,
) -> Select | None:
    """The ordered statement behind list_items and list_item_ids (None: nothing can match).
    `ranked`: the caller's `search_ranked` decision for this listing (None: decided here)."""
    # A page in catalog order of a common tag is found fastest item by item (see
    # tags.tag_clause); everything else by the set of matching ids.
    searching = bool(search and search.strip())
    common = bool(
        filters.tag
        and filters.tag.strip()
        and paged
        and not searching
        and sort is None
        and _tag_is_common(session, filters.tag)
    )
    # Best match first, unless the search matches too many items to rank (see search_ranked).
    if searching and sort is None and ranked is None:
        ranked = search_ranked(session, store, search, filters)
    ranked = bool(searching and sort is None and ranked)
    stmt = select_items(search, filters, store.search_index, common_tag=common, ranked=ranked)
    if stmt is not None and sort is not None:
        stmt = stmt.order_by(None).order_by(*_sort_order(sort, descending))
    return stmt


def count_items_up_to(store: Store, search: str | None, filters: SearchFilters, cap: int) -> int:
    """How many items match, counted only up to `cap` + 1: cheap however many match (see
    Library.count_items_up_to)."""
    with store.read() as session:
        return _count_up_to(session, store, search, filters, cap)


def _count_up_to(
    session: Session, store: Store, search: str | None, filters: SearchFilters, cap: int
) -> int:
    if search and search.strip() and filters == SearchFilters():
        # In the search index alone (it holds exactly one row per item), words first.
        return store.search_index.count_up_to(session, search, cap) or 0
    stmt = select_items(search, filters, store.search_index, ranked=False)
    if stmt is None:
        return 0
    found = stmt.with_only_columns(Item.id).order_by(None).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def start_listing(
    store: Store,
    search: str | None,
    filters: SearchFilters,
    *,
    limit: int,
    cap: int,
    details: bool,
    sort: str | None = None,
    descending: bool = False,
) -> ListStart:
    """The first `limit` items of a listing, its count up to `cap` + 1 and its order, in one
    read (see Library.start_listing).

    A plain search (no filter, no sort) matches the prefixes of its words at most once: the
    index gives the first page in the order added and the count up to the larger of `cap` and
    `ranked_at_most` + 1, which also decides whether to rank (see search_ranked; the index's
    `first_ids`). Ranked, the matches (few, by that rule) are read again best match first, all
    of them, which are then the whole list's ids. On a million items a prefix match of a common
    word takes tens of milliseconds to gather (FTS5 gathers every match of a prefix before its
    first row), and the window used to evaluate it three or four times before its first paint.
    Otherwise the statement is counted once, as far as the count and the decision need.
    """
    check_limit(limit, 0)
    index = store.search_index
    searching = bool(search and search.strip())
    most = max(cap, index.ranked_at_most)
    whole: Sequence[int] | None = None
    with store.read() as session:
        if searching and filters == SearchFilters() and sort is None:
            ids, found = index.first_ids(session, search or "", limit, most)
            ranked = found <= index.ranked_at_most
            if ranked and found:
                ids = index.ranked_ids(session, search or "")
                found = len(ids)  # on PostgreSQL, rows committed since the count count too
            count = min(found, cap + 1)
            # The whole list's ids, if they are all here (ranked, or no more than a page).
            whole = ids if found == len(ids) and found <= cap else None
            page = ids[:limit]
        else:
            found = _count_up_to(session, store, search, filters, most)
            count = min(found, cap + 1)
            ranked = searching and sort is None and found <= index.ranked_at_most
            stmt = _listing(session, store, search, filters, sort, descending, ranked, paged=True)
            page = []
            if stmt is not None:
                page = session.scalars(stmt.with_only_columns(Item.id).limit(limit)).all()
        views = _views(session, page, details)
    if details:
        views = reading.with_originals(store, views)
    return ListStart(tuple(views), count, bool(ranked), tuple(whole) if whole is not None else None)


def lists_item(store: Store, item_id: int, search: str | None, filters: SearchFilters) -> bool:
    """Whether `list_items` lists item `item_id` for `search` and `filters` (see
    Library.lists_item)."""
    item_id = check_sqlite_int(item_id, "item id")
    with store.read() as session:
        if search and search.strip() and filters == SearchFilters():
            return store.search_index.matches_item(session, search, item_id)
        stmt = select_items(search, filters, store.search_index, ranked=False)
        if stmt is None:
            return False
        found = stmt.with_only_columns(Item.id).order_by(None).where(Item.id == item_id)
        return bool(session.scalar(select(found.exists())))


def search_ranked_in(store: Store, search: str | None, filters: SearchFilters) -> bool:
    """`search_ranked` in a read of its own (see Library.search_ranked)."""
    with store.read() as session:
        return search_ranked(session, store, search, filters)


def search_ranked(
    session: Session, store: Store, search: str | None, filters: SearchFilters
) -> bool:
    """Whether the items matching `search` and `filters` are listed best match first: True
    unless more than `ranked_at_most` of them match (see search.RANKED_AT_MOST), counted only
    that far, so deciding stays cheap however many match. Filters count: a broad word narrowed
    to a few items by a filter is still ranked. True when nothing searchable was typed."""
    index = store.search_index
    if filters == SearchFilters():
        # The same count in the search index alone (it holds exactly one row per item).
        return index.ranks(session, search or "")
    stmt = select_items(search, filters, index, ranked=False)
    if stmt is None or not (search and search.strip()):
        return True
    cap = index.ranked_at_most
    found = stmt.with_only_columns(Item.id).order_by(None).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(found)) <= cap


def _views(session: Session, ids: Sequence[int], details: bool) -> list[ItemView]:
    """The views of the items `ids`, in that order (store.reading makes every list's views)."""
    conn = session.connection()
    languages = reading.library_languages(conn) if details else ("en",)
    return reading.item_views(conn, ids, details=details, events=False, languages=languages)


def _tag_is_common(session: Session, term: str) -> bool:
    from provenance.store.tags import tag_is_common  # tags resolves items through this module

    return tag_is_common(session, term)


def select_items(
    search: str | None,
    filters: SearchFilters,
    index: SearchIndex | None = None,
    *,
    common_tag: bool = False,
    ranked: bool = True,
) -> Select | None:
    """The query for items matching the full-text `search` and `filters` (None: no match
    is possible), best match first; without a search, in catalog order.

    `index` is the Store's search index (`store.search_index`): it decides how the database
    engine searches. None means SQLite's FTS5. `common_tag`: the tag filter's tag is common
    (see `tags.tag_clause`). `ranked` False: matches in the order they were added (see
    `search_ranked`).
    """
    stmt = select(Item)
    if search and search.strip():
        stmt = (index or SearchIndex()).matching(stmt, search, Item.id, ranked=ranked)
        if stmt is None:
            return None
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
    if filters.maker and filters.maker.strip():
        stmt = stmt.where(Item.maker.icontains(filters.maker.strip(), autoescape=True))
    if (filters.date_from or "").strip() or (filters.date_to or "").strip():
        stmt = stmt.where(_in_date_range(filters.date_from, filters.date_to))
    if filters.tag and filters.tag.strip():
        from provenance.store.tags import tag_clause  # tags resolves items through this module

        stmt = stmt.where(tag_clause(filters.tag, common=common_tag))
    return stmt


#: What `Library.list_items` can sort by (the window's columns).
SORT_KEYS = ("item", "maker", "date", "ai", "review", "credentials")


def _range_end(value: str | None, which: str) -> str | None:
    """The earliest (from) or latest (to) day an EDTF end of a date range can mean."""
    if not (value or "").strip():
        return None
    _text, earliest, latest = parse_event_date(value)
    day = earliest if which == "from" else latest
    if day is None:
        raise InvalidValue(f"date {value!r} has no {which} day to search by; give a year")
    return day


def _date_text():
    """An item's date without leading words ("about 1890" -> "1890"), lower case: what date
    ranges compare and the Date column sorts by."""
    lead = "abcdefghijklmnopqrstuvwxyz .,~?[(" + chr(39)  # "about ", "c. ", "ca. ", "[", ...
    return func.nullif(func.ltrim(func.lower(Item.date), lead), "")


def _in_date_range(date_from: str | None, date_to: str | None):
    """Items dated in the range by their own date's year, or with an event whose EDTF bounds
    overlap it. Item dates are free text ("about 1890", "189X", "1890-05"), so the year is
    read after any leading words, and a final X stands for the decade."""
    first, last = _range_end(date_from, "from"), _range_end(date_to, "to")
    year = func.substr(_date_text(), 1, 4)
    own = [_looks_like_year(year)]
    overlap = [Event.item_id == Item.id]
    if first is not None:
        own.append(func.replace(year, "x", "9") >= first[:4])
        overlap.append(Event.date_latest >= first)
    if last is not None:
        own.append(func.replace(year, "x", "0") <= last[:4])
        overlap.append(Event.date_earliest <= last)
    return and_(*own) | exists().where(*overlap)


class _looks_like_year(FunctionElement):  # noqa: N801 (a SQL function, named as one)
    """True when a text is a year: four characters, three digits and a digit or x ("189x")."""

    type = Boolean()
    inherit_cache = True


@compiles(_looks_like_year)
def _year_sqlite(element, compiler, **kw) -> str:
    # GLOB: SQLite's own pattern match, indexable and with no Python call per row.
    return f"({compiler.process(element.clauses, **kw)} GLOB '[0-9][0-9][0-9][0-9x]')"


@compiles(_looks_like_year, "postgresql")
def _year_postgresql(element, compiler, **kw) -> str:
    return f"({compiler.process(element.clauses, **kw)} ~ '^[0-9]{{3}}[0-9x]$')"


def _sort_order(key: str, descending: bool) -> list:
    """ORDER BY terms for a SORT_KEYS key; empty values last, then catalog order for ties."""
    rank_review = case(
        (Disclosure.review_state == "draft", 0),
        (Disclosure.review_state == "reviewed", 1),
        else_=2,
    )
    rank_credentials = case(
        (Asset.credential_state == "invalid", 0),
        (Asset.credential_state == "error", 1),
        (Asset.credential_state == "valid", 2),
        (Asset.credential_state == "trusted", 3),
        else_=4,
    )
    ai = Disclosure.item_id == Item.id, Disclosure.category != "none"
    value = {
        "item": func.coalesce(Item.accession, Item.title),
        "maker": func.nullif(Item.maker, ""),
        "date": _date_text(),
        "ai": select(func.min(Disclosure.category)).where(*ai).scalar_subquery(),
        "review": select(func.min(rank_review)).where(*ai).scalar_subquery(),
        "credentials": select(func.min(rank_credentials))
        .where(Asset.item_id == Item.id)
        .scalar_subquery(),
    }.get(key)
    if value is None:
        raise InvalidValue(f"cannot sort by {key!r}; use one of {', '.join(SORT_KEYS)}")
    if key in ("item", "maker"):
        value = func.lower(value)
    ordered = value.desc() if descending else value.asc()
    return [value.is_(None), ordered, Item.accession.is_(None), Item.accession, Item.id]


def preview_image(store: Store, asset_id: int, max_side: int) -> bytes:
    """JPEG bytes of an asset's original for viewing (see Library.preview_image)."""
    with store.read() as session:
        asset = session.get(Asset, check_sqlite_int(asset_id, "asset id"))
        if asset is None:
            raise NotFound(f"no image with id {asset_id} in this library")
        path = store.roots.original(asset)
    # Pillow is loaded only when an image is looked at, not by every command.
    from provenance.media.probe import RejectedFile, render_preview

    try:
        return render_preview(path, max_side)
    except RejectedFile as exc:
        raise LibraryError(f"{path.name} cannot be shown: {exc}") from None
