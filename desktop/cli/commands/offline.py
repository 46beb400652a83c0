"""`credence checkout`, `checkin`, `conflicts` and `resolve`: work carried offline on a laptop
and checked back in without losing anyone's change.

`checkout` and `checkin` name both libraries themselves (--from, --to) and open no other.
"""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING, Any

from desktop.cli.output import emit_json, progress_bar, say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `checkout`, `checkin`, `conflicts` and `resolve` verbs."""
    p = verbs.add_parser("checkout", help="copy items into a new library to work on offline")
    p.add_argument("--from", dest="source", required=True, metavar="LIBRARY")
    p.add_argument("--to", dest="dest", required=True, metavar="PATH")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--all", action="store_true", help="every item")
    what.add_argument("--search", metavar="TEXT", help="the items a search finds")
    what.add_argument("items", nargs="*", default=[], metavar="ITEM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_checkout, own_libraries=True)

    p = verbs.add_parser("checkin", help="replay a checked-out library's work onto its team")
    p.add_argument("--from", dest="source", required=True, metavar="PATH")
    p.add_argument("--to", dest="dest", required=True, metavar="LIBRARY")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_checkin, own_libraries=True)

    p = verbs.add_parser("conflicts", help="checked-in changes that wait for a decision")
    p.add_argument("--all", action="store_true", help="resolved ones too")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_conflicts)

    p = verbs.add_parser("resolve", help="decide a conflict (recorded in history)")
    p.add_argument("conflict", type=int, metavar="CONFLICT")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--keep", choices=("mine", "theirs"))
    how.add_argument("--value", metavar="TEXT")
    p.set_defaults(run=run_resolve)


def _open(location: str, *, create: bool) -> Library:
    from provenance import open_library

    return open_library(location, create=create)


def run_checkout(_lib: None, args: Namespace) -> int:
    """Make the laptop library."""
    with _open(args.source, create=False) as team:
        report = team.checkout(args.dest, args.items, search=args.search, everything=args.all)
    if args.json:
        emit_json(report.to_dict())
        return EXIT_OK
    say(
        f"checked out {report.items:,} items ({report.events:,} events, "
        f"{report.disclosures:,} disclosures, {report.assets:,} images) to {report.folder}"
    )
    say(f"check them in with: credence checkin --from {report.folder} --to {args.source}")
    return EXIT_OK


def _conflict_line(c: Any) -> str:
    what = c.item_label or (f"#{c.item}" if c.item is not None else c.entity)
    return (
        f"conflict {c.id}: {what} {c.field}: laptop {c.ours!r}, team {c.theirs!r} "
        f"({c.reason}; {c.by}, {c.at})"
    )


def run_checkin(_lib: None, args: Namespace) -> int:
    """Check the laptop's work in; 1 when conflicts wait for a decision."""
    with _open(args.dest, create=False) as team, progress_bar(not args.json, "entries") as bar:
        report = team.checkin(args.source, progress=bar)
    if args.json:
        emit_json(report.to_dict())
    else:
        say(
            f"applied {report.applied:,} change{'' if report.applied == 1 else 's'}; "
            f"{len(report.conflicts):,} conflict{'' if len(report.conflicts) == 1 else 's'}; "
            f"{report.unchanged:,} already so; {report.already:,} checked in before"
        )
        for kind, laptop, team_id in report.new_ids:
            say(f"new {kind} {laptop} on the laptop is {kind} {team_id} in the team library")
        for entry, reason in report.skipped:
            say(f"not checked in: laptop entry {entry}: {reason}")
        for warning in report.warnings:
            say(f"warning: {warning}")
        for conflict in report.conflicts:
            say(_conflict_line(conflict))
        if report.conflicts:
            say("decide each with: credence resolve CONFLICT --keep mine|theirs (or --value TEXT)")
    return EXIT_REJECTED if report.conflicts else EXIT_OK


def run_conflicts(lib: Library, args: Namespace) -> int:
    """List conflicts."""
    found = lib.conflicts(include_resolved=args.all)
    if args.json:
        emit_json([c.to_dict() for c in found])
        return EXIT_OK
    if not found:
        say("no open conflicts")
    for conflict in found:
        line = _conflict_line(conflict)
        if conflict.state != "open":
            line += f" - {conflict.resolution} by {conflict.resolved_by}"
        say(line)
    return EXIT_OK


def run_resolve(lib: Library, args: Namespace) -> int:
    """Resolve one conflict."""
    done = lib.resolve_conflict(args.conflict, keep=args.keep, value=args.value)
    say(f"conflict {done.id} resolved: {done.resolution} ({done.field})")
    return EXIT_OK
