"""Offline work: check items out of a team library into a laptop library, and check the
laptop's work back in by replaying its history, entry by entry, onto the team library.

The laptop library is an ordinary library. Its first history entry says where it came from
and the team's history head at that moment; every entry after it is offline work. Check-in
replays those entries in order, in ONE write transaction of the team library (a killed
check-in leaves the team library as it was):

- a change whose "before" still matches the team's current value is applied, recorded with
  the laptop's author and time and the note "checked in from <laptop> on <host>";
- a value changed in the team meanwhile is a conflict (stored in `conflicts`, both values),
  never overwritten; tags merge keyword by keyword (a keyword is either there or not, so the
  two sides' additions and removals never contradict each other);
- records made offline get team ids (kept in `checkin_ids` for later entries and later
  check-ins); an accession number the team already uses is a conflict;
- every replayed entry is remembered by its hash (`checkin_entries`): a second check-in
  applies nothing new.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, LibraryError, NotFound
from provenance.domain.offline import (
    KEEP_CHOICES,
    CheckinReport,
    CheckoutReport,
    ConflictView,
)
from provenance.domain.settings import Settings
from provenance.domain.tags import fold
from provenance.domain.text import terminal_safe
from provenance.store import convert
from provenance.store.history import Change, HistoryWriter, canonical_json, read_head
from provenance.store.items import check_accession_free
from provenance.store.models import (
    Asset,
    Base,
    CheckinEntry,
    CheckinId,
    Concept,
    Conflict,
    Disclosure,
    Event,
    HistoryEntry,
    Item,
    Meta,
    StorageRoot,
    Tool,
)
from provenance.store.settings import load_settings, store_settings
from provenance.store.store import Store
from provenance.store.tags import set_tags, tag_state
from provenance.store.undo import _restore_disclosure, _tool_by_label

_CHECKOUT_KEY = "checkout"
_CHUNK = 500

#: Item columns copied as they are (ids included: the laptop's copy keeps the team's ids).
_WHOLE_TABLES = ("vocab_schemes", "vocab_concepts", "vocab_labels", "vocab_broader", "ai_tools")
_ITEM_TABLES = ("items", "item_keywords", "item_subjects", "assets", "events", "disclosures")


# -- check-out ----------------------------------------------------------------------------------


def checkout(team: Store, laptop: Store, item_ids: Sequence[int], *, source: str) -> CheckoutReport:
    """Copy the items `item_ids` (records, events, disclosures, tags, assets by root) with every
    AI tool, vocabulary, storage root name and the settings from `team` into the new, empty
    library `laptop`, and remember where they came from."""
    tables = Base.metadata.tables
    ids = sorted(set(item_ids))
    counts: dict[str, int] = {}
    with team.read() as src:
        head = read_head(src)[0]
        team_id = _meta(src, "library_id")
        settings = load_settings(src)
        root_names = list(src.scalars(select(StorageRoot.name)))
        with laptop.write() as (dst, history):
            if dst.scalar(select(func.count(Item.id))) or read_head(dst)[0]:
                raise LibraryError(
                    f"{laptop.folder} already holds a library; check out into a new folder"
                )
            for name in _WHOLE_TABLES:
                counts[name] = _copy(src, dst, tables[name], None)
            disclosure_ids: list[int] = []
            for chunk in _chunks(ids):
                for name in _ITEM_TABLES:
                    column = tables[name].c.id if name == "items" else tables[name].c.item_id
                    counts[name] = counts.get(name, 0) + _copy(
                        src, dst, tables[name], column.in_(chunk)
                    )
                disclosure_ids += list(
                    src.scalars(select(Disclosure.id).where(Disclosure.item_id.in_(chunk)))
                )
            for chunk in _chunks(disclosure_ids):
                table = tables["disclosure_tools"]
                _copy(src, dst, table, table.c.disclosure_id.in_(chunk))
            for name in root_names:
                dst.add(StorageRoot(name=name, created_at=now()))
            store_settings(dst, settings)
            dst.flush()
            for chunk in _chunks(ids):
                laptop.search_index.index(dst, chunk)
            facts = {
                "from": source,
                "team": team_id,
                "team_head": head,
                "host": socket.gethostname(),
                "items": len(ids),
            }
            history.record(
                Change(
                    entity="checkout", entity_id=None, item_id=None, action="create", after=facts
                )
            )
            facts["seq"] = history.head[0]
            dst.merge(Meta(key=_CHECKOUT_KEY, value=json.dumps(facts, sort_keys=True)))
    # Where the roots are on this computer travels with the copy (a laptop is a workstation).
    paths = team.roots.paths()
    for name, folder in paths.items():
        laptop.roots.set_path(name, folder)
    return CheckoutReport(
        folder=str(laptop.folder),
        source=source,
        team_head=head,
        items=counts.get("items", 0),
        events=counts.get("events", 0),
        disclosures=counts.get("disclosures", 0),
        assets=counts.get("assets", 0),
        tools=counts.get("ai_tools", 0),
        concepts=counts.get("vocab_concepts", 0),
    )


def _copy(src: Session, dst: Session, table: Table, where) -> int:
    stmt = select(table)
    if where is not None:
        stmt = stmt.where(where)
    rows = [dict(r._mapping) for r in src.execute(stmt)]
    if rows:
        dst.execute(insert(table), rows)
    return len(rows)


def _chunks(values: Sequence[int]):
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _meta(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row is not None else None


def checkout_facts(session: Session) -> dict[str, Any] | None:
    """Where a laptop library was checked out from (None for a library never checked out)."""
    value = _meta(session, _CHECKOUT_KEY)
    return json.loads(value) if value else None


# -- check-in -----------------------------------------------------------------------------------


class _Replay:
    """One check-in: the team session and history, what the laptop made, and the tallies."""

    def __init__(
        self, team: Store, session: Session, history: HistoryWriter, laptop_session: Session
    ):
        self.team = team
        self.s = session
        self.history = history
        self.laptop = laptop_session
        self.source_id = _meta(laptop_session, "library_id") or "?"
        self.source_name = self.source_id
        self.note = f"checked in from {self.source_name}"
        self.ids = {
            (r.kind, r.source_key): r.team_id
            for r in session.scalars(select(CheckinId).where(CheckinId.source_id == self.source_id))
        }
        self.applied = 0
        self.unchanged = 0
        self.conflicts: list[Conflict] = []
        self.skipped: list[tuple[int, str]] = []
        self.new_ids: list[tuple[str, int, int]] = []
        self.warnings: list[str] = []
        self.entry: HistoryEntry | None = None

    # ids ------------------------------------------------------------------------------------

    def team_id(self, kind: str, laptop_id: int | None) -> int | None:
        """The team's id of a laptop record: its own (a checked-out record), or the new one."""
        if laptop_id is None:
            return None
        return self.ids.get((kind, laptop_id), laptop_id)

    def made(self, kind: str, laptop_id: int, team_id: int) -> None:
        self.ids[(kind, laptop_id)] = team_id
        self.s.merge(
            CheckinId(source_id=self.source_id, kind=kind, source_key=laptop_id, team_id=team_id)
        )
        self.new_ids.append((kind, laptop_id, team_id))

    # outcomes -------------------------------------------------------------------------------

    def record(self, change: Change) -> None:
        """Record an applied change with the laptop entry's author and time."""
        assert self.entry is not None
        note = self.note if not change.note else f"{change.note}; {self.note}"
        self.history.record(
            Change(
                entity=change.entity,
                entity_id=change.entity_id,
                item_id=change.item_id,
                action=change.action,
                before=change.before,
                after=change.after,
                note=note,
            ),
            actor=self.entry.actor,
            at=self.entry.at,
        )

    def conflict(
        self,
        kind: str,
        *,
        item_id: int | None,
        entity: str,
        entity_id: int | None,
        field: str,
        base: Any,
        ours: Any,
        theirs: Any,
    ) -> None:
        assert self.entry is not None
        row = Conflict(
            kind=kind,
            source_id=self.source_id,
            source_name=self.source_name,
            entry_hash=self.entry.hash,
            source_seq=self.entry.seq,
            item_id=item_id,
            entity=entity,
            entity_id=entity_id,
            field=field,
            base_json=canonical_json({"v": base}),
            ours_json=canonical_json({"v": ours}),
            theirs_json=canonical_json({"v": theirs}),
            actor=self.entry.actor,
            at=self.entry.at,
            created_at=now(),
            state="open",
        )
        self.s.add(row)
        self.conflicts.append(row)


