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
    verbs.add_parser("init", help="create the library (or check it opens)").set_defaults(
        run=run_init
    )


def run_init(lib: Library, args: Namespace) -> int:
    """Opening the library created or migrated it already: say where it is."""
    say(f"Library ready at {lib.folder} ({lib.count_items():,} items)")
    return EXIT_OK
