"""Storage roots: the library keeps their names; each computer keeps where they are.

Where a root is (``scans`` = ``/mnt/collections/scans``) is a setting of this computer, kept in
a small JSON file in the per-user configuration folder (platformdirs), keyed by the library's
id: a team library shared by several workstations (or a laptop's checked-out copy) then finds
the same originals under different folders, and moving a root is one setting, not a
re-import. `StorageRoots.original` is the one function that turns a stored asset into the file
to read: export, preview, staleness and the output guard all go through it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_config_dir

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, LibraryError, NotFound
from provenance.domain.roots import (
    RootView,
    check_root_name,
    locate_under_roots,
    resolve_original,
)
from provenance.domain.text import file_path, path_text, terminal_safe
from provenance.media.output import atomic_path

# SQLAlchemy, the ORM models and the history writer load with the functions that list or change
# roots: a store resolves paths through StorageRoots without them (a read-only command never
# loads them; `credence labels` on a local library never loads SQLAlchemy at all).
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from provenance.store.models import Asset

_FILE_NAME = "storage-roots.json"


def roots_file() -> Path:
    """This computer's storage-root settings file (per user)."""
    return Path(user_config_dir("Credence", appauthor=False)) / _FILE_NAME


class StorageRoots:
    """Where this computer finds the storage roots of one library.

    The settings file is read again whenever it changed on disk (a root set from the command
    line while the window is open counts at once).
    """

    def __init__(self, library_id: Callable[[], str], file: Path | None = None) -> None:
        self._library_id = library_id
        self._file = file
        self._cache: tuple[tuple[float, int], dict] | None = None

    @property
    def file(self) -> Path:
        """The settings file (looked up when first needed, so tests may move HOME)."""
        return self._file or roots_file()

    def _all(self) -> dict:
        try:
            stat = self.file.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise LibraryError(
                f"cannot read the storage-root settings {self.file}: {exc.strerror}"
            ) from exc
        key = (stat.st_mtime, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LibraryError(
                f"the storage-root settings {self.file} cannot be read ({exc}); fix or delete "
                "that file and set the roots again with credence roots set NAME PATH"
            ) from exc
        if not isinstance(data, dict):
            data = {}
        self._cache = (key, data)
        return data

    def paths(self) -> dict[str, str]:
        """name -> folder for this library on this computer."""
        entry = self._all().get("libraries", {}).get(self._library_id(), {})
        return {str(k): str(v) for k, v in entry.items()} if isinstance(entry, dict) else {}

    def _write(self, paths: Mapping[str, str]) -> None:
        data = dict(self._all())
        libraries = dict(data.get("libraries") or {})
        libraries[self._library_id()] = dict(sorted(paths.items()))
        data["libraries"] = libraries
        self.file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.file) as tmp:
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        self._cache = None

    def set_path(self, name: str, folder: str) -> None:
        """Remember `folder` as root `name` on this computer."""
        paths = self.paths()
        paths[name] = folder
        self._write(paths)

    def forget(self, name: str) -> None:
        """Forget where root `name` is on this computer."""
        paths = self.paths()
        if paths.pop(name, None) is not None:
            self._write(paths)

    def original(self, asset: Asset) -> Path:
        """The original file of `asset` on this computer: THE function every reader of an
        original goes through. LibraryError names the root to set when it is not set here."""
        return file_path(resolve_original(asset.root, asset.path, self.paths()))

    def original_text(self, root: str | None, path: str) -> str:
        """Like `original`, for a stored (root, path) pair, as path text."""
        return resolve_original(root, path, self.paths())

    def locate(self, path: Path) -> tuple[str | None, str]:
        """How to store the absolute file `path`: (root, relative path) under the deepest
        configured root, else (None, the absolute path text)."""
        text = path_text(path)
        if text == os.fspath(path):  # a name that is not valid text stays absolute
            found = locate_under_roots(text, self.paths())
            if found is not None:
                return found
        return None, text