def checkin(
    team: Store,
    laptop: Store,
    *,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> CheckinReport:
    """Replay the laptop library's offline history onto `team` (see the module docstring)."""
    verified = laptop.verify_history()
    if not verified.ok:
        raise LibraryError(
            f"the history of the laptop library {laptop.folder} does not verify "
            f"({verified.reason}); nothing was checked in"
        )
    with laptop.read() as lsession:
        facts = checkout_facts(lsession)
        if facts is None:
            raise LibraryError(
                f"{laptop.folder} was not made by `credence checkout`; there is nothing to check in"
            )
        if facts.get("team") != team.library_id:
            raise LibraryError(
                f"{laptop.folder} was checked out from another library ({facts.get('from')}); "
                "check it in there"
            )
        entries = list(
            lsession.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.seq > int(facts["seq"]))
                .order_by(HistoryEntry.seq)
            )
        )
        with team.write() as (session, history):
            replay = _Replay(team, session, history, lsession)
            replay.source_name = f"{laptop.folder.name} on {facts.get('host') or 'a laptop'}"
            replay.note = f"checked in from {replay.source_name}"
            done = set(
                session.scalars(
                    select(CheckinEntry.entry_hash).where(
                        CheckinEntry.source_id == replay.source_id
                    )
                )
            )
            already = 0
            for number, entry in enumerate(entries, 1):
                if entry.hash in done:
                    already += 1
                    continue
                replay.entry = entry
                before = (replay.applied, len(replay.conflicts), len(replay.skipped))
                _replay_entry(replay, entry)
                after = (replay.applied, len(replay.conflicts), len(replay.skipped))
                outcome = (
                    "conflict"
                    if after[1] > before[1]
                    else "applied"
                    if after[0] > before[0]
                    else "skipped"
                    if after[2] > before[2]
                    else "unchanged"
                )
                session.add(
                    CheckinEntry(
                        source_id=replay.source_id,
                        entry_hash=entry.hash,
                        source_seq=entry.seq,
                        outcome=outcome,
                        checked_in_at=now(),
                    )
                )
                if progress is not None:
                    progress(number, len(entries), "checking in")
            session.flush()
            conflicts = tuple(conflict_view(session, c) for c in replay.conflicts)
    return CheckinReport(
        applied=replay.applied,
        conflicts=conflicts,
        unchanged=replay.unchanged,
        already=already,
        skipped=tuple(replay.skipped),
        new_ids=tuple(replay.new_ids),
        warnings=tuple(replay.warnings),
    )


