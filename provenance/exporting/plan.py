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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from provenance.domain.categories import (
    CAPTURE_TYPES,
    ORIGIN_SOURCE_TYPES,
    ai_source_types,
    capture_label,
    category,
    current_source_type,
    source_type_term,
)
from provenance.domain.errors import LibraryError
from provenance.domain.naming import resolve_name
from provenance.domain.reports import ExportedFile, ExportProblem
from provenance.domain.settings import Settings
from provenance.domain.tags import best_label, fold
from provenance.domain.text import display_name, file_path
from provenance.domain.views import ITEM_FIELDS
from provenance.domain.wording import disclosure_wording
from provenance.exporting.manifest import (
    PLUS_DATA_MINING,
    build_actions,
    build_manifest,
    capture_source_type,
    manifest_digest,
    tags_assertion,
)
from provenance.media.output import OutputRun, name_problem, text_name
from provenance.media.xmp import CvTerm, XmpFields
from provenance.store import convert
from provenance.store.models import Concept, Disclosure, Export, Item, ItemSubject, Meta

if TYPE_CHECKING:
    from provenance.exporting.jobs import ExportJob

CREDENTIAL_STATES_WITH_MANIFEST = ("valid", "trusted", "invalid")


@dataclass
class Plan:
    """What an export run will do: jobs to sign, files already current, refusals and failures."""

    jobs: list[ExportJob] = field(default_factory=list)
    digests: dict[int, str] = field(default_factory=dict)  # asset id -> record digest
    current: list[ExportedFile] = field(default_factory=list)  # already exported, unchanged
    refused: list[ExportProblem] = field(default_factory=list)
    notes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # asset id -> notes
    failed: list[ExportProblem] = field(default_factory=list)  # e.g. a name no disk accepts


@dataclass(frozen=True)
class Claim:
    """What an export may say about how one asset's image was made.

    `origin` is the source type of the capture or creation (None: claim none, the manifest
    opens the original instead); `notes` are what the report tells the person exporting;
    `refusal` is set when nothing may be signed (the reason and the fix, in plain words).
    """

    origin: str | None
    notes: tuple[str, ...] = ()
    refusal: str | None = None


