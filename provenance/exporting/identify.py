"""Which of this library's exports a file was made from, by soft binding: `credence identify`,
drop-to-identify in the window, and the "looks like our export" line of `verify`.

A file that lost its Content Credentials (a web CMS, a social network or a resizer stripped
them) still has its pixels. Their ISCC image code (`media.softbinding`) is compared with the
code recorded with every export: first the 64-bit image code of all of them in one pass
(popcount of XOR over integers), then the full 256-bit code of the few within reach. What the
signed export said (signer, date, disclosure sentences and their approval) is read from the
signed file itself while it is still where it was written, else from the library's record.

The thresholds come from a measurement on 53 distinct real images (tests/benchmarks/
bench_identify.py prints it again): resized to 40 %, JPEG quality 60-90, PNG and WebP, crops of
up to 5 % and mild colour changes stay within 14 of 64 bits for 98 % of copies, while no two
unrelated images came closer than 20 (mean 31); the 256-bit check (at most 90 of 256 bits,
unrelated mean 127) keeps chance matches away in a library with 100,000 exports.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from provenance.domain.reports import IdentifyMatch, IdentifyResult, SignedStatement
from provenance.domain.settings import Settings
from provenance.domain.text import file_path, path_text
from provenance.exporting.plan import _statement as plan_statement
from provenance.media.probe import RejectedFile
from provenance.media.softbinding import (
    ALGORITHM,
    CODE_BITS,
    KEY_BITS,
    SoftBinding,
    code_from_assertion_value,
    code_of_file,
    hamming,
)
from provenance.media.verify import verify
from provenance.store.models import Export, Item
from provenance.store.settings import load_settings
from provenance.store.softbindings import SoftBindingIndex
from provenance.store.store import Store

#: Most bits of the 64-bit image code that may differ in a match (chosen from the measurement
#: above: 98 % of altered copies are within it, no unrelated pair was).
KEY_LIMIT = 14
#: Most bits of the full 256-bit code that may differ in a match (second check).
CODE_LIMIT = 90
#: Matches shown per file at most (the closest).
MAX_MATCHES = 10

_DISCLOSURE_LABEL = "org.credence.disclosure"
_SOFT_BINDING_LABEL = "c2pa.soft-binding"


def identify(
    store: Store,
    path: str | os.PathLike[str],
    *,
    trust_anchors_pem: str | None,
    organisation: dict[str, str],
    index: SoftBindingIndex | None = None,
) -> IdentifyResult:
    """Identify one file; see Library.identify. `organisation` maps a signer fingerprint to
    the organisation of that identity (for an export whose file is gone)."""
    shown, _label = verify(path, trust_anchors_pem)
    if shown.credentials == "error" and not _readable(path):
        return IdentifyResult(shown.file, "error", problem=shown.summary)
    try:
        binding = code_of_file(_as_path(path))
    except RejectedFile as exc:
        return IdentifyResult(shown.file, shown.credentials, problem=f"{shown.file}: {exc}")
    matches = find_matches(store, binding, organisation=organisation, index=index)
    return IdentifyResult(shown.file, shown.credentials, tuple(matches), code=binding.code)


def looks_like(
    store: Store,
    path: str | os.PathLike[str],
    organisation: dict[str, str],
    index: SoftBindingIndex | None = None,
) -> tuple[IdentifyMatch, ...]:
    """The exports a file with no or broken credentials looks like (verify's extra line);
    empty when its pixels cannot be read or nothing is close."""
    try:
        binding = code_of_file(_as_path(path))
    except RejectedFile:
        return ()
    return tuple(find_matches(store, binding, organisation=organisation, index=index))


def find_matches(
    store: Store,
    binding: SoftBinding,
    *,
    organisation: dict[str, str],
    index: SoftBindingIndex | None = None,
) -> list[IdentifyMatch]:
    """The exports within the thresholds of `binding`, closest first. `index` keeps the
    stored keys in memory between calls (the Library holds one)."""
    index = index if index is not None else SoftBindingIndex()
    with store.read() as session:
        near = index.near(session, binding.digest >> (CODE_BITS - KEY_BITS), KEY_LIMIT)
        if not near:
            return []
        found: list[tuple[int, int, Export, Item]] = []
        by_id = dict(near)
        for row, item in session.execute(
            select(Export, Item)
            .join(Item, Item.id == Export.item_id)
            .where(Export.id.in_(list(by_id)[:500]))
        ):
            try:
                full = hamming(SoftBinding.from_code(row.soft_binding).digest, binding.digest)
            except (ValueError, TypeError):
                continue  # a damaged stored code is no evidence
            if full <= CODE_LIMIT:
                found.append((by_id[row.id], full, row, item))
        found.sort(key=lambda f: (f[0], f[1], -f[2].id))
        settings = load_settings(session)
        return [
            _match(d, row, item, organisation, settings)
            for d, _full, row, item in found[:MAX_MATCHES]
        ]


def _match(
    bits: int, row: Export, item: Item, organisation: dict[str, str], settings: Settings
) -> IdentifyMatch:
    said = _signed_file_says(row)
    if said is None:
        # The signed file is gone or changed: the record of the export speaks instead.
        signer = organisation.get(row.signer_fingerprint or "", row.signer_fingerprint)
        signed_at = row.created_at
        statements = tuple(
            s for d in item.disclosures if (s := _statement(plan_statement(d, settings)))
        )
        source = "record"
    else:
        signer, signed_at, statements = said
        source = "file"
    return IdentifyMatch(
        item=item.accession or f"#{item.id}",
        item_id=item.id,
        title=item.title,
        export=row.id,
        similarity=round(1 - bits / KEY_BITS, 3),
        bits_differ=bits,
        exported_file=path_text(file_path(row.path)),
        exported_at=row.created_at,
        signer=signer,
        signed_at=signed_at,
        disclosures=statements,
        source=source,
        stale_reason=(row.stale_reason or "the record changed") if row.stale_since else None,
    )


def _signed_file_says(row: Export) -> tuple[str | None, str | None, tuple] | None:
    """(signer, signing time, disclosure statements) from the signed export's own manifest,
    or None when the file is no longer there as it was written."""
    import c2pa

    path = file_path(row.path)
    try:
        with open(path, "rb") as handle:
            if hashlib.file_digest(handle, "sha256").hexdigest() != row.sha256:
                return None
        with c2pa.Reader(str(path)) as reader:
            store = json.loads(reader.json())
    except (OSError, c2pa.C2paError, ValueError):
        return None
    manifest = (store.get("manifests") or {}).get(store.get("active_manifest") or "") or {}
    signature = manifest.get("signature_info") or {}
    signer = signature.get("issuer") or signature.get("common_name")
    statements: tuple[SignedStatement | None, ...] = ()
    # Without a time-stamp authority the signature carries no time; the disclosure assertion
    # carries the moment the file was signed (exported_at).
    signed_at = _text(signature.get("time"))
    for assertion in manifest.get("assertions") or []:
        if isinstance(assertion, dict) and assertion.get("label") == _DISCLOSURE_LABEL:
            data = assertion.get("data") or {}
            statements = tuple(_statement(s) for s in _list(data))
            signed_at = signed_at or (
                _text(data.get("exported_at")) if isinstance(data, dict) else None
            )
    return _text(signer), signed_at or row.created_at, tuple(s for s in statements if s)


def _list(data: Any) -> list[Any]:
    value = data.get("statements") if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _statement(raw: Any) -> SignedStatement | None:
    if not isinstance(raw, dict) or not _text(raw.get("sentence")):
        return None
    return SignedStatement(
        sentence=_text(raw.get("sentence")) or "",
        category=_text(raw.get("category")),
        review_state=_text(raw.get("review_state")),
        reviewer=_text(raw.get("reviewer")),
        reviewed_at=_text(raw.get("reviewed_at")),
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _as_path(path: str | os.PathLike[str]) -> Path:
    return file_path(path) if isinstance(path, str) else Path(path)


def _readable(path: str | os.PathLike[str]) -> bool:
    with contextlib.suppress(OSError):
        return _as_path(path).is_file()
    return False


def signed_code(manifest: dict[str, Any]) -> str | None:
    """The io.iscc.v0 code a manifest's soft-binding assertion carries (None if none)."""
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or assertion.get("label") != _SOFT_BINDING_LABEL:
            continue
        data = assertion.get("data") or {}
        if data.get("alg") != ALGORITHM:
            continue
        for block in data.get("blocks") or []:
            value = block.get("value") if isinstance(block, dict) else None
            if isinstance(value, str) and (code := code_from_assertion_value(value)):
                return code
    return None


__all__ = ["CODE_BITS", "CODE_LIMIT", "KEY_LIMIT", "find_matches", "identify", "looks_like"]
