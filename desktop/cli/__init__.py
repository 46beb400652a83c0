"""The `credence` command line: a thin face over the Library facade.

Exit status: 0 success, 1 when some inputs were rejected or invalid, 2 on usage errors.
No traceback reaches the user: unexpected errors are written to a log file and named briefly.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_data_dir, user_log_dir

from desktop.history_text import describe_entry

# Only light parts of the core at import time: export worker processes start by importing
# this module again, and every command pays for what is imported here.
from provenance import (
    CAPTURE_LABELS,
    CATEGORY_SLUGS,
    MAX_SQLITE_INT,
    REVIEW_STATES,
    CredenceError,
    InvalidValue,
    LibraryError,
    NotFound,
    __version__,
    capture_label,
    json_safe,
    library_url_problem,
    terminal_safe,
)

if TYPE_CHECKING:
    from provenance import Library

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
#: Most export worker processes one command may start.
MAX_JOBS = 256
log = logging.getLogger("credence")


def default_library_path() -> Path:
    """CREDENCE_LIBRARY, else the platform's per-user data folder."""
    env = os.environ.get("CREDENCE_LIBRARY")
    if env:
        problem = library_url_problem(env)
        if problem:
            raise LibraryError(f"CREDENCE_LIBRARY={problem}")
        return Path(env).expanduser()
    return Path(user_data_dir("Credence", appauthor=False)) / "Library"


def _library_location(given: str | None) -> Path:
    """The library folder from --library (checked as typed, before it becomes a Path: a Path
    would turn postgresql://host into a folder named "postgresql:"), else the default."""
    if given is None:
        return default_library_path()
    problem = library_url_problem(given)
    if problem:
        raise LibraryError(problem)
    return Path(given).expanduser()


class UsageError(Exception):
    """Wrong arguments: exit status 2."""


