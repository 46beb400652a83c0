"""Text from outside (catalog files, file names, typed values) made safe to store, compare and show.

Pure functions, no database. Three rules:

- Keys (accession numbers, column names) are compared in Unicode NFC, so a decomposed "é" in one
  file (as macOS writes names) finds the composed one already in the library.
- Accession numbers refuse control and invisible formatting characters (a NUL, an escape
  sequence, a right-to-left override): two numbers that look the same must be the same number.
  Other text keeps its line breaks and tabs; other control characters are dropped.
- Terminal output escapes every control and formatting character, so catalog text can never
  move the cursor, retitle the window, ring the bell or reorder what a line shows.

File names that are not valid UTF-8 (bytes a Linux file system allows) get one text form that
is stored, shown and turned back into the same bytes: a ``file://`` URI (`path_text`,
`file_path`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

#: The largest integer SQLite stores (a signed 64-bit value); ids and sequence numbers above it
#: cannot exist.
MAX_SQLITE_INT = 2**63 - 1

# Characters that are never shown raw on a terminal. Control characters (C0, DEL, C1: ESC, CSI
# 0x9b, OSC 0x9d, BEL...), surrogates (undecodable bytes of a file name), the line and paragraph
# separators, and the invisible format characters (Unicode category Cf: bidi embeddings,
# overrides and isolates, zero-width space, byte-order mark, tags...). The zero-width joiner and
# non-joiner stay: Persian, Indic scripts and emoji need them. `test_input` checks this class
# against unicodedata, so it follows the Unicode version Python ships.
_UNSAFE_BMP = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff"
)
_UNSAFE_ASTRAL = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = _UNSAFE_BMP + _UNSAFE_ASTRAL
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
# What terminal_safe and json_safe look for: the unsafe characters of the Basic Multilingual
# Plane and every character beyond it, those that are safe given back as they are. A class
# holding the few unsafe astral ranges is checked range by range at every character, about
# three times slower than these (a table of the BMP and one range). json_safe leaves out the C0
# controls: JSON escapes those itself inside strings, and its layout is made of them.
_SCAN_RE = re.compile(f"[{_UNSAFE_BMP}\U00010000-\U0010ffff]")
_JSON_SCAN_RE = re.compile(
    f"[{_UNSAFE_BMP.removeprefix(chr(0) + '-' + chr(0x1F))}\U00010000-\U0010ffff]"
)
_ASTRAL_UNSAFE_RE = re.compile(f"[{_UNSAFE_ASTRAL}]")
# Stored text keeps tab, line feed and carriage return; other control characters are dropped.
_STRIP_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def nfc(value: str) -> str:
    """`value` in Unicode normalisation form C (the form keys are compared in)."""
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def clean_text(value: str) -> str:
    """Text as stored: NFC, without control characters other than tab and line breaks."""
    return _STRIP_RE.sub("", nfc(value))


def is_clean_text(value: str) -> bool:
    """True when `clean_text(value)` is `value` itself: already NFC, nothing to drop.

    One call answers for many cells joined by spaces (a space is kept, composes with nothing
    and is never reordered, so each cell is normalised on its own): the bulk path of a
    catalog import checks a whole column at once.
    """
    if value.isascii():
        # Printable ASCII holds no control character at all, and `isprintable` is a plain C
        # loop, three times quicker than the regex (for other text it is not quicker).
        return value.isprintable() or _STRIP_RE.search(value) is None
    if not unicodedata.is_normalized("NFC", value):
        return False
    return _STRIP_RE.search(value) is None


def is_safe_key(value: str) -> bool:
    """True when `check_key(value, ...)` gives `value` back: NFC, no unsafe character.

    Like `is_clean_text`, one call answers for many keys joined by spaces.
    """
    if not (value.isascii() or unicodedata.is_normalized("NFC", value)):
        return False
    # Every character `_UNSAFE_RE` matches is one Python counts as unprintable (a test walks
    # them all), and `isprintable` is a plain C loop, about eight times quicker than the regex.
    return value.isprintable() or _UNSAFE_RE.search(value) is None


def unsafe_character(value: str) -> str | None:
    """A description of the first control or invisible formatting character, or None."""
    match = _UNSAFE_RE.search(value)
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "")
    if 0xDC80 <= ord(char) <= 0xDCFF:
        return f"a byte that is not UTF-8 (0x{ord(char) - 0xDC00:02X})"
    code = f"U+{ord(char):04X}"
    return f"a control character ({code} {name})" if name else f"a control character ({code})"


def check_key(value: str, what: str) -> str:
    """`value` in NFC; raises ValueError naming `what` when it holds a control character.

    Keys name things (accession numbers): an invisible character would make two numbers that
    look the same differ, or hide one number behind another on screen.
    """
    value = nfc(value)
    found = unsafe_character(value)
    if found:
        raise ValueError(
            f"{what} '{terminal_safe(value)}' contains {found}; remove it and try again"
        )
    return value


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code > 0xFFFF and not _ASTRAL_UNSAFE_RE.match(char):
        return char  # an emoji, a historic script: safe to show
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def terminal_safe(value: str) -> str:
    """`value` with every control and invisible formatting character written as an escape
    (``\\x1b``, ``\\u202e``), so it prints as the text it is and does nothing else."""
    if value.isascii() and value.isprintable():
        return value  # the only unsafe ASCII characters are the unprintable ones: C0 and DEL
    return _SCAN_RE.sub(_escape, value)


def json_safe(dumped: str) -> str:
    """JSON text (ensure_ascii=False) with the same characters as JSON escapes (``\\u001b``):
    still valid JSON with the same values, and harmless on a terminal."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        code = ord(char)
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        if not _ASTRAL_UNSAFE_RE.match(char):
            return char  # an emoji, a historic script: safe to show
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    if dumped.isascii() and "\x7f" not in dumped:
        return dumped  # JSON has escaped every other unsafe ASCII character; skip the scan
    return _JSON_SCAN_RE.sub(escape, dumped)


