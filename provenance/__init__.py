"""The headless Credence core: storage, import, credentials, history and the Library facade.

Everything the window and the command line need is importable from here; nothing here
imports Qt.
"""

from importlib.metadata import PackageNotFoundError, version

from provenance.catalog_files import CatalogFileError
from provenance.categories import CATEGORIES, Category, category, category_slugs
from provenance.errors import CredenceError, InvalidValue, LibraryError, NotFound
from provenance.identity import IdentityError, resolve_passphrase
from provenance.library import Library, SearchFilters, open_library
from provenance.progress import CancelToken, Progress
from provenance.views import (
    CREDENTIAL_STATES,
    ITEM_FIELDS,
    REVIEW_STATES,
    AssetView,
    CatalogImportReport,
    DisclosureView,
    EventView,
    ExportReport,
    HistoryEntryView,
    HistoryVerification,
    ImportReport,
    ItemView,
    ToolView,
)
from provenance.xmp import silence_exiv2_warnings

try:
    __version__ = version("credence")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

CATEGORY_SLUGS = category_slugs()

__all__ = [
    "CATEGORIES",
    "CATEGORY_SLUGS",
    "CREDENTIAL_STATES",
    "ITEM_FIELDS",
    "REVIEW_STATES",
    "AssetView",
    "CancelToken",
    "CatalogFileError",
    "CatalogImportReport",
    "Category",
    "CredenceError",
    "DisclosureView",
    "EventView",
    "ExportReport",
    "HistoryEntryView",
    "HistoryVerification",
    "IdentityError",
    "ImportReport",
    "InvalidValue",
    "ItemView",
    "Library",
    "LibraryError",
    "NotFound",
    "Progress",
    "SearchFilters",
    "ToolView",
    "__version__",
    "category",
    "open_library",
    "resolve_passphrase",
    "silence_exiv2_warnings",
]
