"""Tamper evidence through the command line: history rows edited, deleted, reordered or forged
directly in the database are caught by `credence history --verify` (exit 1), which names the
first broken entry; an untouched library verifies (exit 0).

Known limits (by design of a local, unkeyed hash chain; see docs/RELIABILITY.md): someone who
rewrites the whole chain from an entry onwards *and* the head record, or cuts entries off the end
*and* moves the head back, is not detected locally.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from provenance.store.history import entry_hash
from tests.reliability.conftest import assert_plain, run_cli

ENTRIES = 12


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A library with exactly ENTRIES history entries of several kinds."""
    from provenance import open_library

    library = tmp_path_factory.mktemp("tamper") / "lib"
    with open_library(library, actor="alice") as lib:
        lib.create_item({"accession": "T1", "title": "One"})  # 1
        lib.create_item({"accession": "T2", "title": "Two"})  # 2
        for title in ("Uno", "Eins", "Un"):  # 3, 4, 5
            lib.update_item("T1", {"title": title})
        lib.add_tool("Restorer X", "Acme", version="2")  # 6
        lib.add_event("T1", "acquired", "Gallery", date="1890~")  # 7
        lib.disclose("T1", "ai-restored", tools=["Restorer X"])  # 8
        lib.review("T1", "approved", "Dana Registrar")  # 9
        lib.update_item("T2", {"maker": "Ann"})  # 10
        lib.add_event("T2", "digitised", "Studio", date="2026-03")  # 11
        lib.update_item("T2", {}, extra={"shelf": "B4"})  # 12
        assert len(lib.history()) == ENTRIES
    return library


@pytest.fixture
def library(pristine, tmp_path) -> Path:
    copy = tmp_path / "lib"
    shutil.copytree(pristine, copy)
    return copy


def tamper(library: Path, *statements: str) -> None:
    conn = sqlite3.connect(library / "library.sqlite")
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def verify(library: Path, capsys) -> tuple[int, str, dict]:
    """`credence history --verify` (text and --json), run in-process: the same code path as
    the command, without paying for a new interpreter per case."""
    from desktop.cli import main

    status = main(["--library", str(library), "history", "--verify"])
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out
    json_status = main(["--library", str(library), "history", "--verify", "--json"])
    as_json, _ = capsys.readouterr()
    assert json_status == status
    return status, out.strip(), json.loads(as_json)


def test_the_real_command_exits_1_on_a_broken_chain(library):
    assert run_cli(library, "history", "--verify").returncode == 0
    tamper(library, "UPDATE history SET actor = 'mallory' WHERE seq = 3")
    done = run_cli(library, "history", "--verify")
    assert_plain(done)
    assert done.returncode == 1
    assert (
        done.stdout.strip() == "History broken at entry 3: entry 3 was edited after it was written"
    )


def test_an_untouched_library_verifies(library, capsys):
    status, message, result = verify(library, capsys)
    assert status == 0 and message == f"History intact: {ENTRIES} entries checked."
    assert result == {
        "ok": True,
        "checked": ENTRIES,
        "first_broken": None,
        "reason": None,
        "damaged": False,
    }


def _forge_hash(library: Path, seq: int) -> str:
    """What an attacker without a key can do: recompute one entry's own hash."""
    conn = sqlite3.connect(library / "library.sqlite")
    try:
        row = conn.execute(
            "SELECT seq, at, actor, entity, entity_id, item_id, action, before_json, "
            "after_json, note, prev_hash FROM history WHERE seq = ?",
            (seq,),
        ).fetchone()
    finally:
        conn.close()
    return entry_hash(*row)


