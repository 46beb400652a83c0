"""Accessibility preflight of one laid-out label: plain findings a registrar can act on.

Rules (ids are stable; messages are for people):

- ``min-type-size``: a block is set smaller than the template's minimum type size.
- ``contrast``: text against its background is below 7:1 (WCAG 2 contrast formula, level AAA).
- ``line-length``: a block's lines average more than 55 characters.
- ``sentence-length``: a sentence has more than 25 words.
- ``word-count``: the label has more than 100 words.
- ``overflow``: the text does not fit even at the minimum size; some lines are not printed.

Words are runs of non-space characters; in Chinese and Japanese, which do not put spaces
between words, every two Han or kana characters count as one word.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from labels.content import LabelContent
from labels.paint import LabelLayout
from labels.templates import Template, block_parts

MIN_CONTRAST = 7.0
MAX_LINE_CHARS = 55
MAX_SENTENCE_WORDS = 25
MAX_LABEL_WORDS = 100

BLOCK_NAMES = {
    "title": "title",
    "maker": "maker",
    "date": "date",
    "medium": "medium",
    "credit_line": "credit line",
    "accession": "accession number",
    "badge": "disclosure badge",
    "sentence": "disclosure sentence",
}
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = re.compile(f"[^\\s{_CJK}]+")
# A sentence ends at . ! ? (and their CJK/Arabic forms) followed by a space or the end.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？؟])")


@dataclass(frozen=True)
class Finding:
    """One preflight finding: a stable rule id and a plain message."""

    rule: str
    message: str


def block_name(entry: str) -> str:
    """How to name a block entry to a person: "maker+date" -> "maker and date"."""
    return " and ".join(BLOCK_NAMES.get(p, p) for p in block_parts(entry))


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@functools.lru_cache(maxsize=64)
def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def count_words(text: str) -> int:
    """Words in `text` (see the module notes for Chinese and Japanese)."""
    return len(_WORD.findall(text)) + math.ceil(len(_CJK_CHAR.findall(text)) / 2)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fmt(value: float) -> str:
    return f"{value:g}"


def preflight(content: LabelContent, layout: LabelLayout, template: Template) -> list[Finding]:
    """Check one label as laid out by `paint_label`; an empty list means it passes."""
    findings: list[Finding] = []

    for entry, size in layout.sizes_used.items():
        if size < template.min_size_pt - 1e-6:
            findings.append(
                Finding(
                    "min-type-size",
                    f"The {block_name(entry)} is set in {_fmt(size)} pt type; this template "
                    f"asks for at least {_fmt(template.min_size_pt)} pt.",
                )
            )

    colours = template.colours
    pairs = [("Text", colours["text"], colours["background"])]
    if "badge" in layout.sizes_used:
        pairs.append(("Badge text", colours["badge_text"], colours["badge_background"]))
    for what, foreground, background in pairs:
        ratio = contrast_ratio(foreground, background)
        if ratio < MIN_CONTRAST:
            findings.append(
                Finding(
                    "contrast",
                    f"{what} ({foreground} on {background}) has a contrast of {ratio:.1f}:1; "
                    f"use colours with at least {_fmt(MIN_CONTRAST)}:1.",
                )
            )

    for entry, lines in layout.lines.items():
        if not lines or entry == "badge":
            continue
        average = sum(len(line) for line in lines) / len(lines)
        if average > MAX_LINE_CHARS:
            findings.append(
                Finding(
                    "line-length",
                    f"Lines of the {block_name(entry)} average {average:.0f} characters; keep "
                    f"them to {MAX_LINE_CHARS} or fewer (larger type or a narrower column).",
                )
            )

    shown = [
        (entry, text)
        for entry in layout.lines
        for text in (content.field(p) for p in block_parts(entry))
        if text
    ]
    total = 0
    for entry, text in shown:
        for sentence in _sentences(text):
            words = count_words(sentence)
            total += words
            if words > MAX_SENTENCE_WORDS:
                findings.append(
                    Finding(
                        "sentence-length",
                        f"A sentence in the {block_name(entry)} has {words} words "
                        f"(“{_shorten(sentence)}”); keep sentences to {MAX_SENTENCE_WORDS} "
                        "words or fewer.",
                    )
                )

    if total > MAX_LABEL_WORDS:
        findings.append(
            Finding(
                "word-count",
                f"The label has {total} words; keep it to {MAX_LABEL_WORDS} or fewer.",
            )
        )

    if layout.overflow:
        hidden = [line for lines in layout.hidden_lines.values() for line in lines]
        start = f" (from “{_shorten(hidden[0])}”)" if hidden else ""
        findings.append(
            Finding(
                "overflow",
                f"The text does not fit even at the {_fmt(template.min_size_pt)} pt minimum: "
                f"{len(hidden)} line(s) are not printed{start}. Shorten the text or choose a "
                "larger template.",
            )
        )
    return findings