def _replay_entry(r: _Replay, entry: HistoryEntry) -> None:
    before = json.loads(entry.before_json) if entry.before_json else None
    after = json.loads(entry.after_json) if entry.after_json else None
    key = (entry.entity, entry.action)
    handler = _HANDLERS.get(key)
    if handler is None:
        r.skipped.append((entry.seq, _NOT_REPLAYED.get(entry.entity, f"{key} stays on the laptop")))
        return
    handler(r, entry, before, after)


_NOT_REPLAYED = {
    "export": "signed copies stay on the laptop where they were written",
    "vocabulary": "vocabularies are imported into the team library from their file "
    "(credence vocab import FILE)",
    "identity": "a signing identity belongs to its computer",
    "trust": "trust anchors belong to their computer",
    "checkout": "the check-out itself",
}


def _item(r: _Replay, laptop_id: int | None) -> Item | None:
    team_id = r.team_id("item", laptop_id)
    return r.s.get(Item, team_id) if team_id is not None else None


def _item_value(item: Item, key: str) -> Any:
    if key.startswith("extra."):
        return (item.extra or {}).get(key[6:])
    return getattr(item, key)


def _set_item_value(item: Item, key: str, value: Any) -> None:
    if key.startswith("extra."):
        extra = dict(item.extra or {})
        if value is None:
            extra.pop(key[6:], None)
        else:
            extra[key[6:]] = value
        item.extra = extra
    else:
        setattr(item, key, value)


def _accession_holder(session: Session, accession: str, own_id: int | None) -> Item | None:
    other = session.scalar(select(Item).where(Item.accession == accession))
    return other if other is not None and other.id != own_id else None


def _item_create(r: _Replay, entry: HistoryEntry, before, after) -> None:
    state = dict(after or {})
    extra = state.pop("extra", {}) or {}
    accession = state.get("accession")
    holder = _accession_holder(r.s, accession, None) if accession else None
    if holder is not None:
        state["accession"] = None
    stamp = now()
    item = Item(**state, extra=extra, created_at=stamp, updated_at=stamp)
    r.s.add(item)
    r.s.flush()
    r.team.search_index.index(r.s, [item.id])
    r.made("item", entry.entity_id, item.id)
    r.record(Change.for_item(item_id=item.id, action="create", after=convert.item_state(item)))
    r.applied += 1
    if holder is not None:
        r.conflict(
            "accession",
            item_id=item.id,
            entity="item",
            entity_id=item.id,
            field="accession",
            base=None,
            ours=accession,
            theirs=convert.item_label(holder),
        )


