"""The signing identity: real keys, real certificates, real c2pa signing and reading (no mocks)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance import identity
from provenance.domain.errors import CredenceError
from provenance.exporting.signing import C2PA_ALG
from provenance.identity import (
    IdentityError,
    IdentityInfo,
    SigningMaterial,
    WrongPassphrase,
    add_trust_anchor,
    create_identity,
    export_ca,
    import_identity,
    import_pkcs12,
    load_info,
    load_signing_material,
    renew_signer,
    resolve_passphrase,
    trust_anchors_pem,
)
from provenance.identity.create import _create_identity
from tests.provenance.c2pa_helpers import make_jpeg

PASSPHRASE = "correct horse battery staple"
MANIFEST = {
    "claim_generator_info": [{"name": "Credence", "version": "test"}],
    "title": "t",
    "assertions": [
        {
            "label": "c2pa.actions.v2",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": (
                            "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
                        ),
                    }
                ]
            },
        }
    ],
}
PEM = serialization.Encoding.PEM


# --- c2pa round trip --------------------------------------------------------------------------


def sign_jpeg(material: SigningMaterial, source: Path) -> bytes:
    """Sign ``source`` with the identity's material exactly as an export would."""
    info = c2pa.C2paSignerInfo(material.algorithm, material.chain_pem, material.key_pem, None)
    settings = {"builder": {"thumbnail": {"enabled": False}}}
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(json.dumps(MANIFEST), context) as builder,
        source.open("rb") as src,
    ):
        out = io.BytesIO()
        builder.sign(signer, "image/jpeg", src, out)
    return out.getvalue()


def validation_state(signed: bytes, anchors: str | None) -> str | None:
    settings: dict = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors}
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        c2pa.Reader("image/jpeg", io.BytesIO(signed), context=context) as reader,
    ):
        return reader.get_validation_state()


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_jpeg(tmp_path_factory.mktemp("img") / "small.jpg")


# --- certificate factory for imports ----------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Partner Gallery"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=False,
        key_encipherment=not signer,  # a plausible mistake: an encryption-only certificate
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def make_cert(
    key: ec.EllipticCurvePrivateKey,
    common_name: str,
    *,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    ca: bool = False,
    digital_signature: bool = True,
    eku: list[x509.ObjectIdentifier] | None = None,
    aki: bool = True,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    """A certificate, by default a well-formed c2pa signer; each keyword introduces one flaw."""
    now = dt.datetime.now(dt.UTC)
    issuer_name, issuer_key = (
        (issuer[0].subject, issuer[1]) if issuer else (_name(common_name), key)
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(signer=not ca and digital_signature), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if not ca:
        purposes = [ExtendedKeyUsageOID.EMAIL_PROTECTION] if eku is None else eku
        if purposes:
            builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), False)
    if aki:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, encryption)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def partner_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = new_key()
    return make_cert(key, "Partner Root CA", ca=True), key


# --- create -----------------------------------------------------------------------------------


def test_create_writes_encrypted_private_files(tmp_path: Path) -> None:
    folder = tmp_path / "identity"
    info = create_identity(folder, "Credence Test Museum", PASSPHRASE)

    names = {p.name for p in folder.iterdir()}
    assert names == {"signer-chain.pem", "signer-key.pem", "ca.pem", "ca-key.pem"}
    for secret in ("signer-key.pem", "ca-key.pem"):
        path = folder / secret
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text()
        assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    for path in folder.iterdir():
        assert PASSPHRASE.encode() not in path.read_bytes()

    assert info == load_info(folder)
    assert info.organisation == "Credence Test Museum"
    assert info.common_name == "Credence Test Museum Content Credentials"
    assert info.issuer == "Credence Test Museum Root CA"
    assert info.algorithm == "ES256"
    assert 3 * 365 - 1 <= info.days_left <= 3 * 365
    assert info.expiry_warning() is None
    leaf = x509.load_pem_x509_certificates((folder / "signer-chain.pem").read_bytes())[0]
    assert info.fingerprint == leaf.fingerprint(hashes.SHA256()).hex()


