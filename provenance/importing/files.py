"""Importing image files: fixity, facts, existing credentials and a thumbnail each, then storage.

The per-file work (hashing, probing headers, reading C2PA and what the file says about itself in
XMP, IPTC-IIM and EXIF, a reduced-decode thumbnail) runs in a small thread pool: hashlib,
Pillow's decoder and the c2pa library all release the GIL. Results are written in order, in
small transactions, so a crash loses at most the batch in flight and a re-run skips what is
already stored (duplicates are found by SHA-256).

What a file says (title, creator, description, keywords, rights, credit line, date created)
fills only EMPTY fields of its item: a title typed by the registrar is never replaced, only the
file-name title an import gave. Each filled field is recorded in history as read from the file,
naming the block that won and what another block said when they disagreed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from provenance.domain.categories import ai_source_types
from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, LibraryError
from provenance.domain.reports import Duplicate, ImportedFile, ImportReport, Rejected
from provenance.domain.tags import clean_keyword, fold
from provenance.domain.text import clean_text, display_name, file_path, path_text
from provenance.domain.views import ITEM_FIELD_WORDS
from provenance.media.credentials import CredentialReader
from provenance.media.embedded import (
    EXIF,
    OBJECT_SOURCE,
    EmbeddedField,
    EmbeddedMetadata,
    read_embedded,
)
from provenance.media.probe import (
    FileFacts,
    RejectedFile,
    file_kind,
    make_thumbnail,
    open_regular,
    probe_file,
)
from provenance.store import convert
from provenance.store.history import Change
from provenance.store.models import Asset, HistoryEntry, Item, ItemKeyword
from provenance.store.store import Store

if TYPE_CHECKING:
    from provenance.domain.progress import CancelToken, Progress

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
    embedded: EmbeddedMetadata = field(default_factory=EmbeddedMetadata)


def expand(paths: list[Path], exclude: Path | None = None) -> tuple[list[Path], list[Rejected]]:
    """Files named directly plus every file below named folders.

    Hidden files are skipped, and so is everything inside `exclude` (the library's own folder,
    whose database and thumbnails must never be imported as pictures of the collection).
    Anything that is not a regular file (a named pipe, a device, a socket, a broken link) is
    reported, never opened.
    """
    excluded = exclude.resolve() if exclude is not None else None
    files: list[Path] = []
    rejected: list[Rejected] = []
    seen: set[Path] = set()
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            rejected.append(Rejected(path_text(path), _unreachable(path, "does not exist", exc)))
            continue
        if stat.S_ISDIR(mode):
            found = []
            for p in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                try:
                    mode = p.stat().st_mode
                except OSError as exc:
                    reason = _unreachable(p, "could not be read", exc)
                    rejected.append(Rejected(path_text(p), reason))
                    continue
                if stat.S_ISREG(mode):
                    found.append(p)
                elif not stat.S_ISDIR(mode):
                    rejected.append(Rejected(path_text(p), _irregular(mode)))
        elif stat.S_ISREG(mode):
            found = [path]
        else:
            rejected.append(Rejected(path_text(path), _irregular(mode)))
            continue
        for p in found:
            resolved = p.resolve()
            if excluded is not None and resolved.is_relative_to(excluded):
                continue
            if resolved not in seen:
                seen.add(resolved)
                files.append(p)
    return files, rejected


def _unreachable(path: Path, missing: str, error: OSError) -> str:
    """Why a path that stat refused is left out: a broken link, else `missing`; or the
    system's own reason when it cannot even look (a name too long, ...)."""
    try:
        return "is a broken link" if path.is_symlink() else missing
    except OSError:
        return f"could not be read ({error.strerror})"


def _irregular(mode: int) -> str:
    return f"not a regular file ({file_kind(mode)}); only image files and folders are imported"


#: Why a file that changed under Credence is not imported.
CHANGED = (
    "changed while Credence was reading it (its size, date or contents moved); "
    "import it again once it is complete"
)


class _Changed(Exception):
    """The file is not the one that was hashed any more."""


def _digest(handle, size: int) -> str:
    """SHA-256 of exactly `size` bytes; _Changed when the file is shorter or longer now."""
    digest = hashlib.sha256()
    buffer = memoryview(bytearray(1 << 20))
    raw = handle.raw
    remaining = size
    while remaining:
        count = raw.readinto(buffer[: min(len(buffer), remaining)])
        if not count:
            raise _Changed  # shorter than it was when opened
        digest.update(buffer[:count])
        remaining -= count
    if raw.read(1):
        raise _Changed  # longer: still being written
    return digest.hexdigest()


def _same_file(path: Path, before: os.stat_result) -> bool:
    try:
        now_ = path.stat()
    except OSError:
        return False
    return (now_.st_dev, now_.st_ino, now_.st_size, now_.st_mtime_ns) == (
        before.st_dev,
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )


