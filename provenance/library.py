"""The Library facade: the one door through which the window and the command line reach the core.

Every public method is synchronous, uses one session per call and returns frozen views.
Writes take the database's write lock up front (BEGIN IMMEDIATE), record their history entries
in the same transaction, and keep the search index in step.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, exists, func, select, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, selectinload

from provenance import convert, identity, staleness
from provenance.categories import capture_type as _capture_type
from provenance.categories import category
from provenance.clock import now
from provenance.credentials import read_credentials
from provenance.dates import parse_event_date
from provenance.db.engine import backup_database, make_engines, migrate
from provenance.db.models import (
    Asset,
    Disclosure,
    Event,
    Export,
    HistoryEntry,
    Item,
    Meta,
    Tool,
)
from provenance.errors import InvalidValue, LibraryError, NotFound
from provenance.export import SigningKey, clean_stale_temporaries, run_jobs
from provenance.export_plan import change_intents, load_items, plan_export
from provenance.history import Change, HistoryWriter, read_head, verify_chain
from provenance.naming import parse_pattern
from provenance.output import OutputRefused, OutputRun
from provenance.probe import RejectedFile, file_kind, probe_file, render_preview
from provenance.progress import CancelToken, Progress
from provenance.search import MATCHING_IDS_SQL, SearchIndex, match_expression
from provenance.settings import Settings, changed_settings, load_settings, store_settings
from provenance.text import (
    MAX_SQLITE_INT,
    check_key,
    clean_text,
    file_path,
    library_url_problem,
    nfc,
    path_text,
    terminal_safe,
)
from provenance.views import (
    BULK_FIELDS,
    ITEM_FIELDS,
    REVIEW_STATES,
    TOOL_RUNS,
    CaptureTypeReport,
    CatalogImportReport,
    DisclosureView,
    EventView,
    ExportedFile,
    ExportProblem,
    ExportRecordView,
    ExportReport,
    FieldChange,
    HistoryEntryView,
    HistoryVerification,
    ImportReport,
    ItemsUpdateReport,
    ItemView,
    ToolView,
)
from provenance.wording import Wording, available_languages, disclosure_wording

DB_NAME = "library.sqlite"


def default_actor() -> str:
    """Who is working: CREDENCE_USER, else the operating-system account name."""
    name = os.environ.get("CREDENCE_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


@dataclass(frozen=True)
class SearchFilters:
    """Filters combined with the full-text query (all optional)."""

    has_ai: bool | None = None
    review_state: str | None = None
    credential_state: str | None = None
    not_exported: bool = False
    #: Items with an image whose newest export no longer says what the record says.
    stale: bool = False
    #: Part of the maker's name (any case).
    maker: str | None = None
    #: An EDTF date range (either end may be missing): items whose own date falls in it, by
    #: year, or with a provenance event whose earliest..latest days overlap it.
    date_from: str | None = None
    date_to: str | None = None


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
    own = [year.op("GLOB")("[0-9][0-9][0-9][0-9x]")]
    overlap = [Event.item_id == Item.id]
    if first is not None:
        own.append(func.replace(year, "x", "9") >= first[:4])
        overlap.append(Event.date_latest >= first)
    if last is not None:
        own.append(func.replace(year, "x", "0") <= last[:4])
        overlap.append(Event.date_earliest <= last)
    return and_(*own) | exists().where(*overlap)


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


def open_library(
    path: str | os.PathLike[str], *, actor: str | None = None, create: bool = True
) -> Library:
    """Open the library folder at `path`, creating it if needed (unless `create` is False).

    A URL (``postgresql://...``) is refused with a plain reason, before anything is created.

    An existing database whose schema is older than this version is backed up under
    `backups/` and then migrated. Raises LibraryError with a plain reason on failure.
    """
    problem = library_url_problem(path)
    if problem:
        raise LibraryError(problem)
    folder = Path(path).expanduser()
    if not create and not (folder / DB_NAME).is_file():
        raise LibraryError(f"there is no library at {folder}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cache" / "thumbnails").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"cannot create the library folder {folder}: {exc.strerror}") from exc
    if not os.access(folder, os.W_OK):
        raise LibraryError(f"the library folder {folder} is read-only; choose a writable folder")
    db_path = folder / DB_NAME
    reader, writer = make_engines(db_path)
    try:
        migrate(writer, db_path, folder / "backups")
        library = Library(folder, reader, writer, actor or default_actor())
        library._ensure_identity()
    except DatabaseError as exc:
        reader.dispose()
        writer.dispose()
        if is_damage(exc):
            raise LibraryError(damage_message(folder, exc.orig)) from exc
        raise LibraryError(f"cannot open {db_path}: {exc.orig}") from exc
    return library


def is_damage(exc: DatabaseError) -> bool:
    """True when SQLite says the database file itself is damaged (not busy, not full)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
    text = str(exc.orig).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def damage_message(folder: Path, detail: object) -> str:
    """The plain sentence for a damaged database: which file, that nothing more was written,
    and where the copies are."""
    return (
        f"the library database {folder / DB_NAME} is damaged (SQLite: {detail}); "
        "Credence will not write into it. Restore your latest copy made with "
        f"`credence backup`, or the newest copy in {folder / 'backups'} (made before "
        "upgrades), and keep the damaged file for inspection"
    )


class Library:
    """A local collection library: items, assets, events, AI tools, disclosures and history."""

    def __init__(self, folder: Path, reader, writer, actor: str) -> None:
        self.folder = folder
        self.actor = actor
        self._reader = reader
        self._writer = writer
        self.search_index = SearchIndex()
        # Checked with SQLite's quick_check before the first write; a damaged database found
        # then or later is never written to again by this Library.
        self._damage: str | None = None
        self._checked = False

    # -- plumbing -------------------------------------------------------------------------

    @property
    def thumbnails_dir(self) -> Path:
        return self.folder / "cache" / "thumbnails"

    def close(self) -> None:
        """Release database connections."""
        self._reader.dispose()
        self._writer.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with Session(self._reader) as session, session.begin():
                yield session
        except DatabaseError as exc:
            if not is_damage(exc):
                raise
            self._damage = str(exc.orig)
            raise LibraryError(damage_message(self.folder, exc.orig)) from exc

    @contextmanager
    def _write(self) -> Iterator[tuple[Session, HistoryWriter]]:
        self._check_sound()
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                history = HistoryWriter(session, self.actor, now())
                yield session, history
                history.flush()
                # Every change passes here: exports whose signed record it changed go stale
                # (and come back when the record returns to what they signed).
                staleness.refresh(
                    session,
                    history.touched_items,
                    bool(history.touched_entities & staleness.LIBRARY_WIDE),
                    version=_version(),
                    stamp=now(),
                )
        except OperationalError as exc:
            # The transaction was rolled back: what was stored before stays as it was.
            raise LibraryError(_write_failure(self.folder, exc)) from exc
        except DatabaseError as exc:
            if not is_damage(exc):
                raise
            self._damage = str(exc.orig)
            raise LibraryError(damage_message(self.folder, exc.orig)) from exc

    def integrity_problem(self) -> str | None:
        """SQLite's quick_check of the database file: None when sound, else its first finding."""
        try:
            # On the reader: a read transaction, so other writers are not held up meanwhile.
            with self._reader.connect() as conn:
                rows = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
        except OperationalError as exc:
            raise LibraryError(_write_failure(self.folder, exc)) from exc
        except DatabaseError as exc:
            if not is_damage(exc):
                raise
            return str(exc.orig)
        findings = [str(r[0]) for r in rows if r[0] != "ok"]
        return findings[0] if findings else None

    def _check_sound(self) -> None:
        # Once per Library, before its first write (about 0.15 s for 200,000 items): writing
        # into a damaged file spreads the damage and buries the good copy in the backups.
        if not self._checked and self._damage is None:
            self._damage = self.integrity_problem()
            self._checked = True
        if self._damage is not None:
            raise LibraryError(damage_message(self.folder, self._damage))

    def _ensure_identity(self) -> None:
        # A short random id names this library in exported catalog rows (credence_id), so a
        # CSV from another library can never be mistaken for ours on re-import.
        with Session(self._writer) as session, session.begin():
            if session.get(Meta, "library_id") is None:
                session.add(Meta(key="library_id", value=uuid.uuid4().hex[:8]))

    def _item(self, session: Session, ref: str | int) -> Item:
        return resolve_item(session, ref)

    # -- items ----------------------------------------------------------------------------

    def create_item(self, fields: dict[str, Any], extra: dict[str, str] | None = None) -> ItemView:
        """Create a catalog entry. Field names are those of ITEM_FIELDS, plus `capture_type`
        (a key of CAPTURE_TYPES, or None for unrecorded)."""
        values = _clean_fields(fields)
        with self._write() as (session, history):
            if values.get("accession"):
                _check_accession_free(session, values["accession"])
            stamp = now()
            item = Item(
                **values,
                extra=_clean_extra(dict(extra or {})),
                created_at=stamp,
                updated_at=stamp,
            )
            session.add(item)
            session.flush()
            self.search_index.index(session, [item.id])
            history.record(
                Change("item", item.id, item.id, "create", None, convert.item_state(item))
            )
        return self.get_item(item.id)

    def update_item(
        self, ref: str | int, fields: dict[str, Any], extra: dict[str, str | None] | None = None
    ) -> ItemView:
        """Change catalog fields (and extra fields; None removes one). Records only what changed.

        `capture_type` is set like a field: a key of CAPTURE_TYPES, or None for unrecorded.
        """
        values = _clean_fields(fields)
        with self._write() as (session, history):
            item = self._item(session, ref)
            before, after = {}, {}
            for name, value in values.items():
                if getattr(item, name) != value:
                    if name == "accession" and value:
                        _check_accession_free(session, value, item.id)
                    before[name], after[name] = getattr(item, name), value
            new_extra = dict(item.extra or {})
            for key, value in _clean_extra(dict(extra or {})).items():
                if new_extra.get(key) != value:
                    before[f"extra.{key}"], after[f"extra.{key}"] = new_extra.get(key), value
                    if value is None:
                        new_extra.pop(key, None)
                    else:
                        new_extra[key] = value
            if after:
                with self.search_index.updating(session, [item.id]):
                    for name in values:
                        if name in after:
                            setattr(item, name, after[name])
                    item.extra = new_extra
                    item.updated_at = now()
                history.record(Change("item", item.id, item.id, "update", before, after))
            item_id = item.id
        return self.get_item(item_id)

    def update_items(
        self, refs: Sequence[str | int], fields: dict[str, Any], *, dry_run: bool = False
    ) -> ItemsUpdateReport:
        """Give many items the same catalog field values (None or "" clears a field).

        Field names are those of BULK_FIELDS (every catalog field but the accession number,
        which names one object). One transaction; each item that changes gets one history
        entry; items already so are left alone; a reference that finds no item is reported and
        the others still change. With `dry_run` nothing is written: the report lists every
        change that would be made (item, field, before, after), for a preview.
        """
        if "accession" in fields:
            raise InvalidValue(
                "an accession number names one object: it cannot be given to many items at once"
            )
        unknown = sorted(set(fields) - set(BULK_FIELDS))
        if unknown:
            raise InvalidValue(
                f"unknown catalog field {unknown[0]!r}; fields are {', '.join(BULK_FIELDS)}"
            )
        values = _clean_fields(fields)
        if dry_run:
            with self._read() as session:
                plan = _BulkPlan(session, refs, values)
        else:
            with self._write() as (session, history):
                plan = _BulkPlan(session, refs, values)
                self._apply_bulk(session, history, plan)
        return ItemsUpdateReport(
            changes=tuple(c for _item, changes in plan.changed for c in changes),
            changed=tuple(plan.changed_labels),
            unchanged=tuple(plan.unchanged),
            not_found=tuple(plan.not_found),
            applied=not dry_run and bool(plan.changed),
        )

    def _apply_bulk(self, session: Session, history: HistoryWriter, plan: _BulkPlan) -> None:
        if not plan.changed:
            return
        count = len(plan.changed)
        note = f"bulk edit of {count} item{'' if count == 1 else 's'}"
        with self.search_index.updating(session, [item.id for item, _c in plan.changed]):
            stamp = now()
            for item, changes in plan.changed:
                before = {c.field: c.before for c in changes}
                after = {c.field: c.after for c in changes}
                for name, value in after.items():
                    setattr(item, name, value)
                item.updated_at = stamp
                history.record(Change("item", item.id, item.id, "update", before, after, note))

    def set_capture_type(self, refs: Sequence[str | int], value: str | None) -> CaptureTypeReport:
        """Record how the images of many items were made (None: unrecorded), in one step.

        Each changed item gets its own history entry; items already so recorded are left
        alone; a reference that finds no item is reported, and the others still change.
        """
        key = checked_capture_type(value)
        changed: list[str] = []
        unchanged: list[str] = []
        missing: list[str] = []
        with self._write() as (session, history):
            for ref in refs:
                try:
                    item = self._item(session, ref)
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
                history.record(Change("item", item.id, item.id, "update", before, after))
                changed.append(label)
        return CaptureTypeReport(tuple(changed), tuple(unchanged), tuple(missing), key)

    def get_item(self, ref: str | int) -> ItemView:
        """One item with its assets, events and disclosures. Raises NotFound."""
        with self._read() as session:
            item = self._item(session, ref)
            return _with_staleness(session, [convert.item_view(item, details=True)])[0]

    def preview_image(self, asset_id: int, max_side: int = 2048) -> bytes:
        """The image of asset `asset_id` as JPEG bytes for viewing (upright, sRGB, longest side
        `max_side`). Reads the original in place and never writes it. Raises NotFound for an
        unknown asset and LibraryError, with the file and the reason, when it cannot be shown."""
        with self._read() as session:
            asset = session.get(Asset, check_sqlite_int(asset_id, "asset id"))
            if asset is None:
                raise NotFound(f"no image with id {asset_id} in this library")
            path = file_path(asset.path)
        try:
            return render_preview(path, max_side)
        except RejectedFile as exc:
            raise LibraryError(f"{path.name} cannot be shown: {exc}") from None

    def count_items(self, search: str | None = None, filters: SearchFilters | None = None) -> int:
        """How many items match (all items when no search and no filters)."""
        with self._read() as session:
            stmt = self._select_items(search, filters or SearchFilters())
            if stmt is None:
                return 0
            counted = stmt.order_by(None).with_only_columns(func.count(Item.id))
            return session.scalar(counted) or 0

    def delete_item(self, ref: str | int) -> None:
        """Remove an item and its records from the library (its files stay where they are).

        The history keeps the item's last state in the deletion entry.
        """
        with self._write() as (session, history):
            item = self._item(session, ref)
            state = convert.item_state(item)
            state["assets"] = [a.path for a in item.assets]
            item_id = item.id
            self.search_index.unindex(session, [item_id])
            session.delete(item)
            history.record(Change("item", item_id, item_id, "delete", state, None))

    def exports_of(self, ref: str | int) -> list[ExportRecordView]:
        """The signed files written for an item, newest first, each saying whether it is stale
        (the record changed since it was signed)."""
        with self._read() as session:
            item = self._item(session, ref)
            rows = session.scalars(
                select(Export).where(Export.item_id == item.id).order_by(Export.id.desc())
            )
            return [convert.export_view(r) for r in rows]

    def list_items(
        self,
        search: str | None = None,
        filters: SearchFilters | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        details: bool = False,
        sort: str | None = None,
        descending: bool = False,
    ) -> list[ItemView]:
        """Items matching the full-text `search` and `filters`, best match first.

        Without a search, items come in catalog order (accession, then id). With `details`,
        each view carries its assets and disclosures (events stay in get_item). `sort` (one of
        SORT_KEYS) orders the whole result in the database, so pages stay in one order; items
        without a value come last either way.
        """
        if limit is not None and check_sqlite_int(limit, "limit") < 0:
            raise InvalidValue(f"limit {limit} is negative; give 0 or more")
        if check_sqlite_int(offset, "offset") < 0:
            raise InvalidValue(f"offset {offset} is negative; give 0 or more")
        with self._read() as session:
            stmt = self._select_items(search, filters or SearchFilters())
            if stmt is None:
                return []
            if sort is not None:
                stmt = stmt.order_by(None).order_by(*_sort_order(sort, descending))
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
            return _with_staleness(session, views)

    def _select_items(self, search: str | None, filters: SearchFilters):
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
            stmt = stmt.where(staleness.needs_reexport())
        if filters.maker and filters.maker.strip():
            stmt = stmt.where(Item.maker.icontains(filters.maker.strip(), autoescape=True))
        if (filters.date_from or "").strip() or (filters.date_to or "").strip():
            stmt = stmt.where(_in_date_range(filters.date_from, filters.date_to))
        return stmt

    # -- AI tools -------------------------------------------------------------------------

    def add_tool(
        self,
        name: str,
        vendor: str,
        version: str | None = None,
        runs: str | None = None,
        training_data: str | None = None,
        retention: str | None = None,
        documentation: str | None = None,
    ) -> ToolView:
        """Register an AI tool. (name, version) is unique."""
        name, vendor = _blank_to_none(name) or "", _blank_to_none(vendor) or ""
        if not name:
            raise InvalidValue("tool name is empty")
        if not vendor:
            raise InvalidValue(f"tool {name!r} needs a vendor (who makes it)")
        if runs is not None and runs not in TOOL_RUNS:
            raise InvalidValue(f"runs {runs!r}: use on-device or cloud")
        with self._write() as (session, history):
            clash = session.scalar(
                select(Tool).where(Tool.name == name, Tool.version.is_(version or None))
                if not version
                else select(Tool).where(Tool.name == name, Tool.version == version)
            )
            if clash is not None:
                raise InvalidValue(f"tool {convert.tool_label(clash)} is already registered")
            tool = Tool(
                name=name,
                vendor=vendor,
                version=version or None,
                runs=runs,
                training_data=training_data,
                retention=retention,
                documentation=documentation,
                created_at=now(),
            )
            session.add(tool)
            session.flush()
            view = convert.tool_view(tool)
            state = view.to_dict()
            state.pop("id")
            history.record(Change("tool", tool.id, None, "create", None, state))
        return view

    def list_tools(self) -> list[ToolView]:
        with self._read() as session:
            tools = session.scalars(select(Tool).order_by(Tool.name, Tool.version))
            return [convert.tool_view(t) for t in tools]

    # -- events ---------------------------------------------------------------------------

    def add_event(
        self,
        ref: str | int,
        action: str,
        actor: str,
        *,
        date: str | None = None,
        place: str | None = None,
        source: str | None = None,
        note: str | None = None,
        tool: str | None = None,
    ) -> EventView:
        """Record one provenance event. `date` must be EDTF; `tool` names a registered AI tool."""
        action, actor = _blank_to_none(action) or "", _blank_to_none(actor) or ""
        if not action:
            raise InvalidValue("event action is empty (e.g. acquired, digitised, restored)")
        if not actor:
            raise InvalidValue("event actor is empty: name who did it")
        date_text = earliest = latest = None
        if date and date.strip():
            date_text, earliest, latest = parse_event_date(date)
        with self._write() as (session, history):
            item = self._item(session, ref)
            event = Event(
                item_id=item.id,
                action=action,
                actor=actor,
                date=date_text,
                date_earliest=earliest,
                date_latest=latest,
                place=_blank_to_none(place),
                source=_blank_to_none(source),
                note=_blank_to_none(note),
                tool=resolve_tool(session, tool) if tool else None,
                created_at=now(),
            )
            session.add(event)
            session.flush()
            view = convert.event_view(event)
            history.record(Change("event", event.id, item.id, "create", None, _state(view)))
        return view

    def remove_event(self, event_id: int) -> None:
        """Withdraw a provenance event recorded by mistake (history keeps it; undo restores)."""
        check_sqlite_int(event_id, "event")
        with self._write() as (session, history):
            event = session.get(Event, event_id)
            if event is None:
                raise NotFound(f"event {event_id} does not exist")
            state = _state(convert.event_view(event))
            item_id = event.item_id
            session.delete(event)
            history.record(Change("event", event_id, item_id, "delete", state, None))

    # -- disclosures ----------------------------------------------------------------------

    def disclose(
        self,
        ref: str | int,
        category_slug: str,
        *,
        tools: Sequence[str] = (),
        purpose: str | None = None,
        extent: str | None = None,
        fields: Sequence[str] = (),
        asset_id: int | None = None,
    ) -> DisclosureView:
        """Record what AI did to an item (or one asset, or catalog fields).

        A second disclosure of the same category for the same item and asset replaces the
        first one's statement. Any change to a statement sends it back to draft: an approval
        covers the words that were approved, not later ones.
        """
        cat = category(category_slug)
        with self._write() as (session, history):
            item = self._item(session, ref)
            for name in fields:
                if name not in ITEM_FIELDS and name not in item.extra:
                    raise InvalidValue(
                        f"field {name!r} is not a catalog field of {convert.item_label(item)}; "
                        f"use one of {', '.join(ITEM_FIELDS)} or an extra field it has"
                    )
            if asset_id is not None and not any(a.id == asset_id for a in item.assets):
                raise NotFound(f"asset {asset_id} does not belong to {convert.item_label(item)}")
            tool_rows = [resolve_tool(session, t) for t in tools]
            disclosure = session.scalar(
                select(Disclosure).where(
                    Disclosure.item_id == item.id,
                    Disclosure.category == cat.slug,
                    Disclosure.asset_id.is_(None)
                    if asset_id is None
                    else Disclosure.asset_id == asset_id,
                )
            )
            before = _state(convert.disclosure_view(disclosure)) if disclosure else None
            if disclosure is None:
                disclosure = Disclosure(
                    item_id=item.id, asset_id=asset_id, category=cat.slug, created_at=now()
                )
                session.add(disclosure)
            disclosure.purpose = _blank_to_none(purpose)
            disclosure.extent = _blank_to_none(extent)
            disclosure.fields = list(dict.fromkeys(fields))
            disclosure.tools = tool_rows
            _set_review(disclosure, "draft", None)
            session.flush()
            view = convert.disclosure_view(disclosure)
            after = _state(view)
            if before != after:
                action = "create" if before is None else "update"
                history.record(Change("disclosure", disclosure.id, item.id, action, before, after))
        return view

    def override_sentence(
        self,
        ref: str | int,
        category_slug: str,
        language: str,
        sentence: str | None,
        *,
        disclosure_id: int | None = None,
    ) -> DisclosureView:
        """Replace the generated disclosure sentence in one language (None goes back to the
        generated one). The new words need a new approval; history keeps both versions."""
        if language not in available_languages():
            raise InvalidValue(
                f"no disclosure wording in {language!r}; "
                f"available: {', '.join(available_languages())}"
            )
        with self._write() as (session, history):
            item = self._item(session, ref)
            disclosure = next(
                (
                    d
                    for d in item.disclosures
                    if d.category == category_slug and disclosure_id in (None, d.id)
                ),
                None,
            )
            if disclosure is None:
                raise NotFound(f"{convert.item_label(item)} has no {category_slug} disclosure")
            before = _state(convert.disclosure_view(disclosure))
            overrides = dict(disclosure.overrides or {})
            text = _blank_to_none(sentence)
            if text is None:
                overrides.pop(language, None)
            else:
                overrides[language] = text
            if overrides != (disclosure.overrides or {}):
                disclosure.overrides = overrides
                _set_review(disclosure, "draft", None)
                session.flush()
                history.record(
                    Change(
                        "disclosure",
                        disclosure.id,
                        item.id,
                        "update",
                        before,
                        _state(convert.disclosure_view(disclosure)),
                    )
                )
            return convert.disclosure_view(disclosure)

    def wordings(
        self, ref: str | int, language: str | None = None
    ) -> list[tuple[DisclosureView, Wording]]:
        """Each disclosure of an item with its badge, sentence and detail in `language`
        (the library's setting when None), as labels print them and exports sign them."""
        with self._read() as session:
            item = self._item(session, ref)
            settings = load_settings(session)
            reviewer = settings.reviewer_role if settings.reviewer_display == "role" else None
            result = []
            for disclosure in item.disclosures:
                view = convert.disclosure_view(disclosure)
                tools = [convert.tool_view(t) for t in disclosure.tools]
                wording = disclosure_wording(
                    view, tools, language=language or settings.language, reviewer=reviewer
                )
                result.append((view, wording))
            return result

    def review(
        self, ref: str | int, state: str, by: str, *, disclosure_id: int | None = None
    ) -> list[DisclosureView]:
        """Move an item's disclosures (or one of them) to `state`, by a named person."""
        if state not in REVIEW_STATES:
            raise InvalidValue(f"review state {state!r}; use one of {', '.join(REVIEW_STATES)}")
        by = (by or "").strip()
        if state != "draft" and not by:
            raise InvalidValue("a review needs the name of the person who reviewed it")
        with self._write() as (session, history):
            item = self._item(session, ref)
            targets = [
                d for d in item.disclosures if disclosure_id is None or d.id == disclosure_id
            ]
            if not targets:
                what = f"disclosure {disclosure_id}" if disclosure_id else "any disclosure"
                raise NotFound(f"{convert.item_label(item)} has no {what} to review")
            views = []
            for disclosure in targets:
                before = _state(convert.disclosure_view(disclosure))
                _set_review(disclosure, state, by)
                view = convert.disclosure_view(disclosure)
                if _state(view) != before:
                    history.record(
                        Change("disclosure", disclosure.id, item.id, "review", before, _state(view))
                    )
                views.append(view)
        return views

    # -- history --------------------------------------------------------------------------

    def history(
        self, ref: str | int | None = None, *, limit: int | None = None
    ) -> list[HistoryEntryView]:
        """History entries, oldest first; for one item when `ref` is given."""
        if limit is not None and check_sqlite_int(limit, "limit") < 0:
            raise InvalidValue(f"limit {limit} is negative; give 0 or more")
        with self._read() as session:
            stmt = select(HistoryEntry).order_by(HistoryEntry.seq)
            if ref is not None:
                stmt = stmt.where(HistoryEntry.item_id == self._item(session, ref).id)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [convert.history_view(e) for e in session.scalars(stmt)]

    def history_head(self) -> int:
        """The sequence number of the newest history entry (0 for an empty history)."""
        with self._read() as session:
            return read_head(session)[0]

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the library to a new folder inside `dest`, consistently, while it is in use.

        The database goes through SQLite's online backup API (so changes still in the
        write-ahead log are included); the identity folder (the key stays encrypted) is copied
        as is. Thumbnails are left out: they are rebuilt. Returns the new folder.
        """
        stamp = now().replace(":", "").replace("-", "").replace("+0000", "Z")
        folder = Path(dest).expanduser()
        target = folder / f"{self.folder.name}-backup-{stamp}"
        run = self.output_run()
        if run.inside_library(folder):
            raise OutputRefused(
                f"{folder} {run.library_place(folder)}; a backup kept there is "
                "lost with the library. Choose a folder outside it (another disk is best)"
            )
        run.claim(target)
        try:
            target.mkdir(parents=True, exist_ok=False)
            backup_database(self.folder / DB_NAME, target, "copy").replace(target / DB_NAME)
            if self.identity_dir.is_dir():
                shutil.copytree(self.identity_dir, target / "identity")
        except OSError as exc:
            raise LibraryError(f"cannot write the backup to {target}: {exc.strerror}") from exc
        return target

    def verify_history(
        self, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> HistoryVerification:
        """Check the database file (SQLite's quick_check), then the whole hash chain.

        Damage to the file is reported as damage (`damaged` is True), not as tampering; an
        intact file with a broken chain names the first broken entry.
        """
        problem = self.integrity_problem()
        if problem is None:
            try:
                with self._read() as session:
                    return verify_chain(session, progress, cancel)
            except LibraryError:
                if self._damage is None:
                    raise
                problem = self._damage
        self._damage = problem
        return HistoryVerification(
            False, 0, None, damage_message(self.folder, problem), damaged=True
        )

    def revert(self, seq: int) -> HistoryEntryView:
        """Undo the change recorded in history entry `seq`, as a new entry (never a deletion).

        Item and disclosure updates get their earlier values back; a created event is removed.
        """
        check_sqlite_int(seq, "history entry")
        with self._write() as (session, history):
            entry = session.get(HistoryEntry, seq)
            if entry is None:
                raise NotFound(f"history entry {seq} does not exist")
            touched = [entry.entity_id] if entry.entity == "item" and entry.entity_id else []
            with self.search_index.updating(session, touched):
                change = convert.revert_change(session, entry)
            if change is None:
                raise InvalidValue(
                    f"history entry {seq} ({entry.entity} {entry.action}) cannot be undone"
                )
            history.record(change)
            history.flush()
            last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq.desc())).first()
            return convert.history_view(last)

    # -- import ---------------------------------------------------------------------------

    def import_files(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        item: str | int | None = None,
        capture_type: str | None = None,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> ImportReport:
        """Import image files and folders (recursively). See provenance.file_import.

        `capture_type` is recorded on the items this import creates (default: the
        institution's `capture_type_default` setting; empty means unrecorded).
        """
        target = None
        with self._read() as session:
            if item is not None:
                target = self._item(session, item).id
            if capture_type is None:
                capture_type = load_settings(session).capture_type_default or None
        default_capture = checked_capture_type(capture_type)
        from provenance import file_import  # loaded when first used: most commands never do

        return file_import.run(
            self, [Path(p) for p in paths], target, progress, cancel, capture_type=default_capture
        )

    def import_catalog(
        self,
        path: str | os.PathLike[str],
        *,
        mapping: dict[str, str] | None = None,
        key: str | None = None,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> CatalogImportReport:
        """Import a catalog CSV or JSON array. See provenance.catalog_import."""
        from provenance import catalog_import

        return catalog_import.run(self, Path(path), mapping or {}, key, progress, cancel)

    def export_catalog(self, path: str | os.PathLike[str]) -> int:
        """Write the catalog as a guarded CSV that re-imports to no change. Returns row count."""
        with self._read() as session:
            from provenance import catalog_import

            return catalog_import.export_csv(session, Path(path), output=self.output_run())

    def verify_file(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Read and check the Content Credentials of one file (the `verify` JSON shape).

        Returns file, credentials (none / trusted / valid / invalid / error), codes,
        ingredient_problems, digital_source_types, signer and a plain summary. Signers under
        this library's trust anchors read as trusted.
        """
        shown, label = _verify(path, identity.trust_anchors_pem(self.identity_dir))
        if shown["credentials"] != "error":
            record = self._export_record(file_path(str(path)), label)
            if record is not None:  # a file this library signed: does it still match the record?
                shown["record"] = record
        return shown

    def _export_record(self, path: Path, manifest_label: str | None) -> dict[str, Any] | None:
        """The export this library recorded for `path` (same SHA-256, else the same manifest
        id), checked against the record as it is now; None for a file it does not know."""
        try:
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            digest = None
        with self._read() as session:
            row = None
            if digest is not None:
                row = session.scalars(
                    select(Export).where(Export.sha256 == digest).order_by(Export.id.desc())
                ).first()
            if row is None and manifest_label:
                row = session.scalars(
                    select(Export)
                    .where(Export.manifest_id == manifest_label)
                    .order_by(Export.id.desc())
                ).first()
            if row is None:
                return None
            found = staleness.check_export(session, row, version=_version())
            item = session.get(Item, row.item_id)
            label = convert.item_label(item) if item is not None else f"#{row.item_id}"
            return {
                "export": row.id,
                "item": label,
                "item_id": row.item_id,
                "exported_at": row.created_at,
                "stale": found.stale,
                "reason": found.reason,
            }

    # -- settings, identity, export -----------------------------------------------------------

    @property
    def identity_dir(self) -> Path:
        """Where the signing identity lives (keys encrypted at rest, mode 0600)."""
        return self.folder / "identity"

    def identity_info(self):
        """The signing identity's certificate facts (no passphrase needed), or None."""
        return identity.load_info(self.identity_dir)

    def create_identity(
        self, organisation: str, passphrase: str, *, algorithm: str = "ES256", replace=False
    ):
        """Generate the institution's root CA and signing certificate (key encrypted at rest)."""
        info = identity.create_identity(
            self.identity_dir, organisation, passphrase, algorithm=algorithm, replace=replace
        )
        self._record_identity("create", info)
        return info

    def import_identity(
        self,
        passphrase: str,
        *,
        cert_chain_pem: bytes | None = None,
        key_pem: bytes | None = None,
        key_passphrase: str | None = None,
        pkcs12: bytes | None = None,
        pkcs12_password: str | None = None,
        replace: bool = False,
    ):
        """Adopt a certificate bought from a CA (PEM chain + key, or PKCS#12)."""
        if pkcs12 is not None:
            info = identity.import_pkcs12(
                self.identity_dir,
                pkcs12,
                p12_password=pkcs12_password,
                passphrase=passphrase,
                replace=replace,
            )
        else:
            if cert_chain_pem is None or key_pem is None:
                raise InvalidValue("give both the certificate chain and its private key")
            info = identity.import_identity(
                self.identity_dir,
                cert_chain_pem,
                key_pem,
                key_passphrase=key_passphrase,
                passphrase=passphrase,
                replace=replace,
            )
        self._record_identity("import", info)
        return info

    def export_trust_bundle(self, dest: str | os.PathLike[str]) -> Path:
        """Write the CA certificate partners add to their readers' trust lists."""
        return identity.export_ca(self.identity_dir, Path(dest), output=self.output_run())

    def add_trust_anchor(self, pem: bytes) -> str:
        """Trust a partner's CA when verifying; returns its SHA-256 fingerprint."""
        fingerprint = identity.add_trust_anchor(self.identity_dir, pem)
        with self._write() as (_session, history):
            history.record(Change("trust", None, None, "add", None, {"ca": fingerprint}))
        return fingerprint

    def _record_identity(self, action: str, info) -> None:
        # Only public facts: never the key, never the passphrase (house rule 6).
        with self._write() as (_session, history):
            history.record(
                Change(
                    "identity",
                    None,
                    None,
                    action,
                    None,
                    {
                        "organisation": info.organisation,
                        "fingerprint": info.fingerprint,
                        "not_after": info.not_after.isoformat(),
                    },
                )
            )

    def settings(self) -> Settings:
        with self._read() as session:
            return load_settings(session)

    def update_settings(self, changes: dict[str, str]) -> Settings:
        """Change institution settings; each change is a history entry."""
        with self._write() as (session, history):
            before = load_settings(session)
            after = changed_settings(before, changes)
            if after != before:
                store_settings(session, after)
                old, new = before.to_dict(), after.to_dict()
                diff = [k for k in new if old[k] != new[k]]
                history.record(
                    Change(
                        "settings",
                        None,
                        None,
                        "update",
                        {k: old[k] for k in diff},
                        {k: new[k] for k in diff},
                    )
                )
            return after

    def export(
        self,
        items: Sequence[str | int] | None,
        out_dir: str | os.PathLike[str],
        *,
        passphrase: str,
        jobs: int | None = None,
        caption: bool = False,
        allow_unreviewed: bool = False,
        naming: str | None = None,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> ExportReport:
        """Write signed copies of the items' images (all items when `items` is None).

        Refusals (unapproved AI work, no image, unsupported format) and failures (a changed
        original, a full disk) are listed in the report; one never stops the others. An
        export that is already current (same record, file unchanged) is not written again.
        """
        if naming is not None:
            parse_pattern(naming)  # a bad pattern is refused before anything is touched
        out = Path(out_dir).expanduser()
        run = self.output_run()
        problem = self._export_folder_problem(out, run)
        if problem is not None:
            raise OutputRefused(problem)
        info = identity.load_info(self.identity_dir)
        if info is None:
            raise LibraryError(
                "there is no signing identity yet; create one with "
                "`credence identity create --org NAME` (or import your institution's)"
            )
        material = identity.load_signing_material(self.identity_dir, passphrase)
        key = SigningKey(material.chain_pem, material.key_pem, material.algorithm, info.fingerprint)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot create the export folder {out}: {exc.strerror}") from exc
        if not os.access(out, os.W_OK):
            raise LibraryError(f"the export folder {out} is read-only; choose another folder")
        clean_stale_temporaries(out)
        with self._read() as session:
            ids = None if items is None else [self._item(session, ref).id for ref in items]
            settings = load_settings(session)
            plan = plan_export(
                session,
                load_items(session, ids),
                out.resolve(),
                settings=settings,
                version=_version(),
                caption=caption,
                allow_unreviewed=allow_unreviewed,
                naming=naming or settings.export_naming,
                output=run,
            )
        exported = list(plan.current)
        failed: list[ExportProblem] = list(plan.failed)
        unrecorded: list = []
        total = len(plan.jobs)

        def record(result) -> None:
            if result.error:
                failed.append(ExportProblem(result.item_label, result.error))
            else:
                unrecorded.append(result)
                exported.append(
                    ExportedFile(
                        result.item_label,
                        result.file,
                        result.sha256,
                        result.manifest,
                        plan.notes.get(result.asset_id, ()),
                    )
                )
                # Recorded a few at a time: one transaction per file would hold the workers up.
                if len(unrecorded) >= 16:
                    self._record_exports(unrecorded, plan.digests, key.fingerprint)
                    unrecorded.clear()
            if progress is not None:
                done = len(exported) - len(plan.current) + len(failed) - len(plan.failed)
                progress(done, total, result.item_label)

        workers = jobs if jobs is not None else min(len(plan.jobs), os.cpu_count() or 1)
        intended = {job.dest: job.asset_id for job in plan.jobs}
        if intended:  # before any file moves into place: a kill cannot orphan one
            with self._write() as (session, _history):
                change_intents(session, intended)
        try:
            finished = run_jobs(
                plan.jobs,
                key,
                max(1, workers),
                record,
                lambda: cancel is not None and cancel.cancelled,
            )
        finally:
            # Files already in place are recorded even if the run stops early; a file that
            # cannot be recorded is removed, so no signed file exists without its record.
            self._record_or_remove(unrecorded, plan.digests, key.fingerprint)
            if intended:  # every file of this run is recorded now
                with self._write() as (session, _history):
                    change_intents(session, {}, intended)
        return ExportReport(tuple(exported), tuple(plan.refused), tuple(failed), not finished)

    def output_run(self) -> OutputRun:
        """A guarded output run for files written for the user (see provenance.output): it
        refuses this library's originals (by path and device+inode, links included), anything
        inside the library folder, and a second output to one name."""

        def originals() -> list[str]:
            with self._read() as session:
                return list(session.scalars(select(Asset.path)))

        return OutputRun(self.folder, originals)

    def export_folder_problem(self, folder: str | os.PathLike[str]) -> str | None:
        """Why signed copies may not be written to `folder` (a plain sentence), or None."""
        return self._export_folder_problem(Path(folder).expanduser(), self.output_run())

    def _export_folder_problem(self, out: Path, run: OutputRun) -> str | None:
        try:
            str(out).encode("utf-8")
        except UnicodeEncodeError:
            return (
                "the export folder's name is not valid text, so the exports could not be "
                "recorded; choose a folder with a plain name"
            )
        if run.inside_library(out):
            return (
                f"{out} {run.library_place(out)}; Credence never writes "
                "exports among its own files. Choose a folder outside the library for exports"
            )
        if run.folder_holds_originals(out):
            return (
                f"{out} holds imported originals, and an export there could replace one; "
                "choose another folder for the signed copies (originals are never changed)"
            )
        return None

    def _record_or_remove(self, results: list, digests: dict[int, str], fingerprint: str) -> None:
        try:
            self._record_exports(results, digests, fingerprint)
        except BaseException:
            for result in results:
                with contextlib.suppress(OSError):
                    os.unlink(result.file)
            raise

    def _record_exports(self, results: list, digests: dict[int, str], fingerprint: str) -> None:
        if not results:
            return
        with self._write() as (session, history):
            stamp = now()
            rows = [
                Export(
                    item_id=r.item_id,
                    asset_id=r.asset_id,
                    path=r.file,
                    sha256=r.sha256,
                    manifest_id=r.manifest,
                    signer_fingerprint=fingerprint,
                    record_digest=digests[r.asset_id],
                    created_at=stamp,
                )
                for r in results
            ]
            session.add_all(rows)
            session.flush()
            for r, row in zip(results, rows, strict=True):
                history.record(
                    Change(
                        "export",
                        row.id,
                        r.item_id,
                        "export",
                        None,
                        {
                            "file": r.file,
                            "sha256": r.sha256,
                            "manifest": r.manifest,
                            "signer": fingerprint,
                        },
                    )
                )

    def catalog_columns(self, path: str | os.PathLike[str]) -> tuple[list[str], dict[str, str]]:
        """A catalog file's columns and the mapping Credence would guess for them."""
        from provenance import catalog_import

        return catalog_import.columns_and_guess(Path(path))


def verify_path(
    path: str | os.PathLike[str], *, trust_anchors_pem: str | None = None
) -> dict[str, Any]:
    """Check one file's Content Credentials without a library (see Library.verify_file).

    `path` may be a stored asset path (`file_path` reads its text form). A folder, pipe or
    device is reported, never opened for reading.
    """
    return _verify(path, trust_anchors_pem)[0]


def _verify(
    path: str | os.PathLike[str], trust_anchors_pem: str | None
) -> tuple[dict[str, Any], str | None]:
    """The `verify` result for one file, and its active manifest's label (None if none)."""
    path = file_path(path) if isinstance(path, str) else Path(path)
    shown = path_text(path)
    if not path.exists():
        return _verify_result(shown, "error", summary="file not found"), None
    if not path.is_file():
        reason = f"not a regular file ({file_kind(path)})"
        return _verify_result(shown, "error", summary=reason), None
    try:
        xmp_types = probe_file(path).xmp_digital_source_types
    except RejectedFile:
        xmp_types = ()  # not an image Credence reads, but c2pa may still read it
    try:
        summary = read_credentials(
            path, trust_anchors_pem=trust_anchors_pem, xmp_digital_source_types=xmp_types
        ).to_dict()
    except RejectedFile as exc:
        return _verify_result(shown, "error", summary=str(exc)), None
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror})"
        return _verify_result(shown, "error", summary=reason), None
    result = _verify_result(
        shown,
        summary["state"],
        codes=summary["codes"],
        ingredient_problems=summary["ingredient_problems"],
        digital_source_types=summary["digital_source_types"],
        signer=summary["signer"],
        summary=summary["summary"],
    )
    return result, summary.get("manifest_label")


# -- helpers shared by the facade and its pipelines ------------------------------------------


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


def check_sqlite_int(value: int, what: str) -> int:
    """`value` if SQLite can hold it; InvalidValue naming `what` otherwise (never OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{what} must be a whole number, not {value!r}")
    if not -MAX_SQLITE_INT - 1 <= value <= MAX_SQLITE_INT:
        raise InvalidValue(f"{what} {value} is out of range (the largest is {MAX_SQLITE_INT})")
    return value


def resolve_tool(session: Session, ref: str) -> Tool:
    """Find a registered AI tool by name (newest registration) or `name version`."""
    name = ref.strip()
    tool = session.scalars(select(Tool).where(Tool.name == name).order_by(Tool.id.desc())).first()
    if tool is None:
        for candidate in session.scalars(select(Tool).where(Tool.version.is_not(None))):
            if f"{candidate.name} {candidate.version}" == name:
                return candidate
        raise NotFound(f"no AI tool named {name!r}; register it first with `credence tool add`")
    return tool


def _check_accession_free(session: Session, accession: str, own_id: int | None = None) -> None:
    other = session.scalar(select(Item.id).where(Item.accession == accession))
    if other is not None and other != own_id:
        raise InvalidValue(f"accession number {accession!r} is already used by item #{other}")


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


def _clean_fields(fields: dict[str, Any]) -> dict[str, str | None]:
    unknown = set(fields) - set(ITEM_FIELDS) - {"capture_type"}
    if unknown:
        raise InvalidValue(
            f"unknown catalog field {sorted(unknown)[0]!r}; fields are "
            f"{', '.join(ITEM_FIELDS)}, capture_type"
        )
    special = ("accession", "capture_type")
    values = {k: _blank_to_none(v) for k, v in fields.items() if k not in special}
    if "accession" in fields:
        # Checked as given, before any cleaning: an invisible character is refused, not
        # silently removed (the number on the object's label must be the one stored).
        raw = fields["accession"]
        accession = str(raw).strip() if raw is not None else ""
        try:
            values["accession"] = check_key(accession, "accession number") or None
        except ValueError as exc:
            raise InvalidValue(str(exc)) from None
    if "capture_type" in fields:
        values["capture_type"] = checked_capture_type(fields["capture_type"])
    return values


def checked_capture_type(value: Any) -> str | None:
    """A capture type key (or None), or InvalidValue naming the allowed values."""
    try:
        return _capture_type(None if value is None else str(value))
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None


def _clean_extra(extra: dict[str, str | None]) -> dict[str, str | None]:
    """Extra fields as stored: names in NFC without control characters, values cleaned."""
    cleaned: dict[str, str | None] = {}
    for key, value in extra.items():
        name = clean_text(str(key)).strip()
        if not name:
            raise InvalidValue("an extra field needs a name")
        cleaned[name] = None if value is None else clean_text(str(value))
    return cleaned


def _blank_to_none(value: Any) -> str | None:
    """Typed or imported text as stored: trimmed, NFC, no stray control characters."""
    if value is None:
        return None
    value = clean_text(str(value)).strip()
    return value or None


def _set_review(disclosure: Disclosure, state: str, by: str | None) -> None:
    stamp = now()
    if state == "draft":
        disclosure.reviewed_by = disclosure.reviewed_at = None
        disclosure.approved_by = disclosure.approved_at = None
    elif state == "reviewed":
        disclosure.reviewed_by, disclosure.reviewed_at = by, stamp
        disclosure.approved_by = disclosure.approved_at = None
    else:
        if disclosure.reviewed_by is None:
            disclosure.reviewed_by, disclosure.reviewed_at = by, stamp
        disclosure.approved_by, disclosure.approved_at = by, stamp
    disclosure.review_state = state


def _write_failure(folder: Path, exc: OperationalError) -> str:
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


def _version() -> str:
    from provenance import __version__

    return __version__


def _verify_result(path: str, state: str, **found: Any) -> dict[str, Any]:
    return {
        "file": path,
        "credentials": state,
        "codes": found.get("codes", []),
        "ingredient_problems": found.get("ingredient_problems", []),
        "digital_source_types": found.get("digital_source_types", []),
        "signer": found.get("signer"),
        "summary": found.get("summary", ""),
    }


def _with_staleness(session: Session, views: list[ItemView]) -> list[ItemView]:
    """`views` with the staleness of their exports filled in (one query)."""
    stale = staleness.stale_items(session, [v.id for v in views])
    if not stale:
        return views
    return [
        replace(v, stale_since=stale[v.id][0], stale_reason=stale[v.id][1]) if v.id in stale else v
        for v in views
    ]


def _state(view) -> dict[str, Any]:
    """A view as the before/after value of a history entry (ids and timestamps left out)."""
    state = view.to_dict()
    for key in ("id", "created_at"):
        state.pop(key, None)
    return state