def test_created_signer_has_the_c2pa_profile(tmp_path: Path) -> None:
    create_identity(tmp_path, "Museum", PASSPHRASE)
    leaf, ca = x509.load_pem_x509_certificates((tmp_path / "signer-chain.pem").read_bytes())
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ca_usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ca_usage.key_cert_sign and ca_usage.crl_sign
    assert (ca.not_valid_after_utc - ca.not_valid_before_utc).days >= 3650
    leaf.verify_directly_issued_by(ca)


@pytest.mark.parametrize("algorithm", identity.ALGORITHMS)
def test_created_identity_signs_valid_then_trusted(
    tmp_path: Path, jpeg: Path, algorithm: str
) -> None:
    info = create_identity(tmp_path, "Credence Test Museum", PASSPHRASE, algorithm=algorithm)
    assert info.algorithm == algorithm

    material = load_signing_material(tmp_path, PASSPHRASE)
    assert material.algorithm == C2PA_ALG[algorithm].name.lower()
    assert material.fingerprint == info.fingerprint
    assert b"ENCRYPTED" not in material.key_pem

    signed = sign_jpeg(material, jpeg)
    assert validation_state(signed, None) == "Valid"
    assert validation_state(signed, trust_anchors_pem(tmp_path)) == "Trusted"


def test_refuses_to_overwrite_an_identity(tmp_path: Path) -> None:
    first = create_identity(tmp_path, "Museum", PASSPHRASE)
    with pytest.raises(IdentityError, match="replace=True"):
        create_identity(tmp_path, "Museum", PASSPHRASE)
    assert load_info(tmp_path) == first

    second = create_identity(tmp_path, "Museum", "another passphrase", replace=True)
    assert second.fingerprint != first.fingerprint
    assert stat.S_IMODE((tmp_path / "signer-key.pem").stat().st_mode) == 0o600
    load_signing_material(tmp_path, "another passphrase")
    # Only the identity files: no temporary files left behind by the atomic writes.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ca-key.pem",
        "ca.pem",
        "signer-chain.pem",
        "signer-key.pem",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"organisation": "  "}, "organisation name is empty"),
        ({"organisation": "M" * 65}, "at most 64"),
        ({"passphrase": ""}, "passphrase is empty"),
        ({"algorithm": "RS256"}, "unknown signing algorithm"),
        ({"years": 11}, "1 to 10 years"),
    ],
)
def test_create_rejects_bad_arguments(tmp_path: Path, kwargs: dict, message: str) -> None:
    arguments = {"organisation": "Museum", "passphrase": PASSPHRASE} | kwargs
    with pytest.raises(IdentityError, match=message):
        create_identity(tmp_path, **arguments)
    assert load_info(tmp_path) is None


def test_load_info_without_identity(tmp_path: Path) -> None:
    assert load_info(tmp_path / "missing") is None
    assert trust_anchors_pem(tmp_path) is None
    with pytest.raises(IdentityError, match="no signing identity"):
        load_signing_material(tmp_path, PASSPHRASE)


# --- passphrase and secrets ---------------------------------------------------------------------


def test_wrong_passphrase_is_refused_without_leaking(tmp_path: Path) -> None:
    create_identity(tmp_path, "Museum", PASSPHRASE)
    with pytest.raises(WrongPassphrase) as caught:
        load_signing_material(tmp_path, "wrong passphrase")
    assert str(caught.value) == "the passphrase does not unlock the signing key"
    assert isinstance(caught.value, CredenceError)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(WrongPassphrase):
        load_signing_material(tmp_path, "")


