"""probe_file / make_thumbnail against real third-party files and hostile ones made here."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from provenance.media.probe import (
    IPTC_DIGITAL_SOURCE_TYPE,
    FileFacts,
    RejectedFile,
    digital_source_types_in_xmp,
    make_thumbnail,
    normalise_digital_source_type,
    probe_file,
)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
IMAGES = DATA / "images"
FIXTURES = DATA / "c2pa-fixtures"
TRAINED = IPTC_DIGITAL_SOURCE_TYPE + "trainedAlgorithmicMedia"


def _all_files() -> list[Path]:
    if not DATA.is_dir():
        return []
    return sorted(p for root in (IMAGES, FIXTURES) for p in root.rglob("*") if p.is_file())


def _data(relative: str) -> Path:
    path = DATA / relative
    if not path.is_file():
        pytest.skip(f"test data missing: {path}")
    return path


def _id(path: Path) -> str:
    return str(path.relative_to(DATA))


# ---------------------------------------------------------------------------------------------
# Every real file ends in FileFacts or RejectedFile, never another exception
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _all_files(), ids=_id)
def test_every_file_probes_to_facts_or_rejection(path: Path, tmp_path: Path) -> None:
    try:
        facts = probe_file(path)
    except RejectedFile as exc:
        assert str(exc).strip(), "a rejection must carry a reason"
        assert "Traceback" not in str(exc)
        return
    assert isinstance(facts, FileFacts)
    assert facts.format and facts.format == facts.format.upper()
    assert "/" in facts.mime
    assert facts.size == path.stat().st_size
    assert 1 <= facts.orientation <= 8
    if facts.width is not None:
        assert facts.width > 0 and facts.height is not None and facts.height > 0
    assert all(uri.startswith("http") for uri in facts.xmp_digital_source_types)


@pytest.mark.parametrize("path", [p for p in _all_files() if p.stat().st_size < 1_000_000], ids=_id)
def test_every_file_thumbnails_or_rejects(path: Path, tmp_path: Path) -> None:
    dest = tmp_path / "thumb.jpg"
    try:
        make_thumbnail(path, dest)
    except RejectedFile as exc:
        assert str(exc).strip()
        assert not dest.exists()
    else:
        with Image.open(dest) as thumb:
            assert thumb.format == "JPEG" and thumb.mode == "RGB"
            assert max(thumb.size) <= 512
    # Whatever happened, no temporary file is left behind (house rule 3).
    assert [p.name for p in tmp_path.iterdir() if p.name != "thumb.jpg"] == []


# ---------------------------------------------------------------------------------------------
# Headers: format, size, orientation, XMP
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["landscape", "portrait"])
@pytest.mark.parametrize("number", range(1, 9))
def test_exif_orientation(shape: str, number: int) -> None:
    facts = probe_file(_data(f"images/exif-samples/orientation/{shape}_{number}.jpg"))
    assert facts.orientation == number
    assert (facts.format, facts.mime) == ("JPEG", "image/jpeg")


@pytest.mark.parametrize(
    ("relative", "fmt", "mime", "size"),
    [
        ("c2pa-fixtures/C.jpg", "JPEG", "image/jpeg", (2048, 1365)),
        ("c2pa-fixtures/sample1.png", "PNG", "image/png", (1024, 683)),
        ("c2pa-fixtures/TUSCANY.TIF", "TIFF", "image/tiff", (2550, 3300)),
        ("c2pa-fixtures/mars.webp", "WEBP", "image/webp", (1053, 600)),
        ("c2pa-fixtures/sample1.heic", "HEIF", "image/heif", (8736, 5856)),
        ("c2pa-fixtures/sample1.avif", "AVIF", "image/avif", (1204, 800)),
        ("c2pa-fixtures/sample1.gif", "GIF", "image/gif", (135, 135)),
        ("c2pa-fixtures/Purple Square.psd", "PSD", "image/vnd.adobe.photoshop", (200, 200)),
        ("c2pa-fixtures/sample1.jxl", "JXL", "image/jxl", (896, 1080)),
        ("c2pa-fixtures/sample1.svg", "SVG", "image/svg+xml", (None, None)),
        ("c2pa-fixtures/pdf/basic.pdf", "PDF", "application/pdf", (None, None)),
        # A multi-picture JPEG is reported as the JPEG it is to every reader.
        ("images/pillow/frozenpond.mpo", "JPEG", "image/jpeg", (640, 480)),
    ],
)
def test_formats(relative: str, fmt: str, mime: str, size: tuple[int | None, int | None]) -> None:
    facts = probe_file(_data(relative))
    assert (facts.format, facts.mime, (facts.width, facts.height)) == (fmt, mime, size)


def test_xmp_digital_source_type_in_firefly_png() -> None:
    facts = probe_file(_data("c2pa-fixtures/historical/firefly.png"))
    assert facts.xmp_digital_source_types == (TRAINED,)


def test_files_without_xmp_dst_report_none() -> None:
    assert probe_file(_data("c2pa-fixtures/IMG_0003.jpg")).xmp_digital_source_types == ()


def test_truncated_jpeg_still_probes_but_not_thumbnails(tmp_path: Path) -> None:
    # Pillow's ultrahdr.jpg is cut short; headers are fine, pixels end early.
    path = _data("images/pillow/ultrahdr.jpg")
    assert probe_file(path).format == "JPEG"
    with pytest.raises(RejectedFile, match=r"^truncated JPEG: the image data ends early$"):
        make_thumbnail(path, tmp_path / "t.jpg")


def test_damaged_images_do_not_hang() -> None:
    for path in sorted((IMAGES / "exif-samples" / "invalid").glob("*.jpg")):
        probe_file(path)  # headers are readable in all of them
    probe_file(_data("images/exif-samples/jpg_corrupted.jpg"))


# ---------------------------------------------------------------------------------------------
# Rejections
# ---------------------------------------------------------------------------------------------


def test_empty_file_rejected(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(RejectedFile, match=r"^file is empty$"):
        probe_file(empty)
    with pytest.raises(RejectedFile, match=r"^file is empty$"):
        make_thumbnail(empty, tmp_path / "t.jpg")


def test_text_file_rejected(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"  # the extension does not matter, the content does
    text.write_text("Accession 1987.12.3 - notes from the registrar\n", encoding="utf-8")
    with pytest.raises(RejectedFile, match=r"^not an image Credence can read \(text file\)$"):
        probe_file(text)


def test_unsupported_type_fixture_rejected() -> None:
    with pytest.raises(RejectedFile, match="not an image Credence can read"):
        probe_file(_data("c2pa-fixtures/unsupported_type.txt"))


def test_fake_svg_by_extension_only_is_rejected(tmp_path: Path) -> None:
    fake = tmp_path / "drawing.svg"
    fake.write_text("this is not SVG at all", encoding="utf-8")
    with pytest.raises(RejectedFile, match=r"\(text file\)"):
        probe_file(fake)


def test_svg_detected_by_content_not_extension(tmp_path: Path) -> None:
    svg = tmp_path / "drawing.dat"
    svg.write_bytes(
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by hand -->\n'
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    )
    assert probe_file(svg).format == "SVG"


def test_tiff_bomb_rejected_quickly() -> None:
    with pytest.raises(RejectedFile, match="TIFF"):
        probe_file(_data("c2pa-fixtures/tiff_poc.tiff"))


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(RejectedFile, match="file not found"):
        probe_file(tmp_path / "nowhere.jpg")


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny real PNG whose IHDR is rewritten to claim width x height (CRC fixed up)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # Signature (8) + length (4) + b"IHDR" (4), then width and height, 4 bytes each.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_decompression_bomb_rejected_with_numbers(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_claiming(40_000, 40_000))
    with pytest.raises(RejectedFile, match=r"^decompression bomb: 1,600,000,000 pixels is over"):
        probe_file(bomb)
    with pytest.raises(RejectedFile, match="decompression bomb"):
        make_thumbnail(bomb, tmp_path / "t.jpg")


def test_own_pixel_limit_applies_when_pillow_guard_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app may lift Pillow's process-wide guard for large scans; Credence's limit remains.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_claiming(20_000, 16_000))
    with pytest.raises(
        RejectedFile,
        match=r"^decompression bomb: 320,000,000 pixels is over the 300,000,000-pixel limit$",
    ):
        probe_file(bomb)


# ---------------------------------------------------------------------------------------------
# XMP digital source type scanning
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "xmp",
    [
        b'<rdf:Description Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/'
        b'digitalsourcetype/trainedAlgorithmicMedia"/>',
        b"<Iptc4xmpExt:DigitalSourceType>\n  https://cv.iptc.org/newscodes/digitalsourcetype/"
        b"trainedAlgorithmicMedia\n</Iptc4xmpExt:DigitalSourceType>",
        b'<ext:DigitalSourceType rdf:resource="http://cv.iptc.org/newscodes/digitalsourcetype/'
        b'trainedAlgorithmicMedia"/>',
        b"<Iptc4xmpExt:DigitalSourceType>trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>",
    ],
    ids=["attribute", "element", "resource", "short-form"],
)
def test_xmp_dst_forms(xmp: bytes) -> None:
    assert digital_source_types_in_xmp(xmp) == (TRAINED,)


def test_xmp_with_entity_bomb_is_not_expanded() -> None:
    # A "billion laughs" packet: a parser that expands entities would explode; we never parse.
    lol = b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    xmp = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY lol0 "lol">' + lol + b"]>"
        b'<x Iptc4xmpExt:DigitalSourceType="&lol9;"/>'
        b'<y Iptc4xmpExt:DigitalSourceType="digitalCapture"/>'
    )
    assert digital_source_types_in_xmp(xmp) == (IPTC_DIGITAL_SOURCE_TYPE + "digitalCapture",)


def test_xmp_scan_is_capped() -> None:
    late = b" " * 2_000_000 + b'<x Iptc4xmpExt:DigitalSourceType="digitalCapture"/>'
    assert digital_source_types_in_xmp(late) == ()


def test_normalise_digital_source_type() -> None:
    shouting = " HTTPS://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia "
    other_vocabulary = "https://example.org/vocab/x"
    assert normalise_digital_source_type("trainedAlgorithmicMedia") == TRAINED
    assert normalise_digital_source_type(shouting) == TRAINED
    assert normalise_digital_source_type("not a term!") is None
    assert normalise_digital_source_type(other_vocabulary) == other_vocabulary


# ---------------------------------------------------------------------------------------------
# Thumbnails
# ---------------------------------------------------------------------------------------------


def _thumb(path: Path, tmp_path: Path, max_side: int = 512) -> Image.Image:
    dest = tmp_path / "sub" / "thumb.jpg"
    make_thumbnail(path, dest, max_side=max_side)
    with Image.open(dest) as im:
        im.load()
        return im


def test_thumbnail_applies_exif_orientation(tmp_path: Path) -> None:
    path = _data("images/exif-samples/orientation/landscape_6.jpg")
    facts = probe_file(path)
    assert facts.width < facts.height  # stored on its side...
    thumb = _thumb(path, tmp_path)
    assert thumb.size == (512, 384)  # ...shown upright, width and height swapped


@pytest.mark.parametrize(
    "relative",
    [
        "images/pillow/pil_sample_cmyk.jpg",
        "images/pillow/tiff_strip_cmyk_jpeg.tif",
        "images/pillow/tiff_16bit_RGB.tiff",
        "images/pillow/tiff_16bit_RGBa.tiff",
        "images/pillow/16bit.cropped.tif",
        "images/pillow/hopper.Lab.tif",
        "images/pillow/pil123rgba.png",
        "images/pillow/p_16.png",
        "images/pillow/l_trns.png",
        "images/pillow/apng_mode_16bit.png",
        "images/pillow/avif_transparency.avif",
        "images/exif-samples/heic_samplefilehub.heif",
        "images/exif-samples/heic_IMG_5195.HEIC",
        "c2pa-fixtures/MultiPage.tif",
        "c2pa-fixtures/sample1.gif",
    ],
)
def test_odd_modes_become_rgb_jpeg(relative: str, tmp_path: Path) -> None:
    thumb = _thumb(_data(relative), tmp_path)
    assert thumb.format == "JPEG"
    assert thumb.mode == "RGB"
    assert max(thumb.size) <= 512


def test_16bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    # Values 291..694 of 65535: a plain convert("L") would clip them all to white.
    thumb = _thumb(_data("images/pillow/16bit.cropped.tif"), tmp_path)
    low, high = thumb.convert("L").getextrema()
    assert high < 250 and high > low


def test_heic_thumbnail(tmp_path: Path) -> None:
    path = _data("images/exif-samples/heic_IMG_5195.HEIC")
    facts = probe_file(path)
    thumb = _thumb(path, tmp_path, max_side=256)
    assert max(thumb.size) == 256
    # Same aspect as the stored image (HEIF rotation is applied by the decoder).
    assert abs(thumb.size[0] / thumb.size[1] - facts.width / facts.height) < 0.02


def test_thumbnail_replaces_existing_atomically(tmp_path: Path) -> None:
    dest = tmp_path / "thumb.jpg"
    dest.write_bytes(b"old")
    make_thumbnail(_data("c2pa-fixtures/CA.jpg"), dest, max_side=64)
    with Image.open(dest) as im:
        assert im.format == "JPEG" and max(im.size) == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thumb.jpg"]


def test_generated_truncated_jpeg(tmp_path: Path) -> None:
    full = tmp_path / "full.jpg"
    im = Image.effect_noise((800, 600), 64).convert("RGB")
    im.save(full, "JPEG", quality=95)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert probe_file(cut).width == 800  # importable: headers are intact
    with pytest.raises(RejectedFile, match=r"^truncated JPEG"):
        make_thumbnail(cut, tmp_path / "t.jpg")
    assert not (tmp_path / "t.jpg").exists()


@pytest.mark.parametrize(
    ("relative", "word"),
    [
        ("c2pa-fixtures/sample1.svg", "SVG"),
        ("c2pa-fixtures/pdf/basic.pdf", "PDF"),
        ("c2pa-fixtures/sample1.jxl", "JPEG XL"),
    ],
)
def test_no_thumbnail_for_vector_and_undecodable(relative: str, word: str, tmp_path: Path) -> None:
    with pytest.raises(RejectedFile, match=f"^no thumbnail for {word} files"):
        make_thumbnail(_data(relative), tmp_path / "t.jpg")
