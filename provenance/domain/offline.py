"""Views of offline work: a check-out, a check-in and the conflicts a check-in could not apply."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: How a conflict came about.
CONFLICT_KINDS = {
    "field": "the value was changed in the team library meanwhile",
    "deleted": "the record was deleted in the team library meanwhile",
    "accession": "the accession number is already used by another item in the team library",
    "changed": "the record was changed in the team library before the laptop deleted it",
}

#: How a conflict can be resolved (`--keep`).
KEEP_CHOICES = ("mine", "theirs")


@dataclass(frozen=True)
class CheckoutReport:
    """What a check-out made: the new laptop library and what it holds."""

    folder: str
    source: str
    team_head: int
    items: int
    events: int
    disclosures: int
    assets: int
    tools: int
    concepts: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        return asdict(self)


@dataclass(frozen=True)
class ConflictView:
    """A laptop change that was not applied: both values, where it came from, and (once
    resolved) the decision."""

    id: int
    kind: str
    item: int | None
    item_label: str | None
    entity: str
    entity_id: int | None
    field: str
    ours: Any
    theirs: Any
    base: Any
    entry: int
    entry_hash: str
    source: str
    by: str
    at: str
    state: str = "open"
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None

    @property
    def reason(self) -> str:
        """Why it is a conflict, in words."""
        return CONFLICT_KINDS.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (`ours` is the laptop's value, `theirs` the team's)."""
        data = asdict(self)
        data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class CheckinReport:
    """What a check-in did: entries applied, conflicts held, entries that do not travel."""

    applied: int
    conflicts: tuple[ConflictView, ...] = ()
    #: Entries already so in the team library (the same change was made on both sides).
    unchanged: int = 0
    #: Entries checked in before (by hash): a second check-in applies nothing new.
    already: int = 0
    #: (laptop entry, reason) for changes that stay on the laptop (signed exports, ...).
    skipped: tuple[tuple[int, str], ...] = ()
    #: New records made offline: (kind, laptop id, team id).
    new_ids: tuple[tuple[str, int, int], ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: {"applied": N, "conflicts": [...], ...}."""
        return {
            "applied": self.applied,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "unchanged": self.unchanged,
            "already_checked_in": self.already,
            "skipped": [{"entry": e, "reason": r} for e, r in self.skipped],
            "new_ids": [{"kind": k, "laptop": a, "team": b} for k, a, b in self.new_ids],
            "warnings": list(self.warnings),
        }
