"""The disclosure wording in every shipped language: same keys and placeholders as English, and
every category renders cleanly (no stray braces, no English left behind) in every review state."""

from __future__ import annotations

import json
import re
import string
from importlib import resources
from typing import Any

import pytest

from provenance.domain.categories import CATEGORIES
from provenance.domain.views import DisclosureView, ToolView
from provenance.domain.wording import available_languages, disclosure_wording

TRANSLATIONS = ("fr", "es", "de", "nb")

#: English words that must not survive in a translation (whole words, case-insensitive).
ENGLISH = (
    "with",
    "and",
    "approved",
    "reviewed",
    "review",
    "pending",
    "was",
    "were",
    "by",
    "staff",
    "the",
    "of",
    "been",
    "recorded",
    "enhanced",
    "restored",
    "generated",
    "composite",
    "transcribed",
    "translated",
    "described",
    "drafted",
    "edited",
    "checked",
    "research",
    "purpose",
    "damaged",
    "catalog",
    "title",
    "description",
)
#: Words that are also correct in the language ("description" in French, "was" = "what" in German).
SAME_IN = {"fr": {"description"}, "de": {"was"}}
#: "AI" is the English abbreviation; the translations use IA / KI.
AI_RE = re.compile(r"\bAI\b")

REVIEWER = "Dana Registrar"
PURPOSE = "Xyzzy"
RESTORER = ToolView(1, "Restorer Q", "Acme Imaging", "2.1", None, None, None, None)
LLM = ToolView(2, "Scribe", "Qwerty Labs", None, None, None, None, None)
INJECTED = (REVIEWER, PURPOSE, "Restorer Q", "Acme Imaging", "Scribe", "Qwerty Labs")


def _raw(language: str) -> dict[str, Any]:
    path = resources.files("resources") / "disclosure" / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _strings(node: Any, prefix: str = "") -> dict[str, str]:
    """Every string in a catalog, by dotted path (list items by index)."""
    if isinstance(node, str):
        return {prefix: node}
    items = node.items() if isinstance(node, dict) else enumerate(node)
    out: dict[str, str] = {}
    for key, value in items:
        out.update(_strings(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _disclosure(slug: str, fields: tuple[str, ...], state: str) -> DisclosureView:
    reviewed = state in ("reviewed", "approved")
    return DisclosureView(
        id=1,
        item_id=1,
        asset_id=None,
        category=slug,
        tools=("Restorer Q",),
        purpose=PURPOSE,
        extent=None,
        fields=fields,
        overrides={},
        review_state=state,
        reviewed_by=REVIEWER if reviewed else None,
        reviewed_at="2026-05-04T10:00:00" if reviewed else None,
        approved_by=REVIEWER if state == "approved" else None,
        approved_at="2026-05-06T10:00:00" if state == "approved" else None,
        created_at="2026-05-01T10:00:00",
    )


def _english_leaks(text: str, language: str) -> list[str]:
    for value in INJECTED:
        text = text.replace(value, " ")
    words = [w for w in ENGLISH if w not in SAME_IN.get(language, set())]
    english = re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)
    return english.findall(text) + AI_RE.findall(text)


def test_available_languages_lists_all_shipped() -> None:
    assert {"en", *TRANSLATIONS} <= set(available_languages())


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_same_keys_and_placeholders_as_english(language: str) -> None:
    english, other = _raw("en"), _raw(language)
    assert other["language"] == language
    assert set(other) == set(english)
    assert set(other["categories"]) == set(english["categories"])
    assert {c.slug for c in CATEGORIES} <= set(other["categories"])
    assert set(other["field_names"]) == set(english["field_names"])
    assert len(other["months"]) == 12
    en_strings, strings = _strings(english), _strings(other)
    assert set(strings) == set(en_strings)
    for path, text in en_strings.items():
        wanted, got = _placeholders(text), _placeholders(strings[path])
        # {was} only picks singular or plural: a language may drop it (phrasing that needs no
        # agreement) or use it where English writes "was" (the research sentence).
        optional = {"was"} if "fields" in wanted else set()
        assert wanted - optional <= got, (path, strings[path])
        assert got <= wanted | optional, (path, strings[path])
    for key in ("reviewed", "approved", "pending"):
        assert other[key].startswith("; ") and other[key].endswith("."), key
    assert other["with_tools"].startswith(" ")


@pytest.mark.parametrize("language", TRANSLATIONS)
@pytest.mark.parametrize("slug", [c.slug for c in CATEGORIES])
@pytest.mark.parametrize("state", ["draft", "reviewed", "approved"])
@pytest.mark.parametrize(
    "fields", [(), ("description",), ("title", "description")], ids=["none", "one", "two"]
)
@pytest.mark.parametrize("tools", [[], [RESTORER], [RESTORER, LLM]], ids=["0", "1", "2"])
def test_every_category_renders(
    language: str, slug: str, state: str, fields: tuple[str, ...], tools: list[ToolView]
) -> None:
    words = _raw(language)
    wording = disclosure_wording(_disclosure(slug, fields, state), tools, language=language)
    assert wording.language == language
    for text in (wording.badge, wording.sentence, wording.detail):
        assert text and text == text.strip()
        assert "{" not in text and "}" not in text, text
        assert "  " not in text, text
        assert not _english_leaks(text, language), (text, _english_leaks(text, language))
    assert wording.badge == words["categories"][slug]["badge"]
    assert wording.sentence.endswith(".")
    assert wording.detail.endswith(".")
    if slug == "none":
        return
    assert PURPOSE in wording.detail
    if tools:
        assert "Restorer Q 2.1 (Acme Imaging)" in wording.sentence
    if len(tools) == 2:
        assert "Scribe (Qwerty Labs)" in wording.sentence
    if "{fields}" in words["categories"][slug]["sentence"]:
        for name in fields or ():
            assert words["field_names"][name] in wording.sentence
        if not fields:
            assert words["default_fields"] in wording.sentence
    date = words["month_year"].format(month=words["months"][4], year=2026)
    if state == "approved":
        assert wording.sentence.endswith(words["approved"].format(reviewer=REVIEWER, date=date))
    elif state == "reviewed":
        assert wording.sentence.endswith(words["reviewed"].format(reviewer=REVIEWER, date=date))
    else:
        assert wording.sentence.endswith(words["pending"])


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_none_never_claims_no_ai_was_used(language: str) -> None:
    wording = disclosure_wording(_disclosure("none", (), "draft"), [], language=language)
    # The sentence reports what was recorded; it ends with a plain full stop and no review.
    assert wording.sentence.endswith(".") and ";" not in wording.sentence
    recorded = {"fr": "documenté", "es": "registr", "de": "verzeichnet", "nb": "registrert"}
    assert recorded[language] in wording.badge.lower()
    assert recorded[language] in wording.detail.lower()
