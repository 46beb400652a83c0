"""One module per verb group of `credence`; each holds its parsers and its handlers.

A module's `register(verbs)` adds its verbs to the `credence VERB` subparsers and sets each
parser's `run` default to the handler, `run(lib, args) -> exit status`. Where `--help` does not
list a module's verbs side by side, the module has one register function per verb.

Modules import only light parts at import time (the parser is built on every start, export
worker processes included); handlers import heavy parts (labels, Qt) when they run.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.cli.commands import (
    backup,
    capture_type,
    catalog,
    disclosure,
    event,
    export,
    handoff,
    history,
    identify,
    identity,
    importing,
    init,
    items,
    labels,
    offline,
    roots,
    set_fields,
    settings,
    tags,
    tool,
    verify,
)
from desktop.cli.parsing import Verbs

#: In the order `credence --help` lists the verbs: the order of a day's work.
REGISTER: tuple[Callable[[Verbs], None], ...] = (
    init.register,  # init
    importing.register,  # import
    catalog.register,  # catalog import | export | columns
    items.register_items,  # items
    capture_type.register,  # capture-type
    set_fields.register,  # set
    tags.register,  # vocab import | list, tag
    items.register_show,  # show
    event.register,  # event add
    tool.register,  # tool add | list
    disclosure.register,  # disclose, wording, review
    history.register_history,  # history
    backup.register,  # backup
    history.register_undo,  # undo
    identity.register,  # identity ..., trust add
    export.register,  # export
    labels.register,  # labels, templates
    settings.register,  # settings
    verify.register,  # verify
    identify.register,  # identify
    roots.register,  # roots add | list | set | remove | adopt
    offline.register,  # checkout, checkin, conflicts, resolve
    handoff.register,  # bag, iiif
)


def register_all(verbs: Verbs) -> None:
    """Add every verb to `credence`."""
    for register in REGISTER:
        register(verbs)
