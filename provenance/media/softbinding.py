"""Soft bindings: the ISCC image code (ISO 24138, C2PA soft-binding algorithm ``io.iscc.v0``)
of an image's pixels, so that a copy whose Content Credentials were stripped can still be
found among this library's exports.

The code is a DCT hash of the picture shrunk to 32 x 32 grey pixels, computed by ``iscc-core``
(``soft_hash_image_v0``); this module prepares the pixels as ``iscc-sdk`` does (turned upright,
transparency on white, plain borders trimmed, grey, 32 x 32 bicubic), with Pillow. Nothing is
downloaded and no model is used.

Every image is first shrunk to at most :data:`WORKING_SIDE` pixels with a reduced decode (the
one the export thumbnail uses), so an export pays almost nothing extra and a 12 MP JPEG is
never decoded in full. The export and the lookup prepare pixels the same way, and 500 pixels
is far above the 32 the hash sees.

A code is kept as its ISCC text (``ISCC:EED...``, 256 bits) and, for fast search, as the first
64 bits (the standard 64-bit image code: the low-frequency block of the DCT, the part that
survives resizing, re-encoding and small crops) in a signed 64-bit integer column.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

from provenance.media.probe import PIL_ERRORS, RejectedFile, open_regular

__all__ = [
    "ALGORITHM",
    "CODE_BITS",
    "KEY_BITS",
    "SOFT_BINDING_ERRORS",
    "WORKING_SIDE",
    "SoftBinding",
    "assertion_value",
    "code_of_file",
    "code_of_image",
    "shrink",
]

#: The C2PA soft-binding algorithm name of the ISCC (the C2PA soft binding algorithm list).
ALGORITHM = "io.iscc.v0"
#: Bits of the code signed into the manifest: a 256-bit ISCC-UNIT, the length resolvers of
#: ``io.iscc.v0`` search by (IEP-0020). Its first 64 bits are the 64-bit image code.
CODE_BITS = 256
#: Bits compared first, over every stored code (the key column).
KEY_BITS = 64
#: Longest side the pixels are reduced to before hashing (the export thumbnail's size).
WORKING_SIDE = 500

# Pillow's errors for damaged or hostile input (media.probe's, and a decompression bomb):
# never a traceback.
SOFT_BINDING_ERRORS = _IMAGE_ERRORS = (*PIL_ERRORS, Image.DecompressionBombError)


@dataclass(frozen=True)
class SoftBinding:
    """One image's soft binding: the ISCC text and its digest as an integer."""

    #: "ISCC:EED..." (the ISCC-UNIT of a 256-bit Content-Code Image, version 0).
    code: str
    #: The 256-bit digest as an unsigned integer (most significant bit first).
    digest: int

    @property
    def key(self) -> int:
        """The first 64 bits as a signed 64-bit integer (what the database column holds)."""
        return to_signed(self.digest >> (CODE_BITS - KEY_BITS))

    @classmethod
    def from_code(cls, code: str) -> SoftBinding:
        """Read an ISCC text back (as stored with an export); ValueError if it is not one."""
        import iscc_core

        mtype, stype, _version, _length, body = iscc_core.iscc_decode(code)
        if (
            mtype != iscc_core.MT.CONTENT
            or stype != iscc_core.ST_CC.IMAGE
            or len(body) * 8 != CODE_BITS
        ):
            raise ValueError(f"{code} is not a {CODE_BITS}-bit ISCC image code")
        return cls(code, int.from_bytes(body, "big"))


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    """A signed BIGINT value back to its 64 unsigned bits."""
    return value + (1 << 64) if value < 0 else value


def shrink(im: Image.Image, side: int = WORKING_SIDE) -> Image.Image:
    """`im` reduced to at most `side` pixels on its long edge and turned upright.

    For a JPEG the decoder is asked for a reduced scale (``draft``), so most pixels are never
    decoded. Call it on a freshly opened image (before ``load``).
    """
    width, height = im.size
    scale = side / max(width, height, 1)
    if scale < 1:
        im.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        im.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=None)
    try:
        return ImageOps.exif_transpose(im)
    except _IMAGE_ERRORS:
        return im  # damaged EXIF: the pixels as stored are still the picture


def _normalised_pixels(im: Image.Image) -> list[int]:
    """32 x 32 grey values prepared as iscc-sdk's image_normalize does."""
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info:
        # Transparency shows on white (as a browser shows a PNG on a white page).
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255)), rgba)
    elif im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    # Trim a border of one plain colour (the top-left pixel's), as iscc-sdk does.
    plain = Image.new(im.mode, im.size, im.getpixel((0, 0)))
    diff = ImageChops.difference(im, plain)
    box = ImageChops.add(diff, diff).getbbox()
    if box and box != (0, 0, *im.size):
        im = im.crop(box)
    grey = im.convert("L").resize((32, 32), Image.Resampling.BICUBIC)
    return list(grey.tobytes())  # 1024 values, row by row


def code_of_image(im: Image.Image) -> SoftBinding:
    """The soft binding of an image already reduced with :func:`shrink`."""
    import iscc_core  # loaded on first use: it costs ~0.1 s at start-up

    digest = iscc_core.soft_hash_image_v0(_normalised_pixels(im), bits=CODE_BITS)
    unit = iscc_core.encode_component(
        mtype=iscc_core.MT.CONTENT,
        stype=iscc_core.ST_CC.IMAGE,
        version=iscc_core.VS.V0,
        bit_length=CODE_BITS,
        digest=digest,
    )
    return SoftBinding(f"ISCC:{unit}", int.from_bytes(digest, "big"))


def code_of_file(path: str | os.PathLike[str]) -> SoftBinding:
    """The soft binding of an image file; RejectedFile (a plain reason) if it has no pixels
    Credence can read."""
    from provenance.media.probe import _open_with_pillow

    path = Path(path)
    try:
        handle = open_regular(path)
    except OSError as exc:
        raise RejectedFile(f"the file could not be read ({exc.strerror or exc})") from None
    with handle:
        head = handle.read(4096)
        handle.seek(0)
        with _open_with_pillow(handle, head) as im:
            try:
                return code_of_image(shrink(im))
            except _IMAGE_ERRORS as exc:
                reason = str(exc).strip() or type(exc).__name__
                raise RejectedFile(f"its pixels could not be decoded ({reason[:120]})") from None


def assertion_value(code: str) -> str:
    """The soft-binding block value for an ISCC code: base64 of the ISCC-UNIT's bytes
    (header and body), as IEP-0020 writes io.iscc.v0 values."""
    import iscc_core

    return base64.b64encode(iscc_core.decode_base32(iscc_core.iscc_clean(code))).decode("ascii")


def code_from_assertion_value(value: str) -> str | None:
    """The ISCC code in a soft-binding block value written by :func:`assertion_value`, or None
    when it is not one Credence can compare."""
    import iscc_core

    try:
        raw = base64.b64decode(value, validate=True)
        code = "ISCC:" + iscc_core.encode_base32(raw)
        SoftBinding.from_code(code)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return code


def hamming(a: int, b: int) -> int:
    """Number of differing bits."""
    return (a ^ b).bit_count()
