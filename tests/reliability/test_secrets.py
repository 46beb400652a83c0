"""Secrets and privacy: the private keys are encrypted and private to the user, a wrong passphrase
fails cleanly, and no passphrase or key material reaches the log, the database, the exports or
the manifests. Exports carry no absolute local path and not the account name.

The whole workflow runs through the real command line with the passphrase in the environment
(as a script would), from a library under a folder with a distinctive name and with the
account name set to a distinctive value, then every byte Credence wrote is searched.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import stat
from pathlib import Path

import c2pa
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import data_file
from tests.reliability.conftest import (
    PASS,
    assert_history_verifies,
    assert_plain,
    cli_env,
    db_rows,
    db_scalar,
    make_jpegs,
    run_cli,
)

WRONG = "wrong-passphrase-5e1f!"
FOLDER_NAME = "secret-home-dir-xyz"
ACCOUNT = "acct-qwz-name"


def _pem_body_lines(pem: bytes) -> list[bytes]:
    return [line for line in pem.splitlines() if line and not line.startswith(b"-----")]


def _key_material(identity: Path) -> list[bytes]:
    """Every spelling of the private keys that must never leave identity/ in clear."""
    secrets: list[bytes] = []
    for name in ("signer-key.pem", "ca-key.pem"):
        encrypted = (identity / name).read_bytes()
        secrets += [line for line in _pem_body_lines(encrypted) if len(line) >= 40]
        key = serialization.load_pem_private_key(encrypted, PASS.encode())
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        secrets += [der, base64.b64encode(der)[:48]]
        secrets += [line for line in _pem_body_lines(pem) if len(line) >= 40]
        if isinstance(key, ec.EllipticCurvePrivateKey):
            size = (key.curve.key_size + 7) // 8
            scalar = key.private_numbers().private_value.to_bytes(size, "big")
            secrets += [scalar, scalar.hex().encode(), scalar.hex().upper().encode()]
    return secrets


def _manifest_json(path: Path, mime: str) -> str:
    settings = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        open(path, "rb") as stream,
        c2pa.Reader(mime, stream, context=context) as reader,
    ):
        return reader.json()


def _database_text(library: Path) -> str:
    conn = sqlite3.connect(library / "library.sqlite")
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """A full working session through the command line; returns what it produced.

    Module-scoped (it takes a while), so it isolates HOME and the XDG folders itself: the
    suite's autouse isolation is per test and not yet in place here.
    """
    root = tmp_path_factory.mktemp("secrets")
    home = root / FOLDER_NAME
    library = home / "lib"
    masters = home / "masters"
    make_jpegs(masters, 3)
    for rel in ("c2pa-fixtures/CA.jpg", "c2pa-fixtures/libpng-test.png"):
        src = data_file(rel)
        (masters / src.name).write_bytes(src.read_bytes())
    user_home = root / "user-home"
    env = cli_env(
        HOME=str(user_home),
        XDG_DATA_HOME=str(user_home / "data"),
        XDG_STATE_HOME=str(user_home / "state"),
        XDG_CONFIG_HOME=str(user_home / "config"),
        CREDENCE_LIBRARY=None,
        CREDENCE_USER=None,
        LOGNAME=ACCOUNT,
        USER=ACCOUNT,
        LNAME=ACCOUNT,
        USERNAME=ACCOUNT,
    )
    runs = []

    def cli(*args: str, environment=None):
        done = run_cli(library, *args, env=environment or env)
        runs.append(done)
        return done

    catalog = home / "objects.csv"
    catalog.write_text(
        "accession,title,maker\n"
        + "".join(f"{p.stem},Object {p.stem},Unknown\n" for p in sorted(masters.iterdir())),
        encoding="utf-8",
    )
    assert cli("identity", "create", "--org", "Secrets Test Museum").returncode == 0
    assert cli("catalog", "import", str(catalog)).returncode == 0
    assert cli("import", str(masters)).returncode == 0  # files attach to items by accession
    assert cli("tool", "add", "Restorer X", "--vendor", "Acme", "--version", "2").returncode == 0
    assert cli("event", "add", "CA", "--action", "digitised", "--actor", "Studio").returncode == 0
    done = cli("disclose", "CA", "--category", "ai-restored", "--tool", "Restorer X")
    assert done.returncode == 0, done.stderr
    assert cli("review", "CA", "--approve", "--by", "Dana Registrar").returncode == 0
    out = home / "exports"
    exported = cli("export", "--all", "--out", str(out), "--json")
    assert exported.returncode == 0, exported.stderr
    assert cli("catalog", "export", str(home / "catalog.csv")).returncode == 0
    # Failures, and a hostile catalog (it once caused an unexpected error), for the log.
    wrong = {**env, "CREDENCE_PASSPHRASE": WRONG}
    assert cli("export", "--all", "--out", str(home / "wrong"), environment=wrong).returncode == 1
    nested = home / "nested.json"
    nested.write_text('[{"accession": "N", "title": ' + "[" * 50_000 + "]" * 50_000 + "}]")
    cli("catalog", "import", str(nested))
    assert cli("history", "--verify").returncode == 0
    return {"root": root, "home": home, "library": library, "out": out, "runs": runs, "env": env}


def test_private_keys_are_encrypted_and_private(workflow):
    identity = workflow["library"] / "identity"
    assert stat.S_IMODE(identity.stat().st_mode) & 0o077 == 0, oct(identity.stat().st_mode)
    for name in ("signer-key.pem", "ca-key.pem"):
        path = identity / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (name, oct(path.stat().st_mode))
        data = path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"), name
        with pytest.raises(TypeError):  # cryptography: "password was not given"
            serialization.load_pem_private_key(data, None)
        with pytest.raises(ValueError):
            serialization.load_pem_private_key(data, WRONG.encode())
        serialization.load_pem_private_key(data, PASS.encode())
    for other in identity.rglob("*"):
        if other.is_file() and other.name not in ("signer-key.pem", "ca-key.pem"):
            assert b"PRIVATE KEY" not in other.read_bytes(), other.name


@pytest.mark.parametrize("how", ["environment", "file", "none"])
def test_a_wrong_or_missing_passphrase_fails_cleanly(workflow, tmp_path, how):
    library, env = workflow["library"], dict(workflow["env"])
    exports = db_scalar(library, "SELECT count(*) FROM exports")
    history = db_scalar(library, "SELECT count(*) FROM history")
    out = tmp_path / "refused"
    args = ["export", "--all", "--out", str(out)]
    if how == "environment":
        env["CREDENCE_PASSPHRASE"] = WRONG
    elif how == "file":
        secret = tmp_path / "pass.txt"
        secret.write_text(WRONG + "\n")
        args += ["--passphrase-file", str(secret)]
    else:
        env.pop("CREDENCE_PASSPHRASE")
    done = run_cli(library, *args, env=env)
    assert done.returncode == 1
    assert_plain(done)
    assert done.stdout == ""
    expected = (
        "no passphrase given" if how == "none" else "the passphrase does not unlock the signing key"
    )
    assert done.stderr.startswith(f"credence: {expected}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert WRONG not in done.stderr and PASS not in done.stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert db_scalar(library, "SELECT count(*) FROM exports") == exports
    assert db_scalar(library, "SELECT count(*) FROM history") == history
    assert_history_verifies(library)


def test_no_secret_in_logs_database_exports_or_manifests(workflow):
    home, library = workflow["home"], workflow["library"]
    secrets = [PASS.encode(), WRONG.encode(), *_key_material(library / "identity")]
    # The needles are spelled right: the encrypted key's own lines are found in its file.
    assert any(s in (library / "identity" / "signer-key.pem").read_bytes() for s in secrets)

    places: dict[str, bytes] = {}
    log_dir = Path(workflow["env"]["XDG_STATE_HOME"]) / "Credence" / "log"
    logs = sorted(log_dir.glob("*"))
    assert logs, "the commands above write a log"
    for path in logs:
        places[f"log {path.name}"] = path.read_bytes()
    for path in library.rglob("*"):
        if path.is_file() and "identity" not in path.relative_to(library).parts:
            places[f"library {path.relative_to(library)}"] = path.read_bytes()
    places["database dump"] = _database_text(library).encode()
    exported = dict(
        db_rows(library, "SELECT e.path, a.mime FROM exports e JOIN assets a ON a.id = e.asset_id")
    )
    assert len(exported) == 5
    for path, mime in exported.items():
        places[f"export {Path(path).name}"] = Path(path).read_bytes()
        places[f"manifest {Path(path).name}"] = _manifest_json(Path(path), mime).encode()
    places["catalog.csv"] = (home / "catalog.csv").read_bytes()
    for n, done in enumerate(workflow["runs"]):
        places[f"output of command {n}"] = (done.stdout + done.stderr).encode()

    leaks = [
        (where, n)
        for where, data in places.items()
        for n, secret in enumerate(secrets)
        if secret in data
    ]
    assert leaks == [], f"secret material found: {leaks}"


def test_exports_carry_no_local_path_or_account_name(workflow):
    library = workflow["library"]
    # The setup took effect: history records the account name when CREDENCE_USER is not set.
    actors = {a for (a,) in db_rows(library, "SELECT DISTINCT actor FROM history")}
    assert actors == {ACCOUNT}
    private = [FOLDER_NAME, ACCOUNT, str(workflow["root"]), workflow["env"]["HOME"], "/tmp/"]
    exported = dict(
        db_rows(library, "SELECT e.path, a.mime FROM exports e JOIN assets a ON a.id = e.asset_id")
    )
    found = []
    for path, mime in exported.items():
        data = Path(path).read_bytes()
        manifest = _manifest_json(Path(path), mime)
        for text in private:
            if text.encode() in data:
                found.append((Path(path).name, "bytes", text))
            if text in manifest or json.dumps(text)[1:-1] in manifest:
                found.append((Path(path).name, "manifest", text))
    assert found == [], found