def claim_for(item: Item, asset, statements: list[dict[str, Any]]) -> Claim:
    """Decide what an export of `asset` may claim, from the record first and then the file.

    Refuses when the file's own credentials or XMP say AI made or changed it and no AI
    disclosure of the image is recorded (whatever --allow-unreviewed says: there is nothing
    to review), and when the record's account of how the image was made contradicts the
    file's (two different origins cannot both be true).
    """
    name = text_name(file_path(asset.path))
    raw = [t for t in (asset.credentials or {}).get("digital_source_types") or () if t]
    found = list(dict.fromkeys(current_source_type(t) for t in raw))
    # How the file itself spells a term (a retired term is named as the file gives it).
    spelled = {current_source_type(t): t for t in reversed(raw)}

    def term(uri: str) -> str:
        own = source_type_term(spelled.get(uri, uri))
        now_term = source_type_term(uri)
        return own if own == now_term else f"{own}, now {now_term}"

    pixel = [s for s in statements if category(s["category"]).touches_pixels]
    file_ai = ai_source_types(found)
    if file_ai and not pixel:
        return Claim(
            None,
            refusal=(
                f"{name}: the file's own credentials or XMP say AI made or changed it "
                f"({term(file_ai[0])}), but no AI disclosure is recorded for it; "
                "record one (credence disclose ITEM --category ...) and have it approved"
            ),
        )
    generated = any(s["category"] == "ai-generated" for s in pixel)
    recorded = CAPTURE_TYPES[item.capture_type] if item.capture_type else None
    if generated and recorded:
        return Claim(
            None,
            refusal=(
                f"{name}: the record says both that the image is {capture_label(item.capture_type)}"
                " and that AI generated it; correct the capture type or the disclosure"
            ),
        )
    record_origin = category("ai-generated").digital_source_type if generated else recorded
    file_origins = [t for t in found if t in ORIGIN_SOURCE_TYPES]
    if record_origin:
        other = next((t for t in file_origins if t != record_origin), None)
        if other is not None:
            said = (
                f"its capture type is {capture_label(item.capture_type)} ({item.capture_type})"
                if recorded
                else "AI generated the image"
            )
            return Claim(
                None,
                refusal=(
                    f"{name}: the record says {said}, but the file's own credentials or XMP "
                    f"say {term(other)}; correct the record (credence capture-type) "
                    "or export a master whose metadata agrees"
                ),
            )
        return Claim(record_origin)
    notes: list[str] = []
    origin = capture_source_type(None, found)
    if origin is None:
        notes.append(
            "capture type unrecorded: the manifest claims no capture (it records opening the "
            "original); record it with `credence capture-type TYPE ITEM`"
        )
    for retired in dict.fromkeys(raw):
        current = current_source_type(retired)
        if current != retired:
            notes.append(
                f"the file gives the retired IPTC term {source_type_term(retired)}; signed as "
                f"its current replacement {source_type_term(current)}"
            )
    return Claim(origin, tuple(notes))


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
    originals: Callable[[Any], Path] | None = None,
) -> Plan:
    """Decide, item by item, what will be written and what is refused (and why).

    File names are decided here, once, against the disk and the whole run (`output`): an
    existing file is replaced only when it is this asset's own earlier export, unchanged since;
    any other clash gets the next free `stem-N.ext`. A name no file system accepts (too long,
    NUL) fails that one file. `originals` finds an asset's original on this computer (the
    Store's storage roots); an asset whose root is not set here fails with that sentence.
    """
    # The signing side (c2pa, Pillow) is imported by an export, not by every change that only
    # asks what an export would sign (staleness).
    from provenance.exporting.jobs import SIGNABLE

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
                        f"{text_name(file_path(asset.path))}: {asset.format} files cannot carry "
                        "Content Credentials; convert the master to TIFF, PNG or JPEG first",
                    )
                )
                continue
            mine = _statements_for(asset, item.disclosures, statements)
            if asset.credential_state == "invalid":
                codes = ", ".join((asset.credentials or {}).get("codes") or []) or "invalid"
                plan.refused.append(
                    ExportProblem(
                        label,
                        f"{text_name(file_path(asset.path))}: its own Content Credentials are "
                        f"invalid ({codes}); a signed copy would read as invalid in every reader. "
                        "Export a clean master instead",
                    )
                )
                continue
            claim = claim_for(item, asset, mine)
            if claim.refusal is not None:
                plan.refused.append(ExportProblem(label, claim.refusal))
                continue
            name = resolve_name(naming, file_path(asset.path), item.accession, item.id)
            if caption:
                stem, dot, _ext = name.rpartition(".")
                name = f"{stem if dot else name}.jpg"
            problem = name_problem(name)
            if problem is not None:
                plan.failed.append(
                    ExportProblem(
                        label,
                        f"{text_name(file_path(asset.path))}: {problem}; choose a naming "
                        "pattern that makes a shorter, plain name, such as {accession}.{ext}",
                    )
                )
                continue
            try:
                source = originals(asset) if originals is not None else file_path(asset.path)
            except LibraryError as exc:
                shown = text_name(file_path(asset.path))
                plan.failed.append(ExportProblem(label, f"{shown}: {exc}"))
                continue
            own = _OwnExport(recorded, intents, asset.id)
            dest, replacing = run.free_name(out_dir, name, own)
            job = _job(item, asset, mine, dest, settings, version, caption, claim)
            job = dataclasses.replace(job, replace=replacing, source=str(source))
            if claim.notes:
                plan.notes[asset.id] = claim.notes
            digest = manifest_digest(job.manifest, job.xmp, caption)
            previous = own.found.get(dest)
            if previous is not None and previous.record_digest == digest:
                plan.current.append(
                    ExportedFile(
                        label, previous.path, previous.sha256, previous.manifest_id, claim.notes
                    )
                )
                continue
            plan.jobs.append(job)
            plan.digests[asset.id] = digest
    return plan


def signed_digests(item: Item, asset, settings: Settings, version: str) -> tuple[str, str]:
    """The record digests an export of `asset` would get now: (without, with a caption strip).

    Staleness compares an export's recorded digest with these (provenance.exporting.staleness). The
    export row does not say whether a caption strip was burned in, so both are given.
    """
    statements = [_statement(d, settings) for d in item.disclosures]
    mine = _statements_for(asset, item.disclosures, statements)
    plain, strip = (
        _job(item, asset, mine, Path(asset.path), settings, version, caption)
        for caption in (False, True)
    )
    return (
        manifest_digest(plain.manifest, plain.xmp, False),
        manifest_digest(strip.manifest, strip.xmp, True),
    )


