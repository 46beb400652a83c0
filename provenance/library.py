"""The Library facade: the one door through which the window and the command line reach the core.

Every public method is synchronous, uses one transaction per call and returns frozen views.
The facade holds no logic of its own: it opens the Store, checks nothing the rooms do not, and
delegates (items, tools, events, disclosures and undo to `store/`, imports to `importing/`,
exports and staleness to `exporting/`, the signing identity to `identity/`, verification to
`media/`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from provenance.domain.errors import InvalidValue, LibraryError, NotFound
from provenance.domain.fields import checked_capture_type
from provenance.domain.progress import CancelToken, Progress
from provenance.domain.roots import RootView
from provenance.domain.settings import Settings
from provenance.domain.text import file_path, library_url_problem, team_library_url
from provenance.domain.views import (
    DisclosureView,
    EventView,
    ExportRecordView,
    HistoryEntryView,
    ItemView,
    ListStart,
    SearchFilters,
    ToolView,
)
from provenance.domain.wording import Wording
from provenance.media.output import OutputRun
from provenance.store import reading
from provenance.store.softbindings import SoftBindingIndex
from provenance.store.store import DB_NAME, Store


class _Room:
    """A room of the store, imported when the facade first calls into it. The rooms that find
    and change records load the ORM models and configure their mappers, which costs a command
    more than its own work; reading records (store.reading) needs neither, so a read-only
    command never loads them."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(import_module(f"provenance.store.{self._module}"), name)


disclosures = _Room("disclosures")
events = _Room("events")
roots = _Room("roots")
undo = _Room("undo")
stored_items = _Room("items")
stored_settings = _Room("settings")
stored_tag_queries = _Room("tag_queries")
stored_tags = _Room("tags")
stored_tools = _Room("tools")
stored_vocabularies = _Room("vocabularies")

# Signing, identity, verification, export and check-in code (c2pa, Pillow, pyexiv2,
# cryptography) is imported by the methods that use it: a read-only command never loads it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from provenance import identity
    from provenance.domain.handoff import BagReport, IiifReport
    from provenance.domain.offline import CheckinReport, CheckoutReport, ConflictView
    from provenance.domain.reports import (
        CaptureTypeReport,
        CatalogImportReport,
        ExportReport,
        HistoryVerification,
        IdentifyResult,
        ImportReport,
        ItemsUpdateReport,
        ShippedVocabularyView,
        TagReport,
        VerificationView,
        VocabularyImportReport,
        VocabularyView,
    )
    from provenance.domain.tag_views import ConceptNode, TagCount, TagPreview, TagSuggestion
    from provenance.store.history import HistoryWriter


def default_actor() -> str:
    """Who is working: CREDENCE_USER, else the operating-system account name."""
    name = os.environ.get("CREDENCE_USER")
    if name:
        return name
    import getpass  # here: it loads termios, which a command run with CREDENCE_USER never needs

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def open_library(
    path: str | os.PathLike[str], *, actor: str | None = None, create: bool = True
) -> Library:
    """Open the library folder at `path`, creating it if needed (unless `create` is False).

    `path` may also be a team library's address, ``postgresql://user@host/database`` (or
    ``postgresql+psycopg://...``): its schema is created or upgraded on the server, and this
    workstation's own files for it (thumbnail cache, signing identity) live in a per-user
    folder (`team_library_folder`). Credentials come from the URL or from libpq
    (``~/.pgpass``, PGPASSWORD, ...); Credence never stores them. Who writes is the database
    role, so `actor` is not used there. Any other URL is refused with a plain reason, before
    anything is created.

    An existing database whose schema is older than this version is backed up under
    `backups/` and then migrated. Raises LibraryError with a plain reason on failure.
    """
    team = team_library_url(path)
    if team is not None:
        return _open_team_library(team)
    problem = library_url_problem(path)
    if problem:
        raise LibraryError(problem)
    folder = Path(path).expanduser()
    if not create and not _holds_library(folder):
        raise LibraryError(f"there is no library at {folder}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cache" / "thumbnails").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"cannot create the library folder {folder}: {exc.strerror}") from exc
    if not os.access(folder, os.W_OK):
        raise LibraryError(f"the library folder {folder} is read-only; choose a writable folder")
    # Every change passes the staleness check before it commits (see exporting.staleness).
    store = Store.open(folder, actor or default_actor(), before_commit=_mark_stale)
    return Library(store)


