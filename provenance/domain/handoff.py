"""Hand-off to the systems downstream: what a BagIt bag or a IIIF folder holds, and the rules
about words and addresses they need (pure: no files, database or image library).

`exporting.bag` writes a BagIt bag for digital preservation (Archivematica), `exporting.iiif`
IIIF Presentation 3 manifests for the web; both take the signed exports that are still current
and report, item by item, what they left out and why.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from provenance.domain.views import _Dictable

#: How an accession number may appear in a URL or a file name: letters, digits and `._-`.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: The longest accession part of a slug (the item id is added after it).
SLUG_MAX = 60

#: Creative Commons licences and marks by the short name a registrar types.
_CC_NAMES = re.compile(
    r"^\s*(?:CC[\s-]?)?(BY(?:-(?:NC|SA|ND)){0,2}|BY-NC-SA|BY-NC-ND)[\s-]+(\d\.\d)\s*$",
    re.IGNORECASE,
)
_CC_ZERO = re.compile(r"^\s*CC[\s-]?0(?:\s+1\.0)?\s*$", re.IGNORECASE)
_CC_URI = re.compile(
    r"^https?://creativecommons\.org/(licenses/[a-z-]+/\d\.\d|publicdomain/(?:zero|mark)/1\.0)"
    r"/?(?:deed\.[A-Za-z-]+)?$",
    re.IGNORECASE,
)
_RS_URI = re.compile(
    r"^https?://rightsstatements\.org/(?:vocab|page)/([A-Za-z-]+)/1\.0/?(?:\?.*)?$",
    re.IGNORECASE,
)
#: The RightsStatements.org statements (their codes are the path part of the URI).
_RS_CODES = frozenset(
    {
        "InC",
        "InC-OW-EU",
        "InC-EDU",
        "InC-NC",
        "InC-RUU",
        "NoC-CR",
        "NoC-NC",
        "NoC-OKLR",
        "NoC-US",
        "CNE",
        "UND",
        "NKC",
    }
)


@dataclass(frozen=True)
class HandedFile(_Dictable):
    """One signed export handed on: where it came from and where it is now."""

    item: str  # how a person names the item: accession and title
    export: str  # the signed export file it is a copy of
    file: str  # its path inside the bag or IIIF folder (forward slashes)
    sha256: str
    manifest: str | None = None  # the C2PA manifest id it carries


@dataclass(frozen=True)
class LeftOut(_Dictable):
    """An item (or one of its images) that was not handed on, and why, in one sentence."""

    item: str
    reason: str


@dataclass(frozen=True)
class BagReport(_Dictable):
    """What `Library.bag` wrote: the bag folder (None when nothing could go in), the files in
    its payload, the items left out and why."""

    folder: str | None
    items: int = 0
    files: tuple[HandedFile, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    cancelled: bool = False


@dataclass(frozen=True)
class ManifestWritten(_Dictable):
    """One IIIF manifest: its URL, its file, and the images it shows."""

    item: str
    id: str
    file: str
    images: tuple[HandedFile, ...] = ()


@dataclass(frozen=True)
class IiifReport(_Dictable):
    """What `Library.iiif` wrote: the folder (None when nothing could go in), the collection's
    URL, one manifest per item, the items left out and why."""

    folder: str | None
    collection: str | None = None
    manifests: tuple[ManifestWritten, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    #: Things to know about what was written (an image browsers cannot show).
    notes: tuple[str, ...] = ()
    cancelled: bool = False


def url_slug(accession: str | None, item_id: int) -> str:
    """A name for an item that is safe in a URL path and as a folder name, and never the same
    for two items: the accession's letters, digits and `._-` (other runs become one `-`,
    accents are dropped, scripts without Latin letters leave nothing), then the item id.

    `1976.37` of item 12 is `1976.37-12`; `A 12/3` is `A-12-3-12`; `Инв. 5` is `5-12`; an
    accession in Arabic letters only is `item-12`.
    The id after the last `-` makes it unique (two accessions may clean to the same text, and
    an accession may equal another item's id), and stable: adding items never renames one.
    """
    text = unicodedata.normalize("NFKD", accession or "")
    text = text.encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE.sub("-", text)[:SLUG_MAX].strip("-.")
    # "." and ".." alone, or a leading dot, would be special path segments or hidden files.
    if not text or not re.search(r"[A-Za-z0-9]", text):
        text = "item"
    return f"{text}-{item_id}"


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be the base URL of a IIIF folder (a plain sentence), or None.

    It must be an absolute http or https URL with a host, without a query or fragment (the
    ids are made by adding path segments to it), and printable.
    """
    if not url or not url.strip():
        return "the base URL is empty; give the web address the folder will be served from"
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in url) or " " in url.strip():
        return (
            f"the base URL {url!r} contains spaces or control characters; "
            "write them percent-encoded (%20)"
        )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return f"the base URL {url!r} is not a valid web address"
    if parts.scheme.lower() not in ("http", "https"):
        return (
            f"the base URL {url!r} must start with https:// (or http://): IIIF viewers "
            "load manifests over the web"
        )
    if not parts.hostname:
        return f"the base URL {url!r} has no host name; e.g. https://museum.example/iiif"
    if parts.query or parts.fragment or url.strip().endswith(("?", "#")):
        return f"the base URL {url!r} must not have a query (?) or fragment (#)"
    if "@" in parts.netloc:
        return f"the base URL {url!r} must not hold a user name or password"
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        return f"the base URL {url!r} has a host name that is not valid"
    return None


