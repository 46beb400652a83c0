"""Keywords and subjects written back on export: real files signed with fixture certificates,
read back by ExifTool (`-j -G1 -a -struct`) and c2pa-python's Reader; tag changes make the
export stale, said in words."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import c2pa
import pytest

from tests.conftest import data_file

PASS = "correct horse battery staple"
UNESCO = "vocabularies/unesco-thesaurus-culture/unesco-thesaurus-culture-domain.ttl"
SCHEME = "http://vocabularies.unesco.org/thesaurus"
MUSEUMS = SCHEME + "/concept10399"  # Ethnographic museums (ar, en, es, fr, ru)
KEYWORDS = ("Harbour; quay, east", "Морской порт", "ميناء", "ethnographic MUSEUMS")
LONG_TITLE = "Этнографический музей на набережной, вид с моря " * 3  # > 64 bytes in UTF-8
LONG_KEYWORD = "Längste Stichwortkette der Sammlung über die Hafenanlagen Hamburgs"  # 68 bytes


def _exiftool(path, *options) -> dict:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-struct", *options, str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return json.loads(out)[0]


def _manifest(path, anchors):
    mime = {"jpg": "image/jpeg", "tiff": "image/tiff", "png": "image/png", "webp": "image/webp"}
    settings = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "trust": {"user_anchors": anchors},
    }
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        open(path, "rb") as stream,
        c2pa.Reader(mime[path.suffix.lstrip(".")], stream, context=context) as reader,
    ):
        store = json.loads(reader.json())
        return reader.get_validation_state(), store["manifests"][store["active_manifest"]]


def _metadata(manifest) -> dict | None:
    found = [a["data"] for a in manifest["assertions"] if a["label"] == "cawg.metadata"]
    assert len(found) <= 1
    return found[0] if found else None


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def tagged(library, tmp_path):
    """A library with the UNESCO culture thesaurus and four tagged images, one untagged."""
    library.create_identity("Tag Export Museum", PASS)
    library.import_vocabulary(data_file(UNESCO))
    masters = tmp_path / "masters"
    masters.mkdir()
    files = {
        "T1.jpg": "c2pa-fixtures/IMG_0003.jpg",  # IIM with a Photoshop IPTC digest
        "T2.tiff": "c2pa-fixtures/test.tiff",  # IIM in tag 33723 and in the resources
        "T3.png": "c2pa-fixtures/libpng-test.png",  # no IIM in PNG
        "T4.webp": "c2pa-fixtures/mars.webp",  # no IIM in WebP
        "N1.jpg": "c2pa-fixtures/no_manifest.jpg",  # no tags at all
    }
    for name, rel in files.items():
        shutil.copy(data_file(rel), masters / name)
        accession = name.split(".")[0]
        library.create_item({"accession": accession, "title": f"Harbour {accession}"})
        library.set_capture_type([accession], "digitalCapture")
    report = library.import_files([masters])
    assert len(report.imported) == len(files)
    library.update_item("T1", {"title": LONG_TITLE})
    library.tag(["T1", "T2", "T3", "T4"], add=KEYWORDS, subjects=[MUSEUMS])
    library.tag(["T1"], add=[LONG_KEYWORD])
    return library, masters


def test_keywords_and_subjects_are_written_alike_everywhere(tagged, tmp_path):
    library, masters = tagged
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in masters.iterdir()}
    out = tmp_path / "out"
    report = library.export(None, out, passphrase=PASS, jobs=1)
    assert report.refused == () and report.failed == (), report
    anchors = (library.identity_dir / "ca.pem").read_text()
    # The subject's English label is the same word as a keyword but for case: said once.
    expected = ["Harbour; quay, east", "Морской порт", "ميناء", "ethnographic MUSEUMS"]
    for name in ("T1.jpg", "T2.tiff", "T3.png", "T4.webp"):
        path = out / name
        tags = _exiftool(path)
        words = expected + ([LONG_KEYWORD] if name == "T1.jpg" else [])
        assert _list(tags["XMP-dc:Subject"]) == words, name
        [term] = tags["XMP-iptcExt:AboutCvTerm"]
        assert term["CvId"] == SCHEME and term["CvTermId"] == MUSEUMS
        assert term["CvTermName"] == "Ethnographic museums"
        assert term["CvTermName-ar"] == "متاحف اثنوغرافية"
        assert term["CvTermName-ru"] == "Этнографические музеи"
        if name in ("T1.jpg", "T2.tiff"):
            # IIM: the same set, UTF-8 declared, each keyword within its 64 bytes.
            assert tags["IPTC:CodedCharacterSet"] == "UTF8"
            iim = _list(tags["IPTC:Keywords"])
            assert len(iim) == len(words)
            for whole, cut in zip(words, iim, strict=True):
                assert len(cut.encode("utf-8")) <= 64 and whole.startswith(cut)
            assert "Warning" not in json.dumps({k: v for k, v in tags.items() if "Warning" in k})
        else:
            assert not any(k.startswith("IPTC") for k in tags), name  # no IIM invented
        # MWG readers take the whole keywords (from the XMP: the IIM is trusted to agree).
        mwg = _exiftool(path, "-use", "MWG", "-MWG:Keywords")
        assert _list(mwg["MWG:Keywords"]) == words, name
        state, manifest = _manifest(path, anchors)
        assert state == "Trusted", name
        metadata = _metadata(manifest)
        assert metadata["dc:subject"] == words
        [signed] = metadata["Iptc4xmpExt:AboutCvTerm"]
        assert signed["Iptc4xmpExt:CvId"] == SCHEME
        assert signed["Iptc4xmpExt:CvTermId"] == MUSEUMS
        assert {"@value": "Ethnographic museums", "@language": "en"} in signed[
            "Iptc4xmpExt:CvTermName"
        ]
    # The JPEG's IPTC digest describes its new IIM, so MWG readers trust the XMP.
    t1 = _exiftool(out / "T1.jpg")
    assert t1["Photoshop:IPTCDigest"] == t1["File:CurrentIPTCDigest"]
    # Titles: whole in XMP, cut at a character boundary in IIM, with a note in the report.
    assert t1["XMP-dc:Title"] == LONG_TITLE.strip()
    assert len(t1["IPTC:ObjectName"].encode("utf-8")) <= 64
    assert LONG_TITLE.startswith(t1["IPTC:ObjectName"])
    notes = {f.file.rsplit("/", 1)[-1]: f.notes for f in report.exported}
    assert any("Object Name" in n and t1["IPTC:ObjectName"] in n for n in notes["T1.jpg"])
    assert any("Keywords" in n and "Längste" in n for n in notes["T1.jpg"])
    assert notes["T3.png"] == ()
    mwg = _exiftool(out / "T1.jpg", "-use", "MWG", "-MWG:Description")
    assert "MWG:Description" not in mwg or mwg["MWG:Description"] == t1.get("XMP-dc:Description")
    # The untagged item gets nothing empty: no dc:subject, no AboutCvTerm, no assertion.
    n1 = _exiftool(out / "N1.jpg")
    assert "XMP-dc:Subject" not in n1 and "XMP-iptcExt:AboutCvTerm" not in n1
    assert "IPTC:Keywords" not in n1
    assert _metadata(_manifest(out / "N1.jpg", anchors)[1]) is None
    # Originals never change.
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in masters.iterdir()} == (
        before
    )


def test_subject_labels_follow_the_library_language(tagged, tmp_path):
    library, _masters = tagged
    library.update_settings({"language": "fr"})
    report = library.export(["T3"], tmp_path / "out", passphrase=PASS, jobs=1)
    assert report.failed == () and report.refused == ()
    tags = _exiftool(tmp_path / "out" / "T3.png")
    assert "Musée ethnographique" in _list(tags["XMP-dc:Subject"])
    [term] = tags["XMP-iptcExt:AboutCvTerm"]
    assert term["CvTermName"] == "Musée ethnographique"  # x-default: the library's language


def test_tag_changes_make_the_export_stale_and_re_export_writes_them(tagged, tmp_path):
    library, _masters = tagged
    out = tmp_path / "out"
    first = library.export(["T1"], out, passphrase=PASS, jobs=1)
    assert len(first.exported) == 1
    assert [e.stale for e in library.exports_of("T1")] == [False]

    library.tag(["T1"], add=["Lighthouse"])
    [export] = library.exports_of("T1")
    assert export.stale and export.stale_reason == "keywords changed"
    stale = library.list_items(filters=_stale_filter())
    assert [i.accession for i in stale] == ["T1"]

    library.tag(["T1"], remove=["lighthouse"])  # back to what was signed: current again
    assert [e.stale for e in library.exports_of("T1")] == [False]

    library.tag(["T1"], unsubjects=[MUSEUMS], add=["Quay"])
    [export] = library.exports_of("T1")
    assert export.stale_reason == "keywords changed; subjects changed"

    again = library.export(["T1"], out, passphrase=PASS, jobs=1)
    assert again.failed == () and len(again.exported) == 1
    tags = _exiftool(out / "T1.jpg")
    assert "Quay" in _list(tags["XMP-dc:Subject"]) and "Quay" in _list(tags["IPTC:Keywords"])
    assert "Ethnographic museums" not in json.dumps(tags, ensure_ascii=False)
    assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]
    # The newest export says what the record says (the replaced one stays on record, stale).
    assert library.get_item("T1").stale_since is None
    # Nothing changed since: the next run finds the file current and does not rewrite it.
    sha = hashlib.sha256((out / "T1.jpg").read_bytes()).hexdigest()
    third = library.export(["T1"], out, passphrase=PASS, jobs=1)
    assert [f.sha256 for f in third.exported] == [sha]


def test_re_importing_a_vocabulary_with_new_labels_says_so(tagged, tmp_path):
    library, _masters = tagged
    library.export(["T3"], tmp_path / "out", passphrase=PASS, jobs=1)
    newer = tmp_path / "unesco-newer.ttl"
    text = data_file(UNESCO).read_text(encoding="utf-8")
    assert text.count('"Ethnographic museums"@en') == 1
    newer.write_text(
        text.replace('"Ethnographic museums"@en', '"Museums of ethnography"@en'), encoding="utf-8"
    )
    library.import_vocabulary(newer)
    [export] = library.exports_of("T3")
    assert export.stale
    assert export.stale_reason == "a subject's label changed when its vocabulary was imported again"


def test_untagged_records_keep_the_digest_their_exports_were_signed_with(tagged, tmp_path):
    """Adding tags to the export must not make every earlier export of an untagged item stale."""
    from provenance.exporting.manifest import manifest_digest
    from provenance.media.xmp import XmpFields

    manifest = {"title": "x", "assertions": []}
    fields = XmpFields(title="x")
    old_payload = json.dumps(
        [
            manifest,
            {k: v for k, v in fields.__dict__.items() if k not in ("keywords", "about")},
            False,
        ],
        sort_keys=True,
        default=str,
    )
    assert (
        manifest_digest(manifest, fields, False) == hashlib.sha256(old_payload.encode()).hexdigest()
    )
    assert manifest_digest(manifest, XmpFields(title="x", keywords=("a",)), False) != (
        manifest_digest(manifest, fields, False)
    )


def _stale_filter():
    from provenance import SearchFilters

    return SearchFilters(stale=True)
