"""What the command line shows: terminal-safe lines, JSON, the progress bar, shared report lines.

Every human-readable line goes through `say`; every JSON document through `emit_json`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from json.encoder import INFINITY as _INFINITY
from json.encoder import encode_basestring
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
    sys.stdout.write(dump_json(value))
    sys.stdout.write("\n")


def dump_json(value: Any) -> str:
    """`value` as `json.dumps(value, indent=2, ensure_ascii=False, default=str)` writes it, and
    as `json_safe` then escapes it (the same text), made several times faster: json.dumps
    with an indent cannot use its C encoder, and escaping the whole text scans every character
    again, where only a string that is not plain ASCII can hold an unsafe one."""
    parts: list[str] = []
    _encode(value, parts, "\n")
    return "".join(parts)


def _string(value: str) -> str:
    encoded = encode_basestring(value)
    if encoded.isascii() and "\x7f" not in encoded:
        return encoded
    return json_safe(encoded)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (_INFINITY, -_INFINITY):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, float):
        return _string(_float(key))
    if key is True or key is False or key is None:
        return _string(json.dumps(key))
    if isinstance(key, int):
        return _string(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: Any, parts: list[str], newline: str) -> None:
    """Append `value`'s JSON to `parts`; `newline` is a line break and the current indent.
    The checks are json.encoder's, in its order (a bool is an int, a str subclass a str)."""
    if isinstance(value, str):
        parts.append(_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_float(value))
    elif isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for element in value:
            parts.append(separator)
            if type(element) is str:  # most values: spare the call
                parts.append(_string(element))
            else:
                _encode(element, parts, inner)
            separator = "," + inner
        parts.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, element in value.items():
            parts.append(separator)
            parts.append(_string(key) if type(key) is str else _key(key))
            parts.append(": ")
            if type(element) is str:
                parts.append(_string(element))
            elif element is None:
                parts.append("null")
            else:
                _encode(element, parts, inner)
            separator = "," + inner
        parts.append(newline + "}")
    else:
        _encode(str(value), parts, newline)


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
