"""Two writers: the library opened by several processes at once (the window and the command line
are separate processes on one SQLite file). No change may be lost, no `database is locked` may
reach the user, and the history chain must stay intact with one entry per change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    SOAK,
    Running,
    assert_library_consistent,
    assert_plain,
    credence,
    db_rows,
    db_scalar,
    run_cli,
    soak,
)
from tests.reliability.test_kill import write_catalog


def writer(library: Path, logs: Path, mode: str, name: str, count: int, *args: str) -> Running:
    argv = [sys.executable, "-m", "tests.reliability.writer", str(library), mode, name]
    return Running([*argv, str(count), *args], logs)


def _no_lock_errors(*texts: str) -> None:
    for text in texts:
        assert "locked" not in text.lower(), text[-2000:]
        assert "busy" not in text.lower(), text[-2000:]


def _setup(library: Path) -> None:
    from provenance import open_library

    with open_library(library, actor="setup") as lib:
        for accession in ("W1", "W2", "W3"):
            lib.create_item({"accession": accession, "title": f"Object {accession}"})
        lib.add_tool("Restorer X", "Acme Imaging", version="2.1", runs="on-device")


def _event_actions(library: Path, accession: str) -> list[str]:
    rows = db_rows(
        library,
        "SELECT e.action FROM events e JOIN items i ON i.id = e.item_id WHERE i.accession = ?",
        accession,
    )
    return [r[0] for r in rows]


def _extra(library: Path, accession: str) -> dict:
    [(extra,)] = db_rows(library, "SELECT extra FROM items WHERE accession = ?", accession)
    return json.loads(extra)


def _every_row_has_its_history(library: Path) -> None:
    """Each item, event and disclosure has its create entry (a lost history write shows here)."""
    for table, entity in (("items", "item"), ("events", "event"), ("disclosures", "disclosure")):
        missing = db_scalar(
            library,
            # NOT IN over a subquery: SQLite builds the set once (history has no entity index).
            f"SELECT count(*) FROM {table} WHERE id NOT IN (SELECT entity_id FROM history "
            f"WHERE entity = '{entity}' AND action = 'create' AND entity_id IS NOT NULL)",
        )
        assert missing == 0, f"{missing} {table} rows have no history entry"


def _catalog_with_cli_and_facade(tmp_path: Path, rows: int, rounds: int, edits: int) -> None:
    library = tmp_path / "lib"
    _setup(library)
    source = write_catalog(tmp_path / "objects.csv", rows)
    catalog = Running(
        credence(library, "catalog", "import", str(source), "--json"), tmp_path / "catalog"
    )
    window = writer(library, tmp_path / "window", "edits", "window", edits, "W1", "W2")
    cli_runs = []
    for i in range(rounds):
        cli_runs.append(
            run_cli(library, "event", "add", "W3", "--action", f"cli-{i}", "--actor", "Registrar")
        )
        cli_runs.append(
            run_cli(
                library,
                *("disclose", "W3", "--category", "ai-restored", "--tool", "Restorer X"),
                *("--purpose", f"reconstruct corner {i}"),
            )
        )
        cli_runs.append(run_cli(library, "review", "W3", "--approve", "--by", "Dana Registrar"))
    assert catalog.finish() == 0, catalog.stderr
    assert window.finish() == 0, window.stderr
    for done in cli_runs:
        assert done.returncode == 0, (done.args, done.stdout, done.stderr)
        assert_plain(done)
        _no_lock_errors(done.stdout, done.stderr)
    _no_lock_errors(catalog.stdout, catalog.stderr, window.stdout, window.stderr)
    report = json.loads(catalog.stdout)
    assert (report["created"], report["rejected"]) == (rows, [])
    result = json.loads(window.stdout)
    assert result["errors"] == [] and len(result["done"]) == edits

    # Every change of every writer is there.
    assert db_scalar(library, "SELECT count(*) FROM items") == rows + 3
    assert sorted(_event_actions(library, "W1")) == sorted(f"window-{i}" for i in range(edits))
    assert _extra(library, "W1") == {"window": str(edits - 1)}
    [(title,)] = db_rows(library, "SELECT title FROM items WHERE accession = 'W2'")
    assert title == f"window title {edits - 1}"
    assert sorted(_event_actions(library, "W3")) == sorted(f"cli-{i}" for i in range(rounds))
    [(state, by, purpose)] = db_rows(
        library,
        "SELECT d.review_state, d.approved_by, d.purpose FROM disclosures d "
        "JOIN items i ON i.id = d.item_id WHERE i.accession = 'W3'",
    )
    assert (state, by, purpose) == (
        "approved",
        "Dana Registrar",
        f"reconstruct corner {rounds - 1}",
    )
    # ... and each change is in the history exactly once.
    by_actor = dict(db_rows(library, "SELECT actor, count(*) FROM history GROUP BY actor"))
    assert by_actor["writer-window"] == 3 * edits  # event, extra field, title
    updates = db_scalar(
        library,
        "SELECT count(*) FROM history WHERE entity = 'item' AND action = 'update' AND item_id = "
        "(SELECT id FROM items WHERE accession = 'W2')",
    )
    assert updates == edits
    reviews = db_scalar(library, "SELECT count(*) FROM history WHERE action = 'review'")
    assert reviews == rounds
    _every_row_has_its_history(library)
    assert_library_consistent(library)


def test_catalog_import_while_the_window_and_the_command_line_edit(tmp_path):
    _catalog_with_cli_and_facade(tmp_path, rows=45_000, rounds=2, edits=120)


@pytest.mark.slow
@soak
def test_catalog_import_while_the_window_and_the_command_line_edit_soak(tmp_path):
    _catalog_with_cli_and_facade(tmp_path, rows=200_000, rounds=12, edits=1500)


def test_two_windows_editing_one_item_lose_no_update(tmp_path):
    """Read-modify-write of one item's extra fields from two processes: both keys survive."""
    library = tmp_path / "lib"
    _setup(library)
    edits = 1000 if SOAK else 80
    first = writer(library, tmp_path / "a", "edits", "alpha", edits, "W1")
    second = writer(library, tmp_path / "b", "edits", "beta", edits, "W1")
    assert first.finish() == 0, first.stderr
    assert second.finish() == 0, second.stderr
    for run in (first, second):
        _no_lock_errors(run.stdout, run.stderr)
        assert json.loads(run.stdout)["errors"] == []
    assert _extra(library, "W1") == {"alpha": str(edits - 1), "beta": str(edits - 1)}
    actions = _event_actions(library, "W1")
    assert len(actions) == 2 * edits == len(set(actions))
    assert (
        db_scalar(
            library, "SELECT count(*) FROM history WHERE entity = 'item' AND action = 'update'"
        )
        == 2 * edits
    )
    _every_row_has_its_history(library)
    assert_library_consistent(library)


