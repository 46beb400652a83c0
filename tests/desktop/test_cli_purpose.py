"""`credence wording --purpose / --restore-purpose`, run as the installed command is: the purpose
translated into one language, a marker where it is not, and plain refusals."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CREDENCE_LIBRARY": str(tmp_path / "lib")}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], capture_output=True, text=True, env=env
    )


def test_purpose_translation_from_the_command_line(tmp_path):
    from provenance import open_library

    with open_library(tmp_path / "lib") as lib:
        lib.create_item({"accession": "W1", "title": "Letter"})
    done = _run(tmp_path, "disclose", "W1", "--category", "ai-restored", "--purpose", "mend tear")
    assert done.returncode == 0, done.stderr
    assert _run(tmp_path, "review", "W1", "--approve", "--by", "Dana Registrar").returncode == 0

    done = _run(tmp_path, "wording", "W1", "--language", "es")
    assert done.returncode == 0
    assert "Finalidad (sin traducir, en inglés): mend tear." in done.stdout

    done = _run(
        tmp_path,
        "wording",
        "W1",
        "--language",
        "es",
        "--purpose",
        "ai-restored=reparar el desgarro",
    )
    assert done.returncode == 0, done.stderr
    assert "purpose translated into es; now draft" in done.stdout
    assert "Finalidad: reparar el desgarro. (your translation of the purpose)" in done.stdout
    assert "(your own sentence)" not in done.stdout  # "purpose:es" is not an own sentence
    english = _run(tmp_path, "wording", "W1", "--lang", "en").stdout
    assert "Purpose: mend tear." in english and "translation" not in english
    german = _run(tmp_path, "wording", "W1", "--lang", "de").stdout
    assert "Zweck (nicht übersetzt, auf Englisch): mend tear." in german

    done = _run(tmp_path, "wording", "W1", "--lang", "es", "--restore-purpose", "ai-restored")
    assert done.returncode == 0 and "purpose translation removed" in done.stdout
    assert "sin traducir" in done.stdout

    for bad, words in (
        (("--purpose", "ai-restored"), "--purpose CATEGORY=TEXT"),
        (("--purpose", "ai-generated=x"), "no ai-generated disclosure"),
        (("--lang", "xx", "--purpose", "ai-restored=x"), "no disclosure wording in 'xx'"),
        (("--lang", "xx"), "no disclosure wording in 'xx'; available: de, en, es, fr, nb"),
    ):
        done = _run(tmp_path, "wording", "W1", *bad)
        assert done.returncode == 2, (bad, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr
    assert _run(tmp_path, "history", "--verify").returncode == 0
