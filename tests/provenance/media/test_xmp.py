"""write_xmp against real third-party images, always on tmp_path copies, read back by ExifTool."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from provenance.media import xmp
from provenance.media.xmp import XmpError, XmpFields, can_write_xmp, write_xmp
from tests.conftest import data_file

NON_ASCII = "Crémieux, Ångström, 東京"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
DMI_PROHIBITED = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED"

ALL_FIELDS = XmpFields(
    title=f"Title {NON_ASCII}",
    description=f"Restored with AI assistance — {NON_ASCII}.",
    creators=("Anna Crémieux", "Åke Ångström", "東京 写真館"),
    rights=f"© 2025 {NON_ASCII}",
    credit=f"Gift of {NON_ASCII}",
    digital_source_type=COMPOSITE,
    data_mining=DMI_PROHIBITED,
    ai_system=f"Restorer {NON_ASCII}",
    ai_system_version="4o-2024-08-06",
)
# ExifTool group:tag for each field, with the value ALL_FIELDS should produce.
EXPECTED = {
    "XMP-dc:Title": ALL_FIELDS.title,
    "XMP-dc:Description": ALL_FIELDS.description,
    "XMP-dc:Creator": list(ALL_FIELDS.creators),
    "XMP-dc:Rights": ALL_FIELDS.rights,
    "XMP-photoshop:Credit": ALL_FIELDS.credit,
    "XMP-iptcExt:DigitalSourceType": COMPOSITE,
    "XMP-plus:DataMining": DMI_PROHIBITED,
}
OUR_TAGS = {*EXPECTED, "XMP-iptcExt:AISystemUsed", "XMP-iptcExt:AISystemVersionUsed"}

FORMATS = [
    "c2pa-fixtures/IMG_0003.jpg",
    "c2pa-fixtures/sample1.png",
    "c2pa-fixtures/libpng-test.png",
    "c2pa-fixtures/test.tiff",
    "c2pa-fixtures/mars.webp",
    "c2pa-fixtures/test_xmp.webp",
]


# --- helpers -------------------------------------------------------------------------------


def _copy(relative: str, tmp_path: Path, name: str | None = None) -> Path:
    """A writable copy of a shared data file (never touch ../shared/data itself)."""
    source = data_file(relative)
    target = tmp_path / (name or source.name)
    shutil.copyfile(source, target)
    return target


def _exiftool(path: Path) -> dict:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    # -n: raw values, so URIs are not turned into ExifTool's own labels.
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-struct", "-n", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return json.loads(out)[0]


def _xmp_packet(path: Path) -> ET.Element:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    raw = subprocess.run(
        ["exiftool", "-xmp", "-b", str(path)], capture_output=True, check=True
    ).stdout
    start, end = raw.index(b"<x:xmpmeta"), raw.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    return ET.fromstring(raw[start:end])


def _simple_property(root: ET.Element, namespace: str, name: str) -> list[str]:
    """Every value of a simple XMP property, as attribute or as element."""
    tag = f"{{{namespace}}}{name}"
    values = [d.attrib[tag] for d in root.iter() if tag in d.attrib]
    values += [e.text or "" for e in root.iter(tag)]
    return values


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _pixels(path: Path) -> list[tuple[str, tuple[int, int], str]]:
    """Mode, size and a digest of the decoded pixels of every frame."""
    with Image.open(path) as image:
        return [
            (frame.mode, frame.size, hashlib.sha256(frame.tobytes()).hexdigest())
            for frame in ImageSequence.Iterator(image)
        ]


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, offset, length) of each marker segment up to the first SOS (inclusive)."""
    assert data[:2] == b"\xff\xd8"
    segments, offset = [], 2
    while offset < len(data):
        while data[offset + 1] == 0xFF:  # fill bytes
            offset += 1
        marker = data[offset + 1]
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        segments.append((marker, offset, length))
        if marker == 0xDA:
            break
        offset += 2 + length
    return segments


