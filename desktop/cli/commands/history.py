"""`credence history` and `credence undo`: the hash-chained record of every change."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, progress_bar, say
from desktop.cli.parsing import Verbs, whole_number
from desktop.cli.status import EXIT_OK, EXIT_REJECTED
from desktop.history_text import describe_entry

if TYPE_CHECKING:
    from provenance import Library


def register_history(verbs: Verbs) -> None:
    """Add the `history` verb (`undo` comes later in --help: see register_undo)."""
    p = verbs.add_parser("history", help="show history, or verify its hash chain")
    p.add_argument("item", nargs="?", metavar="ITEM")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_history, reads_only=True)


def register_undo(verbs: Verbs) -> None:
    """Add the `undo` verb."""
    p = verbs.add_parser("undo", help="undo the change recorded in a history entry")
    p.add_argument("seq", type=whole_number(1), metavar="ENTRY")
    p.set_defaults(run=run_undo)


def run_history(lib: Library, args: Namespace) -> int:
    """List the history (of one item, or all), or verify the chain: 1 if it is broken."""
    if args.verify:
        with progress_bar(not args.json, "entry") as progress:
            result = lib.verify_history(progress=progress)
        if args.json:
            emit_json(result.to_dict())
        elif result.ok:
            say(f"History intact: {result.checked:,} entries checked.")
        elif result.damaged:
            say(f"Library damaged: {result.reason}")
        else:
            say(f"History broken at entry {result.first_broken}: {result.reason}")
        return EXIT_OK if result.ok else EXIT_REJECTED
    entries = lib.history(args.item)
    if args.json:
        emit_json([e.to_dict() for e in entries])
        return EXIT_OK
    for e in entries:
        note = f"  [{e.note}]" if e.note else ""
        say(f"{e.seq:6}  {e.at}  {e.actor}: {describe_entry(e)}{note}")
    return EXIT_OK


def run_undo(lib: Library, args: Namespace) -> int:
    """Undo one entry; the undo is itself a new entry."""
    entry = lib.revert(args.seq)
    say(f"undone: entry {args.seq} (recorded as entry {entry.seq})")
    return EXIT_OK
