"""Export naming patterns: `{name}`, `{stem}`, `{ext}`, `{accession}`, `{id}` and nothing else.

A pattern is parsed by Credence itself, never handed to `str.format`: no attribute access or
indexing (`{name.__class__}`, `{name[0]}`), no conversions (`!r`), and a format spec may only
align, pad and cut (`{id:0>5}`, `{stem:.40}`) up to `MAX_WIDTH` characters, so a pattern can
neither reach into Python objects nor ask for a gigabyte of padding.

A resolved name is one plain file name in the export folder: path separators become `_`,
leading dots are dropped (no hidden files, no `..`), control characters and bytes that are not
valid text (from a master's file name) become `_`. A NUL or a name longer than the file system
allows is left for the caller to report for that one file (`output.name_problem`).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from provenance.domain.errors import InvalidValue

FIELDS = ("name", "stem", "ext", "accession", "id")
#: The widest padding or cut a format spec may ask for (a file name holds 255 bytes at most).
MAX_WIDTH = 255
#: The longest pattern accepted.
MAX_PATTERN = 255
_SPEC = re.compile(r"(?:[^{}]?[<>^])?0?(?P<width>\d{1,4})?(?:\.(?P<precision>\d{1,4}))?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Control characters other than NUL, and lone surrogates (undecodable bytes of a file name).
_UNSAFE = re.compile(r"[\x01-\x1f\x7f\ud800-\udfff]")
_HELP = "use only {name}, {stem}, {ext}, {accession} and {id}, with every brace closed"

Piece = tuple[str, str | None, str]  # literal text, field, format spec


def parse_pattern(pattern: str) -> list[Piece]:
    """The pieces of `pattern`; raises InvalidValue with a plain sentence if it is not allowed."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise InvalidValue("the naming pattern is empty; {name} keeps the original file names")
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
    if len(pattern) > MAX_PATTERN:
        raise InvalidValue(
            f"the naming pattern is {len(pattern)} characters long; use at most {MAX_PATTERN}"
        )
    if _CONTROL.search(pattern):
        raise InvalidValue(f"the naming pattern {shown!r} contains a control character; {_HELP}")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        raise InvalidValue(f"the naming pattern {shown!r} is not valid; {_HELP}") from None
    pieces: list[Piece] = []
    for literal, field, spec, conversion in parsed:
        if field is None:
            pieces.append((literal, None, ""))
            continue
        if field not in FIELDS:
            raise InvalidValue(
                f"the naming pattern {shown!r} uses {{{field}}}, which is not a naming field; "
                f"{_HELP}"
            )
        if conversion is not None:
            raise InvalidValue(
                f"the naming pattern {shown!r} asks for a conversion (!{conversion}); {_HELP}"
            )
        spec = spec or ""
        match = _SPEC.fullmatch(spec)
        if match is None:
            raise InvalidValue(
                f"the naming pattern {shown!r} has a format {spec!r} Credence does not use; "
                "a field may only be padded or cut, as in {id:0>5} or {stem:.40}"
            )
        for number in (match["width"], match["precision"]):
            if number is not None and int(number) > MAX_WIDTH:
                raise InvalidValue(
                    f"the naming pattern {shown!r} asks for {int(number)} characters in one "
                    f"field; use at most {MAX_WIDTH}"
                )
        pieces.append((literal, field, spec))
    return pieces


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot name export files (a plain sentence), or None when it can."""
    try:
        parse_pattern(pattern)
    except InvalidValue as exc:
        sentence = str(exc)
        return sentence[:1].upper() + sentence[1:] + "."
    return None


def resolve_name(pattern: str, source: Path, accession: str | None, item_id: int) -> str:
    """The file name an export of `source` gets from `pattern` (one name, no folder parts)."""
    values = {
        "name": source.name,
        "stem": source.stem,
        "ext": source.suffix.lstrip("."),
        "accession": accession or f"item-{item_id}",
        "id": str(item_id),
    }
    parts = []
    for literal, field, spec in parse_pattern(pattern):
        parts.append(literal)
        if field is not None:
            parts.append(format(values[field], spec))
    name = "".join(parts)
    if "." not in name.rsplit("/", 1)[-1]:
        name += source.suffix
    name = _UNSAFE.sub("_", name.replace("/", "_").replace("\\", "_")).lstrip(".")
    return name or _UNSAFE.sub("_", source.name).lstrip(".") or f"item-{item_id}"