def _jpeg_scan_data(data: bytes) -> bytes:
    """From the first SOS marker to the end: every scan (so the last one too) and EOI."""
    marker, offset, _ = _jpeg_segments(data)[-1]
    assert marker == 0xDA
    return data[offset:]


def _riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 12
    while offset + 8 <= len(data):
        kind = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        chunks.append((kind, data[offset + 8 : offset + 8 + size]))
        offset += 8 + size + (size & 1)
    return chunks


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append((data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + size]))
        offset += 12 + size
    return chunks


def _coded_image_data(path: Path) -> bytes:
    """The compressed pixel data as stored, where a format keeps it in one findable place."""
    data = path.read_bytes()
    if data[:2] == b"\xff\xd8":
        return _jpeg_scan_data(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return b"".join(body for kind, body in _png_chunks(data) if kind in (b"IDAT", b"fdAT"))
    if data[:4] == b"RIFF":
        coded = (b"VP8 ", b"VP8L", b"ALPH", b"ANMF")
        return b"".join(kind + body for kind, body in _riff_chunks(data) if kind in coded)
    return b""  # TIFF: Exiv2 may move strips; the decoded pixels are compared instead


# --- writing every field, every format -----------------------------------------------------


@pytest.mark.parametrize("relative", FORMATS)
def test_every_field_is_written_and_read_back_by_exiftool(relative, tmp_path):
    path = _copy(relative, tmp_path, name=f"{NON_ASCII} {Path(relative).name}")
    pixels, coded = _pixels(path), _coded_image_data(path)

    write_xmp(path, ALL_FIELDS)

    assert _pixels(path) == pixels
    assert _coded_image_data(path) == coded
    tags = _exiftool(path)
    for tag, expected in EXPECTED.items():
        got = _as_list(tags.get(tag)) if isinstance(expected, list) else tags.get(tag)
        assert got == expected, tag
    # ExifTool 12.57 predates IPTC 2025.1; read the AI fields from the packet itself.
    root = _xmp_packet(path)
    assert _simple_property(root, IPTC_EXT, "AISystemUsed") == [ALL_FIELDS.ai_system]
    assert _simple_property(root, IPTC_EXT, "AISystemVersionUsed") == ["4o-2024-08-06"]


def test_jpeg_scan_data_and_other_segments_are_byte_identical(tmp_path):
    path = _copy("c2pa-fixtures/IMG_0003.jpg", tmp_path)
    before = path.read_bytes()

    write_xmp(path, ALL_FIELDS)

    after = path.read_bytes()
    assert _jpeg_scan_data(after) == _jpeg_scan_data(before)

    def segment_bodies(data: bytes, marker: int) -> list[bytes]:
        return [
            data[offset + 4 : offset + 2 + length]
            for m, offset, length in _jpeg_segments(data)
            if m == marker
        ]

    # Exif (APP1), ICC profile (APP2), tables and frame header: untouched.
    exif = [b for b in segment_bodies(before, 0xE1) if b.startswith(b"Exif\x00\x00")]
    assert [b for b in segment_bodies(after, 0xE1) if b.startswith(b"Exif\x00\x00")] == exif
    for marker in (0xE2, 0xDB, 0xC4, 0xC0, 0xDD, 0xEE):
        assert segment_bodies(after, marker) == segment_bodies(before, marker), hex(marker)


def test_memory_route_for_names_exiv2_cannot_open(tmp_path, monkeypatch):
    # On Windows a non-ASCII name cannot reach Exiv2; prove the in-memory route here.
    monkeypatch.setattr(xmp, "_exiv2_opens_by_name", lambda path: False)
    for relative in ("c2pa-fixtures/IMG_0003.jpg", "c2pa-fixtures/test_xmp.webp"):
        path = _copy(relative, tmp_path, name=f"東京 {Path(relative).name}")
        pixels, coded = _pixels(path), _coded_image_data(path)

        write_xmp(path, ALL_FIELDS)

        assert _pixels(path) == pixels
        assert _coded_image_data(path) == coded
        tags = _exiftool(path)
        assert tags["XMP-dc:Title"] == ALL_FIELDS.title
        assert _as_list(tags["XMP-dc:Creator"]) == list(ALL_FIELDS.creators)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "東京 IMG_0003.jpg",
        "東京 test_xmp.webp",
    ]  # no temporary file left behind


