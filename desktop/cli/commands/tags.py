"""`credence vocab import | list` and `credence tag`: controlled vocabularies and tagging."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `vocab` and `tag` verbs."""
    vocab = verbs.add_parser("vocab", help="controlled vocabularies (SKOS)")
    actions = vocab.add_subparsers(dest="vocab_verb", metavar="ACTION", required=True)
    p = actions.add_parser(
        "import", help="import a SKOS file (Turtle, RDF/XML, N-Triples, JSON-LD, TriG)"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_vocab_import)
    p = actions.add_parser("list", help="list imported vocabularies")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_vocab_list)
    p = verbs.add_parser("tag", help="add or remove keywords and subjects on items")
    p.add_argument("items", metavar="ITEM", nargs="+")
    p.add_argument("--add", metavar="KEYWORD", action="append", default=[])
    p.add_argument("--remove", metavar="KEYWORD", action="append", default=[])
    p.add_argument("--subject", metavar="URI", action="append", default=[])
    p.add_argument("--unsubject", metavar="URI", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_tag)


def run_vocab_import(lib: Library, args: Namespace) -> int:
    """Import the file; say what it held."""
    report = lib.import_vocabulary(args.file)
    if args.json:
        emit_json(report.to_dict())
        return EXIT_OK
    for scheme in report.schemes:
        say(f"{scheme.title or scheme.uri}: {scheme.concepts:,} concepts ({scheme.uri})")
    say(
        f"{report.concepts:,} concepts read ({report.new:,} new, {report.updated:,} updated), "
        f"{report.labels:,} labels, {report.links:,} broader links"
    )
    if report.skipped_links:
        say(f"{report.skipped_links:,} broader links name a concept not imported; left out")
    return EXIT_OK


def run_vocab_list(lib: Library, args: Namespace) -> int:
    """One line per imported vocabulary."""
    vocabularies = lib.vocabularies()
    if args.json:
        emit_json([v.to_dict() for v in vocabularies])
        return EXIT_OK
    for v in vocabularies:
        say(f"{v.title or v.uri}: {v.concepts:,} concepts ({v.uri}), from {v.source}")
    return EXIT_OK


def run_tag(lib: Library, args: Namespace) -> int:
    """Tag the items; say which changed."""
    report = lib.tag(
        args.items,
        add=args.add,
        remove=args.remove,
        subjects=args.subject,
        unsubjects=args.unsubject,
    )
    if args.json:
        emit_json(report.to_dict())
    else:
        if report.changed:
            say(f"tagged {len(report.changed)}: {', '.join(report.changed)}")
        if report.unchanged:
            say(f"unchanged {len(report.unchanged)}: {', '.join(report.unchanged)}")
    for ref in report.not_found:
        say(f"credence: no item {ref!r} (nothing tagged there)", file=sys.stderr)
    return EXIT_REJECTED if report.not_found else EXIT_OK