def _holds_library(folder: Path) -> bool:
    """Whether `folder` holds a library's database file. False when the system cannot even
    look (a name too long, ...): pathlib raises OSError for that, and opening or creating the
    library there says why in a sentence."""
    try:
        return (folder / DB_NAME).is_file()
    except OSError:
        return False


def team_library_folder(location: str) -> Path:
    """This workstation's per-user folder for the team library at `location` (a PostgreSQL
    URL): thumbnails and the signing identity, never in the database."""
    from platformdirs import user_data_dir

    from provenance.store.engine import team_folder, team_url

    base = Path(user_data_dir("Credence", appauthor=False)) / "Team libraries"
    return team_folder(team_url(location), base)


def _open_team_library(location: str) -> Library:
    folder = team_library_folder(location)
    try:
        (folder / "cache" / "thumbnails").mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # the signing identity lives here
    except OSError as exc:
        raise LibraryError(
            f"cannot create this workstation's folder for the team library, {folder}: "
            f"{exc.strerror}"
        ) from exc
    return Library(Store.open_team(location, folder, before_commit=_mark_stale))


def _mark_stale(session: Session, history: HistoryWriter) -> None:
    # Every change passes the staleness check before it commits (see exporting.staleness),
    # imported on the first write: a read-only command never loads the export planner.
    from provenance.exporting import staleness

    staleness.before_commit(_version)(session, history)


