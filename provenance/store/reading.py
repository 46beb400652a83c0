"""Reading records without the ORM: items with their children, history entries, export
records, disclosure wording and the settings, as the frozen views the facade returns.

Plain SQL on the read transaction's connection, the same on SQLite and PostgreSQL: a read-only
command (`credence items`, `show`, `history`, `labels`) then never imports the ORM models nor
configures their mappers, which cost such a command more than its own work. The connection is
SQLAlchemy's (a `Store`), or for `credence labels` on a local library a plain sqlite3 one
(`store.plain` says why): `run` executes a statement on either. The views are
built by `store.convert`, the one place that turns rows into views (ORM rows elsewhere, plain
rows of the same tables here). Finding the items a search or a filter matches is left to
`store.items` (the ORM query builder); this module turns their ids into views.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import defaultdict, namedtuple
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from provenance.domain.errors import InvalidValue, LibraryError, NotFound
from provenance.domain.fields import check_limit
from provenance.domain.roots import resolve_original
from provenance.domain.settings import Settings
from provenance.domain.text import MAX_SQLITE_INT, nfc, terminal_safe
from provenance.domain.views import (
    DisclosureView,
    ExportRecordView,
    HistoryEntryView,
    ItemView,
    ToolView,
)
from provenance.domain.wording import Wording, check_language, disclosure_wording
from provenance.store import convert

if TYPE_CHECKING:
    from sqlalchemy import Connection as AlchemyConnection

    from provenance.store.roots import StorageRoots

    #: A read transaction's connection: SQLAlchemy's (Store), or sqlite3's (plain.LocalReader).
    Connection = AlchemyConnection | sqlite3.Connection


class ReadStore(Protocol):
    """What these readers need of a store: read transactions and the storage roots. A
    `Store`, or a `plain.LocalReader` (a local library read with sqlite3 alone)."""

    roots: StorageRoots

    def reading(self) -> AbstractContextManager[Connection]:
        """The connection of a read transaction."""
        ...


#: Ids per IN (...) list: well under SQLite's limit of bound parameters.
_CHUNK = 500

#: Said when the digest differs but no recorded change explains it (as store.exports says it).
UNEXPLAINED = "what Credence would sign for this item has changed since the file was written"

_ITEM_COLUMNS = ", ".join(convert.ITEM_COLUMNS)


class Sql:
    """A statement of these readers, run on either kind of connection (see `run`): its SQL
    with `:name` parameters (`:ids` an expanding list), and its JSON columns, decoded as the
    ORM's JSON type decodes them."""

    __slots__ = ("_alchemy", "json_columns", "sql")

    def __init__(self, sql: str, *json_columns: str) -> None:
        self.sql = sql
        self.json_columns = json_columns
        self._alchemy: Any = None

    def alchemy(self) -> Any:
        """The SQLAlchemy statement (made on first use: a plain read never imports it)."""
        if self._alchemy is None:
            from sqlalchemy import JSON, bindparam, text

            stmt = text(self.sql)
            if ":ids" in self.sql:
                stmt = stmt.bindparams(bindparam("ids", expanding=True))
            if self.json_columns:
                stmt = stmt.columns(**dict.fromkeys(self.json_columns, JSON))
            self._alchemy = stmt
        return self._alchemy


def run(conn: Connection, stmt: Sql, params: dict[str, Any] | None = None) -> Iterator[Any]:
    """The rows of `stmt`, read by position or by column name, on a SQLAlchemy connection or
    a plain sqlite3 one (the same values either way: SQLAlchemy's text() converts none but
    the JSON columns)."""
    if not isinstance(conn, sqlite3.Connection):
        return iter(conn.execute(stmt.alchemy(), params or {}))
    sql, params = stmt.sql, dict(params or {})
    if "ids" in params:
        ids = params.pop("ids")
        names = [f"ids_{n}" for n in range(len(ids))]
        params.update(zip(names, ids, strict=True))
        # An empty list matches nothing, as SQLAlchemy's expanding parameter does.
        listed = ", ".join(f":{n}" for n in names) if ids else "NULL"
        sql = sql.replace(":ids", f"({listed})")
    cursor = conn.execute(sql, params)
    row_type = _row_type(tuple(d[0] for d in cursor.description))
    decoded = [n for n, name in enumerate(row_type._fields) if name in stmt.json_columns]
    if not decoded:
        return map(row_type._make, cursor)
    return (row_type._make(_decoded(row, decoded)) for row in cursor)


