"""Trust anchors: the CA certificate partners add to their readers, and partners' CAs this
library trusts when verifying.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from provenance.identity.facts import (
    CHAIN_FILE,
    TRUST_DIR,
    IdentityError,
    _day,
    _display_name,
    _fingerprint,
    _is_ca,
    _parse_certificates,
    _utcnow,
)
from provenance.identity.keystore import _read_chain, _read_root
from provenance.media.output import OutputRun, write_atomic


def export_ca(folder: Path, dest: Path, output: OutputRun | None = None) -> Path:
    """Write the certificate partners should trust to ``dest`` (PEM) and return ``dest``.

    That is the institution's root CA, or, for an imported identity stored without its root, the
    topmost issuer certificate in the chain. The file goes through ``output`` (the library's
    guarded run: never onto a key, the database or an original), else an unguarded one.
    """
    folder, dest = Path(folder), Path(dest)
    if not (folder / CHAIN_FILE).is_file():
        raise IdentityError(f"there is no signing identity in {folder} to export a CA from")
    chain = _read_chain(folder)
    anchor = _read_root(folder, chain)
    if anchor is None:
        if len(chain) < 2:
            raise IdentityError(
                "the stored signing certificate came without the CA that issued it, so there "
                "is no CA certificate to export; ask the issuer for it"
            )
        anchor = chain[-1]
    (output if output is not None else OutputRun()).claim(dest)  # refused: nothing changes
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(dest, anchor.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return dest


def add_trust_anchor(folder: Path, pem: bytes) -> str:
    """Trust a partner's CA certificate (PEM or DER) and return its SHA-256 fingerprint.

    Only CA certificates are accepted: trusting a partner's end-entity certificate would stop
    working at their next renewal. Adding the same certificate again changes nothing.
    """
    certificates = _parse_certificates(pem)
    if len(certificates) != 1:
        raise IdentityError(
            f"the file holds {len(certificates)} certificates; add partners' CA certificates "
            "one file at a time"
        )
    cert = certificates[0]
    if not _is_ca(cert):
        raise IdentityError(
            f"'{_display_name(cert.subject)}' is not a CA certificate; ask the partner for the "
            "CA (root) certificate that issued their signing certificate"
        )
    if cert.not_valid_after_utc <= _utcnow():
        raise IdentityError(
            f"the CA certificate '{_display_name(cert.subject)}' expired on "
            f"{_day(cert.not_valid_after_utc)}"
        )
    fingerprint = _fingerprint(cert)
    trust = Path(folder) / TRUST_DIR
    target = trust / f"{fingerprint}.pem"
    if not target.is_file():
        trust.mkdir(parents=True, exist_ok=True)
        write_atomic(target, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return fingerprint


def trust_anchors_pem(folder: Path) -> str | None:
    """The institution's own root CA plus every trusted partner CA, as one PEM bundle.

    Suitable for ``{"trust": {"user_anchors": ...}}`` in c2pa settings; None when there is none.
    """
    folder = Path(folder)
    pems: list[bytes] = []
    if (folder / CHAIN_FILE).is_file():
        root = _read_root(folder, _read_chain(folder))
        if root is not None:
            pems.append(root.public_bytes(serialization.Encoding.PEM))
    trust = folder / TRUST_DIR
    if trust.is_dir():
        for path in sorted(trust.glob("*.pem")):
            data = path.read_bytes()
            if data not in pems:
                pems.append(data)
    if not pems:
        return None
    return b"".join(p if p.endswith(b"\n") else p + b"\n" for p in pems).decode("ascii")