def _whole_number(low: int, high: int = MAX_SQLITE_INT) -> Callable[[str], int]:
    """An argparse type for a whole number from `low` to `high`: a number the database cannot
    hold (or a machine cannot run) is a usage error, never an overflow deep inside."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{text[:40]} is out of range: give a number from {low} to {high}"
            )
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's hook; keep its exit status 2
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    parser = _Parser(
        prog="credence",
        description="Provenance, AI disclosure, signed exports and labels for collections. "
        "Without a verb, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"credence {__version__}")
    parser.add_argument(
        "--library",
        metavar="PATH",
        help="library folder (default: $CREDENCE_LIBRARY or the per-user data folder)",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    verbs.add_parser("init", help="create the library (or check it opens)")

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

    catalog = verbs.add_parser("catalog", help="catalog CSV/JSON import and CSV export")
    cverbs = catalog.add_subparsers(dest="catalog_verb", metavar="ACTION", required=True)
    p = cverbs.add_parser("import", help="import a catalog CSV or JSON array")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
    p.add_argument("--key", metavar="COLUMN", help="column that identifies a record")
    p.add_argument("--json", action="store_true")
    p = cverbs.add_parser("export", help="export the catalog as CSV")
    p.add_argument("file", metavar="FILE")
    p = cverbs.add_parser("columns", help="show a file's columns and the mapping Credence guesses")
    p.add_argument("file", metavar="FILE")

    p = verbs.add_parser("items", help="list or search items")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--ai", dest="has_ai", action="store_true", default=None)
    p.add_argument("--no-ai", dest="has_ai", action="store_false")
    p.add_argument("--review", choices=REVIEW_STATES)
    p.add_argument("--credentials", choices=("none", "valid", "trusted", "invalid", "error"))
    p.add_argument("--not-exported", action="store_true")
    p.add_argument(
        "--stale", action="store_true", help="items whose signed export no longer matches"
    )
    p.add_argument("--limit", type=_whole_number(0))
    p.add_argument("--json", action="store_true")

    p = verbs.add_parser(
        "capture-type",
        help="record how items' images were made (digitalCapture, negativeFilm, ...)",
        description="Record how the images of one or many items were made. It is part of the "
        "record: exports sign it as the image's digital source type (with no capture type "
        "recorded, an export claims no capture). TYPE is one of: "
        + "; ".join(f"{key} ({label})" for key, label in CAPTURE_LABELS.items())
        + "; or none to clear it.",
    )
    p.add_argument("type", metavar="TYPE", help="a capture type, or none")
    p.add_argument("items", nargs="*", metavar="ITEM", help="accession numbers or #ids")
    p.add_argument("--all", action="store_true", help="every item in the library")
    p.add_argument("--search", metavar="TEXT", help="every item matching TEXT")

    p = verbs.add_parser("show", help="show one item")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--json", action="store_true")

    event = verbs.add_parser("event", help="provenance events")
    everbs = event.add_subparsers(dest="event_verb", metavar="ACTION", required=True)
    p = everbs.add_parser("add", help="record a provenance event")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--action", required=True, help="e.g. acquired, digitised, restored")
    p.add_argument("--actor", required=True, metavar="NAME")
    p.add_argument("--date", metavar="EDTF", help="e.g. 1890, 1890~, 189X, 1890/1900")
    p.add_argument("--place")
    p.add_argument("--source", help="source or citation")
    p.add_argument("--tool", metavar="NAME", help="registered AI tool involved")
    p.add_argument("--note")

    tool = verbs.add_parser("tool", help="the AI tool registry")
    tverbs = tool.add_subparsers(dest="tool_verb", metavar="ACTION", required=True)
    p = tverbs.add_parser("add", help="register an AI tool")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--vendor", required=True)
    p.add_argument("--version")
    p.add_argument("--runs", choices=("on-device", "cloud"))
    p.add_argument("--training-data", help="what the vendor states about training data")
    p.add_argument("--retention", help="what the vendor states about data retention")
    p.add_argument("--docs", metavar="URL", help="documentation link")
    tverbs.add_parser("list", help="list registered AI tools")

    p = verbs.add_parser("disclose", help="record what AI did to an item")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--category", required=True, choices=CATEGORY_SLUGS, metavar="SLUG")
    p.add_argument("--tool", action="append", default=[], metavar="NAME")
    p.add_argument("--purpose")
    p.add_argument("--extent")
    p.add_argument("--field", action="append", default=[], metavar="NAME")

    p = verbs.add_parser("wording", help="show, override or restore disclosure wording")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--lang", metavar="CODE", help="language (default: the library's)")
    p.add_argument("--override", metavar="CATEGORY=SENTENCE", help="use your own sentence")
    p.add_argument("--restore", metavar="CATEGORY", help="go back to the generated sentence")

    p = verbs.add_parser("review", help="review or approve an item's disclosures")
    p.add_argument("item", metavar="ITEM")
    state = p.add_mutually_exclusive_group(required=True)
    state.add_argument("--approve", dest="state", action="store_const", const="approved")
    state.add_argument("--reviewed", dest="state", action="store_const", const="reviewed")
    state.add_argument("--draft", dest="state", action="store_const", const="draft")
    p.add_argument("--by", metavar="NAME", help="who reviewed (required unless --draft)")

    p = verbs.add_parser("history", help="show history, or verify its hash chain")
    p.add_argument("item", nargs="?", metavar="ITEM")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--json", action="store_true")

    p = verbs.add_parser("backup", help="copy the library safely, even while it is in use")
    p.add_argument("dest", type=Path, metavar="FOLDER")

    p = verbs.add_parser("undo", help="undo the change recorded in a history entry")
    p.add_argument("seq", type=_whole_number(1), metavar="ENTRY")

    identity = verbs.add_parser("identity", help="the institution's signing identity")
    iverbs = identity.add_subparsers(dest="identity_verb", metavar="ACTION", required=True)
    p = iverbs.add_parser("create", help="generate a root CA and a signing certificate")
    p.add_argument("--org", required=True, metavar="NAME", help="the institution's name")
    p.add_argument("--algorithm", choices=("ES256", "Ed25519"), default="ES256")
    p.add_argument("--passphrase-file", type=Path, metavar="F")
    p.add_argument("--replace", action="store_true", help="replace an existing identity")
    p = iverbs.add_parser("import", help="use a certificate issued by a CA")
    p.add_argument("--cert", type=Path, metavar="CHAIN.pem")
    p.add_argument("--key", type=Path, metavar="KEY.pem")
    p.add_argument("--key-passphrase-file", type=Path, metavar="F")
    p.add_argument("--pkcs12", type=Path, metavar="FILE.p12")
    p.add_argument("--pkcs12-password-file", type=Path, metavar="F")
    p.add_argument("--passphrase-file", type=Path, metavar="F")
    iverbs.add_parser("show", help="show the signing certificate")
    p = iverbs.add_parser("export-ca", help="write the trust bundle for partners")
    p.add_argument("file", type=Path, metavar="FILE.pem")

    trust = verbs.add_parser("trust", help="trust anchors used when verifying")
    trverbs = trust.add_subparsers(dest="trust_verb", metavar="ACTION", required=True)
    p = trverbs.add_parser("add", help="trust a partner's CA certificate")
    p.add_argument("file", type=Path, metavar="CA.pem")

    p = verbs.add_parser("export", help="write signed copies of items' images")
    p.add_argument("items", nargs="*", metavar="ITEM")
    p.add_argument("--all", action="store_true", help="every item that has an image")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.add_argument(
        "--jobs",
        type=_whole_number(1, MAX_JOBS),
        metavar="N",
        help="worker processes (default: cores)",
    )
    p.add_argument("--caption", action="store_true", help="burn the disclosure into a strip")
    p.add_argument("--allow-unreviewed", action="store_true")
    p.add_argument("--naming", metavar="PATTERN", help="e.g. {accession}-{stem}.{ext}")
    p.add_argument("--passphrase-file", type=Path, metavar="F")
    p.add_argument("--json", action="store_true")

    p = verbs.add_parser("labels", help="render exhibit labels to PDF or PNG")
    p.add_argument("items", nargs="*", metavar="ITEM")
    p.add_argument("--all", action="store_true")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--template", required=True, metavar="NAME", help="see `credence templates`")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf|FILE.png")
    p.add_argument("--lang", metavar="CODE", help="language of the disclosure wording")
    p.add_argument("--qr", metavar="PATTERN", help="URL pattern with {accession}, or 'export'")
    p.add_argument("--strict", action="store_true", help="fail on any preflight finding")
    p.add_argument("--allow-unreviewed", action="store_true", help="print DRAFT labels")
    p.add_argument("--json", action="store_true")
    verbs.add_parser("templates", help="list label templates")

    p = verbs.add_parser("settings", help="show or change institution settings")
    p.add_argument("changes", nargs="*", metavar="KEY=VALUE")

    p = verbs.add_parser("verify", help="read and check Content Credentials in files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true")
    return parser


# -- output helpers ----------------------------------------------------------------------


def say(text: str = "", file: Any = None) -> None:
    """Print one human-readable line. Every line the command line shows goes through here:
    text from the catalog or a file name is shown with control characters escaped, so it can
    never drive the terminal (escape sequences, bidi overrides, a bell, a fake line)."""
    print(terminal_safe(text), file=file if file is not None else sys.stdout)


def _emit_json(value: Any) -> None:
    dumped = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json_safe(dumped))
    sys.stdout.write("\n")


def _progress_bar(enabled: bool, unit: str) -> tuple[Callable | None, Callable[[], None]]:
    """A terminal progress bar on stderr when it is a terminal; (callback, close)."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(done: int, total: int | None, message: str) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.n = done
        bar.set_postfix_str(terminal_safe(message[-40:]), refresh=False)
        bar.refresh()

    return update, bar.close


