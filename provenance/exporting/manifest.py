"""The manifest and XMP an export claims, built from the record: actions, disclosure wording,
object provenance and the training-and-mining policy."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from provenance.domain.categories import (
    CAPTURE_TYPES,
    ORIGIN_SOURCE_TYPES,
    category,
    current_source_type,
)
from provenance.media.xmp import (
    CvTerm,
    XmpFields,
)

#: plus:DataMining values for the institution's training-and-mining policy.
PLUS_DATA_MINING = {
    "allowed": "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED",
    "notAllowed": "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED",
    "constrained": "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-SEECONSTRAINT",
}


def capture_source_type(recorded: str | None, asset_types: Iterable[str]) -> str | None:
    """The source type an export claims for how the image was made.

    The recorded capture type (a CAPTURE_TYPES key) when there is one; else the one origin
    the file's own credentials or XMP give (retired IPTC terms mapped to their current
    replacement); else None: nothing is known, and the export claims no capture at all.
    """
    if recorded:
        return CAPTURE_TYPES[recorded]
    origins = list(
        dict.fromkeys(
            current_source_type(t)
            for t in asset_types
            if current_source_type(t) in ORIGIN_SOURCE_TYPES
        )
    )
    return origins[0] if len(origins) == 1 else None


def build_actions(
    disclosures: list[dict[str, Any]], capture_type: str | None, opened: bool
) -> list[dict[str, Any]]:
    """c2pa.actions for the record: created (or opened) first, then the AI work.

    With no capture type (None) and no AI-generated disclosure nothing is known about how the
    image was made, so it is never "created": the export records that it *opened* the
    original (its parentOf ingredient "source"), which C2PA accepts without a source type.
    """
    actions: list[dict[str, Any]] = []
    pixel = [d for d in disclosures if category(d["category"]).touches_pixels]
    generated = next((d for d in pixel if d["category"] == "ai-generated"), None)
    opened = opened or (capture_type is None and generated is None)
    if opened:
        actions.append({"action": "c2pa.opened", "parameters": {"ingredientIds": ["source"]}})
    else:
        first: dict[str, Any] = {
            "action": "c2pa.created",
            "digitalSourceType": category("ai-generated").digital_source_type
            if generated
            else capture_type,
        }
        if generated:
            first.update(_agent(generated))
            first["description"] = generated["sentence"]
        actions.append(first)
    for d in pixel:
        if d is generated and not opened:
            continue
        cat = category(d["category"])
        action = {
            "action": "c2pa.edited",
            "digitalSourceType": cat.digital_source_type,
            "description": d["sentence"],
        }
        action.update(_agent(d))
        actions.append(action)
    return actions


def _agent(disclosure: dict[str, Any]) -> dict[str, Any]:
    tools = disclosure.get("tool_details") or []
    if not tools:
        return {}
    tool = tools[0]
    agent = {"name": tool["name"]}
    if tool.get("version"):
        agent["version"] = tool["version"]
    return {"softwareAgent": agent}


def training_mining_assertion(policy: str) -> dict[str, Any]:
    """cawg.training-mining from the institution's policy (allowed / notAllowed / constrained)."""
    use = {"allowed": "allowed", "notAllowed": "notAllowed", "constrained": "constrained"}[policy]
    keys = (
        "cawg.ai_training",
        "cawg.ai_generative_training",
        "cawg.ai_inference",
        "cawg.data_mining",
    )
    return {"label": "cawg.training-mining", "data": {"entries": {k: {"use": use} for k in keys}}}


#: The CAWG metadata assertion (Creator Assertions Working Group, metadata assertion 1.0):
#: descriptive metadata from XMP namespaces as JSON-LD. Not c2pa.metadata, which since C2PA 2.0
#: admits only a fixed list of (mostly capture) fields, nor the deprecated stds.iptc.
#: c2pa-python 0.38.1 signs it and reads it back as Trusted.
METADATA_LABEL = "cawg.metadata"
_METADATA_CONTEXT = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
}


