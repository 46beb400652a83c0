"""Disclosure categories: the stable slugs a registrar chooses from, and what each means downstream.

Each category maps to an IPTC digital source type (written into XMP and the C2PA actions by the
export) and to the C2PA action that records the AI work. Text-level categories describe work on
catalog fields, not pixels, so they carry no digital source type for the image itself.
"""

from __future__ import annotations

from dataclasses import dataclass

IPTC_DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"

#: Capture types a registrar may record for an item with no AI involvement (category `none`).
CAPTURE_TYPES: dict[str, str] = {
    "digitalCapture": IPTC_DST + "digitalCapture",
    "negativeFilm": IPTC_DST + "negativeFilm",
    "positiveFilm": IPTC_DST + "positiveFilm",
    "print": IPTC_DST + "print",
}


#: Source types that say AI made or changed an image (found in files on import, for example).
AI_SOURCE_TYPES: frozenset[str] = frozenset(
    IPTC_DST + term
    for term in (
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicallyEnhanced",
        "compositeSynthetic",
        "algorithmicMedia",
        "dataDrivenMedia",
    )
)


@dataclass(frozen=True)
class Category:
    """One disclosure category.

    `digital_source_type` is the full IPTC URI (None for text-level categories and for `none`,
    whose source type is the capture type). `c2pa_action` is the action the export records for
    the AI work (None when nothing was done to pixels). `touches_pixels` separates image-level
    categories from the ones that only touch catalog fields.
    """

    slug: str
    label: str
    digital_source_type: str | None
    c2pa_action: str | None
    touches_pixels: bool
    examples: str


CATEGORIES: tuple[Category, ...] = (
    Category("none", "No AI use recorded", None, None, False, "digitised or photographed only"),
    Category(
        "ai-enhanced",
        "AI-enhanced",
        IPTC_DST + "algorithmicallyEnhanced",
        "c2pa.edited",
        True,
        "upscaling, denoising, sharpening",
    ),
    Category(
        "ai-restored",
        "AI-restored",
        IPTC_DST + "compositeWithTrainedAlgorithmicMedia",
        "c2pa.edited",
        True,
        "inpainting, reconstruction, colourisation",
    ),
    Category(
        "ai-generated",
        "AI-generated",
        IPTC_DST + "trainedAlgorithmicMedia",
        "c2pa.created",
        True,
        "an image made by a generative model",
    ),
    Category(
        "ai-composite",
        "AI composite",
        IPTC_DST + "compositeSynthetic",
        "c2pa.placed",
        True,
        "generated elements combined with a photograph",
    ),
    Category(
        "ai-transcribed",
        "AI-transcribed",
        None,
        None,
        False,
        "handwriting or print read by a model",
    ),
    Category("ai-translated", "AI-translated", None, None, False, "catalog text translated"),
    Category("ai-described", "AI-described", None, None, False, "description or alt text drafted"),
    Category(
        "ai-assisted-research",
        "AI-assisted research",
        None,
        None,
        False,
        "attribution, dating or provenance research helped by a model",
    ),
)

_BY_SLUG = {c.slug: c for c in CATEGORIES}


def category(slug: str) -> Category:
    """Return the category for `slug`, or raise ValueError naming the valid slugs."""
    try:
        return _BY_SLUG[slug]
    except KeyError:
        valid = ", ".join(c.slug for c in CATEGORIES)
        raise ValueError(f"unknown disclosure category {slug!r}; use one of: {valid}") from None


def category_slugs() -> tuple[str, ...]:
    """All category slugs in display order."""
    return tuple(c.slug for c in CATEGORIES)
