"""`credence settings`: show or change the institution settings."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import UsageError, Verbs
from desktop.cli.status import EXIT_OK

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `settings` verb."""
    p = verbs.add_parser("settings", help="show or change institution settings")
    p.add_argument("changes", nargs="*", metavar="KEY=VALUE")
    p.set_defaults(run=run_settings)


def run_settings(lib: Library, args: Namespace) -> int:
    """Apply KEY=VALUE changes, if any, then show every setting."""
    if args.changes:
        changes = {}
        for pair in args.changes:
            key, sep, value = pair.partition("=")
            if not sep:
                raise UsageError(f"{pair!r}: write KEY=VALUE, e.g. reviewer_display=role")
            changes[key.strip()] = value.strip()
        settings = lib.update_settings(changes)
    else:
        settings = lib.settings()
    for key, value in settings.to_dict().items():
        say(f"{key} = {value}")
    return EXIT_OK
