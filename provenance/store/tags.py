"""Tags on items: free keywords and subjects (concepts of imported vocabularies). Each item
changed gets one history entry (action "tag") with its keywords and subject URIs before and
after, which undo applies in reverse; the search index is kept in step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from operator import itemgetter

from sqlalchemy import exists, func, or_, select, text, union
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.reports import TagReport
from provenance.domain.shipped import import_hint
from provenance.domain.tags import clean_keyword, fold
from provenance.domain.text import MAX_SQLITE_INT, nfc, terminal_safe
from provenance.store.bulk import insert_rows
from provenance.store.history import HistoryWriter, canonical_json
from provenance.store.items import resolve_item
from provenance.store.models import (
    Concept,
    ConceptBroader,
    ConceptLabel,
    Item,
    ItemKeyword,
    ItemSubject,
)
from provenance.store.store import Store


class FoldCache(dict):
    """`fold` remembered for one operation: tagging thousands of items folds the same few
    keywords over and over (measured: most of the time of a 10,000-item step)."""

    def __missing__(self, keyword: str) -> str:
        value = self[keyword] = fold(keyword)
        return value


#: An item's tags: its keywords and its subjects' URIs, in order.
TagState = tuple[tuple[str, ...], tuple[str, ...]]
NO_TAGS: TagState = ((), ())
_KINDS = ("keywords", "subjects")


def _state(tags: Mapping[str, Sequence[str]]) -> TagState:
    return tuple(tags["keywords"]), tuple(tags["subjects"])


def _concept(session: Session, uri: str) -> Concept | None:
    return session.scalar(select(Concept).where(Concept.uri == nfc(uri.strip())))


def tag_state(item: Item) -> dict[str, list[str]]:
    """An item's tags as history records them: keywords and subject URIs, in order."""
    return {
        "keywords": [k.keyword for k in item.keyword_rows],
        "subjects": [s.concept.uri for s in item.subject_rows],
    }


def set_tags(session: Session, item: Item, keywords: list[str], subjects: list[str]) -> None:
    """Give `item` exactly these keywords and subject URIs (rows kept where unchanged)."""
    wanted = {fold(k): k for k in keywords}
    for row in list(item.keyword_rows):
        if row.folded not in wanted:
            item.keyword_rows.remove(row)
    have = {row.folded for row in item.keyword_rows}
    for folded, keyword in wanted.items():
        if folded not in have:
            item.keyword_rows.append(ItemKeyword(keyword=keyword, folded=folded))
    concepts = []
    for uri in subjects:
        concept = _concept(session, uri)
        if concept is None:
            raise InvalidValue(f"the concept {uri} is in no imported vocabulary")
        concepts.append(concept)
    ids = {c.id for c in concepts}
    for row in list(item.subject_rows):
        if row.concept_id not in ids:
            item.subject_rows.remove(row)
    have_ids = {row.concept_id for row in item.subject_rows}
    for concept in concepts:
        if concept.id not in have_ids:
            item.subject_rows.append(ItemSubject(concept=concept))
            have_ids.add(concept.id)


