"""What a hand-off (a BagIt bag, a IIIF folder) takes, and the one way it is written.

A hand-off carries the signed exports that still say what the record says, never anything
else: no original, no file signed from an older record. For each chosen item the newest export
of each of its images is taken when it is current (not stale), still on disk and still the
bytes that were signed (its SHA-256). Everything else is left out with one sentence saying
why and what to do (export it again); nothing is exported, signed or changed on the way.

The folder is built as a hidden temporary folder beside the target and moved onto it in one
rename when complete, so the target is either absent (or the empty folder it was) or the whole
hand-off: a crash or a cancel leaves no half bag behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from provenance.domain.errors import InvalidValue, LibraryError, NotFound
from provenance.domain.handoff import LeftOut, safe_file_name
from provenance.domain.text import file_path, path_text
from provenance.domain.views import ExportRecordView, ItemView, SearchFilters
from provenance.media.output import TEMP_SUFFIX, OutputRefused, OutputRun, sync_folder
from provenance.media.probe import RejectedFile, open_regular
from provenance.store import items as stored_items
from provenance.store import reading
from provenance.store.store import Store

_CHUNK = 1 << 20


@dataclass(frozen=True)
class CurrentExport:
    """One signed export of an item that may be handed on."""

    item: ItemView
    record: ExportRecordView
    path: Path  # where the signed file is

    @property
    def label(self) -> str:
        """How a person names the item."""
        return item_label(self.item)


def item_label(item: ItemView) -> str:
    """Accession number (or #id) and title, as messages name an item."""
    return f"{item.accession or '#' + str(item.id)}" + (f" ({item.title})" if item.title else "")


def select_item_ids(
    store: Store, refs: Sequence[str | int], search: str | None, everything: bool
) -> list[int]:
    """The ids of the items named by `refs`, found by `search`, or all (exactly one of the
    three), in the order given (catalog order for a search or all), each once."""
    if sum((bool(refs), search is not None, everything)) != 1:
        raise InvalidValue("say which items: ITEM..., --search TEXT or --all")
    if everything:
        found = stored_items.list_items(
            store, None, SearchFilters(), limit=None, offset=0, details=False
        )
        ids = [i.id for i in found]
    elif search is not None:
        found = stored_items.list_items(
            store, search, SearchFilters(), limit=None, offset=0, details=False
        )
        ids = [i.id for i in found]
    else:
        ids = [reading.get_item(store, ref).id for ref in refs]
    if not ids:
        raise NotFound("no item matches; nothing was written")
    return list(dict.fromkeys(ids))


def current_exports(
    store: Store, item_ids: Sequence[int]
) -> tuple[list[CurrentExport], list[LeftOut]]:
    """For each item, the newest export of each of its images when it may be handed on; and
    the items (or images) left out, each with its reason."""
    taken: list[CurrentExport] = []
    left: list[LeftOut] = []
    for item_id in item_ids:
        item = reading.get_item(store, item_id)
        label = item_label(item)
        records = reading.exports_of(store, item_id)  # newest first
        if not records:
            reason = (
                "has no image to hand on"
                if not item.assets
                else "has never been exported; sign it first with `credence export`"
            )
            left.append(LeftOut(label, reason))
            continue
        newest: dict[object, ExportRecordView] = {}
        for record in records:
            newest.setdefault(record.asset_id or ("path", record.path), record)
        for record in newest.values():
            problem = _export_problem(record)
            if problem is None:
                taken.append(CurrentExport(item, record, file_path(record.path)))
            else:
                left.append(LeftOut(label, problem))
    return taken, left


def _export_problem(record: ExportRecordView) -> str | None:
    shown = path_text(file_path(record.path))
    if record.stale:
        why = f" ({record.stale_reason})" if record.stale_reason else ""
        return (
            f"its newest export {shown} is stale{why}; export it again so the copy handed on "
            "says what the record says"
        )
    path = file_path(record.path)
    if not path.exists():
        return f"its export {shown} is no longer there; export it again"
    try:
        digest = sha256_of(path)
    except (OSError, RejectedFile) as exc:
        return f"its export {shown} cannot be read ({exc}); export it again"
    if digest != record.sha256:
        return (
            f"its export {shown} has changed since it was signed (its SHA-256 differs); "
            "export it again"
        )
    return None


def sha256_of(path: Path) -> str:
    """The SHA-256 of a regular file (never a pipe or device)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_export(export: CurrentExport, dest: Path) -> str:
    """Copy the signed file to `dest` (a new file inside the hand-off being built) and return
    the SHA-256 of what was copied; raise LibraryError if it is not what was signed."""
    digest = hashlib.sha256()
    with open_regular(export.path) as source, open(dest, "xb") as target:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())
    if digest.hexdigest() != export.record.sha256:
        dest.unlink()
        raise LibraryError(
            f"the export {path_text(export.path)} changed while it was being copied; "
            "export it again"
        )
    return digest.hexdigest()


class UniqueNames:
    """File names inside one folder of a hand-off, each used once (compared without case, as
    on the USB drives and Windows shares hand-offs travel on)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, name: str, fallback: str = "file") -> str:
        """`name` made safe, numbered `-2`, `-3`... when it is already taken."""
        name = safe_file_name(name, fallback)
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        candidate, number = name, 2
        while candidate.casefold() in self._used:
            candidate = f"{stem}-{number}.{ext}" if ext else f"{stem}-{number}"
            number += 1
        self._used.add(candidate.casefold())
        return candidate


