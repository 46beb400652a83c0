"""The institution's signing identity: certificate chain and private key, kept offline.

An identity lives in a folder the caller chooses (the Library uses ``<library>/identity/``):

- ``signer-chain.pem``  end-entity signing certificate, then its issuers (PEM). Written last,
  so its presence is what "an identity exists" means.
- ``signer-key.pem``    the signer's PKCS#8 private key, encrypted with the passphrase, mode 0600
- ``ca.pem``            the institution's root CA certificate (what ``export_ca`` hands out);
  absent for an imported identity whose file did not include the root
- ``ca-key.pem``        the root CA's private key, encrypted like the signer key, mode 0600; only
  for identities made by ``create_identity``, needed to issue a new signer (``renew_signer``)
- ``trust/``            partners' CA certificates, one PEM per file named by SHA-256 fingerprint

The certificate profile is the one c2pa-python 0.38.1 accepts for offline signing (measured): an
end-entity certificate (basicConstraints CA:FALSE) with keyUsage digitalSignature, extended key
usage emailProtection (and never anyExtendedKeyUsage) and an authority key identifier, issued by
a CA. Imports are checked against that profile here so that the user reads which rule failed
instead of the SDK's "the certificate is invalid" at the first export.

Secrets never leave this module except as ``SigningMaterial.key_pem`` in memory: passphrases and
key bytes are never logged, never put in exception messages and never written unencrypted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

import c2pa
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.errors import CredenceError
from provenance.output import OutputRun, write_atomic

__all__ = [
    "ALGORITHMS",
    "C2PA_ALG",
    "IdentityError",
    "IdentityInfo",
    "SigningMaterial",
    "WrongPassphrase",
    "add_trust_anchor",
    "create_identity",
    "export_ca",
    "import_identity",
    "import_pkcs12",
    "load_info",
    "load_signing_material",
    "renew_signer",
    "resolve_passphrase",
    "trust_anchors_pem",
]

CHAIN_FILE = "signer-chain.pem"
KEY_FILE = "signer-key.pem"
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
TRUST_DIR = "trust"
PASSPHRASE_ENV = "CREDENCE_PASSPHRASE"

# Algorithm names as shown to people (and in IdentityInfo) -> the c2pa-python enum.
C2PA_ALG: Mapping[str, c2pa.C2paSigningAlg] = MappingProxyType(
    {
        "ES256": c2pa.C2paSigningAlg.ES256,
        "ES384": c2pa.C2paSigningAlg.ES384,
        "ES512": c2pa.C2paSigningAlg.ES512,
        "PS256": c2pa.C2paSigningAlg.PS256,
        "PS384": c2pa.C2paSigningAlg.PS384,
        "PS512": c2pa.C2paSigningAlg.PS512,
        "Ed25519": c2pa.C2paSigningAlg.ED25519,
    }
)
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


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def create_identity(
    folder: Path,
    organisation: str,
    passphrase: str,
    *,
    algorithm: str = "ES256",
    years: int = 3,
    replace: bool = False,
) -> IdentityInfo:
    """Create a root CA for ``organisation`` and a signing certificate under it, in ``folder``.

    The CA is valid for 10 years and signs nothing but certificates; the signer is valid for
    ``years`` years. Both keys are stored encrypted with ``passphrase``. Refuses to overwrite an
    existing identity unless ``replace`` is true (partners' trust anchors are kept either way).
    """
    if not 1 <= years <= _CA_YEARS:
        raise IdentityError(
            f"the signing certificate can be valid for 1 to {_CA_YEARS} years, not {years}"
        )
    return _create_identity(
        Path(folder),
        organisation,
        passphrase,
        algorithm=algorithm,
        signer_validity=dt.timedelta(days=365 * years),
        replace=replace,
    )


def renew_signer(folder: Path, passphrase: str, *, years: int = 3) -> IdentityInfo:
    """Issue a new signing certificate and key under the stored root CA, keeping the CA.

    Files signed before stay verifiable (their manifests carry the old certificate) and partners
    who trust the exported CA keep trusting new exports. Only for identities made by
    ``create_identity``: an imported identity is renewed by its issuer, then imported again.
    """
    folder = Path(folder)
    if not 1 <= years <= _CA_YEARS:
        raise IdentityError(
            f"the signing certificate can be valid for 1 to {_CA_YEARS} years, not {years}"
        )
    info = load_info(folder)
    if info is None:
        raise IdentityError(f"there is no signing identity in {folder} to renew")
    if not (folder / CA_KEY_FILE).is_file():
        raise IdentityError(
            "this signing identity was imported, so Credence holds no CA key to renew it; "
            "ask the issuer for a new certificate and import it with replace=True"
        )
    ca_cert = _read_root(folder, _read_chain(folder))
    if ca_cert is None:
        raise IdentityError(
            f"the root CA certificate in {folder} is missing or does not match the signer; "
            "create a new identity with replace=True"
        )
    ca_key = _load_encrypted_key(folder / CA_KEY_FILE, passphrase)
    _require_matching(ca_key, ca_cert, what="the stored CA key")
    now = _utcnow()
    if ca_cert.not_valid_after_utc <= now:
        raise IdentityError(
            f"the root CA expired on {_day(ca_cert.not_valid_after_utc)}; create a new "
            "identity with replace=True and send partners the new CA"
        )
    algorithm = _algorithm_of(ca_key)
    signer_key = _generate_key(algorithm)
    organisation = _name_attr(ca_cert.subject, NameOID.ORGANIZATION_NAME) or info.organisation
    # A signer must not outlive its CA: validators reject a chain whose issuer expired first.
    not_after = min(now + dt.timedelta(days=365 * years), ca_cert.not_valid_after_utc)
    signer = _issue_signer(ca_cert, ca_key, signer_key, organisation, now, not_after)
    _store(
        folder,
        chain=[signer, ca_cert],
        key=signer_key,
        passphrase=passphrase,
        root=ca_cert,
        root_key=None,  # unchanged on disk
        replace_root=False,
    )
    return _info(signer)


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


def load_info(folder: Path) -> IdentityInfo | None:
    """Facts about the stored signing certificate, or None when there is no identity yet."""
    folder = Path(folder)
    if not (folder / CHAIN_FILE).is_file():
        return None
    return _info(_read_chain(folder)[0])


def load_signing_material(folder: Path, passphrase: str) -> SigningMaterial:
    """Decrypt the signing key with ``passphrase`` and return what c2pa needs to sign.

    Raises WrongPassphrase when the passphrase does not decrypt the key, and IdentityError when
    there is no identity or its certificate is not (or no longer) valid for signing.
    """
    folder = Path(folder)
    if not (folder / CHAIN_FILE).is_file():
        raise IdentityError(
            f"there is no signing identity in {folder}; create one or import a certificate first"
        )
    chain = _read_chain(folder)
    leaf = chain[0]
    now = _utcnow()
    # Checked before decrypting so the message is about the certificate, which is what to fix.
    if leaf.not_valid_after_utc <= now:
        raise IdentityError(
            f"the signing certificate expired on {_day(leaf.not_valid_after_utc)}; renew it or "
            "import a new one"
        )
    if leaf.not_valid_before_utc > now:
        raise IdentityError(
            f"the signing certificate is not valid until {_day(leaf.not_valid_before_utc)}"
        )
    key = _load_encrypted_key(folder / KEY_FILE, passphrase)
    # Key and chain are two files; an interrupted replacement could leave them mismatched.
    _require_matching(key, leaf, what="the stored signing key")
    algorithm = _algorithm_of(key)
    return SigningMaterial(
        chain_pem=b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        algorithm=C2PA_ALG[algorithm].name.lower(),
        fingerprint=_fingerprint(leaf),
    )


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
    _write_atomic(dest, anchor.public_bytes(serialization.Encoding.PEM), mode=0o644)
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
        _write_atomic(target, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
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


def resolve_passphrase(
    *,
    passphrase_file: Path | None,
    env: Mapping[str, str],
    prompt: Callable[[str], str] | None,
) -> str:
    """Find the passphrase: first line of ``passphrase_file``, else CREDENCE_PASSPHRASE, else ask.

    A file or the environment suits scripts and scheduled exports; the prompt suits people.
    """
    if passphrase_file is not None:
        path = Path(passphrase_file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
            raise IdentityError(f"cannot read the passphrase file {path}: {reason}") from None
        lines = text.splitlines()
        # Only the line break goes: spaces may be part of the passphrase.
        passphrase = lines[0] if lines else ""
        if not passphrase:
            raise IdentityError(f"the passphrase file {path} is empty on its first line")
        return passphrase
    from_env = env.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if prompt is not None:
        answer = prompt("Passphrase for the signing key: ")
        if answer:
            return answer
    raise IdentityError(
        "no passphrase given: give the passphrase with --passphrase-file, CREDENCE_PASSPHRASE "
        "or at the prompt"
    )


# ---------------------------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------------------------


def _create_identity(
    folder: Path,
    organisation: str,
    passphrase: str,
    *,
    algorithm: str,
    signer_validity: dt.timedelta,
    replace: bool,
) -> IdentityInfo:
    """create_identity with the signer's validity as a timedelta (tests use a short one)."""
    organisation = " ".join(organisation.split())
    if not organisation:
        raise IdentityError("the organisation name is empty; give the institution's name")
    if len(organisation) > _MAX_NAME:
        raise IdentityError(
            f"the organisation name is {len(organisation)} characters long; certificates hold "
            f"at most {_MAX_NAME}, so give a shorter form"
        )
    if algorithm not in ALGORITHMS:
        raise IdentityError(
            f"unknown signing algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}"
        )
    _require_passphrase(passphrase)
    _refuse_overwrite(folder, replace)

    now = _utcnow()
    ca_key = _generate_key(algorithm)
    ca_name = _x509_name(organisation, "Root CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=365 * _CA_YEARS))
        # path_length=0: this CA issues signing certificates only, never other CAs.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, _hash_for(ca_key))
    )
    signer_key = _generate_key(algorithm)
    not_after = min(now + signer_validity, ca_cert.not_valid_after_utc)
    signer = _issue_signer(ca_cert, ca_key, signer_key, organisation, now, not_after)
    _store(
        folder,
        chain=[signer, ca_cert],
        key=signer_key,
        passphrase=passphrase,
        root=ca_cert,
        root_key=ca_key,
        replace_root=True,
    )
    return _info(signer)


def _issue_signer(
    ca_cert: x509.Certificate,
    ca_key: _PrivateKey,
    signer_key: _PrivateKey,
    organisation: str,
    now: dt.datetime,
    not_after: dt.datetime,
) -> x509.Certificate:
    """An end-entity certificate in the profile c2pa accepts (see the module docstring)."""
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_x509_name(organisation, "Content Credentials"))
        .issuer_name(ca_cert.subject)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), False)
        # c2pa refuses a signer without an authority key identifier ("the certificate is
        # invalid"), so it is not optional here.
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .sign(ca_key, _hash_for(ca_key))
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    """keyUsage for a CA (certificate and CRL signing) or a signer (digital signatures only)."""
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _generate_key(algorithm: str) -> _PrivateKey:
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ES384":
        return ec.generate_private_key(ec.SECP384R1())
    if algorithm == "ES512":
        return ec.generate_private_key(ec.SECP521R1())
    if algorithm == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS)


