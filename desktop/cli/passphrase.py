"""Passphrases and other secrets the command line reads: prompt, file or environment."""

from __future__ import annotations

import getpass
import os
import sys
from argparse import Namespace
from pathlib import Path

from desktop.cli.parsing import UsageError
from provenance import LibraryError


def passphrase(args: Namespace, *, confirm: bool = False) -> str:
    """The identity passphrase from --passphrase-file, CREDENCE_PASSPHRASE or the prompt
    (asked twice with `confirm`). With no terminal to ask on, the core says what to do."""

    def prompt(message: str) -> str:
        if not sys.stdin.isatty():
            return ""
        try:
            first = getpass.getpass(message)
            if confirm and getpass.getpass("Repeat the passphrase: ") != first:
                raise UsageError("the two passphrases differ")
        except EOFError:
            raise LibraryError(
                "no passphrase was typed (the input ended with Ctrl-D); nothing was changed"
            ) from None
        return first

    from provenance import resolve_passphrase

    return resolve_passphrase(passphrase_file=args.passphrase_file, env=os.environ, prompt=prompt)


def read_secret_file(path: Path | None) -> str | None:
    """The first line of a secret file (a key's passphrase, a PKCS#12 password), or None."""
    if path is None:
        return None
    text = read_file(path).decode("utf-8")
    return text.splitlines()[0] if text else ""


def read_file(path: Path) -> bytes:
    """The bytes of a file named on the command line (a certificate, a key); UsageError
    naming it when it cannot be read (missing, a name too long, ...)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