def tag_items(
    store: Store,
    refs: Sequence[str | int],
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    subjects: Sequence[str] = (),
    unsubjects: Sequence[str] = (),
) -> TagReport:
    """Add and remove keywords and subjects on many items in one transaction.

    Written in bulk (items found by key in batches, tag rows by executemany) so tagging ten
    thousand items is one short step; each changed item still gets its own history entry.
    """
    added = list(dict.fromkeys(clean_keyword(k) for k in add))
    removed = {fold(k) for k in remove if fold(k)}
    clash = [k for k in added if fold(k) in removed]
    if clash:
        raise InvalidValue(f"keyword {clash[0]!r} is both added and removed")
    subject_uris = list(dict.fromkeys(nfc(u.strip()) for u in subjects if u.strip()))
    unsubject_uris = {nfc(u.strip()) for u in unsubjects if u.strip()}
    if set(subject_uris) & unsubject_uris:
        raise InvalidValue(
            f"subject {sorted(set(subject_uris) & unsubject_uris)[0]} is both added and removed"
        )
    changed: list[str] = []
    unchanged: list[str] = []
    missing: list[str] = []
    folds = FoldCache()
    with store.write() as (session, history):
        known = concept_ids(session, subject_uris)
        for uri in subject_uris:
            if uri not in known:
                raise InvalidValue(
                    f"the concept {terminal_safe(uri)} is in no imported vocabulary; "
                    f"{import_hint(uri)}"
                )
        found = resolve_items(session, refs)
        targets: dict[int, str] = {}
        for ref, hit in zip(refs, found, strict=True):
            if hit is None:
                missing.append(str(ref))
            elif hit[0] not in targets:
                targets[hit[0]] = hit[1] or f"#{hit[0]}"
        current = tag_states(session, list(targets))
        # Items in the same tag state end in the same state: work it out once per state (a
        # step over ten thousand items usually meets a handful of states).
        outcome: dict[TagState, TagState] = {}
        plans: list[tuple[int, TagState, TagState]] = []
        for item_id, label in targets.items():
            before = current.get(item_id, NO_TAGS)
            after = outcome.get(before)
            if after is None:
                keywords = [k for k in before[0] if folds[k] not in removed]
                folded = {folds[k] for k in keywords}
                keywords += [k for k in added if folds[k] not in folded]
                uris = [u for u in before[1] if u not in unsubject_uris]
                uris += [u for u in subject_uris if u not in uris]
                after = outcome[before] = (tuple(keywords), tuple(uris))
            if after == before:
                unchanged.append(label)
                continue
            plans.append((item_id, before, after))
            changed.append(label)
        if plans:
            ids = [p[0] for p in plans]
            with store.search_index.updating(session, ids):
                _write_changes(session, plans, known, folds)
                _touch(session, ids, now())
            _record_history(history, plans)
    return TagReport(tuple(changed), tuple(unchanged), tuple(missing))


def record_tag_history(
    history: HistoryWriter,
    plans: Sequence[tuple[int, dict, dict]],
    notes: Mapping[int, str] | None = None,
) -> None:
    """One history entry ("tag") per item, with only the tag kinds that changed (and the
    note given for the item, e.g. the catalog line it came from)."""
    _record_history(history, [(i, _state(b), _state(a)) for i, b, a in plans], notes)


def _record_history(
    history: HistoryWriter,
    plans: Sequence[tuple[int, TagState, TagState]],
    notes: Mapping[int, str] | None = None,
) -> None:
    # A bulk step moves many items between the same two states: each pair is encoded once
    # (`canonical_json` of 20,000 states was a fifth of a 10,000-item step) and the entries
    # are hashed together (`HistoryWriter.record_encoded_many`).
    encoded: dict[tuple[TagState, TagState], tuple[str | None, str | None]] = {}
    entries = []
    for item_id, before, after in plans:
        pair = encoded.get((before, after))
        if pair is None:
            kinds = [n for n in (0, 1) if before[n] != after[n]]  # only what changed
            pair = encoded[(before, after)] = (
                canonical_json({_KINDS[n]: list(before[n]) for n in kinds}),
                canonical_json({_KINDS[n]: list(after[n]) for n in kinds}),
            )
        entries.append((item_id, item_id, *pair, notes.get(item_id) if notes else None))
    history.record_encoded_many(entity="item", action="tag", entries=entries)


_BATCH = 500


