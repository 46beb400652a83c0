"""`credence capture-type`: record how the images of one or many items were made."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import Verbs, one_selection
from desktop.cli.status import EXIT_OK, EXIT_REJECTED
from provenance import CAPTURE_LABELS, capture_label

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `capture-type` verb."""
    p = verbs.add_parser(
        "capture-type",
        help="record how items' images were made (digitalCapture, negativeFilm, ...)",
        description="Record how the images of one or many items were made. It is part of the "
        "record: exports sign it as the image's digital source type (with no capture type "
        "recorded, an export claims no capture). TYPE is one of: "
        + "; ".join(f"{key} ({label})" for key, label in CAPTURE_LABELS.items())
        + "; or none to clear it.",
    )
    p.add_argument("type", metavar="TYPE", help="a capture type, or none")
    p.add_argument("items", nargs="*", metavar="ITEM", help="accession numbers or #ids")
    p.add_argument("--all", action="store_true", help="every item in the library")
    p.add_argument("--search", metavar="TEXT", help="every item matching TEXT")
    p.set_defaults(run=run_capture_type)


def run_capture_type(lib: Library, args: Namespace) -> int:
    """Set (or clear) the capture type; 1 if a named item does not exist."""
    one_selection(args)
    if args.items:
        refs: list[str | int] = list(args.items)
    else:
        refs = [i.id for i in lib.list_items(args.search if args.search else None)]
    report = lib.set_capture_type(refs, args.type)
    value = report.capture_type
    what = capture_label(value) + (f" ({value})" if value else "")
    say(f"capture type {what}: {len(report.changed)} changed, {len(report.unchanged)} already so")
    for ref in report.not_found:
        say(f"not found {ref}: no item with that accession number or id", file=sys.stderr)
    return EXIT_REJECTED if report.not_found else EXIT_OK