def _deleted_on_team(r: _Replay, entry: HistoryEntry, before: dict, after: dict) -> None:
    """Each field the laptop changed on an item the team has deleted is a conflict."""
    for key in after:
        r.conflict(
            "deleted",
            item_id=r.team_id("item", entry.entity_id),
            entity="item",
            entity_id=r.team_id("item", entry.entity_id),
            field=key,
            base=before.get(key),
            ours=after[key],
            theirs=None,
        )


def _item_update(r: _Replay, entry: HistoryEntry, before, after) -> None:
    before, after = before or {}, after or {}
    item = _item(r, entry.entity_id)
    if item is None:
        _deleted_on_team(r, entry, before, after)
        return
    applied_before: dict[str, Any] = {}
    applied_after: dict[str, Any] = {}
    for key, ours in after.items():
        base = before.get(key)
        theirs = _item_value(item, key)
        if theirs == ours:
            continue
        if key == "accession" and ours:
            holder = _accession_holder(r.s, ours, item.id)
            if holder is not None:
                r.conflict(
                    "accession",
                    item_id=item.id,
                    entity="item",
                    entity_id=item.id,
                    field=key,
                    base=base,
                    ours=ours,
                    theirs=theirs,
                )
                continue
        if theirs != base:
            r.conflict(
                "field",
                item_id=item.id,
                entity="item",
                entity_id=item.id,
                field=key,
                base=base,
                ours=ours,
                theirs=theirs,
            )
            continue
        applied_before[key], applied_after[key] = theirs, ours
    if not applied_after:
        if not any(c.entry_hash == entry.hash for c in r.conflicts):
            r.unchanged += 1
        return
    with r.team.search_index.updating(r.s, [item.id]):
        for key, value in applied_after.items():
            _set_item_value(item, key, value)
        item.updated_at = now()
    r.record(
        Change.for_item(
            item_id=item.id, action="update", before=applied_before, after=applied_after
        )
    )
    r.applied += 1


def _item_delete(r: _Replay, entry: HistoryEntry, before, after) -> None:
    item = _item(r, entry.entity_id)
    if item is None:
        r.unchanged += 1
        return
    base = {k: v for k, v in (before or {}).items() if k != "assets"}
    theirs = convert.item_state(item)
    if theirs != base:
        r.conflict(
            "changed",
            item_id=item.id,
            entity="item",
            entity_id=item.id,
            field="(item)",
            base=base,
            ours=None,
            theirs=theirs,
        )
        return
    state = convert.item_state(item)
    state["assets"] = [a.path for a in item.assets]
    r.team.search_index.unindex(r.s, [item.id])
    item_id = item.id
    r.s.delete(item)
    r.s.flush()
    r.record(Change.for_item(item_id=item_id, action="delete", before=state))
    r.applied += 1


def _item_tag(r: _Replay, entry: HistoryEntry, before, after) -> None:
    before, after = before or {}, after or {}
    item = _item(r, entry.entity_id)
    if item is None:
        _deleted_on_team(r, entry, before, after)
        return
    current = tag_state(item)
    merged = dict(current)
    for key in ("keywords", "subjects"):
        if key not in after:
            continue
        norm = fold if key == "keywords" else (lambda v: v)
        base = {norm(v) for v in before.get(key, [])}
        ours = {norm(v): v for v in after[key]}
        added = [v for k, v in ours.items() if k not in base]
        removed = base - set(ours)
        kept = [v for v in current[key] if norm(v) not in removed]
        have = {norm(v) for v in kept}
        merged[key] = kept + [v for v in added if norm(v) not in have]
    missing = [
        uri
        for uri in merged["subjects"]
        if uri not in current["subjects"]
        and r.s.scalar(select(Concept.id).where(Concept.uri == uri)) is None
    ]
    if missing:
        r.skipped.append(
            (
                entry.seq,
                f"subject {missing[0]} is in no vocabulary of the team library; import its "
                "vocabulary there and tag again",
            )
        )
        merged["subjects"] = [u for u in merged["subjects"] if u not in missing]
    if merged == current:
        if not missing:
            r.unchanged += 1
        return
    with r.team.search_index.updating(r.s, [item.id]):
        set_tags(r.s, item, merged["keywords"], merged["subjects"])
        item.updated_at = now()
    keys = [k for k in ("keywords", "subjects") if merged[k] != current[k]]
    r.record(
        Change.for_item(
            item_id=item.id,
            action="tag",
            before={k: current[k] for k in keys},
            after={k: merged[k] for k in keys},
        )
    )
    r.applied += 1


