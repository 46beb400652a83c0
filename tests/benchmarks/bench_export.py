"""Signed export of 16 and 200 generated 12 MP JPEGs (and one 50 MB TIFF): the whole
`credence export` command against a plain single-process c2pa-python loop over the same files in
the same run.

- against the loop with the SDK's default settings (the SDK makes its own thumbnail):
  goal at most 0.6x on a 2-core machine;
- `--jobs 1` against the loop with the app's own reduced-decode thumbnail (the single-process
  overhead of planning, fixity, XMP, read-back and the database): goal at most 1.15x;
- a 50 MB uncompressed TIFF against the SDK-defaults loop: no goal set.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import c2pa
from PIL import Image, ImageChops

import provenance
from provenance.identity import load_signing_material
from tests.benchmarks.bench_import import make_jpegs
from tests.benchmarks.common import SCRATCH, side_by_side, timed

PASS = "bench passphrase, not a secret"
# The command installed next to the interpreter running the benchmark (the project's venv).
CREDENCE = Path(sys.executable).with_name("credence")
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
THUMB_SIDE = 512
TIFF_SIDE = 4200  # 4200 x 4200 RGB, uncompressed: about 53 MB
TIFF_MIN_BYTES = 50_000_000


# -- set-up (not timed) ---------------------------------------------------------------------


def make_tiff(source: Path, path: Path) -> Path:
    """A photo-like ~53 MB uncompressed RGB TIFF made from one generated JPEG plus fresh grain."""
    if path.is_file() and path.stat().st_size >= TIFF_MIN_BYTES:
        return path
    print(f"generating a {TIFF_SIDE}x{TIFF_SIDE} uncompressed TIFF in {path}...", flush=True)
    with Image.open(source) as im:
        image = im.convert("RGB").resize((TIFF_SIDE, TIFF_SIDE), Image.Resampling.BICUBIC)
    # Resizing smooths the JPEG's grain away; add new grain (centred on 128) so it looks shot.
    channels = [
        ImageChops.add(band, Image.effect_noise(image.size, 6), scale=1.0, offset=-128)
        for band in image.split()
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    Image.merge("RGB", channels).save(tmp, "TIFF", compression=None)
    tmp.replace(path)
    return path


def make_library(folder: Path, files: list[Path]) -> Path:
    """A fresh library with a signing identity and `files` imported."""
    shutil.rmtree(folder, ignore_errors=True)
    with provenance.open_library(folder, actor="bench") as lib:
        lib.create_identity("Bench Museum", PASS)
        report = lib.import_files(files)
    if len(report.imported) != len(files):
        raise RuntimeError(
            f"{folder.name}: expected {len(files)} imported, got {len(report.imported)}; "
            f"rejected: {report.rejected[:3]}, duplicates: {report.duplicates[:3]}"
        )
    return folder


def _outputs(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]


# -- the Credence side: the real command, start-up included -------------------------------------


def credence_export(lib: Path, out: Path, count: int, jobs: int | None = None) -> None:
    """`credence --library LIB export --all --out OUT [--jobs N]` into an emptied OUT."""
    # A finished, current export is skipped on a re-run: start from nothing every round.
    shutil.rmtree(out, ignore_errors=True)
    command = [str(CREDENCE), "--library", str(lib), "export", "--all", "--out", str(out)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "CREDENCE_PASSPHRASE": PASS}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"credence export exited {done.returncode}: {done.stderr[-2000:]}")
    written = len(_outputs(out))
    if written != count:
        raise RuntimeError(f"credence export wrote {written} files into {out}, expected {count}")


# -- the baselines: a plain single-process c2pa-python loop -----------------------------------


def _manifest(title: str, mime: str) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "bench-baseline", "version": "1.0"}],
        "title": title,
        "format": mime,
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [{"action": "c2pa.created", "digitalSourceType": DIGITAL_CAPTURE}]
                },
            }
        ],
    }


def _thumbnail(path: Path) -> io.BytesIO:
    """The same kind of thumbnail Credence makes: reduced JPEG decode, 512 px, quality 80."""
    out = io.BytesIO()
    with Image.open(path) as im:
        im.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
        im.thumbnail((THUMB_SIDE, THUMB_SIDE))
        im.convert("RGB").save(out, "JPEG", quality=80)
    out.seek(0)
    return out


def baseline_sign(
    material, files: list[Path], mime: str, out: Path, *, own_thumbnail: bool
) -> None:
    """Sign every file into `out`, one process, one Signer.

    With own_thumbnail=False the Builder gets no context: the SDK's default settings, so the SDK
    makes its own thumbnail. With own_thumbnail=True the SDK thumbnail is switched off and a
    Pillow reduced-decode thumbnail is added as a resource, as Credence does.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    alg = getattr(c2pa.C2paSigningAlg, material.algorithm.upper())
    info = c2pa.C2paSignerInfo(alg, material.chain_pem, material.key_pem, None)
    context = None
    if own_thumbnail:
        with c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}) as settings:
            context = c2pa.Context(settings=settings)
    try:
        with c2pa.Signer.from_info(info) as signer:
            for path in files:
                manifest = _manifest(path.name, mime)
                if context is None:
                    builder = c2pa.Builder(manifest)
                else:
                    manifest["thumbnail"] = {"format": "image/jpeg", "identifier": "thumb.jpg"}
                    builder = c2pa.Builder(manifest, context)
                with builder:
                    if context is not None:
                        builder.add_resource("thumb.jpg", _thumbnail(path))
                    with open(path, "rb") as src, open(out / path.name, "w+b") as dst:
                        builder.sign(signer, mime, src, dst)
    finally:
        if context is not None:
            context.close()
    if len(_outputs(out)) != len(files):
        raise RuntimeError(f"the baseline wrote {len(_outputs(out))} files, expected {len(files)}")


