"""Facts about an image file read from its headers, and library thumbnails.

``probe_file`` never decodes pixels: it reads format, pixel size, EXIF orientation and the XMP
digital source type from headers, so importing thousands of files stays cheap and a damaged
image body does not stop its import. ``make_thumbnail`` is where pixels are decoded; a failure
there is reported as a ``RejectedFile`` whose message the import layer shows as a warning.

Every problem with a file's content ends in ``RejectedFile`` with a plain reason for a
registrar; Pillow's many exception types never leave this module.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import html
import io
import os
import re
import stat
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, UnidentifiedImageError

from provenance.media.output import atomic_open

__all__ = [
    "IPTC_DIGITAL_SOURCE_TYPE",
    "PIXEL_LIMIT",
    "FileFacts",
    "RejectedFile",
    "digital_source_types_in_xmp",
    "file_kind",
    "make_thumbnail",
    "normalise_digital_source_type",
    "open_regular",
    "probe_file",
    "render_preview",
]

#: Largest image (width x height) Credence accepts. Pillow's own guard (``Image.MAX_IMAGE_PIXELS``,
#: by default a hard error above ~179 MP) still applies first inside ``Image.open``; the app may
#: raise that process-wide setting at start-up, and this limit then still stops real bombs.
PIXEL_LIMIT = 300_000_000

#: Most XMP bytes scanned for a digital source type; real packets are a few KB, a hostile one
#: could be huge.
XMP_SCAN_LIMIT = 1_000_000

#: IPTC digital source type vocabulary namespace; the short terms are appended to it.
IPTC_DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/"

_SNIFF_BYTES = 4096

# Pillow plugins tried, in order. Only formats with a real magic number a registrar meets:
# obscure decoders (and magic-less ones like TGA that match random bytes) are attack surface
# with no benefit here. "HEIF" exists once pillow-heif's opener is registered.
_PILLOW_FORMATS = (
    "JPEG",
    "PNG",
    "TIFF",
    "WEBP",
    "GIF",
    "HEIF",
    "AVIF",
    "PSD",
    "BMP",
    "JPEG2000",
)

# Exceptions Pillow (and pillow-heif) raise for hostile or damaged input. Caught around every
# Pillow call and turned into RejectedFile, never shown as a traceback.
PIL_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    SyntaxError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    MemoryError,
    RuntimeError,
    ImageCms.PyCMSError,
)


class RejectedFile(Exception):
    """A file that cannot be imported (or thumbnailed); ``str(exc)`` is a plain reason.

    Examples: ``"file is empty"``, ``"not an image Credence can read (text file)"``,
    ``"truncated JPEG: the image data ends early"``,
    ``"decompression bomb: 1,200,000,000 pixels is over the 300,000,000-pixel limit"``.
    """


@dataclass(frozen=True)
class FileFacts:
    """What the headers of one image file say. ``width``/``height`` are as stored (before
    applying ``orientation``); they are ``None`` for SVG and PDF (and a JPEG XL whose header
    could not be read)."""

    format: str  # short upper-case name: JPEG, PNG, TIFF, WEBP, HEIF, AVIF, GIF, JXL, SVG, PDF...
    mime: str
    size: int  # bytes
    width: int | None
    height: int | None
    orientation: int  # EXIF orientation 1..8, 1 when absent or nonsense
    xmp_digital_source_types: tuple[str, ...]  # full IPTC URIs from XMP


# ---------------------------------------------------------------------------------------------
# Digital source types in XMP
# ---------------------------------------------------------------------------------------------

# Bounded patterns only, anchored on a literal so the regex engine skips ahead quickly. The XMP
# is never handed to an XML parser: a hostile packet may declare entities that expand without
# limit. Any namespace prefix is accepted because XMP writers may choose their own.
_DST_VALUE = rb"([^\"'<>]{1,300})"
_DST_PATTERNS = (
    # attribute form: Iptc4xmpExt:DigitalSourceType="http://..."
    re.compile(rb":DigitalSourceType\s{0,20}=\s{0,20}[\"']" + _DST_VALUE + rb"[\"']"),
    # element form: <Iptc4xmpExt:DigitalSourceType>http://...</Iptc4xmpExt:DigitalSourceType>
    re.compile(rb":DigitalSourceType(?:\s[^<>]{0,300})?(?<!/)>\s{0,200}([^<>]{1,300}?)\s{0,200}</"),
    # resource form: <Iptc4xmpExt:DigitalSourceType rdf:resource="http://..."/>
    re.compile(
        rb":DigitalSourceType\s[^<>]{0,300}?rdf:resource\s{0,20}=\s{0,20}[\"']" + _DST_VALUE
    ),
)
_DST_TERM = re.compile(r"[A-Za-z][A-Za-z0-9]{0,99}")


def normalise_digital_source_type(value: str) -> str | None:
    """Return the full IPTC URI for a digital source type, or ``None`` if it is not one.

    Accepts the full URI (http or https, any case of the host), the bare term
    (``"trainedAlgorithmicMedia"``), or another absolute URI, which is kept unchanged because
    C2PA allows other vocabularies.
    """
    text = html.unescape(value).strip()
    if not text:
        return None
    lowered = text.lower()
    for prefix in (
        "http://cv.iptc.org/newscodes/digitalsourcetype/",
        "https://cv.iptc.org/newscodes/digitalsourcetype/",
    ):
        if lowered.startswith(prefix):
            term = text[len(prefix) :].strip("/")
            return IPTC_DIGITAL_SOURCE_TYPE + term if _DST_TERM.fullmatch(term) else None
    if _DST_TERM.fullmatch(text):
        return IPTC_DIGITAL_SOURCE_TYPE + text
    if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]{1,20}://\S{1,300}", text):
        return text
    return None


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def digital_source_types_in_xmp(xmp: bytes | str | None) -> tuple[str, ...]:
    """Find IPTC ``DigitalSourceType`` values in raw XMP (attribute, element or resource form).

    Scans at most ``XMP_SCAN_LIMIT`` bytes with bounded regular expressions; never parses XML.
    """
    if not xmp:
        return ()
    raw = xmp.encode("utf-8", "replace") if isinstance(xmp, str) else bytes(xmp)
    raw = raw[:XMP_SCAN_LIMIT]
    found: list[tuple[int, str]] = []
    for pattern in _DST_PATTERNS:
        for match in pattern.finditer(raw):
            uri = normalise_digital_source_type(match.group(1).decode("utf-8", "replace"))
            if uri:
                found.append((match.start(), uri))
    # Document order, whichever pattern matched.
    return _dedupe(uri for _, uri in sorted(found))


# ---------------------------------------------------------------------------------------------
# Sniffing formats Pillow does not read
# ---------------------------------------------------------------------------------------------

_XML_PREAMBLE = re.compile(
    rb"\A(?:\s"  # whitespace
    rb"|<\?xml[^>]{0,500}\?>"  # XML declaration or processing instruction
    rb"|<!--.{0,2000}?-->"  # comment
    rb"|<!DOCTYPE[^>\[]{0,1000}(?:\[.{0,2000}?\])?\s*>"  # doctype, internal subset
    rb")*",
    re.DOTALL | re.IGNORECASE,
)


_SVG_ROOT = re.compile(rb"<svg[\s>:/]", re.IGNORECASE)


def _looks_like_svg(head: bytes) -> bool:
    """SVG: after an optional BOM, XML prolog, comments and DOCTYPE, the root element is <svg."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    preamble = _XML_PREAMBLE.match(text)  # always matches (possibly empty)
    start = preamble.end() if preamble else 0
    return _SVG_ROOT.match(text, start) is not None


