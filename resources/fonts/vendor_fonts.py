"""Rebuild the vendored Atkinson Hyperlegible TTF files from the @fontsource npm tarball.

Not used at run time. Usage (from the repository root)::

    npm pack @fontsource/atkinson-hyperlegible@5.3.0      # writes the .tgz here
    python resources/fonts/vendor_fonts.py fontsource-atkinson-hyperlegible-5.3.0.tgz

The npm package ships WOFF 1.0 files split into a "latin" and a "latin-ext" subset. WOFF 1.0 is
a lossless zlib wrapper around the same sfnt tables, so unwrapping gives back the TrueType
fonts byte for byte (glyphs, hinting, kerning untouched). The latin-ext subset is renamed to the
family "Atkinson Hyperlegible Ext" (the OFL allows modified versions; this font declares no
Reserved Font Name) so that Qt can use it as a per-glyph fallback for the main family: two
files with the same family name would shadow each other instead.
"""

from __future__ import annotations

import struct
import sys
import tarfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILY = "Atkinson Hyperlegible"
EXT_FAMILY = "Atkinson Hyperlegible Ext"
OUTPUTS = {
    "atkinson-hyperlegible-latin-400-normal.woff": "AtkinsonHyperlegible-Regular.ttf",
    "atkinson-hyperlegible-latin-700-normal.woff": "AtkinsonHyperlegible-Bold.ttf",
    "atkinson-hyperlegible-latin-ext-400-normal.woff": "AtkinsonHyperlegibleExt-Regular.ttf",
    "atkinson-hyperlegible-latin-ext-700-normal.woff": "AtkinsonHyperlegibleExt-Bold.ttf",
}


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def woff_tables(woff: bytes) -> tuple[int, dict[bytes, bytes]]:
    """The sfnt flavour and the inflated tables of a WOFF 1.0 file."""
    signature, flavor, _length, count = struct.unpack(">4sIIH", woff[:14])
    if signature != b"wOFF":
        raise ValueError("not a WOFF 1.0 file")
    tables = {}
    for i in range(count):
        tag, offset, comp_len, orig_len, _checksum_ = struct.unpack(
            ">4sIIII", woff[44 + 20 * i : 64 + 20 * i]
        )
        raw = woff[offset : offset + comp_len]
        table = zlib.decompress(raw) if comp_len < orig_len else raw
        if len(table) != orig_len:
            raise ValueError(f"table {tag!r} has the wrong length")
        tables[tag] = table
    return flavor, tables


def rename(name_table: bytes, old: str, new: str) -> bytes:
    """A `name` table with `old` replaced by `new` in every record (both spellings of it)."""
    fmt, count, _storage = struct.unpack(">HHH", name_table[:6])
    if fmt != 0:
        raise ValueError("only name table format 0 is supported")
    storage_at = struct.unpack(">H", name_table[4:6])[0]
    records, strings = [], bytearray()
    for i in range(count):
        platform, encoding, language, name_id, length, offset = struct.unpack(
            ">HHHHHH", name_table[6 + 12 * i : 18 + 12 * i]
        )
        raw = name_table[storage_at + offset : storage_at + offset + length]
        codec = "utf-16-be" if platform in (0, 3) else "latin-1"
        text = raw.decode(codec)
        text = text.replace(old, new).replace(old.replace(" ", ""), new.replace(" ", ""))
        encoded = text.encode(codec)
        records.append((platform, encoding, language, name_id, len(encoded), len(strings)))
        strings += encoded
    head = struct.pack(">HHH", 0, count, 6 + 12 * count)
    body = b"".join(struct.pack(">HHHHHH", *r) for r in records)
    return head + body + bytes(strings)


def sfnt(flavor: int, tables: dict[bytes, bytes]) -> bytes:
    """Assemble an sfnt file, with fresh table checksums and head.checkSumAdjustment."""
    tables = dict(tables)
    head = bytearray(tables[b"head"])
    head[8:12] = b"\0\0\0\0"
    tables[b"head"] = bytes(head)
    count = len(tables)
    selector = max(k for k in range(17) if 2**k <= count)
    search = 16 * 2**selector
    out = bytearray(struct.pack(">IHHHH", flavor, count, search, selector, count * 16 - search))
    offset = 12 + 16 * count
    body = bytearray()
    head_at = 0
    for tag in sorted(tables):
        table = tables[tag]
        if tag == b"head":
            head_at = offset + len(body)
        out += struct.pack(">4sIII", tag, _checksum(table), offset + len(body), len(table))
        body += table + b"\0" * (-len(table) % 4)
    font = out + body
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_at + 8 : head_at + 12] = struct.pack(">I", adjustment)
    return bytes(font)


def main(tarball: str) -> None:
    with tarfile.open(tarball) as archive:
        for member, target in OUTPUTS.items():
            woff = archive.extractfile(f"package/files/{member}")
            assert woff is not None
            flavor, tables = woff_tables(woff.read())
            if "-ext-" in member:
                tables[b"name"] = rename(tables[b"name"], FAMILY, EXT_FAMILY)
            (HERE / target).write_bytes(sfnt(flavor, tables))
            print(f"{member} -> {target}")
        licence = archive.extractfile("package/LICENSE")
        assert licence is not None
        (HERE / "OFL.txt").write_bytes(licence.read())


if __name__ == "__main__":
    main(sys.argv[1])
