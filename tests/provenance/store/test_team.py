"""A team library on PostgreSQL: opening by URL, who writes, search in many languages, a stale
edit, writers in several processes at once, and a writer killed mid-transaction."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from provenance import LibraryError, StaleEdit, open_library
from tests.conftest import tamper
from tests.provenance.store import team_writers

pytestmark = pytest.mark.usefixtures("pg_cluster")


def test_a_team_library_opens_by_url_and_keeps_its_files_on_this_workstation(
    pg_url, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with open_library(pg_url) as lib:
        assert lib.team and lib.actor == "alice"  # the role the server authenticated
        item = lib.create_item({"accession": "1976.37", "title": "Harbour at dusk"})
        assert item.version == 1
        lib.create_identity("Team Museum", "pw")
        folder = lib.folder
    # The workstation's own folder, keyed by server and database; nothing in the working
    # directory (no folder named "postgresql:").
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert folder.is_relative_to(data_home / "Credence" / "Team libraries")
    assert pg_url.split("@/", 1)[1].split("?")[0] in folder.name
    assert (folder / "identity" / "signer-key.pem").is_file()
    assert list(tmp_path.iterdir()) == []
    # The signing key never enters the database.
    key = (folder / "identity" / "signer-key.pem").read_text()
    with open_library(pg_url.replace("postgresql://", "postgresql+psycopg://")) as again:
        assert again.get_item("1976.37").title == "Harbour at dusk"
        assert again.folder == folder
        entries = again.history()
        assert [e.action for e in entries][:1] == ["create"]
        assert all("PRIVATE KEY" not in json.dumps(e.to_dict()) for e in entries)
        assert again.verify_history().ok
    assert "PRIVATE KEY" in key


def test_who_wrote_is_the_database_role(pg_cluster, pg_url):
    db = pg_url.split("@/", 1)[1].split("?")[0]
    pg_cluster.sql("postgres", "CREATE ROLE bob LOGIN IN ROLE alice")
    try:
        with open_library(pg_url) as lib:
            lib.create_item({"accession": "W1", "title": "One"})
        with open_library(pg_cluster.url(db, role="bob")) as lib:
            assert lib.actor == "bob"
            lib.update_item("W1", {"title": "Two"})
            assert [(e.action, e.actor) for e in lib.history("W1")] == [
                ("create", "alice"),
                ("update", "bob"),
            ]
            assert lib.verify_history().ok
    finally:
        pg_cluster.sql("postgres", "DROP ROLE bob")


def test_a_stale_edit_names_who_changed_it_and_changes_nothing(pg_url):
    with open_library(pg_url) as mine, open_library(pg_url) as theirs:
        mine.create_item({"accession": "1976.37", "title": "Harbour"})
        seen = mine.get_item("1976.37")
        theirs.update_item("1976.37", {"title": "Harbour at dusk"}, expected_version=seen.version)
        with pytest.raises(StaleEdit, match=r"item 1976\.37 was changed by alice at .*reload"):
            mine.update_item("1976.37", {"title": "Harbour, 1890"}, expected_version=seen.version)
        now = mine.get_item("1976.37")
        assert now.title == "Harbour at dusk" and now.version == seen.version + 1
        # Reloaded, the same change goes through.
        mine.update_item("1976.37", {"title": "Harbour, 1890"}, expected_version=now.version)
        assert [e.action for e in mine.history("1976.37")] == ["create", "update", "update"]
        assert mine.verify_history().ok


def test_a_stale_edit_is_refused_on_sqlite_too(tmp_path):
    with open_library(tmp_path / "lib") as lib:
        lib.create_item({"accession": "S1", "title": "One"})
        seen = lib.get_item("S1")
        lib.update_item("S1", {"title": "Two"})
        with pytest.raises(StaleEdit, match="changed by test-registrar"):
            lib.update_item("S1", {"title": "Three"}, expected_version=seen.version)
        assert lib.get_item("S1").title == "Two"


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("cremieux", ["A1"]),  # accents removed on both sides
        ("CRÉM", ["A1"]),  # a prefix, any case
        ("1976.37", ["A2"]),  # punctuation splits words, as FTS5 does
        ("37", ["A2"]),
        ("гавань", ["A3"]),  # Cyrillic, lower-cased by the server
        ("ГАВ", ["A3"]),
        ("ميناء", ["A4"]),  # Arabic
        ("Hafen abend", ["A5"]),  # every word must match
        ("Hafen morgen", []),
        ("harbour", ["A2"]),  # an extra field's value
        ("'\"&|!:*()<->", []),  # query syntax typed by a person is plain text
        ("a' | 'b", []),
    ],
)
def test_search_on_postgresql_finds_words_as_fts5_does(pg_url, typed, found):
    with open_library(pg_url) as lib:
        lib.create_item({"accession": "A1", "title": "Portrait", "maker": "Léon Crémieux"})
        lib.create_item({"accession": "A2", "title": "Ship"}, extra={"Place": "Harbour"})
        lib.update_item("A2", {"accession": "1976.37"})
        lib.create_item({"accession": "A3", "title": "Гавань вечером"})
        lib.create_item({"accession": "A4", "title": "ميناء الإسكندرية"})
        lib.create_item({"accession": "A5", "title": "Der Hafen am Abend"})
        expected = ["1976.37" if a == "A2" else a for a in found]
        assert [i.accession for i in lib.list_items(typed)] == expected
        assert lib.count_items(typed) == len(expected)


def test_search_follows_keywords_and_deletions(pg_url):
    with open_library(pg_url) as lib:
        lib.create_item({"accession": "K1", "title": "Vase"})
        lib.tag(["K1"], add=["Blauweiß"])
        assert [i.accession for i in lib.list_items("blauwei")] == ["K1"]
        lib.delete_item("K1")
        assert lib.list_items("vase") == []


def test_a_wrong_address_is_named_without_the_password(pg_cluster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"postgresql://alice:s3cret-pw@/no_such_library?host={pg_cluster.socket_dir}"
    with pytest.raises(LibraryError) as caught:
        open_library(url)
    message = str(caught.value)
    assert "s3cret" not in message and "does not exist" in message
    assert "alice:***@" in message
    with pytest.raises(LibraryError, match="two slashes"):
        open_library(Path("postgresql://db.example/credence"))  # a Path ate a slash
    with pytest.raises(LibraryError, match="psycopg 3"):
        open_library("postgresql+psycopg2://db.example/credence")
    assert list(tmp_path.iterdir()) == []


def test_tampering_on_the_server_is_detected(pg_url):
    with open_library(pg_url) as lib:
        lib.create_item({"accession": "T1", "title": "One"})
        lib.update_item("T1", {"title": "Two"})
        tamper(lib, "UPDATE history SET actor = 'mallory' WHERE seq = 2")
        result = lib.verify_history()
        assert not result.ok and result.first_broken == 2


def _context():
    return multiprocessing.get_context("spawn")


def test_writers_in_several_processes_lose_no_update_and_keep_one_chain(pg_url):
    accessions = [f"N{n}" for n in range(5)]  # few items: writers collide often
    with open_library(pg_url) as lib:
        for accession in accessions:
            lib.create_item({"accession": accession, "title": "0"})
    ctx = _context()
    out = ctx.Queue()
    rounds = 25
    workers = [
        ctx.Process(target=team_writers.increment, args=(pg_url, accessions, rounds, seed, out))
        for seed in range(4)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    done = sum(r[0] for r in results)
    assert done == 4 * rounds
    with open_library(pg_url) as lib:
        total = sum(int(lib.get_item(a).title) for a in accessions)
        assert total == done  # every increment that was saved is there: none lost
        assert lib.history_head() == len(accessions) + done
        check = lib.verify_history()
        assert check.ok and check.checked == len(accessions) + done


def test_a_writer_killed_mid_transaction_leaves_the_chain_valid(pg_url):
    with open_library(pg_url) as lib:
        lib.create_item({"accession": "K9", "title": "Before"})
        head = lib.history_head()
    ctx = _context()
    ready = ctx.Event()
    writer = ctx.Process(target=team_writers.hold_a_write, args=(pg_url, "K9", ready))
    writer.start()
    try:
        assert ready.wait(timeout=120), "the writer never reached its transaction"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=60)
    assert writer.exitcode == -signal.SIGKILL
    with open_library(pg_url) as lib:
        # The server rolled the dead writer's transaction back and let go of its lock.
        assert lib.get_item("K9").title == "Before" and lib.history_head() == head
        lib.update_item("K9", {"title": "After"})
        check = lib.verify_history()
        assert check.ok and check.checked == head + 1
