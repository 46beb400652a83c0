"""The signing identity's vocabulary: file names, errors, the facts of a certificate, and the
signing material handed to exporting.

Secrets never leave the identity package except as ``SigningMaterial.key_pem`` in memory:
passphrases and key bytes are never logged, never put in exception messages and never written
unencrypted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TypeAlias

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from provenance.domain.errors import CredenceError

CHAIN_FILE = "signer-chain.pem"
KEY_FILE = "signer-key.pem"
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
TRUST_DIR = "trust"
PASSPHRASE_ENV = "CREDENCE_PASSPHRASE"

# What create_identity can generate. RSA keys are always used with PS256: the key alone cannot
# say which PSS hash was meant, and PS256 is what every C2PA validator supports.
ALGORITHMS: tuple[str, ...] = ("ES256", "ES384", "ES512", "PS256", "Ed25519")

_CA_YEARS = 10
_RSA_BITS = 3072
# Backdate certificates a little so a signer whose clock runs slightly behind the machine that
# made the certificate does not sign "before" the certificate was valid.
_BACKDATE = dt.timedelta(hours=1)
# X.509 upper bound for organizationName and commonName (RFC 5280, ub-organization-name).
_MAX_NAME = 64

_PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


class IdentityError(CredenceError):
    """The signing identity cannot be created, imported, read or used; the message says why."""


class WrongPassphrase(IdentityError):
    """The passphrase given does not decrypt the stored private key."""


@dataclass(frozen=True)
class IdentityInfo:
    """Public facts about the stored signing certificate (no passphrase needed to read them)."""

    organisation: str
    common_name: str
    algorithm: str  # "ES256", "ES384", "ES512", "PS256" or "Ed25519"
    not_before: dt.datetime  # timezone-aware, UTC
    not_after: dt.datetime  # timezone-aware, UTC
    fingerprint: str  # SHA-256 of the end-entity certificate DER, lowercase hex
    issuer: str
    days_left: int  # calendar days until not_after (UTC); negative once expired

    def public_facts(self) -> dict[str, str]:
        """What a history entry records about this identity: never the key or passphrase."""
        return {
            "organisation": self.organisation,
            "fingerprint": self.fingerprint,
            "not_after": self.not_after.isoformat(),
        }

    def expiry_warning(self, within_days: int = 60) -> str | None:
        """A plain sentence when the certificate has expired or expires within ``within_days``.

        None when there is nothing to worry about yet.
        """
        date = self.not_after.date().isoformat()
        if self.days_left < 0:
            return (
                f"The signing certificate expired on {date}; renew it or import a new one "
                "before exporting signed files."
            )
        if self.days_left == 0:
            return (
                f"The signing certificate expires today ({date}); renew it or import a new one "
                "now so exports stay signed."
            )
        if self.days_left <= within_days:
            days = "1 day" if self.days_left == 1 else f"{self.days_left} days"
            return (
                f"The signing certificate expires on {date}, in {days}; renew it or import a "
                "new one before then so exports stay signed."
            )
        return None


@dataclass(frozen=True)
class SigningMaterial:
    """What c2pa needs to sign: PEM chain, unencrypted key (memory only) and algorithm name.

    Plain bytes and strings so a worker process can receive it and build its own c2pa Signer
    (c2pa objects cannot cross processes). ``key_pem`` is kept out of ``repr``/``str`` so that a
    log line or traceback that prints this object never shows the key.
    """

    chain_pem: bytes
    key_pem: bytes = field(repr=False)
    algorithm: str  # c2pa's name: "es256", "es384", "es512", "ps256" or "ed25519"
    fingerprint: str


def _info(leaf: x509.Certificate) -> IdentityInfo:
    not_after = leaf.not_valid_after_utc
    return IdentityInfo(
        organisation=_name_attr(leaf.subject, NameOID.ORGANIZATION_NAME)
        or _name_attr(leaf.issuer, NameOID.ORGANIZATION_NAME)
        or "",
        common_name=_display_name(leaf.subject),
        algorithm=_algorithm_of(leaf.public_key()),
        not_before=leaf.not_valid_before_utc,
        not_after=not_after,
        fingerprint=_fingerprint(leaf),
        issuer=_display_name(leaf.issuer),
        days_left=(not_after.date() - _utcnow().date()).days,
    )


def _algorithm_of(key: object) -> str:
    """The display algorithm ("ES256", ...) for a private or public key."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        by_curve = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
        if key.curve.name in by_curve:
            return by_curve[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "PS256"
    raise IdentityError(
        "the signing certificate's key type is not one c2pa can sign with "
        "(P-256, P-384, P-521, RSA or Ed25519)"
    )


def _require_matching(key: _PrivateKey, cert: x509.Certificate, *, what: str) -> None:
    if _public_der(key) != _public_der(cert):
        raise IdentityError(
            f"{what} does not belong to the stored certificate (perhaps an interrupted "
            "replacement); create or import the identity again"
        )


def _public_der(key_or_cert: _PrivateKey | x509.Certificate) -> bytes:
    public = key_or_cert.public_key()
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s key really signed ``child`` (names alone can be reused)."""
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_self_signed(cert: x509.Certificate) -> bool:
    return _issued_by(cert, cert)


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _display_name(name: x509.Name) -> str:
    return _name_attr(name, NameOID.COMMON_NAME) or name.rfc4514_string()


def _day(moment: dt.datetime) -> str:
    return moment.date().isoformat()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM file (or the one in a DER file)."""
    data = bytes(data)
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        pass
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise IdentityError("the file is not a PEM certificate") from None


def _supported_key(key: object) -> _PrivateKey:
    """The key if c2pa can sign with it, otherwise an IdentityError naming the key type."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name in ("secp256r1", "secp384r1", "secp521r1"):
            return key
        raise IdentityError(
            f"the key uses the {key.curve.name} curve; c2pa signs only with P-256, P-384, "
            "P-521, RSA or Ed25519 keys"
        )
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size >= 2048:
            return key
        raise IdentityError(f"the RSA key is {key.key_size} bits; c2pa requires at least 2048 bits")
    raise IdentityError(
        "the key type is not one c2pa can sign with (P-256, P-384, P-521, RSA or Ed25519)"
    )