def _looks_like_pdf(head: bytes) -> bool:
    # PDF readers accept junk before the header within the first KB; so does Credence.
    return b"%PDF-" in head[:1024]


_JXL_CODESTREAM = b"\xff\x0a"
_JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"


def _looks_like_jxl(head: bytes) -> bool:
    return head.startswith(_JXL_CODESTREAM) or head.startswith(_JXL_CONTAINER)


class _Bits:
    """Least-significant-bit-first reader, as the JPEG XL codestream header is packed."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, count: int) -> int:
        value = 0
        for i in range(count):
            byte = self._data[self._pos >> 3]  # IndexError if the header is cut short
            value |= ((byte >> (self._pos & 7)) & 1) << i
            self._pos += 1
        return value

    def u32(self, *dists: tuple[int, int]) -> int:
        offset, bits = dists[self.read(2)]
        return offset + self.read(bits)


def _jxl_codestream_head(data: bytes) -> bytes | None:
    """The first bytes of the codestream, from a bare codestream or the ISOBMFF container."""
    if data.startswith(_JXL_CODESTREAM):
        return data
    pos = 0
    while pos + 8 <= len(data):
        size, box = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > len(data):
                return None
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        if box == b"jxlc":
            return data[pos + header :]
        if box == b"jxlp":
            return data[pos + header + 4 :]  # 4-byte part index precedes the codestream
        if size < header:  # 0 = "to end of file" for a last box that is not codestream
            return None
        pos += size
    return None


_JXL_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def _jxl_header(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, orientation) from a JPEG XL SizeHeader and ImageMetadata, or None."""
    stream = _jxl_codestream_head(data)
    if not stream or not stream.startswith(_JXL_CODESTREAM):
        return None
    bits = _Bits(stream[2:64])
    dists = ((1, 9), (1, 13), (1, 18), (1, 30))
    try:
        small = bits.read(1)
        height = (bits.read(5) + 1) * 8 if small else bits.u32(*dists)
        ratio = bits.read(3)
        if ratio:
            num, den = _JXL_RATIOS[ratio]
            width = height * num // den
        else:
            width = (bits.read(5) + 1) * 8 if small else bits.u32(*dists)
        orientation = 1
        all_default = bits.read(1)
        if not all_default and bits.read(1):  # extra_fields
            orientation = 1 + bits.read(3)
    except IndexError:
        return None
    return width, height, orientation


