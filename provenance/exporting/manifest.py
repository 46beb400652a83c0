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
) -> dict[str, Any]:
    """The manifest definition for one export (JSON-ready)."""
    return {
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


def manifest_digest(manifest: dict[str, Any], xmp: XmpFields, caption: bool) -> str:
    """A digest of what an export would claim, to tell whether a finished export is current.

    Left out: the generator's version (a new release claims nothing new about the record) and
    when a disclosure was approved (the same words approved again by the same person are the
    same claim). So neither makes an export stale or re-written (provenance.exporting.staleness).
    """
    claims = {k: v for k, v in manifest.items() if k != "claim_generator_info"}
    claims["assertions"] = [_without_review_times(a) for a in manifest.get("assertions", [])]
    payload = json.dumps([claims, xmp.__dict__, caption], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _without_review_times(assertion: dict[str, Any]) -> dict[str, Any]:
    if assertion.get("label") != "org.credence.disclosure":
        return assertion
    data = dict(assertion["data"])
    data["statements"] = [
        {k: v for k, v in s.items() if k != "reviewed_at"} for s in data.get("statements", [])
    ]
    return {**assertion, "data": data}
