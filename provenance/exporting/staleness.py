"""Stale exports: an export is stale when what it signed no longer matches the record.

Every write transaction of the library ends in `refresh` (the facade passes it to its Store as
the hook run after the history entries are written): the history writer knows which items the
transaction touched, and whether a library-wide setting changed. For those of the touched items
that have exports, and only those, the digest of what an export would sign *now* is compared
with the digest recorded with each export (`exports.record_digest`). A difference marks the
export stale (`stale_since`, `stale_reason`); equality (an undo of the undo, the same words
approved again) clears it. A catalog import of unexported items costs one indexed lookup per chunk.

The reason is worked out from the history: the record as it was when the file was signed is
rebuilt by undoing, newest first, every entry written for the item (and every settings change)
after the export's own entry, and compared with the record now, part by part. The digest alone
decides *whether* an export is stale; the history only names *what* changed.

An export row does not say whether a caption strip was burned in, but the digest covers it: an
export is current when either variant (with or without the strip) matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from provenance.domain.clock import now
from provenance.domain.reports import RecordCheck
from provenance.domain.settings import Settings
from provenance.domain.views import ITEM_FIELD_WORDS, PURPOSE_KEY
from provenance.exporting.plan import MANIFEST_OBJECT_FIELDS, TAG_LOADERS, signed_digests
from provenance.store import convert
from provenance.store.exports import find_export
from provenance.store.history import HistoryWriter
from provenance.store.models import Disclosure, Event, Export, HistoryEntry, Item
from provenance.store.reading import UNEXPLAINED, chunks
from provenance.store.settings import load_settings
from provenance.store.store import Store

#: Catalog fields an export carries (the manifest's object block, plus rights in the XMP and
#: the capture type as the signed source type), with the words a person reads.
SIGNED_FIELDS: dict[str, str] = {
    **{name: ITEM_FIELD_WORDS[name] for name in (*MANIFEST_OBJECT_FIELDS, "rights")},
    "capture_type": "capture type",
}
#: Institution settings that change the signed words, with what to say when they change.
SIGNED_SETTINGS: dict[str, str] = {
    "language": "the language of the disclosure wording changed",
    "reviewer_display": "how the reviewer is named changed (name or role)",
    "reviewer_role": "the reviewer's role changed",
    "training_mining": "the training-and-mining policy changed",
}
#: History entities without an item whose changes can change what every export signs.
LIBRARY_WIDE = frozenset({"settings"})
#: Tag kinds an export carries (dc:subject, IIM Keywords, AboutCvTerm and the manifest's
#: metadata assertion), with the words a person reads when they changed.
SIGNED_TAGS: dict[str, str] = {"keywords": "keywords", "subjects": "subjects"}
#: What to say when only a vocabulary import can explain a change (a subject's label).
RELABELLED = "a subject's label changed when its vocabulary was imported again"


@dataclass(frozen=True)
class Staleness:
    """Whether one export still says what the record says, and if not, why."""

    stale: bool
    reason: str | None = None


def before_commit(version: Callable[[], str]) -> Callable[[Session, HistoryWriter], None]:
    """The Store hook that runs `refresh` at the end of every write transaction.

    `version` names the running Credence (what an export would sign now depends on it).
    """

    def hook(session: Session, history: HistoryWriter) -> None:
        # Exports whose signed record this transaction changed go stale (and come back when
        # the record returns to what they signed).
        refresh(
            session,
            history.touched_items,
            bool(history.touched_entities & LIBRARY_WIDE),
            version=version(),
            stamp=now(),
        )

    return hook


def refresh(
    session: Session,
    item_ids: Iterable[int],
    library_wide: bool,
    *,
    version: str,
    stamp: str,
) -> None:
    """Mark or clear the staleness of every export of the touched items.

    Runs inside the caller's write transaction, after its history entries are written. With
    `library_wide` (an institution setting changed), every exported item is checked.
    """
    if session.scalar(select(Export.id).limit(1)) is None:
        return  # nothing was ever exported: nothing can be stale
    if library_wide:
        ids = list(session.scalars(select(Export.item_id).distinct()))
    else:
        ids = _exported(session, sorted(set(item_ids)))
    if not ids:
        return
    settings = load_settings(session)
    for chunk in chunks(ids):
        for row, found in _evaluate(session, chunk, settings, version, rows=None):
            if found.stale:
                if row.stale_since is None:
                    row.stale_since = stamp
                row.stale_reason = found.reason
            elif row.stale_since is not None or row.stale_reason is not None:
                row.stale_since = row.stale_reason = None
    session.flush()


def record_check(
    store: Store, path: Path, manifest_label: str | None, *, version: str
) -> RecordCheck | None:
    """The export this library recorded for the file at `path` (same SHA-256, else the same
    manifest id), checked against the record as it is now; None for a file it does not know."""
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        digest = None
    with store.read() as session:
        row = find_export(session, digest, manifest_label)
        if row is None:
            return None
        found = check_export(session, row, version=version)
        item = session.get(Item, row.item_id)
        return RecordCheck(
            export=row.id,
            item=convert.item_label(item) if item is not None else f"#{row.item_id}",
            item_id=row.item_id,
            exported_at=row.created_at,
            stale=found.stale,
            reason=found.reason,
        )


def check_export(session: Session, row: Export, *, version: str) -> Staleness:
    """Whether the file of export `row` still says what the record says now (read-only)."""
    settings = load_settings(session)
    for _row, found in _evaluate(session, [row.item_id], settings, version, rows=[row]):
        return found
    return Staleness(False)


# -- comparing ------------------------------------------------------------------------------


def _evaluate(
    session: Session,
    item_ids: list[int],
    settings: Settings,
    version: str,
    rows: list[Export] | None,
) -> list[tuple[Export, Staleness]]:
    # populate_existing: the write transaction may hold these items with collections loaded
    # before its own changes (a disclosure deleted by an undo is still in item.disclosures).
    items = {
        item.id: item
        for item in session.scalars(
            select(Item)
            .where(Item.id.in_(item_ids))
            .options(
                selectinload(Item.assets),
                selectinload(Item.events).selectinload(Event.tool),
                selectinload(Item.disclosures).selectinload(Disclosure.tools),
                *TAG_LOADERS,
            )
            .execution_options(populate_existing=True)
        )
    }
    if rows is None:
        rows = list(
            session.scalars(
                select(Export)
                .where(
                    Export.item_id.in_(item_ids),
                    Export.asset_id.is_not(None),
                    Export.record_digest.is_not(None),
                )
                .order_by(Export.id)
            )
        )
    plain: dict[int, str] = {}
    captioned: dict[int, str] = {}
    current: list[Export] = []
    stale: list[tuple[Export, Item]] = []
    for row in rows:
        item = items.get(row.item_id)
        asset = next((a for a in item.assets if a.id == row.asset_id), None) if item else None
        if asset is None or row.record_digest is None:
            continue  # nothing to compare with: the image or the recorded digest is gone
        if asset.id not in plain:
            plain[asset.id], captioned[asset.id] = signed_digests(item, asset, settings, version)
        if row.record_digest in (plain[asset.id], captioned[asset.id]):
            current.append(row)
        else:
            stale.append((row, item))
    found = [(row, Staleness(False)) for row in current]
    reasons = _reasons(session, stale, settings)
    for row, _item in stale:
        found.append((row, Staleness(True, "; ".join(reasons.get(row.id, ())) or UNEXPLAINED)))
    return found


def _reasons(
    session: Session, stale: list[tuple[Export, Item]], settings: Settings
) -> dict[int, list[str]]:
    """export id -> what changed in the record since it was signed, in plain words."""
    if not stale:
        return {}
    item_ids = sorted({row.item_id for row, _ in stale})
    export_ids = {row.id for row, _ in stale}
    signed_at = {  # export id -> the seq of its own history entry
        entity_id: seq
        for entity_id, seq in session.execute(
            select(HistoryEntry.entity_id, HistoryEntry.seq).where(
                HistoryEntry.item_id.in_(item_ids), HistoryEntry.entity == "export"
            )
        )
        if entity_id in export_ids
    }
    if not signed_at:
        return {}
    first = min(signed_at.values())
    columns = (
        HistoryEntry.seq,
        HistoryEntry.item_id,
        HistoryEntry.entity,
        HistoryEntry.entity_id,
        HistoryEntry.action,
        HistoryEntry.before_json,
    )
    later: dict[int | None, list] = {}
    for entry in session.execute(
        select(*columns).where(HistoryEntry.item_id.in_(item_ids), HistoryEntry.seq > first)
    ):
        later.setdefault(entry.item_id, []).append(entry)
    library_wide = list(
        session.execute(
            select(*columns).where(
                HistoryEntry.item_id.is_(None),
                HistoryEntry.entity.in_(LIBRARY_WIDE | {"vocabulary"}),
                HistoryEntry.seq > first,
            )
        )
    )
    result = {}
    for row, item in stale:
        seq = signed_at.get(row.id)
        if seq is None:
            continue
        entries = [e for e in (*later.get(row.item_id, ()), *library_wide) if e.seq > seq]
        result[row.id] = _what_changed(entries, row.asset_id, item, settings)
    return result


def _what_changed(entries: list, asset_id: int, item: Item, settings: Settings) -> list[str]:
    fields = {name: getattr(item, name, None) for name in SIGNED_FIELDS}
    fields.update(
        keywords=[k.keyword for k in item.keyword_rows],
        subjects=[s.concept.uri for s in item.subject_rows],
    )
    disclosures = {d.id: _json(_disclosure_state(d)) for d in item.disclosures}
    events = {e.id: _json(_event_state(e)) for e in item.events}
    options = settings.to_dict()
    now = (dict(fields), dict(disclosures), dict(events), dict(options))
    relabelled = False
    # Undo the later entries, newest first: what is left is the record as it was signed.
    for entry in sorted(entries, key=lambda e: e.seq, reverse=True):
        before = json.loads(entry.before_json) if entry.before_json else None
        if entry.entity == "item" and entry.action == "update" and before:
            fields.update({k: v for k, v in before.items() if k in SIGNED_FIELDS})
        elif entry.entity == "item" and entry.action == "tag" and before:
            fields.update({k: v for k, v in before.items() if k in SIGNED_TAGS})
        elif entry.entity == "vocabulary":
            relabelled = True
        elif entry.entity in ("disclosure", "event"):
            target = disclosures if entry.entity == "disclosure" else events
            if entry.action == "create":
                target.pop(entry.entity_id, None)
            elif before is not None:
                target[entry.entity_id] = _json(before)
        elif entry.entity == "settings" and before:
            options.update(before)
    then = (fields, disclosures, events, options)
    reasons = _differences(then, now, asset_id, settings.language)
    if not reasons and relabelled and fields["subjects"]:
        reasons.append(RELABELLED)
    return reasons


def _differences(then, now, asset_id: int, language: str) -> list[str]:
    (fields_then, disc_then, events_then, options_then) = then
    (fields_now, disc_now, events_now, options_now) = now
    reasons = [
        f"{label} changed"
        for name, label in {**SIGNED_FIELDS, **SIGNED_TAGS}.items()
        if fields_then.get(name) != fields_now.get(name)
    ]
    reasons += _disclosure_differences(
        _by_category(disc_then, asset_id), _by_category(disc_now, asset_id), language
    )
    reasons += _event_differences(list(events_then.values()), list(events_now.values()))
    reasons += [
        words
        for key, words in SIGNED_SETTINGS.items()
        if options_then.get(key) != options_now.get(key)
    ]
    return list(dict.fromkeys(reasons))


def _disclosure_differences(then: dict, now: dict, language: str) -> list[str]:
    reasons = []
    for key in sorted(set(then) | set(now), key=str):
        category = key[1]
        old, new = then.get(key), now.get(key)
        if old is None:
            reasons.append(f"a disclosure was added ({category})")
            continue
        if new is None:
            reasons.append(f"the disclosure was removed ({category})")
            continue
        if _wording(old, language) != _wording(new, language):
            reasons.append(f"the disclosure wording changed ({category})")
        was, is_ = old.get("review_state"), new.get("review_state")
        if was == "approved" and is_ != "approved":
            reasons.append(f"the disclosure approval was withdrawn ({category})")
        elif was != "approved" and is_ == "approved":
            reasons.append(f"the disclosure was approved after the file was signed ({category})")
        elif _reviewer(old) != _reviewer(new):
            reasons.append(f"the disclosure was approved by someone else ({category})")
        elif was != is_:
            reasons.append(f"the disclosure review changed ({category})")
    return reasons


def _event_differences(then: list[dict], now: list[dict]) -> list[str]:
    old = sorted(json.dumps(e, sort_keys=True) for e in then)
    new = sorted(json.dumps(e, sort_keys=True) for e in now)
    if old == new:
        return []
    if len(new) > len(old):
        return ["a provenance event was added"]
    if len(new) < len(old):
        return ["a provenance event was removed"]
    return ["a provenance event changed"]


def _by_category(states: dict[int, dict], asset_id: int) -> dict[tuple, dict]:
    # The statements an export of this image carries: the item's and this image's own.
    return {
        (state.get("asset_id"), state.get("category")): state
        for state in states.values()
        if state.get("asset_id") in (None, asset_id)
    }


def _wording(state: dict, language: str) -> tuple:
    overrides = state.get("overrides") or {}
    return (
        state.get("purpose"),
        state.get("extent"),
        state.get("fields") or [],
        state.get("tools") or [],
        overrides.get(language),
        overrides.get(PURPOSE_KEY.format(language=language)),
    )


def _reviewer(state: dict) -> str | None:
    return state.get("approved_by") or state.get("reviewed_by")


def _disclosure_state(disclosure: Disclosure) -> dict[str, Any]:
    # The same shape the facade records in history for a disclosure.
    state = convert.disclosure_view(disclosure).to_dict()
    for key in ("id", "created_at"):
        state.pop(key, None)
    return state


def _event_state(event: Event) -> dict[str, Any]:
    state = convert.event_view(event).to_dict()
    for key in ("id", "created_at"):
        state.pop(key, None)
    return state


def _json(state: dict[str, Any]) -> dict[str, Any]:
    # Tuples become lists, as they are in the stored history: the two compare equal.
    return json.loads(json.dumps(state))


def _exported(session: Session, item_ids: list[int]) -> list[int]:
    found: list[int] = []
    for chunk in chunks(item_ids):
        found += session.scalars(select(Export.item_id).where(Export.item_id.in_(chunk)).distinct())
    return found
