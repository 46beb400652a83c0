"""Controlled vocabularies as stored: SKOS concept schemes, their concepts, labels and broader
links. Importing a newer version of a vocabulary updates it in place: concepts keep their ids
(so every item keeps its subjects), and concepts the new version leaves out are kept."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from provenance.domain.clock import now
from provenance.domain.reports import VocabularyImportReport, VocabularyView
from provenance.domain.tags import best_title, fold
from provenance.store.history import Change
from provenance.store.models import (
    Concept,
    ConceptBroader,
    ConceptLabel,
    ConceptScheme,
    ItemSubject,
)
from provenance.store.store import Store

_CHUNK = 500


@dataclass
class ParsedVocabulary:
    """What a vocabulary file says, as plain data (built by `importing.vocabulary`).

    `schemes` maps a scheme URI to its titles per language; `concepts` maps a concept URI to
    (scheme URI, labels as (kind, language, text)); `links` holds (narrower, broader) URIs.
    """

    schemes: dict[str, dict[str, str]] = field(default_factory=dict)
    concepts: dict[str, tuple[str, list[tuple[str, str, str]]]] = field(default_factory=dict)
    links: set[tuple[str, str]] = field(default_factory=set)


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def store_vocabulary(store: Store, parsed: ParsedVocabulary, source: str) -> VocabularyImportReport:
    """Add or update the schemes and concepts of `parsed` in one transaction."""
    stamp = now()
    with store.write() as (session, history):
        scheme_ids: dict[str, int] = {}
        for uri, titles in parsed.schemes.items():
            scheme = session.scalar(select(ConceptScheme).where(ConceptScheme.uri == uri))
            if scheme is None:
                scheme = ConceptScheme(uri=uri, titles={}, imported_at=stamp)
                session.add(scheme)
            scheme.titles = dict(titles) or dict(scheme.titles or {})
            scheme.source = source
            scheme.imported_at = stamp
            session.flush()
            scheme_ids[uri] = scheme.id
        known = dict(session.execute(select(Concept.uri, Concept.id)).all())
        existing = [known[u] for u in parsed.concepts if u in known]
        # The labels of tagged items' subjects are in the search index: bracket the change.
        affected: set[int] = set()
        for chunk in _chunks(existing):
            affected.update(
                session.scalars(
                    select(ItemSubject.item_id).where(ItemSubject.concept_id.in_(chunk))
                )
            )
        new_rows = [
            {"uri": uri, "scheme_id": scheme_ids[scheme]}
            for uri, (scheme, _labels) in parsed.concepts.items()
            if uri not in known
        ]
        with store.search_index.updating(session, sorted(affected)):
            for chunk in _chunks(new_rows):
                session.execute(insert(Concept), chunk)
            for uri, (scheme, _labels) in parsed.concepts.items():
                if uri in known:
                    session.execute(
                        Concept.__table__.update()
                        .where(Concept.id == known[uri])
                        .values(scheme_id=scheme_ids[scheme])
                    )
            known = dict(session.execute(select(Concept.uri, Concept.id)).all())
            ids = [known[u] for u in parsed.concepts]
            for chunk in _chunks(ids):
                session.execute(delete(ConceptLabel).where(ConceptLabel.concept_id.in_(chunk)))
                session.execute(delete(ConceptBroader).where(ConceptBroader.concept_id.in_(chunk)))
            label_rows = [
                {
                    "concept_id": known[uri],
                    "kind": kind,
                    "language": language,
                    "label": text,
                    "folded": fold(text),
                }
                for uri, (_scheme, labels) in parsed.concepts.items()
                for kind, language, text in labels
            ]
            for chunk in _chunks(label_rows):
                session.execute(insert(ConceptLabel), chunk)
            links = {
                (known[n], known[b])
                for n, b in parsed.links
                if n in known and b in known and n != b
            }
            # A link stated from the other side (skos:narrower) may start at a concept of
            # another file, whose links were not cleared above: keep, do not repeat.
            present: set[tuple[int, int]] = set()
            for chunk in _chunks(sorted({n for n, _b in links})):
                present.update(
                    session.execute(
                        select(ConceptBroader.concept_id, ConceptBroader.broader_id).where(
                            ConceptBroader.concept_id.in_(chunk)
                        )
                    ).tuples()
                )
            link_rows = [{"concept_id": n, "broader_id": b} for n, b in sorted(links - present)]
            for chunk in _chunks(link_rows):
                session.execute(insert(ConceptBroader), chunk)
        # Their subjects' labels may have changed, and exports carry them: the stale-export
        # check looks at these items before commit.
        history.touched_items.update(affected)
        views = _views(session, list(scheme_ids.values()))
        for view, scheme_id in zip(views, scheme_ids.values(), strict=True):
            history.record(
                Change(
                    entity="vocabulary",
                    entity_id=scheme_id,
                    item_id=None,
                    action="import",
                    after={
                        "uri": view.uri,
                        "title": view.title,
                        "concepts": view.concepts,
                        "source": source,
                    },
                )
            )
        return VocabularyImportReport(
            file=source,
            schemes=tuple(views),
            concepts=len(parsed.concepts),
            new=len(new_rows),
            updated=len(parsed.concepts) - len(new_rows),
            labels=len(label_rows),
            links=len(links),
            skipped_links=len(parsed.links) - len(links),
        )


def _views(session: Session, scheme_ids: list[int] | None = None) -> list[VocabularyView]:
    counts = dict(
        session.execute(
            select(Concept.scheme_id, func.count(Concept.id)).group_by(Concept.scheme_id)
        ).all()
    )
    stmt = select(ConceptScheme).order_by(ConceptScheme.id)
    if scheme_ids is not None:
        stmt = stmt.where(ConceptScheme.id.in_(scheme_ids))
    rows = {s.id: s for s in session.scalars(stmt)}
    order = scheme_ids if scheme_ids is not None else list(rows)
    return [
        VocabularyView(
            uri=rows[i].uri,
            title=best_title(rows[i].titles or {}),
            concepts=counts.get(i, 0),
            source=rows[i].source,
            imported_at=rows[i].imported_at,
        )
        for i in order
    ]


def vocabularies(store: Store) -> list[VocabularyView]:
    """Every imported vocabulary, in the order first imported."""
    with store.read() as session:
        return _views(session)
