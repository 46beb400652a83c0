"""Accessibility preflight of one laid-out label: plain findings a registrar can act on.

Rules (ids are stable; messages are for people):

- ``min-type-size``: a block is set smaller than the template's minimum type size.
- ``contrast``: text against its background is below 7:1 (WCAG 2 contrast formula, level AAA).
- ``line-length``: a block's lines average more than 55 characters.
- ``sentence-length``: a sentence has more than 25 words.
- ``word-count``: the label has more than 100 words.
- ``overflow``: the text does not fit even at the minimum size; some lines are not printed.
- ``file-name-title``: the title looks like a file name (IMG_0003, DSC01234.jpg, scan-3), i.e.
  the catalog has no real title yet.
- ``missing-glyph``: a character that neither the label's fonts nor any font on this system
  can show; it would print as an empty box.

Words are runs of non-space characters; in Chinese and Japanese, which do not put spaces
between words, every two Han or kana characters count as one word.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labels.content import LabelContent
from labels.templates import Template, block_parts

if TYPE_CHECKING:
    from labels.paint import LabelLayout

# Qt loads only when a label is checked (see `_has_glyph` and `preflight`): the package
# imports this module eagerly, and planning a batch of labels needs no Qt.

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
    "dimensions": "dimensions",
    "description": "description",
    "badge": "disclosure badge",
    "sentence": "disclosure sentence",
}
_SLANTED_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = re.compile(f"[^\\s{_CJK}]+")
# A sentence ends at . ! ? (and their CJK/Arabic forms) followed by a space or the end.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？؟])")
#: Names cameras, phones, scanners and screenshots give files; and any name ending in a
#: picture or document file extension.
_FILE_NAME = re.compile(
    r"""^(?:
        (?:img|dsc[nf]?|dcim|pxl|mvimg|gopr|sam|imag|p|dji|vid|photo|image|pic|picture|scan|
           scanned|untitled|file|document|doc)[\s_.-]*\d[\w.-]*
      | screen\s?shot\b.*
      | [\w.-]+\.(?:jpe?g|jpe|png|tiff?|heic|heif|webp|gif|bmp|dng|cr2|cr3|nef|arw|orf|rw2|
           raf|psd|pdf|jp2|avif)
      | [a-z]+[_-]\d{3,}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


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


def looks_like_file_name(title: str) -> bool:
    """Whether `title` reads like a file's name rather than a work's title."""
    return bool(_FILE_NAME.match(title.strip()))


@functools.lru_cache(maxsize=4096)  # a batch of labels repeats its texts
def slants(text: str) -> bool:
    """Whether `text` may be set in italic: only Latin, Greek and Cyrillic letters have italics.

    Arabic, Hebrew, CJK and other scripts have no italic convention, and a slanted fallback font
    may not even have their glyphs, so a title in them stays upright. (Here, not in `paint`,
    which uses it too: checking a label needs it for every label, and no Qt.)
    """
    if text.isascii():  # the only letters in ASCII are Latin ones
        return True
    for char in text:
        if char.isalpha() and not unicodedata.name(char, "").startswith(_SLANTED_SCRIPTS):
            return False
    return True


@functools.lru_cache(maxsize=4096)
def _has_glyph(families: tuple[str, ...], char: str, bold: bool, italic: bool) -> bool:
    # Shape the character as a label would (the label's fonts, then Qt's system fallback):
    # glyph 0 is the font's "missing" box.
    from PySide6.QtGui import QTextLayout

    from labels.fonts import label_font

    layout = QTextLayout(char, label_font(families, 12, bold=bold, italic=italic))
    layout.beginLayout()
    layout.createLine().setLineWidth(1000)
    layout.endLayout()
    return all(0 not in run.glyphIndexes() for run in layout.glyphRuns())


def missing_characters(
    text: str, families: tuple[str, ...], *, bold: bool = False, italic: bool = False
) -> list[str]:
    """The characters of `text` that no font can show in that style (in order, once each).

    Needs a QGuiApplication. Spaces and invisible format characters are not checked.
    """
    return list(_missing(text, families, bold, italic))


# Labels of a batch repeat most of their texts (makers, media, credit lines, disclosure
# sentences): each text is checked once, not once per label.
@functools.lru_cache(maxsize=4096)
def _missing(text: str, families: tuple[str, ...], bold: bool, italic: bool) -> tuple[str, ...]:
    missing: list[str] = []
    for char in dict.fromkeys(text):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        if not _has_glyph(families, char, bold, italic):
            missing.append(char)
    return tuple(missing)


@functools.lru_cache(maxsize=4096)
def _sentence_words(text: str) -> tuple[tuple[str, int], ...]:
    # Each sentence of `text` with its word count (texts repeat across a batch, see _missing).
    return tuple((s, count_words(s)) for s in _sentences(text))


@functools.lru_cache(maxsize=256)  # a template's few entries, asked for on every label
def _style(entry: str, bold: tuple[str, ...], italic: tuple[str, ...]) -> tuple[bool, bool]:
    # Whether a template with these bold and italic blocks sets `entry` bold, and italic.
    named = (entry, *block_parts(entry))
    return any(p in bold for p in named), any(p in italic for p in named)


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
        for sentence, words in _sentence_words(text):
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

    title = content.field("title")
    printed = {part for entry in layout.lines for part in block_parts(entry)}
    if title and "title" in printed and looks_like_file_name(title):
        findings.append(
            Finding(
                "file-name-title",
                f"The title “{_shorten(title)}” looks like a file name, not the work's "
                "title; enter the title in the catalog (or “Untitled”).",
            )
        )

    families = (template.font_family, *template.fallback_families)
    for entry, text in shown:
        # The style the painter used for this block (see paint._Builder).
        bold, italic = _style(entry, tuple(template.bold), tuple(template.italic))
        absent = _missing(text, families, bold, italic and slants(text))
        if absent:
            named = ", ".join(f"“{c}” (U+{ord(c):04X})" for c in absent[:5])
            findings.append(
                Finding(
                    "missing-glyph",
                    f"The {block_name(entry)} has characters no installed font can show: "
                    f"{named}; they would print as empty boxes. Install a font that has them "
                    "or change the text.",
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
