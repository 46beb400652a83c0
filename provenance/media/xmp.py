"""Write an export's XMP into an image file in place, without re-encoding its pixels.

Credence writes XMP into the temporary copy of an export *before* signing it (any byte written
after signing breaks the C2PA hard binding). Pillow's ``save(xmp=...)`` would re-encode the
pixels, so the XMP is edited with Exiv2 (through pyexiv2), which rewrites only metadata segments
or chunks: JPEG entropy-coded data, PNG IDAT, TIFF strips/tiles and WebP bitstreams are copied
byte for byte.

Existing XMP is merged: every property Credence does not set is kept, and each property it sets
replaces the old value (a second write never doubles ``dc:creator``).

The legacy copies of the same properties are kept in step, so a file never holds two different
titles, captions, creators, copyright notices, credit lines or keyword sets. The mapping is the
IPTC Photo Metadata TechReference's (2023.2, which follows the Metadata Working Group's
guidelines): dc:title = IIM 2:05 Object Name; dc:description = IIM 2:120 Caption/Abstract =
EXIF ImageDescription; dc:creator = IIM 2:80 By-line = EXIF Artist; dc:rights = IIM 2:116
Copyright Notice = EXIF Copyright; photoshop:Credit = IIM 2:110 Credit; dc:subject = IIM 2:25
Keywords. Subjects from controlled vocabularies are also written as Iptc4xmpExt:AboutCvTerm
(CvId = the scheme's URI, CvTermId = the concept's URI, CvTermName = its labels, lang-alt);
IIM has no place for them beyond their labels among the keywords.

IIM is written where the file already carries an IIM block (as the MWG asks of a "changer",
and as ExifTool's MWG module does): every IIM copy of a property Credence sets is then written
into it, as UTF-8 with 1:90 Coded Character Set ESC % G (other text datasets of the block are
re-encoded to UTF-8 from what they were, so none is misread). A file without IIM gets none;
formats without IIM (WebP; PNG has no standard place) get only XMP and EXIF. A value longer
than its IIM dataset's byte limit (Object Name 64, Caption 2000, Keywords 64 each, By-line 32,
Copyright 128, Credit 32) is kept whole in the XMP and cut in the IIM at a character boundary,
with a note (the MWG's readers recover the whole text from the XMP). Photoshop's IPTC digest is
brought up to date afterwards (`provenance.media.photoshop`), so MWG readers trust the XMP.

EXIF copies are written where the file already has them. When the record has no value, the
XMP is left as it is and any legacy copy that says something else is removed. Windows'
XPTitle, XPComment, XPSubject, XPKeywords and XPAuthor (UCS-2 duplicates no other tool keeps in
step) are removed rather than kept as a second, older copy.

Formats: JPEG, PNG, TIFF and WebP. The other formats c2pa can sign are not writable by the
Exiv2 0.28 inside pyexiv2 2.16: HEIF/HEIC, AVIF and JPEG XL open read-only, GIF and SVG carry no
XMP for Exiv2. DNG is TIFF-based and probably works, but no real DNG was at hand to prove that
pixels and raw data survive, so it is not offered.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from provenance.domain.errors import CredenceError
from provenance.media import photoshop
from provenance.media.output import write_atomic

if TYPE_CHECKING:
    import pyexiv2

# Exiv2 key names. Exiv2 calls the IPTC Extension prefix ``iptcExt`` (namespace
# http://iptc.org/std/Iptc4xmpExt/2008-02-29/, "Iptc4xmpExt" in the IPTC spec) and accepts
# property names it does not know in a namespace it does know, so no registerNs() is needed.
_TITLE = "Xmp.dc.title"
_DESCRIPTION = "Xmp.dc.description"
_CREATOR = "Xmp.dc.creator"
_RIGHTS = "Xmp.dc.rights"
_CREDIT = "Xmp.photoshop.Credit"
_SUBJECT = "Xmp.dc.subject"
_ABOUT = "Xmp.iptcExt.AboutCvTerm"
_DIGITAL_SOURCE_TYPE = "Xmp.iptcExt.DigitalSourceType"
_DATA_MINING = "Xmp.plus.DataMining"
# IPTC Photo Metadata 2025.1 "AI System Used" / "AI System Version Used". The newest IPTC
# TechReference in ../shared/data is 2024.1 (no AI fields), so these are the XMP names IPTC
# published with 2025.1: Iptc4xmpExt:AISystemUsed and Iptc4xmpExt:AISystemVersionUsed.
_AI_SYSTEM = "Xmp.iptcExt.AISystemUsed"
_AI_SYSTEM_VERSION = "Xmp.iptcExt.AISystemVersionUsed"

_X_DEFAULT = 'lang="x-default"'

# Exiv2 chains at most four IFDs in a TIFF (IFD0..IFD3, "Image3 has an unexpected next
# pointer; ignored") and silently drops later pages when it rewrites the file.
_EXIV2_MAX_TIFF_IFDS = 4

_WRITABLE = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "jpeg",
        "jpg",
        "jpe",
        "image/png",
        "png",
        "image/tiff",
        "tiff",
        "tif",
        "image/webp",
        "image/x-webp",
        "webp",
    }
)

# Plainer wording for the Exiv2 messages a person is likely to meet.
_REASONS = {
    "The file contains data of an unknown image type": (
        "it is not an image format that can hold XMP here (JPEG, PNG, TIFF or WebP)"
    ),
    "Failed to read input data": "the file is empty or cannot be read",
    "Failed to read image data": "the file is damaged or cut short",
    "corrupted image metadata": "the file is damaged or is not an image",
    "Size of XMP JPEG segment is larger than 65535 bytes": (
        "the XMP is larger than the 64 KB a JPEG can hold; shorten the description or title"
    ),
}


@dataclass(frozen=True)
class CvTerm:
    """A subject from a controlled vocabulary, as Iptc4xmpExt:AboutCvTerm holds it.

    ``names`` are (language, label) pairs; the first is written as x-default too.
    """

    cv_id: str  # the vocabulary (concept scheme) URI
    term_id: str  # the concept URI
    names: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class XmpFields:
    """The XMP properties an export carries. ``None`` (or empty) leaves a property untouched.

    Text is written as given, trimmed; characters XML cannot hold are replaced (control
    characters by a space, as Adobe's XMP Toolkit does, others by U+FFFD).
    """

    title: str | None = None  # dc:title (Lang Alt x-default)
    description: str | None = None  # the disclosure sentence; dc:description (Lang Alt)
    creators: tuple[str, ...] = ()  # dc:creator (Seq)
    rights: str | None = None  # dc:rights (Lang Alt x-default)
    credit: str | None = None  # photoshop:Credit
    digital_source_type: str | None = None  # full IPTC URI -> Iptc4xmpExt:DigitalSourceType
    data_mining: str | None = None  # full PLUS URI (.../ldf/vocab/DMI-...) -> plus:DataMining
    ai_system: str | None = None  # IPTC 2025.1 "AI System Used" -> Iptc4xmpExt:AISystemUsed
    ai_system_version: str | None = None  # "AI System Version Used" -> ...:AISystemVersionUsed
    #: dc:subject (Bag) and IIM Keywords: the item's keywords and its subjects' labels.
    keywords: tuple[str, ...] = ()
    #: Iptc4xmpExt:AboutCvTerm: the item's subjects with their URIs (replaces the file's own).
    about: tuple[CvTerm, ...] = ()


class XmpError(CredenceError):
    """XMP could not be written into a file; the message names the file and the reason."""


def can_write_xmp(mime_or_format: str) -> bool:
    """Whether :func:`write_xmp` can write into this format.

    Accepts a MIME type (``image/jpeg``), a Pillow format name (``JPEG``) or an extension
    (``.tif``). True for JPEG, PNG, TIFF and WebP. A TIFF with more than four pages is still
    refused by :func:`write_xmp`, because Exiv2 would drop the later pages.
    """
    key = mime_or_format.strip().lower().lstrip(".")
    return key in _WRITABLE


def write_xmp(path: Path, fields: XmpFields, notes: list[str] | None = None) -> None:
    """Write ``fields`` into the XMP of the image at ``path``, in place.

    ``path`` must be Credence's own temporary copy, never an original: the file is rewritten
    (metadata only; pixel data is copied byte for byte). Other XMP properties are kept; the
    ones set here replace what was there. Nothing is written when no field has a value.
    What a reader should know (a value cut in IPTC-IIM) is appended to ``notes``.

    Raises :class:`XmpError` naming the file when it is missing, damaged, not a writable format,
    a TIFF with more than four pages, or when a value cannot be stored.
    """
    path = Path(path)
    changes = _xmp_changes(path, fields)
    if not changes:
        return
    if not path.is_file():
        raise _error(path, "the file does not exist")
    _refuse_long_tiff(path)
    modify = _modify_by_name if _exiv2_opens_by_name(path) else _modify_in_memory
    try:
        modify(path, changes, fields, notes if notes is not None else [])
    except (RuntimeError, ValueError, OSError, UnicodeError) as exc:
        raise _error(path, _plain_reason(exc, path)) from None


def write_xmp_bytes(
    data: bytes, fields: XmpFields, name: str, notes: list[str] | None = None
) -> bytes:
    """Like :func:`write_xmp`, on a file's bytes in memory; returns the new bytes.

    The export's fast path: no temporary file is written and read back just for metadata.
    ``name`` is the file name used in error messages; notes are appended to ``notes``.
    """
    label = Path(name)
    changes = _xmp_changes(label, fields)
    if not changes:
        return data
    _refuse_long_tiff_stream(io.BytesIO(data), label)
    notes = notes if notes is not None else []
    # Exiv2 rewrites a JPEG's segments before the first scan and copies the rest byte for byte.
    # Only that head goes through it, ended by a stand-in scan: the megabytes of image data are
    # then copied once (below), not into Exiv2, through its rewrite and back out.
    # Anything unexpected on that route (a damaged head) takes the whole file's route, so the
    # result and the error message are always what the whole file gives.
    scan = photoshop.jpeg_scan_start(data)
    if scan is not None:
        kept: list[str] = []
        with contextlib.suppress(XmpError):
            out = _rewrite_in_memory(data[:scan] + _SCAN_STAND_IN, changes, fields, kept, label)
            if out.endswith(_SCAN_STAND_IN):
                notes.extend(kept)
                scan_data = memoryview(data)[scan:]
                return b"".join((memoryview(out)[: -len(_SCAN_STAND_IN)], scan_data))
    return _rewrite_in_memory(data, changes, fields, notes, label)


def _rewrite_in_memory(
    data: bytes, changes: dict[str, object], fields: XmpFields, notes: list[str], label: Path
) -> bytes:
    import pyexiv2  # loaded by the code that edits files: a change to a record needs none

    image = None
    try:
        image = pyexiv2.ImageData(data)
        _require_writable(image)
        was_true = _digest_was_true(data)
        if _write_fields(image, changes, fields, notes):
            return _after_iim_change(image.get_bytes(), was_true)
        return image.get_bytes()
    except (RuntimeError, ValueError, OSError, UnicodeError) as exc:
        raise _error(label, _plain_reason(exc, label)) from None
    finally:
        if image is not None:
            image.close()


#: An empty scan and the end of the image: what follows a JPEG head given to Exiv2 alone.
_SCAN_STAND_IN = b"\xff\xda\x00\x02\xff\xd9"


def _xmp_changes(path: Path, fields: XmpFields) -> dict[str, object]:
    """The pyexiv2 ``modify_xmp`` table for the fields that have a value."""
    changes: dict[str, object] = {}
    for key, value in (
        (_TITLE, fields.title),
        (_DESCRIPTION, fields.description),
        (_RIGHTS, fields.rights),
    ):
        text = _clean(value)
        if text:
            # pyexiv2 turns a dict into an Exiv2 LangAlt; its text is taken literally.
            changes[key] = {_X_DEFAULT: text}
    creators = [text for text in (_clean(name) for name in fields.creators) if text]
    if creators:
        changes[_CREATOR] = creators  # a list becomes an rdf:Seq
    keywords = _unique(_clean(k) for k in fields.keywords)
    if keywords:
        changes[_SUBJECT] = keywords  # dc:subject is a Bag in Exiv2's schema
    terms = [t for t in fields.about if _clean(t.term_id)]
    if terms:
        changes[_ABOUT] = 'type="Bag"'  # Exiv2's way of making an array of structs
        for index, term in enumerate(terms, 1):
            base = f"{_ABOUT}[{index}]/iptcExt:"
            if _clean(term.cv_id):
                changes[base + "CvId"] = _clean(term.cv_id)
            changes[base + "CvTermId"] = _clean(term.term_id)
            names = _lang_alt(term.names)
            if names:
                changes[base + "CvTermName"] = names
    for key, label, value in (
        (_CREDIT, "credit line", fields.credit),
        (_DIGITAL_SOURCE_TYPE, "digital source type", fields.digital_source_type),
        (_DATA_MINING, "data-mining statement", fields.data_mining),
        (_AI_SYSTEM, "AI system", fields.ai_system),
        (_AI_SYSTEM_VERSION, "AI system version", fields.ai_system_version),
    ):
        text = _clean(value)
        if not text:
            continue
        if text.startswith("type="):
            # Exiv2 parses a leading "type=Seq"/"type=Alt"/... in simple text as an array or
            # struct marker (or fails on an unknown one): the value would not survive.
            reason = f'the {label} starts with "type=", which Exiv2 cannot store; reword it'
            raise _error(path, reason)
        changes[key] = text
    return changes


def _unique(values) -> list[str]:
    """Non-empty texts, the first of each case-insensitive spelling kept, in order."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def _lang_alt(names: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """A pyexiv2 LangAlt from (language, label) pairs: the first also as x-default; pairs
    without a well-formed language tag (RFC 5646 shape) only count for x-default."""
    out: dict[str, str] = {}
    for index, (language, label) in enumerate(names):
        text = _clean(label)
        if not text:
            continue
        if index == 0 or _X_DEFAULT not in out:
            out.setdefault(_X_DEFAULT, text)
        if _LANGUAGE.match(language or "") and language.lower() != "x-default":
            out.setdefault(f'lang="{language}"', text)
    return out


def _clean(value: str | None) -> str:
    """Trimmed text with every character XML 1.0 cannot hold replaced."""
    if value is None:
        return ""
    out = []
    for char in value.strip():
        code = ord(char)
        if code < 0x20 and char not in "\t\n\r":
            out.append(" ")  # as Adobe's XMP Toolkit does; NUL would silently cut the text
        elif 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append("\ufffd")  # these make the XMP packet unreadable to every parser
        else:
            out.append(char)
    return "".join(out).strip()


def _exiv2_opens_by_name(path: Path) -> bool:
    """Whether Exiv2 can open ``path`` by name; if not, the file goes through memory."""
    name = str(path)
    if os.name == "nt":
        # Exiv2 0.28 opens narrow paths in the ANSI code page on Windows: only ASCII is safe.
        return name.isascii()
    try:
        return os.fsencode(name) == name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogate escapes)
        return False


def _modify_by_name(
    path: Path, changes: dict[str, object], fields: XmpFields, notes: list[str]
) -> None:
    """Let Exiv2 open and rewrite the file itself (no extra copy of it in memory)."""
    import pyexiv2

    was_true = _digest_was_true_at(path)
    image = pyexiv2.Image(str(path), encoding="utf-8")
    try:
        _require_writable(image)
        iim_changed = _write_fields(image, changes, fields, notes)
    finally:
        image.close()
    if iim_changed:
        # Rare on this route (masters over the in-memory limit): the file is read once more.
        data = path.read_bytes()
        synced = _after_iim_change(data, was_true)
        if synced is not data:
            write_atomic(path, synced)


def _modify_in_memory(
    path: Path, changes: dict[str, object], fields: XmpFields, notes: list[str]
) -> None:
    """Edit the bytes in memory, then replace the file atomically (for unopenable names)."""
    import pyexiv2

    original = path.read_bytes()
    image = pyexiv2.ImageData(original)
    try:
        _require_writable(image)
        if _write_fields(image, changes, fields, notes):
            data = _after_iim_change(image.get_bytes(), _digest_was_true(original))
        else:
            data = image.get_bytes()
    finally:
        image.close()
    write_atomic(path, data)


def _digest_was_true(data: bytes) -> bool:
    """Whether a JPEG's IPTC digest matched its IIM before Credence rewrote it (or was none)."""
    return photoshop.digest_was_true(*photoshop.digest_state(photoshop.jpeg_resources(data)))


def _digest_was_true_at(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 20)  # the APP segments come first; 1 MiB holds them all
    except OSError:
        return True
    return _digest_was_true(head)


def _after_iim_change(data: bytes, was_true: bool) -> bytes:
    """The file's bytes with its IPTC digest made true again after its IIM was rewritten.

    JPEG: the digest is set (see `provenance.media.photoshop`). TIFF: a digest that no longer
    describes the IIM is removed through Exiv2. Other formats carry no digest.
    """
    if data[:2] == b"\xff\xd8":
        return photoshop.sync_jpeg_digest(data, was_true)
    if data[:4] not in (b"II*\x00", b"MM\x00*"):
        return data
    import pyexiv2

    image = pyexiv2.ImageData(data)  # opened again: Exiv2 builds tag 33723 only on writing
    try:
        exif = image.read_exif(encoding="latin-1")
        resources = exif.get("Exif.Image.ImageResources")
        if not resources:
            return data
        tag = exif.get("Exif.Image.IPTCNAA")
        iim_tag = _iptcnaa_bytes(tag) if tag is not None else None
        new = photoshop.tiff_resources_without_stale_digest(resources, iim_tag)
        if new is None:
            return data
        image.modify_exif({"Exif.Image.ImageResources": new}, encoding="latin-1")
        return image.get_bytes()
    finally:
        image.close()


def _iptcnaa_bytes(text: str) -> bytes | None:
    """Tag 33723 as stored: Exiv2 gives it as bytes or as 32-bit big/little words."""
    parts = str(text).split()
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return None
    if all(n < 256 for n in numbers):
        return bytes(numbers)
    return b"".join(n.to_bytes(4, "big") for n in numbers)


# (XMP key, IIM dataset, IIM byte limit, EXIF tags, Windows XP duplicates) per property.
_LEGACY: dict[str, tuple[str, str, int, tuple[str, ...], tuple[str, ...]]] = {
    "title": (_TITLE, "Iptc.Application2.ObjectName", 64, (), ("Exif.Image.XPTitle",)),
    "description": (
        _DESCRIPTION,
        "Iptc.Application2.Caption",
        2000,
        ("Exif.Image.ImageDescription",),
        ("Exif.Image.XPComment", "Exif.Image.XPSubject"),
    ),
    "creators": (
        _CREATOR,
        "Iptc.Application2.Byline",
        32,
        ("Exif.Image.Artist",),
        ("Exif.Image.XPAuthor",),
    ),
    "rights": (_RIGHTS, "Iptc.Application2.Copyright", 128, ("Exif.Image.Copyright",), ()),
    "credit": (_CREDIT, "Iptc.Application2.Credit", 32, (), ()),
    "keywords": (_SUBJECT, "Iptc.Application2.Keywords", 64, (), ("Exif.Image.XPKeywords",)),
}
#: Repeatable IIM datasets (one dataset per value).
_REPEATABLE = frozenset({"creators", "keywords"})
#: What a note calls each IIM dataset's value.
_IIM_WORDS = {
    "title": ("Object Name", "the title"),
    "description": ("Caption/Abstract", "the description"),
    "creators": ("By-line", "a creator"),
    "rights": ("Copyright Notice", "the rights statement"),
    "credit": ("Credit", "the credit line"),
    "keywords": ("Keywords", "a keyword"),
}
# ISO 2022 escape sequence for UTF-8 in IIM 1:90 Coded Character Set.
_IIM_UTF8 = "\x1b%G"


def _write_fields(image, changes: dict[str, object], fields: XmpFields, notes: list[str]) -> bool:
    """Write the XMP `changes`, then bring the IIM and EXIF copies of the same properties in
    line with the XMP (set to the record's value, or removed), in one pass of the image.
    Returns whether the IIM was changed (its digest must then be brought up to date)."""
    if _ABOUT in changes:
        # The record's subjects replace the file's own (a merge would mix two accounts).
        old = [k for k in image.read_xmp(encoding="utf-8") if k.startswith(_ABOUT)]
        if old:
            image.modify_xmp({k: None for k in old}, encoding="utf-8")
    image.modify_xmp(changes, encoding="utf-8")
    access = image.get_access_mode()
    iptc_ok = access.get("iptc") in ("write", "read+write")
    exif_ok = access.get("exif") in ("write", "read+write")
    xmp = image.read_xmp(encoding="utf-8")
    # Read as Latin-1 (every byte is one character), then each text as what it is.
    raw_iptc = image.read_iptc(encoding="latin-1") if iptc_ok else {}
    utf8 = raw_iptc.get(_IIM_CHARSET) == _IIM_UTF8
    iptc = {k: _iim_text(v, utf8) for k, v in raw_iptc.items()}
    exif = image.read_exif(encoding="utf-8") if exif_ok else {}
    iptc_changes: dict[str, object] = {}
    exif_changes: dict[str, object] = {}
    for name, (xmp_key, iim_key, iim_limit, exif_keys, xp_keys) in _LEGACY.items():
        values = _xmp_values(xmp.get(xmp_key))  # after the write: the record's, or the file's
        written = xmp_key in changes
        cut = [_cut_utf8(v, iim_limit) for v in values]
        if name not in _REPEATABLE:
            cut = cut[:1]
        if iptc and written and cut:
            # The file carries IIM: every IIM copy of what Credence writes goes into it.
            if _as_list(iptc.get(iim_key)) != cut:
                iptc_changes[iim_key] = cut if name in _REPEATABLE else cut[0]
            for whole, short in zip(values, cut, strict=False):
                if whole != short:
                    notes.append(_cut_note(name, iim_limit, short))
        elif iim_key in iptc and _as_list(iptc[iim_key]) != cut:
            iptc_changes[iim_key] = None  # says something the XMP does not
        for key in exif_keys:
            if key not in exif:
                continue
            wanted = "; ".join(values) if name == "creators" else (values[0] if values else "")
            if written and wanted:
                if str(exif[key]).strip() != wanted:
                    exif_changes[key] = wanted
            elif str(exif[key]).strip() != wanted:
                exif_changes[key] = None
        for key in xp_keys:
            if key in exif:
                exif_changes[key] = None
    if iptc_changes and not utf8:
        # Declared once for the whole block: the other text datasets are re-encoded to UTF-8
        # (from what they were), so the declaration never makes one of them misread.
        for key, value in iptc.items():
            if key in iptc_changes or not key.startswith("Iptc.Application2."):
                continue
            if any(not text.isascii() for text in _as_list(value)):
                iptc_changes[key] = value
        iptc_changes[_IIM_CHARSET] = _IIM_UTF8
    if iptc_changes:
        image.modify_iptc(iptc_changes, encoding="utf-8")
    if exif_changes:
        image.modify_exif(exif_changes, encoding="utf-8")
    return bool(iptc_changes)


_IIM_CHARSET = "Iptc.Envelope.CharacterSet"


def _iim_text(value: object, utf8: bool) -> object:
    """An IIM value read as Latin-1, decoded as UTF-8 when it is (declared or valid), else as
    Windows-1252 (what IIM without a declaration means in practice, as ExifTool reads it)."""
    if isinstance(value, list):
        return [_iim_text(v, utf8) for v in value]
    if not isinstance(value, str) or value.isascii():
        return value
    raw = value.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if utf8:
            return raw.decode("utf-8", "replace")
        return raw.decode("cp1252", "replace")


def _cut_utf8(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore").rstrip()


def _cut_note(name: str, limit: int, short: str) -> str:
    dataset, what = _IIM_WORDS[name]
    return (
        f"{what} is longer than the {limit} bytes IPTC-IIM {dataset} holds: the XMP keeps "
        f'it whole, the IIM copy is cut to "{short}"'
    )


def _xmp_values(value: object) -> list[str]:
    """An XMP property as pyexiv2 reads it (LangAlt dict, array, text) as a list of texts;
    for a LangAlt, the x-default (else the first) alternative."""
    if isinstance(value, dict):
        text = value.get(_X_DEFAULT) or next(iter(value.values()), "")
        return [str(text).strip()] if str(text).strip() else []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None or not str(value).strip():
        return []
    return [str(value).strip()]


def _as_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()] if value is not None and str(value).strip() else []


def _require_writable(image: pyexiv2.Image) -> None:
    if image.get_access_mode().get("xmp") not in ("write", "read+write"):
        kind = (image.get_mime_type() or "").rpartition("/")[2].upper() or "these"
        raise RuntimeError(f"Credence cannot write XMP into {kind} files")


def _refuse_long_tiff(path: Path) -> None:
    """Refuse a TIFF whose pages Exiv2 would drop on rewrite."""
    try:
        with path.open("rb") as handle:
            _refuse_long_tiff_stream(handle, path)
    except OSError:
        return  # let Exiv2 report the problem in its own words


def _refuse_long_tiff_stream(handle: BinaryIO, path: Path) -> None:
    pages = _count_tiff_ifds(handle, limit=_EXIV2_MAX_TIFF_IFDS + 1)
    if pages > _EXIV2_MAX_TIFF_IFDS:
        raise _error(
            path,
            f"it is a TIFF with more than {_EXIV2_MAX_TIFF_IFDS} pages and writing XMP would "
            "drop the later pages; export a single-page file instead",
        )


def _count_tiff_ifds(handle: BinaryIO, limit: int) -> int:
    """IFDs in the main chain of a classic TIFF, counting up to ``limit``; 0 if not a TIFF."""
    head = handle.read(8)
    if head[:4] == b"II*\x00":
        order = "<"
    elif head[:4] == b"MM\x00*":
        order = ">"
    else:
        return 0  # not a classic TIFF (BigTIFF is refused by Exiv2 itself)
    (offset,) = struct.unpack(order + "I", head[4:8])
    seen: set[int] = set()
    while offset and offset not in seen and len(seen) < limit:
        seen.add(offset)
        handle.seek(offset)
        raw = handle.read(2)
        if len(raw) < 2:
            break
        (entries,) = struct.unpack(order + "H", raw)
        handle.seek(offset + 2 + 12 * entries)
        raw = handle.read(4)
        if len(raw) < 4:
            break
        (offset,) = struct.unpack(order + "I", raw)
    return len(seen)


def _plain_reason(exc: BaseException, path: Path) -> str:
    """One plain line from an Exiv2/pyexiv2 exception, without the path it repeats."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    for prefix in (f"{path}: ", f"{path.name}: "):
        text = text.replace(prefix, "")
    if isinstance(exc, UnicodeError):
        return "a value or the file name cannot be encoded as UTF-8"
    if text.startswith("XMP Toolkit error"):
        return f"its existing XMP is malformed ({text})"
    if text.startswith("Failed to open the data source"):
        return "the file cannot be opened"
    return _REASONS.get(text, text)


def _error(path: Path, reason: str) -> XmpError:
    return XmpError(f"Cannot write XMP to {path.name}: {reason}.")


def silence_exiv2_warnings() -> None:
    """Keep Exiv2's own warnings off stdout (they would mix into command output).

    Process-wide by nature (Exiv2 has one log level); called once by each process that writes
    XMP: the command line at start-up and every export worker.
    """
    import pyexiv2

    pyexiv2.set_log_level(3)