def target_problem(out: Path, run: OutputRun) -> str | None:
    """Why a hand-off may not be written at `out` (a plain sentence), or None: it must be a
    new or empty folder, outside the library folder, and not a folder of originals."""
    try:
        str(out).encode("utf-8")
    except UnicodeEncodeError:
        return f"the folder name {path_text(out)} is not valid text; choose a plain name"
    if run.inside_library(out):
        return (
            f"{out} {run.library_place(out)}; Credence never writes hand-offs among its own "
            "files. Choose a folder outside the library"
        )
    if os.path.lexists(out) and run.original_at(out):
        return f"{out} is an imported original; originals are never changed. Choose a folder"
    if out.is_symlink():
        return f"{out} is a symbolic link; give the folder itself, or a new folder"
    if out.exists() and not out.is_dir():
        return f"{out} is a file, not a folder; give a new folder for the hand-off"
    if run.folder_holds_originals(out):
        return (
            f"{out} holds imported originals; choose a new, empty folder (originals are "
            "never changed)"
        )
    if out.is_dir():
        try:
            with os.scandir(out) as entries:
                if next(entries, None) is not None:
                    return (
                        f"{out} is not empty; give a new or empty folder (nothing already "
                        "there is replaced)"
                    )
        except OSError as exc:
            return f"{out} cannot be read ({exc.strerror}); choose another folder"
    return None


@contextmanager
def building(out: Path, run: OutputRun) -> Iterator[Path]:
    """Check `out` (OutputRefused with the plain reason), then yield a new hidden folder beside
    it to build the hand-off in. When the block ends normally every file in it is synced and
    the folder moved onto `out` in one rename; on any exception it is removed."""
    out = Path(out).expanduser().absolute()
    problem = target_problem(out, run)
    if problem is not None:
        raise OutputRefused(problem)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"cannot create the folder {out.parent}: {exc.strerror}") from exc
    staging = out.parent / f".{safe_file_name(out.name)[:80]}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        staging.mkdir(mode=0o755)
    except OSError as exc:
        raise LibraryError(f"cannot write in {out.parent}: {exc.strerror}") from exc
    try:
        yield staging
        _sync_tree(staging)
        try:
            os.rename(staging, out)  # replaces an empty folder; never a non-empty one
        except OSError as exc:
            raise LibraryError(
                f"cannot move the finished hand-off to {out} ({exc.strerror}); did something "
                "else write there meanwhile? Nothing there was changed"
            ) from exc
        sync_folder(out.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise


def _sync_tree(folder: Path) -> None:
    # Files written by helper libraries (bagit's manifests) are not synced by them: a power
    # cut after the rename must not leave a complete-looking bag with empty manifests.
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        sync_folder(Path(root))
