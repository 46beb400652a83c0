"""Storage roots: a name for a folder of originals (``scans`` = ``/mnt/collections/scans`` on one
computer, ``S:\\scans`` on another), so every member of a team resolves the same original.

An asset under a root stores the root's name and its path relative to the root, always with
``/`` between the parts, whatever the computer that imported it. Where each root is, is a setting
of each computer. Pure rules only; the settings file is kept by provenance.store.roots.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

from provenance.domain.errors import InvalidValue, LibraryError
from provenance.domain.text import terminal_safe

#: A root name: a letter or digit first, then letters, digits, "-", "_" or "." (it is typed on
#: command lines and shown in sentences, so nothing that needs quoting).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def check_root_name(name: str) -> str:
    """The root name, stripped; InvalidValue with the rule when it cannot be one."""
    text = (name or "").strip()
    if not _NAME.match(text):
        raise InvalidValue(
            f"{terminal_safe(text)!r} cannot name a storage root: use letters, digits, "
            "'-', '_' or '.', starting with a letter or digit (for example scans)"
        )
    return text


def root_not_set(name: str) -> str:
    """The sentence for a root this computer has no folder for."""
    return f"the storage root `{name}` is not set on this computer: credence roots set {name} PATH"


def relative_parts(relative: str) -> list[str]:
    """The parts of a stored relative path; InvalidValue for one that would leave its root."""
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise InvalidValue(f"{terminal_safe(relative)!r} is not a path inside a storage root")
    return parts


def join_root(folder: str, relative: str) -> Path:
    """The file `relative` (stored with "/") names under the root folder `folder`."""
    return Path(folder).joinpath(*relative_parts(relative))


def resolve_original(root: str | None, path: str, roots: Mapping[str, str]) -> str:
    """The absolute path text of an original stored as (`root`, `path`) on this computer.

    Without a root the stored path is already absolute (as `path_text` spells it). A root
    this computer has no folder for raises LibraryError with the sentence that says how to set
    it.
    """
    if root is None:
        return path
    folder = roots.get(root)
    if folder is None:
        raise LibraryError(root_not_set(root))
    return str(join_root(folder, path))


def locate_under_roots(path: str, roots: Mapping[str, str]) -> tuple[str, str] | None:
    """(root name, relative path with "/") of an absolute `path` inside one of `roots` (the
    deepest root wins when roots nest), or None when it lies under none of them.

    Compared part by part (``/scans2`` is not inside ``/scans``), and without case on Windows.
    """
    best: tuple[int, str, str] | None = None
    mine = _parts(path)
    for name, folder in roots.items():
        base = _parts(folder)
        inside = len(mine) > len(base) and _same(mine[: len(base)], base)
        if inside and (best is None or len(base) > best[0]):
            best = (len(base), name, "/".join(mine[len(base) :]))
    return None if best is None else (best[1], best[2])


def _parts(path: str) -> list[str]:
    flavour = ntpath if os.name == "nt" else posixpath
    return list(PurePath(flavour.normpath(os.path.abspath(path))).parts)


def _same(a: list[str], b: list[str]) -> bool:
    if os.name == "nt":
        return [p.casefold() for p in a] == [p.casefold() for p in b]
    return a == b


@dataclass(frozen=True)
class RootView:
    """A storage root: its name, its folder on this computer (None: not set here) and how many
    assets of the library lie under it."""

    name: str
    path: str | None
    assets: int

    def to_dict(self) -> dict[str, object]:
        """The JSON shape."""
        return {"name": self.name, "path": self.path, "assets": self.assets}