def _batched(values: Sequence, size: int = _BATCH):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def resolve_items(
    session: Session, refs: Sequence[str | int]
) -> list[tuple[int, str | None] | None]:
    """`resolve_item` for many references at once: (id, accession) per reference, or None
    where no item is found. Found by key in batches; anything unusual (an id written as
    "#12" that is no item, a reference that is neither text nor a number) goes through
    `resolve_item` one by one, so the rules and the messages stay those of one item."""
    texts = {nfc(r.strip()) for r in refs if isinstance(r, str)}
    numbers = {r for r in refs if isinstance(r, int) and not isinstance(r, bool)}
    numbers |= {
        int(t[1:]) for t in texts if t.startswith("#") and t[1:].isascii() and t[1:].isdigit()
    }
    by_accession: dict[str, tuple[int, str | None]] = {}
    by_id: dict[int, tuple[int, str | None]] = {}
    # Through a plain DB-API cursor (SQLAlchemy's expanding IN and row handling cost more than
    # the look-ups for 10,000 references); accessions are bound, ids are ints and inlined.
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.cursor()
    try:
        for batch in _batched(sorted(t for t in texts if t)):
            cursor.execute(
                f"SELECT id, accession FROM items WHERE accession IN "
                f"({', '.join([mark] * len(batch))})",
                batch,
            )
            for item_id, accession in cursor.fetchall():
                by_accession[nfc(accession)] = (item_id, accession)
        for batch in _batched(sorted(n for n in numbers if 0 < n <= MAX_SQLITE_INT)):
            cursor.execute(
                f"SELECT id, accession FROM items WHERE id IN ({','.join(map(str, batch))})"
            )
            for item_id, accession in cursor.fetchall():
                by_id[item_id] = (item_id, accession)
    finally:
        cursor.close()
    found: list[tuple[int, str | None] | None] = []
    for ref in refs:
        hit = None
        if isinstance(ref, int) and not isinstance(ref, bool):
            hit = by_id.get(ref)
        elif isinstance(ref, str):
            text = nfc(ref.strip())
            if text.startswith("#") and text[1:].isascii() and text[1:].isdigit():
                hit = by_id.get(int(text[1:])) or by_accession.get(text)
            else:
                hit = by_accession.get(text)
        if hit is None:
            try:
                item = resolve_item(session, ref)
            except NotFound:
                found.append(None)
                continue
            hit = (item.id, item.accession)
        found.append(hit)
    return found


def concept_ids(session: Session, uris: Sequence[str]) -> dict[str, int]:
    """Concept ids by URI, for the URIs that name a concept of an imported vocabulary."""
    known: dict[str, int] = {}
    for batch in _batched(list(dict.fromkeys(uris))):
        rows = session.execute(select(Concept.uri, Concept.id).where(Concept.uri.in_(batch)))
        known.update(rows.tuples().all())
    return known


def tags_of(session: Session, item_ids: Sequence[int]) -> dict[int, tuple[list[str], list[str]]]:
    """Items' keywords and subject URIs in the order `tag_state` gives them (items without
    tags are left out)."""
    return {i: (list(k), list(s)) for i, (k, s) in tag_states(session, item_ids).items()}


def tag_states(session: Session, item_ids: Sequence[int]) -> dict[int, TagState]:
    """Items' tag states, (keywords, subject URIs) in the order `tag_state` gives them, read
    in bulk through a plain DB-API cursor: for 10,000 items SQLAlchemy's row handling cost
    more than the queries. The ids are ints, inlined (nothing a person typed reaches this
    SQL). Items without tags are left out."""
    keywords: dict[int, tuple[str, ...]] = {}
    subjects: dict[int, tuple[str, ...]] = {}
    first = itemgetter(0)
    cursor = session.connection().connection.cursor()
    try:
        for batch in _batched(sorted({int(i) for i in item_ids})):
            ids = ",".join(map(str, batch))
            cursor.execute(
                f"SELECT item_id, keyword FROM item_keywords WHERE item_id IN ({ids}) "
                "ORDER BY item_id, id"
            )
            for item_id, rows in groupby(cursor.fetchall(), first):
                keywords[item_id] = tuple(row[1] for row in rows)
            cursor.execute(
                "SELECT s.item_id, c.uri FROM item_subjects s JOIN vocab_concepts c "
                f"ON c.id = s.concept_id WHERE s.item_id IN ({ids}) ORDER BY s.item_id, s.id"
            )
            for item_id, rows in groupby(cursor.fetchall(), first):
                subjects[item_id] = tuple(row[1] for row in rows)
    finally:
        cursor.close()
    return {i: (keywords.get(i, ()), subjects.get(i, ())) for i in keywords.keys() | subjects}


