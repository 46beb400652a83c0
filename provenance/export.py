"""Signed exports: one output file per asset, its XMP written first, then a C2PA manifest built
from the record (actions, disclosure wording, object provenance, training-and-mining policy).

Planning (which items may be exported, what each manifest says) happens in the main process
from the database. Signing happens in worker processes: each builds its own c2pa Signer from
PEM bytes, because c2pa objects can be neither pickled nor inherited through fork. Every file is
written under a temporary name in the target folder and moved into place with os.replace, so a
run killed at any moment leaves only complete, signed files behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, BinaryIO

import c2pa
from PIL import Image, ImageDraw, ImageFont, ImageOps

from provenance.categories import (
    CAPTURE_TYPES,
    ORIGIN_SOURCE_TYPES,
    category,
    current_source_type,
)
from provenance.clock import now
from provenance.naming import resolve_name
from provenance.output import clean_temporaries, publish, temp_name, text_name
from provenance.xmp import (
    XmpError,
    XmpFields,
    can_write_xmp,
    silence_exiv2_warnings,
    write_xmp,
    write_xmp_bytes,
)

THUMBNAIL_SIDE = 500
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
#: plus:DataMining values for the institution's training-and-mining policy.
PLUS_DATA_MINING = {
    "allowed": "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED",
    "notAllowed": "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED",
    "constrained": "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-SEECONSTRAINT",
}


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


@dataclass(frozen=True)
class SigningKey:
    """PEM material for a worker's Signer. Never logged: repr hides the key."""

    chain_pem: bytes
    key_pem: bytes = field(repr=False)
    algorithm: str  # ES256, ES384, PS256, Ed25519 ...
    fingerprint: str


def _c2pa_alg(name: str):
    return getattr(c2pa.C2paSigningAlg, name.upper())