def test_accession_race_between_catalog_import_and_window(tmp_path):
    """While a catalog import runs, another process creates items whose accession numbers are
    further down the file: each number ends up on exactly one item, and the loser of each race
    is told so by name (no IntegrityError, no lost row)."""
    library = tmp_path / "lib"
    _setup(library)
    rows = 45_000
    source = write_catalog(tmp_path / "objects.csv", rows)
    contested = [f"K{i:06d}" for i in (*range(20_000, 20_005), *range(44_990, 45_000))]
    catalog = Running(
        credence(library, "catalog", "import", str(source), "--json"), tmp_path / "catalog"
    )
    window = writer(library, tmp_path / "window", "accessions", "window", 0, *contested)
    status = catalog.finish()
    assert window.finish() == 0, window.stderr
    assert status in (0, 1), catalog.stderr
    _no_lock_errors(catalog.stdout, catalog.stderr, window.stdout, window.stderr)
    report = json.loads(catalog.stdout)
    result = json.loads(window.stdout)
    assert result["errors"] == []
    won = set(result["done"])
    refused = {a for a, _reason in result["refused"]}
    assert won | refused == set(contested) and not won & refused
    for _accession, reason in result["refused"]:
        assert "already used" in reason, reason
    # A number the window took before the import read the library is an existing item to the
    # import (updated by key); one taken after that is refused as already used.
    seen = report["updated"] + report["unchanged"] + len(report["rejected"])
    assert report["created"] + seen == rows
    assert seen == len(won)
    for problem in report["rejected"]:
        assert "already used" in problem["reason"], problem
    assert db_scalar(library, "SELECT count(*) FROM items") == rows + 3
    assert db_scalar(library, "SELECT count(DISTINCT accession) FROM items") == rows + 3
    for accession in contested:
        assert db_scalar(library, "SELECT count(*) FROM items WHERE accession = ?", accession) == 1
    _every_row_has_its_history(library)
    assert_library_consistent(library)
