"""`credence vocab import | list` and `credence tag`: controlled vocabularies and tagging."""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import UsageError, Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `vocab` and `tag` verbs."""
    vocab = verbs.add_parser("vocab", help="controlled vocabularies (SKOS)")
    actions = vocab.add_subparsers(dest="vocab_verb", metavar="ACTION", required=True)
    p = actions.add_parser(
        "import",
        help="import a SKOS file (Turtle, RDF/XML, N-Triples, JSON-LD, TriG), or a vocabulary "
        "shipped with Credence by its name (see vocab list --available)",
    )
    p.add_argument("file", metavar="FILE|NAME", nargs="?")
    p.add_argument(
        "--builtin", metavar="NAME", help="import the vocabulary NAME shipped with Credence"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_vocab_import)
    p = actions.add_parser("list", help="list imported vocabularies")
    p.add_argument(
        "--available",
        action="store_true",
        help="list the vocabularies shipped with Credence (importable offline by name)",
    )
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
    """Import the file (or the shipped vocabulary named); say what it held."""
    if (args.file is None) == (args.builtin is None):
        raise UsageError("give a vocabulary FILE, or --builtin NAME (see vocab list --available)")
    if args.builtin is not None:
        report = lib.import_shipped_vocabulary(args.builtin)
    elif not _is_here(args.file) and args.file in _shipped_names(lib):
        report = lib.import_shipped_vocabulary(args.file)  # a name, not a file here
    else:
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


def _is_here(name: str) -> bool:
    """Whether `name` is something on this computer; False when the system cannot even look
    (a name too long, ...: pathlib raises OSError): reading it then says why."""
    try:
        return Path(name).exists()
    except OSError:
        return False


def run_vocab_list(lib: Library, args: Namespace) -> int:
    """One line per imported vocabulary (with --available: per shipped vocabulary)."""
    if args.available:
        shipped = lib.shipped_vocabularies()
        if args.json:
            emit_json([v.to_dict() for v in shipped])
            return EXIT_OK
        for v in shipped:
            state = "imported" if v.imported else f"credence vocab import {v.name}"
            say(
                f"{v.name}: {v.title}, {v.concepts:,} concepts, {', '.join(v.languages)} "
                f"({v.licence}) [{state}]"
            )
            say(f"    {v.description}")
        return EXIT_OK
    vocabularies = lib.vocabularies()
    if args.json:
        emit_json([v.to_dict() for v in vocabularies])
        return EXIT_OK
    for v in vocabularies:
        say(f"{v.title or v.uri}: {v.concepts:,} concepts ({v.uri}), from {v.source}")
    return EXIT_OK


def _shipped_names(lib: Library) -> set[str]:
    return {v.name for v in lib.shipped_vocabularies()}


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
