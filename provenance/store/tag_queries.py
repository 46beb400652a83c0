"""Read-only questions about tags, asked while a person types or browses: completions for a
typed prefix, a vocabulary's tree, the tags counted in the sidebar, and what a tag operation
would change on a selection (nothing written).

Completion must stay fast on a library of 200,000 items with a million tag links: every
prefix lookup is a range on an indexed `folded` column (`folded >= prefix AND folded <
prefix-successor`) with a LIMIT, never a LIKE or a scan of the links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.tag_views import (
    ConceptNode,
    TagCount,
    TagPreview,
    TagPreviewLine,
    TagSuggestion,
)
from provenance.domain.tags import best_label, best_title, clean_keyword, fold
from provenance.domain.text import nfc, terminal_safe
from provenance.store.models import (
    Concept,
    ConceptBroader,
    ConceptLabel,
    ConceptScheme,
    Item,
    ItemKeyword,
    ItemSubject,
)
from provenance.store.reading import library_languages
from provenance.store.store import Store

#: Label rows read for one prefix before ranking; enough for every concept a short list shows.
_LABEL_ROWS = 400
#: A broader path longer than this is a cycle in a badly made vocabulary.
_MAX_DEPTH = 30
_CHUNK = 500
_KINDS = {"pref": 0, "alt": 1, "hidden": 2}


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The folded text range [low, high) holding every string that starts with `prefix`.

    SQLite compares text by its UTF-8 bytes, which sort as code points do: the successor of
    the prefix's last character bounds the range (surrogates cannot be encoded, so skipped).
    """
    low = fold(prefix)
    if not low:
        return "", None
    last = ord(low[-1])
    if last >= 0x10FFFF:
        return low, None
    nxt = last + 1
    if 0xD800 <= nxt <= 0xDFFF:
        nxt = 0xE000
    return low, low[:-1] + chr(nxt)


def _in_range(column, prefix: str):
    low, high = prefix_range(prefix)
    clause = column >= low
    return clause & (column < high) if high is not None else clause


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Concepts:
    """Labels, schemes and broader links of concepts, read once per call and remembered."""

    def __init__(self, session: Session, languages: tuple[str, ...]) -> None:
        self.session = session
        self.languages = languages
        self._labels: dict[int, str] = {}
        self._uris: dict[int, str] = {}
        self._schemes: dict[int, tuple[str, str]] = {}  # concept id -> (title, scheme uri)
        self._broader: dict[int, list[int]] = {}

    def load(self, ids: Iterable[int]) -> None:
        wanted = [i for i in dict.fromkeys(ids) if i not in self._uris]
        for chunk in _chunks(wanted):
            rows = self.session.execute(
                select(Concept.id, Concept.uri, ConceptScheme.titles, ConceptScheme.uri)
                .join(ConceptScheme, ConceptScheme.id == Concept.scheme_id)
                .where(Concept.id.in_(chunk))
            ).all()
            for cid, uri, titles, scheme_uri in rows:
                self._uris[cid] = uri
                self._schemes[cid] = (
                    best_title(titles or {}, self.languages) or scheme_uri,
                    scheme_uri,
                )
            labels: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
            for cid, kind, language, text in self.session.execute(
                select(
                    ConceptLabel.concept_id,
                    ConceptLabel.kind,
                    ConceptLabel.language,
                    ConceptLabel.label,
                ).where(ConceptLabel.concept_id.in_(chunk))
            ):
                labels[cid].append((kind, language, text))
            for cid in chunk:
                self._labels[cid] = best_label(labels.get(cid, []), self.languages)
            broader: dict[int, list[int]] = defaultdict(list)
            for cid, bid in self.session.execute(
                select(ConceptBroader.concept_id, ConceptBroader.broader_id)
                .where(ConceptBroader.concept_id.in_(chunk))
                .order_by(ConceptBroader.concept_id, ConceptBroader.broader_id)
            ):
                broader[cid].append(bid)
            for cid in chunk:
                self._broader[cid] = broader.get(cid, [])

    def uri(self, cid: int) -> str:
        return self._uris[cid]

    def label(self, cid: int) -> str:
        return self._labels.get(cid) or self._uris[cid]

    def scheme(self, cid: int) -> tuple[str, str]:
        return self._schemes[cid]

    def broader(self, cid: int) -> list[int]:
        return self._broader.get(cid, [])

    def paths(self, ids: Iterable[int]) -> dict[int, tuple[list[int], int]]:
        """For each concept, one chain of broader concepts, top first, following the first
        parent (by id), and how many parents were not followed (poly-hierarchy). The chains
        climb together, one level per round of queries, not one concept at a time."""
        ids = list(dict.fromkeys(ids))
        chains: dict[int, list[int]] = {cid: [] for cid in ids}
        others = dict.fromkeys(ids, 0)
        seen = {cid: {cid} for cid in ids}
        current = {cid: cid for cid in ids}
        climbing = set(ids)
        for _ in range(_MAX_DEPTH):
            if not climbing:
                break
            self.load(current[cid] for cid in climbing)
            still = set()
            for cid in climbing:
                parents = [p for p in self.broader(current[cid]) if p not in seen[cid]]
                if not parents:
                    continue
                others[cid] += len(parents) - 1
                current[cid] = parents[0]
                seen[cid].add(parents[0])
                chains[cid].append(parents[0])
                still.add(cid)
            climbing = still
        self.load(b for chain in chains.values() for b in chain)
        return {cid: (list(reversed(chains[cid])), others[cid]) for cid in ids}


