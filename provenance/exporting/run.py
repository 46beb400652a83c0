"""One export run: check the folder, unlock the signing identity, plan from the record, sign in
the worker pool, and record every file written (a file that cannot be recorded is removed)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from provenance.domain.errors import LibraryError
from provenance.domain.naming import parse_pattern
from provenance.domain.progress import CancelToken, Progress
from provenance.domain.reports import ExportedFile, ExportProblem, ExportReport
from provenance.exporting.jobs import ExportResult
from provenance.exporting.plan import change_intents, load_items, plan_export
from provenance.exporting.pool import run_jobs
from provenance.identity import load_info, load_signing_material
from provenance.media.output import OutputRefused, OutputRun, clean_temporaries, sync_folder
from provenance.store.exports import record_exports, record_or_remove
from provenance.store.items import resolve_item
from provenance.store.settings import load_settings
from provenance.store.store import Store

#: Signed files are recorded a few at a time: one transaction per file would hold the
#: workers up.
_RECORD_EVERY = 16


def _sync_folders(results: Sequence[ExportResult]) -> None:
    """Make the names of files just moved into place durable, once per folder for a batch,
    before they are recorded (a record never names a file a power cut could lose)."""
    for folder in {Path(str(result.file)).parent for result in results}:
        sync_folder(folder)


def folder_problem(out: Path, run: OutputRun) -> str | None:
    """Why signed copies may not be written to `out` (a plain sentence), or None."""
    try:
        str(out).encode("utf-8")
    except UnicodeEncodeError:
        return (
            "the export folder's name is not valid text, so the exports could not be "
            "recorded; choose a folder with a plain name"
        )
    if run.inside_library(out):
        return (
            f"{out} {run.library_place(out)}; Credence never writes "
            "exports among its own files. Choose a folder outside the library for exports"
        )
    if run.folder_holds_originals(out):
        return (
            f"{out} holds imported originals, and an export there could replace one; "
            "choose another folder for the signed copies (originals are never changed)"
        )
    return None


def export(
    store: Store,
    items: Sequence[str | int] | None,
    out_dir: str | os.PathLike[str],
    *,
    identity_dir: Path,
    run: OutputRun,
    version: str,
    passphrase: str,
    jobs: int | None = None,
    caption: bool = False,
    allow_unreviewed: bool = False,
    naming: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """Write signed copies of the items' images (all items when `items` is None); see
    Library.export."""
    if naming is not None:
        parse_pattern(naming)  # a bad pattern is refused before anything is touched
    out = Path(out_dir).expanduser()
    problem = folder_problem(out, run)
    if problem is not None:
        raise OutputRefused(problem)
    if load_info(identity_dir) is None:
        raise LibraryError(
            "there is no signing identity yet; create one with "
            "`credence identity create --org NAME` (or import your institution's)"
        )
    key = load_signing_material(identity_dir, passphrase)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"cannot create the export folder {out}: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise LibraryError(f"the export folder {out} is read-only; choose another folder")
    clean_temporaries(out)  # what a killed export left behind (only Credence's own)
    with store.read() as session:
        ids = None if items is None else [resolve_item(session, ref).id for ref in items]
        settings = load_settings(session)
        plan = plan_export(
            session,
            load_items(session, ids),
            out.resolve(),
            settings=settings,
            version=version,
            caption=caption,
            allow_unreviewed=allow_unreviewed,
            naming=naming or settings.export_naming,
            output=run,
            originals=store.roots.original,
        )
    exported = list(plan.current)
    failed: list[ExportProblem] = list(plan.failed)
    unrecorded: list[ExportResult] = []
    total = len(plan.jobs)

    def record(result: ExportResult) -> None:
        if result.error:
            failed.append(ExportProblem(result.item_label, result.error))
        else:
            unrecorded.append(result)
            exported.append(
                ExportedFile(
                    result.item_label,
                    result.file,
                    result.sha256,
                    result.manifest,
                    (*plan.notes.get(result.asset_id, ()), *result.notes),
                )
            )
            if len(unrecorded) >= _RECORD_EVERY:
                _sync_folders(unrecorded)
                record_exports(store, unrecorded, plan.digests, key.fingerprint)
                unrecorded.clear()
        if progress is not None:
            done = len(exported) - len(plan.current) + len(failed) - len(plan.failed)
            progress(done, total, result.item_label)

    workers = jobs if jobs is not None else min(len(plan.jobs), os.cpu_count() or 1)
    intended = {job.dest: job.asset_id for job in plan.jobs}
    if intended:  # before any file moves into place: a kill cannot orphan one
        with store.write() as (session, _history):
            change_intents(session, intended)
    try:
        finished = run_jobs(
            plan.jobs,
            key,
            max(1, workers),
            record,
            lambda: cancel is not None and cancel.cancelled,
        )
    finally:
        # Files already in place are recorded even if the run stops early; a file that
        # cannot be recorded is removed, so no signed file exists without its record.
        _sync_folders(unrecorded)
        record_or_remove(store, unrecorded, plan.digests, key.fingerprint)
        if intended:  # every file of this run is recorded now
            with store.write() as (session, _history):
                change_intents(session, {}, intended)
    return ExportReport(tuple(exported), tuple(plan.refused), tuple(failed), not finished)
