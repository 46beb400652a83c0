"""History lines say event dates in words ("about 1890"), not in EDTF ("1890~")."""

from __future__ import annotations

from desktop.history_text import describe_entry
from provenance import HistoryEntryView


def _event(date: str | None) -> HistoryEntryView:
    after = {"action": "acquired", "actor": "Jane Smith", "date": date}
    return HistoryEntryView(1, "2024-03-22T10:00:00", "dana", "event", 3, 1, "create", None,
                            after, None, "0" * 64)  # fmt: skip


def test_event_dates_in_words() -> None:
    assert describe_entry(_event("1890~")) == "recorded event: acquired by Jane Smith about 1890"
    assert describe_entry(_event("../1900")).endswith("before 1900")
    assert describe_entry(_event(None)) == "recorded event: acquired by Jane Smith"