# --- merging ------------------------------------------------------------------------------


#: The IIM and EXIF copies of the properties Credence writes (kept in step with the XMP).
LEGACY_COPIES = frozenset(
    {
        "IFD0:ImageDescription",
        "IFD0:Artist",
        "IFD0:Copyright",
        "IPTC:ObjectName",
        "IPTC:Caption-Abstract",
        "IPTC:By-line",
        "IPTC:CopyrightNotice",
        "IPTC:Credit",
    }
)


@pytest.mark.parametrize(
    "relative",
    ["c2pa-fixtures/IMG_0003.jpg", "iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg"],
)
def test_unrelated_metadata_is_kept(relative, tmp_path):
    path = _copy(relative, tmp_path)
    before = _exiftool(path)

    write_xmp(path, ALL_FIELDS)

    after = _exiftool(path)
    kept = {
        key
        for key in before
        if key.startswith(("XMP-", "EXIF", "IFD", "ExifIFD", "GPS", "ICC"))
        and key not in OUR_TAGS
        and key not in LEGACY_COPIES
        and key != "XMP-x:XMPToolkit"
    }
    assert len(kept) > 20  # these files really carry other metadata
    assert {key: after.get(key) for key in kept} == {key: before[key] for key in kept}
    # The legacy copies of the properties written say what the XMP says (MWG), never the old.
    written = {
        ALL_FIELDS.title,
        ALL_FIELDS.description,
        ALL_FIELDS.rights,
        ALL_FIELDS.credit,
        "; ".join(ALL_FIELDS.creators),
    }
    for key in LEGACY_COPIES & set(before):
        value = after.get(key)
        value = "; ".join(value) if isinstance(value, list) else value
        # An IIM copy too long for its dataset is cut at a character boundary (MWG readers
        # take the whole text from the XMP); it is never some other, older text.
        assert value is None or any(w.startswith(str(value)) for w in written), key
    if "IPTC-Photometadata" in relative:
        # The reference image's IIM block survives too (only our properties' copies changed).
        iim = {key for key in before if key.startswith("IPTC:") and key not in LEGACY_COPIES}
        assert len(iim) > 15
        assert {key: after.get(key) for key in iim} == {key: before[key] for key in iim}
        assert after["XMP-iptcExt:ArtworkOrObject"] == before["XMP-iptcExt:ArtworkOrObject"]


def test_writing_twice_replaces_instead_of_duplicating(tmp_path):
    path = _copy("iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg", tmp_path)

    write_xmp(path, ALL_FIELDS)
    write_xmp(path, ALL_FIELDS)
    tags = _exiftool(path)
    assert _as_list(tags["XMP-dc:Creator"]) == list(ALL_FIELDS.creators)

    write_xmp(path, XmpFields(creators=("Only One",), digital_source_type=TRAINED))
    tags = _exiftool(path)
    assert _as_list(tags["XMP-dc:Creator"]) == ["Only One"]
    assert tags["XMP-iptcExt:DigitalSourceType"] == TRAINED
    assert tags["XMP-dc:Title"] == ALL_FIELDS.title  # fields left as None are kept
    root = _xmp_packet(path)
    dc_creator = "{http://purl.org/dc/elements/1.1/}creator"
    assert len(list(root.iter(dc_creator))) == 1
    assert len(_simple_property(root, IPTC_EXT, "DigitalSourceType")) == 1


def test_no_values_leaves_the_file_alone(tmp_path):
    path = _copy("c2pa-fixtures/IMG_0003.jpg", tmp_path)
    before = path.read_bytes()
    write_xmp(path, XmpFields(title="  ", creators=("", " ")))
    assert path.read_bytes() == before


