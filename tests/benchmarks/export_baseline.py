"""The export benchmark's baseline as a whole process: a plain single-process c2pa-python loop.

    python tests/benchmarks/export_baseline.py CHAIN_PEM KEY_PEM ALG MIME OUT_DIR \
        [--own-thumbnail] FILE...

It imports only c2pa and Pillow (nothing of Credence), builds one Signer, and signs every FILE
into OUT_DIR with a one-action manifest. With --own-thumbnail the SDK's thumbnail is switched
off and a Pillow reduced-decode thumbnail is added as a resource, made exactly as Credence makes
its own (the same reduced decode, 500 px long side, JPEG quality 80); without it the SDK's
default settings apply and the SDK makes its own thumbnail.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import c2pa
from PIL import Image

DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
#: Credence's export thumbnail: media.softbinding.WORKING_SIDE, quality 80 (exporting.jobs).
THUMB_SIDE = 500
THUMB_QUALITY = 80


def manifest(title: str, mime: str) -> dict:
    """A one-action manifest: created by a digital capture."""
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


def thumbnail(path: Path) -> io.BytesIO:
    """A 500 px JPEG from the smallest reduced decode that covers it (what Credence signs)."""
    out = io.BytesIO()
    with Image.open(path) as im:
        scale = THUMB_SIDE / max(im.size)
        if scale < 1:
            im.draft("RGB", (max(1, int(im.width * scale)), max(1, int(im.height * scale))))
            im.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR, reducing_gap=None)
        im.convert("RGB").save(out, "JPEG", quality=THUMB_QUALITY)
    out.seek(0)
    return out


def sign_all(
    chain: bytes, key: bytes, alg: str, mime: str, out: Path, files: list[Path], own: bool
) -> None:
    """Sign every file into `out` with one Signer (and one Context when `own`)."""
    out.mkdir(parents=True, exist_ok=True)
    info = c2pa.C2paSignerInfo(getattr(c2pa.C2paSigningAlg, alg.upper()), chain, key, None)
    context = None
    if own:
        with c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}) as settings:
            context = c2pa.Context(settings=settings)
    try:
        with c2pa.Signer.from_info(info) as signer:
            for path in files:
                definition = manifest(path.name, mime)
                if context is None:
                    builder = c2pa.Builder(definition)
                else:
                    definition["thumbnail"] = {"format": "image/jpeg", "identifier": "thumb.jpg"}
                    builder = c2pa.Builder(definition, context)
                with builder:
                    if context is not None:
                        builder.add_resource("thumb.jpg", thumbnail(path))
                    with open(path, "rb") as src, open(out / path.name, "w+b") as dst:
                        builder.sign(signer, mime, src, dst)
    finally:
        if context is not None:
            context.close()


def main(argv: list[str]) -> int:
    own = "--own-thumbnail" in argv
    args = [a for a in argv if a != "--own-thumbnail"]
    chain, key, alg, mime, out, *files = args
    sign_all(
        Path(chain).read_bytes(),
        Path(key).read_bytes(),
        alg,
        mime,
        Path(out),
        [Path(f) for f in files],
        own,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
