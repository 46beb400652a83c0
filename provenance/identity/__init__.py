"""The institution's signing identity: certificate chain and private key, kept offline (no c2pa)."""

from provenance.identity.create import create_identity, renew_signer
from provenance.identity.facts import (
    ALGORITHMS,
    IdentityError,
    IdentityInfo,
    SigningMaterial,
    WrongPassphrase,
)
from provenance.identity.importer import adopt_identity, import_identity, import_pkcs12
from provenance.identity.keystore import load_info, load_signing_material, resolve_passphrase
from provenance.identity.trust import add_trust_anchor, export_ca, trust_anchors_pem

__all__ = [
    "ALGORITHMS",
    "IdentityError",
    "IdentityInfo",
    "SigningMaterial",
    "WrongPassphrase",
    "add_trust_anchor",
    "adopt_identity",
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
