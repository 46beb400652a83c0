"""Disclosures: what AI did to an item, its wording overrides, and the review state machine
(draft -> reviewed -> approved, by a named person; any change to the words goes back to draft)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select

from provenance.domain.categories import category
from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.fields import blank_to_none
from provenance.domain.settings import Settings
from provenance.domain.views import ITEM_FIELDS, PURPOSE_KEY, REVIEW_STATES, DisclosureView
from provenance.domain.wording import Wording, available_languages, disclosure_wording
from provenance.store import convert
from provenance.store.exports import chunks
from provenance.store.history import Change
from provenance.store.items import resolve_item
from provenance.store.models import Disclosure, DisclosureTool, Tool
from provenance.store.settings import load_settings
from provenance.store.store import Store
from provenance.store.tools import resolve_tool


def disclose(
    store: Store,
    ref: str | int,
    category_slug: str,
    *,
    tools: Sequence[str] = (),
    purpose: str | None = None,
    extent: str | None = None,
    fields: Sequence[str] = (),
    asset_id: int | None = None,
) -> DisclosureView:
    """Record what AI did to an item (or one asset, or catalog fields); see Library.disclose."""
    cat = category(category_slug)
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        for name in fields:
            if name not in ITEM_FIELDS and name not in item.extra:
                raise InvalidValue(
                    f"field {name!r} is not a catalog field of {convert.item_label(item)}; "
                    f"use one of {', '.join(ITEM_FIELDS)} or an extra field it has"
                )
        if asset_id is not None and not any(a.id == asset_id for a in item.assets):
            raise NotFound(f"asset {asset_id} does not belong to {convert.item_label(item)}")
        tool_rows = [resolve_tool(session, t) for t in tools]
        disclosure = session.scalar(
            select(Disclosure).where(
                Disclosure.item_id == item.id,
                Disclosure.category == cat.slug,
                Disclosure.asset_id.is_(None)
                if asset_id is None
                else Disclosure.asset_id == asset_id,
            )
        )
        before = convert.history_state(convert.disclosure_view(disclosure)) if disclosure else None
        if disclosure is None:
            disclosure = Disclosure(
                item_id=item.id, asset_id=asset_id, category=cat.slug, created_at=now()
            )
            session.add(disclosure)
        new_purpose = blank_to_none(purpose)
        if new_purpose != disclosure.purpose:
            # Translations of the old purpose would now say something else: they go with it.
            prefix = PURPOSE_KEY.format(language="")
            disclosure.overrides = {
                k: v for k, v in (disclosure.overrides or {}).items() if not k.startswith(prefix)
            }
        disclosure.purpose = new_purpose
        disclosure.extent = blank_to_none(extent)
        disclosure.fields = list(dict.fromkeys(fields))
        disclosure.tools = tool_rows
        set_review(disclosure, "draft", None)
        session.flush()
        view = convert.disclosure_view(disclosure)
        after = convert.history_state(view)
        if before != after:
            history.record(
                Change(
                    entity="disclosure",
                    entity_id=disclosure.id,
                    item_id=item.id,
                    action="create" if before is None else "update",
                    before=before,
                    after=after,
                )
            )
    return view


def override_sentence(
    store: Store,
    ref: str | int,
    category_slug: str,
    language: str,
    sentence: str | None,
    *,
    disclosure_id: int | None = None,
) -> DisclosureView:
    """Replace the generated sentence in one language (None: back to the generated one)."""
    return _set_override(store, ref, category_slug, language, language, sentence, disclosure_id)


def override_purpose(
    store: Store,
    ref: str | int,
    category_slug: str,
    language: str,
    text: str | None,
    *,
    disclosure_id: int | None = None,
) -> DisclosureView:
    """Record the purpose translated into one language (None: show it untranslated, marked)."""
    key = PURPOSE_KEY.format(language=language)
    return _set_override(store, ref, category_slug, language, key, text, disclosure_id)


def _set_override(
    store: Store,
    ref: str | int,
    category_slug: str,
    language: str,
    key: str,
    text: str | None,
    disclosure_id: int | None,
) -> DisclosureView:
    # An own sentence or a purpose translation: the statement's words change either way, so
    # it goes back to draft and history keeps both versions.
    _check_language(language)
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        disclosure = next(
            (
                d
                for d in item.disclosures
                if d.category == category_slug and disclosure_id in (None, d.id)
            ),
            None,
        )
        if disclosure is None:
            raise NotFound(f"{convert.item_label(item)} has no {category_slug} disclosure")
        value = blank_to_none(text)
        if key != language and value is not None and not disclosure.purpose:
            raise InvalidValue(
                f"the {category_slug} disclosure of {convert.item_label(item)} has no purpose "
                "to translate; record its purpose first"
            )
        before = convert.history_state(convert.disclosure_view(disclosure))
        overrides = dict(disclosure.overrides or {})
        if value is None:
            overrides.pop(key, None)
        else:
            overrides[key] = value
        if overrides != (disclosure.overrides or {}):
            disclosure.overrides = overrides
            set_review(disclosure, "draft", None)
            session.flush()
            history.record(
                Change(
                    entity="disclosure",
                    entity_id=disclosure.id,
                    item_id=item.id,
                    action="update",
                    before=before,
                    after=convert.history_state(convert.disclosure_view(disclosure)),
                )
            )
        return convert.disclosure_view(disclosure)


def _check_language(language: str) -> None:
    if language not in available_languages():
        raise InvalidValue(
            f"no disclosure wording in {language!r}; available: {', '.join(available_languages())}"
        )


def wordings(
    store: Store, ref: str | int, language: str | None = None
) -> list[tuple[DisclosureView, Wording]]:
    """Each disclosure of an item with its wording in `language` (the library's when None)."""
    if language is not None:
        _check_language(language)
    with store.read() as session:
        item = resolve_item(session, ref)
        settings = load_settings(session)
        return [_worded(d, settings, language) for d in item.disclosures]


def wordings_of(
    store: Store, item_ids: Sequence[int], language: str | None = None
) -> dict[int, list[tuple[DisclosureView, Wording]]]:
    """`wordings` of many items (by id) in one read: item id -> its disclosures, each with its
    wording, in the order `wordings` gives them; an unknown id maps to an empty list."""
    if language is not None:
        _check_language(language)
    found: dict[int, list[tuple[DisclosureView, Wording]]] = {i: [] for i in item_ids}
    with store.read() as session:
        settings = load_settings(session)
        tools: dict[int, Tool] = {}  # a batch names a few tools many times: each is read once
        for chunk in chunks(sorted(found)):
            # Plain rows, not ORM objects: a thousand labels read a thousand disclosures.
            rows = session.execute(
                select(*Disclosure.__table__.c)
                .where(Disclosure.item_id.in_(chunk))
                .order_by(Disclosure.id)  # as Item.disclosures is ordered
            ).all()
            named: dict[int, list[int]] = {row.id: [] for row in rows}
            links = session.execute(
                select(DisclosureTool.disclosure_id, DisclosureTool.tool_id)
                .where(DisclosureTool.disclosure_id.in_(list(named)))
                .order_by(DisclosureTool.tool_id)  # as Disclosure.tools is ordered
            )
            for disclosure_id, tool_id in links:
                named[disclosure_id].append(tool_id)
            unread = {t for ids in named.values() for t in ids} - tools.keys()
            if unread:
                tools.update(
                    (t.id, t) for t in session.scalars(select(Tool).where(Tool.id.in_(unread)))
                )
            for row in rows:
                row_tools = [tools[t] for t in named[row.id]]
                found[row.item_id].append(_worded(row, settings, language, row_tools))
    return found


def _worded(
    disclosure: Disclosure | Row,
    settings: Settings,
    language: str | None,
    tools: Sequence[Tool] | None = None,
) -> tuple[DisclosureView, Wording]:
    # `tools` stands for the disclosure's own when it is a plain row (see wordings_of).
    if tools is None:
        tools = disclosure.tools
    view = convert.disclosure_view(disclosure, tools)
    wording = disclosure_wording(
        view,
        [convert.tool_view(t) for t in tools],
        language=language or settings.language,
        reviewer=settings.reviewer_role if settings.reviewer_display == "role" else None,
        source_language=settings.language,
    )
    return view, wording


def review(
    store: Store, ref: str | int, state: str, by: str, *, disclosure_id: int | None = None
) -> list[DisclosureView]:
    """Move an item's disclosures (or one of them) to `state`, by a named person."""
    if state not in REVIEW_STATES:
        raise InvalidValue(f"review state {state!r}; use one of {', '.join(REVIEW_STATES)}")
    by = (by or "").strip()
    if state != "draft" and not by:
        raise InvalidValue("a review needs the name of the person who reviewed it")
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        targets = [d for d in item.disclosures if disclosure_id is None or d.id == disclosure_id]
        if not targets:
            what = f"disclosure {disclosure_id}" if disclosure_id else "any disclosure"
            raise NotFound(f"{convert.item_label(item)} has no {what} to review")
        views = []
        for disclosure in targets:
            before = convert.history_state(convert.disclosure_view(disclosure))
            set_review(disclosure, state, by)
            view = convert.disclosure_view(disclosure)
            after = convert.history_state(view)
            if after != before:
                history.record(
                    Change(
                        entity="disclosure",
                        entity_id=disclosure.id,
                        item_id=item.id,
                        action="review",
                        before=before,
                        after=after,
                    )
                )
            views.append(view)
    return views


def set_review(disclosure: Disclosure, state: str, by: str | None) -> None:
    """Move `disclosure` to review `state` (draft, reviewed or approved) by `by`.

    Draft clears both steps; reviewed clears an approval; approving also counts as the review
    when nobody reviewed it before.
    """
    stamp = now()
    if state == "draft":
        disclosure.reviewed_by = disclosure.reviewed_at = None
        disclosure.approved_by = disclosure.approved_at = None
    elif state == "reviewed":
        disclosure.reviewed_by, disclosure.reviewed_at = by, stamp
        disclosure.approved_by = disclosure.approved_at = None
    else:
        if disclosure.reviewed_by is None:
            disclosure.reviewed_by, disclosure.reviewed_at = by, stamp
        disclosure.approved_by, disclosure.approved_at = by, stamp
    disclosure.review_state = state
