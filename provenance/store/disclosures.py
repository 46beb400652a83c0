"""Disclosures: what AI did to an item, its wording overrides, and the review state machine
(draft -> reviewed -> approved, by a named person; any change to the words goes back to draft)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from provenance.domain.categories import category
from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.fields import blank_to_none
from provenance.domain.views import ITEM_FIELDS, PURPOSE_KEY, REVIEW_STATES, DisclosureView
from provenance.domain.wording import check_language
from provenance.store import convert
from provenance.store.history import Change
from provenance.store.items import resolve_item
from provenance.store.models import Disclosure
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
    check_language(language)
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
