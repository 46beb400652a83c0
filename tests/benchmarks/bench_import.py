"""File import of 200 generated 12-megapixel JPEGs against a plain loop of hashlib SHA-256 plus
a Pillow draft-decoded thumbnail of the same files in the same run (goal: at most 1.5x)."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

import provenance
from tests.benchmarks.common import SCRATCH, side_by_side

SIZE = (4000, 3000)  # 12 megapixels
QUALITY = 90
MIN_BYTES = 1_000_000  # a generated file smaller than this is a leftover from something else
THUMB_SIDE = 512


def _base_image() -> Image.Image:
    """A photo-like 12 MP RGB image: smooth gradients, soft texture and fine sensor-like noise.

    Built from Pillow's own generators (no numpy); it compresses to about 3-4 MB at quality 90.
    """
    width, height = SIZE
    smooth = Image.Resampling.BILINEAR
    ramp = Image.linear_gradient("L")
    texture = Image.effect_noise((width // 16, height // 16), 60).resize(
        SIZE, Image.Resampling.BICUBIC
    )
    channels = []
    for gradient in (ramp, ramp.rotate(90), Image.radial_gradient("L")):
        layer = ImageChops.blend(gradient.resize(SIZE, smooth), texture, 0.3)
        grain = Image.effect_noise(SIZE, 7)  # centred on 128: add it back around zero
        channels.append(ImageChops.add(layer, grain, scale=1.0, offset=-128))
    return Image.merge("RGB", channels)


def _expected(folder: Path, count: int) -> list[Path]:
    return [folder / f"photo-{n:04d}.jpg" for n in range(count)]


def make_jpegs(folder: Path, count: int) -> list[Path]:
    """Write `count` distinct 12 MP JPEGs into `folder`, or reuse them if they are already there."""
    paths = _expected(folder, count)
    present = sorted(folder.glob("*.jpg")) if folder.is_dir() else []
    if present == paths and all(p.stat().st_size >= MIN_BYTES for p in paths):
        return paths
    print(f"generating {count} 12-megapixel JPEGs in {folder} (about a minute)...", flush=True)
    start = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = _base_image()
    font = ImageFont.load_default(size=220)
    for n, path in enumerate(paths):
        # A drawn number and a coloured patch per file, so every file hashes differently.
        image = base.copy()
        draw = ImageDraw.Draw(image)
        x, y = 200 + (n * 137) % 3200, 200 + (n * 89) % 2400
        draw.rectangle((x, y, x + 620, y + 300), fill=(n % 256, (n * 7) % 256, (n * 13) % 256))
        draw.text((x + 40, y + 30), f"{n:04d}", fill=(255, 255, 255), font=font)
        tmp = path.with_suffix(".part")
        image.save(tmp, "JPEG", quality=QUALITY)
        tmp.replace(path)
    total = sum(p.stat().st_size for p in paths)
    print(
        f"  done in {time.perf_counter() - start:.0f}s; {total / len(paths) / 1e6:.1f} MB a file",
        flush=True,
    )
    return paths


def baseline_import(paths: list[Path], thumbs: Path) -> None:
    """A plain loop: SHA-256 of each file, then a reduced-decode 512 px JPEG thumbnail."""
    shutil.rmtree(thumbs, ignore_errors=True)
    thumbs.mkdir(parents=True)
    for path in paths:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        with Image.open(path) as im:
            im.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
            im.thumbnail((THUMB_SIDE, THUMB_SIDE))
            im.save(thumbs / f"{digest}.jpg", "JPEG", quality=85)


def run(count: int = 200, rounds: int = 2) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    folder = SCRATCH / "jpeg12mp"
    paths = make_jpegs(folder, count)
    lib_dir = SCRATCH / "import-lib"
    thumbs = SCRATCH / "import-baseline-thumbs"

    def ours() -> None:
        shutil.rmtree(lib_dir, ignore_errors=True)
        with provenance.open_library(lib_dir, actor="bench") as lib:
            report = lib.import_files([folder])
        if len(report.imported) != count or report.rejected or report.duplicates:
            raise RuntimeError(
                f"expected {count} imported, got {len(report.imported)} imported, "
                f"{len(report.duplicates)} duplicates, rejected: {report.rejected[:3]}"
            )

    side_by_side(
        f"file import ({count} 12 MP JPEGs)",
        ours,
        lambda: baseline_import(paths, thumbs),
        rounds,
        goal=1.5,
    )


if __name__ == "__main__":
    run()
