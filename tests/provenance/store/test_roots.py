"""Storage roots on real files: import under a root, move the root with one setting, export and
preview through it, a root not set on this computer, adopting old absolute paths."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from provenance import InvalidValue, LibraryError, open_library
from tests.conftest import data_file

PASS = "correct horse battery staple"
JPEG = "images/exif-samples/jpg_Canon_40D.jpg"


@pytest.fixture
def scans(tmp_path):
    """A folder of originals with a Russian sub-folder and an Arabic file name."""
    folder = tmp_path / "mnt" / "scans"
    (folder / "Коробка 1").mkdir(parents=True)
    shutil.copy(data_file(JPEG), folder / "Коробка 1" / "P1.jpg")
    shutil.copy(data_file(JPEG), folder / "صورة.jpg")
    # Different bytes: a second, different image (import sees the same bytes as a duplicate).
    with open(folder / "صورة.jpg", "ab") as handle:
        handle.write(b"\0")
    return folder


def _import(lib, folder):
    """Import `folder`; P1.jpg joins the item whose accession number is P1."""
    lib.create_item({"accession": "P1", "title": "Harbour", "rights": "Public domain"})
    return lib.import_files([folder])


def _stored(lib):
    """The stored (root, path) pairs, read from the database as it is, on either engine."""
    with lib._store.read() as session:
        rows = session.execute(text("SELECT root, path FROM assets")).all()
    return sorted((tuple(r) for r in rows), key=str)


def test_import_under_a_root_stores_root_and_relative_path(library, scans):
    library.add_root("scans", scans)
    report = _import(library, scans)
    assert len(report.imported) == 2
    assert _stored(library) == [("scans", "Коробка 1/P1.jpg"), ("scans", "صورة.jpg")]
    item = library.get_item("P1")
    asset = item.assets[0]
    assert (asset.root, asset.path) == ("scans", str(scans / "Коробка 1" / "P1.jpg"))
    assert [(r.name, r.path, r.assets) for r in library.storage_roots()] == [
        ("scans", str(scans), 2)
    ]
    assert library.verify_history().ok


def test_moving_a_root_is_one_setting_and_export_and_preview_follow(library, scans, tmp_path):
    library.add_root("scans", scans)
    _import(library, scans)
    library.create_identity("Root Museum", PASS)
    moved = tmp_path / "new-disk" / "scans"
    moved.parent.mkdir()
    shutil.move(scans, moved)
    # Before the setting moves, the originals are not where the root says.
    with pytest.raises(LibraryError):
        library.preview_image(library.get_item("P1").assets[0].id)
    head = library.history_head()
    library.set_root("scans", moved)
    assert library.history_head() == head  # a setting of this computer, not a library change
    asset = library.get_item("P1").assets[0]
    assert asset.path == str(moved / "Коробка 1" / "P1.jpg")
    assert library.preview_image(asset.id)[:2] == b"\xff\xd8"
    report = library.export(["P1"], tmp_path / "out", passphrase=PASS)
    assert [e.item for e in report.exported] == ["P1"], report
    # The output guard knows the original through the root too.
    with pytest.raises(Exception, match="original"):
        library.output_run().claim(moved / "Коробка 1" / "P1.jpg")


def test_a_root_not_set_on_this_computer_is_one_plain_sentence(tmp_path, scans, monkeypatch):
    lib = open_library(tmp_path / "team", actor="alice")
    lib.add_root("scans", scans)
    _import(lib, scans)
    lib.create_identity("Root Museum", PASS)
    # Another computer: its own settings folder, where the root was never set.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-computer"))
    sentence = "the storage root `scans` is not set on this computer: credence roots set scans PATH"
    asset = lib.get_item("P1").assets[0]
    assert asset.root_missing and asset.path == "Коробка 1/P1.jpg"
    with pytest.raises(LibraryError) as caught:
        lib.preview_image(asset.id)
    assert str(caught.value) == sentence
    report = lib.export(["P1"], tmp_path / "out", passphrase=PASS)
    assert not report.exported
    assert [f.reason for f in report.failed] == [f"P1.jpg: {sentence}"]
    assert [(r.name, r.path) for r in lib.storage_roots()] == [("scans", None)]
    lib.set_root("scans", scans)
    assert lib.export(["P1"], tmp_path / "out", passphrase=PASS).exported
    lib.close()


def test_adopt_rewrites_absolute_paths_recorded_in_history(library, scans, tmp_path):
    _import(library, scans)  # no root yet: absolute paths, as before roots existed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(data_file("images/exif-samples/jpg_Nikon_D70.jpg"), elsewhere / "X.jpg")
    library.import_files([elsewhere])
    assert all(root is None for root, _ in _stored(library))
    assert library.adopt_root("scans", scans) == 2
    assert library.adopt_root("scans", scans) == 0  # again: nothing left to move
    stored = _stored(library)
    assert ("scans", "Коробка 1/P1.jpg") in stored
    assert (None, str(elsewhere / "X.jpg")) in stored  # outside the root: untouched
    adopted = [h for h in library.history() if h.action == "adopt"]
    assert len(adopted) == 2
    assert adopted[0].before["file"].startswith(str(scans))
    assert adopted[0].after["root"] == "scans"
    assert library.verify_history().ok


def test_root_names_and_removal(library, scans, tmp_path):
    for bad in ("", "../x", "with space", "-lead", "a/b"):
        with pytest.raises(InvalidValue):
            library.add_root(bad, scans)
    with pytest.raises(InvalidValue, match="not a folder"):
        library.add_root("scans", tmp_path / "missing")
    with pytest.raises(InvalidValue, match="not a folder"):  # a name too long: OSError before
        library.add_root("scans", tmp_path / ("x" * 300))
    library.add_root("scans", scans)
    library.add_root("scans", scans)  # twice: one root, one history entry
    assert [h.action for h in library.history() if h.entity == "root"] == ["add"]
    library.import_files([scans])
    with pytest.raises(InvalidValue, match="2 assets lie under the storage root scans"):
        library.remove_root("scans")
    library.add_root("empty", tmp_path)
    library.remove_root("empty")
    assert [r.name for r in library.storage_roots()] == ["scans"]


def test_roots_are_kept_per_library(tmp_path, scans):
    first = open_library(tmp_path / "one")
    second = open_library(tmp_path / "two")
    first.add_root("scans", scans)
    assert second.storage_roots() == []
    second.close()
    first.close()
    again = open_library(tmp_path / "one")
    assert [r.path for r in again.storage_roots()] == [str(scans)]
    again.close()