def tags_after(
    before: tuple[list[str], list[str]],
    keywords: Sequence[str],
    subjects: Sequence[str],
    folds: FoldCache | None = None,
) -> dict[str, list[str]]:
    """The tags an item has once given exactly `keywords` and `subjects` (as `set_tags`
    leaves them: rows kept in their order, a kept keyword keeps its first spelling, new
    ones after)."""
    folds = FoldCache() if folds is None else folds
    wanted = {folds[k]: k for k in keywords}
    kept = [k for k in before[0] if folds[k] in wanted]
    have = {folds[k] for k in kept}
    wanted_uris = list(dict.fromkeys(subjects))
    kept_uris = [u for u in before[1] if u in set(wanted_uris)]
    return {
        "keywords": kept + [k for f, k in wanted.items() if f not in have],
        "subjects": kept_uris + [u for u in wanted_uris if u not in set(kept_uris)],
    }


def write_tag_changes(
    session: Session,
    plans: Sequence[tuple[int, dict, dict]],
    concepts: dict[str, int],
    folds: FoldCache | None = None,
) -> None:
    """Write the tag rows that take each item from `before` to `after` (executemany).

    `concepts` maps every subject URI in `after` to its concept id. Items' loaded tag lists in
    the session are expired, so nothing later in the transaction reads the old ones.
    """
    _write_changes(session, [(i, _state(b), _state(a)) for i, b, a in plans], concepts, folds)


def _write_changes(
    session: Session,
    plans: Sequence[tuple[int, TagState, TagState]],
    concepts: dict[str, int],
    folds: FoldCache | None = None,
) -> None:
    folds = FoldCache() if folds is None else folds
    session.flush()
    # The rows to drop and add, worked out once per distinct (before, after) pair.
    diffs: dict[tuple[TagState, TagState], tuple[list, list, list, list]] = {}
    drop_keywords, add_keywords, drop_subjects, add_subjects = [], [], [], []
    for item_id, before, after in plans:
        diff = diffs.get((before, after))
        if diff is None:
            new = {folds[k] for k in after[0]}
            old = {folds[k] for k in before[0]}
            old_uris, new_uris = set(before[1]), set(after[1])
            missing = [u for u in new_uris - old_uris if u not in concepts]
            if missing:
                concepts = {**concepts, **concept_ids(session, missing)}
            diff = diffs[(before, after)] = (
                sorted(old - new),
                [(k, folds[k]) for k in after[0] if folds[k] not in old],
                sorted(old_uris - new_uris),
                [concepts[u] for u in after[1] if u not in old_uris],
            )
        drop_keywords += [(item_id, f) for f in diff[0]]
        add_keywords += [(item_id, k, f) for k, f in diff[1]]
        drop_subjects += [(item_id, u) for u in diff[2]]
        add_subjects += [(item_id, c) for c in diff[3]]
    if drop_keywords:
        session.execute(
            text("DELETE FROM item_keywords WHERE item_id = :item AND folded = :folded"),
            [{"item": i, "folded": f} for i, f in drop_keywords],
        )
    if drop_subjects:
        session.execute(
            text(
                "DELETE FROM item_subjects WHERE item_id = :item AND concept_id = "
                "(SELECT id FROM vocab_concepts WHERE uri = :uri)"
            ),
            [{"item": i, "uri": u} for i, u in drop_subjects],
        )
    insert_rows(session, "item_keywords", ("item_id", "keyword", "folded"), add_keywords)
    insert_rows(session, "item_subjects", ("item_id", "concept_id"), add_subjects)
    ids = {p[0] for p in plans}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Item) and obj.id in ids:
            session.expire(obj, ["keyword_rows", "subject_rows", "updated_at"])


