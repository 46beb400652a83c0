"""One way to write an output: originals and library files are never overwritten, every name is
decided once, and one bad name never sinks an export.

Every user-visible case runs the real `credence` command in a child process and then checks the
files by their bytes (SHA-256) and the database directly. Signing is real (c2pa, a generated
institution identity).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from PIL import Image

from tests.reliability.conftest import (
    PASS,
    TEMP_NAME,
    assert_exports_complete,
    assert_plain,
    counts,
    db_rows,
    hidden_files,
    run_cli,
    sha256,
    sha_tree,
    visible_files,
)


def _image(path: Path, size: tuple[int, int], seed: int, fmt: str = "JPEG") -> Path:
    """A distinct, deterministic picture (its pixel size tells the exports apart)."""
    import random

    path.parent.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    width, height = size
    Image.frombytes("RGB", size, rnd.randbytes(width * height * 3)).save(path, fmt)
    return path


def _museum(root: Path, files: dict[str, tuple[int, int]], *, fmt: str = "JPEG") -> Path:
    """A library with an identity and `files` (relative path -> pixel size) imported from
    root/scans; returns the library folder."""
    from provenance import open_library

    scans = root / "scans"
    for seed, (relative, size) in enumerate(files.items()):
        _image(scans / relative, size, seed, "PNG" if relative.endswith(".png") else fmt)
    library = root / "lib"
    with open_library(library, actor="setup") as lib:
        lib.create_identity("Output Test Museum", PASS)
        report = lib.import_files([scans])
        assert not report.rejected and len(report.imported) == len(files), report
    return library


def _refused_plainly(done, *words: str) -> None:
    """Exit 1, one line on stderr that says what to do, no traceback."""
    assert_plain(done)
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "unexpected error" not in lines[0], lines[0]
    for word in words:
        assert word in lines[0], lines[0]


def _exports(library: Path) -> list[tuple[int, str, str]]:
    """(asset id, path, sha256) of every export record."""
    return db_rows(library, "SELECT asset_id, path, sha256 FROM exports ORDER BY id")


def _asset_sizes(library: Path) -> dict[int, tuple[int, int]]:
    return {a: (w, h) for a, w, h in db_rows(library, "SELECT id, width, height FROM assets")}


def _assert_records_match_files(library: Path, out: Path) -> None:
    """Each recorded export is on disk with its recorded SHA-256 and shows its own asset's
    picture (pixel size), and every visible file in `out` is a recorded export."""
    sizes = _asset_sizes(library)
    newest = {path: (asset, digest) for asset, path, digest in _exports(library)}
    for path, (asset, digest) in newest.items():
        assert Path(path).is_file(), path
        assert sha256(Path(path)) == digest, path
        with Image.open(path) as im:
            assert im.size == sizes[asset], (path, im.size, sizes[asset])
    assert {str(p) for p in visible_files(out)} == set(newest)


# -- exporting into the originals' folder --------------------------------------------------------


def test_export_into_the_originals_folder_is_refused_and_no_original_changes(tmp_path):
    library = _museum(tmp_path, {"scan.jpg": (80, 60), "b.jpg": (60, 80), "sub/c.jpg": (70, 50)})
    scans = tmp_path / "scans"
    before = sha_tree(scans)
    link = tmp_path / "to-scans"
    link.symlink_to(scans)
    # Default naming ({name}) would write every signed copy onto its original.
    for out in (scans, scans / "sub", link, Path(os.path.relpath(scans))):
        done = run_cli(library, "export", "--all", "--out", str(out))
        _refused_plainly(done, "holds imported originals", "choose another folder")
        assert sha_tree(scans) == before
    # A single item, into the folder of another item's original: refused too.
    done = run_cli(library, "export", "#1", "--out", str(scans / "sub"), "--naming", "x-{name}")
    _refused_plainly(done, "holds imported originals")
    assert sha_tree(scans) == before
    assert not hidden_files(scans) and counts(library)["exports"] == 0


def test_the_export_dialog_shows_the_same_sentence(qtbot, qapp, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt

    from desktop.dialogs import ExportDialog
    from desktop.workers import start
    from provenance import open_library

    library_folder = _museum(tmp_path, {"scan.jpg": (80, 60)})
    scans = tmp_path / "scans"
    before = sha_tree(scans)
    monkeypatch.delenv("CREDENCE_PASSPHRASE", raising=False)
    with open_library(library_folder) as library:
        expected = library.export_folder_problem(scans)
        assert expected and "choose another folder" in expected
        dialog = ExportDialog(library, None, start)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.work_done, timeout=120_000):
            dialog.show()  # the refusal check runs when the dialog is first shown
        for size in ((1024, 700), (1600, 1100)):
            dialog.resize(*size)
            dialog.folder_edit.clear()
            qtbot.keyClicks(dialog.folder_edit, str(scans))
            dialog.passphrase_edit.clear()
            qtbot.keyClicks(dialog.passphrase_edit, PASS)
            assert dialog.export_button.isVisible()
            with qtbot.waitSignal(dialog.work_done, timeout=120_000):
                qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
            assert dialog.problem.isVisible()
            assert dialog.problem.text().rstrip(".").lower().startswith(expected[:40].lower())
            assert "Traceback" not in dialog.problem.text()
            top_left = dialog.problem.mapTo(dialog, dialog.problem.rect().topLeft())
            assert dialog.rect().contains(top_left)
            assert dialog.rect().contains(top_left + dialog.problem.rect().bottomRight())
        assert dialog.report is None
    assert sha_tree(scans) == before


# -- names decided once ----------------------------------------------------------------------


def test_clashing_names_from_different_folders_give_one_file_and_one_record_each(tmp_path):
    library = _museum(
        tmp_path,
        {
            "a/scan.jpg": (80, 60),
            "a/scan-3.jpg": (60, 80),
            "b/scan.jpg": (70, 50),
            "c/SCAN.jpg": (50, 70),  # one name on a case-insensitive disk (a USB stick)
            "c/scan-2.jpg": (90, 40),
        },
    )
    out = tmp_path / "out"
    done = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert_plain(done)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    files = [e["file"] for e in report["exported"]]
    assert len(files) == 5 and len(set(files)) == 5
    assert len({f.casefold() for f in files}) == 5
    assert len(visible_files(out)) == 5 and len(_exports(library)) == 5
    _assert_records_match_files(library, out)
    assert_exports_complete(library, out)

    # Again, unchanged: nothing is written, every name stays with its asset.
    before = sha_tree(out)
    done = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert sorted(e["file"] for e in json.loads(done.stdout)["exported"]) == sorted(files)
    assert sha_tree(out) == before and len(_exports(library)) == 5


def test_links_to_originals_are_never_written_through(tmp_path):
    library = _museum(tmp_path, {"scan.jpg": (80, 60), "plate.png": (64, 48)})
    scans = tmp_path / "scans"
    before = sha_tree(scans)
    out = tmp_path / "out"
    out.mkdir()
    # The names the export would take are already links to the originals.
    os.link(scans / "scan.jpg", out / "scan.jpg")
    (out / "plate.png").symlink_to(scans / "plate.png")
    done = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert_plain(done)
    assert done.returncode == 0, done.stderr
    written = sorted(Path(e["file"]).name for e in json.loads(done.stdout)["exported"])
    assert written == ["plate-2.png", "scan-2.jpg"]
    assert sha_tree(scans) == before
    assert (out / "plate.png").is_symlink() and os.path.samefile(
        out / "scan.jpg", scans / "scan.jpg"
    )
    for _asset, path, digest in _exports(library):
        assert sha256(Path(path)) == digest and Path(path).name in written

    # Named by the user: refused, one plain line, the original unchanged.
    (tmp_path / "hard.csv").unlink(missing_ok=True)
    os.link(scans / "scan.jpg", tmp_path / "hard.csv")
    (tmp_path / "soft.pem").symlink_to(scans / "scan.jpg")
    (tmp_path / "labels.png").symlink_to(scans / "plate.png")
    for args in (
        ("catalog", "export", str(tmp_path / "hard.csv")),
        ("catalog", "export", str(scans / "scan.jpg")),
        ("identity", "export-ca", str(tmp_path / "soft.pem")),
        ("identity", "export-ca", str(scans / "plate.png")),
        ("labels", "--all", "--template", "wall", "--out", str(tmp_path / "labels.png")),
        ("labels", "--all", "--template", "wall", "--out", str(scans / "plate.png")),
    ):
        done = run_cli(library, *args)
        _refused_plainly(done, "imported original", "Choose another")
        assert sha_tree(scans) == before, args
    assert (tmp_path / "soft.pem").is_symlink() and (tmp_path / "labels.png").is_symlink()


def test_library_files_are_refused_as_targets(tmp_path):
    library = _museum(tmp_path, {"scan.jpg": (80, 60)})
    identity = library / "identity"
    key = next(p for p in identity.iterdir() if "key" in p.name)
    kept = {p: sha256(p) for p in (library / "library.sqlite", *identity.iterdir())}
    rows = counts(library)
    for args in (
        ("catalog", "export", str(library / "library.sqlite")),
        ("catalog", "export", str(library / "cache" / "catalog.csv")),
        ("identity", "export-ca", str(key)),
        ("identity", "export-ca", str(library / "ca-copy.pem")),
        ("export", "--all", "--out", str(library), "--naming", "library.sqlite"),
        ("export", "--all", "--out", str(library / "identity"), "--naming", key.name),
        ("export", "--all", "--out", str(library / "exports")),
        ("backup", str(library)),
        ("backup", str(library / "backups")),
        ("labels", "--all", "--template", "wall", "--out", str(library / "labels.pdf")),
    ):
        done = run_cli(library, *args)
        _refused_plainly(done, "library folder")
        for path, digest in kept.items():
            assert sha256(path) == digest, (args, path)
        assert counts(library) == rows, args
    assert not (library / "exports").exists() and not (library / "ca-copy.pem").exists()
    assert (
        not (library / "labels.pdf").exists() and not (library / "cache" / "catalog.csv").exists()
    )
    assert sorted(p.name for p in library.iterdir() if p.name.startswith("lib-backup")) == []
    # The same commands outside the library still work.
    assert run_cli(library, "backup", str(tmp_path / "backups")).returncode == 0
    assert run_cli(library, "catalog", "export", str(tmp_path / "cat.csv")).returncode == 0
    assert run_cli(library, "identity", "export-ca", str(tmp_path / "ca.pem")).returncode == 0


# -- one bad name never sinks a batch --------------------------------------------------------


def test_names_no_disk_accepts_fail_alone_and_the_rest_are_exported_and_recorded(tmp_path):
    from provenance import open_library

    sizes = {f"m{i}.jpg": (60 + i, 40 + i) for i in range(6)}
    library = _museum(tmp_path, sizes)
    long_accession = "L" + "ö" * 160  # 321 bytes of UTF-8
    with open_library(library) as lib:
        items = {i.title: i.id for i in lib.list_items()}
        for i in range(6):
            lib.update_item(items[f"m{i}"], {"accession": f"A{i}"})
        lib.update_item(items["m1"], {"accession": long_accession})
    # A NUL in a stored accession number (an older library, or a tool writing the database):
    # no file system takes it in a name.
    conn = sqlite3.connect(library / "library.sqlite")
    with conn:
        conn.execute(
            "UPDATE items SET accession = 'N' || char(0) || 'UL' WHERE id = ?", (items["m4"],)
        )
    conn.close()
    out = tmp_path / "out"
    done = run_cli(
        library,
        "export",
        "--all",
        "--out",
        str(out),
        "--naming",
        "{accession}.{ext}",
        "--json",
        "--jobs",
        "3",
    )
    assert_plain(done)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert len(report["exported"]) == 4 and report["refused"] == []
    reasons = " ".join(f["reason"] for f in report["failed"])
    assert len(report["failed"]) == 2, report["failed"]
    assert "bytes long" in reasons and "NUL" in reasons and "naming pattern" in reasons
    _assert_records_match_files(library, out)
    assert not [p for p in hidden_files(out) if not TEMP_NAME.match(p.name)]
    assert not hidden_files(out)
    assert_exports_complete(library, out)


def test_a_master_whose_name_is_not_utf8_exports_under_a_plain_name(tmp_path):
    """The library stores such a name as a file:// URI of its bytes; the export reads the
    master through it and writes a name that is valid text (so it can be recorded)."""
    library = _museum(tmp_path, {"good.jpg": (80, 60), "caf.jpg": (60, 80), "z.jpg": (50, 50)})
    scans = tmp_path / "scans"
    raw = os.fsencode(scans) + b"/caf\xe9.jpg"
    os.rename(scans / "caf.jpg", raw)
    conn = sqlite3.connect(library / "library.sqlite")
    with conn:
        conn.execute(
            "UPDATE assets SET path = ? WHERE path = ?",
            ("file://" + quote_from_bytes(raw), str((scans / "caf.jpg").resolve())),
        )
    conn.close()
    before = {p: sha256(Path(os.fsdecode(p))) for p in (raw, os.fsencode(scans / "good.jpg"))}
    out = tmp_path / "out"
    done = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert_plain(done)
    assert done.returncode == 0, (done.stdout, done.stderr)
    names = sorted(Path(e["file"]).name for e in json.loads(done.stdout)["exported"])
    assert names == ["caf_.jpg", "good.jpg", "z.jpg"]
    _assert_records_match_files(library, out)
    assert {p: sha256(Path(os.fsdecode(p))) for p in before} == before
    # The export folder itself may not have such a name: the records could not hold it.
    odd = os.fsdecode(os.fsencode(tmp_path) + b"/out\xff")
    done = run_cli(library, "export", "--all", "--out", odd)
    _refused_plainly(done, "not valid text")
    assert not os.path.exists(odd)


# -- two runs, one folder --------------------------------------------------------------------


def test_a_second_run_replaces_only_its_own_earlier_exports(tmp_path):
    library = _museum(tmp_path, {"a.jpg": (80, 60), "b.jpg": (60, 80), "c.jpg": (70, 50)})
    out = tmp_path / "out"
    first = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in visible_files(out)) == ["a.jpg", "b.jpg", "c.jpg"]
    # The user edits one export by hand, replaces another with a file of their own, and
    # a new master arrives whose name is taken by a foreign file.
    with open(out / "b.jpg", "ab") as handle:
        handle.write(b"edited by hand")
    (out / "c.jpg").unlink()
    (out / "c.jpg").write_bytes(b"a file the user put here")
    (out / "d.jpg").write_bytes(b"someone else's d")
    _image(tmp_path / "more" / "d.jpg", (40, 40), 99)
    assert run_cli(library, "import", str(tmp_path / "more")).returncode == 0
    foreign = {name: sha256(out / name) for name in ("b.jpg", "c.jpg", "d.jpg")}
    # What every export signs changes, so every asset is exported again.
    assert run_cli(library, "settings", "training_mining=allowed").returncode == 0
    a_before = sha256(out / "a.jpg")

    second = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert_plain(second)
    assert second.returncode == 0, second.stderr
    names = sorted(Path(e["file"]).name for e in json.loads(second.stdout)["exported"])
    assert names == ["a.jpg", "b-2.jpg", "c-2.jpg", "d-2.jpg"]
    assert sha256(out / "a.jpg") != a_before  # its own export, replaced in place
    assert {name: sha256(out / name) for name in foreign} == foreign  # never replaced
    newest = {Path(p).name for a, p, d in _exports(library)}
    assert newest == {"a.jpg", "b.jpg", "c.jpg", "b-2.jpg", "c-2.jpg", "d-2.jpg"}
    for _asset, path, digest in db_rows(
        library,
        "SELECT asset_id, path, sha256 FROM exports WHERE id IN "
        "(SELECT max(id) FROM exports GROUP BY asset_id)",
    ):
        assert sha256(Path(path)) == digest
    third = run_cli(library, "export", "--all", "--out", str(out), "--json")
    assert third.returncode == 0
    assert sorted(Path(e["file"]).name for e in json.loads(third.stdout)["exported"]) == names


# -- naming patterns -------------------------------------------------------------------------

BAD_PATTERNS = (
    "{name.__class__}",
    "{name.__class__.__mro__}",
    "{name[0]}",
    "{name!r}",
    "{name:>900000000}",
    "{id:0>300}",
    "{stem:.9999}",
    "{name:{stem}}",
    "{0}",
    "{}",
    "{title}",
    "{accession",
    "accession}",
    "",
)


@pytest.mark.parametrize("pattern", ["{name.__class__}", "{name:>900000000}", "{name[0]}"])
def test_naming_patterns_outside_the_fields_are_refused_plainly(tmp_path, pattern):
    library = _museum(tmp_path, {"scan.jpg": (80, 60)})
    out = tmp_path / "out"
    done = run_cli(library, "export", "--all", "--out", str(out), "--naming", pattern)
    assert_plain(done)
    assert done.returncode == 2, done.stderr
    assert "naming pattern" in done.stderr and "unexpected" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists() and counts(library)["exports"] == 0
    done = run_cli(library, "settings", f"export_naming={pattern}")
    assert_plain(done)
    assert done.returncode == 2 and "naming pattern" in done.stderr


def test_every_bad_pattern_is_refused_by_the_core_and_good_ones_stay_in_the_folder():
    from provenance import InvalidValue, pattern_problem, resolve_name

    for pattern in BAD_PATTERNS:
        assert pattern_problem(pattern), pattern
        with pytest.raises(InvalidValue):
            resolve_name(pattern, Path("scan.jpg"), "A1", 1)
    source = Path("/masters/scan.jpg")
    for pattern, expected in {
        "{id:0>5}-{stem}.{ext}": "00001-scan.jpg",
        "{stem:.2}": "sc.jpg",
        "../../{name}": "_.._scan.jpg",
        "/etc/{name}": "_etc_scan.jpg",
        "..": "scan.jpg",
        "{accession}": "_.._x.jpg",
        "{{literal}}-{id}.{ext}": "{literal}-1.jpg",
    }.items():
        accession = "../../x" if pattern == "{accession}" else "A1"
        name = resolve_name(pattern, source, accession, 1)
        assert name == expected, (pattern, name)
        assert "/" not in name and not name.startswith(".")
