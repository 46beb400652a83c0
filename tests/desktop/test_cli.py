"""The `credence` command line: verbs, JSON shapes and exit statuses (0 / 1 rejected / 2 usage)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from desktop.cli import main
from tests.conftest import data_file
from tests.provenance.c2pa_helpers import make_jpeg, make_signing_identity, sign_file


@pytest.fixture
def cli(tmp_path, capsys):
    """Run `credence --library <tmp> ...` in-process; returns (exit status, stdout, stderr)."""
    library = tmp_path / "lib"

    def run(*args: str):
        status = main(["--library", str(library), *args])
        out, err = capsys.readouterr()
        return status, out, err

    run.library = library
    return run


def test_init_and_version(cli):
    status, out, _ = cli("init")
    assert status == 0 and "Library ready" in out and (cli.library / "library.sqlite").exists()


def test_import_json_shape_and_exit_status(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make_jpeg(folder / "a.jpg")
    (folder / "notes.txt").write_text("not a picture")
    status, out, _ = cli("import", str(folder), "--json")
    data = json.loads(out)
    assert status == 1  # one input was rejected
    assert set(data) == {"imported", "duplicates", "rejected", "fields_from_files"}
    [imported] = data["imported"]
    assert set(imported) >= {"file", "item", "asset", "credentials"}
    assert imported["credentials"]["state"] == "none"
    assert data["rejected"][0]["file"].endswith("notes.txt") and data["rejected"][0]["reason"]
    status, out, _ = cli("import", str(folder / "a.jpg"), "--json")
    assert status == 0 and len(json.loads(out)["duplicates"]) == 1


def test_catalog_import_json_and_rejected_lines(cli):
    status, out, _err = cli(
        "catalog",
        "import",
        str(data_file("catalogs/wcma/wcma-collection_2019-12-04.csv")),
        "--json",
    )
    data = json.loads(out)
    assert status == 1
    assert (data["created"], data["updated"], data["unchanged"]) == (7057, 0, 0)
    assert data["rejected"][0]["line"] > 7000 and "cut off" in data["rejected"][0]["reason"]


def test_catalog_map_and_key_and_usage_errors(cli, tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("id,name,made_by\n1,Harbour,Ann\n")
    status, _, err = cli("catalog", "import", str(src))
    assert status == 2 and "--key" in err
    status, _, err = cli("catalog", "import", str(src), "--map", "nonsense")
    assert status == 2 and "FIELD=COLUMN" in err
    status, out, _ = cli(
        "catalog",
        "import",
        str(src),
        "--key",
        "id",
        "--map",
        "title=name",
        "--map",
        "maker=made_by",
    )
    assert status == 0 and "1 created" in out
    status, out, _ = cli("catalog", "export", str(tmp_path / "out.csv"))
    assert status == 0 and (tmp_path / "out.csv").exists()
    status, out, _ = cli("catalog", "columns", str(src))
    assert "made_by" in out


def test_the_whole_record_from_the_command_line(cli):
    cli("init")
    from provenance import open_library

    with open_library(cli.library) as lib:
        lib.create_item({"accession": "76.37.5.K", "title": "Portrait"})
    assert cli("tool", "add", "Restorer X", "--vendor", "Acme", "--version", "2.1")[0] == 0
    assert "Restorer X 2.1" in cli("tool", "list")[1]
    assert (
        cli(
            "event",
            "add",
            "76.37.5.K",
            "--action",
            "restored",
            "--actor",
            "Lab",
            "--date",
            "2026-05",
            "--tool",
            "Restorer X",
        )[0]
        == 0
    )
    assert cli("disclose", "76.37.5.K", "--category", "ai-restored", "--tool", "Restorer X")[0] == 0
    status, _, err = cli("review", "76.37.5.K", "--approve")
    assert status == 2 and "--by" in err
    assert cli("review", "76.37.5.K", "--approve", "--by", "Dana Registrar")[0] == 0
    status, out, _ = cli("items", "--json", "--ai")
    [item] = json.loads(out)
    assert item["accession"] == "76.37.5.K"
    assert item["disclosures"][0]["review_state"] == "approved"
    assert item["disclosures"][0]["approved_by"] == "Dana Registrar"
    status, out, _ = cli("show", "76.37.5.K")
    assert "restored by Lab" in out and "approved by Dana Registrar" in out
    status, out, _ = cli("history", "76.37.5.K")
    assert "draft -> approved by Dana Registrar" in out
    assert cli("history", "--verify")[0] == 0


def test_items_say_when_a_search_is_too_broad_to_rank(cli, monkeypatch):
    """Past the cap a search lists in the order added and the text output says so on stderr,
    beside the count; --json keeps its shape (a list of items)."""
    from provenance import open_library
    from provenance.store.search import SearchIndex

    cli("init")
    lib = open_library(cli.library, actor="alice")
    for n in range(3):
        lib.create_item({"accession": f"B.{n}", "title": "bowl " * (n + 1)})
    lib.close()
    status, out, err = cli("items", "--search", "bowl")
    assert status == 0 and [line.split()[0] for line in out.splitlines()] == ["B.2", "B.1", "B.0"]
    assert err.strip() == "3 items"
    monkeypatch.setattr(SearchIndex, "ranked_at_most", 2)  # the cap, lowered for 3 items
    status, out, err = cli("items", "--search", "bowl")
    assert status == 0 and [line.split()[0] for line in out.splitlines()] == ["B.0", "B.1", "B.2"]
    assert err.splitlines() == ["3 items", "(in the order added: too many matches to rank)"]
    status, out, err = cli("items", "--search", "bowl", "--json")
    assert [i["accession"] for i in json.loads(out)] == ["B.0", "B.1", "B.2"]
    # A page is the start of the same order, and says so too.
    status, out, err = cli("items", "--search", "bowl", "--limit", "2")
    assert [line.split()[0] for line in out.splitlines()] == ["B.0", "B.1"]
    assert err.splitlines() == ["2 items", "(in the order added: too many matches to rank)"]


def test_usage_errors_exit_2_without_traceback(cli):
    cli("init")
    for args in (
        ("bogus",),
        ("disclose", "nope", "--category", "ai-restored"),
        ("disclose", "x", "--category", "ai-magic"),
        ("event", "add", "x", "--action", "a"),
    ):
        status, out, err = cli(*args)
        assert status == 2, args
        assert "Traceback" not in out + err


def test_bad_edtf_is_explained(cli):
    from provenance import open_library

    cli("init")
    with open_library(cli.library) as lib:
        lib.create_item({"accession": "A"})
    status, _, err = cli(
        "event", "add", "A", "--action", "made", "--actor", "X", "--date", "c. 1890"
    )
    assert status == 2 and "EDTF" in err and "1890~" in err


def test_history_verify_exits_1_and_names_entry(cli):
    from provenance import open_library

    with open_library(cli.library) as lib:
        lib.create_item({"accession": "A", "title": "One"})
        lib.update_item("A", {"title": "Two"})
    conn = sqlite3.connect(cli.library / "library.sqlite")
    conn.execute("UPDATE history SET actor = 'mallory' WHERE seq = 1")
    conn.commit()
    conn.close()
    status, out, _ = cli("history", "--verify")
    assert status == 1 and "entry 1" in out


def test_verify_json_shape_and_states(cli, tmp_path):
    identity = make_signing_identity()
    signed = tmp_path / "signed.jpg"
    sign_file(make_jpeg(tmp_path / "src.jpg"), signed, identity)
    status, out, _ = cli(
        "verify",
        str(signed),
        str(data_file("c2pa-fixtures/XCA.jpg")),
        str(tmp_path / "nope.jpg"),
        "--json",
    )
    results = json.loads(out)
    assert status == 1
    keys = {
        "file",
        "credentials",
        "codes",
        "ingredient_problems",
        "digital_source_types",
        "signer",
        "summary",
    }
    assert all(set(r) == keys for r in results)
    assert [r["credentials"] for r in results] == ["valid", "invalid", "error"]
    assert results[0]["signer"] == identity.organisation
    assert "assertion.dataHash.mismatch" in results[1]["codes"]
    status, _, _ = cli("verify", str(signed))
    assert status == 0


def test_verify_with_a_library_path_the_system_refuses_checks_the_files(tmp_path, capsys):
    # A library path too long for the file system holds no library: the files are checked
    # without one, as for a folder with no library, not 'unexpected error (OSError ...)'.
    too_long = tmp_path / ("x" * 300)
    status = main(["--library", str(too_long), "verify", str(data_file("c2pa-fixtures/XCA.jpg"))])
    out, err = capsys.readouterr()
    assert status == 1 and "unexpected" not in err
    assert "invalid" in out.lower()  # XCA.jpg's manifest was tampered with


def test_vocab_import_of_a_path_the_system_refuses_says_so(cli, tmp_path):
    # Asking whether the name is a file here raised OSError (ENAMETOOLONG) before the import
    # could say, in its own sentence, that the file cannot be read.
    status, _out, err = cli("vocab", "import", str(tmp_path / ("x" * 300 + ".ttl")))
    assert status != 0 and "unexpected" not in err and "File name too long" in err


def test_a_certificate_file_that_cannot_be_read_is_named_plainly(cli, tmp_path, monkeypatch):
    # A missing file, or a name too long for the file system: one sentence naming it.
    monkeypatch.setenv("CREDENCE_PASSPHRASE", "correct horse battery staple")
    for missing in (tmp_path / "partner-ca.pem", tmp_path / ("x" * 300 + ".pem")):
        for args in (
            ("trust", "add", str(missing)),
            ("identity", "import", "--pkcs12", str(missing)),
            ("identity", "import", "--cert", str(missing), "--key", str(missing)),
        ):
            status, _out, err = cli(*args)
            assert status == 2 and f"cannot read {missing}" in err, (args, err)


def test_installed_command_runs_as_a_process(tmp_path):
    """The real entry point: exit statuses and no traceback, in a child process."""
    env = {**os.environ, "CREDENCE_LIBRARY": str(tmp_path / "lib")}
    exe = [sys.executable, "-m", "desktop"]
    done = subprocess.run([*exe, "--version"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.startswith("credence ")
    done = subprocess.run([*exe, "show", "missing"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "no item" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "lib" / "library.sqlite").exists()  # CREDENCE_LIBRARY was honoured


def test_identity_export_verify_from_the_command_line(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CREDENCE_PASSPHRASE", "a long passphrase")
    status, out, _ = cli("identity", "create", "--org", "Test Museum")
    assert status == 0 and "Test Museum" in out
    status, _, err = cli("identity", "create", "--org", "Again")
    assert status == 1 and "replace" in err  # never overwritten silently
    make_jpeg(tmp_path / "P1.jpg")
    assert cli("import", str(tmp_path / "P1.jpg"))[0] == 0
    status, out, _ = cli("export", "--all", "--out", str(tmp_path / "out"), "--json")
    data = json.loads(out)
    assert status == 0 and set(data) == {"exported", "refused", "failed"}
    [exported] = data["exported"]
    assert set(exported) == {"item", "file", "sha256", "manifest", "notes"}
    status, out, _ = cli("verify", exported["file"], "--json")
    assert status == 0 and json.loads(out)[0]["credentials"] == "trusted"
    status, out, _ = cli("identity", "export-ca", str(tmp_path / "ca.pem"))
    assert status == 0 and (tmp_path / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE")
    assert "BEGIN CERTIFICATE" in (tmp_path / "ca.pem").read_text()
    status, out, _ = cli("settings", "reviewer_display=role", "reviewer_role=the curator")
    assert status == 0 and "reviewer_display = role" in out
    status, _, err = cli("settings", "training_mining=maybe")
    assert status == 2 and "notAllowed" in err


def test_export_usage_and_wrong_passphrase(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CREDENCE_PASSPHRASE", "a long passphrase")
    cli("identity", "create", "--org", "Test Museum")
    make_jpeg(tmp_path / "P1.jpg")
    cli("import", str(tmp_path / "P1.jpg"))
    status, _, err = cli("export", "--out", str(tmp_path / "out"))
    assert status == 2 and "--all" in err
    monkeypatch.setenv("CREDENCE_PASSPHRASE", "not the passphrase")
    status, out, err = cli("export", "--all", "--out", str(tmp_path / "out"))
    assert status == 1 and "passphrase" in err and "Traceback" not in err
    key = (cli.library / "identity" / "signer-key.pem").read_text()
    assert "ENCRYPTED" in key and key not in err + out


def test_labels_command_pdf_refusal_draft_and_strict(cli, tmp_path):
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    from provenance import open_library

    with open_library(cli.library) as lib:
        lib.create_item({"accession": "L1", "title": "Harbour at dusk", "maker": "Ann"})
        lib.create_item({"accession": "L2", "title": "Field", "maker": "Bo"})
        lib.create_item({"accession": "L3", "title": "Basket", "maker": "Cy"})
        lib.add_tool("Restorer X", "Acme Imaging", version="2.1")
        lib.disclose("L1", "ai-restored", tools=["Restorer X"])
        lib.review("L1", "approved", "Dana Registrar")
        lib.disclose("L3", "ai-described", fields=["title"])  # draft
    status, out, _ = cli("templates")
    assert status == 0 and "wall" in out and "avery-l7163" in out
    pdf = tmp_path / "wall.pdf"
    status, out, _ = cli("labels", "--all", "--template", "wall", "--out", str(pdf), "--json")
    data = json.loads(out)
    assert status == 1 and [r["item"].split()[0] for r in data["refused"]] == ["L3"]
    pages = [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in (1, 2)
    ]
    assert "AI-restored" in pages[0] and "Dana Registrar" in pages[0]
    assert "Field" in pages[1] and "AI" not in pages[1]  # only disclosed items say so
    status, out, _ = cli(
        "labels",
        "L3",
        "--template",
        "case",
        "--out",
        str(tmp_path / "d.png"),
        "--allow-unreviewed",
        "--lang",
        "fr",
        "--json",
    )
    assert status == 0 and json.loads(out)["labels"][0]["draft"] is True
    assert (tmp_path / "d.png").stat().st_size > 1000
    status, _, err = cli("labels", "--all", "--template", "nope", "--out", str(pdf))
    assert status == 2 and "wall" in err


def test_readme_and_help_state_the_same_exit_statuses(capsys):
    from pathlib import Path

    from desktop.cli.status import EXIT_STATUS_HELP

    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    assert EXIT_STATUS_HELP in help_text and EXIT_STATUS_HELP in readme


def test_every_error_ends_with_its_exit_status(capsys):
    from desktop.cli import exit_status
    from desktop.cli.parsing import UsageError
    from provenance import InvalidValue, LibraryError, NotFound, OutputRefused

    cases = [
        (UsageError("wrong"), 2, "credence: error: wrong"),
        (NotFound("no item 'X'"), 2, "credence: no item 'X'"),
        (InvalidValue("bad {date}"), 2, "credence: bad {date}"),
        (LibraryError("locked"), 1, "credence: locked"),
        (OutputRefused("an original"), 1, "credence: an original"),
        (EOFError(), 1, "the input ended (Ctrl-D)"),
        (KeyboardInterrupt(), 130, "interrupted"),
        (BrokenPipeError(), 0, ""),
        (ZeroDivisionError("boom"), 1, "unexpected error (ZeroDivisionError: boom)"),
    ]
    for error, status, message in cases:
        assert exit_status(error) == status, error
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_review_flags_cover_every_review_state():
    from desktop.cli.commands.disclosure import REVIEW_FLAGS
    from provenance import REVIEW_STATES

    assert sorted(REVIEW_FLAGS.values()) == sorted(REVIEW_STATES)


def test_the_command_line_starts_without_heavy_parts():
    """Export worker processes import the command line again: building the parser must not
    load the database layer, c2pa, Qt or the label renderer."""
    code = (
        "import sys; from desktop.cli import build_parser; build_parser(); "
        "heavy = ('sqlalchemy', 'c2pa', 'PySide6', 'labels', 'cryptography'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_identify_and_verify_name_the_export_a_stripped_copy_came_from(cli, tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("CREDENCE_PASSPHRASE", "pw for the test")
    masters = tmp_path / "masters"
    masters.mkdir()
    import shutil

    shutil.copy(data_file("images/exif-samples/jpg_gps_DSCN0021.jpg"), masters / "1976.37.jpg")
    assert cli("identity", "create", "--org", "Музей Test")[0] == 0
    assert cli("import", str(masters))[0] == 0
    assert cli("export", "--all", "--out", str(tmp_path / "out"))[0] == 0
    [signed] = (tmp_path / "out").iterdir()
    stripped = tmp_path / "from-the-web.webp"
    with Image.open(signed) as im:
        im.resize((im.width // 2, im.height // 2)).save(stripped, "WEBP", quality=70)
    unrelated = data_file("images/exif-samples/jpg_gps_DSCN0042.jpg")
    status, out, _ = cli("identify", "--json", str(stripped), str(unrelated))
    first, second = json.loads(out)
    assert status == 0
    assert first["credentials"] == "none" and first["matches"][0]["item"] == "#1"
    assert first["matches"][0]["signer"] == "Музей Test" and second["matches"] == []
    status, out, _ = cli("identify", str(stripped))
    assert "our export 1 of #1" in out and "signed by Музей Test" in out
    status, out, _ = cli("verify", str(stripped))
    assert status == 0 and "no credentials, but this looks like our export of #1" in out
    status, out, _ = cli("identify", str(tmp_path / "missing.jpg"))
    assert status == 1 and "file not found" in out and "Traceback" not in out


def test_identify_without_a_library_creates_none(tmp_path, capsys):
    status = main(["--library", str(tmp_path / "nolib"), "identify", str(tmp_path / "x.jpg")])
    assert status == 1 and "no library here" in capsys.readouterr().out
    assert not (tmp_path / "nolib").exists()


@pytest.mark.parametrize(
    "verb", [["items"], ["labels", "--all", "--template", "wall", "--out", "labels.pdf"]]
)
def test_library_of_a_newer_credence_is_refused_in_one_sentence(cli, tmp_path, verb):
    """Reading verbs, labels' own sqlite3 path included, refuse a schema this build does not
    ship with the reason and what to do: not an "unexpected error" from the migration tool."""
    assert cli("init")[0] == 0
    conn = sqlite3.connect(cli.library / "library.sqlite")
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    out_args = [str(tmp_path / a) if a.endswith(".pdf") else a for a in verb]
    status, out, err = cli(*out_args)
    assert status != 0 and out == ""
    assert "newer version of Credence" in err and "0099" in err
    assert "unexpected" not in err and "Traceback" not in err
    assert not (tmp_path / "labels.pdf").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux's")
@pytest.mark.parametrize(
    ("args", "started"),
    [(["--all"], True), (["A", "B"], True), (["A"], False), (["--all", "--jobs", "1"], False)],
)
def test_export_starts_its_workers_fork_server_only_when_workers_will_sign(args, started):
    """`credence export` starts what its worker processes fork from before the library opens
    (so it loads on another core meanwhile), but not for one file or --jobs 1, which sign in
    the command's own process. A fresh process each, as the fork server is per process."""
    probe = (
        "import sys; from multiprocessing import forkserver\n"
        "from desktop.cli import build_parser\n"
        "args = build_parser(sys.argv[1:]).parse_args(sys.argv[1:])\n"
        "args.begin(args)\n"
        "print(forkserver._forkserver._forkserver_pid is not None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "export", *args, "--out", "out"],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = started and (os.cpu_count() or 1) > 1
    assert done.stdout.strip() == str(expected), done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [(["--all"], "the library is empty"), (["--search", "zebra"], "no item matches 'zebra'")],
)
def test_labels_with_nothing_to_print_say_so(cli, tmp_path, args, said):
    """An empty run is said (exit 0, no file), not a silence a person takes for a failure."""
    assert cli("init")[0] == 0
    out_pdf = tmp_path / "labels.pdf"
    status, out, err = cli("labels", *args, "--template", "wall", "--out", str(out_pdf))
    assert status == 0 and err == ""
    assert out.strip() == f"no labels written: {said}"
    assert not out_pdf.exists()