def _keyword_suggestions(session: Session, prefix: str, limit: int) -> list[TagSuggestion]:
    folded = ItemKeyword.folded
    n = func.count().label("n")
    rows = session.execute(
        select(folded, n)
        .where(_in_range(folded, prefix))
        .group_by(folded)
        .order_by(n.desc(), folded)
        .limit(limit)
    ).all()
    suggestions = []
    for value, count in rows:
        # The spelling first given (the folded text is for comparing, not for showing).
        spelled = session.scalar(
            select(ItemKeyword.keyword)
            .where(ItemKeyword.folded == value)
            .order_by(ItemKeyword.id)
            .limit(1)
        )
        suggestions.append(TagSuggestion(kind="keyword", text=spelled or value, count=count))
    return suggestions


def _concept_suggestions(
    session: Session,
    prefix: str,
    limit: int,
    languages: tuple[str, ...],
    scheme_uri: str | None = None,
) -> list[TagSuggestion]:
    stmt = (
        select(
            ConceptLabel.concept_id,
            ConceptLabel.kind,
            ConceptLabel.language,
            ConceptLabel.label,
            ConceptLabel.folded,
        )
        .where(_in_range(ConceptLabel.folded, prefix))
        .order_by(ConceptLabel.folded)
        .limit(_LABEL_ROWS)
    )
    if scheme_uri is not None:
        stmt = (
            stmt.join(Concept, Concept.id == ConceptLabel.concept_id)
            .join(ConceptScheme, ConceptScheme.id == Concept.scheme_id)
            .where(ConceptScheme.uri == scheme_uri)
        )
    wanted = fold(prefix)
    best: dict[int, tuple] = {}
    for cid, kind, language, text, folded in session.execute(stmt):
        lang = (language or "").lower()
        in_language = any(lang == w or lang.startswith(w + "-") for w in languages)
        # Exact matches first, then preferred labels, then the library's language, then short.
        rank = (folded != wanted, _KINDS.get(kind, 3), not in_language, len(text), folded)
        if cid not in best or rank < best[cid][0]:
            best[cid] = (rank, text)
    chosen = sorted(best.items(), key=lambda kv: kv[1][0])[:limit]
    concepts = _Concepts(session, languages)
    concepts.load(cid for cid, _v in chosen)
    counts = _subject_counts(session, [cid for cid, _v in chosen])
    paths = concepts.paths(cid for cid, _v in chosen)
    suggestions = []
    for cid, (_rank, matched) in chosen:
        chain, others = paths[cid]
        label = concepts.label(cid)
        title, s_uri = concepts.scheme(cid)
        suggestions.append(
            TagSuggestion(
                kind="subject",
                text=label,
                count=counts.get(cid, 0),
                uri=concepts.uri(cid),
                scheme=title,
                scheme_uri=s_uri,
                path=tuple(concepts.label(b) for b in chain),
                path_uris=tuple(concepts.uri(b) for b in chain),
                other_paths=others,
                matched=matched if fold(matched) != fold(label) else None,
            )
        )
    return suggestions


