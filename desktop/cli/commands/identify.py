"""`credence identify`: which of the library's exports a file was made from, for a copy whose
Content Credentials were stripped or broken (by soft binding: the ISCC image code)."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING, Any

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `identify` verb."""
    p = verbs.add_parser(
        "identify",
        help="find the exports a file without (or with broken) credentials was made from",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_identify)


def run_identify(lib: Library | None, args: Namespace) -> int:
    """Identify every file; 1 if a file could not be looked at (a missing file, not an
    image), 0 otherwise (a file that matches nothing is an answer, not a failure)."""
    if lib is None:
        say(
            "credence: identify compares files with a library's exports, and there is no "
            "library here; give one with --library PATH"
        )
        return EXIT_REJECTED
    results = [lib.identify(path).to_dict() for path in args.files]
    if args.json:
        emit_json(results)
    else:
        for result in results:
            for line in result_lines(result):
                say(line)
    return EXIT_REJECTED if any("problem" in r for r in results) else EXIT_OK


def result_lines(result: dict[str, Any]) -> list[str]:
    """The human lines for one file's result (also what the window shows)."""
    if "problem" in result:
        return [f"{result['file']}: {result['problem']}"]
    head = f"{result['file']}: credentials {result['credentials']}"
    if not result["matches"]:
        return [f"{head}; it looks like none of this library's exports"]
    lines = [f"{head}; it looks like:"]
    for match in result["matches"]:
        lines.extend(f"  {line}" for line in match_lines(match))
    return lines


def match_lines(match: dict[str, Any]) -> list[str]:
    """What one match says: the export, how similar, and what the signed export said."""
    title = f" ({match['title']})" if match.get("title") else ""
    lines = [
        f"our export {match['export']} of {match['item']}{title}, similarity "
        f"{match['similarity']:.0%} ({match['bits_differ']} of 64 bits differ)",
        f"signed by {match['signer'] or 'an unknown signer'} on "
        f"{(match['signed_at'] or match['exported_at'])[:10]}"
        + (
            ""
            if match["source"] == "file"
            else " (from the library's record: the signed file is no longer where it was exported)"
        ),
        f"disclosure: {match['sentence'] or 'none recorded'} ({match['approval']})",
    ]
    if match.get("stale_reason"):
        lines.append(f"the record has changed since: {match['stale_reason']}")
    return lines
