"""Verifying one file's Content Credentials (with its XMP source types), as `credence verify`
shows them. A folder, pipe or device is reported, never opened for reading."""

from __future__ import annotations

import os
from pathlib import Path

from provenance.domain.reports import VerificationView
from provenance.domain.text import file_path, path_text
from provenance.media.credentials import read_credentials
from provenance.media.probe import RejectedFile, file_kind, probe_file


def verify_path(
    path: str | os.PathLike[str], *, trust_anchors_pem: str | None = None
) -> VerificationView:
    """Check one file's Content Credentials without a library (see Library.verify_file).

    `path` may be a stored asset path (`file_path` reads its text form).
    """
    return verify(path, trust_anchors_pem)[0]


def verify(
    path: str | os.PathLike[str], trust_anchors_pem: str | None
) -> tuple[VerificationView, str | None]:
    """The `verify` result for one file, and its active manifest's label (None if none)."""
    path = file_path(path) if isinstance(path, str) else Path(path)
    shown = path_text(path)
    try:
        found = path.exists()
        regular = found and path.is_file()
    except OSError as exc:  # the system cannot even look (a name too long, ...)
        reason = f"cannot read the file ({exc.strerror})"
        return VerificationView(shown, "error", summary=reason), None
    if not found:
        return VerificationView(shown, "error", summary="file not found"), None
    if not regular:
        reason = f"not a regular file ({file_kind(path)})"
        return VerificationView(shown, "error", summary=reason), None
    try:
        xmp_types = probe_file(path).xmp_digital_source_types
    except RejectedFile:
        xmp_types = ()  # not an image Credence reads, but c2pa may still read it
    try:
        summary = read_credentials(
            path, trust_anchors_pem=trust_anchors_pem, xmp_digital_source_types=xmp_types
        ).to_dict()
    except RejectedFile as exc:
        return VerificationView(shown, "error", summary=str(exc)), None
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror})"
        return VerificationView(shown, "error", summary=reason), None
    result = VerificationView(
        shown,
        summary["state"],
        codes=tuple(summary["codes"]),
        ingredient_problems=tuple(summary["ingredient_problems"]),
        digital_source_types=tuple(summary["digital_source_types"]),
        signer=summary["signer"],
        summary=summary["summary"],
    )
    return result, summary.get("manifest_label")
