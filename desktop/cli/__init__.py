"""The `credence` command line: a thin face over the Library facade.

    __init__.py   main(): parse, open the library, run the verb, and the one map from
                  errors to exit statuses (ENDINGS); the log file
    status.py     the exit statuses and the sentence that explains them (--help, README)
    parsing.py    the parser class, UsageError, number types shared by verbs
    output.py     say (terminal-safe lines), JSON, the progress bar, shared report lines
    passphrase.py passphrases and secret files
    commands/     one module per verb group: its parsers and its handlers

No traceback reaches the user: unexpected errors are written to a log file and named briefly.
Export worker processes import this module again on start: keep its imports light (the
commands are imported when the parser is built, heavy parts inside the handlers).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_data_dir, user_log_dir

from desktop.cli.output import say
from desktop.cli.parsing import Parser, UsageError
from desktop.cli.status import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_STATUS_HELP,
    EXIT_USAGE,
)

# Only light parts of the core at import time: export worker processes start by importing
# this module again, and every command pays for what is imported here.
from provenance import (
    CredenceError,
    InvalidValue,
    LibraryError,
    NotFound,
    StaleEdit,
    library_url_problem,
    team_library_url,
)

__all__ = ["ENDINGS", "build_parser", "default_library_path", "exit_status", "log_path", "main"]

log = logging.getLogger("credence")

#: How each error ends a command, first match wins (as pip maps its exceptions to statuses):
#: (errors, exit status, the line on stderr; "{error}" is the error's own message, None: silent).
#: Anything else is unexpected: logged with its traceback, named briefly, status 1.
ENDINGS: tuple[tuple[tuple[type[BaseException], ...], int, str | None], ...] = (
    ((UsageError,), EXIT_USAGE, "credence: error: {error}"),
    # Naming an item that does not exist, or a value the record cannot take: the command line
    # has to change, as with any other usage error.
    ((InvalidValue, NotFound), EXIT_USAGE, "credence: {error}"),
    # Someone else changed the record meanwhile (a team library): nothing was changed; the
    # same command run again works on the newer record.
    ((StaleEdit,), EXIT_REJECTED, "credence: {error}"),
    # Every other problem the core names for the user: LibraryError, OutputRefused,
    # IdentityError (a wrong passphrase), CatalogFileError, ...
    ((CredenceError,), EXIT_REJECTED, "credence: {error}"),
    (
        (EOFError,),
        EXIT_REJECTED,
        "credence: the input ended (Ctrl-D) before an answer was given; nothing was changed",
    ),
    ((KeyboardInterrupt,), EXIT_INTERRUPTED, "credence: interrupted; work finished so far is kept"),
    # The reader went away (`credence items | head`): what it wanted was written.
    ((BrokenPipeError,), EXIT_OK, None),
)


def default_library_path() -> Path | str:
    """CREDENCE_LIBRARY (a folder, or a team library's postgresql:// URL), else the
    platform's per-user data folder."""
    env = os.environ.get("CREDENCE_LIBRARY")
    if env:
        if team_library_url(env):
            return team_library_url(env)
        problem = library_url_problem(env)
        if problem:
            raise LibraryError(f"CREDENCE_LIBRARY={problem}")
        return Path(env).expanduser()
    return Path(user_data_dir("Credence", appauthor=False)) / "Library"


def _library_location(given: str | None) -> Path | str:
    """The library folder from --library, or a team library's URL (checked as typed, before
    it becomes a Path: a Path would turn postgresql://host into a folder named
    "postgresql:"), else the default."""
    if given is None:
        return default_library_path()
    if team_library_url(given):
        return team_library_url(given)
    problem = library_url_problem(given)
    if problem:
        raise LibraryError(problem)
    return Path(given).expanduser()


class _ShowVersion(argparse.Action):
    """--version, looked up only when asked for: reading the installed version costs every
    other command more than its own work."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from provenance import __version__

        print(f"credence {__version__}")
        parser.exit()


def named_verb(argv: Sequence[str]) -> str | None:
    """The verb a command line names, when it plainly names one first (after --library PATH,
    if given); None for --help, --version or anything less plain."""
    rest = list(argv)
    if rest[:1] == ["--library"]:
        rest = rest[2:]
    elif rest and rest[0].startswith("--library="):
        rest = rest[1:]
    return rest[0] if rest and not rest[0].startswith("-") else None


def opens_window(argv: Sequence[str]) -> bool:
    """Whether a command line only opens the window: nothing, or only --library PATH."""
    rest = list(argv)
    if len(rest) == 2 and rest[0] == "--library":
        return True
    return not rest or (len(rest) == 1 and rest[0].startswith("--library="))


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The command-line grammar: all of it, or, given the command line, only the part of the
    verb it names (the other verbs' modules are not imported; --help builds them all). A
    command line that opens the window gets no verbs: importing and adding them all cost the
    window's start-up about 10 ms before anything was shown."""
    from desktop.cli.commands import register_all, register_verb

    parser = Parser(
        prog="credence",
        description="Provenance, AI disclosure, signed exports and labels for collections. "
        "Without a verb, opens the window.",
        epilog=EXIT_STATUS_HELP,
    )
    parser.add_argument(
        "--version",
        action=_ShowVersion,
        nargs=0,
        default=argparse.SUPPRESS,
        help="show program's version number and exit",
    )
    parser.add_argument(
        "--library",
        metavar="PATH",
        help="library folder, or a team library as postgresql://user@host/database "
        "(default: $CREDENCE_LIBRARY or the per-user data folder)",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser)
    if argv is not None and opens_window(argv):
        return parser
    verb = named_verb(argv) if argv is not None else None
    if verb is None or not register_verb(verbs, verb):
        register_all(verbs)
    return parser


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


def exit_status(error: BaseException) -> int:
    """Tell the user how the command ended (one line on stderr) and return the exit status:
    the one place where errors become statuses."""
    for errors, status, message in ENDINGS:
        if isinstance(error, errors):
            if message is not None:
                say(message.format(error=error), file=sys.stderr)
            return status
    log.error("unexpected error running %s", sys.argv[1:], exc_info=error)
    first_line = (str(error).strip().splitlines() or [""])[0][:160]
    say(
        f"credence: unexpected error ({type(error).__name__}: {first_line}); "
        f"details were written to {log_path()}",
        file=sys.stderr,
    )
    return EXIT_REJECTED


def _holds_library(location: Path) -> bool:
    """Whether the folder holds a library's database file; False when the system cannot even
    look there (a name too long, ...: pathlib raises OSError), as no library is there."""
    try:
        return (location / "library.sqlite").is_file()
    except OSError:
        return False


def _started(collect: bool = True) -> None:
    """Collect garbage again, now that start-up is done (see main), leaving out everything the
    imports made: it lives as long as the process.

    A verb that only reads (its parser sets `reads_only`) runs with the collector still off:
    it makes many short-lived objects (rows, views, JSON) that reference counting frees, and no
    cycles worth looking for, yet the collector walked them over and over (a tenth of
    `items --json` on 3,000 items)."""
    gc.freeze()
    if collect:
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `credence` command."""
    # No garbage collection while the command starts: importing SQLAlchemy and the core makes
    # a hundred thousand objects, none of them garbage, and the collector walked them all
    # once or twice before a command did any work (~30 ms of a 0.3 s read command). The
    # installed command (desktop.launch) turns it off even before importing this module.
    gc.disable()
    configure_logging()
    as_command = argv is None  # the `credence` process itself, which ends when this returns
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(argv).parse_args(argv)
        given = getattr(args, "location", None)
        if given and args.library and given != args.library:
            raise UsageError("give the library once: as --library or after init, not both")
        library_path = _library_location(given or args.library)
        team = isinstance(library_path, str)
        if args.verb is None:  # the window (a team library's address opens it too)
            from desktop.app import run_window

            # The collector stays paused until the window has painted (run_window).
            return run_window(library_path, explicit=bool(args.library))
        if getattr(args, "own_libraries", False):
            # checkout / checkin name both of their libraries (--from, --to) themselves.
            _started()
            return args.run(None, args)
        if args.verb in ("verify", "identify") and not team and not _holds_library(library_path):
            # Checking a file needs no library: never create one behind the user's back.
            _started()
            return args.run(None, args)
        begin = getattr(args, "begin", None)
        if begin is not None:  # work a verb starts while the library opens (labels: Qt, fonts)
            begin(args)
        # A verb that only reads may open a local library without SQLAlchemy (labels: see
        # provenance.reader); None when it must be opened the one full way.
        read = getattr(args, "read", None)
        lib = read(library_path, args) if read is not None else None
        if lib is None:
            from provenance import open_library

            lib = open_library(library_path)
        with lib:
            _started(collect=not getattr(args, "reads_only", False))
            return args.run(lib, args)
    except (Exception, KeyboardInterrupt) as error:
        return exit_status(error)
    finally:
        if as_command:
            # The process ends next: the collection at exit would walk every object the
            # imports and the command made (~0.1 s of CPU after a labels run), all of them
            # freed with the process anyway.
            gc.freeze()
        else:
            # Called in-process (tests, scripts): the caller's objects are collected as before.
            gc.unfreeze()
        gc.enable()