class Library:
    """A local collection library: items, assets, events, AI tools, disclosures and history."""

    def __init__(self, store: Store) -> None:
        self._store = store
        #: The library folder; for a team library, this workstation's folder for it.
        self.folder = store.folder
        self.actor = store.actor
        #: A team library on PostgreSQL (several workstations write to it).
        self.team = store.team
        #: Where the library's database is, as a person reads it (a URL without password).
        self.location = store.location if store.team else str(store.folder)
        # The soft-binding keys of the exports, read once and then only what was added.
        self._soft_bindings = SoftBindingIndex()

    # -- plumbing -------------------------------------------------------------------------

    @property
    def thumbnails_dir(self) -> Path:
        """Where import thumbnails are kept (rebuilt when missing)."""
        return self.folder / "cache" / "thumbnails"

    @property
    def identity_dir(self) -> Path:
        """Where the signing identity lives (keys encrypted at rest, mode 0600)."""
        return self.folder / "identity"

    def close(self) -> None:
        """Release database connections."""
        self._store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def integrity_problem(self) -> str | None:
        """SQLite's quick_check of the database file: None when sound, else its first finding."""
        return self._store.integrity_problem()

    def output_run(self) -> OutputRun:
        """A guarded output run for files written for the user (see provenance.media.output):
        it refuses this library's originals (by path and device+inode, links included),
        anything inside the library folder, and a second output to one name."""
        return OutputRun(self.folder, lambda: reading.original_texts(self._store))

    # -- items ----------------------------------------------------------------------------

    def create_item(self, fields: dict[str, Any], extra: dict[str, str] | None = None) -> ItemView:
        """Create a catalog entry. Field names are those of ITEM_FIELDS, plus `capture_type`
        (a key of CAPTURE_TYPES, or None for unrecorded)."""
        return self.get_item(stored_items.create_item(self._store, fields, extra))

    def update_item(
        self,
        ref: str | int,
        fields: dict[str, Any],
        extra: dict[str, str | None] | None = None,
        *,
        expected_version: int | None = None,
    ) -> ItemView:
        """Change catalog fields (and extra fields; None removes one). Records only what changed.

        `capture_type` is set like a field: a key of CAPTURE_TYPES, or None for unrecorded.
        With `expected_version` (the `version` of the ItemView the change was made from), a
        change saved meanwhile by someone else is never overwritten: StaleEdit says who made
        it and when, and nothing is changed.
        """
        item_id = stored_items.update_item(
            self._store, ref, fields, extra, expected_version=expected_version
        )
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
        return stored_items.update_items(self._store, refs, fields, dry_run=dry_run)

    def set_capture_type(self, refs: Sequence[str | int], value: str | None) -> CaptureTypeReport:
        """Record how the images of many items were made (None: unrecorded), in one step.

        Each changed item gets its own history entry; items already so recorded are left
        alone; a reference that finds no item is reported, and the others still change.
        """
        return stored_items.set_capture_type(self._store, refs, value)

    def get_item(self, ref: str | int) -> ItemView:
        """One item with its assets, events and disclosures. Raises NotFound."""
        return reading.get_item(self._store, ref)

    def count_items(self, search: str | None = None, filters: SearchFilters | None = None) -> int:
        """How many items match (all items when no search and no filters)."""
        filters = filters or SearchFilters()
        if not (search and search.strip()) and filters == SearchFilters():
            # Every item needs no query builder (nor the ORM models it loads): the window's
            # first count, before its first paint.
            return reading.count_items(self._store)
        return stored_items.count_items(self._store, search, filters)

    def delete_item(self, ref: str | int) -> None:
        """Remove an item and its records from the library (its files stay where they are).

        The history keeps the item's last state in the deletion entry.
        """
        stored_items.delete_item(self._store, ref)

    def exports_of(self, ref: str | int) -> list[ExportRecordView]:
        """The signed files written for an item, newest first, each saying whether it is stale
        (the record changed since it was signed)."""
        return reading.exports_of(self._store, ref)

    def files_saying_ai(self, item_ids: Sequence[int]) -> dict[int, str]:
        """Item id -> the path of its first image whose own credentials or XMP say AI made or
        changed it (items without one are left out), for many items in one read: labels
        refuse such an item unless a disclosure of that work is recorded."""
        return reading.files_saying_ai(self._store, item_ids)

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
        ranked: bool | None = None,
    ) -> list[ItemView]:
        """Items matching the full-text `search` and `filters`, best match first.

        When more than 10,000 items (search.RANKED_AT_MOST) match the search and the filters
        together, they come in the order they were added instead: ranking them all would take
        seconds (see `search_ranked`, which callers use to say so). `ranked` is that decision
        made once for a listing read in several calls, so its pages keep one order (None:
        decided in this call). Without a search, items come in catalog order (accession, then
        id). With `details`, each view carries its assets and disclosures (events stay in
        get_item). `sort` (one of SORT_KEYS) orders the whole result in the database, so pages
        stay in one order; items without a value come last either way.
        """
        filters = filters or SearchFilters()
        if not (search and search.strip()) and filters == SearchFilters() and sort is None:
            # Every item in catalog order needs no query builder (nor the ORM models it loads).
            return reading.list_items(self._store, limit=limit, offset=offset, details=details)
        return stored_items.list_items(
            self._store,
            search,
            filters,
            limit=limit,
            offset=offset,
            details=details,
            sort=sort,
            descending=descending,
            ranked=ranked,
        )

    def search_ranked(self, search: str | None, filters: SearchFilters | None = None) -> bool:
        """Whether `list_items` lists what matches `search` and `filters` best match first:
        False when more than 10,000 items match both (counted only that far, so it is cheap),
        which are then listed in the order they were added. True when nothing was typed."""
        if not (search and search.strip()):  # nothing to rank: no query (nor the ORM)
            return True
        return stored_items.search_ranked_in(self._store, search, filters or SearchFilters())

    def count_items_up_to(
        self, search: str | None, filters: SearchFilters | None = None, *, cap: int
    ) -> int:
        """How many items match `search` and `filters`, counted only up to `cap` + 1, so it
        stays cheap however many match: a result above `cap` means "more than `cap`" (an exact
        count of a common word in a million items takes 50–200 ms)."""
        return stored_items.count_items_up_to(self._store, search, filters or SearchFilters(), cap)

    def start_listing(
        self,
        search: str | None = None,
        filters: SearchFilters | None = None,
        *,
        limit: int,
        cap: int,
        details: bool = False,
        sort: str | None = None,
        descending: bool = False,
    ) -> ListStart:
        """What a window shows first of a listing, in one read: the first `limit` items as
        `list_items` lists them, how many match (`count_items_up_to` with `cap`), whether they
        are ranked (`search_ranked`), and the whole list's ids when they came with it. A search
        is matched once, not once for each of those (see store.items.start_listing)."""
        return stored_items.start_listing(
            self._store,
            search,
            filters or SearchFilters(),
            limit=limit,
            cap=cap,
            details=details,
            sort=sort,
            descending=descending,
        )

    def lists_item(
        self, item_id: int, search: str | None = None, filters: SearchFilters | None = None
    ) -> bool:
        """Whether `list_items` lists item `item_id` for `search` and `filters`: asked of that
        one item, cheap however many items match (a window that wants to keep its current item
        after a search reads the new list's ids only if the item is in it)."""
        return stored_items.lists_item(self._store, item_id, search, filters or SearchFilters())

    def list_item_ids(
        self,
        search: str | None = None,
        filters: SearchFilters | None = None,
        *,
        sort: str | None = None,
        descending: bool = False,
        ranked: bool | None = None,
        cancel: CancelToken | None = None,
    ) -> Sequence[int]:
        """The ids of every item `list_items` lists for the same arguments, in the same order,
        in one query: a long list is then read a page at a time with `items_by_id`, at the same
        cost at its end as at its start (an `offset` page reads every row before it again).
        `ranked`: as in `list_items`. With `cancel`, reading stops at the token's next check
        (every 10,000 ids) and returns the ids read so far, for a caller that no longer wants
        them (a window whose search changed)."""
        return stored_items.list_item_ids(
            self._store,
            search,
            filters or SearchFilters(),
            sort=sort,
            descending=descending,
            ranked=ranked,
            cancel=cancel,
        )

    def items_by_id(self, ids: Sequence[int], *, details: bool = False) -> list[ItemView]:
        """The items with these ids, in this order, as `list_items` gives them (`details`:
        assets and disclosures too); ids no longer in the library are left out."""
        return stored_items.items_by_id(self._store, ids, details=details)

    def preview_image(self, asset_id: int, max_side: int = 2048) -> bytes:
        """The image of asset `asset_id` as JPEG bytes for viewing (upright, sRGB, longest side
        `max_side`). Reads the original in place and never writes it. Raises NotFound for an
        unknown asset and LibraryError, with the file and the reason, when it cannot be shown."""
        return stored_items.preview_image(self._store, asset_id, max_side)

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
        return stored_tools.add_tool(
            self._store, name, vendor, version, runs, training_data, retention, documentation
        )

    def list_tools(self) -> list[ToolView]:
        """Every registered AI tool, by name and version."""
        return reading.list_tools(self._store)

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
        return events.add_event(
            self._store,
            ref,
            action,
            actor,
            date=date,
            place=place,
            source=source,
            note=note,
            tool=tool,
        )

    def remove_event(self, event_id: int) -> None:
        """Withdraw a provenance event recorded by mistake (history keeps it; undo restores)."""
        events.remove_event(self._store, event_id)

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
        return disclosures.disclose(
            self._store,
            ref,
            category_slug,
            tools=tools,
            purpose=purpose,
            extent=extent,
            fields=fields,
            asset_id=asset_id,
        )

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
        return disclosures.override_sentence(
            self._store, ref, category_slug, language, sentence, disclosure_id=disclosure_id
        )

    def override_purpose(
        self,
        ref: str | int,
        category_slug: str,
        language: str,
        text: str | None,
        *,
        disclosure_id: int | None = None,
    ) -> DisclosureView:
        """Record the disclosure's purpose translated into `language` (None removes it: the
        purpose then shows as typed, marked as not translated). Like an own sentence, the new
        words need a new approval; a new purpose text drops the old translations."""
        return disclosures.override_purpose(
            self._store, ref, category_slug, language, text, disclosure_id=disclosure_id
        )

    def wordings(
        self, ref: str | int, language: str | None = None
    ) -> list[tuple[DisclosureView, Wording]]:
        """Each disclosure of an item with its badge, sentence and detail in `language`
        (the library's setting when None), as labels print them and exports sign them."""
        return reading.wordings(self._store, ref, language)

    def wordings_of(
        self, item_ids: Sequence[int], language: str | None = None
    ) -> dict[int, list[tuple[DisclosureView, Wording]]]:
        """`wordings` of many items by id, read at once (a thousand labels need one read, not
        a thousand): item id -> its disclosures with their wording."""
        return reading.wordings_of(self._store, item_ids, language)

    def review(
        self, ref: str | int, state: str, by: str, *, disclosure_id: int | None = None
    ) -> list[DisclosureView]:
        """Move an item's disclosures (or one of them) to `state`, by a named person."""
        return disclosures.review(self._store, ref, state, by, disclosure_id=disclosure_id)

    # -- history --------------------------------------------------------------------------

    def history(
        self, ref: str | int | None = None, *, limit: int | None = None
    ) -> list[HistoryEntryView]:
        """History entries, oldest first; for one item when `ref` is given."""
        return reading.history_entries(self._store, ref, limit=limit)

    def history_head(self) -> int:
        """The sequence number of the newest history entry (0 for an empty history)."""
        return undo.history_head(self._store)

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the library to a new folder inside `dest`, consistently, while it is in use.

        The database goes through SQLite's online backup API (so changes still in the
        write-ahead log are included); the identity folder (the key stays encrypted) is copied
        as is. Thumbnails are left out: they are rebuilt. Returns the new folder.

        A team library is backed up on its server (pg_dump); this refuses with that advice.
        """
        if self.team:
            raise LibraryError(
                f"the team library {self.location} is kept on its database server: back it up "
                "there (pg_dump, or the server's own backups); `credence backup` copies a "
                "library folder on this computer"
            )
        from provenance.store import backup as library_backup

        return library_backup.backup(self._store, Path(dest), self.output_run(), self.identity_dir)

    def verify_history(
        self, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> HistoryVerification:
        """Check the database file (SQLite's quick_check), then the whole hash chain.

        Damage to the file is reported as damage (`damaged` is True), not as tampering; an
        intact file with a broken chain names the first broken entry.
        """
        return self._store.verify_history(progress, cancel)

    def revert(self, seq: int) -> HistoryEntryView:
        """Undo the change recorded in history entry `seq`, as a new entry (never a deletion).

        Item and disclosure updates get their earlier values back; a created event is removed.
        """
        return undo.revert(self._store, seq)

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
        """Import image files and folders (recursively). See provenance.importing.files.

        `capture_type` is recorded on the items this import creates (default: the
        institution's `capture_type_default` setting; empty means unrecorded).
        """
        target = None
        with self._store.read() as session:
            if item is not None:
                target = stored_items.resolve_item(session, item).id
            if capture_type is None:
                capture_type = stored_settings.load_settings(session).capture_type_default or None
        default_capture = checked_capture_type(capture_type)
        from provenance.importing import files  # loaded when first used: most commands never do

        return files.run(
            self._store,
            [Path(p) for p in paths],
            target,
            progress,
            cancel,
            thumbnails_dir=self.thumbnails_dir,
            capture_type=default_capture,
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
        """Import a catalog CSV or JSON array. See provenance.importing.catalog."""
        from provenance.importing import catalog

        return catalog.run(self._store, Path(path), mapping or {}, key, progress, cancel)

    # -- tags and vocabularies -----------------------------------------------------------

    def import_vocabulary(self, path: str | os.PathLike[str]) -> VocabularyImportReport:
        """Import a SKOS vocabulary (Turtle, RDF/XML, N-Triples, JSON-LD or TriG). Importing a
        newer version updates labels and links and keeps every item's subjects."""
        from provenance.importing import vocabulary

        return vocabulary.run(self._store, Path(path))

    def vocabularies(self) -> list[VocabularyView]:
        """The imported vocabularies (concept schemes) with their concept counts."""
        return stored_vocabularies.vocabularies(self._store)

    def shipped_vocabularies(self) -> list[ShippedVocabularyView]:
        """The vocabularies that ship with Credence (importable offline with
        `import_shipped_vocabulary`), each marked whether this library has imported it."""
        from provenance.domain.shipped import shipped_vocabularies

        imported = frozenset(v.uri for v in self.vocabularies())
        return shipped_vocabularies(imported)

    def import_shipped_vocabulary(self, name: str) -> VocabularyImportReport:
        """Import a vocabulary shipped with Credence by its name (see `shipped_vocabularies`);
        importing it again updates it and keeps every item's subjects."""
        from provenance.importing import vocabulary

        return vocabulary.run_shipped(self._store, name)

    def tag(
        self,
        refs: Sequence[str | int],
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        subjects: Sequence[str] = (),
        unsubjects: Sequence[str] = (),
    ) -> TagReport:
        """Add/remove keywords (any case matches) and subjects (concept URIs of imported
        vocabularies) on items, in one transaction with one history entry per item changed."""
        return stored_tags.tag_items(
            self._store, refs, add=add, remove=remove, subjects=subjects, unsubjects=unsubjects
        )

    def tag_suggestions(
        self,
        prefix: str,
        *,
        limit: int = 12,
        keywords: bool = True,
        subjects: bool = True,
        scheme: str | None = None,
    ) -> list[TagSuggestion]:
        """Completions for typed text: keywords in use (with counts, most used first), then
        concepts whose label in any language starts with it, each with its preferred label in
        the library's language, its scheme and its broader path. `scheme` (a scheme URI)
        keeps concepts to one vocabulary (and leaves keywords out)."""
        return stored_tag_queries.suggest(
            self._store, prefix, limit=limit, keywords=keywords, subjects=subjects, scheme=scheme
        )

    def concept_children(self, scheme: str, concept: str | None = None) -> list[ConceptNode]:
        """A vocabulary's tree one level at a time: the top concepts of `scheme` (a scheme
        URI), or the narrower concepts of `concept` (a concept URI), with item counts."""
        return stored_tag_queries.concept_children(self._store, scheme, concept)

    def concept(self, uri: str) -> ConceptNode:
        """One concept by its URI, labelled in the library's language. Raises NotFound."""
        return stored_tag_queries.concept_node(self._store, uri)

    def tag_counts(self, limit: int = 50) -> tuple[list[TagCount], list[TagCount]]:
        """The keywords and the subjects in use with how many items have each, most used
        first, up to `limit` of each (for the sidebar)."""
        return stored_tag_queries.tag_counts(self._store, limit)

    def tags_of(self, refs: Sequence[str | int]) -> list[TagCount]:
        """The keywords and subjects the items `refs` have, each with on how many of them."""
        return stored_tag_queries.tags_of(self._store, refs)

    def preview_tag(
        self,
        refs: Sequence[str | int],
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        subjects: Sequence[str] = (),
        unsubjects: Sequence[str] = (),
    ) -> TagPreview:
        """What `tag` with the same arguments would change (per tag, items gaining or losing
        it), without writing anything."""
        return stored_tag_queries.preview_tags(
            self._store, refs, add=add, remove=remove, subjects=subjects, unsubjects=unsubjects
        )

    def export_catalog(self, path: str | os.PathLike[str]) -> int:
        """Write the catalog as a guarded CSV that re-imports to no change. Returns row count."""
        from provenance.importing import catalog

        with self._store.read() as session:
            return catalog.export_csv(session, Path(path), output=self.output_run())

    def catalog_columns(self, path: str | os.PathLike[str]) -> tuple[list[str], dict[str, str]]:
        """A catalog file's columns and the mapping Credence would guess for them."""
        from provenance.importing import catalog

        return catalog.columns_and_guess(Path(path))

    def verify_file(self, path: str | os.PathLike[str]) -> VerificationView:
        """Read and check the Content Credentials of one file (`to_dict()` is the `verify`
        JSON shape).

        Carries file, credentials (none / trusted / valid / invalid / error), codes,
        ingredient_problems, digital_source_types, signer and a plain summary, and for a file
        this library exported, `record`: whether it still says what the record says. Signers
        under this library's trust anchors read as trusted.
        """
        from provenance import identity
        from provenance.exporting import staleness
        from provenance.media.verify import verify

        shown, label = verify(path, identity.trust_anchors_pem(self.identity_dir))
        if shown.credentials == "error":
            return shown
        record = staleness.record_check(
            self._store, file_path(str(path)), label, version=_version()
        )
        if record is None:
            if shown.credentials in ("none", "invalid", "error"):
                # No (or broken) credentials: perhaps a stripped copy of one of our exports.
                from provenance.exporting import identify as identifying

                found = identifying.looks_like(
                    self._store, path, self._organisations(), self._soft_bindings
                )
                if found:
                    return replace(shown, looks_like=found)
            return shown
        return replace(shown, record=record)

    def identify(self, path: str | os.PathLike[str]) -> IdentifyResult:
        """Which of this library's exports a file was made from, by soft binding (the ISCC
        image code of its pixels), for a copy whose credentials were stripped or broken.

        The result carries the file's own credential state and `matches`, closest first: item,
        export, similarity (1.0 = the same 64-bit image code) and what the signed export said
        (signer, date, disclosure sentences, approval). `matches` is empty when nothing is
        close; `problem` says why when the file could not be looked at.
        """
        from provenance import identity
        from provenance.exporting import identify as identifying

        return identifying.identify(
            self._store,
            path,
            trust_anchors_pem=identity.trust_anchors_pem(self.identity_dir),
            organisation=self._organisations(),
            index=self._soft_bindings,
        )

    def _organisations(self) -> dict[str, str]:
        from provenance import identity

        info = identity.load_info(self.identity_dir)
        return {info.fingerprint: info.organisation} if info is not None else {}

    # -- settings, identity, export -----------------------------------------------------------

    def identity_info(self) -> identity.IdentityInfo | None:
        """The signing identity's certificate facts (no passphrase needed), or None."""
        from provenance import identity

        return identity.load_info(self.identity_dir)

    def create_identity(
        self, organisation: str, passphrase: str, *, algorithm: str = "ES256", replace=False
    ) -> identity.IdentityInfo:
        """Generate the institution's root CA and signing certificate (key encrypted at rest)."""
        from provenance import identity

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
    ) -> identity.IdentityInfo:
        """Adopt a certificate bought from a CA (PEM chain + key, or PKCS#12)."""
        from provenance import identity

        info = identity.adopt_identity(
            self.identity_dir,
            passphrase,
            cert_chain_pem=cert_chain_pem,
            key_pem=key_pem,
            key_passphrase=key_passphrase,
            pkcs12=pkcs12,
            pkcs12_password=pkcs12_password,
            replace=replace,
        )
        self._record_identity("import", info)
        return info

    def export_trust_bundle(self, dest: str | os.PathLike[str]) -> Path:
        """Write the CA certificate partners add to their readers' trust lists."""
        from provenance import identity

        return identity.export_ca(self.identity_dir, Path(dest), output=self.output_run())

    def add_trust_anchor(self, pem: bytes) -> str:
        """Trust a partner's CA when verifying; returns its SHA-256 fingerprint."""
        from provenance import identity
        from provenance.store.history import Change

        fingerprint = identity.add_trust_anchor(self.identity_dir, pem)
        self._store.record(
            Change(
                entity="trust",
                entity_id=None,
                item_id=None,
                action="add",
                after={"ca": fingerprint},
            )
        )
        return fingerprint

    def _record_identity(self, action: str, info: identity.IdentityInfo) -> None:
        from provenance.store.history import Change

        # Only public facts: never the key, never the passphrase (house rule 7).
        self._store.record(
            Change(
                entity="identity",
                entity_id=None,
                item_id=None,
                action=action,
                after=info.public_facts(),
            )
        )

    def settings(self) -> Settings:
        """The institution's settings."""
        return reading.read_settings(self._store)

    def update_settings(self, changes: dict[str, str]) -> Settings:
        """Change institution settings; each change is a history entry."""
        return stored_settings.update_settings(self._store, changes)

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
        from provenance.exporting import run as export_run

        return export_run.export(
            self._store,
            items,
            out_dir,
            identity_dir=self.identity_dir,
            run=self.output_run(),
            version=_version(),
            passphrase=passphrase,
            jobs=jobs,
            caption=caption,
            allow_unreviewed=allow_unreviewed,
            naming=naming,
            progress=progress,
            cancel=cancel,
        )

    def export_folder_problem(self, folder: str | os.PathLike[str]) -> str | None:
        """Why signed copies may not be written to `folder` (a plain sentence), or None."""
        from provenance.exporting import run as export_run

        return export_run.folder_problem(Path(folder).expanduser(), self.output_run())

    # -- storage roots and offline work (issue 14) ------------------------------------------

    def storage_roots(self) -> list[RootView]:
        """The library's storage roots, where each is on this computer (None: not set here),
        and how many assets lie under each."""
        with self._store.read() as session:
            return roots.list_roots(session, self._store.roots)

    def add_root(self, name: str, path: str | os.PathLike[str]) -> RootView:
        """Make `name` a storage root of the library and set it to the folder `path` on this
        computer. Files imported under it are stored relative to it from now on."""
        with self._store.write() as (session, history):
            return roots.add_root(session, history, self._store.roots, name, os.fspath(path))

    def set_root(self, name: str, path: str | os.PathLike[str]) -> RootView:
        """Say where the library's storage root `name` is on this computer (moving a root is
        this one setting, not a re-import; nothing in the library changes)."""
        with self._store.read() as session:
            return roots.set_root(session, self._store.roots, name, os.fspath(path))

    def remove_root(self, name: str) -> None:
        """Remove an unused storage root from the library and from this computer."""
        with self._store.write() as (session, history):
            roots.remove_root(session, history, self._store.roots, name)

    def adopt_root(self, name: str, path: str | os.PathLike[str]) -> int:
        """Add storage root `name` at `path` and store every asset already imported from
        under `path` relative to it (each recorded in history). Returns how many moved."""
        with self._store.write() as (session, history):
            return roots.adopt_root(session, history, self._store.roots, name, os.fspath(path))

    def checkout(
        self,
        dest: str | os.PathLike[str],
        refs: Sequence[str | int] = (),
        *,
        search: str | None = None,
        everything: bool = False,
    ) -> CheckoutReport:
        """Make a new library at `dest` holding the items `refs` (or those matching `search`,
        or every item), with their events, disclosures, tags and assets (by storage root), and
        every AI tool, vocabulary and setting, to work on offline and check in later."""
        if sum((bool(refs), search is not None, everything)) != 1:
            raise InvalidValue("say what to check out: --all, --search TEXT or ITEM...")
        if everything:
            from provenance.store.models import Item

            with self._store.read() as session:
                ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        elif search is not None:
            ids = [i.id for i in self.list_items(search)]
        else:
            ids = [self.get_item(ref).id for ref in refs]
        if not ids:
            raise NotFound("no item matches; nothing was checked out")
        folder = Path(dest).expanduser()
        if _holds_library(folder):
            raise LibraryError(f"{folder} already holds a library; check out into a new folder")
        from provenance.store import offline

        with open_library(folder, actor=self.actor) as laptop:
            return offline.checkout(self._store, laptop._store, ids, source=str(self.folder))

    def checkin(
        self, source: str | os.PathLike[str], *, progress: Progress | None = None
    ) -> CheckinReport:
        """Replay the offline work of the laptop library at `source` onto this library, in one
        transaction: changes whose earlier value still matches are applied (keeping their
        author and time); the others become conflicts (see `conflicts`). Running it again
        applies nothing new."""
        from provenance.store import offline

        with open_library(source, actor=self.actor, create=False) as laptop:
            return offline.checkin(self._store, laptop._store, progress=progress)

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictView]:
        """Changes checked in from laptops that wait for a decision, oldest first."""
        from provenance.store import offline

        return offline.list_conflicts(self._store, include_resolved=include_resolved)

    def resolve_conflict(
        self, conflict_id: int, *, keep: str | None = None, value: str | None = None
    ) -> ConflictView:
        """Decide a conflict: keep "mine" (the laptop's value), "theirs" (the team's), or give
        another `value`; recorded in history."""
        from provenance.store import offline

        return offline.resolve_conflict(self._store, conflict_id, keep=keep, value=value)

    # -- hand-off downstream: BagIt bags and IIIF manifests (issue 15) ------------------------

    def bag(
        self,
        out: str | os.PathLike[str],
        refs: Sequence[str | int] = (),
        *,
        search: str | None = None,
        everything: bool = False,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> BagReport:
        """Write a BagIt bag (RFC 8493, made with bagit-python) of the items `refs` (or those
        matching `search`, or every item) for digital preservation, at `out`: a new or empty
        folder outside the library and away from the originals.

        It holds each item's current signed exports (the newest export of each image, when it
        is not stale and still the bytes that were signed) under `data/objects/`,
        Archivematica's `data/metadata/metadata.csv` (Dublin Core and the disclosure
        sentence), the items' history as JSON and the institution's trust bundle, with SHA-256
        and SHA-512 manifests. Nothing is exported or signed on the way: items never exported,
        or whose export is stale, missing or changed, are left out and listed with the reason
        (`left_out`). When nothing can go in, nothing is written (`folder` is None).
        """
        from provenance.exporting import bag as bag_run
        from provenance.exporting.handoff import select_item_ids

        ids = select_item_ids(self._store, refs, search, everything)
        return bag_run.write_bag(
            self._store,
            ids,
            Path(out),
            run=self.output_run(),
            identity_dir=self.identity_dir,
            version=_version(),
            progress=progress,
            cancel=cancel,
        )

    def iiif(
        self,
        out: str | os.PathLike[str],
        base_url: str,
        refs: Sequence[str | int] = (),
        *,
        search: str | None = None,
        everything: bool = False,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> IiifReport:
        """Write IIIF Presentation 3 manifests (made with iiif-prezi3), one per item and a
        collection, with the current signed exports beside them as static images, at `out`
        (a new or empty folder), to be served as it is from `base_url` (http or https).

        The same exports as `bag` are taken and the same items left out. Each manifest has
        the item's label, summary, metadata (maker, date, medium, credit line, keywords and
        subjects), requiredStatement (credit line and rights), `rights` when the rights value
        names a Creative Commons or RightsStatements.org statement, and the AI disclosure
        sentence and its approval in every language Credence has wording for.
        """
        from provenance.exporting import iiif as iiif_run
        from provenance.exporting.handoff import select_item_ids

        ids = select_item_ids(self._store, refs, search, everything)
        return iiif_run.write_iiif(
            self._store,
            ids,
            Path(out),
            base_url,
            run=self.output_run(),
            identity_dir=self.identity_dir,
            progress=progress,
            cancel=cancel,
        )


def _version() -> str:
    from provenance import __version__

    return __version__
