"""Frozen dataclasses the Library facade returns for what a change, an import, an export or a
check did (reports), and the vocabulary views. Apart from `views` (what reads return): a
read-only command never needs these, and building a frozen dataclass costs about a millisecond
at import (`views` loads them on first use, under its own names too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provenance.domain.views import _Dictable, plain


@dataclass(frozen=True)
class VocabularyView(_Dictable):
    """An imported vocabulary (a SKOS concept scheme) and how many concepts it holds."""

    uri: str
    title: str | None
    concepts: int
    source: str | None
    imported_at: str


@dataclass(frozen=True)
class VocabularyImportReport(_Dictable):
    """What importing a vocabulary file did: its schemes, concepts new and updated, labels
    and broader links stored, and links left out because a concept they name is unknown."""

    file: str
    schemes: tuple[VocabularyView, ...]
    concepts: int
    new: int
    updated: int
    labels: int
    links: int
    skipped_links: int = 0


@dataclass(frozen=True)
class ShippedVocabularyView(_Dictable):
    """A vocabulary that ships with Credence (importable offline by its `name`), its licence
    and attribution, and whether this library has imported it."""

    name: str
    title: str
    description: str
    concepts: int
    languages: tuple[str, ...]
    licence: str
    attribution: str
    scheme: str
    imported: bool = False


@dataclass(frozen=True)
class TagReport(_Dictable):
    """What `Library.tag` did: items changed (one history entry each), items left as they
    were, and references that found no item."""

    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    not_found: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryVerification(_Dictable):
    """Result of checking the history hash chain. `first_broken` names the first bad entry."""

    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str | None = None
    #: True when the database file itself is damaged (SQLite's check failed): not tampering.
    damaged: bool = False


@dataclass(frozen=True)
class ImportedFile(_Dictable):
    """A file an import stored, with what was found in it."""

    file: str
    item: str
    asset: int
    credentials: dict[str, Any]
    warnings: tuple[str, ...] = ()
    #: Record fields filled from what the file says (catalog field or "keywords" -> the block
    #: that won: "XMP", "IPTC-IIM" or "EXIF"). Fields the registrar had filled are never here.
    from_file: dict[str, str] = field(default_factory=dict)
    #: For those fields, what the other blocks said when they disagreed: {field: {block: text}}.
    file_disagreements: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Duplicate(_Dictable):
    """A file whose bytes the library already holds, and where."""

    file: str
    item: str
    asset: int
    same_as: str


@dataclass(frozen=True)
class Rejected(_Dictable):
    """A file an import refused, with the reason."""

    file: str
    reason: str


@dataclass(frozen=True)
class ImportReport(_Dictable):
    """What `Library.import_files` did with each file. Nothing is lost silently."""

    imported: tuple[ImportedFile, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    cancelled: bool = False

    @property
    def fields_from_files(self) -> int:
        """How many record fields (keywords counted once per item) were filled from files."""
        return sum(len(f.from_file) for f in self.imported)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of this report, with the count of fields read from files."""
        return {**plain(self), "fields_from_files": self.fields_from_files}


@dataclass(frozen=True)
class RowProblem(_Dictable):
    """A catalog row that was not imported, by line, with the reason."""

    line: int
    reason: str