def clean_base_url(url: str) -> str:
    """The base URL as ids start with it: trimmed, no trailing slash, and its path's
    non-ASCII characters percent-encoded (already encoded ones are kept)."""
    parts = urlsplit(url.strip())
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    host = (parts.hostname or "").encode("idna").decode("ascii")
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme.lower()}://{host}{port}{path}".rstrip("/")


def rights_uri(rights: str | None) -> str | None:
    """The Creative Commons or RightsStatements.org URI a rights value names, in the form IIIF
    asks for (http, trailing slash), or None when it names none of them.

    Recognised: those URIs themselves (https or http, with or without `deed.xx`), and the
    short names "CC0", "CC0 1.0", "CC BY 4.0", "CC BY-NC-SA 4.0" and the like. Anything else
    (a sentence, "Public domain") is left for `requiredStatement`: a licence is never guessed.
    """
    if not rights:
        return None
    text = rights.strip()
    match = _CC_URI.match(text)
    if match:
        return f"http://creativecommons.org/{match.group(1).lower()}/"
    match = _RS_URI.match(text)
    if match:
        code = next((c for c in _RS_CODES if c.lower() == match.group(1).lower()), None)
        return f"http://rightsstatements.org/vocab/{code}/1.0/" if code else None
    if _CC_ZERO.match(text):
        return "http://creativecommons.org/publicdomain/zero/1.0/"
    match = _CC_NAMES.match(text)
    if match:
        return f"http://creativecommons.org/licenses/{match.group(1).lower()}/{match.group(2)}/"
    return None


def single_line(text: str | None) -> str:
    """`text` with every run of whitespace and control characters made one space (bag-info
    values and CSV cells a person reads in one line)."""
    if not text:
        return ""
    cleaned = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(cleaned.split())


def safe_file_name(name: str, fallback: str = "file") -> str:
    """A file name for a copy inside a bag or IIIF folder: the original's name with control
    characters, path separators and undecodable bytes replaced, never hidden or empty, at most
    120 bytes of UTF-8 (the extension is kept)."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = "".join(
        "_" if unicodedata.category(c)[0] == "C" or c in '/\\:*?"<>|%\ufffd' else c for c in text
    ).strip(" .")
    if not text:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    ext = ext[:12]
    while len(f"{stem}.{ext}".encode()) > 120 and stem:
        stem = stem[:-1]
    return f"{stem}.{ext}" if ext else (stem or fallback)
