"""Importing (adopting) a certificate bought from a CA: a PEM chain and key, or PKCS#12, checked
against the profile c2pa accepts for signing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from provenance.domain.errors import InvalidValue
from provenance.identity.facts import (
    IdentityError,
    IdentityInfo,
    _day,
    _display_name,
    _info,
    _is_ca,
    _is_self_signed,
    _issued_by,
    _parse_certificates,
    _PrivateKey,
    _public_der,
    _supported_key,
    _utcnow,
)
from provenance.identity.keystore import _refuse_overwrite, _require_passphrase, _store


def adopt_identity(
    folder: Path,
    passphrase: str,
    *,
    cert_chain_pem: bytes | None = None,
    key_pem: bytes | None = None,
    key_passphrase: str | None = None,
    pkcs12: bytes | None = None,
    pkcs12_password: str | None = None,
    replace: bool = False,
) -> IdentityInfo:
    """Import a certificate bought from a CA: a PKCS#12 file, else a PEM chain and its key."""
    if pkcs12 is not None:
        return import_pkcs12(
            folder, pkcs12, p12_password=pkcs12_password, passphrase=passphrase, replace=replace
        )
    if cert_chain_pem is None or key_pem is None:
        raise InvalidValue("give both the certificate chain and its private key")
    return import_identity(
        folder,
        cert_chain_pem,
        key_pem,
        key_passphrase=key_passphrase,
        passphrase=passphrase,
        replace=replace,
    )


def import_identity(
    folder: Path,
    cert_chain_pem: bytes,
    key_pem: bytes,
    *,
    key_passphrase: str | None,
    passphrase: str,
    replace: bool = False,
) -> IdentityInfo:
    """Import a CA-issued signing certificate (PEM chain) and its private key (PEM).

    The chain may list the certificates in any order and may include the root; the key may be
    encrypted (give ``key_passphrase``). Everything c2pa would refuse is refused here with a
    message naming the rule. The key is re-encrypted under ``passphrase`` before it is stored.
    """
    certificates = _parse_certificates(cert_chain_pem)
    key = _parse_private_key(key_pem, key_passphrase)
    return _import(Path(folder), certificates, key, passphrase=passphrase, replace=replace)


def import_pkcs12(
    folder: Path,
    data: bytes,
    *,
    p12_password: str | None,
    passphrase: str,
    replace: bool = False,
) -> IdentityInfo:
    """Import a signing identity from a PKCS#12 (.p12/.pfx) file, as CAs usually deliver them.

    Same checks as ``import_identity``; the key is re-encrypted under ``passphrase``.
    """
    password = p12_password.encode("utf-8") if p12_password else None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(bytes(data), password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise IdentityError(
            "the PKCS#12 file could not be opened: the password is wrong, or it is not a "
            "PKCS#12 (.p12/.pfx) file"
        ) from None
    if key is None:
        raise IdentityError("the PKCS#12 file holds no private key; export it with the key")
    certificates = ([cert] if cert is not None else []) + list(extra)
    if not certificates:
        raise IdentityError("the PKCS#12 file holds no certificate")
    return _import(
        Path(folder), certificates, _supported_key(key), passphrase=passphrase, replace=replace
    )


def _import(
    folder: Path,
    certificates: list[x509.Certificate],
    key: _PrivateKey,
    *,
    passphrase: str,
    replace: bool,
) -> IdentityInfo:
    """Check an imported chain and key against c2pa's signer profile, then store them."""
    _require_passphrase(passphrase)
    _refuse_overwrite(folder, replace)
    public = _public_der(key)
    leaf = next((c for c in certificates if _public_der(c) == public), None)
    if leaf is None:
        raise IdentityError("the private key does not match the certificate")
    if _is_ca(leaf):
        raise IdentityError(
            "this certificate is a CA (root) certificate; use the end-entity signing "
            "certificate it issued"
        )
    chain = _order_chain(leaf, certificates)
    if len(chain) == 1 and _is_self_signed(leaf):
        raise IdentityError(
            "only one certificate and it is self-signed: c2pa refuses a lone self-signed "
            "certificate; include the CA that issued it"
        )
    _check_signer_profile(leaf)
    now = _utcnow()
    _check_validity(leaf, now, "the certificate")
    for issuer in chain[1:]:
        what = f"the issuing certificate '{_display_name(issuer.subject)}'"
        if not _is_ca(issuer):
            raise IdentityError(f"{what} is not a CA certificate, so it cannot issue signers")
        _check_validity(issuer, now, what)
    root = chain[-1] if len(chain) > 1 and _is_self_signed(chain[-1]) else None
    _store(
        folder,
        chain=chain,
        key=key,
        passphrase=passphrase,
        root=root,
        root_key=None,
        replace_root=True,
    )
    return _info(leaf)


def _check_signer_profile(leaf: x509.Certificate) -> None:
    """The extension rules c2pa enforces on a signing certificate (all measured on 0.38.1)."""
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.digital_signature:
        raise IdentityError("the certificate's key usage does not allow digital signatures")
    try:
        purposes = list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        purposes = []
    if ExtendedKeyUsageOID.EMAIL_PROTECTION not in purposes:
        raise IdentityError(
            "the certificate lacks the emailProtection extended key usage c2pa requires for "
            "signing; ask the issuer for a certificate with that usage"
        )
    if ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in purposes:
        raise IdentityError(
            "the certificate allows any extended key usage (anyExtendedKeyUsage), which c2pa "
            "refuses for signing; ask the issuer for one limited to emailProtection"
        )
    try:
        leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        raise IdentityError(
            "the certificate lacks the authority key identifier c2pa requires; ask the issuer "
            "to reissue it with one"
        ) from None


def _check_validity(cert: x509.Certificate, now: dt.datetime, what: str) -> None:
    if cert.not_valid_after_utc <= now:
        raise IdentityError(f"{what} expired on {_day(cert.not_valid_after_utc)}")
    if cert.not_valid_before_utc > now:
        raise IdentityError(f"{what} is not valid until {_day(cert.not_valid_before_utc)}")


def _order_chain(
    leaf: x509.Certificate, certificates: Iterable[x509.Certificate]
) -> list[x509.Certificate]:
    """Leaf first, then each issuer found among ``certificates``; unrelated ones are dropped.

    Files from CAs list certificates in any order and sometimes add unrelated ones; c2pa wants
    the signer first and each certificate followed by its issuer.
    """
    chain = [leaf]
    remaining = [c for c in certificates if c != leaf]
    while not _is_self_signed(chain[-1]):
        child = chain[-1]
        issuer = next((c for c in remaining if _issued_by(child, c)), None)
        if issuer is None:
            break
        chain.append(issuer)
        remaining.remove(issuer)
    return chain


def _parse_private_key(data: bytes, key_passphrase: str | None) -> _PrivateKey:
    password = key_passphrase.encode("utf-8") if key_passphrase else None
    data = bytes(data)
    try:
        try:
            key = serialization.load_pem_private_key(data, password)
        except TypeError:
            # A passphrase was given for a key that is not encrypted: it is not needed.
            if password is None:
                raise
            key = serialization.load_pem_private_key(data, None)
    except TypeError:
        raise IdentityError(
            "the private key is encrypted; give the passphrase that protects it"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise IdentityError(
            "the private key could not be read: its passphrase is wrong, or the file is not a "
            "PEM private key"
        ) from None
    return _supported_key(key)
