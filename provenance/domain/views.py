"""Frozen dataclasses the Library facade returns. The UI and CLI see only these, never ORM rows."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import Any

#: The catalog fields every item has, in display order. Anything else lives in `extra`.
ITEM_FIELDS: tuple[str, ...] = (
    "accession",
    "title",
    "object_type",
    "maker",
    "maker_nationality",
    "maker_dates",
    "date",
    "medium",
    "dimensions",
    "inscription",
    "credit_line",
    "rights",
    "description",
)

#: Each catalog field as a person names it ("maker's dates", not `maker_dates`).
ITEM_FIELD_WORDS: dict[str, str] = {
    "accession": "accession number",
    "title": "title",
    "object_type": "object type",
    "maker": "maker",
    "maker_nationality": "maker's nationality",
    "maker_dates": "maker's dates",
    "date": "date",
    "medium": "medium",
    "dimensions": "dimensions",
    "inscription": "inscription",
    "credit_line": "credit line",
    "rights": "rights",
    "description": "description",
}
#: The catalog fields one value may be given to many items at once (an accession number
#: names one object, so it is never set in bulk).
BULK_FIELDS: tuple[str, ...] = tuple(f for f in ITEM_FIELDS if f != "accession")

REVIEW_STATES: tuple[str, ...] = ("draft", "reviewed", "approved")
CREDENTIAL_STATES: tuple[str, ...] = ("none", "valid", "trusted", "invalid", "error")


class _Dictable:
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of this view (what `dataclasses.asdict` gives)."""
        return plain(self)


#: Values `copy.deepcopy` gives back as they are.
_ATOMS = (str, int, float, type(None))


def plain(value: Any) -> Any:
    """`value` with its views as dicts, its containers copied: `dataclasses.asdict` for a view,
    several times faster (a list of a few hundred items with their records is turned into JSON
    by every `--json` command, and asdict deep-copies every string one call at a time)."""
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(plain(v) for v in value))
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return type(value)((plain(k), plain(v)) for k, v in value.items())
    if is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _field_names(type(value))}
    return copy.deepcopy(value)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class AssetView(_Dictable):
    """An image file of an item, with what was found in it on import."""

    id: int
    item_id: int
    path: str
    sha256: str
    size: int
    format: str
    mime: str
    width: int | None
    height: int | None
    orientation: int
    thumbnail: str | None
    credential_state: str
    credentials: dict[str, Any]
    imported_at: str
    #: The file's own credentials or XMP say AI made or changed it.
    ai_found: bool = False
    #: The storage root the file lies under (None: `path` is absolute as stored). With a root,
    #: `path` is where the file is on this computer, or, when the root is not set here, the
    #: path inside the root as stored (and `root_missing` is True).
    root: str | None = None
    root_missing: bool = False


@dataclass(frozen=True)
class ToolView(_Dictable):
    """An AI tool registry entry."""

    id: int
    name: str
    vendor: str
    version: str | None
    runs: str | None
    training_data: str | None
    retention: str | None
    documentation: str | None


@dataclass(frozen=True)
class EventView(_Dictable):
    """One provenance record of an item (object or digital provenance)."""

    id: int
    item_id: int
    action: str
    actor: str
    date: str | None
    date_earliest: str | None
    date_latest: str | None
    place: str | None
    source: str | None
    note: str | None
    tool: str | None
    created_at: str


#: The key of a purpose translation in DisclosureView.overrides ("purpose:es"), kept beside the
#: own sentences (keyed by the bare language code) so no schema change was needed.
PURPOSE_KEY = "purpose:{language}"


@dataclass(frozen=True)
class DisclosureView(_Dictable):
    """What AI did to an item, asset or catalog field, and its human review."""

    id: int
    item_id: int
    asset_id: int | None
    category: str
    tools: tuple[str, ...]
    purpose: str | None
    extent: str | None
    fields: tuple[str, ...]
    #: The registrar's own words: "es" -> their own sentence in Spanish, "purpose:es" -> the
    #: purpose translated into Spanish (PURPOSE_KEY). Any of them needs a new approval.
    overrides: dict[str, str]
    review_state: str
    reviewed_by: str | None
    reviewed_at: str | None
    approved_by: str | None
    approved_at: str | None
    created_at: str

    def own_sentence(self, language: str) -> str | None:
        """The registrar's own sentence in `language`, if they wrote one."""
        return (self.overrides or {}).get(language) or None

    def purpose_translation(self, language: str) -> str | None:
        """The purpose translated into `language` by the registrar, if they did."""
        return (self.overrides or {}).get(PURPOSE_KEY.format(language=language)) or None


