"""Backing up a library while it is in use: the database through SQLite's online backup API,
the identity folder (keys stay encrypted) copied as is."""

from __future__ import annotations

import shutil
from pathlib import Path

from provenance.domain.clock import now
from provenance.domain.errors import LibraryError
from provenance.media.output import OutputRefused, OutputRun
from provenance.store.engine import backup_database
from provenance.store.store import DB_NAME, Store


def backup(store: Store, dest: Path, run: OutputRun, identity_dir: Path) -> Path:
    """Copy the library to a new folder inside `dest`; returns the new folder.

    Thumbnails are left out: they are rebuilt. A `dest` inside the library is refused.
    """
    stamp = now().replace(":", "").replace("-", "").replace("+0000", "Z")
    folder = dest.expanduser()
    target = folder / f"{store.folder.name}-backup-{stamp}"
    if run.inside_library(folder):
        raise OutputRefused(
            f"{folder} {run.library_place(folder)}; a backup kept there is "
            "lost with the library. Choose a folder outside it (another disk is best)"
        )
    run.claim(target)
    try:
        target.mkdir(parents=True, exist_ok=False)
        backup_database(store.folder / DB_NAME, target, "copy").replace(target / DB_NAME)
        if identity_dir.is_dir():
            shutil.copytree(identity_dir, target / "identity")
    except OSError as exc:
        raise LibraryError(f"cannot write the backup to {target}: {exc.strerror}") from exc
    return target
