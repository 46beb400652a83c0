"""`credence catalog import | export | columns`: catalog CSV/JSON in, CSV out."""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop.cli.output import emit_report_json, progress_bar, say
from desktop.cli.parsing import UsageError, Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `catalog` verb and its actions."""
    catalog = verbs.add_parser("catalog", help="catalog CSV/JSON import and CSV export")
    actions = catalog.add_subparsers(dest="catalog_verb", metavar="ACTION", required=True)
    p = actions.add_parser("import", help="import a catalog CSV or JSON array")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
    p.add_argument("--key", metavar="COLUMN", help="column that identifies a record")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_catalog_import)
    p = actions.add_parser("export", help="export the catalog as CSV")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=run_catalog_export)
    p = actions.add_parser("columns", help="show a file's columns and the mapping Credence guesses")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=run_catalog_columns)


def run_catalog_export(lib: Library, args: Namespace) -> int:
    """Write the whole catalog as CSV."""
    count = lib.export_catalog(args.file)
    say(f"wrote {count:,} items to {args.file}")
    return EXIT_OK


def run_catalog_columns(lib: Library, args: Namespace) -> int:
    """Show each column of a file and the item field Credence would map it to."""
    columns, guess = lib.catalog_columns(args.file)
    by_column = {c: f for f, c in guess.items()}
    for column in columns:
        target = by_column.get(column)
        say(f"{column:32} -> {target}" if target else f"{column:32}    (kept as extra)")
    return EXIT_OK


def run_catalog_import(lib: Library, args: Namespace) -> int:
    """Import the records; rejected lines go to stderr and make the exit status 1."""
    with progress_bar(not args.json, "row") as progress:
        report = lib.import_catalog(
            args.file, mapping=parse_map(args.map), key=args.key, progress=progress
        )
    if args.json:
        emit_report_json(report)
    else:
        problems = sorted((*report.rejected, *report.left_out), key=lambda p: p.line)
        for problem in problems:
            say(f"{args.file}: line {problem.line}: {problem.reason}", file=sys.stderr)
        n = len(report.left_out)
        left_out = f", {n:,} value{'' if n == 1 else 's'} left out" if n else ""
        say(
            f"{report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {len(report.rejected):,} rejected{left_out}"
        )
    return EXIT_REJECTED if report.rejected or report.left_out else EXIT_OK


def parse_map(pairs: Sequence[str]) -> dict[str, str]:
    """--map FIELD=COLUMN options as {field: column}."""
    mapping = {}
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise UsageError(f"--map {pair!r}: write FIELD=COLUMN, e.g. --map maker=artist")
        mapping[field_name.strip()] = column.strip()
    return mapping