def analyse(path: Path, thumbnails_dir: Path, reader: CredentialReader) -> Analysis | Rejected:
    """Hash, probe, read credentials and make a thumbnail for one file. Never raises for content.

    Every read goes through `open_regular` (never blocks on a pipe or device swapped in); the
    file must still be the one that was hashed at the end, else it is reported as changed.
    """
    shown = path_text(path)
    try:
        with open_regular(path) as handle:
            before = os.fstat(handle.fileno())
            digest = _digest(handle, before.st_size)
    except RejectedFile as exc:
        return Rejected(shown, str(exc))
    except _Changed:
        return Rejected(shown, CHANGED)
    except OSError as exc:
        return Rejected(shown, f"cannot read the file ({exc.strerror})")
    try:
        facts = probe_file(path)
        summary = reader.read(path, xmp_digital_source_types=facts.xmp_digital_source_types)
    except RejectedFile as exc:
        return Rejected(shown, str(exc))
    except OSError as exc:
        return Rejected(shown, f"cannot read the file ({exc.strerror})")
    analysis = Analysis(path, digest, facts, summary.to_dict(), None)
    try:
        analysis.embedded = read_embedded(path)
    except (RejectedFile, OSError) as exc:  # the probe read it a moment ago: rare, never fatal
        analysis.warnings.append(f"what the file says about itself was not read ({exc})")
    analysis.warnings.extend(analysis.embedded.warnings)
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
    if facts.size != before.st_size or not _same_file(path, before):
        return Rejected(shown, CHANGED)
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
            return Rejected(path_text(path), f"could not be read ({type(exc).__name__}: {exc})")

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
    store: Store,
    paths: list[Path],
    target_item: int | None,
    progress: Progress | None,
    cancel: CancelToken | None,
    *,
    thumbnails_dir: Path,
    capture_type: str | None = None,
) -> ImportReport:
    """Import `paths` into `store`; every file ends up imported, a duplicate, or rejected.

    Items created for new files get `capture_type` (a CAPTURE_TYPES key) as their record of
    how the images were made; existing items keep theirs.
    """
    files, rejected = expand(paths, exclude=store.folder)
    imported: list[ImportedFile] = []
    duplicates: list[Duplicate] = []
    batch: list[Analysis] = []
    for done, result in enumerate(_analyses(files, thumbnails_dir, cancel), start=1):
        if isinstance(result, Rejected):
            rejected.append(result)
        else:
            batch.append(result)
        if len(batch) >= BATCH:
            _store_each(store, batch, target_item, imported, duplicates, rejected, capture_type)
            batch = []
        if progress is not None:
            name = result.file if isinstance(result, Rejected) else path_text(result.path)
            progress(done, len(files), name.rsplit("/", 1)[-1])
    if batch:
        _store_each(store, batch, target_item, imported, duplicates, rejected, capture_type)
    cancelled = cancel is not None and cancel.cancelled
    return ImportReport(tuple(imported), tuple(duplicates), tuple(rejected), cancelled)


def _store_each(
    store: Store,
    batch: list[Analysis],
    target_item: int | None,
    imported: list[ImportedFile],
    duplicates: list[Duplicate],
    rejected: list[Rejected],
    capture_type: str | None = None,
) -> None:
    """Store a batch in one transaction; if one file sinks it, store the files one by one so
    that file alone is reported and the rest are kept. A library that cannot be written at all
    (disk full, damaged, busy) still stops the import: every file would fail the same way."""
    try:
        done = _store(store, batch, target_item, capture_type)
    except LibraryError:
        raise
    except Exception:
        done = ([], [])
        for analysis in batch:
            try:
                one = _store(store, [analysis], target_item, capture_type)
            except LibraryError:
                raise
            except Exception as exc:
                reason = f"could not be stored ({type(exc).__name__}: {exc})"
                rejected.append(Rejected(path_text(analysis.path), reason))
                continue
            done[0].extend(one[0])
            done[1].extend(one[1])
    imported.extend(done[0])
    duplicates.extend(done[1])


