"""The IPTC digest in Photoshop image resource blocks, kept true after IPTC-IIM is rewritten.

Photoshop (and every reader following the Metadata Working Group's guidelines, ExifTool among
them) stores an MD5 digest of the IPTC-IIM block in image resource 0x0425 ("IPTCDigest"). A
reader whose stored digest matches the IIM trusts that XMP and IIM agree and reads the XMP
(which holds the full text); a digest that no longer matches tells it that some older tool
changed the IIM after the XMP, and it then prefers the IIM, whose title and keywords may be cut
to the IIM byte limits. Exiv2 rewrites the IIM but leaves the digest as it was, so an export of
a file from Photoshop or Lightroom would read as "IPTCDigest is not current" and a cut title
would win over the full one.

JPEG: the resources live in APP13 "Photoshop 3.0" segments, the IIM in resource 0x0404; the
digest is set (added when absent) with ExifTool's rule: only when the file had no digest, or
its digest matched the IIM before the export (a stale digest means the file's IIM was edited
by another tool after its XMP, and saying otherwise would be a claim Credence cannot make).

TIFF keeps the IIM in tag 33723 (IPTC-NAA), which Exiv2 stores as 32-bit words padded to a
multiple of four bytes, and a copy in the resources of tag 34377. ExifTool digests the padded
tag, Photoshop the unpadded resource, so one digest cannot satisfy both; a digest that no
longer describes the IIM is removed instead, which both read as "no digest: prefer the XMP".
See :func:`provenance.media.xmp` for where this is called.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

IPTC_RESOURCE = 0x0404
DIGEST_RESOURCE = 0x0425
_PHOTOSHOP = b"Photoshop 3.0\x00"
_APP13 = 0xED
# A marker segment holds at most 65,535 bytes, its length field and signature included.
_MAX_PAYLOAD = 0xFFFF - 2 - len(_PHOTOSHOP)


@dataclass(frozen=True)
class Resource:
    """One image resource: signature (b"8BIM" and a few others), id, name bytes, data."""

    signature: bytes
    id: int
    name: bytes
    data: bytes


def parse_resources(blob: bytes) -> list[Resource] | None:
    """The resources of an image resource block, or None when it is not one (left alone)."""
    out: list[Resource] = []
    pos = 0
    while pos + 12 <= len(blob):
        signature = blob[pos : pos + 4]
        if signature not in (b"8BIM", b"PHUT", b"AgHg", b"DCSR", b"MeSa"):
            return None
        (rid,) = struct.unpack(">H", blob[pos + 4 : pos + 6])
        name_len = blob[pos + 6]
        name_end = pos + 7 + name_len
        name_end += (name_end - pos) % 2  # the Pascal name is padded to an even size
        if name_end + 4 > len(blob):
            return None
        (size,) = struct.unpack(">I", blob[name_end : name_end + 4])
        start = name_end + 4
        if start + size > len(blob):
            return None
        out.append(
            Resource(signature, rid, blob[pos + 7 : pos + 7 + name_len], blob[start : start + size])
        )
        pos = start + size + (size % 2)
    return out


def build_resources(resources: list[Resource]) -> bytes:
    """An image resource block from its resources (each padded to even sizes)."""
    parts = []
    for res in resources:
        name = bytes([len(res.name)]) + res.name
        if len(name) % 2:
            name += b"\x00"
        data = res.data + (b"\x00" if len(res.data) % 2 else b"")
        parts.append(res.signature + struct.pack(">H", res.id) + name)
        parts.append(struct.pack(">I", len(res.data)) + data)
    return b"".join(parts)


def _find(resources: list[Resource], rid: int) -> Resource | None:
    return next((r for r in resources if r.signature == b"8BIM" and r.id == rid), None)


def digest_state(resources: list[Resource] | None) -> tuple[bytes | None, bytes | None]:
    """(the IIM block, the stored digest) of a resource list; None for what is absent."""
    if not resources:
        return None, None
    iim, digest = _find(resources, IPTC_RESOURCE), _find(resources, DIGEST_RESOURCE)
    return (iim.data if iim else None), (digest.data if digest else None)


def digest_was_true(iim: bytes | None, digest: bytes | None) -> bool:
    """ExifTool's rule for updating the digest: there was none, or it matched the IIM."""
    return digest is None or iim is None or hashlib.md5(iim).digest() == digest


