"""`credence backup`: a safe copy of the library, even while it is in use."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `backup` verb."""
    p = verbs.add_parser("backup", help="copy the library safely, even while it is in use")
    p.add_argument("dest", type=Path, metavar="FOLDER")
    p.set_defaults(run=run_backup)


def run_backup(lib: Library, args: Namespace) -> int:
    """Copy the library, and remind that the originals are not inside it."""
    target = lib.backup(args.dest)
    say(f"backed up the library to {target}")
    say("  back up your original image files too: they are not inside the library")
    return EXIT_OK
