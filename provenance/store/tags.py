"""Tags on items: free keywords and subjects (concepts of imported vocabularies). Each item
changed gets one history entry (action "tag") with its keywords and subject URIs before and
after, which undo applies in reverse; the search index is kept in step."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.tags import clean_keyword, fold
from provenance.domain.text import nfc, terminal_safe
from provenance.domain.views import TagReport
from provenance.store.history import Change
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
    """Add and remove keywords and subjects on many items in one transaction."""
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
    with store.write() as (session, history):
        for uri in subject_uris:
            if _concept(session, uri) is None:
                raise InvalidValue(
                    f"the concept {terminal_safe(uri)} is in no imported vocabulary; import "
                    "its vocabulary first (credence vocab import FILE)"
                )
        plans: list[tuple[Item, dict, dict]] = []
        seen: set[int] = set()
        for ref in refs:
            try:
                item = resolve_item(session, ref)
            except NotFound:
                missing.append(str(ref))
                continue
            if item.id in seen:
                continue
            seen.add(item.id)
            before = tag_state(item)
            keywords = [k for k in before["keywords"] if fold(k) not in removed]
            folded = {fold(k) for k in keywords}
            keywords += [k for k in added if fold(k) not in folded]
            uris = [u for u in before["subjects"] if u not in unsubject_uris]
            uris += [u for u in subject_uris if u not in uris]
            after = {"keywords": keywords, "subjects": uris}
            label = item.accession or f"#{item.id}"
            if after == before:
                unchanged.append(label)
                continue
            plans.append((item, before, after))
            changed.append(label)
        with store.search_index.updating(session, [item.id for item, _b, _a in plans]):
            stamp = now()
            for item, before, after in plans:
                set_tags(session, item, after["keywords"], after["subjects"])
                item.updated_at = stamp
                keys = [k for k in ("keywords", "subjects") if before[k] != after[k]]
                history.record(
                    Change.for_item(
                        item_id=item.id,
                        action="tag",
                        before={k: before[k] for k in keys},
                        after={k: after[k] for k in keys},
                    )
                )
    return TagReport(tuple(changed), tuple(unchanged), tuple(missing))


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


def tag_clause(term: str):
    """A WHERE clause for items with the keyword `term`, or a subject whose concept (or a
    broader concept of it, at any depth) has `term` as a label in any language, or as URI."""
    folded = fold(term)
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
    tree = start.union(narrower)
    keyword = exists().where(ItemKeyword.item_id == Item.id, ItemKeyword.folded == folded)
    subject = exists().where(
        ItemSubject.item_id == Item.id, ItemSubject.concept_id.in_(select(tree.c.concept_id))
    )
    return keyword | subject