def side_by_side_no_goal(
    name: str, ours: Callable[[], object], baseline: Callable[[], object], rounds: int
) -> float:
    """side_by_side's alternation and medians, for a comparison that has no goal."""
    ours_times, base_times = [], []
    for _ in range(rounds):
        base_times.append(timed(baseline))
        ours_times.append(timed(ours))
    base, mine = statistics.median(base_times), statistics.median(ours_times)
    ratio = mine / base
    print(
        f"{name}: credence {mine:.2f}s, baseline {base:.2f}s, ratio {ratio:.2f}x "
        f"(no goal set; median of {rounds})",
        flush=True,
    )
    return ratio


# -- the benchmark ----------------------------------------------------------------------------


def _compare_jpegs(files: list[Path], rounds: int) -> None:
    count = len(files)
    lib = make_library(SCRATCH / f"export-lib-{count}", files)
    material = load_signing_material(lib / "identity", PASS)
    out = SCRATCH / f"export-out-{count}"
    base_out = SCRATCH / f"export-baseline-{count}"
    side_by_side(
        f"export {count} 12 MP JPEGs: `credence export` ({os.cpu_count()} cores) "
        "vs c2pa loop, SDK defaults",
        lambda: credence_export(lib, out, count),
        lambda: baseline_sign(material, files, "image/jpeg", base_out, own_thumbnail=False),
        rounds,
        goal=0.6,
    )
    side_by_side(
        f"export {count} 12 MP JPEGs: `credence export --jobs 1` vs c2pa loop, own thumbnail",
        lambda: credence_export(lib, out, count, jobs=1),
        lambda: baseline_sign(material, files, "image/jpeg", base_out, own_thumbnail=True),
        rounds,
        goal=1.15,
    )


def run(rounds: int = 2) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    jpegs = make_jpegs(SCRATCH / "jpeg12mp", 200)
    print("setting up export libraries (identity, import; not timed)...", flush=True)
    _compare_jpegs(jpegs[:16], rounds)
    # A 200-file round takes over two minutes (both comparisons); by default one round keeps
    # the whole benchmark near 4 minutes.
    _compare_jpegs(jpegs, max(1, rounds // 2))

    tiff = make_tiff(jpegs[0], SCRATCH / "export-tiff" / "scan-50mb.tif")
    lib = make_library(SCRATCH / "export-lib-tiff", [tiff])
    material = load_signing_material(lib / "identity", PASS)
    side_by_side_no_goal(
        f"export one {tiff.stat().st_size / 1e6:.0f} MB TIFF: `credence export` "
        "vs c2pa loop, SDK defaults",
        lambda: credence_export(lib, SCRATCH / "export-out-tiff", 1),
        lambda: baseline_sign(
            material, [tiff], "image/tiff", SCRATCH / "export-baseline-tiff", own_thumbnail=False
        ),
        rounds,
    )


if __name__ == "__main__":
    run()
