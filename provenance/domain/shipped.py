"""The controlled vocabularies shipped with Credence (`resources/vocabularies/index.json`):
their names, titles, licences, and which one a concept URI belongs to. No import here (that
is `importing.vocabulary`); this is what can be said about them without a library."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from provenance.domain.errors import InvalidValue
from provenance.domain.reports import ShippedVocabularyView


@cache  # the index ships with the program: read once, it cannot change while it runs
def _index() -> tuple[dict, ...]:
    text = (resources.files("resources") / "vocabularies" / "index.json").read_text("utf-8")
    return tuple(json.loads(text))


def shipped_vocabularies(
    imported_schemes: frozenset[str] = frozenset(),
) -> list[ShippedVocabularyView]:
    """Every shipped vocabulary, marked imported when its scheme URI is in `imported_schemes`."""
    return [
        ShippedVocabularyView(
            name=v["name"],
            title=v["title"],
            description=v["description"],
            concepts=v["concepts"],
            languages=tuple(v["languages"]),
            licence=v["licence"],
            attribution=v["attribution"],
            scheme=v["scheme"],
            imported=v["scheme"] in imported_schemes,
        )
        for v in _index()
    ]


def shipped_file(name: str):
    """The packaged file (an importlib Traversable) of the shipped vocabulary `name`."""
    for v in _index():
        if v["name"] == name.strip().lower():
            return resources.files("resources") / "vocabularies" / v["file"]
    names = ", ".join(v["name"] for v in _index())
    raise InvalidValue(
        f"no vocabulary named {name!r} ships with Credence; the shipped ones are {names}"
    )


def is_shipped(name: str) -> bool:
    """Whether `name` names a shipped vocabulary."""
    return any(v["name"] == name.strip().lower() for v in _index())


def import_hint(uri: str) -> str:
    """How to get the concept `uri` into the library: the shipped vocabulary it belongs to,
    else importing its vocabulary's file."""
    for v in _index():
        if uri.startswith(v["namespace"]):
            return (
                f"import its vocabulary first: it ships with Credence as {v['name']!r} "
                f"(credence vocab import {v['name']})"
            )
    return "import its vocabulary first (credence vocab import FILE)"
