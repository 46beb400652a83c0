"""Creating an identity: the institution's root CA and a signer issued under it; renewing the
signer under the same CA.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.identity.facts import (
    _BACKDATE,
    _CA_YEARS,
    _MAX_NAME,
    _RSA_BITS,
    ALGORITHMS,
    CA_KEY_FILE,
    IdentityError,
    IdentityInfo,
    _algorithm_of,
    _day,
    _info,
    _name_attr,
    _PrivateKey,
    _require_matching,
    _utcnow,
)
from provenance.identity.keystore import (
    _load_encrypted_key,
    _read_chain,
    _read_root,
    _refuse_overwrite,
    _require_passphrase,
    _store,
    load_info,
)


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
