"""Capture type on items; AI found in an asset's own file; staleness on exports.

An item's capture type (digitalCapture, negativeFilm, positiveFilm, print, ...) is part of the
record: with the disclosure it decides the digital source type an export signs. An export is
stale when what it signed (catalog fields it carries, disclosure wording, approval) has changed
since: `stale_since` says when, `stale_reason` says what, in plain words. `assets.ai_found` is
true when the file's own credentials or XMP say AI made or changed it, so "AI involved" can be
asked of the database.

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite supports it natively): batch mode would reflect `items` and warn
    # about its expression index on every user's first start after the upgrade.
    op.add_column("items", sa.Column("capture_type", sa.String(length=40), nullable=True))
    op.add_column(
        "assets", sa.Column("ai_found", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_index("ix_assets_ai_found", "assets", ["ai_found"], unique=False)
    _find_ai_in_imported_files()
    op.add_column("exports", sa.Column("stale_since", sa.String(length=40), nullable=True))
    op.add_column("exports", sa.Column("stale_reason", sa.Text(), nullable=True))
    op.create_index("ix_exports_stale_since", "exports", ["stale_since"], unique=False)


# Frozen here (a migration must mean the same thing forever): the digital source types that
# said "AI made or changed this" when this revision was written. Stored credentials hold full
# URIs (normalised on import).
_IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
_AI_TERMS = frozenset(
    {
        *(
            _IPTC + term
            for term in (
                "trainedAlgorithmicMedia",
                "compositeWithTrainedAlgorithmicMedia",
                "algorithmicallyEnhanced",
                "compositeSynthetic",
                "algorithmicMedia",
                "dataDrivenMedia",
            )
        ),
        "http://c2pa.org/digitalsourcetype/trainedAlgorithmicData",
    }
)


def _find_ai_in_imported_files() -> None:
    """Set ai_found for assets imported before this revision, from their stored credentials
    (which hold the digital source types of the file's manifest and XMP)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, credentials FROM assets WHERE credentials IS NOT NULL"))
    found: list[int] = []
    for asset_id, raw in rows:
        try:
            credentials = json.loads(raw) if isinstance(raw, str) else (raw or {})
        except ValueError:
            continue  # unreadable JSON stays as it was; it says nothing about AI
        types = credentials.get("digital_source_types") if isinstance(credentials, dict) else None
        if isinstance(types, list) and any(t in _AI_TERMS for t in types if isinstance(t, str)):
            found.append(asset_id)
    update = sa.text("UPDATE assets SET ai_found = :yes WHERE id = :id")
    for start in range(0, len(found), 500):
        bind.execute(update, [{"yes": True, "id": i} for i in found[start : start + 500]])


def downgrade() -> None:
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_index("ix_exports_stale_since")
        batch_op.drop_column("stale_reason")
        batch_op.drop_column("stale_since")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("ix_assets_ai_found")
        batch_op.drop_column("ai_found")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("capture_type")