@dataclass(frozen=True)
class SubjectView(_Dictable):
    """A concept given to an item as a subject: its URI, the label to show, its scheme's URI."""

    uri: str
    label: str
    scheme: str


@dataclass(frozen=True)
class ItemView(_Dictable):
    """A catalog entry with its assets, events and disclosures."""

    id: int
    accession: str | None
    title: str | None
    maker: str | None
    date: str | None
    medium: str | None
    credit_line: str | None
    rights: str | None
    description: str | None
    extra: dict[str, str]
    created_at: str
    updated_at: str
    assets: tuple[AssetView, ...] = ()
    events: tuple[EventView, ...] = ()
    disclosures: tuple[DisclosureView, ...] = ()
    #: Set when an image of the item needs re-exporting: its newest export no longer says what
    #: the record says (since when, and what changed, in plain words).
    stale_since: str | None = None
    stale_reason: str | None = None
    #: How the image was made (a key of CAPTURE_TYPES, e.g. negativeFilm); None = unrecorded.
    capture_type: str | None = None
    #: What kind of object it is ("photograph", "print", "vase"), as a museum classifies it.
    object_type: str | None = None
    #: The maker's nationality and life dates as a label prints them ("French", "1851–1919").
    maker_nationality: str | None = None
    maker_dates: str | None = None
    #: Size as the catalog states it ("24 x 30.5 cm"), free text.
    dimensions: str | None = None
    #: Marks, signatures and inscriptions on the object, transcribed.
    inscription: str | None = None
    #: Free keywords, in the order given (unique regardless of case).
    keywords: tuple[str, ...] = ()
    #: Concepts from controlled vocabularies.
    subjects: tuple[SubjectView, ...] = ()
    #: The record's version: every change adds one. Give it back to `update_item` as
    #: `expected_version` and a change made meanwhile by someone else is never overwritten.
    version: int = 1

    @property
    def needs_reexport(self) -> bool:
        """An image's newest signed export is stale (see `stale_reason`)."""
        return self.stale_since is not None

    @property
    def label(self) -> str:
        """How to name the item to a person: accession and title when known."""
        head = self.accession or f"#{self.id}"
        return f"{head} {self.title}" if self.title else head

    def fields(self) -> dict[str, str | None]:
        """The catalog fields (without extra) as a dict."""
        return {name: getattr(self, name) for name in ITEM_FIELDS}


@dataclass(frozen=True)
class HistoryEntryView(_Dictable):
    """One append-only history entry."""

    seq: int
    at: str
    actor: str
    entity: str
    entity_id: int | None
    item_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None
    hash: str


@dataclass(frozen=True)
class ExportRecordView(_Dictable):
    """A signed file written by an earlier export."""

    id: int
    item_id: int
    asset_id: int | None
    path: str
    sha256: str
    manifest_id: str | None
    signer_fingerprint: str | None
    created_at: str
    #: Set when what this file signed has changed in the record since (None: still current).
    stale_since: str | None = None
    stale_reason: str | None = None

    @property
    def stale(self) -> bool:
        """The record changed after this file was signed (see `stale_reason`)."""
        return self.stale_since is not None


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
    #: A keyword, or a label (any kind, any language) of a subject concept, compared without
    #: regard to case; a broader concept also finds items tagged with its narrower ones.
    tag: str | None = None


@dataclass(frozen=True)
class ListStart:
    """The start of a listing, read in one go for a window to show at once (see
    Library.start_listing): its first items, how many there are (counted only so far), the
    order it is in, and the whole list's ids when they came with it."""

    #: The first items, in the listing's order.
    items: tuple[ItemView, ...]
    #: How many items are listed: exact up to the `cap` asked for; `cap` + 1 means more.
    count: int
    #: Whether a search is listed best match first (False: in the order added, or sorted, or
    #: no search; see Library.list_items).
    ranked: bool
    #: The ids of the whole list in its order, when reading them cost nothing more (a count up
    #: to the cap found them all); None otherwise (read them with Library.list_item_ids).
    ids: tuple[int, ...] | None = None
