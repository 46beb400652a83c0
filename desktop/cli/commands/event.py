"""`credence event add`: record a provenance event."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `event` verb and its action."""
    event = verbs.add_parser("event", help="provenance events")
    actions = event.add_subparsers(dest="event_verb", metavar="ACTION", required=True)
    p = actions.add_parser("add", help="record a provenance event")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--action", required=True, help="e.g. acquired, digitised, restored")
    p.add_argument("--actor", required=True, metavar="NAME")
    p.add_argument("--date", metavar="EDTF", help="e.g. 1890, 1890~, 189X, 1890/1900")
    p.add_argument("--place")
    p.add_argument("--source", help="source or citation")
    p.add_argument("--tool", metavar="NAME", help="registered AI tool involved")
    p.add_argument("--note")
    p.set_defaults(run=run_event_add)


def run_event_add(lib: Library, args: Namespace) -> int:
    """Record the event on the item."""
    event = lib.add_event(
        args.item,
        args.action,
        args.actor,
        date=args.date,
        place=args.place,
        source=args.source,
        note=args.note,
        tool=args.tool,
    )
    say(f"event {event.id} recorded: {event.action} by {event.actor}")
    return EXIT_OK
