"""What the command line shows: terminal-safe lines, JSON, the progress bar, shared report lines.

Every human-readable line goes through `say`; every JSON document through `emit_json`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from provenance import json_safe, terminal_safe

#: A progress callback as the Library's long operations take it: (done, total, message).
ProgressCallback = Callable[[int, int | None, str], None]


def say(text: str = "", file: Any = None) -> None:
    """Print one human-readable line. Every line the command line shows goes through here:
    text from the catalog or a file name is shown with control characters escaped, so it can
    never drive the terminal (escape sequences, bidi overrides, a bell, a fake line)."""
    print(terminal_safe(text), file=file if file is not None else sys.stdout)


def warn(text: str) -> None:
    """A warning line on stderr (the command still goes on)."""
    say(f"credence: warning: {text}", file=sys.stderr)


def emit_json(value: Any) -> None:
    """Write one JSON document to stdout (text escaped so it cannot drive a terminal either)."""
    dumped = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json_safe(dumped))
    sys.stdout.write("\n")


def emit_report_json(report: Any) -> None:
    """A batch report (import, catalog import, export) as JSON. A command line run is never
    cancelled from outside, so the report's `cancelled` flag is left out."""
    data = report.to_dict()
    data.pop("cancelled")
    emit_json(data)


@contextmanager
def progress_bar(enabled: bool, unit: str) -> Iterator[ProgressCallback | None]:
    """A terminal progress bar on stderr while the block runs, when stderr is a terminal.
    Yields the progress callback to hand to the Library (None: no bar)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(done: int, total: int | None, message: str) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.n = done
        bar.set_postfix_str(terminal_safe(message[-40:]), refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def refused_line(item: str, reason: str, hint: str = "") -> None:
    """One refused item of a batch (export, labels), aligned with the other report lines."""
    say(f"refused   {item}: {reason}{hint}")