def _store(
    store: Store, batch: list[Analysis], target_item: int | None, capture_type: str | None
) -> tuple[list[ImportedFile], list[Duplicate]]:
    """Write one batch in one transaction; what it imported and found duplicate, once committed."""
    imported: list[ImportedFile] = []
    duplicates: list[Duplicate] = []
    with store.write() as (session, history), session.no_autoflush:
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
        filled: dict[int, _Filled] = {}  # by id(analysis)
        claimed: set[str] = set()
        repeats: list[Analysis] = []  # the same bytes twice in this batch
        for analysis in batch:
            same = known.get(analysis.sha256)
            if same is not None:
                duplicates.append(
                    Duplicate(
                        path_text(analysis.path), _label(session, same.item_id), same.id, same.path
                    )
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
                filled[id(analysis)] = _fill_from_file(session, item, analysis, created=True)
            placed.append((analysis, item))
        session.flush()
        store.search_index.index(session, [item.id for item in new_items])
        notes = {id(item): filled[id(a)] for a, item in placed if id(a) in filled}
        for item in new_items:
            after = convert.item_state(item)
            done = notes.get(id(item))
            if done is not None and done.keywords_after:
                after["keywords"] = done.keywords_after
            history.record(
                Change.for_item(
                    item_id=item.id,
                    action="create",
                    after=after,
                    note=done.note if done is not None else None,
                )
            )
        _fill_existing(store, session, history, placed, filled)
        assets = [_asset(analysis, item, stamp, store.roots) for analysis, item in placed]
        session.add_all(assets)
        session.flush()
        by_hash = {a.sha256: (a, item) for a, (_, item) in zip(assets, placed, strict=True)}
        for analysis in repeats:
            asset, item = by_hash[analysis.sha256]
            label = item.accession or f"#{item.id}"
            duplicates.append(Duplicate(path_text(analysis.path), label, asset.id, asset.path))
        for (analysis, item), asset in zip(placed, assets, strict=True):
            history.record(
                Change(
                    entity="asset",
                    entity_id=asset.id,
                    item_id=item.id,
                    action="import",
                    after={
                        "file": asset.path,
                        "sha256": asset.sha256,
                        "size": asset.size,
                        "format": asset.format,
                        "credentials": asset.credential_state,
                    },
                )
            )
            done = filled.get(id(analysis))
            imported.append(
                ImportedFile(
                    path_text(analysis.path),
                    item.accession or f"#{item.id}",
                    asset.id,
                    analysis.credentials,
                    tuple(analysis.warnings),
                    done.sources if done is not None else {},
                    done.disagreements if done is not None else {},
                )
            )
    return imported, duplicates


def _asset(analysis: Analysis, item: Item, stamp: str, roots) -> Asset:
    # Under a storage root the asset keeps (root, relative path): every computer of a team
    # then finds it under its own folder for that root.
    root, path = roots.locate(analysis.path.resolve())
    return Asset(
        item=item,
        root=root,
        path=path,
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
    stem = display_name(path.stem)
    if path_text(path.stem) == path.stem:  # a name that is text can be an accession number
        item = session.scalar(select(Item).where(Item.accession == stem))
        if item is not None:
            return item, False
    item = Item(title=clean_text(stem), extra={}, created_at=stamp, updated_at=stamp)
    session.add(item)
    return item, True


def _label(session, item_id: int) -> str:
    item = session.get(Item, item_id)
    return item.accession or f"#{item.id}" if item else f"#{item_id}"


# -- what the file says, into empty fields -----------------------------------------------------

#: Record fields filled from a file: embedded field -> catalog field.
_FROM_FILE = {
    "title": "title",
    "creator": "maker",
    "description": "description",
    "rights": "rights",
    "credit": "credit_line",
    "date_created": "date",
}


@dataclass
class _Filled:
    """What one file put into its item: fields and keywords, for history and the report."""

    path: Path
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    keywords_before: list[str] = field(default_factory=list)
    keywords_after: list[str] = field(default_factory=list)
    found: dict[str, EmbeddedField] = field(default_factory=dict)  # catalog field -> reading

    @property
    def sources(self) -> dict[str, str]:
        """Each filled field and the block it came from."""
        return {name: reading.source for name, reading in self.found.items()}

    @property
    def disagreements(self) -> dict[str, dict[str, str]]:
        """What other blocks said for the filled fields, where they disagreed."""
        return {name: dict(r.others) for name, r in self.found.items() if r.others}

    @property
    def note(self) -> str | None:
        """The history note: which block each field came from, and what others said."""
        if not self.found:
            return None
        by_block: dict[str, list[str]] = {}
        for name, reading in self.found.items():
            by_block.setdefault(reading.source, []).append(ITEM_FIELD_WORDS.get(name, name))
        parts = [f"{_words(names)} from its {block}" for block, names in by_block.items()]
        said = [
            f"{block} said {_quoted(text)} for the {ITEM_FIELD_WORDS.get(name, name)}"
            for name, reading in self.found.items()
            for block, text in reading.others
        ]
        note = f"read from the file {display_name(self.path.name)}: " + "; ".join(parts)
        return note + ("; " + "; ".join(said) if said else "")


def _words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _quoted(text: str) -> str:
    return f"'{text}'" if len(text) <= 60 else f"'{text[:59]}…'"


def _object_date(reading: EmbeddedField | None, embedded: EmbeddedMetadata) -> EmbeddedField | None:
    """The object's date a file gives, or None. An item's date is the object's: the IPTC
    "Artwork or Object" date when the file has one; otherwise the file's Date Created, unless
    that is only the camera's clock (EXIF DateTimeOriginal, or an XMP/IIM copy of it, as
    Lightroom makes): a photograph of a 1790 print taken today must not date the print."""
    if embedded.object_day:
        return EmbeddedField("date_created", (embedded.object_day,), OBJECT_SOURCE)
    if reading is None:
        return None
    if reading.source != EXIF:
        return None if reading.value == embedded.capture_day else reading
    # The MWG lets the camera's EXIF date win; a different XMP or IIM date is a person's.
    for block, text in reading.others:
        if block != EXIF and text != embedded.capture_day:
            return EmbeddedField("date_created", (text,), block)
    return None


def _fill_from_file(session, item: Item, analysis: Analysis, *, created: bool) -> _Filled:
    """Put what the file says into the item's EMPTY fields (and its file-name title), and add
    its keywords (a union, compared case-insensitively). Returns what was filled."""
    done = _Filled(analysis.path)
    embedded = analysis.embedded
    if not embedded.fields:
        return done
    for name, column in _FROM_FILE.items():
        reading = embedded.get(name)
        if reading is None and not (column == "date" and embedded.object_day):
            continue
        if column == "date":
            reading = _object_date(reading, embedded)
            if reading is None:
                continue
        current = getattr(item, column)
        value = reading.value
        if current == value:
            continue
        if current not in (None, "") and not (
            column == "title" and _title_is_file_name(session, item, analysis.path, created)
        ):
            continue  # the registrar's value, never overwritten
        done.before[column], done.after[column] = current, value
        done.found[column] = reading
        setattr(item, column, value)
    reading = embedded.get("keywords")
    if reading is not None:
        have = [row.keyword for row in item.keyword_rows]
        folded = {fold(k) for k in have}
        added = []
        for text in reading.values:
            try:
                keyword = clean_keyword(text)
            except InvalidValue:
                continue  # the reader already keeps keywords within the same rules
            if fold(keyword) not in folded:
                folded.add(fold(keyword))
                added.append(keyword)
                item.keyword_rows.append(ItemKeyword(keyword=keyword, folded=fold(keyword)))
        if added:
            done.keywords_before, done.keywords_after = have, have + added
            done.found["keywords"] = reading
    return done


def _title_is_file_name(session, item: Item, path: Path, created: bool) -> bool:
    """Whether the item's title is only the file name an import gave it (replaceable), not
    one a person typed or a catalog brought.

    True for an item this import creates. For an existing item: its title is the name of this
    file or of one of its files, it was created in the same transaction as one of its files
    was imported (so by a file import, not by hand or from a catalog), and no later change
    set its title.
    """
    if created:
        return True
    names = {clean_text(display_name(path.stem))}
    names |= {clean_text(display_name(file_path(a.path).stem)) for a in item.assets}
    if item.title not in names:
        return False
    rows = session.execute(
        select(
            HistoryEntry.entity, HistoryEntry.action, HistoryEntry.at, HistoryEntry.after_json
        ).where(HistoryEntry.item_id == item.id)
    ).all()
    created_at = {r.at for r in rows if r.entity == "item" and r.action == "create"}
    imported_at = {r.at for r in rows if r.entity == "asset" and r.action == "import"}
    if not created_at & imported_at:
        return False
    for row in rows:
        if row.entity == "item" and row.action == "update" and row.after_json:
            try:
                if "title" in json.loads(row.after_json):
                    return False
            except ValueError:
                return False
    return True


def _fill_existing(store: Store, session, history, placed, filled: dict[int, _Filled]) -> None:
    """Fill existing items (the one asked for, or found by accession number) from their new
    files: one "update" entry for the fields and one "tag" entry for the keywords, each
    undoable, with the note saying where the values came from."""
    existing = [(a, item) for a, item in placed if id(a) not in filled and a.embedded.fields]
    if not existing:
        return
    with store.search_index.updating(session, {item.id for _a, item in existing}):
        for analysis, item in existing:
            done = _fill_from_file(session, item, analysis, created=False)
            filled[id(analysis)] = done
            if done.after:
                item.updated_at = now()
                history.record(
                    Change.for_item(
                        item_id=item.id,
                        action="update",
                        before=done.before,
                        after=done.after,
                        note=done.note,
                    )
                )
            if done.keywords_after:
                history.record(
                    Change.for_item(
                        item_id=item.id,
                        action="tag",
                        before={"keywords": done.keywords_before},
                        after={"keywords": done.keywords_after},
                        note=done.note,
                    )
                )
