"""BagIt bags for digital preservation (RFC 8493), made with bagit-python.

The layout is the one Archivematica reads from an unzipped (or zipped) bag transfer::

    bagit.txt  bag-info.txt  manifest-sha256.txt  manifest-sha512.txt  tagmanifest-*.txt
    data/objects/<the signed exports>
    data/metadata/metadata.csv        one row per file: filename (objects/...), Dublin Core,
                                      the AI disclosure sentence and its review
    data/metadata/history.json        the items' records and their history entries
    data/metadata/trust-bundle.pem    the institution's CA, to check the signatures offline

Archivematica turns `data/objects` into the transfer's objects and reads
`data/metadata/metadata.csv`, whose `filename` column names files as `objects/<name>`.
Only current signed exports go in (see `exporting.handoff`); nothing is exported on the way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provenance.domain.clock import now
from provenance.domain.errors import LibraryError
from provenance.domain.handoff import BagReport, HandedFile, LeftOut, single_line
from provenance.domain.progress import CancelToken, Progress
from provenance.domain.settings import Settings
from provenance.domain.text import path_text
from provenance.domain.views import DisclosureView
from provenance.exporting.handoff import (
    CurrentExport,
    UniqueNames,
    building,
    copy_export,
    current_exports,
    target_problem,
)
from provenance.identity import IdentityError, export_ca, load_info
from provenance.media.output import OutputRefused, OutputRun, atomic_open
from provenance.media.probe import RejectedFile
from provenance.store import reading
from provenance.store.store import Store

#: The payload and metadata folders inside `data/`, as Archivematica names them.
OBJECTS = "objects"
METADATA = "metadata"
#: Both are written to every bag: SHA-256 is the library's fixity, SHA-512 what many
#: preservation systems (Archivematica's own bags) use.
CHECKSUMS = ("sha256", "sha512")
#: The columns of metadata.csv: Archivematica's `filename` and Dublin Core (`dc.*`), then
#: Credence's own (kept in the METS as custom metadata).
CSV_COLUMNS = (
    "filename",
    "dc.identifier",
    "dc.title",
    "dc.creator",
    "dc.date",
    "dc.format",
    "dc.rights",
    "dc.description",
    "dc.subject",
    "credit_line",
    "ai_disclosure",
    "ai_disclosure_review",
    "c2pa_manifest",
    "sha256",
)
#: Written into history.json so a reader knows what shape to expect.
HISTORY_FORMAT = "credence-bag-history/1"


class _Cancelled(Exception):
    pass


def write_bag(
    store: Store,
    item_ids: Sequence[int],
    out: Path,
    *,
    run: OutputRun,
    identity_dir: Path,
    version: str,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> BagReport:
    """Write a BagIt bag of the items' current signed exports at `out` (a new or empty
    folder); see `Library.bag`."""
    import bagit  # loaded on first use: most commands never make a bag

    out = Path(out).expanduser().absolute()
    problem = target_problem(out, run)
    if problem is not None:  # said before any file is read
        raise OutputRefused(problem)
    exports, left_out = current_exports(store, item_ids)
    if not exports:
        return BagReport(None, 0, (), tuple(left_out))
    settings = reading.read_settings(store)
    info = load_info(identity_dir)
    handed: list[HandedFile] = []
    kept: list[CurrentExport] = []
    try:
        with building(out, run) as staging:
            objects = staging / OBJECTS
            metadata = staging / METADATA
            objects.mkdir()
            metadata.mkdir()
            names = UniqueNames()
            for done, export in enumerate(exports):
                if cancel is not None and cancel.cancelled:
                    raise _Cancelled
                name = names.take(Path(export.path).name)
                try:
                    sha = copy_export(export, objects / name)
                except (LibraryError, RejectedFile, OSError) as exc:
                    # One unreadable file never sinks the bag: it is left out, said why.
                    reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                    left_out.append(
                        LeftOut(
                            export.label,
                            f"its export could not be copied: {reason}; export it again",
                        )
                    )
                    continue
                kept.append(export)
                handed.append(
                    HandedFile(
                        export.label,
                        path_text(export.path),
                        f"data/{OBJECTS}/{name}",
                        sha,
                        export.record.manifest_id,
                    )
                )
                if progress is not None:
                    progress(done + 1, len(exports), export.label)
            if not handed:
                raise _Cancelled
            _write_csv(store, metadata / "metadata.csv", kept, handed, settings)
            _write_history(store, metadata / "history.json", kept, handed, version)
            bag_info = _bag_info(info, kept, handed, version)
            if info is not None:
                try:
                    export_ca(identity_dir, metadata / "trust-bundle.pem", output=OutputRun())
                except IdentityError as exc:
                    left_out.append(LeftOut("trust bundle", str(exc)))
            _make_bag(bagit, staging, bag_info)
    except _Cancelled:
        cancelled = cancel is not None and cancel.cancelled
        return BagReport(None, 0, (), tuple(left_out), cancelled=cancelled)
    items = len({e.item.id for e in kept})
    return BagReport(str(out), items, tuple(handed), tuple(left_out))


def _make_bag(bagit: Any, folder: Path, bag_info: dict[str, str]) -> None:
    try:
        bagit.make_bag(str(folder), bag_info, processes=1, checksums=list(CHECKSUMS))
        # bagit-python writes BagIt 0.97; what it writes is also a valid RFC 8493 (1.0) bag
        # once bagit.txt says so (no payload name here needs 1.0's %-encoding: names are made
        # without %, CR or LF), and the tag manifests are made again to cover the new line.
        (folder / "bagit.txt").write_text(
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
        )
        bagit.Bag(str(folder)).save()
    except (bagit.BagError, OSError) as exc:
        raise LibraryError(f"the bag could not be made: {exc}") from exc


def _bag_info(
    info: Any, exports: list[CurrentExport], handed: list[HandedFile], version: str
) -> dict[str, str]:
    items = len({e.item.id for e in exports})
    found: dict[str, str] = {
        "Bagging-Date": now()[:10],
        "Bag-Software-Agent": f"Credence {version} (bagit-python)",
        "External-Description": single_line(
            f"Signed exports (C2PA Content Credentials) of {items} catalogue "
            f"item{'' if items == 1 else 's'}, with their Dublin Core metadata "
            "(metadata/metadata.csv), their history (metadata/history.json) and the "
            "institution's trust bundle (metadata/trust-bundle.pem)"
        ),
        "Credence-Item-Count": str(items),
        "Credence-File-Count": str(len(handed)),
        "Bag-Count": "1 of 1",
    }
    if info is not None:
        found["Source-Organization"] = single_line(info.organisation)
        found["Credence-Signer-Fingerprint"] = info.fingerprint
    return found


def review_words(disclosure: DisclosureView, settings: Settings) -> str:
    """Who approved (or reviewed) a disclosure and when, named as the institution chose."""
    role = settings.reviewer_role if settings.reviewer_display == "role" else None
    if disclosure.review_state == "approved":
        who, when = role or disclosure.approved_by, disclosure.approved_at
    elif disclosure.review_state == "reviewed":
        who, when = role or disclosure.reviewed_by, disclosure.reviewed_at
    else:
        return f"{disclosure.category}: draft, not yet reviewed"
    day = f" on {when[:10]}" if when else ""
    return f"{disclosure.category}: {disclosure.review_state} by {who or 'unnamed'}{day}"


def disclosures_for(
    store: Store, export: CurrentExport, language: str | None
) -> list[tuple[DisclosureView, Any]]:
    """The disclosures (with their wording in `language`) that concern the exported image:
    those of the whole item and those of its asset."""
    return [
        (d, w)
        for d, w in reading.wordings(store, export.item.id, language)
        if d.asset_id is None or d.asset_id == export.record.asset_id
    ]


def _write_csv(
    store: Store,
    dest: Path,
    exports: list[CurrentExport],
    handed: list[HandedFile],
    settings: Settings,
) -> None:
    # UTF-8 without a byte-order mark, as Archivematica requires; values as stored (no
    # spreadsheet guard: the file is read by a program, and a guard would change the data).
    with atomic_open(dest, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for export, copy in zip(exports, handed, strict=True):
            item = export.item
            pairs = disclosures_for(store, export, None)
            subjects = [*item.keywords, *(s.label for s in item.subjects)]
            mime = next((a.mime for a in item.assets if a.id == export.record.asset_id), "")
            writer.writerow(
                (
                    copy.file.removeprefix("data/"),
                    item.accession or "",
                    item.title or "",
                    item.maker or "",
                    item.date or "",
                    mime,
                    item.rights or "",
                    item.description or "",
                    "; ".join(subjects),
                    item.credit_line or "",
                    " ".join(w.sentence for _d, w in pairs),
                    "; ".join(review_words(d, settings) for d, _w in pairs),
                    export.record.manifest_id or "",
                    copy.sha256,
                )
            )


def _write_history(
    store: Store,
    dest: Path,
    exports: list[CurrentExport],
    handed: list[HandedFile],
    version: str,
) -> None:
    files: dict[int, list[dict[str, Any]]] = {}
    for export, copy in zip(exports, handed, strict=True):
        files.setdefault(export.item.id, []).append(
            {
                "file": copy.file,
                "sha256": copy.sha256,
                "manifest": export.record.manifest_id,
                "signer_fingerprint": export.record.signer_fingerprint,
                "signed_at": export.record.created_at,
            }
        )
    records = []
    for item in dict((e.item.id, e.item) for e in exports).values():
        record = item.to_dict()
        # Where the originals are on this computer is nobody's business downstream.
        record.pop("assets", None)
        records.append(
            {
                "item": record,
                "files": files[item.id],
                "history": [e.to_dict() for e in reading.history_entries(store, item.id)],
            }
        )
    document = {
        "format": HISTORY_FORMAT,
        "made_by": f"Credence {version}",
        "made_at": now(),
        "note": (
            "Each history entry is one link of the library's hash chain (hash); the entries "
            "of other items are not included, so the chain is checked in the library itself."
        ),
        "items": records,
    }
    with atomic_open(dest, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2, sort_keys=False)
        handle.write("\n")
