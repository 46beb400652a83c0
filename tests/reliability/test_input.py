"""Input a registrar really meets, and input an attacker writes: Credence reads it for what it is.

- Ids are ids: an int is an item id, a string an accession number (`#12` for an id), in the
  facade and on the command line, in collections numbered 1, 2, 3 where the two differ.
- Hostile text: an over-long quoted CSV cell that spans lines is refused whole and the parser
  picks up at the next real record; header cells are guarded against formulas; control
  characters are refused in accession numbers and dropped elsewhere; keys compare in NFC;
  nothing Credence prints drives the terminal.
- Plain errors: Ctrl-D at a prompt, numbers SQLite cannot hold, a database URL, a damaged
  database, `verify` outside a library, a private log.
- Imports survive any one file: a name that is not UTF-8, pipes, devices, sockets and files
  that change while read are reported per file, never hang, and never sink the rest.

Everything runs the real `credence` command in a child process where a user would use it.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.reliability.conftest import (
    TRACEBACK,
    assert_plain,
    cli_env,
    credence,
    db_scalar,
    make_jpegs,
    run_cli,
    sha256,
)

UNEXPECTED = "unexpected error"


def plain(done: subprocess.CompletedProcess) -> None:
    """No traceback and no "unexpected error": every failure is a sentence for a person."""
    assert_plain(done)
    for stream in (done.stdout, done.stderr):
        assert UNEXPECTED not in stream, stream[-2000:]


def shifted_library(root: Path) -> Path:
    """A collection numbered 1, 2, 3 whose ids are one ahead: id 1 is "X", id 2 is "1",
    id 3 is "2", id 4 is "3". Every number names two different items."""
    from provenance import open_library

    library = root / "lib"
    with open_library(library, actor="setup") as lib:
        for accession, title in (("X", "Lead item"), ("1", "One"), ("2", "Two"), ("3", "Three")):
            lib.create_item({"accession": accession, "title": title})
    return library


# -- 5. ids are ids ----------------------------------------------------------------------------


def test_an_int_is_an_id_and_a_string_an_accession_in_every_facade_call(tmp_path):
    from provenance import InvalidValue, NotFound, open_library

    library = shifted_library(tmp_path)
    with open_library(library, actor="alice") as lib:
        assert lib.get_item(2).accession == "1"
        assert lib.get_item("2").id == 3
        assert lib.get_item("#2").accession == "1"
        assert lib.get_item(" 3 ").id == 4
        lib.update_item(3, {"description": "by id"})
        lib.add_event(3, "acquired", "Museum")
        lib.disclose(3, "ai-described", fields=["title"])
        lib.review(3, "approved", "Curator")
        assert [v.category for v, _ in lib.wordings(3)] == ["ai-described"]
        assert {e.item_id for e in lib.history(3)} == {3}
        assert lib.exports_of(3) == []
        assert lib.get_item("2").description == "by id"
        assert lib.get_item("2").events and lib.get_item("3").events == ()
        assert lib.get_item("3").description is None
        with pytest.raises(NotFound, match="no item with id 9"):
            lib.get_item(9)
        with pytest.raises(NotFound, match="id 99999999999999999999"):
            lib.get_item(99999999999999999999)
        with pytest.raises(NotFound, match="#4"):
            lib.get_item("4")  # no accession "4"; id 4 exists: the message says how to mean it
        with pytest.raises(InvalidValue):
            lib.get_item(True)
        lib.delete_item(3)
        left = {(i.id, i.accession) for i in lib.list_items()}
        assert left == {(1, "X"), (2, "1"), (4, "3")}


def test_the_command_line_reads_numbers_as_accession_numbers(tmp_path):
    library = shifted_library(tmp_path)
    done = run_cli(library, "show", "2", "--json")
    plain(done)
    assert done.returncode == 0 and json.loads(done.stdout)["id"] == 3
    done = run_cli(library, "show", "#2", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["accession"] == "1"
    done = run_cli(library, "show", "4")
    plain(done)
    assert done.returncode == 2 and "write #4" in done.stderr
    done = run_cli(library, "event", "add", "3", "--action", "acquired", "--actor", "Museum")
    assert done.returncode == 0, done.stderr
    assert db_scalar(library, "SELECT item_id FROM events") == 4


# -- 7. hostile text ---------------------------------------------------------------------------


def _limit() -> int:
    from provenance.media.catalog_files import MAX_CELL

    return MAX_CELL


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("extra", [1, 50_000])
def test_an_overlong_quoted_cell_is_refused_whole_and_reading_resumes(tmp_path, newline, extra):
    """The lines inside an over-long quoted cell are never read as records of their own."""
    library = tmp_path / "lib"
    smuggled = [f"EVIL{n},smuggled record {n}" for n in range(3)]
    body = "x" * (_limit() + extra)
    lines = [
        "accession,title",
        "A1,before",
        f'A2,"a cell that never seems to end{newline}{body}',
        *smuggled,
        'still inside the cell, with ""quotes"" "',
        "A3,after",
        '"A4","two ""lines""',
        'here"',
    ]
    catalog = tmp_path / "catalog.csv"
    catalog.write_bytes(newline.join(lines).encode() + newline.encode())
    done = run_cli(library, "catalog", "import", str(catalog), "--json")
    plain(done)
    report = json.loads(done.stdout)
    accessions = {
        a
        for (a,) in sqlite3.connect(library / "library.sqlite").execute(
            "SELECT accession FROM items"
        )
    }
    assert accessions == {"A1", "A3", "A4"}
    assert [r["line"] for r in report["rejected"]] == [3]
    assert "whole record" in report["rejected"][0]["reason"]
    assert "lines 3-8" in report["rejected"][0]["reason"]
    assert done.returncode == 1


def test_header_cells_are_guarded_like_data_cells_and_round_trip(tmp_path):
    from provenance import open_library

    library = tmp_path / "lib"
    with open_library(library) as lib:
        lib.create_item(
            {"accession": "H1", "title": "=1+1"},
            extra={'=HYPERLINK("http://evil.example","click")': "x", "+cmd": "=2", "@sum": "y"},
        )
    out = tmp_path / "out.csv"
    done = run_cli(library, "catalog", "export", str(out))
    plain(done)
    header = out.read_text(encoding="utf-8").splitlines()[0]
    cells = next(iter(__import__("csv").reader([header])))
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells), cells
    done = run_cli(library, "catalog", "import", str(out), "--json")
    plain(done)
    report = json.loads(done.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)


@pytest.mark.parametrize(
    "bad", ["A\x001", "B\x1b[31m", "C\u202e1", "D\x07", "E\u200b", "F\x9b2J"], ids=repr
)
def test_control_characters_are_refused_in_accession_numbers(tmp_path, bad):
    from provenance import InvalidValue, open_library

    library = tmp_path / "lib"
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        f"accession,title\nOK1,fine\n{bad},hidden\nOK2,tab\tand NUL\x00 in a title\n",
        encoding="utf-8",
        newline="",
    )
    done = run_cli(library, "catalog", "import", str(catalog), "--json")
    plain(done)
    report = json.loads(done.stdout)
    assert [r["line"] for r in report["rejected"]] == [3]
    assert "'accession'" in report["rejected"][0]["reason"]
    assert "control character" in report["rejected"][0]["reason"]
    titles = dict(
        sqlite3.connect(library / "library.sqlite").execute("SELECT accession, title FROM items")
    )
    assert titles == {"OK1": "fine", "OK2": "tab\tand NUL in a title"}
    with open_library(library) as lib, pytest.raises(InvalidValue, match="control character"):
        lib.create_item({"accession": bad})


def test_keys_compare_in_nfc(tmp_path):
    """A decomposed "é" (as macOS writes names) finds the composed one in the library."""
    from provenance import open_library

    composed, decomposed = "Café-1", unicodedata.normalize("NFD", "Café-1")
    assert composed != decomposed
    library = tmp_path / "lib"
    with open_library(library) as lib:
        lib.create_item({"accession": composed, "title": "old"}, extra={"Région": "Nord"})
    catalog = tmp_path / "catalog.csv"
    header_region = unicodedata.normalize("NFD", "Région")
    catalog.write_text(f"accession,title,{header_region}\n{decomposed},new,Sud\n", "utf-8")
    done = run_cli(library, "catalog", "import", str(catalog), "--json")
    plain(done)
    report = json.loads(done.stdout)
    assert (report["created"], report["updated"]) == (0, 1), report
    done = run_cli(library, "show", decomposed, "--json")
    assert done.returncode == 0, done.stderr
    item = json.loads(done.stdout)
    assert item["title"] == "new" and item["extra"] == {"Région": "Sud"}
    # A master file whose name is decomposed joins the item whose number is composed.
    masters = tmp_path / "masters"
    make_jpegs(masters, 1)[0].rename(masters / f"{decomposed}.jpg")
    done = run_cli(library, "import", str(masters), "--json")
    plain(done)
    assert json.loads(done.stdout)["imported"][0]["item"] == composed


ESCAPES = {
    "title": "Harbour\x1b]0;owned\x07\x1b[2J",
    "maker": "evil\u202eredli\u2066x\u2069",
    "description": "line one\nFAKE: 99 items\r\x9b31m",
    "medium": "\x1bP+q\x1b\\bell\x07",
}


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c != "\n"]


def test_terminal_output_escapes_control_sequences(tmp_path):
    """Text typed or imported today is cleaned when stored (controls dropped, bidi kept); text
    an older version or another program stored raw is escaped when shown."""
    from provenance import open_library
    from provenance.domain.text import clean_text

    library = tmp_path / "lib"
    with open_library(library) as lib:
        lib.create_item({"accession": "T1", **ESCAPES}, extra={"note\x1b[1m": "\x1b[5mblink"})
        lib.add_event("T1", "acquired\x1b[8m", "Dealer\u202e", place="\x07Paris")
        lib.create_item({"accession": "T2", "title": "placeholder"})
        stored = lib.get_item("T1")
    assert {k: getattr(stored, k) for k in ESCAPES} == {
        k: clean_text(v) for k, v in ESCAPES.items()
    }
    assert stored.extra == {"note[1m": "[5mblink"}
    conn = sqlite3.connect(library / "library.sqlite")
    with conn:  # as an older version (or any other program) may have stored it
        conn.execute(
            "UPDATE items SET title = ?, maker = ?, description = ? WHERE accession = 'T2'",
            (ESCAPES["title"], ESCAPES["medium"], ESCAPES["description"]),
        )
    conn.close()
    for args in (
        ("items",),
        ("items", "--search", "harbour"),
        ("show", "T1"),
        ("show", "T2"),
        ("history",),
        ("history", "T1"),
    ):
        done = run_cli(library, *args)
        plain(done)
        assert done.returncode == 0, (args, done.stderr)
        for stream in (done.stdout, done.stderr):
            assert not _raw_controls(stream), (args, _raw_controls(stream), stream)
        if args == ("show", "T2"):
            assert "\\x1b]0;owned\\x07" in done.stdout and "\\x9b31m" in done.stdout
        if args == ("show", "T1"):
            assert "\\u202e" in done.stdout
    done = run_cli(library, "show", "T2", "--json")
    plain(done)
    assert not [c for c in done.stdout if unicodedata.category(c) == "Cf" or "\x7f" <= c <= "\x9f"]
    item = json.loads(done.stdout)  # still valid JSON, with the very values stored
    assert (item["title"], item["description"]) == (ESCAPES["title"], ESCAPES["description"])


def test_the_escaped_class_matches_unicode():
    """Every control (Cc), format (Cf), surrogate and line/paragraph separator is escaped,
    except the joiners that scripts need; nothing else is."""
    from provenance.domain.text import terminal_safe

    keep = {"\u200c", "\u200d"}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        kind = unicodedata.category(char)
        unsafe = kind in ("Cc", "Cf", "Cs", "Zl", "Zp") and char not in keep
        escaped = terminal_safe(char) != char
        # Code points this Python's Unicode does not assign yet may be escaped ahead of time.
        assert escaped == unsafe or (escaped and kind == "Cn"), f"U+{code:04X}"


# -- 8. plain errors ---------------------------------------------------------------------------


def test_ctrl_d_at_the_passphrase_prompt_is_a_plain_answer(tmp_path):
    """The prompt reads a real terminal (a pty); Ctrl-D ends the input."""
    library = tmp_path / "lib"
    env = cli_env(CREDENCE_PASSPHRASE=None)
    for args in (("identity", "create", "--org", "Museum"), ("export", "--all", "--out", "o")):
        try:
            master, slave = pty.openpty()
        except OSError as exc:  # e.g. a chroot without /dev/pts: no terminal to test with
            pytest.skip(f"no pseudo-terminal available here ({exc})")
        proc = subprocess.Popen(
            credence(library, *args),
            cwd=tmp_path,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        output = b""
        sent = False
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    output += os.read(master, 4096)
                except OSError:
                    break
            if not sent and b"assphrase" in output:
                os.write(master, b"\x04")  # Ctrl-D
                sent = True
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        try:
            while select.select([master], [], [], 0.2)[0]:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                output += chunk
        except OSError:
            pass
        os.close(master)
        text = output.decode(errors="replace")
        if args[0] == "identity":
            assert sent, text
        assert TRACEBACK not in text and UNEXPECTED not in text, text
        assert proc.returncode in (1, 2), text
        if sent:
            assert "Ctrl-D" in text, text
    assert not (library / "identity" / "signing.key").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("show", "99999999999999999999"),
        ("show", "#99999999999999999999"),
        ("show", "#" + "9" * 5000),
        ("undo", "99999999999999999999"),
        ("undo", "-1"),
        ("history", "99999999999999999999"),
        ("history", "#99999999999999999999"),
        ("items", "--limit", "99999999999999999999"),
        ("items", "--limit", "-5"),
        ("export", "--all", "--out", "o", "--jobs", "99999999999"),
        ("event", "add", "#9223372036854775808", "--action", "a", "--actor", "b"),
        ("import", "--item", "#99999999999999999999", "nothing.jpg"),
    ],
    ids=lambda a: " ".join(a)[:40],
)
def test_numbers_out_of_range_are_plain_errors(tmp_path, args):
    library = shifted_library(tmp_path)
    done = run_cli(library, *args)
    plain(done)
    assert done.returncode in (1, 2), done.stderr
    assert done.stderr.strip(), "an error names the problem"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://registrar@db.example/credence",
        "postgresql+psycopg://u:p@localhost:5432/lib",
        "mysql://x/y",
        "https://example.org/library",
        "file:///tmp/library",
    ],
)
def test_a_url_library_says_so_and_creates_nothing(tmp_path, url):
    # A team library's URL is tried (and here cannot be reached); any other URL is refused.
    # Either way: one plain line, no password shown, and no folder named "postgresql:".
    expected = r"not supported|supported on PostgreSQL only|not a file: URL|cannot reach the team"
    work = tmp_path / "cwd"
    work.mkdir()
    command = [sys.executable, "-m", "desktop"]
    for argv, env in (
        ([*command, "--library", url, "init"], cli_env()),
        ([*command, "init", url], cli_env()),
        ([*command, "items"], cli_env(CREDENCE_LIBRARY=url)),
        ([*command, "verify", str(ROOT / "README.md")], cli_env(CREDENCE_LIBRARY=url)),
    ):
        env["PYTHONPATH"] = str(ROOT)
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=120)
        plain(done)
        assert done.returncode == 1, done.stderr
        assert re.search(expected, done.stderr), done.stderr
        assert ":p@" not in done.stderr
        assert list(work.iterdir()) == [], list(work.iterdir())
    from provenance import LibraryError, open_library

    with pytest.raises(
        LibraryError, match=r"not supported|PostgreSQL only|not a file: URL|two slashes"
    ):
        open_library(Path(url))  # the form a Path leaves of it ("postgresql:/db.example")
    with pytest.raises(LibraryError, match=expected):
        open_library(url)


def _corrupt_items_table(library: Path) -> None:
    conn = sqlite3.connect(library / "library.sqlite")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()
    conn.close()
    with open(library / "library.sqlite", "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(bytes((n * 37 + 11) % 256 for n in range(page_size)))


def test_a_damaged_database_is_named_and_never_written_to(tmp_path):
    from provenance import open_library

    library = tmp_path / "lib"
    with open_library(library, actor="setup") as lib:
        for n in range(400):
            lib.create_item({"accession": f"D{n}", "title": f"Item {n} " + "words " * 20})
    entries = db_scalar(library, "SELECT count(*) FROM history")
    _corrupt_items_table(library)
    catalog = tmp_path / "more.csv"
    catalog.write_text("accession,title\nN1,new\n", encoding="utf-8")
    before = sha256(library / "library.sqlite")
    for args in (
        ("items",),
        ("show", "D5"),
        ("tool", "add", "Scanner AI", "--vendor", "Example"),  # touches no damaged page
        ("catalog", "import", str(catalog)),
        ("settings", "language=fr"),
    ):
        done = run_cli(library, *args)
        plain(done)
        assert done.returncode == 1, (args, done.stdout)
        assert str(library / "library.sqlite") in done.stderr and "damaged" in done.stderr
        assert "credence backup" in done.stderr and "backups" in done.stderr, done.stderr
    assert sha256(library / "library.sqlite") == before
    assert db_scalar(library, "SELECT count(*) FROM tools") == 0
    assert db_scalar(library, "SELECT count(*) FROM history") == entries
    done = run_cli(library, "history", "--verify")
    plain(done)
    assert done.returncode == 1
    assert done.stdout.startswith("Library damaged:"), done.stdout
    assert "History broken" not in done.stdout
    done = run_cli(library, "history", "--verify", "--json")
    result = json.loads(done.stdout)
    assert result["damaged"] is True and result["ok"] is False


def test_a_database_that_is_not_one_is_named(tmp_path):
    from provenance import open_library

    library = tmp_path / "lib"
    with open_library(library):
        pass
    db = library / "library.sqlite"
    data = bytearray(db.read_bytes())
    data[:100] = b"\x00" * 100
    db.write_bytes(bytes(data))
    done = run_cli(library, "items")
    plain(done)
    assert done.returncode == 1 and "damaged" in done.stderr and str(db) in done.stderr


def test_verify_outside_a_library_creates_no_library(tmp_path):
    home = tmp_path / "home"
    env = cli_env(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        CREDENCE_LIBRARY=None,
    )
    picture = make_jpegs(tmp_path / "files", 1)[0]
    argv = [sys.executable, "-m", "desktop", "verify", str(picture), "--json"]  # no --library
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    plain(done)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["credentials"] == "none"
    assert not (home / "data").exists(), list((home / "data").rglob("*"))
    # Also with --library naming a folder that holds no library.
    empty = tmp_path / "nothing-here"
    done = run_cli(empty, "verify", str(picture))
    plain(done)
    assert done.returncode == 0 and not empty.exists()


def test_the_log_is_private(tmp_path):
    state = tmp_path / "state"
    log_dir = state / "Credence" / "log"
    log_dir.mkdir(parents=True)
    os.chmod(log_dir, 0o755)
    (log_dir / "credence.log").write_text("old\n")
    os.chmod(log_dir / "credence.log", 0o644)  # a log left by an older version
    env = cli_env(XDG_STATE_HOME=str(state))
    done = run_cli(tmp_path / "lib", "init", env=env, preexec_fn=lambda: os.umask(0))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((log_dir / "credence.log").stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    fresh = tmp_path / "fresh"
    env = cli_env(XDG_STATE_HOME=str(fresh))
    done = run_cli(tmp_path / "lib", "init", env=env, preexec_fn=lambda: os.umask(0))
    log = fresh / "Credence" / "log" / "credence.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


# -- 6. imports survive any one file -----------------------------------------------------------

NOT_UTF8 = b"caf\xe9 \xff scan.jpg"


def test_a_name_that_is_not_utf8_is_imported_and_reported(tmp_path):
    """30 files (more than one write batch), one named in Latin-1: all stored, all reported,
    and the stored path opens the very file."""
    from provenance import file_path, open_library

    library = tmp_path / "lib"
    masters = tmp_path / "masters"
    files = make_jpegs(masters, 30)
    odd = os.path.join(os.fsencode(masters), NOT_UTF8)
    os.rename(files[3], odd)
    done = run_cli(library, "import", str(masters), "--json")
    plain(done)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["imported"]) == 30 and not report["rejected"]
    assert db_scalar(library, "SELECT count(*) FROM assets") == 30
    [shown] = [f["file"] for f in report["imported"] if "%E9" in f["file"]]
    assert shown.startswith("file://") and "%FF" in shown
    with open_library(library) as lib:
        [asset] = [a for i in lib.list_items(details=True) for a in i.assets if "%E9" in a.path]
        assert os.fsencode(file_path(asset.path)) == odd
        assert sha256(file_path(asset.path)) == sha256(Path(os.fsdecode(odd)))
        assert lib.verify_file(asset.path)["credentials"] == "none"
    done = run_cli(library, "items")
    plain(done)
    assert "café" in done.stdout  # the title reads as the name was meant
    done = run_cli(library, "import", str(masters))
    plain(done)
    assert "30 duplicates" in done.stdout


def _serve_socket(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    return server


def test_pipes_devices_and_sockets_are_reported_never_read(tmp_path):
    library = tmp_path / "lib"
    masters = tmp_path / "masters"
    make_jpegs(masters, 3)
    os.mkfifo(masters / "pipe.jpg")
    (masters / "zero.jpg").symlink_to("/dev/zero")
    (masters / "gone.jpg").symlink_to(masters / "no-such-file.jpg")
    server = _serve_socket(masters / "sock.jpg")
    try:
        os.mkfifo(tmp_path / "named.jpg")
        done = run_cli(
            library, "import", str(masters), str(tmp_path / "named.jpg"), "--json", timeout=120
        )
    finally:
        server.close()
    plain(done)
    report = json.loads(done.stdout)
    reasons = {Path(r["file"]).name: r["reason"] for r in report["rejected"]}
    assert "named pipe" in reasons["pipe.jpg"] and "named pipe" in reasons["named.jpg"]
    assert "character device" in reasons["zero.jpg"]
    assert "socket" in reasons["sock.jpg"]
    assert "broken link" in reasons["gone.jpg"]
    assert len(report["imported"]) == 3 and done.returncode == 1


_ANALYSE = """
import sys
from pathlib import Path
from provenance.media.credentials import CredentialReader
from provenance.importing.files import analyse
with CredentialReader() as reader:
    print(analyse(Path(sys.argv[1]), Path(sys.argv[2]), reader))
