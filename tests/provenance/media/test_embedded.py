"""read_embedded against the IPTC reference images and files made here with disagreeing XMP and
IPTC-IIM (with a matching, a stale and no IPTC digest), read the same way by ExifTool's MWG
module as the reference reader; odd encodings, Windows XP tags and hostile values."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from provenance.media import embedded
from provenance.media.embedded import (
    DIGEST_ABSENT,
    DIGEST_DIFFERS,
    DIGEST_MATCHES,
    EXIF,
    IIM,
    NO_IIM,
    XMP,
    read_embedded,
)
from tests.conftest import DATA, data_file

REFERENCE = [
    "iptc-reference/IPTC-PhotometadataRef-Std2021.1.jpg",
    "iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg",
    "iptc-reference/IPTC-PhotometadataRef-Std2024.1__aidin36-copy_has-2023.2-metadata_reencoded-1000x500.jpg",
]


# --- helpers -------------------------------------------------------------------------------


def _exiftool(path: Path, *args: str) -> dict:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    out = subprocess.run(
        ["exiftool", "-j", *args, str(path)], capture_output=True, check=True
    ).stdout
    return json.loads(out)[0]


def _mwg(path: Path) -> dict:
    """ExifTool's reading by the MWG rules (EXIF strings as UTF-8, as the MWG recommends)."""
    return _exiftool(path, "-use", "MWG", "-api", "CharsetEXIF=UTF8", "-MWG:all")


def _write(path: Path, *args: str) -> None:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    subprocess.run(["exiftool", "-q", "-overwrite_original", *args, str(path)], check=True)


def _xmp(**props: str) -> bytes:
    """An XMP packet with dc:title/description (lang-alt), dc:subject and dc:creator."""
    parts = []
    for name in ("title", "description", "rights"):
        if name in props:
            parts.append(
                f'<dc:{name}><rdf:Alt><rdf:li xml:lang="x-default">{props[name]}</rdf:li>'
                f"</rdf:Alt></dc:{name}>"
            )
    for name, kind in (("subject", "Bag"), ("creator", "Seq")):
        if name in props:
            items = "".join(f"<rdf:li>{v}</rdf:li>" for v in props[name].split("|"))
            parts.append(f"<dc:{name}><rdf:{kind}>{items}</rdf:{kind}></dc:{name}>")
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">' + "".join(parts) + "</rdf:Description>"
        "</rdf:RDF></x:xmpmeta>"
    ).encode()


def _iim(*datasets: tuple[int, int, bytes]) -> bytes:
    return b"".join(
        bytes([0x1C, record, number]) + struct.pack(">H", len(data)) + data
        for record, number, data in datasets
    )


def _resources(resources: dict[int, bytes]) -> bytes:
    out = b""
    for rid, data in resources.items():
        out += b"8BIM" + struct.pack(">H", rid) + b"\x00\x00" + struct.pack(">I", len(data))
        out += data + (b"\x00" if len(data) % 2 else b"")
    return out


