"""How a signing identity is kept on disk (keys encrypted at rest) and read back: its facts,
the signing material, and the passphrase that unlocks it.

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
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from provenance.identity.facts import (
    CA_FILE,
    CA_KEY_FILE,
    CHAIN_FILE,
    KEY_FILE,
    PASSPHRASE_ENV,
    IdentityError,
    IdentityInfo,
    SigningMaterial,
    WrongPassphrase,
    _algorithm_of,
    _day,
    _fingerprint,
    _info,
    _issued_by,
    _PrivateKey,
    _require_matching,
    _supported_key,
    _utcnow,
)
from provenance.media.output import write_atomic


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
        # c2pa-python names its algorithms as these display names in lower case ("es256");
        # the one map from name to c2pa's enum is provenance.exporting.signing.C2PA_ALG.
        algorithm=algorithm.lower(),
        fingerprint=_fingerprint(leaf),
    )


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
    write_atomic(folder / KEY_FILE, _encrypt(key, passphrase), mode=0o600)
    if replace_root:
        if root_key is not None:
            write_atomic(folder / CA_KEY_FILE, _encrypt(root_key, passphrase), mode=0o600)
        if root is not None:
            write_atomic(folder / CA_FILE, root.public_bytes(serialization.Encoding.PEM))
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    write_atomic(folder / CHAIN_FILE, pem)
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
