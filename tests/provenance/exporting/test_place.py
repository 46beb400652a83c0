"""Placing a signed file (issue 16): the pool's placing thread syncs and moves what `sign_one`
staged, never over a file that appeared at the target, and a stopped run removes what it did
not place."""

from __future__ import annotations

from pathlib import Path

from provenance.exporting.jobs import ExportResult, discard, place
from provenance.media.output import temp_name


def _staged(tmp_path: Path, *, replace: bool = False) -> tuple[ExportResult, Path, Path]:
    dest = tmp_path / "P1.jpg"
    temp = temp_name(dest)
    temp.write_bytes(b"signed bytes")
    result = ExportResult(
        1, 2, "P1", str(dest), "digest", "urn:c2pa:x", staged=str(temp), replace=replace
    )
    return result, temp, dest


def test_place_moves_the_staged_file_onto_its_target(tmp_path):
    result, temp, dest = _staged(tmp_path)
    placed = place(result)
    assert placed.staged is None and placed.error is None and placed.file == str(dest)
    assert (placed.sha256, placed.manifest) == ("digest", "urn:c2pa:x")
    assert dest.read_bytes() == b"signed bytes" and not temp.exists()


def test_place_never_replaces_a_file_that_appeared(tmp_path):
    result, temp, dest = _staged(tmp_path)
    dest.write_bytes(b"someone else's file")
    placed = place(result)
    assert placed.error == f"another file appeared at {dest} during the export; export again"
    assert placed.file is None and placed.staged is None
    assert dest.read_bytes() == b"someone else's file" and not temp.exists()


def test_place_replaces_the_assets_own_earlier_export(tmp_path):
    result, temp, dest = _staged(tmp_path, replace=True)
    dest.write_bytes(b"earlier export")
    assert place(result).error is None
    assert dest.read_bytes() == b"signed bytes" and not temp.exists()


def test_a_failure_passes_through_and_discard_removes_a_staged_file(tmp_path):
    failed = ExportResult(1, 2, "P1", error="signing failed: no")
    assert place(failed) is failed
    result, temp, dest = _staged(tmp_path)
    discard(result)
    assert not temp.exists() and not dest.exists()