def _hash_for(key: _PrivateKey) -> hashes.HashAlgorithm | None:
    """The certificate signature hash matching the issuer key's strength.

    Measured: a P-521 CA that signs with SHA-256 gives a chain c2pa never reports as Trusted,
    with SHA-512 it does. Ed25519 signatures take no separate hash.
    """
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp384r1": hashes.SHA384(), "secp521r1": hashes.SHA512()}.get(
            key.curve.name, hashes.SHA256()
        )
    return hashes.SHA256()


def _x509_name(organisation: str, role: str) -> x509.Name:
    # The common name must fit in 64 characters too; shorten the organisation part if needed.
    room = _MAX_NAME - len(role) - 1
    common = f"{organisation[:room].rstrip()} {role}"
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Importing
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Storing and reading
# ---------------------------------------------------------------------------------------------


def _store(
    folder: Path,
    *,
    chain: list[x509.Certificate],
    key: _PrivateKey,
    passphrase: str,
    root: x509.Certificate | None,
    root_key: _PrivateKey | None,
    replace_root: bool,
) -> None:
    """Write an identity's files, the chain last, so a crash never leaves a half identity.

    Each file is replaced atomically. Across files, a crash during a replacement can at worst
    leave a new key beside the old chain; ``load_signing_material`` detects that mismatch and
    ``_read_root`` ignores a CA certificate that did not issue the stored chain.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_atomic(folder / KEY_FILE, _encrypt(key, passphrase), mode=0o600)
    if replace_root:
        if root_key is not None:
            _write_atomic(folder / CA_KEY_FILE, _encrypt(root_key, passphrase), mode=0o600)
        if root is not None:
            _write_atomic(folder / CA_FILE, root.public_bytes(serialization.Encoding.PEM))
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    _write_atomic(folder / CHAIN_FILE, pem)
    if replace_root:
        # Leftovers of a previous identity would otherwise be exported as "our" CA, or kept as a
        # key that can issue certificates nobody uses any more.
        if root_key is None:
            (folder / CA_KEY_FILE).unlink(missing_ok=True)
        if root is None:
            (folder / CA_FILE).unlink(missing_ok=True)


def _encrypt(key: _PrivateKey, passphrase: str) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase_bytes(passphrase)),
    )


def _load_encrypted_key(path: Path, passphrase: str) -> _PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IdentityError(
            f"the signing identity in {path.parent} has no {path.name}; create or import it again"
        ) from None
    if not passphrase:
        raise WrongPassphrase("the passphrase does not unlock the signing key")
    try:
        key = serialization.load_pem_private_key(data, _passphrase_bytes(passphrase))
    except TypeError:
        # Credence never writes an unencrypted key; someone replaced the file by hand.
        raise IdentityError(
            f"{path.name} in {path.parent} is not encrypted; create or import the identity "
            "again so the key is protected by a passphrase"
        ) from None
    except ValueError:
        # "from None": cryptography's own message adds nothing and the passphrase must not be
        # anywhere near a traceback.
        raise WrongPassphrase("the passphrase does not unlock the signing key") from None
    except UnsupportedAlgorithm:
        raise IdentityError(f"{path.name} in {path.parent} is not a readable key") from None
    return _supported_key(key)


def _read_chain(folder: Path) -> list[x509.Certificate]:
    path = folder / CHAIN_FILE
    try:
        chain = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        raise IdentityError(
            f"the signing identity in {folder} is damaged ({CHAIN_FILE} cannot be read); "
            "create or import it again"
        ) from None
    return chain


def _read_root(folder: Path, chain: list[x509.Certificate]) -> x509.Certificate | None:
    """The stored root CA, if present and really the issuer at the top of ``chain``."""
    path = folder / CA_FILE
    if not path.is_file():
        return None
    try:
        root = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return None
    top = chain[-1]
    if top == root or _issued_by(top, root):
        return root
    return None


def _write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    The temporary file is created with ``mode`` by ``os.open`` itself (O_EXCL), so a key file is
    never readable by others, not even for the moment between creating and chmod-ing it.
    """
    write_atomic(path, data, mode=mode)  # the one output writer's primitive


def _refuse_overwrite(folder: Path, replace: bool) -> None:
    if replace:
        return
    if (folder / CHAIN_FILE).exists() or (folder / KEY_FILE).exists():
        raise IdentityError(
            f"a signing identity already exists in {folder}; to replace it (its keys are "
            "overwritten for good), pass replace=True"
        )


def _require_passphrase(passphrase: str) -> None:
    if not passphrase:
        raise IdentityError(
            "the passphrase is empty; choose one to protect the signing key on disk"
        )


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC so that the same passphrase typed on systems that compose accents differently
    # (macOS input methods often produce decomposed forms) still unlocks the key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Certificate facts
# ---------------------------------------------------------------------------------------------


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