def _non_image_reason(head: bytes) -> str:
    """A plain reason for a file no reader accepted, naming what it looks like if we can."""
    magic = {
        b"\xff\xd8\xff": "JPEG",
        b"\x89PNG\r\n\x1a\n": "PNG",
        b"II*\x00": "TIFF",
        b"MM\x00*": "TIFF",
        b"II+\x00": "BigTIFF",
        b"MM\x00+": "BigTIFF",
        b"GIF8": "GIF",
        b"8BPS": "PSD",
    }
    for prefix, name in magic.items():
        if head.startswith(prefix):
            return f"damaged or unsupported {name}: Credence could not read its header"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "damaged or unsupported WEBP: Credence could not read its header"
    if head[4:8] == b"ftyp":
        return f"not an image Credence can read ({head[8:12].decode('latin-1').strip()} file)"
    if head[4:8] == b"jumb":
        return "not an image Credence can read (a C2PA manifest store on its own)"
    if head.startswith(b"PK\x03\x04"):
        return "not an image Credence can read (ZIP archive)"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the sniff window is still text.
            if exc.start < len(head) - 4:
                return "not an image Credence can read (unknown format)"
        return "not an image Credence can read (text file)"
    return "not an image Credence can read (unknown format)"


# ---------------------------------------------------------------------------------------------
# Pillow
# ---------------------------------------------------------------------------------------------


@functools.cache
def _register_heif_opener() -> None:
    """Teach Pillow HEIF/HEIC once, on first use rather than when ``provenance`` is imported."""
    import pillow_heif

    # AVIF is read by Pillow's own plugin; pillow-heif 1.x only adds HEIF.
    pillow_heif.register_heif_opener()


def _bomb_reason(pixels: int, limit: int) -> str:
    return f"decompression bomb: {pixels:,} pixels is over the {limit:,}-pixel limit"


def _bomb_reason_from_pillow(exc: BaseException) -> str:
    # Pillow: "Image size (N pixels) exceeds limit of M pixels, could be decompression bomb..."
    numbers = re.findall(r"\((\d+) pixels\)|of (\d+) pixels", str(exc))
    values = [int(a or b) for a, b in numbers]
    if len(values) == 2:
        return _bomb_reason(values[0], values[1])
    return "decompression bomb: the image claims more pixels than Credence will decode"


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise RejectedFile(f"image has no pixels ({width} x {height})")
    if width * height > PIXEL_LIMIT:
        raise RejectedFile(_bomb_reason(width * height, PIXEL_LIMIT))


