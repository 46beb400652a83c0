"""`credence identity ...` and `credence trust add`: who signs, and whom verification trusts."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli.output import say, warn
from desktop.cli.parsing import UsageError, Verbs
from desktop.cli.passphrase import passphrase, read_file, read_secret_file
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library

#: The algorithms offered for a new identity: the two every reader handles well (the core can
#: generate more; the window offers the same two).
NEW_IDENTITY_ALGORITHMS = ("ES256", "Ed25519")


def register(verbs: Verbs) -> None:
    """Add the `identity` and `trust` verbs and their actions."""
    identity = verbs.add_parser("identity", help="the institution's signing identity")
    actions = identity.add_subparsers(dest="identity_verb", metavar="ACTION", required=True)
    p = actions.add_parser("create", help="generate a root CA and a signing certificate")
    p.add_argument("--org", required=True, metavar="NAME", help="the institution's name")
    p.add_argument("--algorithm", choices=NEW_IDENTITY_ALGORITHMS, default="ES256")
    p.add_argument("--passphrase-file", type=Path, metavar="F")
    p.add_argument("--replace", action="store_true", help="replace an existing identity")
    p.set_defaults(run=run_identity_create)
    p = actions.add_parser("import", help="use a certificate issued by a CA")
    p.add_argument("--cert", type=Path, metavar="CHAIN.pem")
    p.add_argument("--key", type=Path, metavar="KEY.pem")
    p.add_argument("--key-passphrase-file", type=Path, metavar="F")
    p.add_argument("--pkcs12", type=Path, metavar="FILE.p12")
    p.add_argument("--pkcs12-password-file", type=Path, metavar="F")
    p.add_argument("--passphrase-file", type=Path, metavar="F")
    p.set_defaults(run=run_identity_import)
    actions.add_parser("show", help="show the signing certificate").set_defaults(
        run=run_identity_show
    )
    p = actions.add_parser("export-ca", help="write the trust bundle for partners")
    p.add_argument("file", type=Path, metavar="FILE.pem")
    p.set_defaults(run=run_identity_export_ca)

    trust = verbs.add_parser("trust", help="trust anchors used when verifying")
    actions = trust.add_subparsers(dest="trust_verb", metavar="ACTION", required=True)
    p = actions.add_parser("add", help="trust a partner's CA certificate")
    p.add_argument("file", type=Path, metavar="CA.pem")
    p.set_defaults(run=run_trust_add)


def print_identity(info: Any) -> None:
    """The signing certificate in three lines, and a warning when it expires soon."""
    say(f"Signing identity: {info.common_name} ({info.organisation}), {info.algorithm}")
    say(f"  issued by {info.issuer}; valid until {info.not_after:%Y-%m-%d} ({info.days_left} days)")
    say(f"  fingerprint SHA-256 {info.fingerprint}")
    warning = info.expiry_warning()
    if warning:
        warn(warning)


def run_identity_show(lib: Library, args: Namespace) -> int:
    """Show the identity; 1 when there is none yet."""
    info = lib.identity_info()
    if info is None:
        say("No signing identity yet: credence identity create --org NAME")
        return EXIT_REJECTED
    print_identity(info)
    return EXIT_OK


def run_identity_export_ca(lib: Library, args: Namespace) -> int:
    """Write the CA certificate partners add to their readers' trust lists."""
    path = lib.export_trust_bundle(args.file)
    say(f"wrote the trust bundle to {path}; partners add it to their readers' trust lists")
    return EXIT_OK


def run_identity_create(lib: Library, args: Namespace) -> int:
    """Generate a CA and a signing certificate, the key encrypted with a new passphrase."""
    info = lib.create_identity(
        args.org,
        passphrase(args, confirm=True),
        algorithm=args.algorithm,
        replace=args.replace,
    )
    print_identity(info)
    return EXIT_OK


def run_identity_import(lib: Library, args: Namespace) -> int:
    """Use a certificate chain and key (PEM files or one PKCS#12 file) issued elsewhere."""
    if args.pkcs12 is None and (args.cert is None or args.key is None):
        raise UsageError("give --cert CHAIN.pem and --key KEY.pem, or --pkcs12 FILE.p12")
    info = lib.import_identity(
        passphrase(args, confirm=True),
        cert_chain_pem=read_file(args.cert) if args.cert else None,
        key_pem=read_file(args.key) if args.key else None,
        key_passphrase=read_secret_file(args.key_passphrase_file),
        pkcs12=read_file(args.pkcs12) if args.pkcs12 else None,
        pkcs12_password=read_secret_file(args.pkcs12_password_file),
    )
    print_identity(info)
    return EXIT_OK


def run_trust_add(lib: Library, args: Namespace) -> int:
    """Trust a partner's CA when verifying."""
    fingerprint = lib.add_trust_anchor(read_file(args.file))
    say(f"trusted CA {fingerprint[:16]}... for verification")
    return EXIT_OK