def tags_assertion(keywords: Iterable[str], terms: Iterable[CvTerm]) -> dict[str, Any] | None:
    """The metadata assertion for an item's tags, or None when it has none.

    ``dc:subject`` holds what the file's dc:subject and IIM Keywords hold (keywords and the
    subjects' labels); ``Iptc4xmpExt:AboutCvTerm`` holds each subject's scheme URI, concept
    URI and labels (a JSON-LD value per language; a label without a language as plain text).
    """
    keywords, terms = list(keywords), list(terms)
    if not keywords and not terms:
        return None
    data: dict[str, Any] = {"@context": dict(_METADATA_CONTEXT)}
    if keywords:
        data["dc:subject"] = keywords
    if terms:
        data["Iptc4xmpExt:AboutCvTerm"] = [_cv_term(term) for term in terms]
    return {"label": METADATA_LABEL, "kind": "Json", "data": data}


def _cv_term(term: CvTerm) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if term.cv_id:
        out["Iptc4xmpExt:CvId"] = term.cv_id
    out["Iptc4xmpExt:CvTermId"] = term.term_id
    names = [
        {"@value": label, "@language": language} if language else label
        for language, label in dict.fromkeys(term.names)
    ]
    if names:
        out["Iptc4xmpExt:CvTermName"] = names
    return out


def build_manifest(
    *,
    version: str,
    title: str,
    mime: str,
    actions: list[dict[str, Any]],
    disclosures: list[dict[str, Any]],
    review_pending: bool,
    item: dict[str, Any],
    events: list[dict[str, Any]],
    training_policy: str,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest definition for one export (JSON-ready). ``metadata`` is an extra assertion
    (the item's tags, see :func:`tags_assertion`), left out when None."""
    manifest = {
        "claim_generator_info": [{"name": "Credence", "version": version}],
        "title": title,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {
                "label": "org.credence.disclosure",
                "data": {
                    "statements": [
                        {k: v for k, v in d.items() if k != "tool_details"} for d in disclosures
                    ],
                    "review_pending": review_pending,
                },
            },
            {"label": "org.credence.provenance", "data": {"object": item, "events": events}},
            training_mining_assertion(training_policy),
        ],
    }
    if metadata is not None:
        manifest["assertions"].append(metadata)
    return manifest


def soft_binding_assertion(code: str) -> dict[str, Any]:
    """c2pa.soft-binding for the exported pixels: the ISCC image code (``io.iscc.v0``) over the
    whole image (an empty scope), its value base64 of the ISCC-UNIT bytes as IEP-0020 writes
    it. ``pad`` is required by the C2PA schema (c2pa-rs will not read the assertion without
    it); c2pa-python 0.38.1 signs this and reads it back unchanged."""
    from provenance.media.softbinding import ALGORITHM, assertion_value

    return {
        "label": "c2pa.soft-binding",
        "data": {
            "alg": ALGORITHM,
            "name": "ISCC Content-Code Image (ISO 24138) of the exported pixels",
            "blocks": [{"scope": {}, "value": assertion_value(code)}],
            "pad": [],
        },
    }


def manifest_digest(manifest: dict[str, Any], xmp: XmpFields, caption: bool) -> str:
    """A digest of what an export would claim, to tell whether a finished export is current.

    Left out: the generator's version (a new release claims nothing new about the record) and
    when a disclosure was approved (the same words approved again by the same person are the
    same claim). So neither makes an export stale or re-written (provenance.exporting.staleness).
    """
    claims = {k: v for k, v in manifest.items() if k != "claim_generator_info"}
    claims["assertions"] = [_without_review_times(a) for a in manifest.get("assertions", [])]
    # Tags were added to XmpFields later: left out while empty, so an untagged record keeps
    # the digest its exports were recorded with (they do not all turn stale on upgrade).
    fields = {k: v for k, v in xmp.__dict__.items() if v or k not in _LATER_XMP_FIELDS}
    payload = json.dumps([claims, fields, caption], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


_LATER_XMP_FIELDS = frozenset({"keywords", "about"})


def _without_review_times(assertion: dict[str, Any]) -> dict[str, Any]:
    if assertion.get("label") != "org.credence.disclosure":
        return assertion
    data = dict(assertion["data"])
    data["statements"] = [
        {k: v for k, v in s.items() if k != "reviewed_at"} for s in data.get("statements", [])
    ]
    return {**assertion, "data": data}