def test_signing_material_repr_hides_the_key(tmp_path: Path) -> None:
    create_identity(tmp_path, "Museum", PASSPHRASE)
    material = load_signing_material(tmp_path, PASSPHRASE)
    assert material.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    for text in (repr(material), str(material)):
        assert "PRIVATE KEY" not in text
        assert material.key_pem.decode() not in text
        assert material.fingerprint in text


def test_passphrase_is_unicode_normalised(tmp_path: Path) -> None:
    create_identity(tmp_path, "Musée", "caf\u00e9 au lait")  # composed é
    load_signing_material(tmp_path, "cafe\u0301 au lait")  # decomposed e + accent


def test_mismatched_key_on_disk_is_reported(tmp_path: Path) -> None:
    create_identity(tmp_path / "a", "Museum", PASSPHRASE)
    create_identity(tmp_path / "b", "Museum", PASSPHRASE)
    # What an interrupted replacement could leave: one identity's key beside another's chain.
    os.replace(tmp_path / "b" / "signer-key.pem", tmp_path / "a" / "signer-key.pem")
    with pytest.raises(IdentityError, match="does not belong to the stored certificate"):
        load_signing_material(tmp_path / "a", PASSPHRASE)


def test_resolve_passphrase_order(tmp_path: Path) -> None:
    file = tmp_path / "pass.txt"
    file.write_text("  from file  \nsecond line\n")
    env = {"CREDENCE_PASSPHRASE": "from env"}
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return "from prompt"

    assert resolve_passphrase(passphrase_file=file, env=env, prompt=prompt) == "  from file  "
    assert resolve_passphrase(passphrase_file=None, env=env, prompt=prompt) == "from env"
    assert not asked
    assert resolve_passphrase(passphrase_file=None, env={}, prompt=prompt) == "from prompt"
    assert asked

    with pytest.raises(IdentityError) as caught:
        resolve_passphrase(passphrase_file=None, env={"CREDENCE_PASSPHRASE": ""}, prompt=None)
    assert "--passphrase-file, CREDENCE_PASSPHRASE or at the prompt" in str(caught.value)
    with pytest.raises(IdentityError, match="cannot read the passphrase file"):
        resolve_passphrase(passphrase_file=tmp_path / "nope", env=env, prompt=prompt)
    file.write_text("\nsecret on line two\n")
    with pytest.raises(IdentityError, match="empty"):
        resolve_passphrase(passphrase_file=file, env=env, prompt=prompt)


# --- expiry -----------------------------------------------------------------------------------


def test_expiry_warning_for_a_short_lived_signer(tmp_path: Path) -> None:
    info = _create_identity(
        tmp_path,
        "Museum",
        PASSPHRASE,
        algorithm="ES256",
        signer_validity=dt.timedelta(days=10),
        replace=False,
    )
    assert info.days_left == 10
    warning = info.expiry_warning()
    assert warning is not None
    assert info.not_after.date().isoformat() in warning
    assert "in 10 days" in warning
    assert info.expiry_warning(within_days=5) is None


def test_expiry_warning_wording() -> None:
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def info(days_left: int) -> IdentityInfo:
        return IdentityInfo(
            organisation="M",
            common_name="M",
            algorithm="ES256",
            not_before=now,
            not_after=now + dt.timedelta(days=days_left),
            fingerprint="0" * 64,
            issuer="CA",
            days_left=days_left,
        )

    assert info(-3).expiry_warning() == (
        "The signing certificate expired on 2024-12-29; renew it or import a new one before "
        "exporting signed files."
    )
    assert "expires today" in (info(0).expiry_warning() or "")
    assert "in 1 day;" in (info(1).expiry_warning() or "")
    assert info(61).expiry_warning() is None


