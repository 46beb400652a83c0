"""Test helpers: a throwaway institution CA, an end-entity signing certificate and C2PA signing.

Real signing with real certificates (house rule 8), generated fresh for each test session so no
private key ever lives in the repository. The certificate profile is the one c2pa-rs accepts for
offline signing: an ES256 end-entity certificate with keyUsage digitalSignature and EKU
emailProtection, issued by a CA (a lone self-signed certificate is refused).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

IPTC_DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class SigningIdentity:
    """PEM material for one test institution: its CA and an end-entity signer under it."""

    organisation: str
    ca_cert_pem: str
    cert_chain_pem: str  # end-entity certificate followed by the CA certificate
    private_key_pem: str


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_signing_identity(organisation: str = "Credence Test Museum") -> SigningIdentity:
    """Generate a CA and an ES256 end-entity certificate that c2pa-rs accepts for signing."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation} Root CA", organisation)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    ee_key = ec.generate_private_key(ec.SECP256R1())
    ee_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} Signer", organisation))
        .issuer_name(ca_name)
        .public_key(ee_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ee_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    return SigningIdentity(
        organisation=organisation,
        ca_cert_pem=ca_cert.public_bytes(pem).decode("ascii"),
        cert_chain_pem=(ee_cert.public_bytes(pem) + ca_cert.public_bytes(pem)).decode("ascii"),
        private_key_pem=ee_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
    )


def make_jpeg(path: Path, size: tuple[int, int] = (96, 64)) -> Path:
    """Write a small, non-uniform RGB JPEG (so pixel bytes are not all alike) and return path."""
    im = Image.new("RGB", size)
    im.putdata(
        [
            ((x * 5) % 256, (y * 7) % 256, (x * y) % 256)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    im.save(path, "JPEG", quality=90)
    return path


def sign_file(
    source: Path,
    dest: Path,
    identity: SigningIdentity,
    *,
    title: str = "Test image",
    digital_source_type: str = "digitalCapture",
    parameters: dict | None = None,
    mime: str = "image/jpeg",
) -> None:
    """Sign ``source`` into ``dest`` with one c2pa.created action, offline (no timestamp).

    ``digital_source_type`` may be a bare IPTC term or a full URI; c2pa-rs requires one on
    c2pa.created. ``parameters`` become the action's parameters (vendor keys and all).
    """
    action: dict = {
        "action": "c2pa.created",
        "digitalSourceType": (
            digital_source_type
            if digital_source_type.startswith("http")
            else IPTC_DST + digital_source_type
        ),
    }
    if parameters:
        action["parameters"] = parameters
    manifest = {
        "claim_generator_info": [{"name": "Credence tests", "version": "0.1"}],
        "title": title,
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}],
    }
    info = c2pa.C2paSignerInfo(
        c2pa.C2paSigningAlg.ES256,
        identity.cert_chain_pem.encode("ascii"),
        identity.private_key_pem.encode("ascii"),
        None,
    )
    # The builder's own thumbnail is not needed for tests and costs time.
    settings = {"builder": {"thumbnail": {"enabled": False}}}
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(json.dumps(manifest), context) as builder,
        source.open("rb") as src,
    ):
        out = io.BytesIO()
        builder.sign(signer, mime, src, out)
    dest.write_bytes(out.getvalue())


def corrupt_jpeg_scan_data(path: Path) -> None:
    """Flip one byte inside the JPEG entropy-coded data (after the last SOS marker).

    That changes the pixels but leaves every header and the embedded manifest intact, so the
    C2PA hard binding (data hash) no longer matches.
    """
    data = bytearray(path.read_bytes())
    sos = data.rfind(b"\xff\xda")
    assert sos > 0, "no SOS marker"
    # Skip the SOS header (its length field) and land a few bytes into the scan.
    seg_len = int.from_bytes(data[sos + 2 : sos + 4], "big")
    target = sos + 2 + seg_len + 16
    assert target < len(data) - 2
    # XOR with a value that cannot create a 0xFF marker byte from an ordinary byte.
    data[target] = data[target] ^ 0x01 if data[target] not in (0xFE, 0xFF) else 0x10
    path.write_bytes(bytes(data))
