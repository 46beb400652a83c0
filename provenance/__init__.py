"""The headless Credence core: storage, import, credentials, history and the Library facade.

Everything the window and the command line need is importable from here; nothing here
imports Qt. Heavy parts (the database layer, c2pa, cryptography) load on first use: export
workers and the command line start faster when they only touch what they need.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from provenance.domain.categories import (
    CAPTURE_LABELS,
    CAPTURE_TYPES,
    CATEGORIES,
    Category,
    capture_label,
    category,
    category_slugs,
)
from provenance.domain.dates import EDTF_HELP, parse_event_date
from provenance.domain.errors import CredenceError, InvalidValue, LibraryError, NotFound
from provenance.domain.fields import TOOL_RUNS
from provenance.domain.naming import pattern_problem, resolve_name
from provenance.domain.progress import CancelToken, Progress
from provenance.domain.roots import RootView
from provenance.domain.text import (
    MAX_SQLITE_INT,
    file_path,
    json_safe,
    library_url_problem,
    path_text,
    terminal_safe,
)
from provenance.domain.views import (
    BULK_FIELDS,
    CREDENTIAL_STATES,
    ITEM_FIELD_WORDS,
    ITEM_FIELDS,
    REVIEW_STATES,
    AssetView,
    DisclosureView,
    EventView,
    ExportRecordView,
    HistoryEntryView,
    ItemView,
    ListStart,
    SearchFilters,
    SubjectView,
    ToolView,
)
from provenance.media.output import OutputRefused, OutputRun

if TYPE_CHECKING:
    __version__: str
    from provenance.domain.dates import describe_date
    from provenance.domain.handoff import (
        BagReport,
        HandedFile,
        IiifReport,
        LeftOut,
        ManifestWritten,
        base_url_problem,
        rights_uri,
        url_slug,
    )
    from provenance.domain.offline import (
        CONFLICT_KINDS,
        KEEP_CHOICES,
        CheckinReport,
        CheckoutReport,
        ConflictView,
    )
    from provenance.domain.reports import (
        CaptureTypeReport,
        CatalogImportReport,
        ExportReport,
        FieldChange,
        HistoryVerification,
        IdentifyMatch,
        IdentifyResult,
        ImportReport,
        ItemsUpdateReport,
        RecordCheck,
        ShippedVocabularyView,
        SignedStatement,
        TagReport,
        VerificationView,
        VocabularyImportReport,
        VocabularyView,
    )
    from provenance.domain.settings import Settings
    from provenance.domain.tag_views import (
        ConceptNode,
        TagCount,
        TagPreview,
        TagPreviewLine,
        TagSuggestion,
    )
    from provenance.domain.wording import (
        DEFAULT_LANGUAGE,
        Wording,
        available_languages,
        disclosure_wording,
    )
    from provenance.exporting.pool import warm_export_workers
    from provenance.identity import IdentityError, resolve_passphrase
    from provenance.library import Library, open_library
    from provenance.media.catalog_files import (
        BadRow,
        CatalogFileError,
        CatalogRow,
        read_catalog,
        unguard_cell,
    )
    from provenance.media.verify import verify_path
    from provenance.media.xmp import silence_exiv2_warnings
    from provenance.reader import LibraryReader, read_library

CATEGORY_SLUGS = category_slugs()

_LAZY = {
    "BadRow": "provenance.media.catalog_files",
    "CatalogFileError": "provenance.media.catalog_files",
    "CatalogRow": "provenance.media.catalog_files",
    "read_catalog": "provenance.media.catalog_files",
    "unguard_cell": "provenance.media.catalog_files",
    "disclosure_wording": "provenance.domain.wording",
    "describe_date": "provenance.domain.dates",
    "IdentityError": "provenance.identity",
    "resolve_passphrase": "provenance.identity",
    "Library": "provenance.library",
    "open_library": "provenance.library",
    "LibraryReader": "provenance.reader",
    "read_library": "provenance.reader",
    "warm_export_workers": "provenance.exporting.pool",
    "verify_path": "provenance.media.verify",
    "DEFAULT_LANGUAGE": "provenance.domain.wording",
    "Wording": "provenance.domain.wording",
    "available_languages": "provenance.domain.wording",
    "Settings": "provenance.domain.settings",
    "silence_exiv2_warnings": "provenance.media.xmp",
    # What a change, an import, an export or a check did: only the verbs that do them use these.
    **dict.fromkeys(
        (
            "CaptureTypeReport",
            "CatalogImportReport",
            "ExportReport",
            "FieldChange",
            "HistoryVerification",
            "IdentifyMatch",
            "IdentifyResult",
            "ImportReport",
            "ItemsUpdateReport",
            "RecordCheck",
            "ShippedVocabularyView",
            "SignedStatement",
            "TagReport",
            "VerificationView",
            "VocabularyImportReport",
            "VocabularyView",
        ),
        "provenance.domain.reports",
    ),
    # Check-out/in and tagging views: only the verbs that check out, check in or tag use them.
    **dict.fromkeys(
        ("CONFLICT_KINDS", "KEEP_CHOICES", "CheckinReport", "CheckoutReport", "ConflictView"),
        "provenance.domain.offline",
    ),
    **dict.fromkeys(
        ("ConceptNode", "TagCount", "TagPreview", "TagPreviewLine", "TagSuggestion"),
        "provenance.domain.tag_views",
    ),
    # Hand-off views: only the bag and iiif verbs use them.
    **dict.fromkeys(
        (
            "BagReport",
            "HandedFile",
            "IiifReport",
            "LeftOut",
            "ManifestWritten",
            "base_url_problem",
            "rights_uri",
            "url_slug",
        ),
        "provenance.domain.handoff",
    ),
}


def _installed_version() -> str:
    # Read on first use: importlib.metadata alone costs every command more than its own work.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("credence")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0+source"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if name == "__version__":
        value: Any = _installed_version()
    elif module is None:
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    else:
        value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BULK_FIELDS",
    "CAPTURE_LABELS",
    "CAPTURE_TYPES",
    "CATEGORIES",
    "CATEGORY_SLUGS",
    "CREDENTIAL_STATES",
    "DEFAULT_LANGUAGE",
    "EDTF_HELP",
    "ITEM_FIELDS",
    "ITEM_FIELD_WORDS",
    "MAX_SQLITE_INT",
    "REVIEW_STATES",
    "TOOL_RUNS",
    "AssetView",
    "BadRow",
    "CancelToken",
    "CaptureTypeReport",
    "CatalogFileError",
    "CatalogImportReport",
    "CatalogRow",
    "Category",
    "CredenceError",
    "DisclosureView",
    "EventView",
    "ExportRecordView",
    "ExportReport",
    "FieldChange",
    "HistoryEntryView",
    "HistoryVerification",
    "IdentityError",
    "ImportReport",
    "InvalidValue",
    "ItemView",
    "ItemsUpdateReport",
    "Library",
    "LibraryError",
    "LibraryReader",
    "ListStart",
    "NotFound",
    "OutputRefused",
    "OutputRun",
    "Progress",
    "RecordCheck",
    "SearchFilters",
    "Settings",
    "ShippedVocabularyView",
    "SubjectView",
    "TagReport",
    "ToolView",
    "VerificationView",
    "VocabularyImportReport",
    "VocabularyView",
    "Wording",
    "__version__",
    "available_languages",
    "capture_label",
    "category",
    "describe_date",
    "disclosure_wording",
    "file_path",
    "json_safe",
    "library_url_problem",
    "open_library",
    "parse_event_date",
    "path_text",
    "pattern_problem",
    "read_catalog",
    "read_library",
    "resolve_name",
    "resolve_passphrase",
    "silence_exiv2_warnings",
    "terminal_safe",
    "unguard_cell",
    "verify_path",
    "warm_export_workers",
]

# Storage roots and offline check-out / check-in (issue 14).
__all__ += [
    "CONFLICT_KINDS",
    "KEEP_CHOICES",
    "CheckinReport",
    "CheckoutReport",
    "ConflictView",
    "RootView",
]

# Team libraries on PostgreSQL (issue 14): what the faces need to tell a URL from a folder and
# to name a stale edit.
from provenance.domain.errors import StaleEdit  # noqa: E402
from provenance.domain.text import team_library_url  # noqa: E402

__all__ += ["StaleEdit", "team_library_url"]

# Tagging in the window (issue 13): appended, so branches adding names merge cleanly.
__all__ += ["ConceptNode", "TagCount", "TagPreview", "TagPreviewLine", "TagSuggestion"]

# Hand-off downstream (issue 15): BagIt bags and IIIF manifests.
# Loaded on first use (see _LAZY): only the bag and iiif verbs need them.
__all__ += [
    "BagReport",
    "HandedFile",
    "IiifReport",
    "LeftOut",
    "ManifestWritten",
    "base_url_problem",
    "rights_uri",
    "url_slug",
]
# Soft bindings and `identify` (issue 15): what a stripped copy looks like among the exports
# (loaded on first use, see _LAZY).
__all__ += ["IdentifyMatch", "IdentifyResult", "SignedStatement"]