_EVENT_FIELDS = ("action", "actor", "date", "date_earliest", "date_latest", "place", "source")


def _event_create(r: _Replay, entry: HistoryEntry, before, after) -> None:
    after = after or {}
    item = _item(r, entry.item_id)
    if item is None:
        r.conflict(
            "deleted",
            item_id=r.team_id("item", entry.item_id),
            entity="event",
            entity_id=None,
            field="event",
            base=None,
            ours=after,
            theirs=None,
        )
        return
    event = Event(
        item_id=item.id,
        **{k: after.get(k) for k in _EVENT_FIELDS},
        note=after.get("note"),
        tool=_tool_by_label(r.s, after.get("tool")),
        created_at=now(),
    )
    r.s.add(event)
    r.s.flush()
    r.made("event", entry.entity_id, event.id)
    state = convert.history_state(convert.event_view(event))
    r.record(
        Change(entity="event", entity_id=event.id, item_id=item.id, action="create", after=state)
    )
    r.applied += 1


def _event_delete(r: _Replay, entry: HistoryEntry, before, after) -> None:
    event = r.s.get(Event, r.team_id("event", entry.entity_id))
    if event is None:
        r.unchanged += 1
        return
    state = convert.history_state(convert.event_view(event))
    item_id = event.item_id
    r.s.delete(event)
    r.s.flush()
    r.record(
        Change(entity="event", entity_id=event.id, item_id=item_id, action="delete", before=state)
    )
    r.applied += 1


_DISCLOSURE_KEYS = (
    "tools",
    "purpose",
    "extent",
    "fields",
    "overrides",
    "review_state",
    "reviewed_by",
    "reviewed_at",
    "approved_by",
    "approved_at",
)
_REVIEW_KEYS = ("review_state", "reviewed_by", "reviewed_at", "approved_by", "approved_at")


def _disclosure_state(disclosure: Disclosure) -> dict[str, Any]:
    return json.loads(canonical_json(convert.history_state(convert.disclosure_view(disclosure))))


def _disclosure_change(r: _Replay, entry: HistoryEntry, before, after) -> None:
    after = after or {}
    item = _item(r, entry.item_id)
    if item is None:
        r.conflict(
            "deleted",
            item_id=r.team_id("item", entry.item_id),
            entity="disclosure",
            entity_id=None,
            field="disclosure",
            base=before,
            ours=after,
            theirs=None,
        )
        return
    asset_id = r.team_id("asset", after.get("asset_id"))
    disclosure = None
    if entry.action != "create":
        disclosure = r.s.get(Disclosure, r.team_id("disclosure", entry.entity_id))
        if disclosure is None:
            r.conflict(
                "deleted",
                item_id=item.id,
                entity="disclosure",
                entity_id=r.team_id("disclosure", entry.entity_id),
                field="disclosure",
                base=before,
                ours=after,
                theirs=None,
            )
            return
    if disclosure is None:
        # Made offline; the team may have recorded the same category meanwhile (one statement
        # per item, asset and category), whose values then count as "theirs".
        disclosure = r.s.scalar(
            select(Disclosure).where(
                Disclosure.item_id == item.id,
                Disclosure.category == after["category"],
                Disclosure.asset_id.is_(None)
                if asset_id is None
                else Disclosure.asset_id == asset_id,
            )
        )
        if disclosure is None:
            disclosure = Disclosure(
                item_id=item.id, asset_id=asset_id, category=after["category"], created_at=now()
            )
            r.s.add(disclosure)
            _restore_disclosure(r.s, disclosure, after)
            r.s.flush()
            r.made("disclosure", entry.entity_id, disclosure.id)
            r.record(
                Change(
                    entity="disclosure",
                    entity_id=disclosure.id,
                    item_id=item.id,
                    action="create",
                    after=_disclosure_state(disclosure),
                )
            )
            r.applied += 1
            return
        r.made("disclosure", entry.entity_id, disclosure.id)
        before = {k: None for k in _DISCLOSURE_KEYS}
    before = before or {}
    current = _disclosure_state(disclosure)
    apply: dict[str, Any] = {}
    held: list[str] = []
    for key in _DISCLOSURE_KEYS:
        if key not in after or after.get(key) == before.get(key):
            continue
        if current.get(key) == after[key]:
            continue
        if current.get(key) != before.get(key):
            held.append(key)
            continue
        apply[key] = after[key]
    words = current | {k: v for k, v in apply.items() if k not in _REVIEW_KEYS}
    seen = [k for k in _DISCLOSURE_KEYS if k not in _REVIEW_KEYS and k in after]
    if held or any(words.get(k) != after.get(k) for k in seen):
        # An approval covers the words that were approved: when the team's words are not the
        # ones the laptop's reviewer saw, the review step is held as a conflict, never
        # applied to words nobody on the laptop read.
        for key in _REVIEW_KEYS:
            if key in apply:
                del apply[key]
                held.append(key)
        for key in held:
            r.conflict(
                "field",
                item_id=item.id,
                entity="disclosure",
                entity_id=disclosure.id,
                field=key,
                base=before.get(key),
                ours=after.get(key),
                theirs=current.get(key),
            )
    if not apply:
        if not held:
            r.unchanged += 1
        return
    _restore_disclosure(r.s, disclosure, current | apply)
    r.s.flush()
    new = _disclosure_state(disclosure)
    r.record(
        Change(
            entity="disclosure",
            entity_id=disclosure.id,
            item_id=item.id,
            action="update" if entry.action != "review" else "review",
            before={k: current.get(k) for k in apply},
            after={k: new.get(k) for k in apply},
        )
    )
    r.applied += 1