def _subject_counts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for chunk in _chunks(list(ids)):
        counts.update(
            session.execute(
                select(ItemSubject.concept_id, func.count())
                .where(ItemSubject.concept_id.in_(chunk))
                .group_by(ItemSubject.concept_id)
            ).all()
        )
    return counts


def suggest(
    store: Store,
    prefix: str,
    *,
    limit: int = 12,
    keywords: bool = True,
    subjects: bool = True,
    scheme: str | None = None,
) -> list[TagSuggestion]:
    """Completions for `prefix`: keywords in use (most used first), then concepts whose
    label in any language and of any kind starts with it (exact matches first). Each kind
    gets up to `limit`. `scheme` (a scheme URI) keeps concepts to one vocabulary. An empty
    prefix suggests nothing."""
    if not fold(prefix):
        return []
    limit = max(1, min(int(limit), 200))
    with store.read() as session:
        languages = library_languages(session.connection())
        found: list[TagSuggestion] = []
        if keywords and scheme is None:
            found += _keyword_suggestions(session, prefix, limit)
        if subjects:
            found += _concept_suggestions(session, prefix, limit, languages, scheme)
        return found


def concept_children(
    store: Store, scheme_uri: str, concept_uri: str | None = None
) -> list[ConceptNode]:
    """A vocabulary's tree, one level at a time: its top concepts (`concept_uri` None: those
    of the scheme with no broader concept), else the narrower concepts of `concept_uri` (of
    any scheme). With poly-hierarchy a concept is listed under each of its parents. Sorted by
    label in the library's language."""
    with store.read() as session:
        languages = library_languages(session.connection())
        if concept_uri is None:
            scheme = session.scalar(select(ConceptScheme).where(ConceptScheme.uri == scheme_uri))
            if scheme is None:
                raise NotFound(f"no vocabulary {terminal_safe(scheme_uri)} has been imported")
            has_broader = select(ConceptBroader.concept_id).where(
                ConceptBroader.concept_id == Concept.id
            )
            ids = list(
                session.scalars(
                    select(Concept.id).where(Concept.scheme_id == scheme.id, ~has_broader.exists())
                )
            )
        else:
            parent = session.scalar(select(Concept.id).where(Concept.uri == nfc(concept_uri)))
            if parent is None:
                raise NotFound(f"the concept {terminal_safe(concept_uri)} is in no vocabulary")
            ids = list(
                session.scalars(
                    select(ConceptBroader.concept_id).where(ConceptBroader.broader_id == parent)
                )
            )
        return _nodes(session, ids, languages)


def _nodes(session: Session, ids: list[int], languages: tuple[str, ...]) -> list[ConceptNode]:
    concepts = _Concepts(session, languages)
    concepts.load(ids)
    narrower: dict[int, int] = {}
    for chunk in _chunks(ids):
        narrower.update(
            session.execute(
                select(ConceptBroader.broader_id, func.count())
                .where(ConceptBroader.broader_id.in_(chunk))
                .group_by(ConceptBroader.broader_id)
            ).all()
        )
    counts = _subject_counts(session, ids)
    nodes = [
        ConceptNode(
            uri=concepts.uri(i),
            label=concepts.label(i),
            scheme_uri=concepts.scheme(i)[1],
            narrower=narrower.get(i, 0),
            count=counts.get(i, 0),
        )
        for i in ids
    ]
    return sorted(nodes, key=lambda n: (fold(n.label), n.uri))


def concept_node(store: Store, uri: str) -> ConceptNode:
    """One concept as the browser shows it. Raises NotFound."""
    with store.read() as session:
        cid = session.scalar(select(Concept.id).where(Concept.uri == nfc(uri.strip())))
        if cid is None:
            raise NotFound(f"the concept {terminal_safe(uri)} is in no imported vocabulary")
        return _nodes(session, [cid], library_languages(session.connection()))[0]


