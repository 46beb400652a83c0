"""EDTF dates for provenance events (`1890~`, `189X`, `1890/1900`, `1890-05?`).

The earliest and latest days a date can mean are stored beside it, so a timeline can sort
uncertain dates and a search can ask "what happened in the 1890s".
"""

from __future__ import annotations

from provenance.domain.errors import InvalidValue

EDTF_HELP = (
    "use EDTF: 1890, 1890-05, 1890-05-12, 1890~ (about), 1890? (uncertain), 189X (the 1890s), "
    "1890/1900 (between), ../1900 (before 1900)"
)


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
    # edtf (and pyparsing under it) loads only when a date is actually given.
    from edtf import parse_edtf
    from edtf.parser.edtf_exceptions import EDTFParseException

    text = value.strip()
    try:
        parsed = parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError) as exc:
        raise InvalidValue(f"date {value!r} is not an EDTF date; {EDTF_HELP}") from exc
    try:
        earliest, latest = _iso(parsed.lower_strict()), _iso(parsed.upper_strict())
    except (AttributeError, ValueError, OverflowError):
        earliest = latest = None
    return text, earliest, latest