def _jpeg(path: Path, *, xmp: bytes | None = None, iim: bytes | None = None, digest="match"):
    """A small JPEG with this XMP packet and this IIM block in APP13, with the IPTC digest
    matching the block ("match"), stale ("stale") or left out (None)."""
    out = io.BytesIO()
    kwargs = {"xmp": xmp} if xmp is not None else {}
    Image.new("RGB", (32, 24), (120, 80, 40)).save(out, "JPEG", **kwargs)
    data = out.getvalue()
    if iim is not None:
        resources = {0x0404: iim}
        if digest == "match":
            resources[0x0425] = hashlib.md5(iim).digest()
        elif digest == "stale":
            resources[0x0425] = hashlib.md5(iim + b"before").digest()
        payload = b"Photoshop 3.0\x00" + _resources(resources)
        data = data[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + data[2:]
    path.write_bytes(data)
    return path


UTF8 = (1, 90, b"\x1b%G")


def _disagreeing(tmp_path: Path, digest: str | None) -> Path:
    return _jpeg(
        tmp_path / f"disagree-{digest}.jpg",
        xmp=_xmp(
            title="XMP title",
            description="XMP caption",
            subject="harbour|boats",
            creator="XMP Maker",
        ),
        iim=_iim(
            UTF8,
            (2, 5, b"IIM title"),
            (2, 120, b"IIM caption"),
            (2, 25, b"quay"),
            (2, 80, b"IIM Maker"),
        ),
        digest=digest,
    )


# --- the IPTC reference images --------------------------------------------------------------


@pytest.mark.parametrize("relative", REFERENCE)
def test_reference_images_read_as_exiftool_reads_them(relative):
    path = data_file(relative)
    tags = _exiftool(path, "-G1")
    mwg = _mwg(path)
    found = read_embedded(path)
    assert found.warnings == ()
    assert found.get("title").value == tags["XMP-dc:Title"] == tags["IPTC:ObjectName"]
    assert found.get("creator").value == mwg["Creator"]
    assert found.get("description").value == mwg["Description"]
    assert list(found.get("keywords").values) == mwg["Keywords"]
    assert found.get("rights").value == mwg["Copyright"]
    assert found.get("credit").value == tags["XMP-photoshop:Credit"] == tags["IPTC:Credit"]
    day = mwg["DateTimeOriginal"][:10].replace(":", "-")
    assert found.get("date_created").value == day
    # EXIF is the native block: the MWG reads creator, caption, copyright and date from it.
    sources = {f.name: f.source for f in found.fields}
    assert sources == {
        "title": XMP,
        "creator": EXIF,
        "description": EXIF,
        "keywords": XMP,
        "rights": EXIF,
        "credit": XMP,
        "date_created": EXIF,
    }
    assert not any(f.disagreed for f in found.fields)  # the three blocks say the same
    assert found.iptc_digest == DIGEST_ABSENT  # IIM without Photoshop's digest


def test_a_file_without_metadata_says_nothing():
    found = read_embedded(data_file("iptc-reference/IPTC-Empty.jpg"))
    assert found.fields == () and found.warnings == () and found.iptc_digest == NO_IIM


# --- the MWG rules, against ExifTool's MWG module ------------------------------------------


@pytest.mark.parametrize(
    ("digest", "state", "winner"),
    [("match", DIGEST_MATCHES, XMP), (None, DIGEST_ABSENT, XMP), ("stale", DIGEST_DIFFERS, IIM)],
)
def test_xmp_or_iim_wins_as_the_iptc_digest_says(tmp_path, digest, state, winner):
    path = _disagreeing(tmp_path, digest)
    found = read_embedded(path)
    assert found.iptc_digest == state
    loser = IIM if winner == XMP else XMP
    said = {
        XMP: {"title": "XMP title", "description": "XMP caption", "creator": "XMP Maker"},
        IIM: {"title": "IIM title", "description": "IIM caption", "creator": "IIM Maker"},
    }
    for name in ("title", "description", "creator"):
        field = found.get(name)
        assert (field.source, field.value) == (winner, said[winner][name])
        assert field.others == ((loser, said[loser][name]),)  # and what the other one said
    keywords = found.get("keywords")
    assert keywords.source == winner
    assert set(keywords.values) == ({"harbour", "boats"} if winner == XMP else {"quay"})
    # ExifTool's MWG module, the reference reader, agrees.
    mwg = _mwg(path)
    assert mwg["Description"] == found.get("description").value
    assert mwg["Creator"] == found.get("creator").value
    expected = mwg["Keywords"] if isinstance(mwg["Keywords"], list) else [mwg["Keywords"]]
    assert sorted(expected) == sorted(keywords.values)


@pytest.mark.parametrize(("digest", "winner"), [("new", XMP), ("0" * 32, IIM)])
def test_a_tiff_keeps_its_iim_and_digest_in_tags(tmp_path, digest, winner):
    path = tmp_path / "scan.tif"
    Image.new("RGB", (16, 16), (10, 20, 30)).save(path)
    _write(path, "-XMP-dc:Title=XMP title", "-IPTC:ObjectName=IIM title")
    _write(path, f"-IPTCDigest={digest}")  # "new": the digest of the IIM as it is
    found = read_embedded(path)
    assert found.iptc_digest == (DIGEST_MATCHES if winner == XMP else DIGEST_DIFFERS)
    assert found.get("title").source == winner


def test_an_iim_value_cut_at_its_limit_is_not_a_different_value(tmp_path):
    long_title = "A harbour at dusk with fishing boats returning, seen from the old quay wall"
    cut = long_title.encode()[:64]  # IIM Object Name holds 64 bytes
    path = _jpeg(
        tmp_path / "cut.jpg",
        xmp=_xmp(title=long_title),
        iim=_iim(UTF8, (2, 5, cut)),
        digest="stale",
    )
    title = read_embedded(path).get("title")
    assert (title.source, title.value, title.others) == (XMP, long_title, ())


def test_a_field_an_old_tool_removed_from_the_iim_is_not_taken_from_the_xmp(tmp_path):
    path = _jpeg(
        tmp_path / "removed.jpg",
        xmp=_xmp(title="XMP title", description="XMP caption"),
        iim=_iim(UTF8, (2, 5, b"IIM title")),
        digest="stale",
    )
    found = read_embedded(path)
    assert found.get("description") is None
    assert "description" not in _mwg(path)  # ExifTool reads it the same way
    assert any("XMP description was not read" in w for w in found.warnings)
    assert found.get("title").value == "IIM title"


# --- encodings --------------------------------------------------------------------------------


def test_iim_without_a_character_set_is_latin_1(tmp_path):
    path = _jpeg(
        tmp_path / "latin.jpg",
        iim=_iim((2, 5, "Café Zürich".encode("latin-1")), (2, 25, "Größe".encode("latin-1"))),
        digest=None,
    )
    found = read_embedded(path)
    assert found.get("title").value == "Café Zürich" == _exiftool(path)["ObjectName"]
    assert found.get("keywords").values == ("Größe",)
    assert found.get("title").source == IIM


def test_iim_in_utf8_in_other_languages(tmp_path):
    title, caption = "قارب في الميناء", "Лодки в гавани Гамбурга"
    path = _jpeg(
        tmp_path / "utf8.jpg",
        iim=_iim(UTF8, (2, 5, title.encode()), (2, 120, caption.encode())),
    )
    found = read_embedded(path)
    assert found.get("title").value == title == _exiftool(path)["ObjectName"]
    assert found.get("description").value == caption


def test_iim_said_to_be_utf8_but_not_is_skipped_with_a_warning(tmp_path):
    path = _jpeg(
        tmp_path / "bad-utf8.jpg",
        iim=_iim(UTF8, (2, 5, b"Caf\xe9 \xff\xfe"), (2, 120, b"A good caption")),
    )
    found = read_embedded(path)
    assert found.get("title") is None
    assert found.get("description").value == "A good caption"
    assert any("title is not valid UTF-8" in w for w in found.warnings)


def test_windows_xp_tags_are_a_last_resort(tmp_path):
    path = _jpeg(tmp_path / "xp.jpg")
    _write(path, "-XPTitle=Hafen von Hamburg", "-XPKeywords=Hafen; Schiffe", "-XPAuthor=Anna")
    found = read_embedded(path)
    assert found.get("title").value == "Hafen von Hamburg"
    assert found.get("keywords").values == ("Hafen", "Schiffe")
    assert found.get("creator").value == "Anna"
    assert {f.source for f in found.fields} == {EXIF}
    # With a title in XMP, Windows' copy is not used.
    _write(path, "-XMP-dc:Title=Harbour")
    assert read_embedded(path).get("title").value == "Harbour"


@pytest.mark.parametrize(
    "caption", ["OLYMPUS DIGITAL CAMERA", "SONY DSC", "<Digimax i50 MP3, Samsung #1 MP3>"]
)
def test_a_caption_the_camera_wrote_by_itself_is_not_a_description(tmp_path, caption):
    path = _jpeg(tmp_path / "camera.jpg")
    _write(path, f"-EXIF:ImageDescription={caption}", "-EXIF:Artist=Anna Berg")
    found = read_embedded(path)
    assert found.get("description") is None and found.warnings == ()
    assert found.get("creator").value == "Anna Berg"
    _write(path, "-EXIF:ImageDescription=Portrait of a man holding a digital camera")
    assert read_embedded(path).get("description").source == EXIF


def test_the_x_default_language_of_a_lang_alt_is_taken(tmp_path):
    path = _jpeg(tmp_path / "langs.jpg")
    _write(path, "-XMP-dc:Title-de=Hafen", "-XMP-dc:Title=Harbour", "-XMP-dc:Title-fr=Port")
    assert read_embedded(path).get("title").value == "Harbour"


@pytest.mark.parametrize(
    ("exif", "iim", "xmp", "expected"),
    [
        ("2021:10:20 21:01:01", None, None, "2021-10-20"),
        ("0000:00:00 00:00:00", b"19540300", None, "1954-03"),  # blank EXIF, IIM month only
        (None, None, "1890", "1890"),
        (None, b"20240231", None, None),  # no such day
    ],
)
def test_date_created_becomes_an_edtf_day(tmp_path, exif, iim, xmp, expected):
    path = _jpeg(
        tmp_path / "date.jpg",
        iim=_iim((2, 55, iim)) if iim else None,
        digest=None,
    )
    args = [f"-EXIF:DateTimeOriginal#={exif}"] if exif else []  # "#": as given, even zeros
    args += [f"-XMP-photoshop:DateCreated={xmp}"] if xmp else []
    if args:
        _write(path, *args)
    found = read_embedded(path).get("date_created")
    assert (found.value if found else None) == expected


# --- hostile values ------------------------------------------------------------------------


def test_huge_and_control_character_values_are_skipped_with_a_warning(tmp_path):
    path = _jpeg(
        tmp_path / "hostile.jpg",
        xmp=_xmp(description="x" * 25_000, title="Real title", subject="ok|" + "k" * 300),
        iim=_iim((2, 116, b"\x1b]0;owned\x07 rights"), (2, 110, b"Gift of Anna")),
        digest=None,
    )
    found = read_embedded(path)
    assert found.get("description") is None
    assert found.get("rights") is None
    assert found.get("keywords").values == ("ok",)
    assert found.get("title").value == "Real title"
    assert found.get("credit").value == "Gift of Anna"
    text = " ".join(found.warnings)
    assert "25,000 characters long" in text
    assert "copyright notice contains control characters" in text
    assert "keywords is 300 characters long" in text


def test_malformed_xmp_is_skipped_and_the_iim_still_read(tmp_path):
    path = _jpeg(
        tmp_path / "broken-xmp.jpg",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF unclosed',
        iim=_iim((2, 5, b"IIM title")),
        digest=None,
    )
    found = read_embedded(path)
    assert found.get("title").value == "IIM title"
    assert any("XMP is malformed" in w for w in found.warnings)


def test_an_entity_expansion_bomb_in_xmp_is_refused(tmp_path):
    pairs = zip("abcdefgh", "bcdefghi", strict=True)  # each entity ten of the one before
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in pairs
    )
    packet = f"<?xml version='1.0'?><!DOCTYPE x [{entities}]>".encode() + _xmp(title="&i;")
    path = _jpeg(tmp_path / "bomb.jpg", xmp=packet)
    found = read_embedded(path)  # an expanding parser would need gigabytes here
    assert found.get("title") is None
    assert any("XMP is malformed" in w for w in found.warnings)


