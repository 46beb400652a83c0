"""write_xmp_bytes gives a JPEG's head alone to Exiv2 (issue 16): over every real JPEG of the
shared data, the result is byte for byte what Exiv2 makes of the whole file, with the same notes
or the same error."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.media import photoshop, xmp
from provenance.media.xmp import CvTerm, XmpError, XmpFields, write_xmp_bytes
from tests.conftest import DATA

FIELDS = XmpFields(
    title="Title Crémieux, Ångström, 東京",
    description="Restored with AI assistance — a sentence long enough to be cut in IIM. " * 40,
    creators=("Anna Crémieux", "東京 写真館"),
    rights="© 2025 Museum",
    credit="Gift of Åke Ångström",
    digital_source_type="http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
    data_mining="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED",
    keywords=("portrait", "glass negative", "ö" * 70),
    about=(
        CvTerm("http://vocab.getty.edu/aat/", "http://vocab.getty.edu/aat/300", (("en", "x"),)),
    ),
)


def _jpegs() -> list[Path]:
    if not DATA.is_dir():
        return []
    return sorted(
        p
        for p in DATA.rglob("*")
        if p.is_file() and p.suffix.lower() in {".jpg", ".jpeg", ".jpe", ".mpo"}
    )


JPEGS = _jpegs()


def _whole_file(data: bytes, name: str) -> tuple[bytes | str, list[str]]:
    notes: list[str] = []
    try:
        changes = xmp._xmp_changes(Path(name), FIELDS)
        out = xmp._rewrite_in_memory(data, changes, FIELDS, notes, Path(name))
    except XmpError as exc:
        return f"error: {exc}", notes
    return out, notes


def _head_only(data: bytes, name: str) -> tuple[bytes | str, list[str]]:
    notes: list[str] = []
    try:
        out = write_xmp_bytes(data, FIELDS, name, notes)
    except XmpError as exc:
        return f"error: {exc}", notes
    return out, notes


def test_the_shared_data_has_jpegs_with_a_scan() -> None:
    if not JPEGS:
        pytest.skip("the shared test data is not available")
    with_scan = [p for p in JPEGS if photoshop.jpeg_scan_start(p.read_bytes()) is not None]
    assert len(with_scan) >= 50  # the comparison below is not vacuous


@pytest.mark.parametrize("path", JPEGS, ids=lambda p: str(p.relative_to(DATA)))
def test_head_only_rewrite_is_the_whole_file_rewrite(path: Path) -> None:
    data = path.read_bytes()
    assert _head_only(data, path.name) == _whole_file(data, path.name)


def test_scan_start_is_after_every_metadata_segment() -> None:
    app1 = b"\xff\xe1\x00\x06Exif"
    jpeg = b"\xff\xd8" + app1 + b"\xff\xff\xff\xda\x00\x02scan\xff\xd9"
    assert photoshop.jpeg_scan_start(jpeg) == 2 + len(app1) + 2
    assert photoshop.jpeg_scan_start(b"\xff\xd8" + app1 + b"\xff\xd9") is None
    assert photoshop.jpeg_scan_start(b"\x89PNG\r\n\x1a\n") is None
