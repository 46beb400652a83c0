"""What an image file already says about itself, read on import.

Title, creator, description, keywords, rights (the copyright notice), credit line and date
created are read from the file's XMP, IPTC-IIM and EXIF and reconciled by the Metadata Working
Group's *Guidelines for Handling Image Metadata* 2.0, as ExifTool's MWG module does
(``exiftool -use MWG``, the reference the tests compare with):

- An EXIF value that is not blank wins (EXIF is the native block of JPEG and TIFF): EXIF
  ImageDescription, Artist, Copyright and DateTimeOriginal.
- Otherwise XMP wins when the file has no IPTC-IIM, or when the IPTC digest that Photoshop-era
  tools store beside the IIM (Photoshop image resource 0x0425, the MD5 of the IIM block)
  still matches the IIM (the two were written together), or when there is no digest at all.
- When the digest no longer matches, an older tool edited the IIM after the XMP was written:
  the IIM value wins where the two differ, unless it is only the XMP value cut at the IIM
  field's byte limit. A field such a tool removed from the IIM is not taken from the XMP.
- Title and credit line are outside the MWG's list; they follow the same XMP/IIM rule.
  Captions a camera writes by itself ("OLYMPUS DIGITAL CAMERA") are not descriptions.
  Windows' UCS-2 XPTitle, XPAuthor, XPComment and XPKeywords are a last resort, used only
  when no other block has the field.

IIM text is UTF-8 when dataset 1:90 (CodedCharacterSet) says so, otherwise Latin-1 (Windows
code page 1252, as ExifTool reads it). EXIF text is UTF-8 as the MWG recommends, else Latin-1.
From XMP lang-alt values (dc:title, dc:description, dc:rights) the x-default text is taken.

Every field says which block won and what the others said when they disagreed. Hostile
content (huge values, control characters, text that is not valid in its encoding, a packet
that is not XML) never raises: that field or block is skipped and a warning says why.

Pillow reads the blocks (it already reads them when probing); the XMP packet alone is handed to
Exiv2's XMP toolkit (pyexiv2), inside a tiny in-memory PNG, so Exiv2 never parses the rest of a
hostile file and the XML parser it uses refuses DOCTYPE declarations (no entity expansion).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, IptcImagePlugin, UnidentifiedImageError

from provenance.domain.text import nfc
from provenance.media.probe import RejectedFile, open_regular

__all__ = [
    "EXIF",
    "FIELDS",
    "IIM",
    "OBJECT_SOURCE",
    "XMP",
    "EmbeddedField",
    "EmbeddedMetadata",
    "read_embedded",
]

#: The blocks a value can come from, as history notes and reports name them.
XMP, IIM, EXIF = "XMP", "IPTC-IIM", "EXIF"
#: Where an object's date comes from: the XMP's IPTC Extension "Artwork or Object".
OBJECT_SOURCE = "XMP Artwork or Object"

#: The fields read, in the order reports list them.
FIELDS: tuple[str, ...] = (
    "title",
    "creator",
    "description",
    "keywords",
    "rights",
    "credit",
    "date_created",
)
_WORDS = {
    "title": "title",
    "creator": "creator",
    "description": "description",
    "keywords": "keywords",
    "rights": "copyright notice",
    "credit": "credit line",
    "date_created": "date created",
}

#: What the IPTC digest says about the IIM block.
DIGEST_MATCHES, DIGEST_DIFFERS, DIGEST_ABSENT, NO_IIM = "matches", "differs", "absent", "no IIM"

# IIM datasets (record, number) and their byte limits (IIM 4.2); a value exactly at its limit
# that starts the XMP value is a cut copy of it, not a different value.
_IIM_DATASETS = {
    "title": ((2, 5), 64),  # Object Name
    "creator": ((2, 80), 32),  # By-line (repeatable)
    "description": ((2, 120), 2000),  # Caption/Abstract
    "keywords": ((2, 25), 64),  # Keywords (repeatable)
    "rights": ((2, 116), 128),  # Copyright Notice
    "credit": ((2, 110), 32),  # Credit
}
_IIM_DATE, _IIM_TIME, _IIM_CHARSET = (2, 55), (2, 60), (1, 90)
_IIM_UTF8 = b"\x1b%G"  # ISO 2022 escape sequence "ESC % G": UTF-8

_XMP_KEYS = {
    "title": "Xmp.dc.title",
    "creator": "Xmp.dc.creator",
    "description": "Xmp.dc.description",
    "keywords": "Xmp.dc.subject",
    "rights": "Xmp.dc.rights",
    "credit": "Xmp.photoshop.Credit",
    "date_created": "Xmp.photoshop.DateCreated",
}

_XMP_OBJECT_DATE = "Xmp.iptcExt.ArtworkOrObject[1]/Iptc4xmpExt:AODateCreated"

# EXIF (IFD0) text tags the MWG reconciles, and DateTimeOriginal in the Exif IFD.
_EXIF_TAGS = {"description": 0x010E, "creator": 0x013B, "rights": 0x8298}
_EXIF_IFD, _DATE_TIME_ORIGINAL = 0x8769, 0x9003
# Windows' UCS-2 copies (Explorer's Title, Authors, Comments and Tags).
_XP_TAGS = {"title": 0x9C9B, "creator": 0x9C9D, "description": 0x9C9C, "keywords": 0x9C9E}

# Photoshop image resources and TIFF tags holding the IIM and its digest (and, in a PSD file,
# the EXIF and the XMP).
_IRB_IIM, _IRB_DIGEST, _IRB_EXIF, _IRB_XMP = 0x0404, 0x0425, 0x0422, 0x0424
_TIFF_IIM, _TIFF_IRB = 33723, 34377

#: Longest text taken from a file, in characters; longer is a paste gone wrong, or hostile.
MAX_TEXT = 2_000
MAX_DESCRIPTION = 20_000
MAX_KEYWORD = 200  # as provenance.domain.tags.MAX_KEYWORD
MAX_KEYWORDS = 500
#: Largest XMP packet parsed (Photoshop's DocumentAncestors can bloat packets to megabytes).
MAX_XMP = 16_000_000

# Formats whose metadata Pillow reads; others (SVG, PDF, JPEG XL, GIF...) have none to read.
_FORMATS = ("JPEG", "TIFF", "PNG", "WEBP", "HEIF", "AVIF", "PSD")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Captions cameras and old software write by themselves ("OLYMPUS DIGITAL CAMERA", "SONY DSC",
# Samsung's "<Digimax i50 MP3, Samsung #1 MP3>"): not a description of anything, so not read,
# as digiKam ignores them too.
_BOILERPLATE = re.compile(
    r"(?:[A-Z0-9][A-Z0-9 .,&-]{0,30} )?DIGITAL (?:STILL )?CAMERA"
    r"|(?:KODAK )?Digital (?:Still )?Camera|SONY DSC|<[^<>]{0,60}>"
    r"|File written by Adobe Photoshop\b.{0,20}"
)
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")
_MULTILINE = frozenset({"description"})


@dataclass(frozen=True)
class EmbeddedField:
    """One field as the file says it: its value, the block that won, what the others said.

    ``values`` has several entries for keywords and for several creators, one otherwise.
    ``others`` lists ``(block, what it said)`` for each block that said something different.
    """

    name: str
    values: tuple[str, ...]
    source: str
    others: tuple[tuple[str, str], ...] = ()

    @property
    def value(self) -> str:
        """The value as one text (several creators or keywords joined by "; ")."""
        return "; ".join(self.values)

    @property
    def disagreed(self) -> bool:
        """Whether another block said something else."""
        return bool(self.others)


@dataclass(frozen=True)
class EmbeddedMetadata:
    """What one file says about itself, reconciled; ``iptc_digest`` is one of "matches",
    "differs", "absent" (IIM without a digest) and "no IIM"."""

    fields: tuple[EmbeddedField, ...] = ()
    iptc_digest: str = NO_IIM
    warnings: tuple[str, ...] = ()
    #: The day a camera says the picture was taken (EXIF DateTimeOriginal), or None.
    capture_day: str | None = None
    #: The date of the object shown (IPTC Extension "Artwork or Object", AODateCreated of the
    #: first object), or None: for a photograph of an object, this is the object's date.
    object_day: str | None = None

    def get(self, name: str) -> EmbeddedField | None:
        """The field `name` (one of FIELDS), or None when the file does not say it."""
        return next((f for f in self.fields if f.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: each field's value, source and disagreeing blocks."""
        return {
            "fields": {
                f.name: {
                    "value": list(f.values) if f.name == "keywords" else f.value,
                    "source": f.source,
                    "others": {source: text for source, text in f.others},
                }
                for f in self.fields
            },
            "iptc_digest": self.iptc_digest,
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------------------------------------
# Cleaning one value
# ---------------------------------------------------------------------------------------------


class _Skip(Exception):
    """A value that is not taken; ``str(exc)`` is the warning."""


def _limit(name: str) -> int:
    if name == "keywords":
        return MAX_KEYWORD
    return MAX_DESCRIPTION if name == "description" else MAX_TEXT


def _clean(name: str, source: str, text: str) -> str | None:
    """A value as Credence keeps it (NFC, spaces tidied), None when blank; _Skip when it is
    too long or holds control characters (which no real caption or title has)."""
    text = text.strip("\x00").strip()  # EXIF pads with NULs; IIM tools with spaces
    if not text:
        return None
    words = f"the file's {source} {_WORDS[name]}"
    if _CONTROL.search(text):
        raise _Skip(f"{words} contains control characters; it was not read")
    if len(text) > _limit(name):
        raise _Skip(
            f"{words} is {len(text):,} characters long (more than {_limit(name):,}); "
            "it was not read"
        )
    if name == "description" and _BOILERPLATE.fullmatch(text):
        return None
    text = nfc(text)
    if name == "keywords":  # as a typed keyword is kept (provenance.domain.tags)
        return _SPACES.sub(" ", text)
    if name not in _MULTILINE:
        text = _LINE_BREAKS.sub(" ", text)
    return text


def _values(name: str, source: str, texts: Iterable[str], warnings: list[str]) -> tuple[str, ...]:
    """Clean each text; a bad one is skipped with a warning, duplicates are dropped."""
    kept: dict[str, str] = {}
    for text in texts:
        try:
            value = _clean(name, source, text)
        except _Skip as exc:
            warnings.append(str(exc))
            continue
        if value is not None:
            kept.setdefault(value.casefold() if name == "keywords" else value, value)
    values = tuple(kept.values())
    if name == "keywords" and len(values) > MAX_KEYWORDS:
        warnings.append(
            f"the file's {source} has {len(values):,} keywords; the first {MAX_KEYWORDS} were read"
        )
        values = values[:MAX_KEYWORDS]
    return values


def _decode(raw: bytes, name: str, source: str, *, utf8: bool, strict: bool) -> str:
    """Bytes as text: UTF-8 when `utf8`, Latin-1 (code page 1252) otherwise. When not
    `strict`, UTF-8 that does not decode is read as Latin-1 (the MWG's rule for EXIF)."""
    if utf8:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            if strict:
                raise _Skip(
                    f"the file's {source} {_WORDS[name]} is not valid UTF-8 although the file "
                    "says it is; it was not read"
                ) from None
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return raw.decode("latin-1")


# ---------------------------------------------------------------------------------------------
# Reading the three blocks
# ---------------------------------------------------------------------------------------------


@dataclass
class _Blocks:
    """Each block's candidate values per field (already cleaned), before reconciling."""

    xmp: dict[str, tuple[str, ...]] = field(default_factory=dict)
    iim: dict[str, tuple[str, ...]] = field(default_factory=dict)
    iim_bytes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    exif: dict[str, tuple[str, ...]] = field(default_factory=dict)
    windows: dict[str, tuple[str, ...]] = field(default_factory=dict)
    digest: str = NO_IIM
    warnings: list[str] = field(default_factory=list)
    object_day: str | None = None


def _psd_resources(im: Image.Image) -> dict[int, bytes]:
    """A PSD file's image resources by id (Pillow keeps them as a list of tuples)."""
    found: dict[int, bytes] = {}
    for entry in getattr(im, "resources", None) or ():
        if isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[2], bytes):
            found.setdefault(entry[0], entry[2])
    return found


