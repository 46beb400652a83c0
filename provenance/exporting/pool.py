"""The export worker pool: signing in this process (the next file read ahead on a thread) or in
worker processes that each build their own Signer, jobs submitted a few at a time so cancel
takes effect quickly, a worker that dies reported for its file, and every signed file synced
and moved into place by one thread of this process, so the waits for the disk overlap the
signing of the next files."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from multiprocessing import get_context

from provenance.exporting.jobs import (
    ExportJob,
    ExportResult,
    Prepared,
    discard,
    drop,
    place,
    prepare,
    sign_one,
    sign_prepared,
)
from provenance.exporting.signing import Signing
from provenance.identity import SigningMaterial

# A worker process holds one Signing, set by the pool initializer. This is the one
# process-global in the core: ProcessPoolExecutor gives no other way to keep a native object
# alive across the jobs of one worker process.
_worker_signing: Signing | None = None


def _init_worker(key: SigningMaterial, parent_pid: int) -> None:
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
    return sign_one(job, _worker_signing)


class _Placer:
    """A thread that syncs and moves a signed file into place while the next one is signed.

    One file is in flight at a time: before a newly signed file is queued, the previous one's
    result goes to `on_result` (on the calling thread), and a run cancelled by that result
    removes the new file instead of placing it, so cancel stops after the same file as a run
    without the thread.
    """

    def __init__(self, on_result: Callable[[ExportResult], None], cancelled) -> None:
        self._on_result = on_result
        self._cancelled = cancelled
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="credence-export-place")
        self._placing: tuple[ExportResult, Future[ExportResult]] | None = None

    def add(self, signed: ExportResult) -> None:
        """Hand on the previous file's result, then queue this file (or drop it if that
        result cancelled the run)."""
        self._hand_on()
        if self._cancelled():
            discard(signed)
        else:
            self._placing = (signed, self._thread.submit(place, signed))

    def finish(self) -> None:
        """Wait for the last file to be in place and hand on its result."""
        self._hand_on()
        self._thread.shutdown()

    def abandon(self) -> None:
        """The run failed: a file not yet being moved is removed, not placed."""
        if self._placing is not None and self._placing[1].cancel():
            discard(self._placing[0])
        self._thread.shutdown()

    def _hand_on(self) -> None:
        if self._placing is not None:
            future = self._placing[1]
            self._placing = None
            self._on_result(future.result())


def run_jobs(
    jobs: list[ExportJob],
    key: SigningMaterial,
    workers: int,
    on_result: Callable[[ExportResult], None],
    cancelled: Callable[[], bool],
) -> bool:
    """Run `jobs`, calling `on_result` (on this thread) as files are in place. Returns False if
    cancelled."""
    placer = _Placer(on_result, cancelled)
    try:
        finished = _sign_all(jobs, key, workers, placer.add, cancelled)
    except BaseException:
        placer.abandon()
        raise
    placer.finish()
    return finished


def _sign_all(
    jobs: list[ExportJob],
    key: SigningMaterial,
    workers: int,
    on_signed: Callable[[ExportResult], None],
    cancelled: Callable[[], bool],
) -> bool:
    if workers <= 1 or len(jobs) <= 1:
        return _sign_here(jobs, key, on_signed, cancelled)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_worker_context(),
        initializer=_init_worker,
        initargs=(key, os.getpid()),
    ) as pool:
        for result in _bounded(pool, jobs, workers * 2, cancelled):
            on_signed(result)
    return not cancelled()


def _sign_here(
    jobs: list[ExportJob],
    key: SigningMaterial,
    on_signed: Callable[[ExportResult], None],
    cancelled: Callable[[], bool],
) -> bool:
    """Sign in this process, the next file read ahead on a thread.

    While one file is signed (c2pa), a reader thread prepares the next: read, fixity hash,
    XMP and the reduced decode the thumbnail and soft binding are made of. Hashing, file I/O,
    decoding and c2pa's native signing all release the GIL, so on two cores the two overlap.
    One file is read ahead at most (memory stays at two files); one prepared but not signed
    when the run stops is dropped.
    """
    signing = Signing(key)
    reader = ThreadPoolExecutor(1, thread_name_prefix="credence-export-read")
    queue = iter(jobs)
    ahead: Future[Prepared | ExportResult] | None = None
    try:
        ahead = _read_ahead(reader, queue)
        while ahead is not None:
            if cancelled():
                return False
            prepared = ahead.result()
            ahead = _read_ahead(reader, queue)  # read the next file while this one is signed
            on_signed(
                sign_prepared(prepared, signing) if isinstance(prepared, Prepared) else prepared
            )
        return True
    finally:
        if ahead is not None:  # the run stopped: the file read ahead is not signed
            with contextlib.suppress(Exception):
                drop(ahead.result())
        reader.shutdown()
        signing.close()


def _read_ahead(reader: ThreadPoolExecutor, queue: Iterator[ExportJob]):
    job = next(queue, None)
    return None if job is None else reader.submit(prepare, job)


def warm_export_workers(jobs: int | None) -> None:
    """Start what worker processes fork from now, when an export is about to use them
    (`jobs` as `export` takes it: None means one per core), so it loads c2pa, Pillow and
    iscc-core on another core while this process opens the library and plans the export.
    Otherwise the first file waits for that (~0.2 s). Only where a fork server is used."""
    if not sys.platform.startswith("linux") or (jobs or os.cpu_count() or 1) <= 1:
        return
    from multiprocessing import forkserver

    _worker_context()
    forkserver.ensure_running()


def _worker_context():
    """Never plain fork: the parent may hold c2pa objects, Qt threads and database connections.

    On POSIX a fork server is started once per process with this module already imported, so
    each worker forks from a clean, warm process in milliseconds; spawn (Windows, macOS
    default) pays a fresh interpreter per worker.
    """
    if sys.platform.startswith("linux"):
        context = get_context("forkserver")
        # iscc_core (the soft binding) is imported once here, not in every worker.
        context.set_forkserver_preload([__name__, "iscc_core"])
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
