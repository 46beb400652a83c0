"""Importing image files: fixity, facts, existing credentials and a thumbnail each, then storage.

The per-file work (hashing, probing headers, reading C2PA, a reduced-decode thumbnail) runs in a
small thread pool: hashlib, Pillow's decoder and the c2pa library all release the GIL. Results
are written in order, in small transactions, so a crash loses at most the batch in flight and a
re-run skips what is already stored (duplicates are found by SHA-256).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from provenance import convert
from provenance.categories import ai_source_types
from provenance.clock import now
from provenance.credentials import CredentialReader
from provenance.db.models import Asset, Item
from provenance.history import Change
from provenance.probe import FileFacts, RejectedFile, make_thumbnail, probe_file
from provenance.views import Duplicate, ImportedFile, ImportReport, Rejected

if TYPE_CHECKING:
    from provenance.library import Library
    from provenance.progress import CancelToken, Progress

#: Files written per transaction: small enough that a crash loses little, large enough to be fast.
BATCH = 25


@dataclass
class Analysis:
    """What was learned about one file before anything is stored."""

    path: Path
    sha256: str
    facts: FileFacts
    credentials: dict[str, Any]
    thumbnail: str | None
    warnings: list[str] = field(default_factory=list)


def expand(paths: list[Path], exclude: Path | None = None) -> tuple[list[Path], list[Rejected]]:
    """Files named directly plus every file below named folders.

    Hidden files are skipped, and so is everything inside `exclude` (the library's own folder,
    whose database and thumbnails must never be imported as pictures of the collection).
    """
    excluded = exclude.resolve() if exclude is not None else None
    files: list[Path] = []
    rejected: list[Rejected] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found = [path]
        else:
            rejected.append(Rejected(str(path), "does not exist (or is not a file or folder)"))
            continue
        for p in found:
            resolved = p.resolve()
            if excluded is not None and resolved.is_relative_to(excluded):
                continue
            if resolved not in seen:
                seen.add(resolved)
                files.append(p)
    return files, rejected


def analyse(path: Path, thumbnails_dir: Path, reader: CredentialReader) -> Analysis | Rejected:
    """Hash, probe, read credentials and make a thumbnail for one file. Never raises for content."""
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return Rejected(str(path), f"cannot read the file ({exc.strerror})")
    try:
        facts = probe_file(path)
    except RejectedFile as exc:
        return Rejected(str(path), str(exc))
    except OSError as exc:
        return Rejected(str(path), f"cannot read the file ({exc.strerror})")
    summary = reader.read(path, xmp_digital_source_types=facts.xmp_digital_source_types)
    analysis = Analysis(path, digest, facts, summary.to_dict(), None)
    relative = Path(digest[:2]) / f"{digest}.jpg"
    target = thumbnails_dir / relative
    if target.exists():
        analysis.thumbnail = relative.as_posix()
    elif facts.width is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            make_thumbnail(path, target)
            analysis.thumbnail = relative.as_posix()
        except RejectedFile as exc:
            analysis.warnings.append(f"no thumbnail: {exc}")
        except OSError as exc:  # the library's own disk (cache), not the user's file
            analysis.warnings.append(
                f"no thumbnail: the library's thumbnail cache cannot be written ({exc.strerror})"
            )
    return analysis


def _analyses(
    files: list[Path], thumbnails_dir: Path, cancel: CancelToken | None
) -> Iterator[Analysis | Rejected]:
    """Analyse files in a thread pool, yielding results in input order with bounded look-ahead."""
    local = threading.local()
    readers: list[CredentialReader] = []

    def work(path: Path) -> Analysis | Rejected:
        # c2pa native objects are not shared across threads: one reader per worker thread.
        if not hasattr(local, "reader"):
            local.reader = CredentialReader()
            readers.append(local.reader)
        try:
            return analyse(path, thumbnails_dir, local.reader)
        except Exception as exc:
            return Rejected(str(path), f"could not be read ({type(exc).__name__}: {exc})")

    workers = max(1, min(4, os.cpu_count() or 1))
    try:
        yield from _ordered(work, files, workers, cancel)
    finally:
        for reader in readers:
            reader.close()


def _ordered(work, files: list[Path], workers: int, cancel) -> Iterator[Analysis | Rejected]:
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="credence-import") as pool:
        pending: deque[Future] = deque()
        queue = iter(files)
        for path in queue:
            pending.append(pool.submit(work, path))
            if len(pending) >= workers * 2:
                break
        while pending:
            if cancel is not None and cancel.cancelled:
                for future in pending:
                    future.cancel()
                return
            result = pending.popleft().result()
            next_path = next(queue, None)
            if next_path is not None:
                pending.append(pool.submit(work, next_path))
            yield result


def run(
    library: Library,
    paths: list[Path],
    target_item: int | None,
    progress: Progress | None,
    cancel: CancelToken | None,
    *,
    capture_type: str | None = None,
) -> ImportReport:
    """Import `paths` into `library`; every file ends up imported, a duplicate, or rejected.

    Items created for new files get `capture_type` (a CAPTURE_TYPES key) as their record of
    how the images were made; existing items keep theirs.
    """
    files, rejected = expand(paths, exclude=library.folder)
    imported: list[ImportedFile] = []
    duplicates: list[Duplicate] = []
    batch: list[Analysis] = []
    for done, result in enumerate(_analyses(files, library.thumbnails_dir, cancel), start=1):
        if isinstance(result, Rejected):
            rejected.append(result)
        else:
            batch.append(result)
        if len(batch) >= BATCH:
            _store(library, batch, target_item, imported, duplicates, capture_type)
            batch = []
        if progress is not None:
            name = Path(result.file if isinstance(result, Rejected) else result.path).name
            progress(done, len(files), name)
    if batch:
        _store(library, batch, target_item, imported, duplicates, capture_type)
    cancelled = cancel is not None and cancel.cancelled
    return ImportReport(tuple(imported), tuple(duplicates), tuple(rejected), cancelled)


def _store(
    library: Library,
    batch: list[Analysis],
    target_item: int | None,
    imported: list[ImportedFile],
    duplicates: list[Duplicate],
    capture_type: str | None = None,
) -> None:
    with library._write() as (session, history), session.no_autoflush:
        known = {
            a.sha256: a
            for a in session.scalars(
                select(Asset).where(Asset.sha256.in_({b.sha256 for b in batch}))
            )
        }
        stamp = now()
        # Decide each file's item first, then write items and assets with one flush each.
        placed: list[tuple[Analysis, Item]] = []
        new_items: list[Item] = []
        claimed: set[str] = set()
        repeats: list[Analysis] = []  # the same bytes twice in this batch
        for analysis in batch:
            same = known.get(analysis.sha256)
            if same is not None:
                duplicates.append(
                    Duplicate(str(analysis.path), _label(session, same.item_id), same.id, same.path)
                )
                continue
            if analysis.sha256 in claimed:
                repeats.append(analysis)
                continue
            claimed.add(analysis.sha256)
            item, created = _item_for(session, analysis.path, target_item, stamp)
            if created and capture_type is not None:
                item.capture_type = capture_type
            if created:
                new_items.append(item)
            placed.append((analysis, item))
        session.flush()
        library.search_index.index(session, [item.id for item in new_items])
        for item in new_items:
            history.record(
                Change("item", item.id, item.id, "create", None, convert.item_state(item))
            )
        assets = [_asset(analysis, item, stamp) for analysis, item in placed]
        session.add_all(assets)
        session.flush()
        by_hash = {a.sha256: (a, item) for a, (_, item) in zip(assets, placed, strict=True)}
        for analysis in repeats:
            asset, item = by_hash[analysis.sha256]
            label = item.accession or f"#{item.id}"
            duplicates.append(Duplicate(str(analysis.path), label, asset.id, asset.path))
        for (analysis, item), asset in zip(placed, assets, strict=True):
            history.record(
                Change(
                    "asset",
                    asset.id,
                    item.id,
                    "import",
                    None,
                    {
                        "file": asset.path,
                        "sha256": asset.sha256,
                        "size": asset.size,
                        "format": asset.format,
                        "credentials": asset.credential_state,
                    },
                )
            )
            imported.append(
                ImportedFile(
                    str(analysis.path),
                    item.accession or f"#{item.id}",
                    asset.id,
                    analysis.credentials,
                    tuple(analysis.warnings),
                )
            )


def _asset(analysis: Analysis, item: Item, stamp: str) -> Asset:
    return Asset(
        item=item,
        path=str(analysis.path.resolve()),
        sha256=analysis.sha256,
        size=analysis.facts.size,
        format=analysis.facts.format,
        mime=analysis.facts.mime,
        width=analysis.facts.width,
        height=analysis.facts.height,
        orientation=analysis.facts.orientation,
        thumbnail=analysis.thumbnail,
        credential_state=analysis.credentials["state"],
        credentials=analysis.credentials,
        ai_found=bool(ai_source_types(analysis.credentials.get("digital_source_types"))),
        imported_at=stamp,
    )


def _item_for(session, path: Path, target_item: int | None, stamp: str) -> tuple[Item, bool]:
    """The item a file belongs to: the one asked for, else one whose accession is the file's
    name (a common way to name master files), else a new item titled after the file."""
    if target_item is not None:
        return session.get(Item, target_item), False
    item = session.scalar(select(Item).where(Item.accession == path.stem))
    if item is not None:
        return item, False
    item = Item(title=path.stem, extra={}, created_at=stamp, updated_at=stamp)
    session.add(item)
    return item, True


def _label(session, item_id: int) -> str:
    item = session.get(Item, item_id)
    return item.accession or f"#{item.id}" if item else f"#{item_id}"