def _parse_map(pairs: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise UsageError(f"--map {pair!r}: write FIELD=COLUMN, e.g. --map maker=artist")
        mapping[field_name.strip()] = column.strip()
    return mapping


# -- verbs -------------------------------------------------------------------------------


def cmd_init(lib: Library, args) -> int:
    say(f"Library ready at {lib.folder} ({lib.count_items():,} items)")
    return EXIT_OK


def cmd_import(lib: Library, args) -> int:
    progress, close = _progress_bar(not args.json, "file")
    try:
        report = lib.import_files(
            args.paths, item=args.item, capture_type=args.capture_type, progress=progress
        )
    finally:
        close()
    if args.json:
        data = report.to_dict()
        data.pop("cancelled")
        _emit_json(data)
    else:
        for f in report.imported:
            state = f.credentials.get("state", "none")
            say(f"imported  {f.file} -> {f.item} (credentials: {state})")
            for warning in f.warnings:
                say(f"          note: {warning}")
        for d in report.duplicates:
            say(f"duplicate {d.file}: same file as {d.same_as} ({d.item})")
        for r in report.rejected:
            say(f"rejected  {r.file}: {r.reason}")
        say(
            f"{len(report.imported)} imported, {len(report.duplicates)} duplicates, "
            f"{len(report.rejected)} rejected"
        )
    return EXIT_REJECTED if report.rejected else EXIT_OK


def cmd_catalog(lib: Library, args) -> int:
    if args.catalog_verb == "export":
        count = lib.export_catalog(args.file)
        say(f"wrote {count:,} items to {args.file}")
        return EXIT_OK
    if args.catalog_verb == "columns":
        columns, guess = lib.catalog_columns(args.file)
        by_column = {c: f for f, c in guess.items()}
        for column in columns:
            target = by_column.get(column)
            say(f"{column:32} -> {target}" if target else f"{column:32}    (kept as extra)")
        return EXIT_OK
    progress, close = _progress_bar(not args.json, "row")
    try:
        report = lib.import_catalog(
            args.file, mapping=_parse_map(args.map), key=args.key, progress=progress
        )
    finally:
        close()
    if args.json:
        data = report.to_dict()
        data.pop("cancelled")
        _emit_json(data)
    else:
        for problem in report.rejected:
            say(f"{args.file}: line {problem.line}: {problem.reason}", file=sys.stderr)
        say(
            f"{report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {len(report.rejected):,} rejected"
        )
    return EXIT_REJECTED if report.rejected else EXIT_OK


def cmd_items(lib: Library, args) -> int:
    from provenance import SearchFilters

    filters = SearchFilters(
        has_ai=args.has_ai,
        review_state=args.review,
        credential_state=args.credentials,
        not_exported=args.not_exported,
        stale=args.stale,
    )
    items = lib.list_items(args.search, filters, limit=args.limit, details=args.json)
    if args.json:
        rows = [i.to_dict() | {"events": None} for i in items]
        if args.stale:  # which files are out of date, and why
            for row, item in zip(rows, items, strict=True):
                row["stale_exports"] = [e.to_dict() for e in lib.exports_of(item.id) if e.stale]
        _emit_json(rows)
        return EXIT_OK
    for item in items:
        say(f"{item.accession or '#' + str(item.id):20} {item.title or ''}"[:120])
        if args.stale and item.stale_reason:
            say(f"{'':20} needs re-export: {item.stale_reason}")
    say(f"{len(items):,} items", file=sys.stderr)
    return EXIT_OK


def cmd_show(lib: Library, args) -> int:
    item = lib.get_item(args.item)
    if args.json:
        _emit_json(item.to_dict() | {"exports": [e.to_dict() for e in lib.exports_of(item.id)]})
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


def cmd_capture_type(lib: Library, args) -> int:
    chosen = sum(bool(x) for x in (args.items, args.all, args.search))
    if chosen != 1:
        raise UsageError("name the ITEMs, or use --all or --search TEXT (one of them)")
    if args.items:
        refs: list[str | int] = list(args.items)
    else:
        refs = [i.id for i in lib.list_items(args.search if args.search else None)]
    report = lib.set_capture_type(refs, args.type)
    value = report.capture_type
    what = capture_label(value) + (f" ({value})" if value else "")
    print(f"capture type {what}: {len(report.changed)} changed, {len(report.unchanged)} already so")
    for ref in report.not_found:
        print(f"not found {ref}: no item with that accession number or id", file=sys.stderr)
    return EXIT_REJECTED if report.not_found else EXIT_OK


def cmd_event(lib: Library, args) -> int:
    event = lib.add_event(
        args.item,
        args.action,
        args.actor,
        date=args.date,
        place=args.place,
        source=args.source,
        note=args.note,
        tool=args.tool,
    )
    say(f"event {event.id} recorded: {event.action} by {event.actor}")
    return EXIT_OK


def cmd_tool(lib: Library, args) -> int:
    if args.tool_verb == "list":
        for tool in lib.list_tools():
            version = f" {tool.version}" if tool.version else ""
            say(f"{tool.name}{version} ({tool.vendor}){' - ' + tool.runs if tool.runs else ''}")
        return EXIT_OK
    tool = lib.add_tool(
        args.name,
        args.vendor,
        version=args.version,
        runs=args.runs,
        training_data=args.training_data,
        retention=args.retention,
        documentation=args.docs,
    )
    say(f"tool registered: {tool.name}{' ' + tool.version if tool.version else ''}")
    return EXIT_OK


def cmd_disclose(lib: Library, args) -> int:
    d = lib.disclose(
        args.item,
        args.category,
        tools=args.tool,
        purpose=args.purpose,
        extent=args.extent,
        fields=args.field,
    )
    say(f"disclosure {d.id}: {d.category}, {d.review_state} (needs review before export)")
    return EXIT_OK


def cmd_wording(lib: Library, args) -> int:
    language = args.lang or lib.settings().language
    if args.override:
        slug, sep, sentence = args.override.partition("=")
        if not sep or not sentence.strip():
            raise UsageError("--override CATEGORY=SENTENCE, e.g. --override ai-restored='...'")
        view = lib.override_sentence(args.item, slug.strip(), language, sentence)
        say(f"disclosure {view.id} ({view.category}): own sentence set; now {view.review_state}")
    elif args.restore:
        view = lib.override_sentence(args.item, args.restore.strip(), language, None)
        say(f"disclosure {view.id} ({view.category}): generated sentence restored")
    for view, wording in lib.wordings(args.item, language):
        own = " (your own sentence)" if language in view.overrides else ""
        say(f"{view.category} [{view.review_state}]")
        say(f"  badge:    {wording.badge}")
        say(f"  sentence: {wording.sentence}{own}")
        say(f"  detail:   {wording.detail}")
    return EXIT_OK


def cmd_review(lib: Library, args) -> int:
    if args.state != "draft" and not args.by:
        raise UsageError("--by NAME is required: a review names the person who made it")
    for d in lib.review(args.item, args.state, args.by or ""):
        say(f"disclosure {d.id} ({d.category}): {d.review_state}")
    return EXIT_OK


def cmd_history(lib: Library, args) -> int:
    if args.verify:
        progress, close = _progress_bar(not args.json, "entry")
        try:
            result = lib.verify_history(progress=progress)
        finally:
            close()
        if args.json:
            _emit_json(result.to_dict())
        elif result.ok:
            say(f"History intact: {result.checked:,} entries checked.")
        elif result.damaged:
            say(f"Library damaged: {result.reason}")
        else:
            say(f"History broken at entry {result.first_broken}: {result.reason}")
        return EXIT_OK if result.ok else EXIT_REJECTED
    entries = lib.history(args.item)
    if args.json:
        _emit_json([e.to_dict() for e in entries])
        return EXIT_OK
    for e in entries:
        note = f"  [{e.note}]" if e.note else ""
        say(f"{e.seq:6}  {e.at}  {e.actor}: {describe_entry(e)}{note}")
    return EXIT_OK


def cmd_backup(lib: Library, args) -> int:
    target = lib.backup(args.dest)
    say(f"backed up the library to {target}")
    say("  back up your original image files too: they are not inside the library")
    return EXIT_OK


def cmd_undo(lib: Library, args) -> int:
    entry = lib.revert(args.seq)
    say(f"undone: entry {args.seq} (recorded as entry {entry.seq})")
    return EXIT_OK


def cmd_verify(lib: Library | None, args) -> int:
    if lib is None:
        from provenance import verify_path

        results = [verify_path(path) for path in args.files]
    else:
        results = [lib.verify_file(path) for path in args.files]
    if args.json:
        _emit_json(results)
    else:
        for result in results:
            say(f"{result['file']}: {result['credentials']} - {result['summary']}")
            if "record" in result:
                say(f"  {_record_line(result['record'])}")
    bad = any(r["credentials"] in ("invalid", "error") for r in results)
    # A file whose signed disclosure or fields no longer match the record must not pass a
    # publishing script's check either.
    stale = any((r.get("record") or {}).get("stale") for r in results)
    return EXIT_REJECTED if bad or stale else EXIT_OK


def _record_line(record: dict[str, Any]) -> str:
    """What the library's record says about a file it exported (verify's human output)."""
    which = f"export {record['export']} of {record['item']}"
    if record["stale"]:
        return (
            f"no longer matches the library's record ({which}): {record['reason']}; "
            "export the item again"
        )
    return f"matches the library's record ({which})"


def _passphrase(args, *, confirm: bool = False) -> str:
    def prompt(message: str) -> str:
        if not sys.stdin.isatty():
            return ""
        try:
            first = getpass.getpass(message)
            if confirm and getpass.getpass("Repeat the passphrase: ") != first:
                raise UsageError("the two passphrases differ")
        except EOFError:
            raise LibraryError(
                "no passphrase was typed (the input ended with Ctrl-D); nothing was changed"
            ) from None
        return first

    from provenance import resolve_passphrase

    return resolve_passphrase(passphrase_file=args.passphrase_file, env=os.environ, prompt=prompt)


def _read_secret_file(path: Path | None) -> str | None:
    if path is None:
        return None
    return path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""


def _print_identity(info) -> None:
    say(f"Signing identity: {info.common_name} ({info.organisation}), {info.algorithm}")
    say(f"  issued by {info.issuer}; valid until {info.not_after:%Y-%m-%d} ({info.days_left} days)")
    say(f"  fingerprint SHA-256 {info.fingerprint}")
    warning = info.expiry_warning()
    if warning:
        say(f"credence: warning: {warning}", file=sys.stderr)


def cmd_identity(lib: Library, args) -> int:
    if args.identity_verb == "show":
        info = lib.identity_info()
        if info is None:
            say("No signing identity yet: credence identity create --org NAME")
            return EXIT_REJECTED
        _print_identity(info)
        return EXIT_OK
    if args.identity_verb == "export-ca":
        path = lib.export_trust_bundle(args.file)
        say(f"wrote the trust bundle to {path}; partners add it to their readers' trust lists")
        return EXIT_OK
    if args.identity_verb == "create":
        info = lib.create_identity(
            args.org,
            _passphrase(args, confirm=True),
            algorithm=args.algorithm,
            replace=args.replace,
        )
        _print_identity(info)
        return EXIT_OK
    if args.pkcs12 is None and (args.cert is None or args.key is None):
        raise UsageError("give --cert CHAIN.pem and --key KEY.pem, or --pkcs12 FILE.p12")
    info = lib.import_identity(
        _passphrase(args, confirm=True),
        cert_chain_pem=args.cert.read_bytes() if args.cert else None,
        key_pem=args.key.read_bytes() if args.key else None,
        key_passphrase=_read_secret_file(args.key_passphrase_file),
        pkcs12=args.pkcs12.read_bytes() if args.pkcs12 else None,
        pkcs12_password=_read_secret_file(args.pkcs12_password_file),
    )
    _print_identity(info)
    return EXIT_OK


def cmd_trust(lib: Library, args) -> int:
    fingerprint = lib.add_trust_anchor(args.file.read_bytes())
    say(f"trusted CA {fingerprint[:16]}... for verification")
    return EXIT_OK


def cmd_export(lib: Library, args) -> int:
    if bool(args.items) == bool(args.all):
        raise UsageError("name the ITEMs to export, or --all (not both)")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    info = lib.identity_info()
    if info is not None and info.expiry_warning():
        say(f"credence: warning: {info.expiry_warning()}", file=sys.stderr)
    progress, close = _progress_bar(not args.json, "file")
    try:
        report = lib.export(
            None if args.all else args.items,
            args.out,
            passphrase=_passphrase(args),
            jobs=args.jobs,
            caption=args.caption,
            allow_unreviewed=args.allow_unreviewed,
            naming=args.naming,
            progress=progress,
        )
    finally:
        close()
    if args.json:
        data = report.to_dict()
        data.pop("cancelled")
        _emit_json(data)
    else:
        for f in report.exported:
            say(f"exported  {f.item} -> {f.file}")
            for note in f.notes:
                say(f"          note: {note}")
        for r in report.refused:
            say(f"refused   {r.item}: {r.reason}")
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


def cmd_templates(lib: Library, args) -> int:
    from labels import load_templates

    for name, template in sorted(load_templates().items()):
        size = f"{template.page_width_mm:.0f} x {template.page_height_mm:.0f} mm"
        per_sheet = template.columns * template.rows
        sheet = f", {per_sheet} per sheet" if per_sheet > 1 else ""
        say(f"{name:14} {size}{sheet}, min {template.min_size_pt:g} pt - {template.description}")
    return EXIT_OK


def cmd_labels(lib: Library, args) -> int:
    from desktop.labelling import plan_labels
    from labels import ensure_gui, get_template, render_pdf, render_png

    chosen = sum(bool(x) for x in (args.items, args.all, args.search))
    if chosen != 1:
        raise UsageError("name the ITEMs, or use --all or --search TEXT (one of them)")
    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise UsageError("--out must end in .pdf or .png")
    try:
        template = get_template(args.template)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.items:
        items = [lib.get_item(ref) for ref in args.items]
    else:
        items = lib.list_items(args.search if args.search else None, details=True)
    qr = args.qr if args.qr is not None else (lib.settings().qr_pattern or None)
    plan = plan_labels(
        lib, items, language=args.lang, allow_unreviewed=args.allow_unreviewed, qr_pattern=qr
    )
    rendered = []
    if plan.contents:
        ensure_gui()
        render = render_pdf if suffix == ".pdf" else render_png
        rendered = render(plan.contents, template, args.out, output=lib.output_run())
    findings = [(item, r) for item, r in zip(plan.items, rendered, strict=True) if r.findings]
    if args.json:
        _emit_json(
            {
                "labels": [
                    {
                        "item": item.label,
                        "page": r.page,
                        "draft": r.content.draft,
                        "findings": [{"rule": f.rule, "message": f.message} for f in r.findings],
                    }
                    for item, r in zip(plan.items, rendered, strict=True)
                ],
                "refused": [{"item": i, "reason": reason} for i, reason in plan.refused],
            }
        )
    else:
        for item, r in findings:
            for f in r.findings:
                say(f"{item.label} (page {r.page}): {f.rule}: {f.message}")
        for label, reason in plan.refused:
            hint = "; use --allow-unreviewed to print a DRAFT" if "not approved" in reason else ""
            say(f"refused   {label}: {reason}{hint}")
        if rendered:
            say(f"wrote {len(rendered)} labels to {args.out} ({rendered[-1].page} pages)")
    if plan.refused or (args.strict and findings):
        return EXIT_REJECTED
    return EXIT_OK


def cmd_settings(lib: Library, args) -> int:
    if args.changes:
        changes = {}
        for pair in args.changes:
            key, sep, value = pair.partition("=")
            if not sep:
                raise UsageError(f"{pair!r}: write KEY=VALUE, e.g. reviewer_display=role")
            changes[key.strip()] = value.strip()
        settings = lib.update_settings(changes)
    else:
        settings = lib.settings()
    for key, value in settings.to_dict().items():
        say(f"{key} = {value}")
    return EXIT_OK


VERBS: dict[str, Callable[[Library, argparse.Namespace], int]] = {
    "init": cmd_init,
    "import": cmd_import,
    "catalog": cmd_catalog,
    "items": cmd_items,
    "show": cmd_show,
    "capture-type": cmd_capture_type,
    "event": cmd_event,
    "tool": cmd_tool,
    "disclose": cmd_disclose,
    "review": cmd_review,
    "wording": cmd_wording,
    "history": cmd_history,
    "undo": cmd_undo,
    "backup": cmd_backup,
    "verify": cmd_verify,
    "identity": cmd_identity,
    "trust": cmd_trust,
    "export": cmd_export,
    "settings": cmd_settings,
    "labels": cmd_labels,
    "templates": cmd_templates,
}


def log_path() -> Path:
    """Where Credence writes its log (warnings from image libraries, unexpected errors)."""
    return Path(user_log_dir("Credence", appauthor=False)) / "credence.log"


def _private_log(path: Path) -> Path:
    """Create the log file readable by its owner only (0600, its folder 0700): a log can name
    files, items and people of the collection. An existing log is tightened the same way."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid") and folder.stat().st_uid == os.getuid():
        os.chmod(folder, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def configure_logging() -> None:
    """Send log records and Python warnings to the log file, never to the user's terminal."""
    logging.captureWarnings(True)
    root = logging.getLogger()
    if any(getattr(h, "credence", False) for h in root.handlers):
        return
    try:
        handler: logging.Handler = logging.FileHandler(_private_log(log_path()), encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.credence = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `credence` command."""
    configure_logging()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        say(f"credence: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        library_path = _library_location(args.library)
        if args.verb is None:
            from desktop.app import run_window

            return run_window(library_path, explicit=bool(args.library))
        if args.verb == "verify" and not (library_path / "library.sqlite").is_file():
            # Checking a file needs no library: never create one behind the user's back.
            return cmd_verify(None, args)
        from provenance import open_library

        with open_library(library_path) as lib:
            return VERBS[args.verb](lib, args)
    except EOFError:
        say(
            "credence: the input ended (Ctrl-D) before an answer was given; nothing was changed",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    except UsageError as exc:
        say(f"credence: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (InvalidValue, NotFound) as exc:
        say(f"credence: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (LibraryError, CredenceError) as exc:
        say(f"credence: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except KeyboardInterrupt:
        say("credence: interrupted; work finished so far is kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        log.exception("unexpected error running %s", sys.argv[1:])
        first_line = (str(exc).strip().splitlines() or [""])[0][:160]
        say(
            f"credence: unexpected error ({type(exc).__name__}: {first_line}); "
            f"details were written to {log_path()}",
            file=sys.stderr,
        )
        return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