# -- JPEG ----------------------------------------------------------------------------------


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]] | None:
    """(marker, start, end) of each marker segment before the first scan; None if not JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    segments = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segments.append((marker, pos, pos + 2 + length))
        pos += 2 + length
    return segments


def jpeg_scan_start(data: bytes) -> int | None:
    """Offset of a JPEG's first scan (its SOS marker), after every metadata segment; None when
    `data` is not a JPEG whose segments lead to a scan."""
    segments = _jpeg_segments(data)
    if segments is None:
        return None
    pos = segments[-1][2] if segments else 2
    while data[pos : pos + 2] == b"\xff\xff":  # fill bytes before the marker
        pos += 1
    return pos if data[pos : pos + 2] == b"\xff\xda" else None


def jpeg_resources(data: bytes) -> list[Resource] | None:
    """The Photoshop image resources of a JPEG's APP13 segments (joined), or None."""
    segments = _jpeg_segments(data)
    if not segments:
        return None
    blob = b"".join(
        data[s + 4 + len(_PHOTOSHOP) : e]
        for marker, s, e in segments
        if marker == _APP13 and data[s + 4 : s + 4 + len(_PHOTOSHOP)] == _PHOTOSHOP
    )
    return parse_resources(blob) if blob else None


def sync_jpeg_digest(data: bytes, was_true: bool) -> bytes:
    """`data` (a JPEG whose IIM may have been rewritten) with its IPTC digest made true.

    `was_true` is :func:`digest_was_true` of the file before the rewrite. Returns `data`
    unchanged when there is no IIM, the digest is already right, or it was stale before.
    """
    segments = _jpeg_segments(data)
    resources = jpeg_resources(data)
    iim, digest = digest_state(resources)
    if not segments or resources is None or iim is None or not was_true:
        return data
    wanted = hashlib.md5(iim).digest()
    if digest == wanted:
        return data
    new = [r for r in resources if not (r.signature == b"8BIM" and r.id == DIGEST_RESOURCE)]
    at = next(i for i, r in enumerate(new) if r.signature == b"8BIM" and r.id == IPTC_RESOURCE)
    new.insert(at + 1, Resource(b"8BIM", DIGEST_RESOURCE, b"", wanted))
    blob = build_resources(new)
    ours = [
        (s, e)
        for marker, s, e in segments
        if marker == _APP13 and data[s + 4 : s + 4 + len(_PHOTOSHOP)] == _PHOTOSHOP
    ]
    replacement = b"".join(
        b"\xff\xed" + struct.pack(">H", 2 + len(_PHOTOSHOP) + len(chunk)) + _PHOTOSHOP + chunk
        for chunk in (blob[i : i + _MAX_PAYLOAD] for i in range(0, len(blob), _MAX_PAYLOAD))
    )
    out, last = [], 0
    for index, (start, end) in enumerate(ours):
        out.append(data[last:start])
        if index == 0:
            out.append(replacement)
        last = end
    out.append(data[last:])
    return b"".join(out)


# -- TIFF (through Exiv2's text form of tag 34377) ------------------------------------------


def bytes_from_exiv2(text: str) -> bytes | None:
    """Exiv2's text form of a Byte/Undefined tag ("56 66 73 77 ...") as bytes."""
    try:
        return bytes(int(part) for part in str(text).split())
    except ValueError:
        return None


def tiff_resources_without_stale_digest(text: str, iim_tag: bytes | None) -> str | None:
    """Tag 34377 (Exiv2 text) with its IPTC digest removed when it no longer describes the
    IIM (see the module docstring); None when there is nothing to change."""
    blob = bytes_from_exiv2(text)
    resources = parse_resources(blob) if blob else None
    iim, digest = digest_state(resources)
    if resources is None or digest is None:
        return None
    candidates = {hashlib.md5(x).digest() for x in (iim, iim_tag) if x is not None}
    if iim is not None and iim_tag is not None and iim_tag.rstrip(b"\x00") != iim.rstrip(b"\x00"):
        candidates = set()  # the two copies disagree: no digest can be true
    if iim is not None and digest in candidates and len(candidates) == 1:
        return None  # true for every reader
    kept = [r for r in resources if not (r.signature == b"8BIM" and r.id == DIGEST_RESOURCE)]
    return " ".join(str(b) for b in build_resources(kept))