def _disclosure_delete(r: _Replay, entry: HistoryEntry, before, after) -> None:
    disclosure = r.s.get(Disclosure, r.team_id("disclosure", entry.entity_id))
    if disclosure is None:
        r.unchanged += 1
        return
    current = _disclosure_state(disclosure)
    base = before or {}
    changed = [k for k in _DISCLOSURE_KEYS if current.get(k) != base.get(k)]
    if changed:
        r.conflict(
            "changed",
            item_id=disclosure.item_id,
            entity="disclosure",
            entity_id=disclosure.id,
            field="disclosure",
            base=base,
            ours=None,
            theirs=current,
        )
        return
    item_id = disclosure.item_id
    r.s.delete(disclosure)
    r.s.flush()
    r.record(
        Change(
            entity="disclosure",
            entity_id=entry.entity_id,
            item_id=item_id,
            action="delete",
            before=current,
        )
    )
    r.applied += 1


def _asset_import(r: _Replay, entry: HistoryEntry, before, after) -> None:
    row = r.laptop.get(Asset, entry.entity_id)
    if row is None:
        r.skipped.append((entry.seq, "the image was removed on the laptop before check-in"))
        return
    item = _item(r, entry.item_id)
    if item is None:
        r.conflict(
            "deleted",
            item_id=r.team_id("item", entry.item_id),
            entity="asset",
            entity_id=None,
            field="image",
            base=None,
            ours=after,
            theirs=None,
        )
        return
    same = r.s.scalar(select(Asset).where(Asset.sha256 == row.sha256))
    if same is not None:
        r.made("asset", row.id, same.id)
        r.unchanged += 1
        return
    values = {
        c.key: getattr(row, c.key)
        for c in Asset.__table__.columns
        if c.key not in ("id", "item_id", "thumbnail")
    }
    asset = Asset(item_id=item.id, thumbnail=None, **values)
    r.s.add(asset)
    r.s.flush()
    r.made("asset", row.id, asset.id)
    if asset.root is None:
        r.warnings.append(
            f"{asset.path} was imported on the laptop outside any storage root: other "
            "computers of the team cannot find it (credence roots adopt NAME PATH)"
        )
    recorded = dict(after or {})
    recorded["file"] = asset.path
    if asset.root:
        recorded["root"] = asset.root
    r.record(
        Change(entity="asset", entity_id=asset.id, item_id=item.id, action="import", after=recorded)
    )
    r.applied += 1


def _tool_create(r: _Replay, entry: HistoryEntry, before, after) -> None:
    after = after or {}
    version = after.get("version")
    same = r.s.scalar(
        select(Tool).where(
            Tool.name == after.get("name"),
            Tool.version.is_(None) if not version else Tool.version == version,
        )
    )
    if same is not None:
        r.made("tool", entry.entity_id, same.id)
        r.unchanged += 1
        return
    fields = ("name", "vendor", "version", "runs", "training_data", "retention", "documentation")
    tool = Tool(**{k: after.get(k) for k in fields}, created_at=now())
    r.s.add(tool)
    r.s.flush()
    r.made("tool", entry.entity_id, tool.id)
    state = convert.tool_view(tool).to_dict()
    state.pop("id")
    r.record(Change(entity="tool", entity_id=tool.id, item_id=None, action="create", after=state))
    r.applied += 1