"""


def test_a_pipe_swapped_in_after_the_folder_was_listed_does_not_hang(tmp_path):
    """The moment after listing: the path is now a FIFO with no writer. Opening it the usual
    way blocks forever; the import refuses it at once."""
    os.mkfifo(tmp_path / "swapped.jpg")
    done = subprocess.run(
        [sys.executable, "-c", _ANALYSE, str(tmp_path / "swapped.jpg"), str(tmp_path / "t")],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Rejected" in done.stdout and "named pipe" in done.stdout


def test_files_swapped_for_pipes_during_an_import_never_hang_it(tmp_path):
    library = tmp_path / "lib"
    masters = tmp_path / "masters"
    files = make_jpegs(masters, 40)
    victims = files[5::6]
    stop = threading.Event()

    aside = tmp_path / "aside"
    aside.mkdir()

    def swap() -> None:
        # Each victim flips between its picture and a FIFO until the import ends.
        spare = {v: v.read_bytes() for v in victims}
        while not stop.is_set():
            for victim in victims:
                fifo = aside / victim.name
                try:
                    os.mkfifo(fifo)
                    os.replace(fifo, victim)
                    victim.unlink()
                    victim.write_bytes(spare[victim])
                except OSError:
                    pass

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    try:
        done = run_cli(library, "import", str(masters), "--json", timeout=180)
    finally:
        stop.set()
        swapper.join(timeout=30)
    plain(done)
    report = json.loads(done.stdout)
    accounted = len(report["imported"]) + len(report["duplicates"]) + len(report["rejected"])
    assert accounted >= len(files) - len(victims)
    for rejected in report["rejected"]:
        assert Path(rejected["file"]).name in {v.name for v in victims}, rejected
    assert db_scalar(library, "SELECT count(*) FROM assets") == len(report["imported"])


def test_a_file_that_grows_while_it_is_read_is_reported_as_changed(tmp_path):
    library = tmp_path / "lib"
    masters = tmp_path / "masters"
    make_jpegs(masters, 4)
    growing = masters / "growing.jpg"
    growing.write_bytes((masters / "master-0000.jpg").read_bytes() + b"\0" * 4_000_000)
    stop = threading.Event()

    def grow() -> None:
        with open(growing, "ab") as handle:
            while not stop.is_set():
                handle.write(b"\0" * 4096)
                handle.flush()

    writer = threading.Thread(target=grow, daemon=True)
    writer.start()
    try:
        done = run_cli(library, "import", str(masters), "--json", timeout=180)
    finally:
        stop.set()
        writer.join(timeout=30)
    plain(done)
    report = json.loads(done.stdout)
    reasons = {Path(r["file"]).name: r["reason"] for r in report["rejected"]}
    assert "changed while Credence was reading it" in reasons["growing.jpg"], report
    assert len(report["imported"]) == 4
