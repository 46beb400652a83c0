"""Keywords and subjects in write_xmp, IIM character sets and the IPTC digest, on tmp_path
copies of real third-party images, read back by ExifTool."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from provenance.media import photoshop
from provenance.media.xmp import CvTerm, XmpFields, write_xmp, write_xmp_bytes
from tests.conftest import data_file

REFERENCE = "iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg"
AAT = CvTerm(
    "http://vocab.getty.edu/aat/",
    "http://vocab.getty.edu/aat/300008744",
    (("de", "Häfen"), ("en", "harbors"), ("ar", "موانئ"), ("ru", "порты"), ("", "harbours")),
)


def _copy(relative: str, tmp_path: Path, name: str | None = None) -> Path:
    source = data_file(relative)
    target = tmp_path / (name or source.name)
    shutil.copyfile(source, target)
    return target


def _exiftool(path: Path, *options: str) -> dict:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-struct", *options, str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return json.loads(out)[0]


def _run_exiftool(*args: str) -> None:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    subprocess.run(["exiftool", "-q", "-overwrite_original", *args], check=True)


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_keywords_replace_the_files_own_and_subjects_replace_its_about_terms(tmp_path):
    path = _copy(REFERENCE, tmp_path)
    assert _exiftool(path)["XMP-iptcExt:AboutCvTerm"][0]["CvId"].startswith("http://example")
    notes: list[str] = []
    write_xmp(
        path, XmpFields(keywords=("Häfen", "type=Seq", "a;b, c", "HÄFEN"), about=(AAT,)), notes
    )
    tags = _exiftool(path)
    # Case-insensitive duplicates said once; text that looks like Exiv2 syntax kept as text.
    assert _list(tags["XMP-dc:Subject"]) == ["Häfen", "type=Seq", "a;b, c"]
    assert _list(tags["IPTC:Keywords"]) == ["Häfen", "type=Seq", "a;b, c"]
    [term] = tags["XMP-iptcExt:AboutCvTerm"]  # the file's own example terms are gone
    assert term == {
        "CvId": "http://vocab.getty.edu/aat/",
        "CvTermId": "http://vocab.getty.edu/aat/300008744",
        "CvTermName": "Häfen",
        "CvTermName-de": "Häfen",
        "CvTermName-en": "harbors",
        "CvTermName-ar": "موانئ",
        "CvTermName-ru": "порты",
    }
    assert tags["IPTC:CodedCharacterSet"] == "UTF8"
    # The reference image had no digest: one is added, and it is true.
    assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]
    assert notes == []
    # Writing the same again says the same (nothing doubled, nothing lost).
    once = {k: v for k, v in tags.items() if not k.startswith(("File:", "System:"))}
    write_xmp(path, XmpFields(keywords=("Häfen", "type=Seq", "a;b, c"), about=(AAT,)))
    twice = _exiftool(path)
    assert {k: v for k, v in twice.items() if not k.startswith(("File:", "System:"))} == once


def test_no_tags_writes_nothing_about_tags(tmp_path):
    path = _copy(REFERENCE, tmp_path)
    before = _exiftool(path)
    write_xmp(path, XmpFields(title="Only a title"))
    after = _exiftool(path)
    for key in ("XMP-dc:Subject", "IPTC:Keywords", "XMP-iptcExt:AboutCvTerm"):
        assert after[key] == before[key], key  # the file's own, untouched
    plain = _copy("c2pa-fixtures/no_manifest.jpg", tmp_path)
    write_xmp(plain, XmpFields(title="Only a title"))
    tags = _exiftool(plain)
    assert "XMP-dc:Subject" not in tags and "XMP-iptcExt:AboutCvTerm" not in tags


def test_latin1_iim_is_re_encoded_when_utf8_is_declared(tmp_path):
    path = _copy("c2pa-fixtures/no_manifest.jpg", tmp_path, "latin.jpg")
    # An IIM block as older tools wrote it: Latin-1 text, no Coded Character Set.
    _run_exiftool(
        "-charsetIPTC=Latin",
        "-IPTC:CodedCharacterSet=",
        "-IPTC:City=Zürich",
        "-IPTC:Sub-location=Café Odéon",
        str(path),
    )
    raw = _exiftool(path)
    assert "IPTC:CodedCharacterSet" not in raw and raw["IPTC:City"] == "Zürich"
    write_xmp(path, XmpFields(title="Straße am Hafen", keywords=("Brücke",)))
    tags = _exiftool(path)
    assert tags["IPTC:CodedCharacterSet"] == "UTF8"
    assert tags["IPTC:City"] == "Zürich" and tags["IPTC:Sub-location"] == "Café Odéon"
    assert tags["IPTC:ObjectName"] == "Straße am Hafen"
    assert _list(tags["IPTC:Keywords"]) == ["Brücke"]


def test_long_values_are_cut_in_iim_only_with_a_note(tmp_path):
    path = _copy("c2pa-fixtures/IMG_0003.jpg", tmp_path)
    title = "مشهد الميناء عند الفجر مع قوارب الصيد والمنارة القديمة"  # 100+ bytes
    keyword = "Ж" * 40  # 80 bytes
    caption = "Описание. " * 250  # 2,250 characters, 4,500+ bytes
    notes: list[str] = []
    data = write_xmp_bytes(
        path.read_bytes(),
        XmpFields(title=title, description=caption, keywords=(keyword, "short")),
        path.name,
        notes,
    )
    path.write_bytes(data)
    tags = _exiftool(path)
    assert tags["XMP-dc:Title"] == title and tags["XMP-dc:Description"] == caption.strip()
    iim_title = tags["IPTC:ObjectName"]
    assert title.startswith(iim_title) and len(iim_title.encode()) <= 64
    assert "\ufffd" not in iim_title  # never cut inside a character
    iim_caption = tags["IPTC:Caption-Abstract"]
    assert caption.startswith(iim_caption) and len(iim_caption.encode()) <= 2000
    assert _list(tags["IPTC:Keywords"]) == ["Ж" * 32, "short"]
    # EXIF has no byte limit here: it holds the whole description.
    assert tags.get("IFD0:ImageDescription", caption.strip()) == caption.strip()
    assert len(notes) == 3
    assert any("Object Name" in n and iim_title in n for n in notes)
    assert any("Caption/Abstract" in n for n in notes)
    assert any("Keywords" in n and "Ж" * 32 in n for n in notes)
    # The digest is true, so MWG readers take the whole texts from the XMP.
    assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]
    mwg = _exiftool(path, "-use", "MWG", "-MWG:Keywords")
    assert _list(mwg["MWG:Keywords"]) == [keyword, "short"]


def test_tiff_digest_that_cannot_be_true_is_removed(tmp_path):
    path = _copy("c2pa-fixtures/test.tiff", tmp_path)
    write_xmp(path, XmpFields(title="Harbour", keywords=("Hafen", "Морской порт")))
    tags = _exiftool(path)
    assert _list(tags["IPTC:Keywords"]) == ["Hafen", "Морской порт"]
    assert "Photoshop:IPTCDigest" not in tags
    assert "ExifTool:Warning" not in tags
    assert _list(tags["XMP-dc:Subject"]) == ["Hafen", "Морской порт"]


def test_png_and_webp_get_no_iim(tmp_path):
    for relative in ("c2pa-fixtures/libpng-test.png", "c2pa-fixtures/mars.webp"):
        path = _copy(relative, tmp_path)
        write_xmp(path, XmpFields(keywords=("Hafen",), about=(AAT,)))
        tags = _exiftool(path)
        assert _list(tags["XMP-dc:Subject"]) == ["Hafen"]
        assert tags["XMP-iptcExt:AboutCvTerm"][0]["CvTermId"] == AAT.term_id
        assert not any(k.startswith("IPTC") for k in tags), relative


# -- the Photoshop resource block --------------------------------------------------------------


def test_resource_block_round_trip_and_digest_rules():
    iim = b"\x1c\x02\x00\x00\x02\x00\x04\x1c\x02\x19\x00\x05Hafen"
    resources = [
        photoshop.Resource(b"8BIM", 0x03ED, b"", b"\x00\x48\x00\x00\x00\x01\x00\x01"),
        photoshop.Resource(b"8BIM", photoshop.IPTC_RESOURCE, b"odd", iim),
    ]
    blob = photoshop.build_resources(resources)
    assert photoshop.parse_resources(blob) == resources
    assert photoshop.parse_resources(b"not a resource block") is None
    segment = b"Photoshop 3.0\x00" + blob
    jpeg = b"\xff\xd8" + b"\xff\xed" + (2 + len(segment)).to_bytes(2, "big") + segment
    jpeg += b"\xff\xda\x00\x02" + b"scan" + b"\xff\xd9"
    # No digest: one is added after the IIM, true for it.
    synced = photoshop.sync_jpeg_digest(jpeg, was_true=True)
    found = photoshop.jpeg_resources(synced)
    assert photoshop.digest_state(found) == (iim, hashlib.md5(iim).digest())
    assert synced.endswith(b"\xff\xda\x00\x02scan\xff\xd9")
    assert photoshop.sync_jpeg_digest(synced, was_true=True) is synced  # already true
    # A digest that was stale before the export is left stale (another tool changed the IIM).
    assert photoshop.sync_jpeg_digest(jpeg, was_true=False) is jpeg
    stale = [*resources, photoshop.Resource(b"8BIM", photoshop.DIGEST_RESOURCE, b"", b"0" * 16)]
    assert not photoshop.digest_was_true(*photoshop.digest_state(stale))
    assert photoshop.digest_was_true(iim, None)