def _settings_update(r: _Replay, entry: HistoryEntry, before, after) -> None:
    before, after = before or {}, after or {}
    current = load_settings(r.s).to_dict()
    apply = {}
    for key, ours in after.items():
        if current.get(key) == ours:
            continue
        if current.get(key) != before.get(key):
            r.conflict(
                "field",
                item_id=None,
                entity="settings",
                entity_id=None,
                field=key,
                base=before.get(key),
                ours=ours,
                theirs=current.get(key),
            )
            continue
        apply[key] = ours
    if not apply:
        if not any(c.entry_hash == entry.hash for c in r.conflicts):
            r.unchanged += 1
        return
    store_settings(r.s, Settings.from_dict(current | apply))
    r.record(
        Change(
            entity="settings",
            entity_id=None,
            item_id=None,
            action="update",
            before={k: current.get(k) for k in apply},
            after=apply,
        )
    )
    r.applied += 1


def _root_add(r: _Replay, entry: HistoryEntry, before, after) -> None:
    name = (after or {}).get("name")
    if not name or r.s.get(StorageRoot, name) is not None:
        r.unchanged += 1
        return
    r.s.add(StorageRoot(name=name, created_at=now()))
    r.record(
        Change(entity="root", entity_id=None, item_id=None, action="add", after={"name": name})
    )
    r.applied += 1


def _asset_adopt(r: _Replay, entry: HistoryEntry, before, after) -> None:
    asset = r.s.get(Asset, r.team_id("asset", entry.entity_id))
    if asset is None or (asset.root, asset.path) == (after.get("root"), after.get("file")):
        r.unchanged += 1
        return
    if asset.root is not None or asset.path != (before or {}).get("file"):
        r.skipped.append((entry.seq, "the image's path was changed in the team library"))
        return
    asset.root, asset.path = after["root"], after["file"]
    r.record(
        Change(
            entity="asset",
            entity_id=asset.id,
            item_id=asset.item_id,
            action="adopt",
            before=before,
            after=after,
        )
    )
    r.applied += 1


_HANDLERS = {
    ("item", "create"): _item_create,
    ("item", "update"): _item_update,
    ("item", "delete"): _item_delete,
    ("item", "tag"): _item_tag,
    ("event", "create"): _event_create,
    ("event", "delete"): _event_delete,
    ("disclosure", "create"): _disclosure_change,
    ("disclosure", "update"): _disclosure_change,
    ("disclosure", "review"): _disclosure_change,
    ("disclosure", "delete"): _disclosure_delete,
    ("asset", "import"): _asset_import,
    ("asset", "adopt"): _asset_adopt,
    ("tool", "create"): _tool_create,
    ("settings", "update"): _settings_update,
    ("root", "add"): _root_add,
}


# -- conflicts ----------------------------------------------------------------------------------


def _value(text: str | None) -> Any:
    return json.loads(text)["v"] if text else None


def conflict_view(session: Session, row: Conflict) -> ConflictView:
    """The view of a stored conflict (its item named as messages name it)."""
    item = session.get(Item, row.item_id) if row.item_id is not None else None
    return ConflictView(
        id=row.id,
        kind=row.kind,
        item=row.item_id,
        item_label=convert.item_label(item) if item is not None else None,
        entity=row.entity,
        entity_id=row.entity_id,
        field=row.field,
        ours=_value(row.ours_json),
        theirs=_value(row.theirs_json),
        base=_value(row.base_json),
        entry=row.source_seq,
        entry_hash=row.entry_hash,
        source=row.source_name,
        by=row.actor,
        at=row.at,
        state=row.state,
        resolution=row.resolution,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
    )


def list_conflicts(store: Store, *, include_resolved: bool = False) -> list[ConflictView]:
    """Open conflicts, oldest first (every conflict with `include_resolved`)."""
    with store.read() as session:
        stmt = select(Conflict).order_by(Conflict.id)
        if not include_resolved:
            stmt = stmt.where(Conflict.state == "open")
        return [conflict_view(session, c) for c in session.scalars(stmt)]


