"""Keywords and subjects as words: how a tag is cleaned, compared and labelled (no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from provenance.domain.errors import InvalidValue
from provenance.domain.text import clean_text

#: Longer than any real keyword; longer text is a paste gone wrong.
MAX_KEYWORD = 200
_SPACES = re.compile(r"\s+")


def clean_keyword(value: str) -> str:
    """A keyword as stored: NFC, no control characters, inner runs of space made one space."""
    if not isinstance(value, str):
        raise InvalidValue(f"a keyword is text, not {value!r}")
    keyword = _SPACES.sub(" ", clean_text(value)).strip()
    if not keyword:
        raise InvalidValue("an empty keyword cannot be added")
    if len(keyword) > MAX_KEYWORD:
        raise InvalidValue(f"keyword {keyword[:40]!r}... is longer than {MAX_KEYWORD} characters")
    return keyword


def fold(value: str) -> str:
    """What tags are compared by: the cleaned text, case folded ("Harbour" == "HARBOUR")."""
    return _SPACES.sub(" ", clean_text(value)).strip().casefold()


def best_label(labels: Iterable[tuple[str, str, str]], languages: Iterable[str] = ("en",)) -> str:
    """The label to show for a concept, from (kind, language, label) triples: a preferred
    label in the first of `languages` that has one ("en" also takes "en-GB"), else one with
    no language, else any preferred label, else any label at all."""
    labels = list(labels)
    prefs = sorted((lang, text) for kind, lang, text in labels if kind == "pref")
    for wanted in (*languages, ""):
        for lang, text in prefs:
            if lang.lower() == wanted or (wanted and lang.lower().startswith(wanted + "-")):
                return text
    if prefs:
        return prefs[0][1]
    return sorted(text for _k, _l, text in labels)[0] if labels else ""


def best_title(titles: Mapping[str, str], languages: Iterable[str] = ("en",)) -> str | None:
    """A scheme's title in the first of `languages` it has, else any."""
    return best_label((("pref", k, v) for k, v in titles.items()), languages) or None


# -- several tags in one catalog cell ----------------------------------------------------
#
# A catalog file's `keywords` and `subjects` cells hold several values separated by "; ".
# A `;` inside one value is written `\;` and a backslash `\\`; a backslash before anything
# else is kept as it is, so a Windows path or a stray backslash from another program reads
# as it was written. A cell may also be a JSON array (as a JSON catalog gives it).

#: What joins several tags in one catalog cell.
TAG_SEPARATOR = "; "
_URI_START = re.compile(r"<?[A-Za-z][A-Za-z0-9+.-]*:\S")


def join_tags(values: Iterable[str]) -> str:
    """Several tags as one catalog cell ("a; b"), escaped so that `split_tags` gives them
    back exactly."""
    values = list(values)
    cell = TAG_SEPARATOR.join(v.replace("\\", "\\\\").replace(";", "\\;") for v in values)
    if _json_list(cell) is not None:  # a lone "[...]" keyword: say it as JSON, not as itself
        return json.dumps(values, ensure_ascii=False)
    return cell


def _split_raw(cell: str) -> list[str]:
    """The cell cut at every `;` that is not escaped, escapes resolved, spaces kept."""
    if "\\" not in cell:
        return cell.split(";")
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(cell):
        char = cell[i]
        if char == "\\" and cell[i + 1 : i + 2] in (";", "\\"):
            current.append(cell[i + 1])
            i += 2
            continue
        if char == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _json_list(cell: str) -> list[str] | None:
    """The values of a cell that is a JSON array (strings, numbers, or objects with a "uri"
    or "label"), else None."""
    if not (cell.startswith("[") and cell.endswith("]")):
        return None
    try:
        data = json.loads(cell)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    values = []
    for value in data:
        if isinstance(value, dict):
            value = value.get("uri") or value.get("label") or value.get("keyword")
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            values.append(str(value))
        elif value is not None:
            values.append(json.dumps(value, ensure_ascii=False))
    return values


def split_tags(cell: str) -> list[str]:
    """The keywords in one catalog cell, trimmed, empty ones dropped ("a; ; b;" -> a, b)."""
    cell = cell.strip()
    values = _json_list(cell)
    if values is None:
        values = _split_raw(cell)
    return [v.strip() for v in values if v.strip()]


def looks_like_uri(value: str) -> bool:
    """Whether `value` starts like an absolute URI (scheme and colon), <bracketed> or not."""
    return bool(_URI_START.match(value))


def split_subjects(cell: str) -> list[str]:
    """The concept URIs in one catalog cell. A URI may itself hold a `;` (RFC 3986 allows it):
    a piece that follows a `;` directly, with no space, and does not start like a URI, is
    taken as part of the URI before it. <Angle brackets> around a URI are dropped."""
    cell = cell.strip()
    values = _json_list(cell)
    if values is None:
        values = []
        for piece in _split_raw(cell):
            if values and piece[:1].strip() and not looks_like_uri(piece):
                values[-1] += ";" + piece
            else:
                values.append(piece)
    result = []
    for value in values:
        value = value.strip()
        if value.startswith("<") and value.endswith(">"):
            value = value[1:-1].strip()
        if value:
            result.append(value)
    return result


def subject_cell_shape(cell: str) -> bool:
    """Whether a cell looks like a list of concept URIs (text or a JSON array), as opposed to
    some other structure a file happens to call "subjects" (Tate's JSON has a tree there)."""
    cell = cell.strip()
    if not cell:
        return True
    values = _json_list(cell)
    if values is not None:
        return all(looks_like_uri(v) for v in values)
    return looks_like_uri(cell)
