"""`credence init`: create the library, or check that it opens."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `init` verb."""
    parser = verbs.add_parser(
        "init",
        help="create the library (or check it opens); a postgresql:// URL creates a team "
        "library's schema in that database",
    )
    parser.add_argument(
        "location",
        nargs="?",
        metavar="PATH_OR_URL",
        help="the library folder, or postgresql://user@host/database (the same as --library; "
        "the password from ~/.pgpass or PGPASSWORD, never stored by Credence)",
    )
    parser.set_defaults(run=run_init)


def run_init(lib: Library, args: Namespace) -> int:
    """Opening the library created or migrated it already: say where it is."""
    if lib.team:
        say(
            f"Team library ready at {lib.location} ({lib.count_items():,} items); you write "
            f"as {lib.actor}; this computer's files for it are in {lib.folder}"
        )
        return EXIT_OK
    say(f"Library ready at {lib.folder} ({lib.count_items():,} items)")
    return EXIT_OK