@contextlib.contextmanager
def _pillow_image(path: Path, head: bytes) -> Iterator[Image.Image]:
    """The image opened by Pillow from a file `open_regular` opened (never a pipe or device)."""
    try:
        fh = open_regular(path)
    except OSError as exc:
        raise RejectedFile(f"the file could not be read ({_short(exc)})") from None
    with fh, _open_with_pillow(fh, head) as im:
        yield im


def _open_with_pillow(path: Path | BinaryIO, head: bytes) -> Image.Image:
    """``Image.open`` (lazy: headers only) with every failure turned into RejectedFile."""
    _register_heif_opener()
    try:
        im = Image.open(path, formats=_PILLOW_FORMATS)
    except Image.DecompressionBombError as exc:
        raise RejectedFile(_bomb_reason_from_pillow(exc)) from None
    except Image.DecompressionBombWarning as exc:  # only when warnings are turned into errors
        raise RejectedFile(_bomb_reason_from_pillow(exc)) from None
    except UnidentifiedImageError:
        raise RejectedFile(_non_image_reason(head)) from None
    except PIL_ERRORS as exc:
        raise RejectedFile(f"{_non_image_reason(head)} ({_short(exc)})") from None
    try:
        _check_pixels(im.size)
    except RejectedFile:
        im.close()
        raise
    return im


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _format_name(im: Image.Image) -> tuple[str, str]:
    fmt = (im.format or "").upper()
    if fmt == "MPO":
        # A multi-picture JPEG (stereo pairs, Ultra HDR gain maps) is a JPEG to every reader,
        # c2pa included; calling it MPO would only confuse.
        return "JPEG", "image/jpeg"
    mime = Image.MIME.get(fmt) or im.get_format_mimetype() or "application/octet-stream"
    return fmt, mime


def _orientation(im: Image.Image) -> int:
    try:
        # getexif() also falls back to tiff:Orientation in XMP, as viewers do.
        value = im.getexif().get(0x0112)
    except PIL_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _xmp_bytes(im: Image.Image) -> bytes | None:
    raw = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if raw is None and (tags := getattr(im, "tag_v2", None)) is not None:
        raw = tags.get(700)  # TIFF XMP tag
    if isinstance(raw, str):
        return raw.encode("utf-8", "replace")
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    if isinstance(raw, tuple) and all(isinstance(x, int) for x in raw):
        return bytes(raw)
    return None


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(target: Path | int) -> str:
    """What a path (or an ``st_mode``) is, in words: "a named pipe (FIFO)", "a socket"..."""
    if isinstance(target, int):
        mode = target
    else:
        try:
            mode = os.stat(target).st_mode
        except OSError:
            return "a broken link" if os.path.islink(target) else "missing"
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file for reading without ever blocking, or raise RejectedFile.

    The file is opened with O_NONBLOCK (a named pipe with no writer would otherwise block the
    open forever) and its type is checked on the opened descriptor, so a pipe, device or
    socket swapped in after any earlier check is refused here, not read. Every read of a file
    being imported goes through this function. A missing or forbidden file raises the usual
    OSError (FileNotFoundError, PermissionError).
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        # Checked before opening too: opening some devices has effects (a tape rewinds).
        raise RejectedFile(f"not a regular file ({file_kind(before.st_mode)})")
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise RejectedFile("not a regular file (a socket or device)") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise RejectedFile(f"not a regular file ({file_kind(mode)})")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_head(path: Path) -> tuple[int, bytes]:
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise RejectedFile("file not found") from None
    except PermissionError:
        raise RejectedFile("Credence is not allowed to read this file") from None
    except OSError as exc:
        raise RejectedFile(f"the file could not be read ({_short(exc)})") from None
    if size == 0 or not head:
        raise RejectedFile("file is empty")
    return size, head


def _read_prefix(path: Path, limit: int) -> bytes:
    try:
        with open_regular(path) as fh:
            return fh.read(limit)
    except (OSError, RejectedFile):
        return b""


