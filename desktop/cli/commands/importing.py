"""`credence import`: image files and folders into the library."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import emit_report_json, progress_bar, say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED
from desktop.history_text import fields_read_words, from_file_words
from provenance import CAPTURE_LABELS

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `import` verb."""
    p = verbs.add_parser("import", help="import image files and folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--item", help="attach every file to this item (accession or id)")
    p.add_argument(
        "--capture-type",
        metavar="TYPE",
        help="how the images were made, recorded on the items this import creates "
        f"(default: the capture_type_default setting): {', '.join(CAPTURE_LABELS)}",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_import)


def run_import(lib: Library, args: Namespace) -> int:
    """Import, then list what was imported, duplicated and rejected; 1 if any was rejected."""
    with progress_bar(not args.json, "file") as progress:
        report = lib.import_files(
            args.paths, item=args.item, capture_type=args.capture_type, progress=progress
        )
    if args.json:
        emit_report_json(report)
    else:
        for f in report.imported:
            state = f.credentials.get("state", "none")
            say(f"imported  {f.file} -> {f.item} (credentials: {state})")
            if f.from_file:
                say(f"          from the file: {from_file_words(f)}")
            for warning in f.warnings:
                say(f"          note: {warning}")
        for d in report.duplicates:
            say(f"duplicate {d.file}: same file as {d.same_as} ({d.item})")
        for r in report.rejected:
            say(f"rejected  {r.file}: {r.reason}")
        say(
            f"{len(report.imported)} imported, {len(report.duplicates)} duplicates, "
            f"{len(report.rejected)} rejected; {fields_read_words(report)}"
        )
    return EXIT_REJECTED if report.rejected else EXIT_OK
