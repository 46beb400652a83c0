"""Frozen views for tagging in the window: completion suggestions, a vocabulary's tree, the
tags counted in the sidebar, and the preview of a tag operation on a selection.

They live beside `views` (not in it) so that tagging views grow here without touching the
catalog's views.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class _Dictable:
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of this view."""
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class TagSuggestion(_Dictable):
    """One completion for typed text: a keyword in use, or a concept of a vocabulary.

    `text` is what is shown and added: the keyword as first spelled, or the concept's
    preferred label in the library's language. `matched` is the label the typed text matched
    when it is another one (an alternative label, another language). `path` holds the labels
    of the broader concepts, top first ("Visual Works", "Photographs"); with poly-hierarchy
    one path is shown and `other_paths` says how many more there are.
    """

    kind: str  # "keyword" or "subject"
    text: str
    count: int = 0  # items with this keyword (subjects: items tagged with the concept itself)
    uri: str | None = None
    scheme: str | None = None  # the scheme's title (its URI when it has none)
    scheme_uri: str | None = None
    path: tuple[str, ...] = ()
    path_uris: tuple[str, ...] = ()
    other_paths: int = 0
    matched: str | None = None

    @property
    def path_text(self) -> str:
        """The broader path in words: "Visual Works > Photographs" ("" at the top)."""
        return " > ".join(self.path)


@dataclass(frozen=True)
class ConceptNode(_Dictable):
    """A concept as a vocabulary browser shows it: label in the library's language, whether
    it has narrower concepts, and how many items are tagged with it (itself, not narrower)."""

    uri: str
    label: str
    scheme_uri: str
    narrower: int = 0
    count: int = 0


@dataclass(frozen=True)
class TagCount(_Dictable):
    """A keyword or subject in use, and on how many items (subjects: the concept itself)."""

    kind: str  # "keyword" or "subject"
    text: str
    count: int
    uri: str | None = None
    scheme: str | None = None

    @property
    def term(self) -> str:
        """What the tag filter (`SearchFilters.tag`, `items --tag`) is given for it."""
        return self.uri or self.text


@dataclass(frozen=True)
class TagPreviewLine(_Dictable):
    """For one tag of an operation: how many of the selected items would gain or lose it."""

    kind: str  # "keyword" or "subject"
    text: str
    gain: int = 0
    lose: int = 0
    uri: str | None = None
    action: str = "add"  # "add" or "remove"


@dataclass(frozen=True)
class TagPreview(_Dictable):
    """What a tag operation would do to a selection, with nothing written: per tag, items
    gaining or losing it; how many items would change at all; references not found."""

    items: int
    changed: int
    lines: tuple[TagPreviewLine, ...] = ()
    not_found: tuple[str, ...] = ()

    @property
    def unchanged(self) -> int:
        """Items the operation would leave as they are."""
        return self.items - self.changed