def _xmp_packet(im: Image.Image) -> bytes | None:
    raw = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if raw is None:
        raw = _psd_resources(im).get(_IRB_XMP)
    if raw is None and (tags := getattr(im, "tag_v2", None)) is not None:
        raw = tags.get(700)  # TIFF XMP tag
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    if isinstance(raw, tuple) and all(isinstance(x, int) and 0 <= x < 256 for x in raw):
        return bytes(raw)
    return None


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_holding(packet: bytes) -> bytes:
    """A 1x1 PNG whose only metadata is `packet` (an iTXt chunk, which has no size limit)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet)
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def _quiet_exiv2() -> None:
    """Exiv2 prints warnings on standard output, which would mix into command output."""
    from provenance.media.xmp import silence_exiv2_warnings

    silence_exiv2_warnings()


def _xmp_texts(value: Any) -> list[str]:
    """An XMP property as pyexiv2 gives it (lang-alt dict, array, text) as a list of texts;
    from a lang-alt, the x-default text (else the first language)."""
    if isinstance(value, dict):
        if not value:
            return []
        return [value.get('lang="x-default"', next(iter(value.values())))]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def _read_xmp(packet: bytes, blocks: _Blocks) -> None:
    if len(packet) > MAX_XMP:
        blocks.warnings.append(
            f"the file's XMP is {len(packet):,} bytes (more than {MAX_XMP:,}); it was not read"
        )
        return
    import pyexiv2

    _quiet_exiv2()
    try:
        image = pyexiv2.ImageData(_png_holding(packet))
        try:
            # Latin-1 turns every byte into one character and back, so the UTF-8 check is ours,
            # per value, rather than one bad value failing the whole packet.
            data = image.read_xmp(encoding="latin-1")
        finally:
            image.close()
    except Exception as exc:  # Exiv2 raises RuntimeError for malformed XML, ValueError...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        blocks.warnings.append(f"the file's XMP is malformed ({reason[:120]}); it was not read")
        return
    for name, key in _XMP_KEYS.items():
        texts = []
        for text in _xmp_texts(data.get(key)):
            try:
                texts.append(text.encode("latin-1").decode("utf-8"))
            except (UnicodeEncodeError, UnicodeDecodeError):
                blocks.warnings.append(
                    f"the file's XMP {_WORDS[name]} is not valid UTF-8; it was not read"
                )
        if name == "date_created":
            artwork = _xmp_texts(data.get(_XMP_OBJECT_DATE))
            if artwork and (match := _XMP_DATE.match(artwork[0].strip())):
                blocks.object_day = _day(*match.groups())
            texts = [d for d in (_xmp_date(t, blocks) for t in texts) if d]
            if texts:
                blocks.xmp[name] = (texts[0],)
            continue
        values = _values(name, XMP, texts, blocks.warnings)
        if values:
            blocks.xmp[name] = values


def _iim_block(im: Image.Image) -> tuple[bytes | None, bytes | None]:
    """The raw IIM block and the stored IPTC digest (16 bytes), where the MWG puts them."""
    block = digest = None
    photoshop = im.info.get("photoshop") or _psd_resources(im)  # JPEG's APP13, or a PSD's
    if isinstance(photoshop, dict):
        block = photoshop.get(_IRB_IIM)
        digest = photoshop.get(_IRB_DIGEST)
    tags = getattr(getattr(im, "tag_v2", None), "_tagdata", None)  # TIFF: raw tag bytes
    if isinstance(tags, dict):
        if block is None:
            block = tags.get(_TIFF_IIM)
        irb = tags.get(_TIFF_IRB)
        if digest is None and isinstance(irb, bytes):
            digest = _resources(irb).get(_IRB_DIGEST)
    block = bytes(block) if isinstance(block, bytes | bytearray) else None
    digest = bytes(digest) if isinstance(digest, bytes | bytearray) else None
    return block, digest


def _resources(data: bytes) -> dict[int, bytes]:
    """Photoshop image resources ("8BIM" blocks) by id; stops quietly at damage."""
    found: dict[int, bytes] = {}
    pos = 0
    while pos + 12 <= len(data) and data[pos : pos + 4] == b"8BIM":
        rid = int.from_bytes(data[pos + 4 : pos + 6], "big")
        name_len = data[pos + 6]
        pos += 6 + 1 + name_len + ((1 + name_len) % 2)  # Pascal name padded to even
        if pos + 4 > len(data):
            break
        size = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        found[rid] = data[pos : pos + size]
        pos += size + (size % 2)
    return found


def _read_iim(im: Image.Image, blocks: _Blocks) -> None:
    block, stored = _iim_block(im)
    if not block:
        return
    if stored is None or len(stored) != 16:
        blocks.digest = DIGEST_ABSENT
    else:
        current = hashlib.md5(block, usedforsecurity=False).digest()
        blocks.digest = DIGEST_MATCHES if current == stored else DIGEST_DIFFERS
    try:
        # Pillow finds the block in JPEG and TIFF; a PSD's is parsed the same way from bytes.
        info = IptcImagePlugin.getiptcinfo(im) or _iim_datasets(block)
    except Exception:  # Pillow raises SyntaxError, OSError... for a damaged block
        blocks.warnings.append("the file's IPTC-IIM block is damaged; it was not read")
        blocks.digest = NO_IIM
        return

    def raw(key: tuple[int, int]) -> list[bytes]:
        value = info.get(key)
        items = value if isinstance(value, list) else [value]
        return [v for v in items if isinstance(v, bytes)]

    charset = raw(_IIM_CHARSET)
    utf8 = bool(charset) and charset[0].startswith(_IIM_UTF8)
    for name, (key, _limit_bytes) in _IIM_DATASETS.items():
        texts, sizes = [], []
        for value in raw(key):
            try:
                texts.append(_decode(value, name, IIM, utf8=utf8, strict=True))
                sizes.append(len(value))
            except _Skip as exc:
                blocks.warnings.append(str(exc))
        values = _values(name, IIM, texts, blocks.warnings)
        if values:
            blocks.iim[name] = values
            blocks.iim_bytes[name] = tuple(sizes)
    date = raw(_IIM_DATE)
    if date:
        day = _iim_date(date[0])
        if day:
            blocks.iim["date_created"] = (day,)


def _iim_datasets(block: bytes) -> dict[tuple[int, int], bytes | list[bytes]]:
    """IIM datasets of a raw block, parsed by Pillow's own IPTC reader."""
    reader = IptcImagePlugin.IptcImageFile.__new__(IptcImagePlugin.IptcImageFile)
    reader.info = {}
    reader.fp = io.BytesIO(block)
    with contextlib.suppress(IndexError, KeyError):  # Pillow's reader ends this way
        reader._open()
    return {k: v for k, v in reader.info.items() if isinstance(k, tuple)}