def test_text_is_made_safe_for_xml(tmp_path):
    path = _copy("c2pa-fixtures/sample1.png", tmp_path)
    write_xmp(
        path,
        XmpFields(
            title="  line\x0bbreak from a catalog export  ",
            description="cut\x00here?",
            credit="bad \ufffe char",
            creators=("type=Seq is fine in a list",),
        ),
    )
    tags = _exiftool(path)
    assert tags["XMP-dc:Title"] == "line break from a catalog export"
    assert tags["XMP-dc:Description"] == "cut here?"
    assert tags["XMP-photoshop:Credit"] == "bad \ufffd char"
    assert _as_list(tags["XMP-dc:Creator"]) == ["type=Seq is fine in a list"]


def test_simple_text_starting_with_type_is_refused(tmp_path):
    path = _copy("c2pa-fixtures/sample1.png", tmp_path)
    before = path.read_bytes()
    with pytest.raises(XmpError, match=r'sample1\.png: the credit line starts with "type="'):
        write_xmp(path, XmpFields(credit="type=Seq oops"))
    assert path.read_bytes() == before


# --- C2PA ---------------------------------------------------------------------------------


def test_existing_c2pa_segments_are_kept_byte_for_byte(tmp_path):
    # Exiv2 inserts its XMP APP1 before the APP11 JUMBF boxes and copies them unchanged; the
    # old manifest's hard binding no longer matches (the file is re-signed after this anyway).
    path = _copy("c2pa-fixtures/C.jpg", tmp_path)
    before = path.read_bytes()

    write_xmp(path, ALL_FIELDS)

    after = path.read_bytes()

    def app11(data: bytes) -> list[bytes]:
        return [
            data[offset : offset + 2 + length]
            for marker, offset, length in _jpeg_segments(data)
            if marker == 0xEB
        ]

    assert app11(before) and app11(after) == app11(before)
    assert _jpeg_scan_data(after) == _jpeg_scan_data(before)


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("unsupported_type.txt", "not an image format that can hold XMP"),
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "damaged or cut short"),
        ("sample1.heif", "cannot write XMP into HEIF files"),
        ("sample1.avif", "cannot write XMP into AVIF files"),
        ("sample1.jxl", "cannot write XMP into JXL files"),
        ("sample1.gif", "cannot write XMP into GIF files"),
        ("MultiPage.tif", "TIFF with more than 4 pages"),
    ],
)
def test_bad_or_unwritable_files_give_a_plain_error(content, reason, tmp_path):
    if isinstance(content, str):
        path = _copy(f"c2pa-fixtures/{content}", tmp_path, name=f"Ångström {content}")
    else:
        path = tmp_path / "Ångström broken.jpg"
        path.write_bytes(content)
    before = path.read_bytes()

    with pytest.raises(XmpError) as caught:
        write_xmp(path, ALL_FIELDS)

    message = str(caught.value)
    assert message.startswith(f"Cannot write XMP to {path.name}: ")
    assert reason in message
    assert "Traceback" not in message and "RuntimeError" not in message
    assert str(tmp_path) not in message  # the reason does not repeat the full path
    assert path.read_bytes() == before


def test_missing_file(tmp_path):
    with pytest.raises(XmpError, match=r"nothere\.jpg: the file does not exist"):
        write_xmp(tmp_path / "nothere.jpg", ALL_FIELDS)


def test_oversized_xmp_in_jpeg_is_refused_and_file_kept(tmp_path):
    path = _copy("c2pa-fixtures/IMG_0003.jpg", tmp_path)
    before = path.read_bytes()
    with pytest.raises(XmpError, match="larger than the 64 KB a JPEG can hold"):
        write_xmp(path, XmpFields(description="é" * 40_000))
    assert path.read_bytes() == before


# --- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["image/jpeg", "JPEG", ".jpg", "image/png", "PNG", "image/tiff", "TIFF", "tif", "image/webp"],
)
def test_can_write(name):
    assert can_write_xmp(name)


@pytest.mark.parametrize(
    "name",
    ["image/heic", "image/heif", "image/avif", "image/jxl", "image/gif", "image/svg+xml", "PDF"],
)
def test_cannot_write(name):
    assert not can_write_xmp(name)
