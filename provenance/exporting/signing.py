"""Signing with c2pa: the one map from algorithm names to c2pa's enum, and one process's Signer
and Contexts built from the identity's PEM material."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import c2pa

from provenance.identity import SigningMaterial
from provenance.media.xmp import silence_exiv2_warnings

#: Algorithm names as shown to people (IdentityInfo.algorithm) -> the c2pa-python enum. The
#: identity hands over c2pa's own spelling (the same names in lower case): both are accepted.
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
_BY_LOWER = {name.lower(): alg for name, alg in C2PA_ALG.items()}


def c2pa_alg(name: str) -> c2pa.C2paSigningAlg:
    """c2pa's enum for an algorithm name in either spelling ("ES256" or "es256")."""
    return _BY_LOWER[name.lower()]


class Signing:
    """One process's c2pa Signer and Context, built from PEM bytes."""

    def __init__(self, key: SigningMaterial) -> None:
        info = c2pa.C2paSignerInfo(c2pa_alg(key.algorithm), key.chain_pem, key.key_pem, None)
        self.signer = c2pa.Signer.from_info(info)
        # The app makes its own thumbnail from a reduced decode (much cheaper than the SDK's).
        settings = {
            "builder": {"thumbnail": {"enabled": False}},
            "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        }
        with c2pa.Settings.from_dict(settings) as native:
            self.context = c2pa.Context(settings=native)
        # Reading back only the manifest label of a file we just signed: no validation needed.
        settings["verify"]["verify_after_reading"] = False
        with c2pa.Settings.from_dict(settings) as native:
            self.label_context = c2pa.Context(settings=native)
        self.fingerprint = key.fingerprint
        silence_exiv2_warnings()

    def manifest_label(self, path: Path, mime: str) -> str | None:
        """The active manifest's label (its id) in a file this process signed."""
        with open(path, "rb") as stream, c2pa.Reader(mime, stream, context=self.label_context) as r:
            return json.loads(r.json()).get("active_manifest")

    def close(self) -> None:
        """Release the native Signer and Contexts."""
        self.signer.close()
        self.context.close()
        self.label_context.close()
