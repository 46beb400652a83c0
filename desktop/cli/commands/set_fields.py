"""`credence set`: give one or many items the same catalog field values (a bulk edit)."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import UsageError, Verbs, one_selection
from desktop.cli.status import EXIT_OK, EXIT_REJECTED
from provenance import BULK_FIELDS, ITEM_FIELD_WORDS

if TYPE_CHECKING:
    from provenance import Library


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


#: The fields as --clear takes them (object-type, maker-dates, ...).
_NAMES = ", ".join(field.replace("_", "-") for field in BULK_FIELDS)


def register(verbs: Verbs) -> None:
    """Add the `set` verb."""
    p = verbs.add_parser(
        "set",
        help="give items the same catalog field values (object type, dimensions, ...)",
        description="Give one or many items the same catalog field values, in one step: each "
        "item that changes gets one history entry (undo it with `credence undo`). An empty "
        "value or --clear FIELD empties a field. --dry-run lists every change (item, field, "
        "before -> after) and writes nothing. The accession number names one object and is "
        "never set in bulk.",
    )
    p.add_argument("items", nargs="*", metavar="ITEM", help="accession numbers or #ids")
    p.add_argument("--all", action="store_true", help="every item in the library")
    p.add_argument("--search", metavar="TEXT", help="every item matching TEXT")
    for field in BULK_FIELDS:
        p.add_argument(
            _flag(field), dest=f"field_{field}", metavar="TEXT", help=ITEM_FIELD_WORDS[field]
        )
    p.add_argument(
        "--clear",
        action="append",
        default=[],
        metavar="FIELD",
        help=f"empty this field (repeat for more): {_NAMES}",
    )
    p.add_argument("--dry-run", action="store_true", help="list the changes; write nothing")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(run=run_set)


def chosen_fields(args: Namespace) -> dict[str, str | None]:
    """The fields named on the command line and their values (None: clear)."""
    fields: dict[str, str | None] = {}
    for name in args.clear:
        field = name.strip().lstrip("-").replace("-", "_")
        if field not in BULK_FIELDS:
            raise UsageError(f"--clear {name}: not a catalog field; fields are {_NAMES}")
        fields[field] = None
    for field in BULK_FIELDS:
        value = getattr(args, f"field_{field}")
        if value is not None:
            fields[field] = value or None
    if not fields:
        raise UsageError("name at least one field to set, e.g. --object-type photograph")
    return fields


def run_set(lib: Library, args: Namespace) -> int:
    """Set the fields; 1 if a named item does not exist (the others still change)."""
    one_selection(args)
    fields = chosen_fields(args)
    if args.items:
        refs: list[str | int] = list(args.items)
    else:
        refs = [i.id for i in lib.list_items(args.search if args.search else None)]
    report = lib.update_items(refs, fields, dry_run=args.dry_run)
    if args.json:
        emit_json(report.to_dict())
    else:
        for change in report.changes:
            before = change.before if change.before else "(empty)"
            after = change.after if change.after else "(empty)"
            say(f"{change.item}: {ITEM_FIELD_WORDS[change.field]} {before} -> {after}")
        verb = "would change" if args.dry_run else "changed"
        say(
            f"{len(report.changed)} items {verb}, {len(report.unchanged)} already so",
            file=sys.stderr,
        )
    for ref in report.not_found:
        say(f"not found {ref}: no item with that accession number or id", file=sys.stderr)
    return EXIT_REJECTED if report.not_found else EXIT_OK
