"""`credence verify`: read and check the Content Credentials in files.

Runs without a library too: checking a file must never create a library behind the user's back.
"""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING, Any

from desktop.cli.output import emit_json, say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library

#: Credential states that fail a check (a publishing script's `credence verify` must stop).
FAILING_STATES = ("invalid", "error")


def register(verbs: Verbs) -> None:
    """Add the `verify` verb."""
    p = verbs.add_parser("verify", help="read and check Content Credentials in files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_verify)


def result_data(result: Any) -> dict[str, Any]:
    """One file's verify result as plain data: the `--json` shape, which the text lines and the
    exit status read too. The only place that looks inside a result of `verify_file` /
    `verify_path`."""
    return result.to_dict()


def run_verify(lib: Library | None, args: Namespace) -> int:
    """Check every file (against the library's record when there is a library); 1 if any file's
    credentials are invalid or unreadable, or it no longer matches the record."""
    if lib is None:
        from provenance import verify_path

        results = [result_data(verify_path(path)) for path in args.files]
    else:
        results = [result_data(lib.verify_file(path)) for path in args.files]
    if args.json:
        emit_json(results)
    else:
        for result in results:
            say(f"{result['file']}: {result['credentials']} - {result['summary']}")
            if "record" in result:
                say(f"  {record_line(result['record'])}")
            for match in result.get("looks_like", ())[:1]:
                say(f"  {looks_like_line(result['credentials'], match)}")
    bad = any(r["credentials"] in FAILING_STATES for r in results)
    # A file whose signed disclosure or fields no longer match the record must not pass a
    # publishing script's check either.
    stale = any((r.get("record") or {}).get("stale") for r in results)
    return EXIT_REJECTED if bad or stale else EXIT_OK


def record_line(record: dict[str, Any]) -> str:
    """What the library's record says about a file it exported (verify's human output)."""
    which = f"export {record['export']} of {record['item']}"
    if record["stale"]:
        return (
            f"no longer matches the library's record ({which}): {record['reason']}; "
            "export the item again"
        )
    return f"matches the library's record ({which})"


def looks_like_line(credentials: str, match: dict[str, Any]) -> str:
    """For a file with no or broken credentials that looks like one of our exports."""
    had = "no credentials" if credentials == "none" else f"credentials {credentials}"
    return (
        f"{had}, but this looks like our export of {match['item']} "
        f"(export {match['export']}, similarity {match['similarity']:.0%}; "
        f"`credence identify` shows what it said)"
    )