class Signing:
    """One process's c2pa Signer and Context, built from PEM bytes."""

    def __init__(self, key: SigningKey) -> None:
        info = c2pa.C2paSignerInfo(_c2pa_alg(key.algorithm), key.chain_pem, key.key_pem, None)
        self.signer = c2pa.Signer.from_info(info)
        # The app makes its own thumbnail from a reduced decode (much cheaper than the SDK's).
        settings = {
            "builder": {"thumbnail": {"enabled": False}},
            "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        }
        with c2pa.Settings.from_dict(settings) as native:
            self.context = c2pa.Context(settings=native)
        # Reading back only the manifest label of a file we just signed: no validation needed.
        settings["verify"]["verify_after_reading"] = False
        with c2pa.Settings.from_dict(settings) as native:
            self.label_context = c2pa.Context(settings=native)
        self.fingerprint = key.fingerprint
        silence_exiv2_warnings()

    def manifest_label(self, path: Path, mime: str) -> str | None:
        """The active manifest's label (its id) in a file this process signed."""
        with open(path, "rb") as stream, c2pa.Reader(mime, stream, context=self.label_context) as r:
            return json.loads(r.json()).get("active_manifest")

    def close(self) -> None:
        self.signer.close()
        self.context.close()
        self.label_context.close()


# -- the worker side ----------------------------------------------------------------------

# A worker process holds one Signing, set by the pool initializer. This is the one
# process-global in the core: ProcessPoolExecutor gives no other way to keep a native object
# alive across the jobs of one worker process.
_worker_signing: Signing | None = None


def _init_worker(key: SigningKey, parent_pid: int) -> None:
    global _worker_signing
    # A worker has no log of its own: Pillow's warnings about odd files must not reach the
    # terminal of the command (the main process logs what matters per file).
    warnings.simplefilter("ignore")
    _worker_signing = Signing(key)
    # If the exporting process is killed, nothing would ever tell its workers to stop: they
    # would wait for jobs forever. A watcher thread ends the worker when its parent is gone.
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            continue  # the pid exists (owned by someone else): keep waiting


def _run_in_worker(job: ExportJob) -> ExportResult:
    assert _worker_signing is not None
    return export_one(job, _worker_signing)


def _jumbf_boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the JUMBF boxes in data[start:end]."""
    at = start
    while at + 8 <= end:
        size = int.from_bytes(data[at : at + 4], "big")
        if size < 8 or at + size > end:
            return
        yield data[at + 4 : at + 8], at + 8, at + size
        at += size


def _jumbf_label(data: bytes, start: int, end: int) -> str | None:
    for kind, payload, box_end in _jumbf_boxes(data, start, end):
        # A superbox starts with its description box: 16-byte UUID, toggles, then the label.
        if kind == b"jumd" and payload + 17 <= box_end and data[payload + 16] & 0x02:
            label_end = data.find(b"\0", payload + 17, box_end)
            if label_end > 0:
                return data[payload + 17 : label_end].decode("utf-8", "replace")
        return None
    return None


def active_manifest_label(store: bytes | None) -> str | None:
    """The label (id) of the active manifest in a manifest store as c2pa's sign() returns it:
    the last manifest superbox of the store. None when the bytes are not shaped as expected
    (the caller then asks a Reader)."""
    if not store:
        return None
    for kind, payload, end in _jumbf_boxes(store, 0, len(store)):
        if kind != b"jumb":
            return None
        labels = [
            _jumbf_label(store, child, child_end)
            for child_kind, child, child_end in _jumbf_boxes(store, payload, end)
            if child_kind == b"jumb"
        ]
        return labels[-1] if labels else None
    return None


def _temp_path(dest: Path) -> Path:
    return temp_name(dest)


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


def _thumbnail(stream: BinaryIO) -> io.BytesIO | None:
    """A small JPEG of the image for the manifest, from a reduced decode.

    The decoder is asked for the smallest scale that still covers THUMBNAIL_SIDE on the long
    edge (1/8 for a 12 MP JPEG), so most of the pixels are never decoded.
    """
    try:
        with stream, Image.open(stream) as im:
            width, height = im.size
            scale = THUMBNAIL_SIDE / max(width, height, 1)
            im.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            im.thumbnail(
                (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR, reducing_gap=None
            )
            # Turned upright after shrinking: rotating a full-size TIFF costs two full copies.
            im = ImageOps.exif_transpose(im)
            out = io.BytesIO()
            im.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # a manifest without a thumbnail is still a valid manifest
    out.seek(0)
    return out


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


def export_one(job: ExportJob, signing: Signing) -> ExportResult:
    """Write one signed file: read (checking fixity), XMP, sign, move into place.

    Files up to IN_MEMORY_LIMIT go through memory (one read, one write); larger masters and
    captioned derivatives go through a temporary working file in the target folder.
    """
    dest = Path(job.dest)
    signed = _temp_path(dest)
    work: Path | None = None
    try:
        source = Path(job.source)
        mime = job.mime
        manifest = {**job.manifest, "assertions": [dict(a) for a in job.manifest["assertions"]]}
        asset: bytes | Path
        if job.caption or source.stat().st_size > IN_MEMORY_LIMIT:
            work = _temp_path(dest)
            _copy_verifying(source, work, job.sha256)
            if job.caption:
                mime = _caption_derivative(work, work, *job.caption)
                manifest["format"] = mime
            if can_write_xmp(mime):
                write_xmp(work, job.xmp)  # before signing: bytes written after break the hash
            asset = work
        else:
            asset = _read_verifying(source, job.sha256)
            if can_write_xmp(mime):
                asset = write_xmp_bytes(asset, job.xmp, text_name(source))
        _stamp_export_time(manifest)
        thumb = _thumbnail(_open_asset(asset))
        if thumb is not None:
            manifest["thumbnail"] = {"format": "image/jpeg", "identifier": THUMBNAIL_URI}
        with c2pa.Builder(manifest, signing.context) as builder:
            if job.source_has_credentials or job.caption or job.parent_ingredient:
                # The source (with its own credentials, if any) is the parent: its chain is kept.
                with open(source, "rb") as parent:
                    builder.add_ingredient(
                        {"title": text_name(source), "relationship": "parentOf", "label": "source"},
                        job.mime,
                        parent,
                    )
            if thumb is not None:
                builder.add_resource(THUMBNAIL_URI, thumb)
            digest, store = _sign_to(builder, signing, mime, asset, signed)
        label = active_manifest_label(store) or signing.manifest_label(signed, mime)
        publish(signed, dest, replace=job.replace, synced=True)
        return ExportResult(job.item_id, job.asset_id, job.item_label, str(dest), digest, label)
    except (ExportFailure, XmpError) as exc:
        return ExportResult(job.item_id, job.asset_id, job.item_label, error=str(exc))
    except c2pa.C2paError as exc:
        return ExportResult(
            job.item_id, job.asset_id, job.item_label, error=f"signing failed: {exc}"
        )
    except FileExistsError:
        return ExportResult(
            job.item_id,
            job.asset_id,
            job.item_label,
            error=f"another file appeared at {dest} during the export; export again",
        )
    except OSError as exc:
        # Shown as text: a master's name may hold bytes that are not UTF-8.
        where = os.fsencode(exc.filename or dest).decode("utf-8", "replace")
        reason = exc.strerror or str(exc)
        return ExportResult(
            job.item_id, job.asset_id, job.item_label, error=f"cannot write {where}: {reason}"
        )
    finally:
        if work is not None:
            work.unlink(missing_ok=True)
        signed.unlink(missing_ok=True)


def _open_asset(asset: bytes | Path) -> BinaryIO:
    return io.BytesIO(asset) if isinstance(asset, bytes) else open(asset, "rb")


def _sign_to(builder, signing: Signing, mime: str, asset: bytes | Path, target: Path):
    """Sign `asset` into `target` (synced to disk); returns (SHA-256 of target, store bytes)."""
    with _open_asset(asset) as src:
        if isinstance(asset, bytes):
            # c2pa writes in small pieces: into memory first, then one write to disk.
            out = io.BytesIO()
            store = builder.sign(signing.signer, mime, src, out)
            data = out.getbuffer()
            digest = hashlib.sha256(data).hexdigest()
            with open(target, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return digest, store
        with open(target, "w+b") as handle:
            store = builder.sign(signing.signer, mime, src, handle)
            handle.flush()
            os.fsync(handle.fileno())
    with open(target, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest(), store


def run_jobs(
    jobs: list[ExportJob],
    key: SigningKey,
    workers: int,
    on_result: Callable[[ExportResult], None],
    cancelled: Callable[[], bool],
) -> bool:
    """Run `jobs`, calling `on_result` in order of completion. Returns False if cancelled."""
    if workers <= 1 or len(jobs) <= 1:
        signing = Signing(key)
        try:
            for job in jobs:
                if cancelled():
                    return False
                on_result(export_one(job, signing))
        finally:
            signing.close()
        return True
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_worker_context(),
        initializer=_init_worker,
        initargs=(key, os.getpid()),
    ) as pool:
        pending = _bounded(pool, jobs, workers * 2, cancelled)
        for result in pending:
            on_result(result)
    return not cancelled()


def _worker_context():
    """Never plain fork: the parent may hold c2pa objects, Qt threads and database connections.

    On POSIX a fork server is started once per process with this module already imported, so
    each worker forks from a clean, warm process in milliseconds; spawn (Windows, macOS
    default) pays a fresh interpreter per worker.
    """
    if sys.platform.startswith("linux"):
        context = get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return get_context("spawn")


def _bounded(pool, jobs: list[ExportJob], window: int, cancelled) -> Iterator[ExportResult]:
    """Submit jobs a few at a time (so cancel takes effect quickly) and yield results."""
    queue = iter(jobs)
    running: dict[Future, ExportJob] = {}
    while True:
        while len(running) < window and not cancelled():
            job = next(queue, None)
            if job is None:
                break
            running[pool.submit(_run_in_worker, job)] = job
        if not running:
            return
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            job = running.pop(future)
            try:
                yield future.result()
            except Exception as exc:  # a worker died (BrokenProcessPool) or failed oddly
                # Reported for this file; the other files still get their results.
                yield ExportResult(
                    job.item_id,
                    job.asset_id,
                    job.item_label,
                    error=f"the export worker stopped ({type(exc).__name__}: {exc})",
                )


def clean_stale_temporaries(folder: Path) -> int:
    """Remove temporary files a killed export left in `folder` (only Credence's own)."""
    return clean_temporaries(folder)


# -- the planning side: manifests and XMP from the record ------------------------------------


def capture_source_type(recorded: str | None, asset_types: Iterable[str]) -> str | None:
    """The source type an export claims for how the image was made.

    The recorded capture type (a CAPTURE_TYPES key) when there is one; else the one origin
    the file's own credentials or XMP give (retired IPTC terms mapped to their current
    replacement); else None: nothing is known, and the export claims no capture at all.
    """
    if recorded:
        return CAPTURE_TYPES[recorded]
    origins = list(
        dict.fromkeys(
            current_source_type(t)
            for t in asset_types
            if current_source_type(t) in ORIGIN_SOURCE_TYPES
        )
    )
    return origins[0] if len(origins) == 1 else None


def build_actions(
    disclosures: list[dict[str, Any]], capture_type: str | None, opened: bool
) -> list[dict[str, Any]]:
    """c2pa.actions for the record: created (or opened) first, then the AI work.

    With no capture type (None) and no AI-generated disclosure nothing is known about how the
    image was made, so it is never "created": the export records that it *opened* the
    original (its parentOf ingredient "source"), which C2PA accepts without a source type.
    """
    actions: list[dict[str, Any]] = []
    pixel = [d for d in disclosures if category(d["category"]).touches_pixels]
    generated = next((d for d in pixel if d["category"] == "ai-generated"), None)
    opened = opened or (capture_type is None and generated is None)
    if opened:
        actions.append({"action": "c2pa.opened", "parameters": {"ingredientIds": ["source"]}})
    else:
        first: dict[str, Any] = {
            "action": "c2pa.created",
            "digitalSourceType": category("ai-generated").digital_source_type
            if generated
            else capture_type,
        }
        if generated:
            first.update(_agent(generated))
            first["description"] = generated["sentence"]
        actions.append(first)
    for d in pixel:
        if d is generated and not opened:
            continue
        cat = category(d["category"])
        action = {
            "action": "c2pa.edited",
            "digitalSourceType": cat.digital_source_type,
            "description": d["sentence"],
        }
        action.update(_agent(d))
        actions.append(action)
    return actions


def _agent(disclosure: dict[str, Any]) -> dict[str, Any]:
    tools = disclosure.get("tool_details") or []
    if not tools:
        return {}
    tool = tools[0]
    agent = {"name": tool["name"]}
    if tool.get("version"):
        agent["version"] = tool["version"]
    return {"softwareAgent": agent}


def training_mining_assertion(policy: str) -> dict[str, Any]:
    """cawg.training-mining from the institution's policy (allowed / notAllowed / constrained)."""
    use = {"allowed": "allowed", "notAllowed": "notAllowed", "constrained": "constrained"}[policy]
    keys = (
        "cawg.ai_training",
        "cawg.ai_generative_training",
        "cawg.ai_inference",
        "cawg.data_mining",
    )
    return {"label": "cawg.training-mining", "data": {"entries": {k: {"use": use} for k in keys}}}


def build_manifest(
    *,
    version: str,
    title: str,
    mime: str,
    actions: list[dict[str, Any]],
    disclosures: list[dict[str, Any]],
    review_pending: bool,
    item: dict[str, Any],
    events: list[dict[str, Any]],
    training_policy: str,
) -> dict[str, Any]:
    """The manifest definition for one export (JSON-ready)."""
    return {
        "claim_generator_info": [{"name": "Credence", "version": version}],
        "title": title,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {
                "label": "org.credence.disclosure",
                "data": {
                    "statements": [
                        {k: v for k, v in d.items() if k != "tool_details"} for d in disclosures
                    ],
                    "review_pending": review_pending,
                },
            },
            {"label": "org.credence.provenance", "data": {"object": item, "events": events}},
            training_mining_assertion(training_policy),
        ],
    }


def manifest_digest(manifest: dict[str, Any], xmp: XmpFields, caption: bool) -> str:
    """A digest of what an export would claim, to tell whether a finished export is current.

    Left out: the generator's version (a new release claims nothing new about the record) and
    when a disclosure was approved (the same words approved again by the same person are the
    same claim). So neither makes an export stale or re-written (provenance.staleness).
    """
    claims = {k: v for k, v in manifest.items() if k != "claim_generator_info"}
    claims["assertions"] = [_without_review_times(a) for a in manifest.get("assertions", [])]
    payload = json.dumps([claims, xmp.__dict__, caption], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _without_review_times(assertion: dict[str, Any]) -> dict[str, Any]:
    if assertion.get("label") != "org.credence.disclosure":
        return assertion
    data = dict(assertion["data"])
    data["statements"] = [
        {k: v for k, v in s.items() if k != "reviewed_at"} for s in data.get("statements", [])
    ]
    return {**assertion, "data": data}


def dest_name(pattern: str, source: Path, accession: str | None, item_id: int) -> str:
    """File name for an export from a naming pattern ({name} {stem} {ext} {accession} {id}).

    See provenance.naming: only those fields, no attribute access, conversions or huge widths;
    the result is one plain file name (no folder parts, no leading dot).
    """
    return resolve_name(pattern, source, accession, item_id)