def test_every_shared_image_is_read_without_raising_and_as_exiftool_reads_it():
    roots = [DATA / "images", DATA / "c2pa-fixtures", DATA / "iptc-reference"]
    files = [
        p
        for root in roots
        if root.is_dir()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix.lower() not in {".md", ".txt", ".json"}
    ]
    if not files:
        pytest.skip("no shared images")
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    tags = ["-MWG:Description", "-MWG:Creator"]
    out = subprocess.run(
        ["exiftool", "-j", "-use", "MWG", "-api", "CharsetEXIF=UTF8", *tags, *map(str, files)],
        capture_output=True,
    ).stdout
    reference = {d["SourceFile"]: d for d in json.loads(out)}
    compared = 0
    for path in files:
        found = read_embedded(path)  # never raises for content
        theirs = reference.get(str(path), {})
        for name, tag in (("description", "Description"), ("creator", "Creator")):
            ours = found.get(name)
            value = theirs.get(tag)
            if isinstance(value, list):
                value = "; ".join(map(str, value))
            text = str(value or "").strip()
            if not text or embedded._BOILERPLATE.fullmatch(text):
                assert ours is None, path  # nothing, or a camera's own caption
                continue
            assert ours is not None, path
            assert " ".join(ours.value.split()) == " ".join(str(value).split()), path
            compared += 1
    assert compared >= 10
