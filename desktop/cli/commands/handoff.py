"""`credence bag` and `credence iiif`: the signed exports handed on downstream, as a BagIt bag
for digital preservation (Archivematica) and as IIIF manifests for the web.

Both take the items' current signed exports only; items never exported, or whose export is
stale, are listed with the reason and left out (export them first). Exit status 1 when any
item was left out, or when nothing could be written.
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli.output import emit_report_json, progress_bar, say
from desktop.cli.parsing import UsageError, Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def _which_items(p: ArgumentParser) -> None:
    p.add_argument("items", nargs="*", default=[], metavar="ITEM")
    p.add_argument("--all", action="store_true", help="every item")
    p.add_argument("--search", metavar="TEXT", help="the items a search finds")


def register(verbs: Verbs) -> None:
    """Add the `bag` and `iiif` verbs."""
    p = verbs.add_parser(
        "bag", help="a BagIt bag of the signed exports, for preservation (Archivematica)"
    )
    _which_items(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="a new or empty folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_bag)

    p = verbs.add_parser(
        "iiif", help="IIIF manifests and images of the signed exports, for the web"
    )
    _which_items(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="a new or empty folder")
    p.add_argument(
        "--base-url",
        required=True,
        metavar="URL",
        help="the web address the folder will be served from, e.g. https://museum.example/iiif",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_iiif)


def _selection(args: Namespace) -> dict[str, Any]:
    if sum((bool(args.items), args.search is not None, bool(args.all))) != 1:
        raise UsageError("name the ITEMs, or --search TEXT, or --all (one of them)")
    return {"refs": args.items, "search": args.search, "everything": args.all}


def _left_out(report: Any) -> None:
    for left in report.left_out:
        say(f"left out  {left.item}: {left.reason}")


def run_bag(lib: Library, args: Namespace) -> int:
    """Write the bag; 1 if any item was left out or nothing could go in."""
    with progress_bar(not args.json, "file") as progress:
        report = lib.bag(args.out, **_selection(args), progress=progress)
    if args.json:
        emit_report_json(report)
    else:
        for handed in report.files:
            say(f"bagged    {handed.item} -> {handed.file}")
        _left_out(report)
        if report.folder is None:
            say("nothing to bag: no item has a current signed export; nothing was written")
        else:
            say(
                f"bag of {report.items:,} item{'' if report.items == 1 else 's'} "
                f"({len(report.files):,} signed file{'' if len(report.files) == 1 else 's'}) "
                f"written to {report.folder}"
            )
    return EXIT_REJECTED if report.left_out or report.folder is None else EXIT_OK


def run_iiif(lib: Library, args: Namespace) -> int:
    """Write the manifests; 1 if any item was left out or nothing could go in."""
    with progress_bar(not args.json, "item") as progress:
        report = lib.iiif(args.out, args.base_url, **_selection(args), progress=progress)
    if args.json:
        emit_report_json(report)
    else:
        for manifest in report.manifests:
            say(f"manifest  {manifest.item} -> {manifest.id}")
        _left_out(report)
        for note in report.notes:
            say(f"note: {note}")
        if report.folder is None:
            say("nothing to publish: no item has a current signed export; nothing was written")
        else:
            count = len(report.manifests)
            say(
                f"{count:,} manifest{'' if count == 1 else 's'} and the collection "
                f"{report.collection} written to {report.folder}; serve that folder as it is "
                "from the base URL"
            )
    return EXIT_REJECTED if report.left_out or report.folder is None else EXIT_OK
