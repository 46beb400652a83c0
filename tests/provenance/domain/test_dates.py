"""EDTF dates in plain words, in every language the date wording is written in."""

from __future__ import annotations

import json
import string
from importlib import resources

import pytest

from provenance import describe_date
from provenance.domain.dates import date_languages, parse_event_date
from provenance.domain.errors import InvalidValue

LANGUAGES = ("en", "fr", "es", "de", "nb")

#: EDTF -> words, per language (en, fr, es, de, nb).
CASES = {
    "1890~": ("about 1890", "vers 1890", "hacia 1890", "um 1890", "omkring 1890"),
    "1890?": (
        "1890, uncertain",
        "1890, incertain",
        "1890, incierto",
        "1890, unsicher",
        "1890, usikkert",
    ),
    "1890%": (
        "about 1890, uncertain",
        "vers 1890, incertain",
        "hacia 1890, incierto",
        "um 1890, unsicher",
        "omkring 1890, usikkert",
    ),
    "../1900": ("before 1900", "avant 1900", "antes de 1900", "vor 1900", "før 1900"),
    "1890/..": ("after 1890", "après 1890", "después de 1890", "nach 1890", "etter 1890"),
    "1890/1900": ("1890–1900",) * 5,
    "189X": ("1890s", "années 1890", "década de 1890", "1890er-Jahre", "1890-årene"),
    "18XX": ("19th century", "XIXe siècle", "siglo XIX", "19. Jahrhundert", "1800-tallet"),
    "2024-03-22": (
        "22 March 2024",
        "22 mars 2024",
        "22 de marzo de 2024",
        "22. März 2024",
        "22. mars 2024",
    ),
    "1890-05": ("May 1890", "mai 1890", "mayo de 1890", "Mai 1890", "mai 1890"),
    "1890-21": (
        "spring 1890",
        "printemps 1890",
        "primavera de 1890",
        "Frühling 1890",
        "våren 1890",
    ),
    "1890-23": ("autumn 1890", "automne 1890", "otoño de 1890", "Herbst 1890", "høsten 1890"),
    "-0100": ("100 BC", "100 av. J.-C.", "100 a. C.", "100 v. Chr.", "100 f.Kr."),
    "[1890,1891]": (
        "1890 or 1891",
        "1890 ou 1891",
        "1890 o 1891",
        "1890 oder 1891",
        "1890 eller 1891",
    ),
}


@pytest.mark.parametrize("edtf", sorted(CASES))
@pytest.mark.parametrize("index", range(len(LANGUAGES)), ids=LANGUAGES)
def test_edtf_in_words(edtf: str, index: int) -> None:
    assert describe_date(edtf, LANGUAGES[index]) == CASES[edtf][index]


def test_qualifiers_are_never_dropped() -> None:
    # The issue: "1890~" and "1890?" both read like "1890".
    for language in LANGUAGES:
        plain = describe_date("1890", language)
        assert plain == "1890"
        said = {describe_date(f"1890{q}", language) for q in ("~", "?", "%")}
        assert len(said) == 3 and plain not in said


def test_more_forms() -> None:
    assert describe_date("2024-03-01", "fr") == "1er mars 2024"
    assert describe_date("1890-05-XX") == "May 1890"
    assert describe_date("1890-05-12?") == "12 May 1890, uncertain"
    assert describe_date("1890~/1900?") == "about 1890 – 1900, uncertain"
    assert describe_date("/1900") == "before 1900"
    assert describe_date("{1890,1891}") == "1890 and 1891"
    assert describe_date("[..1760-12-03]") == "3 December 1760 or earlier"
    assert describe_date("1985-04-12T23:20:30") == "12 April 1985, 23:20"
    assert describe_date("1890-33") == "first quarter of 1890"
    assert describe_date("20XX") == "21st century"


def test_text_that_is_not_edtf_is_kept() -> None:
    assert describe_date("about 1890") == "about 1890"
    assert describe_date("  20th century ") == "20th century"
    assert describe_date(None) == "" and describe_date("  ") == ""
    # A form the wording has no words for is shown as written, never wrongly.
    assert describe_date("1950S2") == "1950S2"


def test_unknown_language_falls_back_to_english() -> None:
    assert describe_date("1890~", "ar") == "about 1890"
    assert describe_date("1890~", "fr-CA") == "vers 1890"
    assert describe_date("1890~", None) == "about 1890"


def test_every_language_has_the_same_words_and_placeholders() -> None:
    assert set(LANGUAGES) <= set(date_languages())
    folder = resources.files("resources") / "dates"
    english = json.loads((folder / "en.json").read_text(encoding="utf-8"))

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for language in date_languages():
        words = json.loads((folder / f"{language}.json").read_text(encoding="utf-8"))
        assert set(words) == set(english), language
        for key, value in english.items():
            if isinstance(value, list):
                assert len(words[key]) == len(value), (language, key)
            elif key not in ("century", "language"):
                assert fields(words[key]) == fields(value), (language, key)


def test_library_debug_lines_never_reach_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    # edtf prints "trying to PartialUnspecified.__init__(...)" and raises AttributeError.
    with pytest.raises(InvalidValue):
        parse_event_date("1984-1X")
    assert describe_date("1984-1X") == "1984-1X"
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_plain_dates_are_told_edtf_without_the_parser_exactly_as_the_parser_tells():
    """The fast path for plain years (and years with a month, qualified or not, and decades
    and centuries) agrees with the edtf parser."""
    from provenance.domain.dates import _PLAIN, _edtf, _is_edtf

    samples = [f"{year:04d}" for year in range(0, 10000, 7)]
    samples += [f"1890-{month:02d}" for month in range(0, 26)]
    samples += ["2024-02-29", "1890-02-30", "١٨٩٠", "1890 ", "189", "18900", "1890-1", "-1890"]
    samples += [f"{d}{q}" for d in ("0000", "1890", "9999", "1890-01", "1890-12") for q in "~?%"]
    samples += ["189X", "18XX", "000X", "1XXX", "1X90", "189x", "1890~~", "1890-13~", "1890?~"]
    for text in samples:
        assert _is_edtf(text) == (_edtf(text) is not None), text
    assert _PLAIN.fullmatch("1890") and _PLAIN.fullmatch("1890-12")
    assert _PLAIN.fullmatch("1890~") and _PLAIN.fullmatch("1890-05%") and _PLAIN.fullmatch("189X")
    assert not _PLAIN.fullmatch("١٨٩٠") and not _PLAIN.fullmatch("1890-13")
    assert describe_date("1890") == "1890" and describe_date("1890-05") == "May 1890"
