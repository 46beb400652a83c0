"""Importing files fills EMPTY record fields and keywords from what the files say, records each
in history as read from the file, and never overwrites what the registrar typed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import data_file
from tests.provenance.c2pa_helpers import make_jpeg
from tests.provenance.media.test_embedded import _iim, _jpeg, _xmp

REF = "iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg"
EXPECTED = {
    "title": "The Title (ref2023.2)",
    "maker": "Creator1 (ref2023.2)",
    "description": "The description aka caption (ref2023.2)",
    "rights": "Copyright (Notice) 2023.2 IPTC - www.iptc.org  (ref2023.2)",
    "credit_line": "Credit Line (ref2023.2)",
    "date": "1924-03-22",  # the object's (Artwork or Object) date, not the photograph's
}
KEYWORDS = ("Keyword1ref2023.2", "Keyword2ref2023.2", "Keyword3ref2023.2")


def _copy(tmp_path: Path, name: str = "ref.jpg") -> Path:
    target = tmp_path / name
    shutil.copyfile(data_file(REF), target)
    return target


def _fields(view) -> dict[str, str | None]:
    return {name: getattr(view, name) for name in EXPECTED}


def test_the_reference_image_fills_a_new_item(library):
    report = library.import_files([data_file(REF)])
    [imported] = report.imported
    item = library.get_item(imported.item)
    assert _fields(item) == EXPECTED
    assert item.keywords == KEYWORDS
    assert imported.from_file == {
        "title": "XMP",
        "maker": "EXIF",
        "description": "EXIF",
        "rights": "EXIF",
        "credit_line": "XMP",
        "date": "XMP Artwork or Object",
        "keywords": "XMP",
    }
    assert report.fields_from_files == 7 and report.to_dict()["fields_from_files"] == 7
    [created] = [e for e in library.history(item.id) if e.action == "create"]
    assert created.after["title"] == EXPECTED["title"]
    assert created.after["keywords"] == list(KEYWORDS)
    assert created.note.startswith("read from the file IPTC-PhotometadataRef-Std2023.2.jpg:")
    assert "title, credit line and keywords from its XMP" in created.note
    # One entry for the item, one for the file, as before.
    assert [e.action for e in library.history(item.id)] == ["create", "import"]
    # The keywords are searchable at once.
    assert [i.id for i in library.list_items(search="Keyword2ref2023")] == [item.id]


def test_a_file_without_metadata_keeps_the_file_name_title(library, tmp_path):
    report = library.import_files([make_jpeg(tmp_path / "IMG_0042.jpg")])
    [imported] = report.imported
    assert library.get_item(imported.item).title == "IMG_0042"
    assert imported.from_file == {} and report.fields_from_files == 0
    [created] = [e for e in library.history() if e.action == "create"]
    assert created.note is None


def test_what_the_registrar_typed_is_never_overwritten(library, tmp_path):
    item = library.create_item({"accession": "2024.7", "title": "Harbour at dusk", "date": "1890~"})
    library.tag([item.id], add=["keyword1REF2023.2", "boats"])
    report = library.import_files([_copy(tmp_path)], item=item.id)
    after = library.get_item(item.id)
    assert (after.title, after.date) == ("Harbour at dusk", "1890~")  # typed: kept
    assert after.maker == EXPECTED["maker"]  # empty: filled
    assert after.description == EXPECTED["description"]
    # Keywords are a union, compared without regard to case; the typed spelling stays.
    assert after.keywords == ("keyword1REF2023.2", "boats", *KEYWORDS[1:])
    [imported] = report.imported
    assert "title" not in imported.from_file and "date" not in imported.from_file
    entries = library.history(item.id)
    update = next(e for e in entries if e.action == "update")
    tag = [e for e in entries if e.action == "tag"][-1]
    assert set(update.after) == {"maker", "description", "rights", "credit_line"}
    assert update.before == dict.fromkeys(update.after)
    assert "from its EXIF" in update.note and "from its XMP" in update.note
    assert tag.note == update.note
    # Both are undoable like any change.
    library.revert(tag.seq)
    library.revert(update.seq)
    undone = library.get_item(item.id)
    assert undone.keywords == ("keyword1REF2023.2", "boats")
    assert (undone.maker, undone.description, undone.title) == (None, None, "Harbour at dusk")


def test_an_item_found_by_accession_keeps_its_typed_title(library, tmp_path):
    library.create_item({"accession": "ref", "title": "ref"})  # typed, though it is the name
    report = library.import_files([_copy(tmp_path, "ref.jpg")])
    [imported] = report.imported
    assert imported.item == "ref"
    item = library.get_item("ref")
    assert item.title == "ref" and item.maker == EXPECTED["maker"]


def test_a_file_name_title_is_replaced_by_a_later_files_title(library, tmp_path):
    first = library.import_files([make_jpeg(tmp_path / "scan-001.jpg")]).imported[0]
    assert library.get_item(first.item).title == "scan-001"
    library.import_files([_copy(tmp_path, "scan-001-master.jpg")], item=first.item)
    assert library.get_item(first.item).title == EXPECTED["title"]


def test_a_file_name_title_the_registrar_confirmed_is_kept(library, tmp_path):
    first = library.import_files([make_jpeg(tmp_path / "scan-002.jpg")]).imported[0]
    library.update_item(first.item, {"title": "Harbour"})
    library.update_item(first.item, {"title": "scan-002"})  # typed back on purpose
    library.import_files([_copy(tmp_path)], item=first.item)
    assert library.get_item(first.item).title == "scan-002"


def test_importing_the_same_file_again_changes_nothing(library):
    library.import_files([data_file(REF)])
    head = library.history_head()
    report = library.import_files([data_file(REF)])
    assert len(report.duplicates) == 1 and report.fields_from_files == 0
    assert library.history_head() == head


def test_a_disagreement_is_said_in_the_history_note(library, tmp_path):
    path = _jpeg(
        tmp_path / "old-tool.jpg",
        xmp=_xmp(title="Harbour (XMP)"),
        iim=_iim((1, 90, b"\x1b%G"), (2, 5, b"Hafen (IIM)")),
        digest="stale",
    )
    [imported] = library.import_files([path]).imported
    assert library.get_item(imported.item).title == "Hafen (IIM)"
    assert imported.from_file == {"title": "IPTC-IIM"}
    assert imported.file_disagreements == {"title": {"XMP": "Harbour (XMP)"}}
    [created] = [e for e in library.history() if e.action == "create"]
    assert created.note == (
        "read from the file old-tool.jpg: title from its IPTC-IIM; "
        "XMP said 'Harbour (XMP)' for the title"
    )


def test_hostile_metadata_never_fails_the_import(library, tmp_path):
    path = _jpeg(
        tmp_path / "hostile.jpg",
        xmp=_xmp(description="x" * 50_000, subject="k" * 400),
        iim=_iim((2, 5, b"Title\x00\x1b[2J"), (2, 110, b"Gift of Anna")),
        digest=None,
    )
    report = library.import_files([path, data_file("images/pillow/invalid-exif.jpg")])
    assert len(report.imported) == 2 and not report.rejected
    hostile = next(f for f in report.imported if f.file.endswith("hostile.jpg"))
    item = library.get_item(hostile.item)
    assert item.title == "hostile" and item.credit_line == "Gift of Anna"
    assert item.description is None and item.keywords == ()
    assert any("control characters" in w for w in hostile.warnings)
    assert any("50,000 characters" in w for w in hostile.warnings)


def test_the_file_date_goes_into_an_empty_date_only(library, tmp_path):
    item = library.create_item({"accession": "D1", "title": "Dated"})
    library.import_files([_copy(tmp_path)], item="D1")
    assert library.get_item(item.id).date == "1924-03-22"  # EDTF
    dated = library.create_item({"accession": "D2", "title": "Dated", "date": "189X"})
    library.import_files([_copy(tmp_path, "again.jpg")], item="D2")
    assert library.get_item(dated.id).date == "189X"


def _dated(path: Path, *tags: str) -> Path:
    make_jpeg(path)
    subprocess.run(["exiftool", "-q", "-overwrite_original", *tags, str(path)], check=True)
    return path


def test_a_camera_clock_never_dates_the_object(library, tmp_path):
    """A studio photograph of an old print says when the picture was taken (EXIF, and the
    XMP copy Lightroom makes of it): that is not the print's date. An archivist's own Date
    Created that differs from the camera's is the object's date."""
    camera = _dated(
        tmp_path / "camera.jpg",
        "-ExifIFD:DateTimeOriginal=2026:11:30 10:00:00",
        "-XMP-photoshop:DateCreated=2026:11:30 10:00:00",
    )
    described = _dated(
        tmp_path / "described.jpg",
        "-ExifIFD:DateTimeOriginal=2026:11:30 10:00:00",
        "-IPTC:DateCreated=1890:05:01",
        "-XMP-photoshop:DateCreated=1890:05:01",
    )
    report = library.import_files([camera, described])
    by_name = {Path(f.file).name: library.get_item(f.item) for f in report.imported}
    assert by_name["camera.jpg"].date is None
    assert by_name["described.jpg"].date == "1890-05-01"
