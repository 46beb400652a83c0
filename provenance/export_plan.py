"""Planning an export from the record: who may be exported, and what each manifest and XMP says.

Refusals are decided here, before any file is touched: an item whose AI disclosure is not
approved by a named person is refused unless the caller allows unreviewed work, and then the
manifest says that review is pending.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from provenance import convert
from provenance.categories import AI_SOURCE_TYPES, category
from provenance.db.models import Disclosure, Export, Item, Meta
from provenance.export import (
    PLUS_DATA_MINING,
    SIGNABLE,
    ExportJob,
    build_actions,
    build_manifest,
    capture_source_type,
    dest_name,
    manifest_digest,
)
from provenance.output import OutputRun, name_problem, stored_path, text_name
from provenance.settings import Settings
from provenance.views import ExportedFile, ExportProblem
from provenance.wording import disclosure_wording
from provenance.xmp import XmpFields

CREDENTIAL_STATES_WITH_MANIFEST = ("valid", "trusted", "invalid")


@dataclass
class Plan:
    jobs: list[ExportJob] = field(default_factory=list)
    digests: dict[int, str] = field(default_factory=dict)  # asset id -> record digest
    current: list[ExportedFile] = field(default_factory=list)  # already exported, unchanged
    refused: list[ExportProblem] = field(default_factory=list)
    failed: list[ExportProblem] = field(default_factory=list)  # e.g. a name no disk accepts


def plan_export(
    session: Session,
    items: list[Item],
    out_dir: Path,
    *,
    settings: Settings,
    version: str,
    caption: bool,
    allow_unreviewed: bool,
    naming: str,
    output: OutputRun | None = None,
) -> Plan:
    """Decide, item by item, what will be written and what is refused (and why).

    File names are decided here, once, against the disk and the whole run (`output`): an
    existing file is replaced only when it is this asset's own earlier export, unchanged since;
    any other clash gets the next free `stem-N.ext`. A name no file system accepts (too long,
    NUL) fails that one file.
    """
    plan = Plan()
    run = output if output is not None else OutputRun()
    recorded = _recorded_in(session, out_dir)
    intents = load_intents(session)
    for item in items:
        label = item.accession or f"#{item.id}"
        if not item.assets:
            plan.refused.append(ExportProblem(label, "has no image to export"))
            continue
        unapproved = [
            d for d in item.disclosures if d.category != "none" and d.review_state != "approved"
        ]
        if unapproved and not allow_unreviewed:
            names = ", ".join(sorted({d.category for d in unapproved}))
            plan.refused.append(
                ExportProblem(
                    label,
                    f"its AI disclosure ({names}) is not approved by a named person",
                )
            )
            continue
        statements = [_statement(d, settings) for d in item.disclosures]
        for asset in item.assets:
            if asset.mime not in SIGNABLE:
                plan.refused.append(
                    ExportProblem(
                        label,
                        f"{Path(asset.path).name}: {asset.format} files cannot carry Content "
                        "Credentials; convert the master to TIFF, PNG or JPEG first",
                    )
                )
                continue
            mine = [
                s
                for s, d in zip(statements, item.disclosures, strict=True)
                if d.asset_id in (None, asset.id)
            ]
            found_ai = [
                t
                for t in (asset.credentials or {}).get("digital_source_types") or ()
                if t in AI_SOURCE_TYPES
            ]
            if asset.credential_state == "invalid":
                codes = ", ".join((asset.credentials or {}).get("codes") or []) or "invalid"
                plan.refused.append(
                    ExportProblem(
                        label,
                        f"{Path(asset.path).name}: its own Content Credentials are invalid "
                        f"({codes}); a signed copy would read as invalid in every reader. "
                        "Export a clean master instead",
                    )
                )
                continue
            disclosed = any(category(s["category"]).touches_pixels for s in mine)
            if found_ai and not disclosed and not allow_unreviewed:
                term = found_ai[0].rsplit("/", 1)[-1]
                plan.refused.append(
                    ExportProblem(
                        label,
                        f"{Path(asset.path).name}: the file's own credentials say AI made or "
                        f"changed it ({term}), but no AI disclosure is recorded; record one "
                        "and have it approved",
                    )
                )
                continue
            name = dest_name(naming, stored_path(asset.path), item.accession, item.id)
            if caption:
                stem, dot, _ext = name.rpartition(".")
                name = f"{stem if dot else name}.jpg"
            problem = name_problem(name)
            if problem is not None:
                plan.failed.append(
                    ExportProblem(
                        label,
                        f"{text_name(stored_path(asset.path))}: {problem}; choose a naming "
                        "pattern that makes a shorter, plain name, such as {accession}.{ext}",
                    )
                )
                continue
            own = _OwnExport(recorded, intents, asset.id)
            dest, replacing = run.free_name(out_dir, name, own)
            job = _job(item, asset, mine, dest, settings, version, caption)
            job = dataclasses.replace(job, replace=replacing)
            digest = manifest_digest(job.manifest, job.xmp, caption)
            previous = own.found.get(dest)
            if previous is not None and previous.record_digest == digest:
                plan.current.append(
                    ExportedFile(label, previous.path, previous.sha256, previous.manifest_id)
                )
                continue
            plan.jobs.append(job)
            plan.digests[asset.id] = digest
    return plan


def load_items(session: Session, ids: list[int] | None) -> list[Item]:
    """Items with everything an export needs, loaded in a few queries."""
    stmt = select(Item).options(
        selectinload(Item.assets),
        selectinload(Item.events),
        selectinload(Item.disclosures).selectinload(Disclosure.tools),
    )
    if ids is not None:
        stmt = stmt.where(Item.id.in_(ids))
    stmt = stmt.order_by(Item.id)
    return list(session.scalars(stmt))


def _statement(disclosure: Disclosure, settings: Settings) -> dict[str, Any]:
    view = convert.disclosure_view(disclosure)
    tools = [convert.tool_view(t) for t in disclosure.tools]
    reviewer = settings.reviewer_role if settings.reviewer_display == "role" else None
    wording = disclosure_wording(view, tools, language=settings.language, reviewer=reviewer)
    reviewed_by = view.approved_by or view.reviewed_by
    return {
        "category": view.category,
        "digital_source_type": category(view.category).digital_source_type,
        "badge": wording.badge,
        "sentence": wording.sentence,
        "detail": wording.detail,
        "language": wording.language,
        "fields": list(view.fields),
        "tools": [
            {"name": t.name, "version": t.version, "vendor": t.vendor, "runs": t.runs}
            for t in tools
        ],
        "review_state": view.review_state,
        "reviewer": (reviewer or reviewed_by) if reviewed_by else None,
        "reviewed_at": view.approved_at or view.reviewed_at,
        "tool_details": [{"name": t.name, "version": t.version} for t in tools],
    }


def _job(item, asset, statements, dest: Path, settings: Settings, version: str, caption: bool):
    credentials = asset.credentials or {}
    has_manifest = asset.credential_state in CREDENTIAL_STATES_WITH_MANIFEST
    found = list(credentials.get("digital_source_types") or [])
    capture = capture_source_type(found)
    found_ai = next((t for t in found if t in AI_SOURCE_TYPES), None)
    actions = build_actions(statements, capture, opened=has_manifest or caption)
    if caption:
        actions.append(
            {
                "action": "c2pa.edited",
                "description": "A caption strip with the disclosure was added below the image",
            }
        )
    pixel = [s for s in statements if category(s["category"]).touches_pixels]
    main = next(iter(pixel), None)
    pending = any(s["review_state"] != "approved" for s in statements if s["category"] != "none")
    title = item.title or Path(asset.path).stem
    manifest = build_manifest(
        version=version,
        title=title,
        mime=asset.mime,
        actions=actions,
        disclosures=statements,
        review_pending=pending,
        item={
            k: v
            for k, v in convert.item_fields(item).items()
            if v and k in ("accession", "title", "maker", "date", "medium", "credit_line")
        },
        events=[_event(e) for e in sorted(item.events, key=lambda e: e.date_earliest or "")],
        training_policy=settings.training_mining,
    )
    sentence = " ".join(s["sentence"] for s in statements if s["category"] != "none") or None
    xmp = XmpFields(
        title=title,
        description=sentence or (statements[0]["sentence"] if statements else None),
        creators=(item.maker,) if item.maker else (),
        rights=item.rights,
        credit=item.credit_line,
        digital_source_type=main["digital_source_type"] if main else (found_ai or capture),
        data_mining=PLUS_DATA_MINING[settings.training_mining],
        ai_system=main["tool_details"][0]["name"] if main and main["tool_details"] else None,
        ai_system_version=(
            main["tool_details"][0]["version"] if main and main["tool_details"] else None
        ),
    )
    badge_sentence = None
    if caption:
        shown = main or (statements[0] if statements else None)
        if shown is not None:
            badge_sentence = (shown["badge"], shown["sentence"])
        else:
            badge_sentence = ("No AI use recorded", "No use of AI has been recorded.")
    return ExportJob(
        item_id=item.id,
        asset_id=asset.id,
        item_label=item.accession or f"#{item.id}",
        source=str(stored_path(asset.path)),
        sha256=asset.sha256,
        mime=asset.mime,
        dest=str(dest),
        manifest=manifest,
        xmp=xmp,
        source_has_credentials=has_manifest,
        caption=badge_sentence,
    )


def _event(event) -> dict[str, Any]:
    view = convert.event_view(event)
    return {
        k: v
        for k, v in view.to_dict().items()
        if v is not None and k not in ("id", "item_id", "created_at")
    }


#: Meta key holding {path: asset id} for the files an export run is about to write. Written
#: before the first file moves into place and cleared when the run has recorded its files, so
#: after a kill a re-run knows that an unrecorded file at such a path is its own to replace.
INTENTS_KEY = "export_intents"


def load_intents(session: Session) -> dict[str, int]:
    """Paths that unfinished export runs meant for an asset (see INTENTS_KEY)."""
    row = session.get(Meta, INTENTS_KEY)
    return json.loads(row.value) if row is not None else {}


def change_intents(session: Session, add: dict[str, int], drop: Iterable[str] = ()) -> None:
    """Add and remove intended export paths (inside the caller's write transaction)."""
    intents = load_intents(session)
    intents.update(add)
    for path in drop:
        intents.pop(path, None)
    if intents:
        session.merge(Meta(key=INTENTS_KEY, value=json.dumps(intents, sort_keys=True)))
    elif session.get(Meta, INTENTS_KEY) is not None:
        session.delete(session.get(Meta, INTENTS_KEY))


def _recorded_in(session: Session, folder: Path) -> dict[str, Export]:
    """The newest export recorded at each path directly in `folder`, in one query."""
    base = str(folder).rstrip(os.sep)
    # Paths compare as bytes: everything that starts with "folder/" sorts before "folder0".
    rows = session.scalars(
        select(Export)
        .where(Export.path > base + os.sep, Export.path < base + chr(ord(os.sep) + 1))
        .order_by(Export.id)
    )
    return {row.path: row for row in rows}


class _OwnExport:
    """May an existing file be replaced by a new export of `asset_id`? Only if the newest
    export recorded at that path is this asset's and the file is still the one signed then
    (so a file the user put there, or changed, is never replaced), or if an export run that
    was stopped before it could record its files meant that path for this asset (see
    `INTENTS_KEY`). Remembers what it found, which also tells the plan whether the earlier
    export is already current."""

    def __init__(self, recorded: dict[str, Export], intents: dict[str, int], asset_id: int):
        self.recorded = recorded
        self.intents = intents
        self.asset_id = asset_id
        self.found: dict[Path, Export] = {}

    def __call__(self, path: Path) -> bool:
        if self._recorded_and_unchanged(path):
            return True
        # Else, this asset's file from a run that was killed before it could record it.
        return self.intents.get(str(path)) == self.asset_id and not path.is_symlink()

    def _recorded_and_unchanged(self, path: Path) -> bool:
        previous = self.recorded.get(str(path))
        if previous is None or previous.asset_id != self.asset_id:
            return False
        try:
            if path.is_symlink() or not path.is_file():
                return False
            with open(path, "rb") as handle:  # the file on disk must still be the one we signed
                if hashlib.file_digest(handle, "sha256").hexdigest() != previous.sha256:
                    return False
        except OSError:
            return False
        self.found[path] = previous
        return True
