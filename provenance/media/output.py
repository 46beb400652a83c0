"""The one output writer: every file Credence writes goes through here.

Two layers:

- The atomic primitive (`temp_beside`, `publish`, `atomic_path`, `write_atomic`): the bytes go
  to a hidden temporary file in the target folder, are synced to disk, and the temporary file is
  moved onto the final name (`os.replace`, or a hard link when an existing file must never be
  replaced). A crash leaves either the old state or the new one, and a failure removes the
  temporary file. The core's own files (keys, database backups, XMP rewrites) use this layer.

- The guarded run (`OutputRun`) for every file written *for the user*: signed exports, the
  catalog CSV, labels, the trust bundle, backups. A run refuses a target that is, or is a
  symbolic or hard link to, an imported original (compared by resolved path and by device and
  inode), anything inside the library folder, or a name another output of the same run already
  claimed. Batches whose names are chosen by Credence (exports) ask the run for a free name
  instead; see `OutputRun.free_name` for the rule about replacing earlier exports.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from provenance.domain.errors import CredenceError
from provenance.domain.text import file_path

#: Every temporary file of the writer ends so; `clean_temporaries` removes only these.
TEMP_SUFFIX = ".credence-tmp"
#: The longest file name (in bytes of UTF-8) that common file systems accept.
NAME_MAX_BYTES = 255
#: How much of the final name a temporary name keeps (so it never gets too long itself).
_TEMP_NAME_KEEP = 120


class OutputRefused(CredenceError):
    """A target would overwrite an original, a library file or another output of the run."""


@contextmanager
def _refused_by_the_file_system(target: Path) -> Iterator[None]:
    """A name the file system refuses (too long, a read-only folder) as one plain sentence."""
    try:
        yield
    except FileExistsError:
        raise
    except OSError as error:
        raise OutputRefused(f"cannot write {target}: {error.strerror or error}") from None


# -- the atomic primitive ---------------------------------------------------------------------


def temp_name(dest: Path) -> Path:
    """A fresh hidden temporary name beside `dest` (not created)."""
    import secrets  # here: with hmac and hashlib it would cost every command's start-up

    kept = os.fsencode(dest.name)[:_TEMP_NAME_KEEP]
    base = os.fsdecode(kept) if kept else "output"
    return dest.with_name(f".{base}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def temp_beside(dest: Path, *, mode: int = 0o666) -> Path:
    """Create an empty temporary file beside `dest` with `mode` (O_EXCL) and return its path.

    The mode is given to `os.open` itself, so a secret is never readable by others, not even
    between creating and chmod-ing the file. The process's umask applies, as for any file a
    program creates: by default (0o666) a label or an export is as readable as the user's
    other documents (0644 with umask 022, 0664 with 002 on a shared drive); keys pass 0o600.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _attempt in range(8):
        temp = temp_name(dest)
        try:
            os.close(os.open(temp, flags, mode))
        except FileExistsError:
            continue
        return temp
    raise FileExistsError(f"cannot create a temporary file beside {dest}")


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable, where the platform can sync a directory."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    temp: Path,
    dest: Path,
    *,
    replace: bool = True,
    synced: bool = False,
    durable: bool = True,
    folder_later: bool = False,
) -> None:
    """Move the finished temporary file `temp` onto `dest`; `temp` is gone afterwards.

    The contents are synced first (skip with `synced=True` when the writer already did). With
    `replace=False` an existing `dest` is never replaced: the move is a hard link, which fails
    if a file appeared at `dest` meanwhile (FileExistsError). On failure `temp` is removed.
    `durable=False` skips every sync (for a cache file that can always be made again): the
    move is still atomic, so `dest` is the old file or the complete new one.
    `folder_later=True` skips only the sync of `dest`'s folder: a batch that moves many files
    into one folder calls `sync_folder` once, before it relies on the new names (records them).
    """
    try:
        if durable and not synced:
            _sync_file(temp)
        if replace:
            os.replace(temp, dest)
        else:
            _move_no_replace(temp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if durable and not folder_later:
        sync_folder(dest.parent)


def _move_no_replace(temp: Path, dest: Path) -> None:
    try:
        os.link(temp, dest)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links (FAT, some network shares): check, then rename.
        if os.path.lexists(dest):
            raise FileExistsError(17, "a file appeared there meanwhile", str(dest)) from None
        os.replace(temp, dest)
        return
    os.unlink(temp)


@contextmanager
def atomic_path(dest: Path, *, mode: int = 0o666, replace: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `dest` to write; when the block ends normally the file is
    synced and moved onto `dest`, on any exception it is removed and `dest` is untouched."""
    dest = Path(dest)
    temp = temp_beside(dest, mode=mode)
    try:
        yield temp
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    publish(temp, dest, replace=replace)


@contextmanager
def atomic_open(
    dest: Path,
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    file_mode: int = 0o666,
    durable: bool = True,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside `dest` for writing; it replaces `dest` when the block ends
    normally and is removed on any exception. `durable=False`: no fsync (see `publish`)."""
    dest = Path(dest)
    temp = temp_beside(dest, mode=file_mode)
    try:
        with open(temp, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    publish(temp, dest, synced=True, durable=durable)


def write_atomic(dest: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Write `data` to `dest` atomically (temporary file, fsync, rename)."""
    with atomic_open(dest, "wb", file_mode=mode) as handle:
        handle.write(data)


def clean_temporaries(folder: Path) -> int:
    """Remove temporary files a killed writer left in `folder` (only Credence's own)."""
    removed = 0
    with contextlib.suppress(OSError):
        for path in Path(folder).glob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


# -- names ------------------------------------------------------------------------------------


def name_problem(name: str) -> str | None:
    """Why the file system would refuse `name` as a file name, or None."""
    if "\0" in name:
        return "the file name made for it contains a NUL character"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "the file name made for it is not valid text"
    if size > NAME_MAX_BYTES:
        return (
            f"the file name made for it is {size} bytes long, more than the "
            f"{NAME_MAX_BYTES} file systems allow"
        )
    return None


def _name_key(name: str) -> str:
    # Claims compare as a case-insensitive file system would (exports often go to USB drives).
    return unicodedata.normalize("NFC", name).casefold()


def _numbered(name: str, number: int) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name}-{number}"
    return f"{stem}-{number}.{ext}"


def text_name(path: Path | str) -> str:
    """A file's name as text for messages and manifests: bytes that are not UTF-8 (surrogates
    in a Python path) are shown as U+FFFD, so printing or JSON never fails on them."""
    name = Path(path).name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# -- the guarded run --------------------------------------------------------------------------


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _resolved(path: Path) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(Path(path).expanduser()))


class OutputRun:
    """One command's outputs: guarded targets, claimed once, written atomically.

    `library_folder` and `originals` (paths of imported files) are what the run protects; an
    unguarded run (both empty) still writes atomically and never lets two outputs of the run
    claim one name. Build guarded runs with `Library.output_run()`.
    """

    def __init__(
        self,
        library_folder: Path | None = None,
        originals: Iterable[str] | Callable[[], Iterable[str]] = (),
    ) -> None:
        self._library = _resolved(library_folder) if library_folder is not None else None
        self._library_id = _identity(self._library) if self._library is not None else None
        self._originals_source = originals
        self._original_paths: set[str] | None = None
        self._original_ids: set[tuple[int, int]] | None = None
        self._claimed: dict[str, Path] = {}
        self._next_number: dict[str, int] = {}

    # what is protected

    def _paths(self) -> set[str]:
        if self._original_paths is None:
            source = self._originals_source
            found = source() if callable(source) else source
            self._original_paths = {str(_resolved(file_path(p))) for p in found}
        return self._original_paths

    def _ids(self) -> set[tuple[int, int]]:
        # Built on first need only: it costs one stat per original.
        if self._original_ids is None:
            self._original_ids = {i for p in self._paths() if (i := _identity(Path(p)))}
        return self._original_ids

    def inside_library(self, path: Path) -> bool:
        """Whether `path` (existing or not) lies inside the library folder, by resolved path or
        by a folder on the way up that is the library folder itself (bind mounts, links)."""
        if self._library is None:
            return False
        resolved = _resolved(path)
        if resolved == self._library or self._library in resolved.parents:
            return True
        if self._library_id is None:
            return False
        for folder in (resolved, *resolved.parents):
            if _identity(folder) == self._library_id:
                return True
        return False

    def library_place(self, path: Path) -> str:
        """'is the library folder X' or 'is inside the library folder X', for messages."""
        if _resolved(path) == self._library:
            return f"is the library folder {self._library}"
        return f"is inside the library folder {self._library}"

    def original_at(self, path: Path) -> bool:
        """Whether `path` is an imported original, or a symbolic or hard link to one."""
        if not self._paths():
            return False
        if str(_resolved(path)) in self._paths():
            return True
        found = _identity(path)
        return found is not None and found in self._ids()

    def folder_holds_originals(self, folder: Path) -> bool:
        """Whether `folder` directly holds an imported original (by path or by folder identity)."""
        paths = self._paths()
        if not paths:
            return False
        parents = {str(Path(p).parent) for p in paths}
        resolved = _resolved(folder)
        if str(resolved) in parents:
            return True
        folder_id = _identity(resolved)
        if folder_id is None:
            return False
        return any(_identity(Path(p)) == folder_id for p in parents)

    def refusal(self, target: Path) -> str | None:
        """The plain reason `target` may not be written, or None."""
        target = Path(target)
        if self.inside_library(target):
            return (
                f"{target} {self.library_place(target)}; Credence never writes "
                "over its own files there. Choose a file outside the library folder"
            )
        if os.path.lexists(target) and self.original_at(target):
            return (
                f"{target} is an imported original (or a link to one); originals are never "
                "changed. Choose another file name or folder"
            )
        key = _name_key(str(_resolved(target.parent) / target.name))
        if key in self._claimed:
            return f"{target} is already written by this run; choose another name"
        return None

    # claiming

    def claim(self, target: Path) -> Path:
        """Reserve `target` for this run; raise OutputRefused with the plain reason if it is an
        original, a library file, or already claimed. Returns the absolute target path."""
        target = Path(target).expanduser()
        reason = self.refusal(target)
        if reason is not None:
            raise OutputRefused(reason)
        absolute = _resolved(target.parent) / target.name
        self._claimed[_name_key(str(absolute))] = absolute
        return absolute

    def free_name(
        self, folder: Path, name: str, may_replace: Callable[[Path], bool]
    ) -> tuple[Path, bool]:
        """A target for `name` in `folder` decided once, against the disk and the whole run.

        The rule: an existing file is replaced only when `may_replace(path)` says it is this
        output's own earlier export (and it is neither an original nor a library file);
        otherwise, and for a name already claimed in this run, the next of `stem-2.ext`,
        `stem-3.ext`, ... that is free on disk and in the run is used. Returns (path, whether
        an existing file is replaced).
        """
        folder = _resolved(folder)
        taken = self._take(folder / name, may_replace)
        if taken is not None:
            return taken
        # Numbering resumes where the last clash of this name stopped: a thousand outputs
        # with one name cost a thousand checks, not half a million.
        base_key = _name_key(name)
        number = self._next_number.get(base_key, 2)
        while True:
            taken = self._take(folder / _numbered(name, number), may_replace)
            number += 1
            if taken is not None:
                self._next_number[base_key] = number
                return taken

    def _take(self, path: Path, may_replace: Callable[[Path], bool]) -> tuple[Path, bool] | None:
        key = _name_key(str(path))
        if key in self._claimed or self.inside_library(path):
            return None
        if not os.path.lexists(path):
            self._claimed[key] = path
            return path, False
        if not self.original_at(path) and may_replace(path):
            self._claimed[key] = path
            return path, True
        return None

    # writing

    @contextmanager
    def writing(self, target: Path, *, mode: int = 0o666) -> Iterator[Path]:
        """Claim `target`, then yield a temporary path to write (see `atomic_path`)."""
        absolute = self.claim(target)
        with atomic_path(absolute, mode=mode) as temp:
            yield temp

    @contextmanager
    def open(
        self,
        target: Path,
        mode: str = "wb",
        *,
        encoding: str | None = None,
        newline: str | None = None,
    ) -> Iterator[IO[Any]]:
        """Claim `target`, then yield an open temporary file (see `atomic_open`)."""
        absolute = self.claim(target)
        with atomic_open(absolute, mode, encoding=encoding, newline=newline) as handle:
            yield handle

    @contextmanager
    def writing_all(self, targets: Iterable[Path]) -> Iterator[list[Path]]:
        """Claim every target first (a refusal changes nothing), yield one temporary path per
        target, and move them all into place when the block ends normally."""
        absolute = [self.claim(t) for t in targets]
        temps: list[Path] = []
        try:
            for target in absolute:
                with _refused_by_the_file_system(target):
                    temps.append(temp_beside(target))
            yield temps
            while temps:
                target = absolute[len(absolute) - len(temps)]
                with _refused_by_the_file_system(target):
                    publish(temps[0], target)
                temps.pop(0)
        finally:
            for temp in temps:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    def write_bytes(self, target: Path, data: bytes, *, mode: int = 0o666) -> Path:
        """Claim `target` and write `data` to it atomically; returns the absolute path."""
        absolute = self.claim(target)
        write_atomic(absolute, data, mode=mode)
        return absolute