def _read_exif(im: Image.Image, blocks: _Blocks) -> None:
    if im.format == "PNG" and "exif" not in im.info:
        # Pillow would decode every pixel to look for an eXIf chunk after the image data;
        # the PNG specification puts it before, where Pillow has already found it.
        return
    try:
        exif = im.getexif()
        if not exif and (psd := _psd_resources(im).get(_IRB_EXIF)):
            exif = Image.Exif()
            exif.load(psd)
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # a damaged EXIF block: Pillow raises many kinds
        blocks.warnings.append("the file's EXIF is damaged; it was not read")
        return
    for name, tag in _EXIF_TAGS.items():
        value = exif.get(tag)
        if not isinstance(value, str | bytes):
            continue
        # Pillow decodes EXIF ASCII as Latin-1: encoding it back gives the bytes as stored.
        data = value.encode("latin-1", "replace") if isinstance(value, str) else value
        try:
            text = _decode(data, name, EXIF, utf8=True, strict=False)
        except _Skip as exc:
            blocks.warnings.append(str(exc))
            continue
        # EXIF Copyright may hold the photographer's and the editor's notices, NUL-separated.
        parts = [p for p in (s.strip() for s in text.split("\x00")) if p]
        values = _values(name, EXIF, ["; ".join(parts)] if parts else [], blocks.warnings)
        if values:
            blocks.exif[name] = values
    original = sub.get(_DATE_TIME_ORIGINAL)
    if isinstance(original, str):
        day = _exif_date(original)
        if day:
            blocks.exif["date_created"] = (day,)
    for name, tag in _XP_TAGS.items():
        value = exif.get(tag)
        if isinstance(value, tuple) and all(isinstance(x, int) and 0 <= x < 256 for x in value):
            value = bytes(value)
        if not isinstance(value, bytes):
            continue
        try:
            text = value.decode("utf-16-le")
        except UnicodeDecodeError:
            blocks.warnings.append(
                f"the file's Windows {_WORDS[name]} (EXIF XP tag) is not valid UCS-2; "
                "it was not read"
            )
            continue
        text = text.split("\x00", 1)[0]
        texts = text.split(";") if name in ("keywords", "creator") else [text]
        values = _values(name, EXIF, texts, blocks.warnings)
        if values:
            blocks.windows[name] = values


