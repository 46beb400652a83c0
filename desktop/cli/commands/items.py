"""`credence items` and `credence show`: list, search and look at items."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import Verbs, whole_number
from desktop.cli.status import EXIT_OK
from provenance import CREDENTIAL_STATES, REVIEW_STATES, capture_label

if TYPE_CHECKING:
    from provenance import Library


def register_items(verbs: Verbs) -> None:
    """Add the `items` verb (`show` comes later in --help: see register_show)."""
    p = verbs.add_parser("items", help="list or search items")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--ai", dest="has_ai", action="store_true", default=None)
    p.add_argument("--no-ai", dest="has_ai", action="store_false")
    p.add_argument("--review", choices=REVIEW_STATES)
    p.add_argument("--credentials", choices=CREDENTIAL_STATES)
    p.add_argument("--not-exported", action="store_true")
    p.add_argument(
        "--stale", action="store_true", help="items whose signed export no longer matches"
    )
    p.add_argument(
        "--tag", metavar="TERM", help="a keyword, or a subject label (narrower ones included)"
    )
    p.add_argument("--limit", type=whole_number(0))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_items, reads_only=True)


def register_show(verbs: Verbs) -> None:
    """Add the `show` verb."""
    p = verbs.add_parser("show", help="show one item")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_show, reads_only=True)


def run_items(lib: Library, args: Namespace) -> int:
    """One line per matching item (the count on stderr), or the items as JSON."""
    from provenance import SearchFilters

    filters = SearchFilters(
        has_ai=args.has_ai,
        review_state=args.review,
        credential_state=args.credentials,
        not_exported=args.not_exported,
        stale=args.stale,
        tag=args.tag,
    )
    # Decided once, so the line saying it describes the order listed.
    ranked = lib.search_ranked(args.search, filters)
    items = lib.list_items(args.search, filters, limit=args.limit, details=args.json, ranked=ranked)
    if args.json:
        rows = [i.to_dict() | {"events": None} for i in items]
        if args.stale:  # which files are out of date, and why
            for row, item in zip(rows, items, strict=True):
                row["stale_exports"] = [e.to_dict() for e in lib.exports_of(item.id) if e.stale]
        emit_json(rows)
        return EXIT_OK
    for item in items:
        say(f"{item.accession or '#' + str(item.id):20} {item.title or ''}"[:120])
        if args.stale and item.stale_reason:
            say(f"{'':20} needs re-export: {item.stale_reason}")
    say(f"{len(items):,} item{'' if len(items) == 1 else 's'}", file=sys.stderr)
    if not ranked:
        say("(in the order added: too many matches to rank)", file=sys.stderr)
    return EXIT_OK


def run_show(lib: Library, args: Namespace) -> int:
    """The whole record of one item: fields, assets, events, disclosures, exports."""
    item = lib.get_item(args.item)
    if args.json:
        emit_json(item.to_dict() | {"exports": [e.to_dict() for e in lib.exports_of(item.id)]})
        return EXIT_OK
    say(f"Item #{item.id}")
    for name, value in item.fields().items():
        if value:
            say(f"  {name.replace('_', ' ') + ':':24} {value}")
    say(f"  {'capture type:':24} {capture_label(item.capture_type)}")
    if any(a.ai_found for a in item.assets):
        say(
            f"  {'AI found in file:':24} yes (its own credentials or XMP say AI made or changed it)"
        )
    if item.extra:
        say("  other fields:")
    for name, value in item.extra.items():
        say(f"    {name + ':':22} {value}")
    for asset in item.assets:
        creds = asset.credentials.get("summary") or asset.credential_state
        say(f"  asset {asset.id}: {asset.path}")
        size = f"{asset.width}x{asset.height} " if asset.width else ""
        say(f"    {asset.format} {size}sha256 {asset.sha256[:16]}...; {creds}")
    for event in item.events:
        when = f" {event.date}" if event.date else ""
        tool = f" with {event.tool}" if event.tool else ""
        say(f"  event{when}: {event.action} by {event.actor}{tool}")
    for d in item.disclosures:
        who = f" by {d.approved_by or d.reviewed_by}" if d.review_state != "draft" else ""
        tools = f" ({', '.join(d.tools)})" if d.tools else ""
        say(f"  disclosure: {d.category}{tools}, {d.review_state}{who}")
    for export in lib.exports_of(item.id):
        say(f"  export {export.id}: {export.path}")
        if export.stale:
            say(f"    stale since {export.stale_since}: {export.stale_reason}")
        else:
            say(f"    written {export.created_at}; still matches the record")
    if item.needs_reexport:
        say(f"  needs re-export: {item.stale_reason}")
    return EXIT_OK
