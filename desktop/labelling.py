"""From library items to label contents: which disclosure a label shows, whether it is a
draft, and what its QR code says. Shared by `credence labels` and the Print labels dialog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labels import LabelContent, label_content
from provenance import CATEGORIES, ItemView, Wording, category

if TYPE_CHECKING:
    from provenance import Library, LibraryReader

#: Image-level categories first: a wall label leads with what was done to the picture.
_ORDER = {c.slug: n for n, c in enumerate(CATEGORIES) if c.slug != "none"}


@dataclass
class LabelPlan:
    contents: list[LabelContent] = field(default_factory=list)
    items: list[ItemView] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (item label, reason)


def qr_text(item: ItemView, pattern: str | None, library: Library | LibraryReader) -> str | None:
    """The QR code's text: a URL from a pattern ({accession}, {id}), or with the pattern
    "export", the newest export's manifest id and file hash (to match a label to its file)."""
    if not pattern:
        return None
    if pattern == "export":
        exports = library.exports_of(item.id)
        if not exports:
            return None
        newest = exports[0]
        return f"{newest.manifest_id} sha256:{newest.sha256}"
    return pattern.replace("{accession}", item.accession or "").replace("{id}", str(item.id))


def plan_labels(
    library: Library | LibraryReader,
    items: Sequence[ItemView],
    *,
    language: str | None = None,
    allow_unreviewed: bool = False,
    qr_pattern: str | None = None,
) -> LabelPlan:
    """Label contents for `items` (plain views: details are read here, for all at once); an
    item whose AI disclosure is not approved is refused, unless `allow_unreviewed`, and then
    its label carries a visible DRAFT mark. An item whose image file itself says AI made or
    changed it needs a recorded disclosure of that work: without one it is refused even with
    `allow_unreviewed` (there is nothing to review)."""
    plan = LabelPlan()
    # Two lean reads for the whole batch, so `items` need no details (assets, disclosures).
    ids = [item.id for item in items]
    all_wordings = library.wordings_of(ids, language)
    files_saying_ai = library.files_saying_ai(ids)
    for item in items:
        wordings = all_wordings[item.id]
        ai = [(d, w) for d, w in wordings if d.category != "none"]
        said_ai = files_saying_ai.get(item.id)
        if said_ai and not any(category(d.category).touches_pixels for d, _ in ai):
            name = said_ai.replace("\\", "/").rsplit("/", 1)[-1]
            plan.refused.append(
                (
                    item.label,
                    f"the file {name} says AI made or changed it (its own credentials or XMP), "
                    "but no AI disclosure is recorded; record one and have it approved",
                )
            )
            continue
        pending = [d for d, _ in ai if d.review_state != "approved"]
        if pending and not allow_unreviewed:
            names = ", ".join(sorted({d.category for d in pending}))
            plan.refused.append(
                (item.label, f"its AI disclosure ({names}) is not approved by a named person")
            )
            continue
        shown: Wording | None = None
        if ai:
            shown = min(ai, key=lambda pair: _ORDER.get(pair[0].category, 99))[1]
        elif wordings:
            shown = wordings[0][1]  # "No AI use recorded", when that was recorded
        plan.contents.append(
            label_content(
                item,
                shown,
                qr_text=qr_text(item, qr_pattern, library),
                draft=bool(pending),
                language=language,
            )
        )
        plan.items.append(item)
    return plan