def tag_counts(store: Store, limit: int = 50) -> tuple[list[TagCount], list[TagCount]]:
    """The keywords and the subjects in use, each most used first (then alphabetical), up to
    `limit` of each; a subject counts the items tagged with that concept itself."""
    limit = max(1, int(limit))
    with store.read() as session:
        n = func.count().label("n")
        rows = session.execute(
            select(ItemKeyword.folded, n)
            .group_by(ItemKeyword.folded)
            .order_by(n.desc(), ItemKeyword.folded)
            .limit(limit)
        ).all()
        keywords = []
        for value, count in rows:
            spelled = session.scalar(
                select(ItemKeyword.keyword)
                .where(ItemKeyword.folded == value)
                .order_by(ItemKeyword.id)
                .limit(1)
            )
            keywords.append(TagCount(kind="keyword", text=spelled or value, count=count))
        rows = session.execute(
            select(ItemSubject.concept_id, n)
            .group_by(ItemSubject.concept_id)
            .order_by(n.desc(), ItemSubject.concept_id)
            .limit(limit)
        ).all()
        concepts = _Concepts(session, library_languages(session.connection()))
        concepts.load(cid for cid, _n in rows)
        subjects = [
            TagCount(
                kind="subject",
                text=concepts.label(cid),
                count=count,
                uri=concepts.uri(cid),
                scheme=concepts.scheme(cid)[0],
            )
            for cid, count in rows
        ]
        subjects.sort(key=lambda t: (-t.count, fold(t.text)))
        return keywords, subjects


def preview_tags(
    store: Store,
    refs: Sequence[str | int],
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    subjects: Sequence[str] = (),
    unsubjects: Sequence[str] = (),
) -> TagPreview:
    """What `Library.tag` with the same arguments would change, without writing: for each
    tag, how many of the items would gain or lose it, and how many items would change at all.
    Refuses what `tag` refuses (an empty keyword, a tag both added and removed, a concept in
    no imported vocabulary)."""
    added = list(dict.fromkeys(clean_keyword(k) for k in add))
    added_folded = {fold(k): k for k in added}
    removed = {fold(k): k.strip() for k in remove if fold(k)}
    clash = [k for k in added if fold(k) in removed]
    if clash:
        raise InvalidValue(f"keyword {clash[0]!r} is both added and removed")
    subject_uris = list(dict.fromkeys(nfc(u.strip()) for u in subjects if u.strip()))
    unsubject_uris = list(dict.fromkeys(nfc(u.strip()) for u in unsubjects if u.strip()))
    both = set(subject_uris) & set(unsubject_uris)
    if both:
        raise InvalidValue(f"subject {sorted(both)[0]} is both added and removed")
    with store.read() as session:
        languages = library_languages(session.connection())
        uri_ids: dict[str, int] = {}
        for uri in [*subject_uris, *unsubject_uris]:
            cid = session.scalar(select(Concept.id).where(Concept.uri == uri))
            if cid is None:
                if uri in unsubject_uris:
                    continue  # nothing can have it: removing it changes nothing
                raise InvalidValue(
                    f"the concept {terminal_safe(uri)} is in no imported vocabulary; import "
                    "its vocabulary first"
                )
            uri_ids[uri] = cid
        ids, missing = _resolve(session, refs)
        have_kw: dict[str, set[int]] = defaultdict(set)
        have_sub: dict[int, set[int]] = defaultdict(set)
        folded_wanted = sorted({*added_folded, *removed})
        concept_wanted = sorted(set(uri_ids.values()))
        for chunk in _chunks(ids):
            if folded_wanted:
                for item_id, value in session.execute(
                    select(ItemKeyword.item_id, ItemKeyword.folded).where(
                        ItemKeyword.item_id.in_(chunk), ItemKeyword.folded.in_(folded_wanted)
                    )
                ):
                    have_kw[value].add(item_id)
            if concept_wanted:
                for item_id, cid in session.execute(
                    select(ItemSubject.item_id, ItemSubject.concept_id).where(
                        ItemSubject.item_id.in_(chunk), ItemSubject.concept_id.in_(concept_wanted)
                    )
                ):
                    have_sub[cid].add(item_id)
        everyone = set(ids)
        changing: set[int] = set()
        lines: list[TagPreviewLine] = []
        for value, keyword in added_folded.items():
            gaining = everyone - have_kw[value]
            changing |= gaining
            lines.append(TagPreviewLine(kind="keyword", text=keyword, gain=len(gaining)))
        for value, keyword in removed.items():
            spelled = session.scalar(
                select(ItemKeyword.keyword).where(ItemKeyword.folded == value).limit(1)
            )
            changing |= have_kw[value]
            lines.append(
                TagPreviewLine(
                    kind="keyword",
                    text=spelled or keyword,
                    lose=len(have_kw[value]),
                    action="remove",
                )
            )
        concepts = _Concepts(session, languages)
        concepts.load(uri_ids.values())
        for uri in subject_uris:
            gaining = everyone - have_sub[uri_ids[uri]]
            changing |= gaining
            lines.append(
                TagPreviewLine(
                    kind="subject", text=concepts.label(uri_ids[uri]), gain=len(gaining), uri=uri
                )
            )
        for uri in unsubject_uris:
            losing = have_sub[uri_ids[uri]] if uri in uri_ids else set()
            changing |= losing
            label = concepts.label(uri_ids[uri]) if uri in uri_ids else uri
            lines.append(
                TagPreviewLine(
                    kind="subject", text=label, lose=len(losing), uri=uri, action="remove"
                )
            )
        return TagPreview(
            items=len(ids), changed=len(changing), lines=tuple(lines), not_found=tuple(missing)
        )


