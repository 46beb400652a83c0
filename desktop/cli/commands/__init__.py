"""One module per verb group of `credence`; each holds its parsers and its handlers.

A module's `register(verbs)` adds its verbs to the `credence VERB` subparsers and sets each
parser's `run` default to the handler, `run(lib, args) -> exit status`; a verb that only reads
also sets `reads_only` (it then runs without garbage collections: see desktop.cli._started).
Where `--help` does not list a module's verbs side by side, the module has one register
function per verb.

Modules import only light parts at import time (a command builds the parser of its verb on
every start, export worker processes included); handlers import heavy parts (labels, Qt) when
they run. A new verb's module goes into VERBS.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from desktop.cli.parsing import Verbs

#: In the order `credence --help` lists the verbs (the order of a day's work): the module of
#: `desktop.cli.commands`, its register function, and the verbs that function adds. A command
#: imports only the module of its own verb; `--help` (or an unknown verb) imports them all.
VERBS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("init", "register", ("init",)),
    ("importing", "register", ("import",)),
    ("catalog", "register", ("catalog",)),  # catalog import | export | columns
    ("items", "register_items", ("items",)),
    ("capture_type", "register", ("capture-type",)),
    ("set_fields", "register", ("set",)),
    ("tags", "register", ("vocab", "tag")),  # vocab import | list, tag
    ("items", "register_show", ("show",)),
    ("event", "register", ("event",)),  # event add
    ("tool", "register", ("tool",)),  # tool add | list
    ("disclosure", "register", ("disclose", "wording", "review")),
    ("history", "register_history", ("history",)),
    ("backup", "register", ("backup",)),
    ("history", "register_undo", ("undo",)),
    ("identity", "register", ("identity", "trust")),  # identity ..., trust add
    ("export", "register", ("export",)),
    ("labels", "register", ("labels", "templates")),
    ("settings", "register", ("settings",)),
    ("verify", "register", ("verify",)),
    ("identify", "register", ("identify",)),
    ("roots", "register", ("roots",)),  # roots add | list | set | remove | adopt
    ("offline", "register", ("checkout", "checkin", "conflicts", "resolve")),
    ("handoff", "register", ("bag", "iiif")),
)


def _register_function(module: str, function: str) -> Callable[[Verbs], None]:
    return getattr(import_module(f"{__name__}.{module}"), function)


def __getattr__(name: str) -> Any:
    # REGISTER (every register function, in --help order) imports every command module: it is
    # built only when asked for.
    if name == "REGISTER":
        return tuple(_register_function(module, function) for module, function, _ in VERBS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_all(verbs: Verbs) -> None:
    """Add every verb to `credence`."""
    for module, function, _ in VERBS:
        _register_function(module, function)(verbs)


def register_verb(verbs: Verbs, verb: str) -> bool:
    """Add `verb` (with the verbs its module's register function adds alongside it) to
    `credence`, importing only that module; False when there is no such verb."""
    for module, function, names in VERBS:
        if verb in names:
            _register_function(module, function)(verbs)
            return True
    return False
