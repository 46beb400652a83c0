"""Loading and storing the institution settings in the library's `meta` table."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from provenance.domain.settings import Settings
from provenance.store.models import Meta

_KEY = "settings"


def load_settings(session: Session) -> Settings:
    """The stored settings (defaults for anything never set)."""
    row = session.get(Meta, _KEY)
    if row is None:
        return Settings()
    return Settings.from_dict(json.loads(row.value))


def store_settings(session: Session, settings: Settings) -> None:
    """Store `settings` (inside the caller's write transaction)."""
    session.merge(Meta(key=_KEY, value=json.dumps(settings.to_dict(), sort_keys=True)))