def probe_file(path: Path) -> FileFacts:
    """Read format, pixel size, orientation and XMP digital source type from headers only.

    SVG, PDF and JPEG XL are recognised by their content (c2pa can carry manifests in them)
    and get ``width``/``height`` of ``None`` where Credence cannot read a size. Raises
    ``RejectedFile`` with a plain reason for anything else that is not a readable image, for
    empty or unreadable files, and for decompression bombs.
    """
    path = Path(path)
    size, head = _read_head(path)

    if _looks_like_pdf(head) or _looks_like_svg(head):
        fmt, mime = (
            ("PDF", "application/pdf") if _looks_like_pdf(head) else ("SVG", "image/svg+xml")
        )
        # Best effort: XMP in SVG <metadata> and in uncompressed PDF metadata streams.
        dsts = digital_source_types_in_xmp(_read_prefix(path, XMP_SCAN_LIMIT))
        return FileFacts(fmt, mime, size, None, None, 1, dsts)

    if _looks_like_jxl(head):
        prefix = _read_prefix(path, XMP_SCAN_LIMIT)
        header = _jxl_header(prefix)
        width, height, orientation = header if header else (None, None, 1)
        if width is not None and height is not None:
            _check_pixels((width, height))
        return FileFacts(
            "JXL",
            "image/jxl",
            size,
            width,
            height,
            orientation,
            digital_source_types_in_xmp(prefix),
        )

    with _pillow_image(path, head) as im:
        try:
            fmt, mime = _format_name(im)
            width, height = im.size
            orientation = _orientation(im)
            dsts = digital_source_types_in_xmp(_xmp_bytes(im))
        except PIL_ERRORS as exc:  # lazy plugins may read more header on attribute access
            raise RejectedFile(f"damaged image header ({_short(exc)})") from None
    return FileFacts(fmt, mime, size, width, height, orientation, dsts)


# ---------------------------------------------------------------------------------------------
# Thumbnails
# ---------------------------------------------------------------------------------------------


def _scale_to_l(im: Image.Image) -> Image.Image:
    """16-bit / 32-bit / float grey to 8-bit grey, scaled by the bits actually used.

    Pillow's plain ``convert("L")`` clips, which turns most 16-bit scans white. Scaling by the
    effective bit depth (the smallest of 8..16+ bits that holds the brightest value) shows
    12-bit-in-16 and 10-bit data properly without stretching contrast like auto-levels would.
    """
    work = im if im.mode in ("I", "F") else im.convert("I")
    _low, high = work.getextrema()
    if work.mode == "F":
        scale = 255.0 if high <= 1.0 else 255.0 / high if high > 0 else 0.0
    else:
        bits = max(8, int(high).bit_length()) if high > 0 else 8
        scale = 255.0 / ((1 << bits) - 1)
    return work.point(lambda v: v * scale).convert("L")


def _lab_to_rgb(im: Image.Image) -> Image.Image:
    try:
        transform = ImageCms.buildTransform(
            ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
        )
        return ImageCms.applyTransform(im, transform) or im.convert("RGB")
    except PIL_ERRORS:
        return im.convert("RGB")


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Bring any Pillow mode to one of RGB, RGBA, L, LA or CMYK (CMYK kept for its ICC profile)."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return im
    if mode in ("P", "PA"):
        transparent = mode == "PA" or "transparency" in im.info
        return im.convert("RGBA" if transparent else "RGB")
    if mode == "1":
        return im.convert("L")
    if mode == "La":
        return im.convert("LA")
    if mode in ("RGBa", "RGBX"):
        return im.convert("RGBA" if mode == "RGBa" else "RGB")
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _scale_to_l(im)
    if mode == "LAB":
        return _lab_to_rgb(im)
    return im.convert("RGB")  # YCbCr, HSV and anything newer


