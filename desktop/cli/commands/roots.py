"""`credence roots add | list | set | remove | adopt`: storage roots, so every computer of a
team finds the same originals under its own folder for each root."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `roots` verb and its actions."""
    roots = verbs.add_parser(
        "roots", help="storage roots: named folders of originals, set per computer"
    )
    actions = roots.add_subparsers(dest="roots_verb", metavar="ACTION", required=True)
    p = actions.add_parser("list", help="the library's roots and where they are on this computer")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_list)
    p = actions.add_parser("add", help="add a root and set its folder on this computer")
    p.add_argument("name", metavar="NAME")
    p.add_argument("path", metavar="PATH")
    p.set_defaults(run=run_add)
    p = actions.add_parser(
        "set", help="say where a root is on this computer (moving a root is this one setting)"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("path", metavar="PATH")
    p.set_defaults(run=run_set)
    p = actions.add_parser("remove", help="remove a root no asset uses")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(run=run_remove)
    p = actions.add_parser(
        "adopt", help="add a root and store the assets already imported from under it by it"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("path", metavar="PATH")
    p.set_defaults(run=run_adopt)


def run_list(lib: Library, args: Namespace) -> int:
    """One line per root: name, folder here (or how to set it), assets under it."""
    found = lib.storage_roots()
    if args.json:
        emit_json([r.to_dict() for r in found])
        return EXIT_OK
    if not found:
        say("no storage roots yet (credence roots add NAME PATH)")
    for root in found:
        where = root.path or f"not set on this computer: credence roots set {root.name} PATH"
        say(f"{root.name}\t{where}\t{root.assets:,} asset{'' if root.assets == 1 else 's'}")
    return EXIT_OK


def run_add(lib: Library, args: Namespace) -> int:
    """Add the root."""
    root = lib.add_root(args.name, args.path)
    say(f"storage root {root.name} is {root.path} on this computer")
    return EXIT_OK


def run_set(lib: Library, args: Namespace) -> int:
    """Set the root's folder on this computer."""
    root = lib.set_root(args.name, args.path)
    say(f"storage root {root.name} is now {root.path} on this computer ({root.assets:,} assets)")
    return EXIT_OK


def run_remove(lib: Library, args: Namespace) -> int:
    """Remove the root."""
    lib.remove_root(args.name)
    say(f"storage root {args.name} removed")
    return EXIT_OK


def run_adopt(lib: Library, args: Namespace) -> int:
    """Add the root and move matching assets under it."""
    moved = lib.adopt_root(args.name, args.path)
    say(f"{moved:,} asset{'' if moved == 1 else 's'} now stored under the root {args.name}")
    return EXIT_OK