def _checked_folder(folder: str) -> str:
    path = Path(folder).expanduser()
    if not path.is_absolute():
        path = path.absolute()
    try:
        found = path.is_dir()
    except OSError:  # the system cannot even look (a name too long, ...)
        found = False
    if not found:
        raise InvalidValue(f"{terminal_safe(str(path))} is not a folder on this computer")
    return str(path)


def list_roots(session: Session, roots: StorageRoots) -> list[RootView]:
    """Every root the library knows, and every root set on this computer, with asset counts."""
    from sqlalchemy import func, select

    from provenance.store.models import Asset, StorageRoot

    known = set(session.scalars(select(StorageRoot.name)))
    counts = dict(
        session.execute(
            select(Asset.root, func.count(Asset.id))
            .where(Asset.root.is_not(None))
            .group_by(Asset.root)
        ).all()
    )
    paths = roots.paths()
    names = sorted(known | set(paths) | set(counts))
    return [RootView(n, paths.get(n), counts.get(n, 0)) for n in names]


def add_root(session: Session, history, roots: StorageRoots, name: str, folder: str) -> RootView:
    """Make `name` a root of the library (recorded in history) and set it here to `folder`."""
    from provenance.store.history import Change
    from provenance.store.models import StorageRoot

    name = check_root_name(name)
    folder = _checked_folder(folder)
    if session.get(StorageRoot, name) is None:
        session.add(StorageRoot(name=name, created_at=now()))
        history.record(
            Change(entity="root", entity_id=None, item_id=None, action="add", after={"name": name})
        )
    roots.set_path(name, folder)
    return RootView(name, folder, _count(session, name))


def set_root(session: Session, roots: StorageRoots, name: str, folder: str) -> RootView:
    """Say where the library's root `name` is on this computer (a local setting only)."""
    from provenance.store.models import StorageRoot

    name = check_root_name(name)
    if session.get(StorageRoot, name) is None:
        raise NotFound(
            f"this library has no storage root named {name}; add it with "
            f"credence roots add {name} PATH"
        )
    folder = _checked_folder(folder)
    roots.set_path(name, folder)
    return RootView(name, folder, _count(session, name))


def remove_root(session: Session, history, roots: StorageRoots, name: str) -> None:
    """Remove root `name` from the library and this computer; refused while assets use it."""
    from provenance.store.history import Change
    from provenance.store.models import StorageRoot

    name = check_root_name(name)
    used = _count(session, name)
    if used:
        raise InvalidValue(
            f"{used} asset{'' if used == 1 else 's'} lie under the storage root {name}; "
            f"it stays. To move it, set its new folder: credence roots set {name} PATH"
        )
    row = session.get(StorageRoot, name)
    if row is None and name not in roots.paths():
        raise NotFound(f"this library has no storage root named {name}")
    if row is not None:
        session.delete(row)
        history.record(
            Change(
                entity="root", entity_id=None, item_id=None, action="remove", before={"name": name}
            )
        )
    roots.forget(name)


def adopt_root(session: Session, history, roots: StorageRoots, name: str, folder: str) -> int:
    """Add root `name` at `folder` and rewrite every absolute asset path under it to the root
    (one history entry per asset). Returns how many assets moved under the root."""
    from sqlalchemy import select

    from provenance.store.history import Change
    from provenance.store.models import Asset

    view = add_root(session, history, roots, name, folder)
    paths = {view.name: view.path or folder}
    moved = 0
    for asset in session.scalars(select(Asset).where(Asset.root.is_(None)).order_by(Asset.id)):
        found = locate_under_roots(asset.path, paths)
        if found is None or asset.path.startswith("file:"):
            continue
        before = {"file": asset.path}
        asset.root, asset.path = found
        history.record(
            Change(
                entity="asset",
                entity_id=asset.id,
                item_id=asset.item_id,
                action="adopt",
                before=before,
                after={"root": found[0], "file": found[1]},
            )
        )
        moved += 1
    return moved


def _count(session: Session, name: str) -> int:
    from sqlalchemy import func, select

    from provenance.store.models import Asset

    return session.scalar(select(func.count(Asset.id)).where(Asset.root == name)) or 0