def resolve_conflict(
    store: Store, conflict_id: int, *, keep: str | None = None, value: str | None = None
) -> ConflictView:
    """Resolve a conflict: keep the laptop's value ("mine"), the team's ("theirs"), or give
    another `value`. The decision, and any change it makes, is recorded in history."""
    if (keep is None) == (value is None):
        raise InvalidValue("say how to resolve it: --keep mine, --keep theirs or --value TEXT")
    if keep is not None and keep not in KEEP_CHOICES:
        raise InvalidValue(f"--keep {keep!r}: use mine or theirs")
    with store.write() as (session, history):
        row = session.get(Conflict, conflict_id)
        if row is None:
            raise NotFound(f"there is no conflict {conflict_id}")
        if row.state != "open":
            raise InvalidValue(
                f"conflict {conflict_id} was already resolved ({row.resolution}, by "
                f"{row.resolved_by})"
            )
        ours, theirs = _value(row.ours_json), _value(row.theirs_json)
        if keep == "theirs":
            chosen, how = theirs, "kept the team's value"
        else:
            chosen = ours if keep == "mine" else value
            how = "kept the laptop's value" if keep == "mine" else "gave a new value"
            _apply_choice(store, session, history, row, chosen, conflict_id)
        row.state = "resolved"
        row.resolution = how
        row.resolved_by = store.actor
        row.resolved_at = now()
        history.record(
            Change(
                entity="conflict",
                entity_id=row.id,
                item_id=row.item_id,
                action="resolve",
                before={"field": row.field, "ours": ours, "theirs": theirs},
                after={"field": row.field, "value": chosen, "decision": how},
            )
        )
        session.flush()
        return conflict_view(session, row)


def _apply_choice(store: Store, session: Session, history, row: Conflict, chosen, cid) -> None:
    note = f"conflict {cid} resolved"
    if row.kind in ("deleted", "changed") and row.entity != "settings":
        if row.kind == "deleted":
            raise InvalidValue(
                f"conflict {cid}: the {row.entity} was deleted in the team library; keep theirs, "
                "or record it again by hand"
            )
        raise InvalidValue(
            f"conflict {cid}: the {row.entity} was changed in the team library after the laptop "
            "copy was made; look at it and delete it by hand if it should go, then keep theirs"
        )
    if row.entity == "item":
        item = session.get(Item, row.item_id)
        if item is None:
            raise InvalidValue(f"conflict {cid}: the item was deleted in the team library")
        if row.field == "accession" and chosen:
            check_accession_free(session, chosen, item.id)
        if row.field in ("keywords", "subjects"):
            raise InvalidValue(f"conflict {cid}: tags are set with credence tag")
        current = _item_value(item, row.field)
        if current == chosen:
            return
        with store.search_index.updating(session, [item.id]):
            _set_item_value(item, row.field, chosen)
            item.updated_at = now()
        history.record(
            Change.for_item(
                item_id=item.id,
                action="update",
                before={row.field: current},
                after={row.field: chosen},
                note=note,
            )
        )
        return
    if row.entity == "disclosure":
        disclosure = session.get(Disclosure, row.entity_id)
        if disclosure is None:
            raise InvalidValue(f"conflict {cid}: the disclosure was deleted in the team library")
        current = _disclosure_state(disclosure)
        if isinstance(current.get(row.field), list | dict) and not isinstance(chosen, list | dict):
            raise InvalidValue(
                f"conflict {cid}: {row.field} is not one text; keep mine or keep theirs"
            )
        if current.get(row.field) == chosen:
            return
        _restore_disclosure(session, disclosure, current | {row.field: chosen})
        session.flush()
        history.record(
            Change(
                entity="disclosure",
                entity_id=disclosure.id,
                item_id=disclosure.item_id,
                action="update",
                before={row.field: current.get(row.field)},
                after={row.field: _disclosure_state(disclosure).get(row.field)},
                note=note,
            )
        )
        return
    if row.entity == "settings":
        current = load_settings(session).to_dict()
        if current.get(row.field) == chosen:
            return
        store_settings(session, Settings.from_dict(current | {row.field: chosen}))
        history.record(
            Change(
                entity="settings",
                entity_id=None,
                item_id=None,
                action="update",
                before={row.field: current.get(row.field)},
                after={row.field: chosen},
                note=note,
            )
        )
        return
    raise InvalidValue(
        f"conflict {cid} ({terminal_safe(row.entity)} {terminal_safe(row.field)}) cannot be "
        "applied automatically; keep theirs and record it by hand"
    )
