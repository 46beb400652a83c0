"""Disclosure wording at three levels (badge, sentence, detail) from the record itself.

The words live in `resources/disclosure/<language>.json`, not in code. The export signs these
words into the manifest and XMP; the labels print the same ones, so a wall label and the file it
describes can never disagree. An override recorded by a registrar wins over the generated text.

The purpose is free text, typed in one language: the library's wording language when it was
written (`source_language`). Another language shows the registrar's translation when there is
one, else the purpose as typed with a marker saying it is not translated and in which language
it is, never foreign words passed off as the reader's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from provenance.domain.categories import category
from provenance.domain.errors import InvalidValue
from provenance.domain.views import DisclosureView, ToolView

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Wording:
    """What a disclosure says, at three levels."""

    badge: str
    sentence: str
    detail: str
    language: str


@lru_cache(maxsize=8)
def _catalog(language: str) -> dict[str, Any]:
    # Cached per language: the files are read-only resources shipped with the package.
    path = resources.files("resources") / "disclosure" / f"{language}.json"
    if not path.is_file():
        raise ValueError(f"no disclosure wording for language {language!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def available_languages() -> tuple[str, ...]:
    """The language codes with disclosure wording shipped in resources/disclosure."""
    folder = resources.files("resources") / "disclosure"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def check_language(language: str) -> None:
    """Raise InvalidValue unless disclosure wording is shipped in `language`."""
    if language not in available_languages():
        raise InvalidValue(
            f"no disclosure wording in {language!r}; available: {', '.join(available_languages())}"
        )


def _join(items: list[str], words: dict[str, Any]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + words["list_and"] + items[-1]


def _month_year(iso: str | None, words: dict[str, Any]) -> str:
    if not iso:
        return ""
    when = datetime.fromisoformat(iso)
    pattern = words.get("month_year", "{month} {year}")  # Spanish: "{month} de {year}"
    return pattern.format(month=words["months"][when.month - 1], year=when.year)


def tool_phrase(tool: ToolView, words: dict[str, Any]) -> str:
    """How a disclosure sentence names an AI tool (name, version, vendor) in `words`' language."""
    name = (
        words["tool_version"].format(name=tool.name, version=tool.version)
        if tool.version
        else words["tool"].format(name=tool.name)
    )
    return words["tool_vendor"].format(tool=name, vendor=tool.vendor) if tool.vendor else name


def disclosure_wording(
    disclosure: DisclosureView,
    tools: list[ToolView],
    *,
    language: str = DEFAULT_LANGUAGE,
    reviewer: str | None = None,
    source_language: str = DEFAULT_LANGUAGE,
) -> Wording:
    """Badge, sentence and detail for `disclosure`.

    `tools` are the registry entries named by the disclosure. `reviewer` replaces the
    reviewer's name (an institution may print a role, e.g. "the registrar", for privacy).
    `source_language` is the language the purpose was typed in (the library's setting).
    """
    words = _catalog(language)
    text = words["categories"][category(disclosure.category).slug]
    with_tools = (
        words["with_tools"].format(tools=_join([tool_phrase(t, words) for t in tools], words))
        if tools
        else ""
    )
    names = [words["field_names"].get(f, f) for f in disclosure.fields]
    fields = _join(names, words) if names else words["default_fields"]
    was = words["were"] if len(names) > 1 else words["was"]
    sentence = text["sentence"].format(with_tools=with_tools, fields=fields, was=was)
    if disclosure.category != "none":
        if disclosure.review_state == "approved":
            who = reviewer or disclosure.approved_by or ""
            sentence += words["approved"].format(
                reviewer=who, date=_month_year(disclosure.approved_at, words)
            )
        elif disclosure.review_state == "reviewed":
            who = reviewer or disclosure.reviewed_by or ""
            sentence += words["reviewed"].format(
                reviewer=who, date=_month_year(disclosure.reviewed_at, words)
            )
        else:
            sentence += words["pending"]
    else:
        sentence += "."
    override = (disclosure.overrides or {}).get(language)
    if override:
        sentence = override  # the registrar's own words print and sign as written
    purpose = purpose_phrase(disclosure, words, source_language)
    detail = text["detail"].format(purpose=purpose).strip()
    return Wording(text["badge"], sentence, detail, language)


def purpose_phrase(disclosure: DisclosureView, words: dict[str, Any], source_language: str) -> str:
    """The purpose sentence of the detail in `words`' language ("" without a purpose)."""
    if not disclosure.purpose:
        return ""  # a translation of a purpose since removed says nothing
    language = words["language"]
    # A trailing full stop typed by the registrar would double the template's own.
    translated = (disclosure.purpose_translation(language) or "").rstrip(". ")
    if translated:
        return words["purpose"].format(purpose=translated)
    purpose = disclosure.purpose.rstrip(". ") or disclosure.purpose
    if language == source_language:
        return words["purpose"].format(purpose=purpose)
    name = words["language_names"].get(source_language, source_language)
    return words["purpose_untranslated"].format(purpose=purpose, language=name)
