"""Export rows: recording signed files with their history entries, finding the export of a file,
and which items need re-exporting (staleness as stored; provenance.exporting.staleness decides
it)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from provenance.domain.clock import now
from provenance.store.history import Change
from provenance.store.models import Export, Item
from provenance.store.store import Store


def record_exports(
    store: Store, results: Sequence[Any], digests: dict[int, str], fingerprint: str
) -> None:
    """Record signed files (export results with item_id, asset_id, file, sha256, manifest),
    each with its history entry, in one transaction."""
    if not results:
        return
    with store.write() as (session, history):
        stamp = now()
        rows = [
            Export(
                item_id=r.item_id,
                asset_id=r.asset_id,
                path=r.file,
                sha256=r.sha256,
                manifest_id=r.manifest,
                signer_fingerprint=fingerprint,
                record_digest=digests[r.asset_id],
                created_at=stamp,
                soft_binding=getattr(r, "soft_binding", None),
                soft_binding_key=getattr(r, "soft_binding_key", None),
            )
            for r in results
        ]
        session.add_all(rows)
        session.flush()
        for r, row in zip(results, rows, strict=True):
            history.record(
                Change(
                    entity="export",
                    entity_id=row.id,
                    item_id=r.item_id,
                    action="export",
                    after={
                        "file": r.file,
                        "sha256": r.sha256,
                        "manifest": r.manifest,
                        "signer": fingerprint,
                    },
                )
            )


def record_or_remove(
    store: Store, results: Sequence[Any], digests: dict[int, str], fingerprint: str
) -> None:
    """Record signed files; when that fails, remove them: no signed file without its record."""
    try:
        record_exports(store, results, digests, fingerprint)
    except BaseException:
        for result in results:
            with contextlib.suppress(OSError):
                os.unlink(result.file)
        raise


def find_export(session: Session, sha256: str | None, manifest_label: str | None) -> Export | None:
    """The newest export recorded with this SHA-256, else with this manifest id; None if none."""
    row = None
    if sha256 is not None:
        row = session.scalars(
            select(Export).where(Export.sha256 == sha256).order_by(Export.id.desc())
        ).first()
    if row is None and manifest_label:
        row = session.scalars(
            select(Export).where(Export.manifest_id == manifest_label).order_by(Export.id.desc())
        ).first()
    return row


def needs_reexport():
    """SQL condition on `Item`: it has an image whose newest export is stale."""
    newer = aliased(Export)
    return exists().where(
        Export.item_id == Item.id,
        Export.asset_id.is_not(None),
        Export.stale_since.is_not(None),
        ~exists().where(
            newer.item_id == Export.item_id,
            newer.asset_id == Export.asset_id,
            newer.id > Export.id,
        ),
    )
