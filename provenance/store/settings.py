"""The institution settings in the library's `meta` table: loading, storing, and changing them
with a history entry."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from provenance.domain.settings import Settings, changed_settings
from provenance.store import reading
from provenance.store.history import Change
from provenance.store.models import Meta
from provenance.store.store import Store

_KEY = "settings"


def load_settings(session: Session) -> Settings:
    """The stored settings (defaults for anything never set), read as `reading.settings` reads
    them, in `session`'s transaction (its changes flushed first, as an ORM query would)."""
    session.flush()
    return reading.settings(session.connection())


def store_settings(session: Session, settings: Settings) -> None:
    """Store `settings` (inside the caller's write transaction)."""
    session.merge(Meta(key=_KEY, value=json.dumps(settings.to_dict(), sort_keys=True)))


def update_settings(store: Store, changes: dict[str, str]) -> Settings:
    """Change institution settings; the changed values are one history entry."""
    with store.write() as (session, history):
        before = load_settings(session)
        after = changed_settings(before, changes)
        if after != before:
            store_settings(session, after)
            old, new = before.to_dict(), after.to_dict()
            diff = [k for k in new if old[k] != new[k]]
            history.record(
                Change(
                    entity="settings",
                    entity_id=None,
                    item_id=None,
                    action="update",
                    before={k: old[k] for k in diff},
                    after={k: new[k] for k in diff},
                )
            )
        return after
