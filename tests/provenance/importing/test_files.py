"""Importing real files: every fixture and sample image ends imported, duplicate or rejected."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from provenance import SearchFilters
from tests.conftest import DATA, data_file
from tests.provenance.c2pa_helpers import (
    corrupt_jpeg_scan_data,
    make_jpeg,
    make_signing_identity,
    sign_file,
)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def imported_everything(tmp_path_factory):
    """One library holding every file of ../shared/data/c2pa-fixtures and images."""
    from provenance import open_library

    if not DATA.exists():
        pytest.skip("../shared/data is not available")
    folders = [DATA / "c2pa-fixtures", DATA / "images"]
    before = {p: _sha(p) for folder in folders for p in folder.rglob("*") if p.is_file()}
    lib = open_library(tmp_path_factory.mktemp("everything") / "lib", actor="alice")
    report = lib.import_files(folders)
    yield lib, report, before
    lib.close()


def test_every_file_is_accounted_for(imported_everything):
    _lib, report, before = imported_everything
    seen = (
        [f.file for f in report.imported]
        + [d.file for d in report.duplicates]
        + [r.file for r in report.rejected]
    )
    hidden = [p for p in before if any(part.startswith(".") for part in p.parts)]
    assert sorted(seen) == sorted(str(p) for p in before if p not in hidden)
    assert len(report.imported) > 150
    for rejected in report.rejected:
        assert rejected.reason and "Traceback" not in rejected.reason


def test_originals_are_never_modified(imported_everything):
    _lib, _report, before = imported_everything
    for path, digest in before.items():
        assert _sha(path) == digest, f"{path} changed during import"


def _imported(report, name):
    [found] = [f for f in report.imported if f.file.endswith("/" + name)]
    return found


def _rejected(report, name):
    [found] = [r for r in report.rejected if r.file.endswith("/" + name)]
    return found


def test_credential_states_on_import(imported_everything):
    _lib, report, _ = imported_everything
    assert _imported(report, "C.jpg").credentials["state"] == "valid"
    tampered = _imported(report, "XCA.jpg").credentials
    assert tampered["state"] == "invalid" and "assertion.dataHash.mismatch" in tampered["codes"]
    chain = _imported(report, "CIE-sig-CA.jpg").credentials
    assert chain["state"] == "valid"  # the top level holds ...
    assert chain["ingredient_problems"][0]["codes"] == ["claimSignature.mismatch"]  # ... not below
    assert _imported(report, "no_manifest.jpg").credentials["state"] == "none"
    remote = _imported(report, "cloud.jpg").credentials
    assert remote["state"] == "error" and "offline" in remote["summary"].lower()
    firefly = _imported(report, "firefly.png").credentials
    assert any(t.endswith("/trainedAlgorithmicMedia") for t in firefly["digital_source_types"])


def test_hostile_and_broken_files_get_plain_reasons(imported_everything):
    _lib, report, _ = imported_everything
    assert "not an image" in _rejected(report, "unsupported_type.txt").reason
    assert "manifest store" in _rejected(report, "cloud_manifest.c2pa").reason
    assert "TIFF" in _rejected(report, "tiff_poc.tiff").reason  # the TIFF bomb, bounded
    broken = _imported(report, "ultrahdr.jpg")  # readable headers, undecodable data
    assert any("truncated" in w for w in broken.warnings)


def test_empty_file_is_rejected(tmp_path, library):
    (tmp_path / "empty.jpg").write_bytes(b"")
    report = library.import_files([tmp_path / "empty.jpg"])
    assert report.rejected[0].reason == "file is empty"


def test_duplicates_by_hash(imported_everything):
    _lib, report, _ = imported_everything
    dup = [d for d in report.duplicates if d.file.endswith("thumbnail.jpg")]
    assert dup and dup[0].same_as.endswith("IMG_0003.jpg")


def test_thumbnails_and_filters(imported_everything):
    lib, report, _ = imported_everything
    entry = _imported(report, "landscape_6.jpg")
    item = lib.get_item(entry.item)
    [asset] = item.assets
    assert asset.orientation == 6 and asset.sha256 == _sha(
        data_file("images/exif-samples/orientation/landscape_6.jpg")
    )
    assert (lib.thumbnails_dir / asset.thumbnail).is_file()
    invalid = lib.list_items(filters=SearchFilters(credential_state="invalid"))
    assert any(a.path.endswith("XCA.jpg") for i in invalid for a in lib.get_item(i.id).assets)
    assert lib.verify_history().ok


def test_reimport_is_all_duplicates(tmp_path, library):
    folder = tmp_path / "shots"
    folder.mkdir()
    make_jpeg(folder / "a.jpg", size=(64, 48))
    make_jpeg(folder / "b.jpg", size=(48, 64))
    first = library.import_files([folder])
    assert len(first.imported) == 2
    again = library.import_files([folder])
    assert (len(again.imported), len(again.duplicates)) == (0, 2)
    assert library.count_items() == 2


def test_files_named_by_accession_join_their_item(tmp_path, library):
    library.create_item({"accession": "1976.37", "title": "Harbour"})
    make_jpeg(tmp_path / "1976.37.jpg")
    report = library.import_files([tmp_path / "1976.37.jpg"])
    assert report.imported[0].item == "1976.37"
    assert library.count_items() == 1
    make_jpeg(tmp_path / "other.jpg", size=(30, 20))
    library.import_files([tmp_path / "other.jpg"], item="1976.37")
    assert len(library.get_item("1976.37").assets) == 2


def test_a_path_the_system_refuses_is_rejected_not_fatal(tmp_path, library):
    # A name longer than the file system takes: stat fails with ENAMETOOLONG, and so does
    # asking whether it is a link; that one path is reported, the others imported.
    make_jpeg(tmp_path / "ok.jpg")
    too_long = tmp_path / ("x" * 300 + ".jpg")
    report = library.import_files([too_long, tmp_path / "ok.jpg"])
    assert len(report.imported) == 1
    assert [r.reason for r in report.rejected] == ["could not be read (File name too long)"]
    # Checking files: that one file is an error, the others are checked.
    results = [library.verify_file(p) for p in (too_long, tmp_path / "ok.jpg")]
    assert [r.credentials for r in results] == ["error", "none"]
    assert results[0].summary == "cannot read the file (File name too long)"


def test_missing_path_is_rejected_not_fatal(tmp_path, library):
    make_jpeg(tmp_path / "ok.jpg")
    report = library.import_files([tmp_path / "nope", tmp_path / "ok.jpg"])
    assert len(report.imported) == 1
    assert "does not exist" in report.rejected[0].reason


def test_signed_by_our_ca_reads_valid_then_tampered_copy_invalid(tmp_path, library):
    identity = make_signing_identity()
    source = make_jpeg(tmp_path / "src.jpg")
    signed = tmp_path / "signed.jpg"
    sign_file(source, signed, identity)
    tampered = tmp_path / "tampered.jpg"
    shutil.copy(signed, tampered)
    corrupt_jpeg_scan_data(tampered)
    report = library.import_files([signed, tampered])
    states = {f.file.rsplit("/", 1)[-1]: f.credentials["state"] for f in report.imported}
    assert states == {"signed.jpg": "valid", "tampered.jpg": "invalid"}


def test_cancel_stops_between_files(tmp_path, library):
    from provenance import CancelToken

    for n in range(6):
        make_jpeg(tmp_path / f"{n}.jpg", size=(40 + n, 30))
    token = CancelToken()

    def progress(done, total, message):
        if done == 2:
            token.cancel()

    report = library.import_files([tmp_path], progress=progress, cancel=token)
    assert report.cancelled and 2 <= len(report.imported) < 6
    # A re-run finishes the job without duplicating what was stored.
    rest = library.import_files([tmp_path])
    assert len(report.imported) + len(rest.imported) == 6


def test_same_bytes_twice_in_one_batch_names_the_first(tmp_path, library):
    make_jpeg(tmp_path / "a.jpg")
    shutil.copy(tmp_path / "a.jpg", tmp_path / "b.jpg")
    report = library.import_files([tmp_path / "a.jpg", tmp_path / "b.jpg"])
    [imported] = report.imported
    [dup] = report.duplicates
    assert dup.asset == imported.asset and dup.same_as.endswith("a.jpg") and dup.item == "#1"


def test_progress_is_reported_for_rejected_files_too(tmp_path, library):
    make_jpeg(tmp_path / "ok.jpg")
    (tmp_path / "notes.txt").write_text("not a picture")
    seen = []
    report = library.import_files(
        [tmp_path / "ok.jpg", tmp_path / "notes.txt"],
        progress=lambda done, total, name: seen.append((done, total, name)),
    )
    assert len(report.imported) == 1 and len(report.rejected) == 1
    assert sorted(name for _, _, name in seen) == ["notes.txt", "ok.jpg"]
    assert seen[-1][:2] == (2, 2)