CASES = {
    # name: (SQL, first broken entry, words the reason uses)
    "edited value": (
        ['UPDATE history SET after_json = \'{"title":"Forged"}\' WHERE seq = 4'],
        4,
        "edited",
    ),
    "edited actor": (["UPDATE history SET actor = 'mallory' WHERE seq = 2"], 2, "edited"),
    "edited time": (["UPDATE history SET at = '2001-01-01T00:00:00Z' WHERE seq = 7"], 7, "edited"),
    "edited item": (["UPDATE history SET item_id = 2 WHERE seq = 8"], 8, "edited"),
    "edited action": (["UPDATE history SET action = 'delete' WHERE seq = 11"], 11, "edited"),
    "edited first entry": (["UPDATE history SET before_json = '{}' WHERE seq = 1"], 1, "edited"),
    "edited last entry": (["UPDATE history SET note = 'hello' WHERE seq = 12"], 12, "edited"),
    "deleted middle entry": (["DELETE FROM history WHERE seq = 3"], 3, "missing"),
    "deleted first entry": (["DELETE FROM history WHERE seq = 1"], 1, "missing"),
    "deleted last entry": (
        ["DELETE FROM history WHERE seq = 12"],
        12,
        "last 1 entries were removed",
    ),
    "deleted last 4 entries": (
        ["DELETE FROM history WHERE seq > 8"],
        9,
        "last 4 entries were removed",
    ),
    "deleted every entry": (["DELETE FROM history"], 1, "last 12 entries were removed"),
    "reordered entries": (
        [
            "UPDATE history SET seq = -5 WHERE seq = 5",
            "UPDATE history SET seq = 5 WHERE seq = 6",
            "UPDATE history SET seq = 6 WHERE seq = -5",
        ],
        5,
        "does not follow",
    ),
    "relinked entry": (["UPDATE history SET prev_hash = hash WHERE seq = 6"], 6, "does not follow"),
    "forged entry appended": (
        [
            "INSERT INTO history (seq, at, actor, entity, entity_id, item_id, action, before_json,"
            " after_json, note, prev_hash, hash) SELECT 13, at, actor, entity, entity_id, item_id,"
            " action, before_json, after_json, note, hash, hash FROM history WHERE seq = 12"
        ],
        13,
        "edited",
    ),
    "head record removed": (["DELETE FROM meta WHERE key = 'history_head'"], 1, "head"),
}


@pytest.mark.parametrize("case", CASES, ids=lambda name: name.replace(" ", "-"))
def test_tampering_is_detected_and_the_first_broken_entry_named(library, case, capsys):
    statements, first_broken, words = CASES[case]
    tamper(library, *statements)
    status, message, result = verify(library, capsys)
    assert status == 1, message
    match = re.fullmatch(r"History broken at entry (\d+): (.+)", message)
    assert match, message
    assert int(match.group(1)) == first_broken == result["first_broken"], message
    assert words in match.group(2), message
    assert result["ok"] is False and result["reason"] == match.group(2)


def test_an_edit_whose_own_hash_is_recomputed_is_caught_at_the_next_entry(library, capsys):
    tamper(library, 'UPDATE history SET after_json = \'{"title":"Forged"}\' WHERE seq = 4')
    tamper(library, f"UPDATE history SET hash = '{_forge_hash(library, 4)}' WHERE seq = 4")
    status, message, result = verify(library, capsys)
    assert status == 1 and result["first_broken"] == 5, message
    assert "entry 5 does not follow entry 4" in message


def test_a_forged_but_well_hashed_entry_is_caught_by_the_head(library, capsys):
    tamper(
        library,
        "INSERT INTO history (seq, at, actor, entity, entity_id, item_id, action, before_json,"
        " after_json, note, prev_hash, hash) SELECT 13, at, 'mallory', entity, entity_id, item_id,"
        " action, before_json, after_json, note, hash, '' FROM history WHERE seq = 12",
    )
    tamper(library, f"UPDATE history SET hash = '{_forge_hash(library, 13)}' WHERE seq = 13")
    status, message, result = verify(library, capsys)
    assert status == 1, message
    assert result["first_broken"] == 13, message  # the first entry the head does not cover
