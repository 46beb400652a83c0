"""Disclosure categories: the stable slugs a registrar chooses from, and what each means downstream.

Each category maps to an IPTC digital source type (written into XMP and the C2PA actions by the
export) and to the C2PA action that records the AI work. Text-level categories describe work on
catalog fields, not pixels, so they carry no digital source type for the image itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

IPTC_DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"

#: Capture types a registrar may record for an item: how its image was made, when no AI made it.
#: Keys are IPTC Digital Source Type terms (cv.iptc.org/newscodes/digitalsourcetype, release
#: 2024-10). Besides the four scans and camera captures, three current terms fit collection
#: imaging: computationalCapture (phone/HDR captures merged from several frames),
#: compositeCapture (stitched or focus-stacked captures of large or deep objects) and
#: screenCapture (born-digital material recorded from a screen).
CAPTURE_TYPES: dict[str, str] = {
    term: IPTC_DST + term
    for term in (
        "digitalCapture",
        "computationalCapture",
        "compositeCapture",
        "negativeFilm",
        "positiveFilm",
        "print",
        "screenCapture",
    )
}

#: What each capture type means, for people (history, the window, `credence --help`).
CAPTURE_LABELS: dict[str, str] = {
    "digitalCapture": "Digital capture (camera)",
    "computationalCapture": "Computational capture (several frames merged)",
    "compositeCapture": "Composite of captures (stitched or stacked)",
    "negativeFilm": "Scan of a negative",
    "positiveFilm": "Scan of a positive (slide or transparency)",
    "print": "Scan of a print",
    "screenCapture": "Screen capture",
}

#: Retired IPTC terms and the current term IPTC names as their replacement. minorHumanEdits
#: and digitalArt were retired in the 2024-Q3 NewsCodes release ("Human-edited media, intended
#: to replace the retired Original media with minor human edits"; "Digital creation, intended
#: to replace the retired Digital art"). softwareImage ("created by computer software") was
#: retired in 2022-Q2 in favour of the terms from purely human to purely machine creation; of
#: those, digitalCreation is the one that claims no more than "made with software" (it claims
#: no capture and no AI).
RETIRED_SOURCE_TYPES: dict[str, str] = {
    IPTC_DST + "minorHumanEdits": IPTC_DST + "humanEdits",
    IPTC_DST + "digitalArt": IPTC_DST + "digitalCreation",
    IPTC_DST + "softwareImage": IPTC_DST + "digitalCreation",
}

#: Source types that say AI made or changed an image (found in files on import, for example).
#: The last one is the C2PA specification's own term for AI-made data.
AI_SOURCE_TYPES: frozenset[str] = frozenset(
    {
        *(
            IPTC_DST + term
            for term in (
                "trainedAlgorithmicMedia",
                "compositeWithTrainedAlgorithmicMedia",
                "algorithmicallyEnhanced",
                "compositeSynthetic",
                "algorithmicMedia",
                "dataDrivenMedia",
            )
        ),
        "http://c2pa.org/digitalsourcetype/trainedAlgorithmicData",
    }
)

#: Source types that say how an image came to exist in the first place (not what was done to
#: it later). Two different origins cannot both be true of one file: a recorded capture type
#: that differs from one of these in the file is a contradiction, never signed.
ORIGIN_SOURCE_TYPES: frozenset[str] = frozenset(
    {
        *CAPTURE_TYPES.values(),
        *(
            IPTC_DST + term
            for term in (
                "digitalCreation",
                "trainedAlgorithmicMedia",
                "algorithmicMedia",
                "dataDrivenMedia",
                "virtualRecording",
            )
        ),
        "http://c2pa.org/digitalsourcetype/trainedAlgorithmicData",
    }
)


def current_source_type(uri: str) -> str:
    """The current IPTC term for `uri` (retired terms mapped to their replacement)."""
    return RETIRED_SOURCE_TYPES.get(uri, uri)


def ai_source_types(uris: Iterable[str] | None) -> list[str]:
    """The source types among `uris` (retired ones mapped) that say AI made or changed it."""
    found = (current_source_type(u) for u in uris or ())
    return list(dict.fromkeys(u for u in found if u in AI_SOURCE_TYPES))


def source_type_term(uri: str) -> str:
    """The short term of a source type URI: ".../negativeFilm" -> "negativeFilm"."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def capture_type(value: str | None) -> str | None:
    """Validate a capture type; returns its key, or None for "unrecorded".

    Accepts a key (any case), its IPTC URI, or its label. Empty text and "none"/"unrecorded"
    mean unrecorded. Raises ValueError naming the allowed values otherwise.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() in ("none", "unrecorded", "unknown"):
        return None
    folded = text.casefold()
    for key, uri in CAPTURE_TYPES.items():
        if folded in (key.casefold(), uri.casefold(), CAPTURE_LABELS[key].casefold()):
            return key
    term = source_type_term(text) if "/" in text else text
    for key in CAPTURE_TYPES:
        if term.casefold() == key.casefold():
            return key
    allowed = ", ".join(CAPTURE_TYPES)
    raise ValueError(f"unknown capture type {text!r}; use one of: {allowed} (or none)")


def capture_label(key: str | None) -> str:
    """A capture type for people; "Not recorded" for None."""
    if key is None:
        return "Not recorded"
    return CAPTURE_LABELS.get(key, key)


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
