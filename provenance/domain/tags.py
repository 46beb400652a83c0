"""Keywords and subjects as words: how a tag is cleaned, compared and labelled (no I/O)."""

from __future__ import annotations

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