def _statements_for(asset, disclosures, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statements an export of `asset` carries: the item's and this image's own."""
    return [
        s for s, d in zip(statements, disclosures, strict=True) if d.asset_id in (None, asset.id)
    ]


#: Loader options for an item's tags with their concepts' labels and schemes (what an
#: export writes of them); staleness loads items with these too.
TAG_LOADERS = (
    selectinload(Item.keyword_rows),
    selectinload(Item.subject_rows).selectinload(ItemSubject.concept).selectinload(Concept.labels),
    selectinload(Item.subject_rows).selectinload(ItemSubject.concept).selectinload(Concept.scheme),
)


def export_tags(item: Item, language: str) -> tuple[tuple[str, ...], tuple[CvTerm, ...]]:
    """What an export says of an item's tags: (keywords, subjects).

    The keywords are the item's keywords, then its subjects' labels in the library's
    language (else the label `best_label` falls back to), the first spelling of each kept when
    two differ only in case; they go to dc:subject, IIM Keywords and the manifest alike. Each
    subject is a CvTerm with its scheme's URI, its URI, and its preferred labels: the chosen
    one first, then one per other language (for two in one language, the first by text).
    """
    words = [k.keyword for k in item.keyword_rows]
    terms = []
    for row in item.subject_rows:
        concept = row.concept
        labels = [(lb.kind, lb.language, lb.label) for lb in concept.labels]
        label = best_label(labels, (language,))  # "" for a concept without labels
        chosen = next((lang for _kind, lang, text in labels if text == label), "")
        names = [(chosen, label)] if label else []
        for _kind, lang, text in sorted(lb for lb in labels if lb[0] == "pref"):
            if lang and lang.lower() not in {n[0].lower() for n in names}:
                names.append((lang, text))
        if label:
            words.append(label)
        terms.append(CvTerm(concept.scheme.uri, concept.uri, tuple(names)))
    seen: set[str] = set()
    keywords = []
    for word in words:
        if fold(word) not in seen:
            seen.add(fold(word))
            keywords.append(word)
    return tuple(keywords), tuple(terms)


def load_items(session: Session, ids: list[int] | None) -> list[Item]:
    """Items with everything an export needs, loaded in a few queries."""
    stmt = select(Item).options(
        selectinload(Item.assets),
        selectinload(Item.events),
        selectinload(Item.disclosures).selectinload(Disclosure.tools),
        *TAG_LOADERS,
    )
    if ids is not None:
        stmt = stmt.where(Item.id.in_(ids))
    stmt = stmt.order_by(Item.id)
    return list(session.scalars(stmt))


def _statement(disclosure: Disclosure, settings: Settings) -> dict[str, Any]:
    view = convert.disclosure_view(disclosure)
    tools = [convert.tool_view(t) for t in disclosure.tools]
    reviewer = settings.reviewer_role if settings.reviewer_display == "role" else None
    wording = disclosure_wording(
        view,
        tools,
        language=settings.language,
        reviewer=reviewer,
        source_language=settings.language,
    )
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


def _job(
    item,
    asset,
    statements,
    dest: Path,
    settings: Settings,
    version: str,
    caption: bool,
    claim: Claim | None = None,
):
    from provenance.exporting.jobs import ExportJob

    claim = claim if claim is not None else claim_for(item, asset, statements)
    has_manifest = asset.credential_state in CREDENTIAL_STATES_WITH_MANIFEST
    origin = claim.origin
    actions = build_actions(statements, origin, opened=has_manifest or caption)
    opened = actions[0]["action"] == "c2pa.opened"
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
    title = item.title or display_name(file_path(asset.path).stem)
    keywords, subjects = export_tags(item, settings.language)
    manifest = build_manifest(
        version=version,
        title=title,
        mime=asset.mime,
        actions=actions,
        disclosures=statements,
        review_pending=pending,
        item={
            **{
                k: v
                for k, v in convert.item_fields(item).items()
                if v and k in MANIFEST_OBJECT_FIELDS
            },
            **({"capture_type": item.capture_type} if item.capture_type else {}),
        },
        events=[_event(e) for e in sorted(item.events, key=lambda e: e.date_earliest or "")],
        training_policy=settings.training_mining,
        metadata=tags_assertion(keywords, subjects),
    )
    sentence = " ".join(s["sentence"] for s in statements if s["category"] != "none") or None
    xmp = XmpFields(
        title=title,
        description=sentence or (statements[0]["sentence"] if statements else None),
        creators=(item.maker,) if item.maker else (),
        rights=item.rights,
        credit=item.credit_line,
        digital_source_type=main["digital_source_type"] if main else origin,
        data_mining=PLUS_DATA_MINING[settings.training_mining],
        ai_system=main["tool_details"][0]["name"] if main and main["tool_details"] else None,
        ai_system_version=(
            main["tool_details"][0]["version"] if main and main["tool_details"] else None
        ),
        keywords=keywords,
        about=subjects,
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
        source=str(file_path(asset.path)),
        sha256=asset.sha256,
        mime=asset.mime,
        dest=str(dest),
        manifest=manifest,
        xmp=xmp,
        source_has_credentials=has_manifest,
        caption=badge_sentence,
        parent_ingredient=opened,
    )


#: Catalog fields the manifest's org.credence.provenance "object" block carries: what a wall
#: label says of the object (tombstone), so the label and the file never disagree. Empty fields
#: are left out, so a record without the fields added in revision 0003 signs what it did before.
#: Inscription and description are not signed: long transcriptions, not identification; rights
#: travel in the XMP (dc:rights), not in this block.
MANIFEST_OBJECT_FIELDS: tuple[str, ...] = tuple(
    f for f in ITEM_FIELDS if f not in ("inscription", "rights", "description")
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
