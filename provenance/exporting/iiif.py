"""IIIF Presentation 3 manifests for the web, built with iiif-prezi3.

One manifest per item and a collection of them, with the signed exports beside them as plain
static images (no image service: IIIF level 0), so the folder can be copied to any web server
as it is and opened in Mirador or Universal Viewer::

    collection.json
    <slug>/manifest.json
    <slug>/image-1.jpg ...      the signed export, byte for byte (its credentials intact)

`<slug>` is the accession number made safe for a URL, then the item id (`url_slug`). Every id
is the base URL the user gives plus that path. The AI disclosure sentence (with its approval)
is in the metadata and the summary in every language Credence has wording for, the library's
own first; nothing is said that the record and its approval do not say.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provenance.domain.errors import InvalidValue, LibraryError
from provenance.domain.handoff import (
    HandedFile,
    IiifReport,
    LeftOut,
    ManifestWritten,
    base_url_problem,
    clean_base_url,
    rights_uri,
    url_slug,
)
from provenance.domain.progress import CancelToken, Progress
from provenance.domain.settings import Settings
from provenance.domain.text import path_text
from provenance.domain.views import ItemView
from provenance.domain.wording import available_languages
from provenance.exporting.bag import disclosures_for, review_words
from provenance.exporting.handoff import (
    CurrentExport,
    building,
    copy_export,
    current_exports,
    item_label,
    target_problem,
)
from provenance.identity import load_info
from provenance.media.output import OutputRefused, OutputRun, atomic_open
from provenance.media.probe import RejectedFile, probe_file
from provenance.store.reading import read_settings
from provenance.store.store import Store

#: File extensions of the static images, by the format probe names.
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "TIFF": "tif", "GIF": "gif"}
#: Formats web browsers show; a IIIF viewer shows others as an empty canvas.
_WEB_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "AVIF"})
#: Catalog fields shown in a manifest's metadata, with their labels.
_METADATA_FIELDS = (
    ("accession", "Accession number"),
    ("object_type", "Object type"),
    ("maker", "Maker"),
    ("date", "Date"),
    ("medium", "Medium"),
    ("dimensions", "Dimensions"),
    ("credit_line", "Credit line"),
    ("rights", "Rights"),
)


class _Cancelled(Exception):
    pass


def languages(settings: Settings) -> list[str]:
    """The library's wording language first, then every other language Credence has wording
    for (IIIF viewers pick the reader's own from the language map)."""
    others = [lang for lang in available_languages() if lang != settings.language]
    return [settings.language, *others]


def write_iiif(
    store: Store,
    item_ids: Sequence[int],
    out: Path,
    base_url: str,
    *,
    run: OutputRun,
    identity_dir: Path,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> IiifReport:
    """Write IIIF manifests of the items' current signed exports, and a collection, at `out`
    (a new or empty folder) to be served from `base_url`; see `Library.iiif`."""
    from iiif_prezi3 import Collection  # loaded on first use

    problem = base_url_problem(base_url)
    if problem is not None:
        raise InvalidValue(problem)
    base = clean_base_url(base_url)
    out = Path(out).expanduser().absolute()
    problem = target_problem(out, run)
    if problem is not None:
        raise OutputRefused(problem)
    exports, left_out = current_exports(store, item_ids)
    if not exports:
        return IiifReport(None, None, (), tuple(left_out))
    settings = read_settings(store)
    info = load_info(identity_dir)
    by_item: dict[int, list[CurrentExport]] = {}
    for export in exports:
        by_item.setdefault(export.item.id, []).append(export)
    written: list[ManifestWritten] = []
    notes: list[str] = []
    organisation = info.organisation if info is not None else None
    collection = Collection(
        id=f"{base}/collection.json",
        label={"none": [organisation or "Credence"]},
        summary={"en": [f"{len(by_item)} catalogue item{'' if len(by_item) == 1 else 's'}"]},
    )
    try:
        with building(out, run) as staging:
            for done, (_item_id, group) in enumerate(by_item.items()):
                if cancel is not None and cancel.cancelled:
                    raise _Cancelled
                made = _write_manifest(store, staging, base, group, settings, notes, left_out)
                if made is not None:
                    manifest, written_one = made
                    collection.add_item(manifest)
                    written.append(written_one)
                if progress is not None:
                    progress(done + 1, len(by_item), item_label(group[0].item))
            if not written:
                raise _Cancelled
            _write_json(staging / "collection.json", collection)
    except _Cancelled:
        cancelled = cancel is not None and cancel.cancelled
        return IiifReport(None, None, (), tuple(left_out), tuple(notes), cancelled=cancelled)
    return IiifReport(
        str(out), f"{base}/collection.json", tuple(written), tuple(left_out), tuple(notes)
    )


def _write_json(dest: Path, resource: Any) -> None:
    # iiif-prezi3 serialises on one line; indented, a person can read (and diff) the file.
    document = json.loads(resource.json())
    with atomic_open(dest, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def _language_map(texts: dict[str, list[str]]) -> dict[str, list[str]]:
    return {lang: values for lang, values in texts.items() if values}


def _value(text: str) -> dict[str, list[str]]:
    # Catalog values are written in no declared language: IIIF's "none".
    return {"none": [text]}


def _write_manifest(
    store: Store,
    staging: Path,
    base: str,
    group: list[CurrentExport],
    settings: Settings,
    notes: list[str],
    left_out: list[LeftOut],
) -> tuple[Any, ManifestWritten] | None:
    from iiif_prezi3 import KeyValueString, Manifest

    item = group[0].item
    label = item_label(item)
    slug = url_slug(item.accession, item.id)
    folder = staging / slug
    folder.mkdir()
    prefix = f"{base}/{slug}"
    langs = languages(settings)
    # Disclosures of the whole item and of each exported image, once each.
    wordings: dict[str, list[str]] = {lang: [] for lang in langs}
    reviews: list[str] = []
    for lang in langs:
        seen: set[int] = set()
        for export in group:
            for disclosure, wording in disclosures_for(store, export, lang):
                if disclosure.id in seen:  # one disclosure may concern two exported images
                    continue
                seen.add(disclosure.id)
                wordings[lang].append(wording.sentence)
                if lang == langs[0]:
                    reviews.append(review_words(disclosure, settings))

    metadata = [
        KeyValueString(label={"en": [words]}, value=_value(str(getattr(item, name))))
        for name, words in _METADATA_FIELDS
        if getattr(item, name, None)
    ]
    if item.keywords:
        metadata.append(
            KeyValueString(label={"en": ["Keywords"]}, value=_value("; ".join(item.keywords)))
        )
    if item.subjects:
        metadata.append(
            KeyValueString(
                label={"en": ["Subjects"]},
                value=_value("; ".join(s.label for s in item.subjects)),
            )
        )
    disclosed = _language_map({lang: [" ".join(s)] if s else [] for lang, s in wordings.items()})
    if disclosed:
        metadata.append(KeyValueString(label={"en": ["AI disclosure"]}, value=disclosed))
        metadata.append(
            KeyValueString(label={"en": ["AI disclosure review"]}, value=_value("; ".join(reviews)))
        )

    fields: dict[str, Any] = {
        "id": f"{prefix}/manifest.json",
        "label": _value(item.title or item.accession or f"Item {item.id}"),
        "metadata": metadata or None,
    }
    summary = _summary(item, disclosed)
    if summary:
        fields["summary"] = summary
    statement = " · ".join(v for v in (item.credit_line, item.rights) if v)
    if statement:
        fields["requiredStatement"] = KeyValueString(
            label={"en": ["Attribution"]}, value=_value(statement)
        )
    uri = rights_uri(item.rights)
    if uri:
        fields["rights"] = uri
    manifest = Manifest(**{k: v for k, v in fields.items() if v is not None})

    images: list[HandedFile] = []
    for number, export in enumerate(group, start=1):
        image = _add_canvas(manifest, folder, prefix, number, export, slug, notes, left_out)
        if image is not None:
            images.append(image)
    if not images:
        return None
    _write_json(folder / "manifest.json", manifest)
    return manifest, ManifestWritten(
        label, f"{prefix}/manifest.json", f"{slug}/manifest.json", tuple(images)
    )


def _summary(item: ItemView, disclosed: dict[str, list[str]]) -> dict[str, list[str]] | None:
    if not disclosed:
        return _value(item.description) if item.description else None
    # In each language: the description as catalogued, then the disclosure in that language
    # (two values: viewers show them as two paragraphs).
    lead = [item.description.strip()] if item.description and item.description.strip() else []
    return {lang: [*lead, *values] for lang, values in disclosed.items()}


def _add_canvas(
    manifest: Any,
    folder: Path,
    prefix: str,
    number: int,
    export: CurrentExport,
    slug: str,
    notes: list[str],
    left_out: list[LeftOut],
) -> HandedFile | None:
    label = export.label
    try:
        facts = probe_file(export.path)
    except RejectedFile as exc:
        left_out.append(
            LeftOut(label, f"its export {path_text(export.path)} cannot be read ({exc})")
        )
        return None
    if not facts.width or not facts.height:
        left_out.append(
            LeftOut(label, f"the size of its export {path_text(export.path)} cannot be read")
        )
        return None
    width, height = facts.width, facts.height
    if facts.orientation in (5, 6, 7, 8):  # browsers show it turned a quarter
        width, height = height, width
    ext = _EXTENSIONS.get(facts.format, facts.format.lower())
    name = f"image-{number}.{ext}"
    try:
        sha = copy_export(export, folder / name)
    except (LibraryError, RejectedFile, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        left_out.append(
            LeftOut(label, f"its export could not be copied: {reason}; export it again")
        )
        return None
    if facts.format not in _WEB_FORMATS:
        notes.append(
            f"{label}: image {number} is {facts.format}, which web browsers cannot show; its "
            "canvas is in the manifest, but viewers may show it empty (export a JPEG for the web)"
        )
    canvas_id = f"{prefix}/canvas/{number}"
    canvas = manifest.make_canvas(
        id=canvas_id, width=width, height=height, label={"none": [f"{number}"]}
    )
    canvas.add_image(
        image_url=f"{prefix}/{name}",
        anno_page_id=f"{canvas_id}/page",
        anno_id=f"{canvas_id}/image",
        format=facts.mime,
        width=width,
        height=height,
    )
    return HandedFile(
        label, path_text(export.path), f"{slug}/{name}", sha, export.record.manifest_id
    )


def load_manifest(path: Path) -> Any:
    """Read a manifest written here back with iiif-prezi3 (which validates it)."""
    from iiif_prezi3 import Manifest

    return Manifest(**json.loads(Path(path).read_text(encoding="utf-8")))
