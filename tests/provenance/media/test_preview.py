"""Library.preview_image: the picture the viewer shows, read by the core, upright and bounded."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from provenance import LibraryError, NotFound
from tests.provenance.c2pa_helpers import make_jpeg


def _asset_id(library, path):
    report = library.import_files([path])
    assert report.imported, report.rejected
    return report.imported[0].asset


def test_preview_is_upright_and_bounded(library, tmp_path):
    source = tmp_path / "turned.jpg"
    picture = Image.new("RGB", (300, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait (camera turned a quarter)
    picture.save(source, "JPEG", exif=exif.tobytes())
    asset = _asset_id(library, source)
    shown = Image.open(io.BytesIO(library.preview_image(asset, max_side=150)))
    assert shown.format == "JPEG"
    assert shown.size == (50, 150)
    full = Image.open(io.BytesIO(library.preview_image(asset)))
    assert full.size == (100, 300)
    assert source.read_bytes()[:2] == b"\xff\xd8"  # the original is untouched


def test_preview_problems_are_plain_sentences(library, tmp_path):
    source = make_jpeg(tmp_path / "gone.jpg")
    asset = _asset_id(library, source)
    source.unlink()
    with pytest.raises(LibraryError, match=r"gone\.jpg cannot be shown: file not found"):
        library.preview_image(asset)
    with pytest.raises(NotFound, match="no image with id 999"):
        library.preview_image(999)
