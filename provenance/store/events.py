"""Provenance events: recording one (an EDTF date, a registered AI tool) and withdrawing one."""

from __future__ import annotations

from provenance.domain.clock import now
from provenance.domain.dates import parse_event_date
from provenance.domain.errors import InvalidValue, NotFound
from provenance.domain.fields import blank_to_none, check_sqlite_int
from provenance.domain.views import EventView
from provenance.store import convert
from provenance.store.history import Change
from provenance.store.items import resolve_item
from provenance.store.models import Event
from provenance.store.store import Store
from provenance.store.tools import resolve_tool


def add_event(
    store: Store,
    ref: str | int,
    action: str,
    actor: str,
    *,
    date: str | None = None,
    place: str | None = None,
    source: str | None = None,
    note: str | None = None,
    tool: str | None = None,
) -> EventView:
    """Record one provenance event. `date` must be EDTF; `tool` names a registered AI tool."""
    action, actor = blank_to_none(action) or "", blank_to_none(actor) or ""
    if not action:
        raise InvalidValue("event action is empty (e.g. acquired, digitised, restored)")
    if not actor:
        raise InvalidValue("event actor is empty: name who did it")
    date_text = earliest = latest = None
    if date and date.strip():
        date_text, earliest, latest = parse_event_date(date)
    with store.write() as (session, history):
        item = resolve_item(session, ref)
        event = Event(
            item_id=item.id,
            action=action,
            actor=actor,
            date=date_text,
            date_earliest=earliest,
            date_latest=latest,
            place=blank_to_none(place),
            source=blank_to_none(source),
            note=blank_to_none(note),
            tool=resolve_tool(session, tool) if tool else None,
            created_at=now(),
        )
        session.add(event)
        session.flush()
        view = convert.event_view(event)
        history.record(
            Change(
                entity="event",
                entity_id=event.id,
                item_id=item.id,
                action="create",
                after=convert.history_state(view),
            )
        )
    return view


def remove_event(store: Store, event_id: int) -> None:
    """Withdraw a provenance event recorded by mistake (history keeps it; undo restores)."""
    check_sqlite_int(event_id, "event")
    with store.write() as (session, history):
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound(f"event {event_id} does not exist")
        state = convert.history_state(convert.event_view(event))
        item_id = event.item_id
        session.delete(event)
        history.record(
            Change(
                entity="event", entity_id=event_id, item_id=item_id, action="delete", before=state
            )
        )