# ---------------------------------------------------------------------------------------------
# Dates: the day the picture was made, as EDTF (2024-03-22, 2024-03 or 2024)
# ---------------------------------------------------------------------------------------------

_EXIF_DATE = re.compile(r"^\s*(\d{4})[:-](\d{2})[:-](\d{2})")
_XMP_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T\s]|$)")
_IIM_DATE_RE = re.compile(rb"^(\d{4})(\d{2})(\d{2})$")


def _day(year: str, month: str | None, day: str | None) -> str | None:
    """EDTF for a year with an optional month and day; "00" means unknown (EXIF, IIM)."""
    if year == "0000":
        return None
    if not month or month == "00":
        return year
    if not 1 <= int(month) <= 12:
        return None
    if not day or day == "00":
        return f"{year}-{month}"
    try:
        # A plain day is EDTF level 0; datetime checks it (2024-02-31 is none) far faster than
        # the EDTF grammar would.
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return f"{year}-{month}-{day}"


def _exif_date(text: str) -> str | None:
    match = _EXIF_DATE.match(text)
    return _day(*match.groups()) if match else None


def _iim_date(raw: bytes) -> str | None:
    match = _IIM_DATE_RE.match(raw.strip())
    return _day(*(g.decode("ascii") for g in match.groups())) if match else None