def _resolve(session: Session, refs: Sequence[str | int]) -> tuple[list[int], list[str]]:
    """Item ids for `refs` (ids found in one query per chunk; other references one by one),
    each once, and the references that found no item."""
    # Imported here: `items` asks this module for the library's languages.
    from provenance.store.items import resolve_item

    ids: list[int] = []
    missing: list[str] = []
    numbers = [r for r in refs if isinstance(r, int) and not isinstance(r, bool)]
    found: set[int] = set()
    for chunk in _chunks(numbers):
        found.update(session.scalars(select(Item.id).where(Item.id.in_(chunk))))
    for ref in refs:
        if isinstance(ref, int) and not isinstance(ref, bool):
            if ref in found:
                ids.append(ref)
            else:
                missing.append(str(ref))
            continue
        try:
            ids.append(resolve_item(session, ref).id)
        except NotFound:
            missing.append(str(ref))
    return list(dict.fromkeys(ids)), missing


def tags_of(store: Store, refs: Sequence[str | int]) -> list[TagCount]:
    """The keywords and subjects the items `refs` have, each with on how many of them:
    keywords first, then subjects, each most common first (references not found are left
    out)."""
    with store.read() as session:
        ids, _missing = _resolve(session, refs)
        keywords: dict[str, list] = {}
        subjects: dict[int, int] = defaultdict(int)
        for chunk in _chunks(ids):
            for value, spelled, count in session.execute(
                select(ItemKeyword.folded, func.min(ItemKeyword.keyword), func.count())
                .where(ItemKeyword.item_id.in_(chunk))
                .group_by(ItemKeyword.folded)
            ):
                entry = keywords.setdefault(value, [spelled, 0])
                entry[1] += count
            for cid, count in session.execute(
                select(ItemSubject.concept_id, func.count())
                .where(ItemSubject.item_id.in_(chunk))
                .group_by(ItemSubject.concept_id)
            ):
                subjects[cid] += count
        concepts = _Concepts(session, library_languages(session.connection()))
        concepts.load(subjects)
        found = [
            TagCount(kind="keyword", text=spelled, count=count)
            for spelled, count in keywords.values()
        ]
        found.sort(key=lambda t: (-t.count, fold(t.text)))
        tagged = [
            TagCount(
                kind="subject",
                text=concepts.label(cid),
                count=count,
                uri=concepts.uri(cid),
                scheme=concepts.scheme(cid)[0],
            )
            for cid, count in subjects.items()
        ]
        tagged.sort(key=lambda t: (-t.count, fold(t.text)))
        return found + tagged
