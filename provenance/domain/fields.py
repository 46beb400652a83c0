"""Catalog values as stored: typed or imported text cleaned, accession numbers checked, capture
types and whole numbers range-checked. Each refusal is an InvalidValue naming the value."""

from __future__ import annotations

from typing import Any

from provenance.domain.categories import capture_type
from provenance.domain.errors import InvalidValue
from provenance.domain.text import MAX_SQLITE_INT, check_key, clean_text
from provenance.domain.views import ITEM_FIELDS

#: Where an AI tool runs.
TOOL_RUNS = ("on-device", "cloud")


def blank_to_none(value: Any) -> str | None:
    """Typed or imported text as stored: trimmed, NFC, no stray control characters."""
    if value is None:
        return None
    value = clean_text(str(value)).strip()
    return value or None


def check_sqlite_int(value: int, what: str) -> int:
    """`value` if SQLite can hold it; InvalidValue naming `what` otherwise (never OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{what} must be a whole number, not {value!r}")
    if not -MAX_SQLITE_INT - 1 <= value <= MAX_SQLITE_INT:
        raise InvalidValue(f"{what} {value} is out of range (the largest is {MAX_SQLITE_INT})")
    return value


def check_limit(limit: int | None, offset: int = 0) -> None:
    """Refuse a negative (or out-of-range) `limit` or `offset` of a listing."""
    if limit is not None and check_sqlite_int(limit, "limit") < 0:
        raise InvalidValue(f"limit {limit} is negative; give 0 or more")
    if check_sqlite_int(offset, "offset") < 0:
        raise InvalidValue(f"offset {offset} is negative; give 0 or more")


def checked_capture_type(value: Any) -> str | None:
    """A capture type key (or None), or InvalidValue naming the allowed values."""
    try:
        return capture_type(None if value is None else str(value))
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None


def clean_fields(fields: dict[str, Any]) -> dict[str, str | None]:
    """Catalog fields (ITEM_FIELDS and capture_type) as stored; unknown names are refused."""
    unknown = set(fields) - set(ITEM_FIELDS) - {"capture_type"}
    if unknown:
        raise InvalidValue(
            f"unknown catalog field {sorted(unknown)[0]!r}; fields are "
            f"{', '.join(ITEM_FIELDS)}, capture_type"
        )
    special = ("accession", "capture_type")
    values = {k: blank_to_none(v) for k, v in fields.items() if k not in special}
    if "accession" in fields:
        # Checked as given, before any cleaning: an invisible character is refused, not
        # silently removed (the number on the object's label must be the one stored).
        raw = fields["accession"]
        accession = str(raw).strip() if raw is not None else ""
        try:
            values["accession"] = check_key(accession, "accession number") or None
        except ValueError as exc:
            raise InvalidValue(str(exc)) from None
    if "capture_type" in fields:
        values["capture_type"] = checked_capture_type(fields["capture_type"])
    return values


def clean_extra(extra: dict[str, str | None]) -> dict[str, str | None]:
    """Extra fields as stored: names in NFC without control characters, values cleaned."""
    cleaned: dict[str, str | None] = {}
    for key, value in extra.items():
        name = clean_text(str(key)).strip()
        if not name:
            raise InvalidValue("an extra field needs a name")
        cleaned[name] = None if value is None else clean_text(str(value))
    return cleaned


def extra_changes(
    current: dict[str, str], extra: dict[str, str | None]
) -> tuple[dict[str, str | None], dict[str, str | None], dict[str, str]]:
    """What setting `extra` (None removes a field) changes in `current` extra fields.

    Returns (before, after) keyed ``extra.<name>`` for the history, and the new extra dict.
    """
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    new_extra = dict(current)
    for key, value in extra.items():
        if new_extra.get(key) != value:
            before[f"extra.{key}"], after[f"extra.{key}"] = new_extra.get(key), value
            if value is None:
                new_extra.pop(key, None)
            else:
                new_extra[key] = value
    return before, after, new_extra