@dataclass(frozen=True)
class CatalogImportReport(_Dictable):
    """What `Library.import_catalog` did: counts, plus each rejected row by line number, and
    values left out of rows that were imported (`left_out`: e.g. a subject whose vocabulary
    is not imported; the rest of that row was)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[RowProblem, ...] = field(default_factory=tuple)
    cancelled: bool = False
    left_out: tuple[RowProblem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CaptureTypeReport(_Dictable):
    """What `Library.set_capture_type` did: items changed, already so, and references that
    found no item."""

    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    not_found: tuple[str, ...] = ()
    capture_type: str | None = None  # the value set (a CAPTURE_TYPES key; None: unrecorded)


@dataclass(frozen=True)
class FieldChange(_Dictable):
    """One catalog field of one item as a bulk edit changes it (or would change it)."""

    item_id: int
    item: str  # how a person names the item: accession and title
    field: str  # a name of ITEM_FIELDS
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ItemsUpdateReport(_Dictable):
    """What `Library.update_items` did (or, with `dry_run`, would do): every field change,
    items left as they were, and references that found no item."""

    changes: tuple[FieldChange, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    not_found: tuple[str, ...] = ()
    applied: bool = False


@dataclass(frozen=True)
class ExportedFile(_Dictable):
    """One signed file; `notes` say what a reader should know about its claims (for example
    that the capture type is unrecorded, so the manifest claims no capture)."""

    item: str
    file: str
    sha256: str
    manifest: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportProblem(_Dictable):
    """An item that was not exported, with the reason."""

    item: str
    reason: str


@dataclass(frozen=True)
class ExportReport(_Dictable):
    """What `Library.export` did: written files, refusals (by rule) and failures (by fault)."""

    exported: tuple[ExportedFile, ...] = ()
    refused: tuple[ExportProblem, ...] = ()
    failed: tuple[ExportProblem, ...] = ()
    cancelled: bool = False


@dataclass(frozen=True)
class RecordCheck(_Dictable):
    """What a library's record says about a file it exported: which export, and whether the
    file still says what the record says."""

    export: int
    item: str
    item_id: int
    exported_at: str
    stale: bool
    reason: str | None


class _ReadOnlyDict(dict):
    """A dict base that refuses every change (the view it carries is frozen)."""

    def _refuse(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError(f"{type(self).__name__} is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class VerificationView(_ReadOnlyDict):
    """The `verify` result for one file: its Content Credentials as read and checked, and, for
    a file this library exported, what the record says about it.

    Read its attributes; `to_dict()` is the `verify --json` shape. It is also a read-only dict
    of that shape, for callers that still index it (desktop/cli.py until it reads attributes).
    """

    file: str
    credentials: str  # none / trusted / valid / invalid / error
    codes: tuple[str, ...] = ()
    ingredient_problems: tuple[dict[str, Any], ...] = ()
    digital_source_types: tuple[str, ...] = ()
    signer: str | None = None
    summary: str = ""
    record: RecordCheck | None = None
    #: For a file with no or broken credentials: this library's exports it looks like (by
    #: soft binding), closest first. Empty when nothing is close or nothing was looked up.
    looks_like: tuple[IdentifyMatch, ...] = ()

    def __post_init__(self) -> None:
        dict.update(self, self.to_dict())

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """The `verify` JSON shape; "record" only for a file this library exported."""
        shown: dict[str, Any] = {
            "file": self.file,
            "credentials": self.credentials,
            "codes": list(self.codes),
            "ingredient_problems": [dict(p) for p in self.ingredient_problems],
            "digital_source_types": list(self.digital_source_types),
            "signer": self.signer,
            "summary": self.summary,
        }
        if self.record is not None:
            shown["record"] = self.record.to_dict()
        if self.looks_like:
            shown["looks_like"] = [m.to_dict() for m in self.looks_like]
        return shown


@dataclass(frozen=True)
class SignedStatement(_Dictable):
    """One disclosure as a signed export stated it: the sentence and its review."""

    sentence: str
    category: str | None = None
    review_state: str | None = None  # draft / reviewed / approved
    reviewer: str | None = None
    reviewed_at: str | None = None


@dataclass(frozen=True)
class IdentifyMatch(_Dictable):
    """An export of this library that a file looks like, by soft binding (ISCC image code),
    and what that signed export said."""

    item: str  # accession number (or the item's id when it has none)
    item_id: int
    title: str | None
    export: int
    #: 1.0 = the same 64-bit image code; 0.78 is the furthest still called a match.
    similarity: float
    #: Bits of the 64-bit image code that differ (0 = the same picture as far as the code sees).
    bits_differ: int
    exported_file: str
    exported_at: str
    #: Who signed the export (the certificate's organisation) and when, read from the signed
    #: file itself when it is still where it was written, else from the library's record.
    signer: str | None
    signed_at: str | None
    disclosures: tuple[SignedStatement, ...]
    #: "file": read from the signed export's own manifest; "record": that file is gone or
    #: changed, so the library's record of the export (and the item's disclosures now) speaks.
    source: str
    #: The record has changed since this export was signed (then it says why).
    stale_reason: str | None = None

    @property
    def sentence(self) -> str | None:
        """The disclosure sentences as one line (None when nothing was disclosed)."""
        return " ".join(s.sentence for s in self.disclosures) or None

    @property
    def approval(self) -> str:
        """Whether the signed disclosures were approved, in words."""
        return approval_text(self.disclosures)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the sentence and approval spelled out."""
        shown = plain(self)
        shown["sentence"] = self.sentence
        shown["approval"] = self.approval
        return shown


def approval_text(statements: tuple[SignedStatement, ...]) -> str:
    """ "approved by NAME on DATE" (for every statement), "not approved (STATE)" or "no AI use
    disclosed"."""
    relevant = [s for s in statements if s.category != "none"]
    if not relevant:
        return "no AI use disclosed"
    pending = [s for s in relevant if s.review_state != "approved"]
    if pending:
        return f"not approved ({pending[0].review_state or 'unknown'})"
    who = dict.fromkeys(s.reviewer for s in relevant if s.reviewer)
    when = max((s.reviewed_at or "" for s in relevant), default="")[:10]
    by = f" by {', '.join(who)}" if who else ""
    on = f" on {when}" if when else ""
    return f"approved{by}{on}"


@dataclass(frozen=True)
class IdentifyResult(_Dictable):
    """`credence identify` for one file: its own credentials and the exports it looks like."""

    file: str
    credentials: str  # none / trusted / valid / invalid / error
    matches: tuple[IdentifyMatch, ...] = ()
    #: The file's soft binding (ISCC text), None when its pixels could not be read.
    code: str | None = None
    #: A plain sentence when the file could not be looked at (not found, not an image).
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `identify --json` shape: {"file", "credentials", "matches": [...], ...}."""
        shown: dict[str, Any] = {
            "file": self.file,
            "credentials": self.credentials,
            "matches": [m.to_dict() for m in self.matches],
            "code": self.code,
        }
        if self.problem is not None:
            shown["problem"] = self.problem
        return shown