def _to_srgb_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Colour-manage to sRGB when the file has an ICC profile, and flatten alpha onto white."""
    alpha = None
    if im.mode in ("RGBA", "LA"):
        alpha = im.getchannel("A")
        im = im.convert("RGB" if im.mode == "RGBA" else "L")
    converted = None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                im, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except PIL_ERRORS:
            converted = None  # broken or mismatched profile: plain conversion below
    im = converted if converted is not None else im.convert("RGB")
    if alpha is not None:
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=alpha)
        im = background
    return im


def _decode_failure(fmt: str, exc: BaseException) -> RejectedFile:
    message = str(exc).lower()
    if isinstance(exc, EOFError) or "truncated" in message or "premature end" in message:
        return RejectedFile(f"truncated {fmt}: the image data ends early")
    if isinstance(exc, MemoryError):
        return RejectedFile(f"{fmt} is too large to decode in the memory available")
    return RejectedFile(f"damaged {fmt}: the image data could not be decoded ({_short(exc)})")


#: EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _render_thumbnail(im: Image.Image, fmt: str, max_side: int) -> Image.Image:
    icc = im.info.get("icc_profile")
    # Reduced decode where the format allows it: JPEG decodes at 1/2..1/8 scale (a 12 MP photo
    # in a fraction of the time), HEIF picks an embedded thumbnail that is at least max_side,
    # other formats ignore the request. If it fails, the full decode below still works.
    with contextlib.suppress(*PIL_ERRORS):
        im.draft("RGB", (max_side, max_side))
    try:
        im.load()  # the first frame of multi-frame files; strict (no LOAD_TRUNCATED_IMAGES)
    except PIL_ERRORS as exc:
        raise _decode_failure(fmt, exc) from None
    # Turned upright after shrinking: turning first copies the full-size decode (measured
    # 2.7x the decoded size at peak, against 1.4x this way).
    orientation = _orientation(im)  # 1 for unreadable EXIF: pixels as stored
    try:
        work = _normalise_mode(im)
        work.thumbnail((max_side, max_side), Image.Resampling.BICUBIC)
        turn = _TRANSPOSE.get(orientation)
        if turn is not None:
            work = work.transpose(turn)
        return _to_srgb_rgb(work, icc if isinstance(icc, bytes) else None)
    except PIL_ERRORS as exc:
        raise _decode_failure(fmt, exc) from None


def make_thumbnail(path: Path, dest: Path, max_side: int = 512) -> None:
    """Write an sRGB JPEG thumbnail of ``path`` (longest side ``max_side``) to ``dest``.

    EXIF orientation is applied, transparency is flattened onto white and the first frame of
    multi-frame files is used. The file is written to a temporary file beside ``dest`` and
    moved into place, so ``dest`` is either the old thumbnail or the complete new one.

    Raises ``RejectedFile`` when the image cannot be decoded (truncated or damaged data, SVG,
    PDF and JPEG XL, which Credence does not render); the import layer treats that as a
    warning. Errors writing ``dest`` propagate as ``OSError``.
    """
    path, dest = Path(path), Path(dest)
    if max_side < 1:
        raise ValueError("max_side must be positive")
    _, head = _read_head(path)
    if _looks_like_pdf(head):
        raise RejectedFile("no thumbnail for PDF files: Credence does not render them")
    if _looks_like_svg(head):
        raise RejectedFile("no thumbnail for SVG files: Credence does not render them")
    if _looks_like_jxl(head):
        raise RejectedFile("no thumbnail for JPEG XL files: Credence cannot decode them yet")

    with _pillow_image(path, head) as im:
        fmt, _ = _format_name(im)
        thumb = _render_thumbnail(im, fmt, max_side)

    dest.parent.mkdir(parents=True, exist_ok=True)
    # No fsync: a thumbnail can always be made again, and import speed matters more.
    with atomic_open(dest, "wb", file_mode=0o600, durable=False) as fh:
        thumb.save(fh, "JPEG", quality=85, optimize=True)


def render_preview(path: Path, max_side: int = 2048) -> bytes:
    """JPEG bytes of ``path`` for on-screen viewing: upright, sRGB, longest side ``max_side``.

    The same decoding as ``make_thumbnail`` (reduced JPEG decode, EXIF orientation, colour
    management, alpha onto white), kept in memory instead of written to a file: the window shows
    it and never reads originals itself. Raises ``RejectedFile`` with a plain reason when the
    file is missing, unreadable or cannot be decoded.
    """
    path = Path(path)
    if max_side < 1:
        raise ValueError("max_side must be positive")
    _, head = _read_head(path)
    if _looks_like_pdf(head) or _looks_like_svg(head) or _looks_like_jxl(head):
        raise RejectedFile("Credence cannot show this kind of file (PDF, SVG or JPEG XL)")
    with _pillow_image(path, head) as im:
        fmt, _ = _format_name(im)
        picture = _render_thumbnail(im, fmt, max_side)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()
