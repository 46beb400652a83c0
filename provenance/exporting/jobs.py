"""Signed exports: one output file per asset, its XMP written first, then a C2PA manifest built
from the record (actions, disclosure wording, object provenance, training-and-mining policy).

Planning (which items may be exported, what each manifest says) happens in the main process
from the database. Signing happens in worker processes: each builds its own c2pa Signer from
PEM bytes, because c2pa objects can be neither pickled nor inherited through fork. Every file is
written under a temporary name in the target folder (`sign_one`), then synced and moved into
place (`place`, which the pool runs on a thread of the main process, so the wait for the disk
overlaps the next file's work), so a run killed at any moment leaves only complete, signed
files behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import c2pa
from PIL import Image, ImageDraw, ImageFont, ImageOps

from provenance.domain.clock import now
from provenance.exporting.jumbf import active_manifest_label
from provenance.exporting.manifest import soft_binding_assertion
from provenance.exporting.signing import Signing
from provenance.media.output import publish, temp_name, text_name
from provenance.media.probe import _register_heif_opener as register_heif_opener
from provenance.media.softbinding import (
    SOFT_BINDING_ERRORS,
    WORKING_SIDE,
    SoftBinding,
    code_of_image,
    shrink,
)
from provenance.media.xmp import (
    XmpError,
    XmpFields,
    can_write_xmp,
    write_xmp,
    write_xmp_bytes,
)

THUMBNAIL_SIDE = WORKING_SIDE  # the soft binding is computed from the same pixels
#: Masters up to this size are exported through memory; bigger ones through a working file.
IN_MEMORY_LIMIT = 128 * 1024 * 1024
THUMBNAIL_URI = "credence-thumbnail.jpg"
SIGNABLE = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/webp",
        "image/gif",
        "image/avif",
        "image/heif",
        "image/heic",
        "image/jxl",
        "image/svg+xml",
        "image/dng",
    }
)


@dataclass(frozen=True)
class ExportJob:
    """Everything a worker needs to write one signed file (plain data: it crosses processes)."""

    item_id: int
    asset_id: int
    item_label: str
    source: str
    sha256: str  # fixity recorded at import; the source must still match it
    mime: str
    dest: str
    manifest: dict[str, Any]
    xmp: XmpFields
    source_has_credentials: bool
    caption: tuple[str, str] | None = None  # (badge, sentence) burned into a strip
    #: The manifest "opens" the original (no capture claimed): it is the parentOf ingredient.
    parent_ingredient: bool = False
    #: dest is this asset's own earlier export and may be replaced; otherwise a file that
    #: appears at dest before the move is never replaced (the job fails instead).
    replace: bool = False


@dataclass(frozen=True)
class ExportResult:
    """What a worker did with one job: a file, or the reason it failed."""

    item_id: int
    asset_id: int
    item_label: str
    file: str | None = None
    sha256: str | None = None
    manifest: str | None = None
    error: str | None = None
    #: What a reader of the file should know (a value cut to fit IPTC-IIM).
    notes: tuple[str, ...] = ()
    #: The ISCC image code of the signed pixels (None when they could not be read), and its
    #: first 64 bits as a signed integer (see media.softbinding).
    soft_binding: str | None = None
    soft_binding_key: int | None = None
    #: The signed temporary file not yet moved onto `file` (see `place`), and whether it may
    #: replace a file there (the job's `replace`).
    staged: str | None = None
    replace: bool = False


def _read_verifying(source: Path, expected: str) -> bytes:
    data = source.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected:
        raise ExportFailure(_changed_message(source))
    return data


def _changed_message(source: Path) -> str:
    return (
        f"{text_name(source)} changed since it was imported (SHA-256 differs); re-import it "
        "so the record describes the file that is exported"
    )


def _copy_verifying(source: Path, target: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
    if digest.hexdigest() != expected:
        raise ExportFailure(_changed_message(source))


class ExportFailure(Exception):
    """One file could not be exported; the message says why in plain words."""


def _reduced(stream: BinaryIO) -> Image.Image | None:
    """The image's pixels reduced to THUMBNAIL_SIDE on the long edge and turned upright, or
    None when they cannot be decoded (a manifest without a thumbnail is still valid).

    The decoder is asked for the smallest scale that still covers THUMBNAIL_SIDE (1/8 for a
    12 MP JPEG), so most of the pixels are never decoded.
    """
    register_heif_opener()  # a worker process has not read a HEIC yet: teach Pillow first
    try:
        with stream, Image.open(stream) as im:
            # Turned upright after shrinking: rotating a full-size TIFF costs two full copies.
            picture = shrink(im, THUMBNAIL_SIDE)
            picture.load()  # decoded now, while the file is open
            return picture
    except _IMAGE_ERRORS:
        return None


def _thumbnail(picture: Image.Image | None) -> tuple[io.BytesIO | None, SoftBinding | None]:
    """A small JPEG of the reduced image for the manifest, and the soft binding of the same
    pixels (as `identify` computes it from a stripped copy: no second decode)."""
    if picture is None:
        return None, None
    binding = None
    try:
        out = io.BytesIO()
        picture.convert("RGB").save(out, "JPEG", quality=80)
        with contextlib.suppress(*SOFT_BINDING_ERRORS):
            binding = code_of_image(picture)
    except _IMAGE_ERRORS:
        return None, None
    out.seek(0)
    return out, binding


#: What decoding or re-encoding a damaged or hostile image may raise.
_IMAGE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def _caption_derivative(source: Path, target: Path, badge: str, sentence: str) -> str:
    """Write `source` with a caption strip below it to `target`; returns the output MIME type."""
    with Image.open(source) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
    width = im.width
    size = max(14, width // 60)
    font_badge = ImageFont.load_default(size=int(size * 1.2))
    font = ImageFont.load_default(size=size)
    draw_probe = ImageDraw.Draw(im)
    lines, line = [], ""
    for word in sentence.split():
        trial = f"{line} {word}".strip()
        if draw_probe.textlength(trial, font=font) > width - 2 * size and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    strip_height = int(size * (2.4 + 1.4 * len(lines)))
    out = Image.new("RGB", (width, im.height + strip_height), "white")
    out.paste(im, (0, 0))
    draw = ImageDraw.Draw(out)
    y = im.height + size // 2
    draw.text((size, y), badge, fill="black", font=font_badge)
    y += int(size * 1.6)
    for text in lines:
        draw.text((size, y), text, fill=(40, 40, 40), font=font)
        y += int(size * 1.4)
    out.save(target, "JPEG", quality=92)
    return "image/jpeg"


def _stamp_export_time(manifest: dict[str, Any]) -> None:
    # Added at signing time, after the plan's digest was taken, so an unchanged record still
    # counts as already exported on a re-run.
    for assertion in manifest["assertions"]:
        if assertion["label"] == "org.credence.disclosure":
            assertion["data"] = {**assertion["data"], "exported_at": now()}


@dataclass(frozen=True)
class Prepared:
    """One job read and made ready to sign (`prepare`): everything but the c2pa work."""

    job: ExportJob
    mime: str
    manifest: dict[str, Any]
    #: What is signed: the bytes (XMP written) or a working file beside the target.
    asset: bytes | Path
    #: The source's bytes (fixity checked) when read whole: the parent ingredient's bytes.
    original: bytes | None
    #: The reduced pixels the thumbnail and soft binding are made of (None: undecodable).
    picture: Image.Image | None
    notes: tuple[str, ...]


def sign_one(job: ExportJob, signing: Signing) -> ExportResult:
    """Write one signed file under a temporary name beside its target: `prepare` (read,
    checking fixity; XMP; reduced decode), then `sign_prepared` (thumbnail, soft binding,
    c2pa). The result's
    `staged` file still has to be synced and moved into place with `place`; a job that fails
    leaves nothing behind."""
    prepared = prepare(job)
    return prepared if isinstance(prepared, ExportResult) else sign_prepared(prepared, signing)


def prepare(job: ExportJob) -> Prepared | ExportResult:
    """Read one job's source (checking its fixity), write its XMP, and decode its reduced
    pixels (for the thumbnail and soft binding): no c2pa object is used, so this runs on a
    thread beside the signing of the previous file (the hashing, reading and decoding release
    the GIL). Returns the failure's
    result when the file cannot be exported; `drop` removes what a Prepared holds on disk.

    Files up to IN_MEMORY_LIMIT go through memory (one read, one write); larger masters and
    captioned derivatives go through a temporary working file in the target folder.
    """
    dest = Path(job.dest)
    work: Path | None = None
    notes: list[str] = []
    try:
        source = Path(job.source)
        mime = job.mime
        manifest = {**job.manifest, "assertions": [dict(a) for a in job.manifest["assertions"]]}
        asset: bytes | Path
        original: bytes | None = None
        if job.caption or source.stat().st_size > IN_MEMORY_LIMIT:
            work = temp_name(dest)
            _copy_verifying(source, work, job.sha256)
            if job.caption:
                mime = _caption_derivative(work, work, *job.caption)
                manifest["format"] = mime
            if can_write_xmp(mime):
                write_xmp(work, job.xmp, notes)  # before signing: later bytes break the hash
            asset = work
        else:
            asset = original = _read_verifying(source, job.sha256)
            if can_write_xmp(mime):
                asset = write_xmp_bytes(asset, job.xmp, text_name(source), notes)
        _stamp_export_time(manifest)
        picture = _reduced(_open_asset(asset))
        prepared = Prepared(
            job, mime, manifest, asset, original, picture, tuple(dict.fromkeys(notes))
        )
        work = None  # the Prepared holds it now
        return prepared
    except (ExportFailure, XmpError) as exc:
        return ExportResult(job.item_id, job.asset_id, job.item_label, error=str(exc))
    except OSError as exc:
        return _write_failed(job.item_id, job.asset_id, job.item_label, dest, exc)
    finally:
        if work is not None:
            work.unlink(missing_ok=True)


def drop(prepared: Prepared | ExportResult) -> None:
    """Remove the working file of a prepared job that will not be signed (the run stopped)."""
    if isinstance(prepared, Prepared) and isinstance(prepared.asset, Path):
        prepared.asset.unlink(missing_ok=True)


def sign_prepared(prepared: Prepared, signing: Signing) -> ExportResult:
    """Sign a prepared job into a temporary file beside its target (see `sign_one`); the
    working file, if any, is removed whatever happens."""
    job = prepared.job
    dest = Path(job.dest)
    signed = temp_name(dest)
    staged = False
    try:
        source = Path(job.source)
        # Made here, not in `prepare`: the two threads of a one-process run then share the
        # work about evenly (the decode there, the encode and the hash here).
        thumb, binding = _thumbnail(prepared.picture)
        manifest = prepared.manifest
        if thumb is not None:
            manifest["thumbnail"] = {"format": "image/jpeg", "identifier": THUMBNAIL_URI}
        if binding is not None:
            manifest["assertions"].append(soft_binding_assertion(binding.code))
        with c2pa.Builder(manifest, signing.context) as builder:
            if job.source_has_credentials or job.caption or job.parent_ingredient:
                # The source (with its own credentials, if any) is the parent: its chain is
                # kept. Bytes already read and checked are not read from the disk again.
                parent_bytes = prepared.original
                with _open_asset(source if parent_bytes is None else parent_bytes) as parent:
                    builder.add_ingredient(
                        {"title": text_name(source), "relationship": "parentOf", "label": "source"},
                        job.mime,
                        parent,
                    )
            if thumb is not None:
                builder.add_resource(THUMBNAIL_URI, thumb)
            digest, store = _sign_to(builder, signing, prepared.mime, prepared.asset, signed)
        label = active_manifest_label(store) or signing.manifest_label(signed, prepared.mime)
        staged = True
        return ExportResult(
            job.item_id,
            job.asset_id,
            job.item_label,
            str(dest),
            digest,
            label,
            notes=prepared.notes,
            soft_binding=binding.code if binding is not None else None,
            soft_binding_key=binding.key if binding is not None else None,
            staged=str(signed),
            replace=job.replace,
        )
    except c2pa.C2paError as exc:
        return ExportResult(
            job.item_id, job.asset_id, job.item_label, error=f"signing failed: {exc}"
        )
    except OSError as exc:
        return _write_failed(job.item_id, job.asset_id, job.item_label, dest, exc)
    finally:
        drop(prepared)
        if not staged:
            signed.unlink(missing_ok=True)


def place(result: ExportResult) -> ExportResult:
    """Sync a signed file written by `sign_one` and move it onto its target (never onto a file
    that appeared there meanwhile, unless the job may replace it). A result without a staged
    file (a failure) is returned as it is.

    The target's folder is not synced here: the caller syncs it once for a batch of files,
    before it records them (media.output.sync_folder).
    """
    if result.staged is None:
        return result
    dest = Path(str(result.file))
    try:
        publish(Path(result.staged), dest, replace=result.replace, folder_later=True)
    except OSError as exc:
        return _write_failed(result.item_id, result.asset_id, result.item_label, dest, exc)
    return replace(result, staged=None, replace=False)


def discard(result: ExportResult) -> None:
    """Remove the staged file of a result that will not be placed (the run stopped first)."""
    if result.staged is not None:
        Path(result.staged).unlink(missing_ok=True)


def _write_failed(
    item_id: int, asset_id: int, item_label: str, dest: Path, exc: OSError
) -> ExportResult:
    if isinstance(exc, FileExistsError):
        error = f"another file appeared at {dest} during the export; export again"
    else:
        # Shown as text: a master's name may hold bytes that are not UTF-8.
        where = os.fsencode(exc.filename or dest).decode("utf-8", "replace")
        error = f"cannot write {where}: {exc.strerror or str(exc)}"
    return ExportResult(item_id, asset_id, item_label, error=error)


def _open_asset(asset: bytes | Path) -> BinaryIO:
    return io.BytesIO(asset) if isinstance(asset, bytes) else open(asset, "rb")


def _sign_to(builder, signing: Signing, mime: str, asset: bytes | Path, target: Path):
    """Sign `asset` into `target` (synced later, by `place`); returns (SHA-256 of target,
    store bytes)."""
    with _open_asset(asset) as src:
        if isinstance(asset, bytes):
            # c2pa writes in small pieces: into memory first, then one write to disk.
            out = io.BytesIO()
            store = builder.sign(signing.signer, mime, src, out)
            data = out.getbuffer()
            digest = hashlib.sha256(data).hexdigest()
            with open(target, "wb") as handle:
                handle.write(data)
            return digest, store
        with open(target, "w+b") as handle:
            store = builder.sign(signing.signer, mime, src, handle)
    with open(target, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest(), store