def _decoded(row: tuple, columns: list[int]) -> list[Any]:
    values = list(row)
    for n in columns:
        if values[n] is not None:
            values[n] = json.loads(values[n])
    return values


@functools.lru_cache(maxsize=64)  # the statements here name a few dozen column lists
def _row_type(names: tuple[str, ...]) -> Any:
    """A named tuple class for rows of these columns (made once per column list)."""
    return namedtuple("Row", names, rename=True)


def dialect(conn: Connection) -> str:
    """The database a connection reads: "sqlite" or "postgresql"."""
    return "sqlite" if isinstance(conn, sqlite3.Connection) else conn.dialect.name


_ITEMS = Sql(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id IN :ids", "extra")
_ASSETS = Sql(
    "SELECT id, item_id, path, sha256, size, format, mime, width, height, orientation, "
    "thumbnail, credential_state, credentials, imported_at, ai_found, root "
    "FROM assets WHERE item_id IN :ids ORDER BY id",
    "credentials",
)
_DISCLOSURES = Sql(
    "SELECT id, item_id, asset_id, category, purpose, extent, fields, overrides, review_state, "
    "reviewed_by, reviewed_at, approved_by, approved_at, created_at "
    "FROM disclosures WHERE item_id IN :ids ORDER BY id",
    "fields",
    "overrides",
)
_DISCLOSURE_TOOLS = Sql(
    "SELECT dt.disclosure_id, t.id, t.name, t.vendor, t.version, t.runs, t.training_data, "
    "t.retention, t.documentation FROM disclosure_tools dt JOIN ai_tools t ON t.id = dt.tool_id "
    "WHERE dt.disclosure_id IN :ids ORDER BY t.id"
)
_EVENTS = Sql(
    "SELECT e.id, e.item_id, e.action, e.actor, e.date, e.date_earliest, e.date_latest, "
    "e.place, e.source, e.note, e.created_at, t.name AS tool_name, t.version AS tool_version "
    "FROM events e LEFT JOIN ai_tools t ON t.id = e.tool_id WHERE e.item_id IN :ids"
)
_KEYWORDS = Sql("SELECT item_id, keyword FROM item_keywords WHERE item_id IN :ids ORDER BY id")
_SUBJECTS = Sql(
    "SELECT s.item_id, s.concept_id, c.uri, sc.uri AS scheme FROM item_subjects s "
    "JOIN vocab_concepts c ON c.id = s.concept_id JOIN vocab_schemes sc ON sc.id = c.scheme_id "
    "WHERE s.item_id IN :ids ORDER BY s.id"
)
_LABELS = Sql(
    "SELECT concept_id, kind, language, label FROM vocab_labels "
    "WHERE concept_id IN :ids ORDER BY id"
)
_STALE = Sql(
    "SELECT e.item_id, e.stale_since, e.stale_reason FROM exports e "
    "WHERE e.item_id IN :ids AND e.asset_id IS NOT NULL AND e.stale_since IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM exports n WHERE n.item_id = e.item_id "
    "AND n.asset_id = e.asset_id AND n.id > e.id) ORDER BY e.id"
)
_AI_FILES = Sql(
    "SELECT item_id, path FROM assets WHERE item_id IN :ids AND ai_found = :yes ORDER BY id"
)
_ID = Sql("SELECT 1 FROM items WHERE id = :id")
_BY_ACCESSION = Sql("SELECT id FROM items WHERE accession = :accession")
_COUNT = Sql("SELECT count(*) FROM items")
_TOOLS = Sql(
    "SELECT id, name, vendor, version, runs, training_data, retention, documentation "
    "FROM ai_tools ORDER BY name, version"
)
_SETTINGS = Sql("SELECT value FROM meta WHERE key = 'settings'")
_PATHS = Sql("SELECT root, path FROM assets")
_EXPORTS = Sql(
    "SELECT id, item_id, asset_id, path, sha256, manifest_id, signer_fingerprint, "
    "created_at, stale_since, stale_reason FROM exports WHERE item_id = :id "
    "ORDER BY id DESC"
)


def _scalar(rows: Iterator[Any]) -> Any:
    """The first column of the first row, None when there is none."""
    first = next(rows, None)
    return None if first is None else first[0]


def chunks(values: Sequence[int]) -> Iterator[list[int]]:
    """`values` in slices small enough for one SQL IN (...) list."""
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _rows(conn: Connection, stmt: Sql, ids: Sequence[int], **params: Any) -> Iterator[Any]:
    for chunk in chunks(ids):
        yield from run(conn, stmt, {"ids": chunk, **params})


# -- items -------------------------------------------------------------------------------------


def resolve_item_id(conn: Connection, ref: str | int) -> int:
    """The id of an item: an `int` is always its id; a string is an accession number, or `#12`
    for the item whose id is 12 (store.items.resolve_item finds the ORM row by it). Raises
    NotFound or InvalidValue with a plain sentence."""
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise InvalidValue(f"{ref!r} is neither an item id nor an accession number")
    if isinstance(ref, int):
        if 0 < ref <= MAX_SQLITE_INT and _has_id(conn, ref):
            return ref
        raise NotFound(f"there is no item with id {ref}")
    text_ref = nfc(ref.strip())
    if not text_ref:
        raise InvalidValue("no item given: write its accession number, or #ID for an item id")
    number = id_number(text_ref.removeprefix("#")) if text_ref.startswith("#") else None
    if number is not None and number <= MAX_SQLITE_INT and _has_id(conn, number):
        return number
    found = _scalar(run(conn, _BY_ACCESSION, {"accession": text_ref}))
    if found is not None:
        return found
    shown = terminal_safe(text_ref)
    if number is not None:
        raise NotFound(f"there is no item with id {number}")
    number = id_number(text_ref)
    if number is not None and number <= MAX_SQLITE_INT and _has_id(conn, number):
        raise NotFound(
            f"no item has the accession number '{shown}'; to mean the item whose id is "
            f"{number}, write #{number}"
        )
    raise NotFound(f"no item has the accession number '{shown}' (write #ID for an item id)")


def id_number(text_ref: str) -> int | None:
    """The number in an id reference ("12"), or None when it is not plain ASCII digits."""
    if text_ref.isascii() and text_ref.isdigit() and len(text_ref) <= 30:
        return int(text_ref)
    return None


def _has_id(conn: Connection, item_id: int) -> bool:
    return next(run(conn, _ID, {"id": item_id}), None) is not None


def catalog_ids(conn: Connection, limit: int | None, offset: int) -> list[int]:
    """Every item's id in catalog order (accession numbers first, then by id), a page of them
    when `limit` is given: what an unfiltered list shows."""
    sql = "SELECT id FROM items ORDER BY accession IS NULL, accession, id"
    params: dict[str, int] = {}
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    if offset:
        sql += " LIMIT -1" if limit is None and dialect(conn) == "sqlite" else ""
        sql += " OFFSET :offset"
        params["offset"] = offset
    return [row[0] for row in run(conn, Sql(sql), params)]


def count_items(store: ReadStore) -> int:
    """How many items the library holds: what an unfiltered list counts."""
    with store.reading() as conn:
        return _scalar(run(conn, _COUNT))


def list_tools(store: ReadStore) -> list[ToolView]:
    """Every registered AI tool, by name and version (the inspector fills its tool lists
    before the window's first paint)."""
    with store.reading() as conn:
        return [convert.tool_view(row) for row in run(conn, _TOOLS)]


def item_views(
    conn: Connection,
    ids: Sequence[int],
    *,
    details: bool,
    events: bool = True,
    languages: tuple[str, ...] = ("en",),
) -> list[ItemView]:
    """The views of the items `ids`, in that order (ids of no item are left out), with the
    staleness of their exports. With `details`, each carries its assets, disclosures, keywords
    and subjects (labelled in the first of `languages` a concept has a label in), and with
    `events` too its events, earliest first."""
    rows = {row.id: row for row in _rows(conn, _ITEMS, ids)}
    found = [i for i in dict.fromkeys(ids) if i in rows]
    children = _children(conn, found, events, languages) if details else {}
    stale = stale_items(conn, found)
    views = []
    for item_id in found:
        view = convert.item_view(rows[item_id], children.get(item_id))
        if item_id in stale:
            view = replace(view, stale_since=stale[item_id][0], stale_reason=stale[item_id][1])
        views.append(view)
    return views


def _children(
    conn: Connection, ids: list[int], events: bool, languages: tuple[str, ...]
) -> dict[int, dict[str, tuple]]:
    """item id -> its children's views, as `convert.item_view` takes them."""
    assets: dict[int, list] = defaultdict(list)
    for row in _rows(conn, _ASSETS, ids):
        assets[row.item_id].append(convert.asset_view(row))
    disclosure_rows = list(_rows(conn, _DISCLOSURES, ids))
    tools: dict[int, list] = defaultdict(list)
    for row in _rows(conn, _DISCLOSURE_TOOLS, [d.id for d in disclosure_rows]):
        tools[row.disclosure_id].append(row)
    disclosures: dict[int, list] = defaultdict(list)
    for row in disclosure_rows:
        disclosures[row.item_id].append(convert.disclosure_view(row, tools[row.id]))
    keywords: dict[int, list] = defaultdict(list)
    for row in _rows(conn, _KEYWORDS, ids):
        keywords[row.item_id].append(row.keyword)
    subject_rows = list(_rows(conn, _SUBJECTS, ids))
    labels: dict[int, list] = defaultdict(list)
    for row in _rows(conn, _LABELS, sorted({s.concept_id for s in subject_rows})):
        labels[row.concept_id].append((row.kind, row.language, row.label))
    subjects: dict[int, list] = defaultdict(list)
    for row in subject_rows:
        subjects[row.item_id].append(
            convert.subject_view(row.uri, row.scheme, labels[row.concept_id], languages)
        )
    timeline: dict[int, list] = defaultdict(list)
    if events:
        ordered = sorted(_rows(conn, _EVENTS, ids), key=lambda e: (e.date_earliest or "9999", e.id))
        for row in ordered:
            tool = _Tool(row.tool_name, row.tool_version) if row.tool_name is not None else None
            timeline[row.item_id].append(convert.event_view(row, tool))
    result = {}
    for item_id in ids:
        result[item_id] = {
            "assets": tuple(assets[item_id]),
            "disclosures": tuple(disclosures[item_id]),
            "keywords": tuple(keywords[item_id]),
            "subjects": tuple(subjects[item_id]),
        }
        if events:
            result[item_id]["events"] = tuple(timeline[item_id])
    return result


class _Tool:
    """An event's AI tool as `convert.tool_label` names it."""

    __slots__ = ("name", "version")

    def __init__(self, name: str, version: str | None) -> None:
        self.name, self.version = name, version


def stale_items(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """item id -> (stale since, reason) for those of `ids` whose newest export of an image no
    longer says what the record says (as the export staleness check stored it)."""
    found: dict[int, tuple[str, list[str]]] = {}
    for item_id, since, reason in _rows(conn, _STALE, ids):
        first, reasons = found.setdefault(item_id, (since, []))
        found[item_id] = (min(first, since), reasons)
        for part in (reason or UNEXPLAINED).split("; "):
            if part not in reasons:
                reasons.append(part)
    return {k: (since, "; ".join(reasons)) for k, (since, reasons) in found.items()}


def library_languages(conn: Connection) -> tuple[str, ...]:
    """The languages labels are shown in, best first: the library's language, then English."""
    language = (settings(conn).language or "en").lower()
    return tuple(dict.fromkeys((language, "en")))


def settings(conn: Connection) -> Settings:
    """The institution settings kept in `meta` (defaults for anything never set)."""
    value = _scalar(run(conn, _SETTINGS))
    return Settings() if value is None else Settings.from_dict(json.loads(value))


def read_settings(store: ReadStore) -> Settings:
    """The institution settings, in a read transaction of their own."""
    with store.reading() as conn:
        return settings(conn)


def stored_paths(store: ReadStore) -> list[tuple[str | None, str]]:
    """(storage root, stored path) of every asset: the originals a file written for the user
    must never replace."""
    with store.reading() as conn:
        return [tuple(r) for r in run(conn, _PATHS)]


def original_texts(store: ReadStore) -> list[str]:
    """Where this computer has each original of the library, as text: what an output run
    refuses to write over. A rooted original is refused where it is on this computer (a root
    not set here has no file here to protect)."""
    found = []
    for root, path in stored_paths(store):
        try:
            found.append(store.roots.original_text(root, path))
        except LibraryError:
            continue
    return found


def with_originals(store: ReadStore, views: list[ItemView]) -> list[ItemView]:
    """`views` whose assets under a storage root show where the file is on this computer."""
    if not any(a.root for v in views for a in v.assets):
        return views
    paths = store.roots.paths()

    def shown(asset):
        if asset.root is None:
            return asset
        try:
            return replace(asset, path=resolve_original(asset.root, asset.path, paths))
        except LibraryError:
            return replace(asset, root_missing=True)

    return [replace(v, assets=tuple(shown(a) for a in v.assets)) for v in views]


def get_item(store: ReadStore, ref: str | int) -> ItemView:
    """One item with its assets, events and disclosures. Raises NotFound."""
    with store.reading() as conn:
        item_id = resolve_item_id(conn, ref)
        views = item_views(conn, [item_id], details=True, languages=library_languages(conn))
    return with_originals(store, views)[0]


def list_items(
    store: ReadStore, *, limit: int | None, offset: int, details: bool
) -> list[ItemView]:
    """Every item in catalog order (a page of them with `limit` and `offset`); with
    `details`, their assets, disclosures and tags (events stay in get_item)."""
    check_limit(limit, offset)
    with store.reading() as conn:
        ids = catalog_ids(conn, limit, offset)
        languages = library_languages(conn) if details else ("en",)
        views = item_views(conn, ids, details=details, events=False, languages=languages)
    return with_originals(store, views) if details else views


def files_saying_ai(store: ReadStore, item_ids: Sequence[int]) -> dict[int, str]:
    """Item id -> the stored path of its first image (by id) whose own credentials or XMP say
    AI made or changed it; items without such an image are left out."""
    found: dict[int, str] = {}
    with store.reading() as conn:
        for item_id, path in _rows(conn, _AI_FILES, sorted(set(item_ids)), yes=True):
            found.setdefault(item_id, path)
    return found


# -- disclosure wording -------------------------------------------------------------------------


def wordings(
    store: ReadStore, ref: str | int, language: str | None = None
) -> list[tuple[DisclosureView, Wording]]:
    """Each disclosure of an item with its wording in `language` (the library's when None),
    in the order of its disclosures (by id). Raises NotFound or InvalidValue."""
    if language is not None:
        check_language(language)
    with store.reading() as conn:
        item_id = resolve_item_id(conn, ref)
        return _wordings(conn, [item_id], language)[item_id]


def wordings_of(
    store: ReadStore, item_ids: Sequence[int], language: str | None = None
) -> dict[int, list[tuple[DisclosureView, Wording]]]:
    """`wordings` of many items (by id) in one read: item id -> its disclosures, each with its
    wording, in the order `wordings` gives them; an unknown id maps to an empty list."""
    if language is not None:
        check_language(language)
    with store.reading() as conn:
        return _wordings(conn, item_ids, language)


def _wordings(
    conn: Connection, item_ids: Sequence[int], language: str | None
) -> dict[int, list[tuple[DisclosureView, Wording]]]:
    found: dict[int, list[tuple[DisclosureView, Wording]]] = {i: [] for i in item_ids}
    library = settings(conn)
    reviewer = library.reviewer_role if library.reviewer_display == "role" else None
    rows = list(_rows(conn, _DISCLOSURES, sorted(found)))
    tools: dict[int, list] = defaultdict(list)
    for row in _rows(conn, _DISCLOSURE_TOOLS, [d.id for d in rows]):
        tools[row.disclosure_id].append(row)
    # A batch names a few tools many times: each tool's view is made once.
    tool_views = {t.id: convert.tool_view(t) for named in tools.values() for t in named}
    for row in rows:
        view = convert.disclosure_view(row, tools[row.id])
        wording = disclosure_wording(
            view,
            [tool_views[t.id] for t in tools[row.id]],
            language=language or library.language,
            reviewer=reviewer,
            source_language=library.language,
        )
        found[row.item_id].append((view, wording))
    return found


# -- exports and history -----------------------------------------------------------------------


def exports_of(store: ReadStore, ref: str | int) -> list[ExportRecordView]:
    """The signed files written for an item, newest first."""
    with store.reading() as conn:
        item_id = resolve_item_id(conn, ref)
        return [convert.export_view(r) for r in run(conn, _EXPORTS, {"id": item_id})]


def history_entries(
    store: ReadStore, ref: str | int | None = None, *, limit: int | None = None
) -> list[HistoryEntryView]:
    """History entries, oldest first; for one item when `ref` is given."""
    check_limit(limit)
    with store.reading() as conn:
        sql = (
            "SELECT seq, at, actor, entity, entity_id, item_id, action, before_json, "
            "after_json, note, hash FROM history"
        )
        params: dict[str, int] = {}
        if ref is not None:
            sql += " WHERE item_id = :item"
            params["item"] = resolve_item_id(conn, ref)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = limit
        return [convert.history_view(e) for e in run(conn, Sql(sql), params)]
