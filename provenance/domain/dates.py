"""EDTF dates for provenance events (`1890~`, `189X`, `1890/1900`, `1890-05?`).

The earliest and latest days a date can mean are stored beside it, so a timeline can sort
uncertain dates and a search can ask "what happened in the 1890s".
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from provenance.domain.errors import InvalidValue

EDTF_HELP = (
    "use EDTF: 1890, 1890-05, 1890-05-12, 1890~ (about), 1890? (uncertain), 1890% (about, "
    "uncertain), 189X (the 1890s), 1890/1900 (from 1890 to 1900), ../1900 (before 1900), "
    "1890/.. (after 1890)"
)
DEFAULT_DATE_LANGUAGE = "en"


def _edtf(text: str) -> Any | None:
    """The edtf library's parse of `text`, or None when it is not EDTF.

    The library prints a "trying to ...__init__" line to standard output when one of its
    classes rejects a value (e.g. "1984-1X") and then raises whatever that class raised; the
    line is swallowed here so it never reaches a registrar's terminal, and any failure means
    "not EDTF".
    """
    # edtf (and pyparsing under it) loads only when a date is actually given.
    from edtf import parse_edtf

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            return parse_edtf(text)
        except Exception:  # the library raises AttributeError, KeyError... on odd input
            return None


#: A plain year, or a year and month, maybe qualified (1890~, 1890-05?), or a decade or
#: century (189X, 18XX): the commonest catalog and provenance dates, EDTF without asking the
#: parser (which costs milliseconds a value, and loading it 50 ms a command: a thousand labels
#: spent seconds there, and `credence history` most of its time).
_PLAIN = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2]))?[~?%]?|[0-9]{3}X|[0-9]{2}XX")


def _is_edtf(text: str) -> bool:
    """Whether `text` is EDTF, as `_edtf` decides; each other value is parsed once."""
    return _PLAIN.fullmatch(text) is not None or _parses(text)


@lru_cache(maxsize=4096)
def _parses(text: str) -> bool:
    return _edtf(text) is not None


def _iso(parts) -> str | None:
    try:
        year, month, day = parts[0], parts[1], parts[2]
    except (TypeError, IndexError):
        return None
    if abs(year) > 9999:
        return None
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"


def parse_event_date(value: str) -> tuple[str, str | None, str | None]:
    """Check an EDTF string; return (normalised text, earliest ISO day, latest ISO day).

    Raises InvalidValue explaining the accepted forms when the text is not EDTF.
    """
    text = value.strip()
    parsed = _edtf(text)
    if parsed is None:
        raise InvalidValue(f"date {value!r} is not an EDTF date; {EDTF_HELP}")
    try:
        earliest, latest = _iso(parsed.lower_strict()), _iso(parsed.upper_strict())
    except (AttributeError, ValueError, OverflowError):
        earliest = latest = None
    return text, earliest, latest


# -- plain words --------------------------------------------------------------------------------

#: A single date: year (digits or X), optional month (or season) and day.
_SIMPLE = re.compile(
    r"^(?P<neg>-)?(?P<year>[\dX]{4})(?:-(?P<month>[\dX]{2}))?(?:-(?P<day>[\dX]{2}))?$"
)
_LONG_YEAR = re.compile(r"^Y(?P<neg>-)?(?P<digits>\d{5,})$")
_QUALIFIERS = str.maketrans("", "", "~?%")
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, Any]:
    # The words for dates live beside the disclosure wording, one file per language.
    path = resources.files("resources") / "dates" / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def date_languages() -> tuple[str, ...]:
    """Languages the date wording is written in (BCP 47 primary tags, e.g. "en", "fr")."""
    folder = resources.files("resources") / "dates"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def _language(language: str | None) -> str:
    primary = (language or DEFAULT_DATE_LANGUAGE).replace("_", "-").split("-")[0].lower()
    return primary if primary in date_languages() else DEFAULT_DATE_LANGUAGE


def _roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def _ordinal_en(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _year(digits: str, negative: bool, words: dict[str, Any]) -> str:
    year = str(int(digits))  # "0800" -> "800"
    return words["bce"].format(year=year) if negative else year


def _join(items: list[str], joiner: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + joiner + items[-1]


def _core(match: re.Match[str], words: dict[str, Any]) -> str | None:
    """A single unqualified date in words, or None when it has no plain reading here."""
    negative = bool(match["neg"])
    year, month, day = match["year"], match["month"], match["day"]
    if "X" in year:
        if negative or (month and month != "XX") or (day and day != "XX"):
            return None
        if re.fullmatch(r"\d{3}X", year):
            return words["decade"].format(decade=year[:3] + "0")
        if re.fullmatch(r"\d{2}XX", year):
            hundreds = int(year[:2])
            return words["century"].format(
                n=hundreds + 1,
                roman=_roman(hundreds + 1),
                ordinal_en=_ordinal_en(hundreds + 1),
                start=f"{hundreds}00",
            )
        return None
    year_text = _year(year, negative, words)
    if not month or "X" in month:
        return year_text if not day or "X" in day else None
    number = int(month)
    if 21 <= number <= 32:  # seasons (25-32: northern/southern hemisphere, same words)
        season = words["seasons"][(number - 21) % 4]
        return words["season_year"].format(season=season, year=year_text)
    if 33 <= number <= 36:
        part = words["quarters"][number - 33]
        return words["part_of_year"].format(part=part, year=year_text)
    if number in (40, 41):
        part = words["halves"][number - 40]
        return words["part_of_year"].format(part=part, year=year_text)
    if not 1 <= number <= 12:
        return None
    name = words["months"][number - 1]
    if not day or "X" in day:
        return words["month_year"].format(month=name, year=year_text)
    day_text = words["first_day"] if int(day) == 1 else str(int(day))
    return words["day_month_year"].format(day=day_text, month=name, year=year_text)


def _single(text: str, words: dict[str, Any]) -> str | None:
    """One date with its qualifiers (1890~, 1890?, 1890%, 2004-06~-11) in words."""
    if not text:
        return None
    long_year = _LONG_YEAR.match(text)
    if long_year:
        return _year(long_year["digits"], bool(long_year["neg"]), words)
    if "T" in text:
        day, _, time = text.partition("T")
        day_words = _single(day, words)
        if day_words is None or not re.match(r"^\d\d:\d\d", time):
            return None
        return words["date_time"].format(date=day_words, time=time[:5])
    both = "%" in text
    about = both or "~" in text
    uncertain = both or "?" in text
    match = _SIMPLE.match(text.translate(_QUALIFIERS))
    phrase = _core(match, words) if match else None
    if phrase is None:
        return None
    if about and uncertain:
        return words["about_uncertain"].format(date=phrase)
    if about:
        return words["about"].format(date=phrase)
    if uncertain:
        return words["uncertain"].format(date=phrase)
    return phrase


def _set_member(text: str, words: dict[str, Any]) -> str | None:
    if text.startswith(".."):
        single = _single(text[2:], words)
        return words["or_earlier"].format(date=single) if single else None
    if text.endswith(".."):
        single = _single(text[:-2], words)
        return words["or_later"].format(date=single) if single else None
    if ".." in text:
        start, _, end = text.partition("..")
        first, last = _single(start, words), _single(end, words)
        return words["between"].format(start=first, end=last) if first and last else None
    return _single(text, words)


def describe_date(value: str | None, language: str | None = DEFAULT_DATE_LANGUAGE) -> str:
    """An EDTF date in plain words in `language`: "1890~" -> "about 1890", "../1900" ->
    "before 1900", "189X" -> "1890s", "2024-03-22" -> "22 March 2024".

    Text that is not EDTF (a catalog's "about 1890", "20th century") comes back as it is, with
    its whitespace trimmed; None and blank text give "". A language without date wording falls
    back to English.
    """
    text = (value or "").strip()
    if not text:
        return ""
    words = _words(_language(language))
    if not _is_edtf(text):
        return text
    phrase: str | None
    if text[0] in "[{" and text[-1] in "]}":
        members = [_set_member(m.strip(), words) for m in text[1:-1].split(",")]
        joiner = words["list_or"] if text[0] == "[" else words["list_and"]
        phrase = None if None in members else _join([m for m in members if m], joiner)
    elif text.count("/") == 1:
        start, end = text.split("/")
        open_start, open_end = start in ("", ".."), end in ("", "..")
        first = None if open_start else _single(start, words)
        last = None if open_end else _single(end, words)
        if open_start and last:
            phrase = words["before"].format(date=last)
        elif open_end and first:
            phrase = words["after"].format(date=first)
        elif first and last:
            spaced = " " in first or " " in last
            phrase = f"{first} – {last}" if spaced else f"{first}–{last}"
        else:
            phrase = None
    else:
        phrase = _single(text, words)
    return phrase or text