def _xmp_date(text: str, blocks: _Blocks) -> str | None:
    match = _XMP_DATE.match(text)
    if match is None:
        if text.strip():
            blocks.warnings.append(
                "the file's XMP date created is not a date Credence can read; it was not read"
            )
        return None
    return _day(*match.groups())


# ---------------------------------------------------------------------------------------------
# Reconciling (MWG 2.0)
# ---------------------------------------------------------------------------------------------


def _key(name: str, values: tuple[str, ...]) -> Any:
    if name == "keywords":
        return frozenset(v.casefold() for v in values)
    return "; ".join(values)


def _cut_copy(name: str, iim: tuple[str, ...], sizes: tuple[int, ...], xmp: tuple[str, ...]):
    """Whether the IIM value is the XMP value cut at the IIM byte limit (the MWG's check)."""
    limit = _IIM_DATASETS[name][1] if name in _IIM_DATASETS else None
    if limit is None or len(iim) != len(xmp) or len(sizes) != len(iim):
        return False
    return any(s >= limit for s in sizes) and all(
        x.startswith(i) for i, x in zip(iim, xmp, strict=True)
    )


def _reconcile(name: str, blocks: _Blocks) -> tuple[EmbeddedField | None, str | None]:
    """The field as the MWG rules read it, and a warning when an XMP value was set aside."""
    exif, xmp, iim = blocks.exif.get(name), blocks.xmp.get(name), blocks.iim.get(name)
    sizes = blocks.iim_bytes.get(name, ())
    warning = None
    if exif:
        won = EXIF
    elif blocks.digest == NO_IIM or (xmp and blocks.digest != DIGEST_DIFFERS):
        won = XMP if xmp else None
    elif not iim:
        won = None
        if xmp:
            warning = (
                f"the file's XMP {_WORDS[name]} was not read: the IPTC-IIM was edited after "
                "the XMP was written (the IPTC digest differs) and no longer has it"
            )
    elif xmp and _cut_copy(name, iim, sizes, xmp):
        won = XMP
    else:
        won = IIM
    said = {EXIF: exif, IIM: iim, XMP: xmp}
    if won is None:
        windows = blocks.windows.get(name)
        if not windows or warning:
            return None, warning
        return EmbeddedField(name, windows, EXIF), None
    values = said[won]
    assert values
    others = []
    for source in (XMP, IIM, EXIF):
        other = said[source]
        if source == won or not other or _key(name, other) == _key(name, values):
            continue
        if source == IIM and won == XMP and _cut_copy(name, other, sizes, values):
            continue
        others.append((source, "; ".join(other)))
    return EmbeddedField(name, values, won, tuple(others)), warning