def test_renew_signer_keeps_the_ca(tmp_path: Path, jpeg: Path) -> None:
    old = create_identity(tmp_path, "Museum", PASSPHRASE)
    anchors = trust_anchors_pem(tmp_path)
    new = renew_signer(tmp_path, PASSPHRASE, years=2)
    assert new.fingerprint != old.fingerprint
    assert new.issuer == old.issuer
    assert trust_anchors_pem(tmp_path) == anchors
    signed = sign_jpeg(load_signing_material(tmp_path, PASSPHRASE), jpeg)
    assert validation_state(signed, anchors) == "Trusted"
    with pytest.raises(WrongPassphrase):
        renew_signer(tmp_path, "wrong")


# --- import -----------------------------------------------------------------------------------


def test_import_pem_chain_in_any_order_with_encrypted_key(
    tmp_path: Path, jpeg: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    ca_cert, _ = partner_ca
    key = new_key()
    leaf = make_cert(key, "Partner Signer", issuer=partner_ca)
    chain = ca_cert.public_bytes(PEM) + leaf.public_bytes(PEM)  # root first: reordered on import

    info = import_identity(
        tmp_path, chain, key_pem(key, b"key pass"), key_passphrase="key pass", passphrase=PASSPHRASE
    )
    assert info.common_name == "Partner Signer"
    assert info.issuer == "Partner Root CA"
    assert info.organisation == "Partner Gallery"
    assert (tmp_path / "ca.pem").read_bytes() == ca_cert.public_bytes(PEM)
    assert not (tmp_path / "ca-key.pem").exists()
    stored = (tmp_path / "signer-key.pem").read_bytes()
    assert stored.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE((tmp_path / "signer-key.pem").stat().st_mode) == 0o600
    with pytest.raises(WrongPassphrase):
        load_signing_material(tmp_path, "key pass")  # re-encrypted under the new passphrase

    signed = sign_jpeg(load_signing_material(tmp_path, PASSPHRASE), jpeg)
    assert validation_state(signed, trust_anchors_pem(tmp_path)) == "Trusted"
    with pytest.raises(IdentityError, match="imported"):
        renew_signer(tmp_path, PASSPHRASE)


def test_import_without_root_stores_no_ca(
    tmp_path: Path, jpeg: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    key = new_key()
    leaf = make_cert(key, "Partner Signer", issuer=partner_ca)
    import_identity(
        tmp_path, leaf.public_bytes(PEM), key_pem(key), key_passphrase=None, passphrase=PASSPHRASE
    )
    assert not (tmp_path / "ca.pem").exists()
    assert trust_anchors_pem(tmp_path) is None
    with pytest.raises(IdentityError, match="no CA certificate to export"):
        export_ca(tmp_path, tmp_path / "out.pem")
    # c2pa accepts a CA-issued signer without its issuer in the chain.
    signed = sign_jpeg(load_signing_material(tmp_path, PASSPHRASE), jpeg)
    assert validation_state(signed, partner_ca[0].public_bytes(PEM).decode()) == "Trusted"


def test_import_replacing_a_created_identity_drops_its_ca(
    tmp_path: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    create_identity(tmp_path, "Museum", PASSPHRASE)
    key = new_key()
    leaf = make_cert(key, "Partner Signer", issuer=partner_ca)
    chain = leaf.public_bytes(PEM)
    with pytest.raises(IdentityError, match="replace=True"):
        import_identity(tmp_path, chain, key_pem(key), key_passphrase=None, passphrase=PASSPHRASE)
    import_identity(
        tmp_path, chain, key_pem(key), key_passphrase=None, passphrase=PASSPHRASE, replace=True
    )
    assert not (tmp_path / "ca.pem").exists()
    assert not (tmp_path / "ca-key.pem").exists()


def _bad_imports(
    partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
) -> dict[str, tuple[bytes, bytes]]:
    """One certificate mistake per entry: (chain PEM, key PEM)."""
    ca_cert, ca_key = partner_ca
    ca_pem = ca_cert.public_bytes(PEM)
    long_ago = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cases: dict[str, tuple[bytes, bytes]] = {}

    def signer(label: str, **flaw: object) -> None:
        key = new_key()
        cert = make_cert(key, "Partner Signer", issuer=partner_ca, **flaw)  # type: ignore[arg-type]
        cases[label] = (cert.public_bytes(PEM) + ca_pem, key_pem(key))

    cases["ca as signer"] = (ca_pem, key_pem(ca_key))
    signer("no digitalSignature", digital_signature=False)
    signer("no emailProtection", eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    signer(
        "any eku",
        eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE, ExtendedKeyUsageOID.EMAIL_PROTECTION],
    )
    signer("no aki", aki=False)
    signer("expired", not_before=long_ago, not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    good = make_cert(new_key(), "Partner Signer", issuer=partner_ca)
    cases["mismatched key"] = (good.public_bytes(PEM) + ca_pem, key_pem(new_key()))
    lone_key = new_key()
    cases["lone self-signed"] = (make_cert(lone_key, "Lonely").public_bytes(PEM), key_pem(lone_key))
    cases["not pem"] = (b"hello, I am a text file", key_pem(lone_key))
    return cases


BAD_IMPORT_MESSAGES = {
    "ca as signer": "this certificate is a CA (root) certificate; use the end-entity signing "
    "certificate it issued",
    "no digitalSignature": "the certificate's key usage does not allow digital signatures",
    "no emailProtection": "the certificate lacks the emailProtection extended key usage c2pa "
    "requires for signing",
    "any eku": "anyExtendedKeyUsage",
    "no aki": "authority key identifier",
    "expired": "the certificate expired on 2025-01-01",
    "mismatched key": "the private key does not match the certificate",
    "lone self-signed": "only one certificate and it is self-signed: c2pa refuses a lone "
    "self-signed certificate; include the CA that issued it",
    "not pem": "the file is not a PEM certificate",
}


def test_import_explains_each_usual_mistake(
    tmp_path: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    cases = _bad_imports(partner_ca)
    assert cases.keys() == BAD_IMPORT_MESSAGES.keys()
    for case, (chain, key) in cases.items():
        with pytest.raises(IdentityError) as caught:
            import_identity(tmp_path, chain, key, key_passphrase=None, passphrase=PASSPHRASE)
        message = str(caught.value)
        assert BAD_IMPORT_MESSAGES[case] in message, (case, message)
        assert "PRIVATE KEY" not in message and PASSPHRASE not in message, case
        assert list(tmp_path.iterdir()) == [], case  # nothing stored


def test_import_key_passphrase_problems(
    tmp_path: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    key = new_key()
    chain = make_cert(key, "Partner Signer", issuer=partner_ca).public_bytes(PEM)
    encrypted = key_pem(key, b"key pass")
    with pytest.raises(IdentityError, match="the private key is encrypted"):
        import_identity(tmp_path, chain, encrypted, key_passphrase=None, passphrase=PASSPHRASE)
    with pytest.raises(IdentityError, match="passphrase is wrong") as caught:
        import_identity(tmp_path, chain, encrypted, key_passphrase="nope", passphrase=PASSPHRASE)
    assert "nope" not in str(caught.value)
    with pytest.raises(IdentityError, match="passphrase is empty"):
        import_identity(tmp_path, chain, key_pem(key), key_passphrase=None, passphrase="")


def test_pkcs12_round_trip(
    tmp_path: Path, jpeg: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    key = new_key()
    leaf = make_cert(key, "Partner Signer", issuer=partner_ca)
    data = pkcs12.serialize_key_and_certificates(
        b"Partner Signer",
        key,
        leaf,
        [partner_ca[0]],
        serialization.BestAvailableEncryption(b"p12 pass"),
    )
    with pytest.raises(IdentityError, match="PKCS#12 file could not be opened"):
        import_pkcs12(tmp_path, data, p12_password="wrong", passphrase=PASSPHRASE)
    with pytest.raises(IdentityError, match="PKCS#12 file could not be opened"):
        import_pkcs12(tmp_path, b"junk", p12_password=None, passphrase=PASSPHRASE)

    info = import_pkcs12(tmp_path, data, p12_password="p12 pass", passphrase=PASSPHRASE)
    assert info.fingerprint == leaf.fingerprint(hashes.SHA256()).hex()
    assert (tmp_path / "ca.pem").read_bytes() == partner_ca[0].public_bytes(PEM)
    signed = sign_jpeg(load_signing_material(tmp_path, PASSPHRASE), jpeg)
    assert validation_state(signed, trust_anchors_pem(tmp_path)) == "Trusted"


def test_pkcs12_without_key_is_refused(
    tmp_path: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    leaf = make_cert(new_key(), "Partner Signer", issuer=partner_ca)
    data = pkcs12.serialize_key_and_certificates(
        None, None, leaf, None, serialization.NoEncryption()
    )
    with pytest.raises(IdentityError, match="no private key"):
        import_pkcs12(tmp_path, data, p12_password=None, passphrase=PASSPHRASE)


# --- trust anchors and export ----------------------------------------------------------------


def test_add_trust_anchor_rejects_non_ca_and_is_idempotent(
    tmp_path: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    create_identity(tmp_path, "Museum", PASSPHRASE)
    leaf = make_cert(new_key(), "Partner Signer", issuer=partner_ca)
    with pytest.raises(IdentityError, match="is not a CA certificate"):
        add_trust_anchor(tmp_path, leaf.public_bytes(PEM))

    pem = partner_ca[0].public_bytes(PEM)
    fingerprint = add_trust_anchor(tmp_path, pem)
    assert fingerprint == partner_ca[0].fingerprint(hashes.SHA256()).hex()
    assert add_trust_anchor(tmp_path, pem) == fingerprint
    der = partner_ca[0].public_bytes(serialization.Encoding.DER)
    assert add_trust_anchor(tmp_path, der) == fingerprint
    assert [p.name for p in (tmp_path / "trust").iterdir()] == [f"{fingerprint}.pem"]

    bundle = trust_anchors_pem(tmp_path)
    assert bundle is not None
    anchors = x509.load_pem_x509_certificates(bundle.encode())
    own_ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    assert anchors == [own_ca, partner_ca[0]]

    # A partner's anchor survives replacing our own identity.
    create_identity(tmp_path, "Museum", PASSPHRASE, replace=True)
    assert (tmp_path / "trust" / f"{fingerprint}.pem").is_file()


def test_partner_anchor_makes_partner_files_trusted(
    tmp_path: Path, jpeg: Path, partner_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> None:
    partner = tmp_path / "partner"
    key = new_key()
    leaf = make_cert(key, "Partner Signer", issuer=partner_ca)
    import_identity(
        partner, leaf.public_bytes(PEM), key_pem(key), key_passphrase=None, passphrase="p"
    )
    signed = sign_jpeg(load_signing_material(partner, "p"), jpeg)

    ours = tmp_path / "ours"
    create_identity(ours, "Museum", PASSPHRASE)
    assert validation_state(signed, trust_anchors_pem(ours)) == "Valid"
    add_trust_anchor(ours, partner_ca[0].public_bytes(PEM))
    assert validation_state(signed, trust_anchors_pem(ours)) == "Trusted"


def test_export_ca_is_an_anchor_c2pa_accepts(tmp_path: Path, jpeg: Path) -> None:
    folder = tmp_path / "identity"
    create_identity(folder, "Museum", PASSPHRASE, algorithm="Ed25519")
    dest = export_ca(folder, tmp_path / "out" / "museum-ca.pem")
    assert dest == tmp_path / "out" / "museum-ca.pem"
    exported = dest.read_text()
    assert exported.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in exported
    signed = sign_jpeg(load_signing_material(folder, PASSPHRASE), jpeg)
    assert validation_state(signed, exported) == "Trusted"