def _touch(session: Session, item_ids: Sequence[int], stamp: str) -> None:
    """Set the items' `updated_at` (ids inlined in batches: SQLAlchemy's expanding IN cost
    more than the UPDATE for 10,000 items; they are ints, nothing a person typed)."""
    for batch in _batched(item_ids):
        ids = ",".join(str(int(i)) for i in batch)
        session.execute(
            text(f"UPDATE items SET updated_at = :stamp WHERE id IN ({ids})"), {"stamp": stamp}
        )


def revert_tags(session: Session, item: Item, before: dict, after: dict, seq: int) -> None:
    """Put back the tags `before` recorded in history entry `seq`; refuses when the item's
    tags have changed again since (`after` is what that entry left)."""
    current = tag_state(item)
    for key, value in after.items():
        if current.get(key) != value:
            raise InvalidValue(
                f"the {key} of item {item.accession or '#' + str(item.id)} were changed again "
                f"after entry {seq}; undo the later change first"
            )
    state = current | before
    set_tags(session, item, state["keywords"], state["subjects"])
    item.updated_at = now()


#: Tag links above which a tag counts as common (see `tag_is_common`).
COMMON_TAG_LINKS = 2000


def _tag_tree(folded: str, term: str):
    start = (
        select(Concept.id.label("concept_id"))
        .where(
            or_(
                Concept.uri == nfc(term.strip()),
                Concept.id.in_(
                    select(ConceptLabel.concept_id).where(ConceptLabel.folded == folded)
                ),
            )
        )
        .cte("tag_concepts", recursive=True)
    )
    narrower = select(ConceptBroader.concept_id).join(
        start, ConceptBroader.broader_id == start.c.concept_id
    )
    return start.union(narrower)


def tag_clause(term: str, *, common: bool = False):
    """A WHERE clause for items with the keyword `term`, or a subject whose concept (or a
    broader concept of it, at any depth) has `term` as a label in any language, or as URI.

    Two spellings of the same question, for the two shapes of tag (measured on 200,000
    items with a million tag links): for a rare tag, the set of matching ids (its links are
    few; an EXISTS per item walked all 200,000 items, ~300 ms); for a `common` tag on a page
    in catalog order, EXISTS per item (the first page is found after a few hundred items,
    while building the set of 100,000 matches took ~150 ms).
    """
    folded = fold(term)
    tree = _tag_tree(folded, term)
    if common:
        keyword = exists().where(ItemKeyword.item_id == Item.id, ItemKeyword.folded == folded)
        subject = exists().where(
            ItemSubject.item_id == Item.id, ItemSubject.concept_id.in_(select(tree.c.concept_id))
        )
        return keyword | subject
    matching = union(
        select(ItemKeyword.item_id).where(ItemKeyword.folded == folded),
        select(ItemSubject.item_id).where(ItemSubject.concept_id.in_(select(tree.c.concept_id))),
    )
    return Item.id.in_(matching)


def tag_is_common(session: Session, term: str) -> bool:
    """Whether `term` has more than COMMON_TAG_LINKS tag links (counting stops there, so
    this costs a few milliseconds however common the tag is)."""
    folded = fold(term)
    keyword = select(ItemKeyword.item_id).where(ItemKeyword.folded == folded)
    subject = select(ItemSubject.item_id).where(
        ItemSubject.concept_id.in_(select(_tag_tree(folded, term).c.concept_id))
    )
    found = 0
    for stmt in (keyword, subject):
        capped = stmt.limit(COMMON_TAG_LINKS + 1 - found).subquery()
        found += session.scalar(select(func.count()).select_from(capped)) or 0
        if found > COMMON_TAG_LINKS:
            return True
    return False