# -- file names --------------------------------------------------------------------------------

_URI = "file://"


def path_text(path: str | os.PathLike[str]) -> str:
    """How a path is stored and shown.

    A name that is valid text stays as it is. One with bytes that are not UTF-8 (or, on
    Windows, a lone surrogate) becomes a ``file://`` URI of its absolute path with those bytes
    percent-encoded (``file:///scans/caf%E9.jpg``): plain text that any database stores, that
    prints on any terminal, and that `file_path` turns back into the very same bytes.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(os.path.abspath(text)).replace(b"\\", b"/")
        return _URI + quote_from_bytes(raw if raw.startswith(b"/") else b"/" + raw)
    return text


def file_path(text: str) -> Path:
    """The path a `path_text` value names (the inverse of `path_text`)."""
    if text.startswith(_URI):
        raw = unquote_to_bytes(text[len(_URI) :])
        if os.name == "nt":
            raw = raw.lstrip(b"/")
        return Path(os.fsdecode(raw))
    return Path(text)


def display_name(name: str) -> str:
    """A file name as a person reads it (for titles): undecodable bytes read as Windows-1252
    when the name is not UTF-8 (the usual cause: a name written by an older system)."""
    try:
        name.encode("utf-8")
        return nfc(name)
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return nfc(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return nfc(raw.decode("cp1252", errors="replace"))


# -- library locations ---------------------------------------------------------------------------

# A scheme (RFC 3986) and "://"; also the form a Path leaves of it ("postgresql:/host"). One
# letter before the colon is a Windows drive, not a scheme.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")


#: The URL schemes of a team library on PostgreSQL (psycopg 3 is the driver either way).
TEAM_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")


def team_library_url(location: str | os.PathLike[str]) -> str | None:
    """`location` as typed when it names a team library on PostgreSQL (``postgresql://...``
    or ``postgresql+psycopg://...``), else None (a folder, or a URL Credence cannot open)."""
    text = os.fspath(location)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    text = text.strip()
    match = _URL.match(text)
    if match is None or match.group(1).lower() not in TEAM_SCHEMES:
        return None
    if not text[match.end() :].startswith("/"):
        return None  # "postgresql:/host": a Path ate a slash (see library_url_problem)
    return text


def library_url_problem(location: str | os.PathLike[str]) -> str | None:
    """Why `location` cannot be opened as a library, when it is a URL Credence cannot open.

    A team library on PostgreSQL (``postgresql://...``) is fine (None). Any other URL is
    refused plainly, which is better than creating a local folder named ``mysql:``.
    """
    text = os.fspath(location)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    match = _URL.match(text.strip())
    if match is None or team_library_url(text) is not None:
        return None
    scheme = match.group(1).lower()
    shown = terminal_safe(url_without_password(text.strip()))
    if scheme == "file":
        return f"{shown}: give the library folder's path, not a file: URL"
    if scheme in TEAM_SCHEMES:
        return (
            f"{shown}: write a team library's address as postgresql://host/database "
            "(two slashes after the colon)"
        )
    if scheme.startswith("postgres"):
        return (
            f"{shown}: Credence talks to PostgreSQL through psycopg 3; write the address as "
            "postgresql://host/database or postgresql+psycopg://host/database"
        )
    if scheme.startswith(("mysql", "mariadb", "sqlite", "oracle", "mssql")):
        return (
            f"{shown}: team libraries on a database server are supported on PostgreSQL only "
            "(postgresql://host/database); for a library on this computer give its folder"
        )
    return (
        f"{shown}: a library at a URL ({scheme}://) is not supported; give a library folder "
        "on this computer, or a team library as postgresql://host/database"
    )


_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]*@")


def url_without_password(url: str) -> str:
    """`url` as typed, with any password replaced by ***: how messages and titles show it."""
    return _PASSWORD.sub(r"\1***@", url)