# ---------------------------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------------------------


def read_embedded(path: Path) -> EmbeddedMetadata:
    """Read and reconcile what `path` says about itself (see the module's notes).

    Never raises for the file's content: a file with no metadata, or one Pillow cannot open
    (SVG, PDF, JPEG XL, damaged), gives an empty result; a bad field or block gives a warning.
    An unreadable file raises OSError or RejectedFile, as every read of an import does.
    """
    blocks = _Blocks()
    with open_regular(Path(path)) as handle:
        Image.init()  # Pillow refuses a format name it has not registered (HEIF, AVIF)
        try:
            im = Image.open(handle, formats=[f for f in _FORMATS if f in Image.OPEN])
        except (UnidentifiedImageError, RejectedFile):
            return EmbeddedMetadata()
        except Exception:  # damaged headers: the probe already said so, nothing to read here
            return EmbeddedMetadata()
        with im:
            _read_iim(im, blocks)
            _read_exif(im, blocks)
            packet = _xmp_packet(im)
    if packet:
        _read_xmp(packet, blocks)
    fields = []
    for name in FIELDS:
        found, warning = _reconcile(name, blocks)
        if warning:
            blocks.warnings.append(warning)
        if found is not None:
            fields.append(found)
    capture = blocks.exif.get("date_created")
    return EmbeddedMetadata(
        tuple(fields),
        blocks.digest,
        tuple(dict.fromkeys(blocks.warnings)),
        capture[0] if capture else None,
        blocks.object_day,
    )
