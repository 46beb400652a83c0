"""`credence export`: signed copies of items' images."""

from __future__ import annotations

from argparse import Namespace
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import emit_report_json, progress_bar, refused_line, say, warn
from desktop.cli.parsing import UsageError, Verbs, whole_number
from desktop.cli.passphrase import passphrase
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library

#: Most export worker processes one command may start.
MAX_JOBS = 256
#: A note shared by more files than this is said once at the end, with its count.
SAY_INLINE = 3


def register(verbs: Verbs) -> None:
    """Add the `export` verb."""
    p = verbs.add_parser("export", help="write signed copies of items' images")
    p.add_argument("items", nargs="*", metavar="ITEM")
    p.add_argument("--all", action="store_true", help="every item that has an image")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.add_argument(
        "--jobs",
        type=whole_number(1, MAX_JOBS),
        metavar="N",
        help="worker processes (default: cores)",
    )
    p.add_argument("--caption", action="store_true", help="burn the disclosure into a strip")
    p.add_argument("--allow-unreviewed", action="store_true")
    p.add_argument("--naming", metavar="PATTERN", help="e.g. {accession}-{stem}.{ext}")
    p.add_argument("--passphrase-file", type=Path, metavar="F")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_export, begin=begin_export)


def begin_export(args: Namespace) -> None:
    """Before the library opens: when several files will be signed by worker processes, start
    what they fork from now, on another core (see `warm_export_workers`)."""
    if args.all or len(args.items) > 1:
        from provenance import warm_export_workers

        warm_export_workers(args.jobs)


def run_export(lib: Library, args: Namespace) -> int:
    """Sign and write the exports; 1 if any item was refused or failed."""
    if bool(args.items) == bool(args.all):
        raise UsageError("name the ITEMs to export, or --all (not both)")
    info = lib.identity_info()
    if info is not None and info.expiry_warning():
        warn(info.expiry_warning())
    with progress_bar(not args.json, "file") as progress:
        report = lib.export(
            None if args.all else args.items,
            args.out,
            passphrase=passphrase(args),
            jobs=args.jobs,
            caption=args.caption,
            allow_unreviewed=args.allow_unreviewed,
            naming=args.naming,
            progress=progress,
        )
    if args.json:
        emit_report_json(report)
    else:
        # A note most files share ("capture type unrecorded") is said once, with its count,
        # so a thousand-file export does not print it a thousand times.
        counts = Counter(note for f in report.exported for note in f.notes)
        shared = {note for note, count in counts.items() if count > SAY_INLINE}
        for f in report.exported:
            say(f"exported  {f.item} -> {f.file}")
            for note in f.notes:
                if note not in shared:
                    say(f"          note: {note}")
        for note in sorted(shared, key=lambda n: -counts[n]):
            say(f"note for {counts[note]:,} files: {note}")
        for r in report.refused:
            refused_line(r.item, r.reason)
        if any("not approved" in r.reason for r in report.refused):
            say(
                "          approve with `credence review ITEM --approve --by NAME`, or export "
                "with --allow-unreviewed (the manifest then says review is pending)"
            )
        for r in report.failed:
            say(f"failed    {r.item}: {r.reason}")
        say(
            f"{len(report.exported)} exported, {len(report.refused)} refused, "
            f"{len(report.failed)} failed"
        )
    return EXIT_REJECTED if report.refused or report.failed else EXIT_OK
