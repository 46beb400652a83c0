"""kill -9 at any moment: a file import, a catalog import and an export, each killed at several
points (when the library or the export folder shows N rows/files, and at fixed fractions of a
clean run's duration measured in the same test).

After every kill: the originals are byte-identical, no partial file sits under a final name
(every visible export verifies as trusted; only hidden `.credence-tmp` files may remain), the
library opens, its database and search index are sound, `credence history --verify` passes, and
re-running the same command finishes the job with exactly the counts of a clean run.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import data_file
from tests.reliability.conftest import (
    SOAK,
    Running,
    assert_exports_complete,
    assert_library_consistent,
    assert_plain,
    build_museum,
    counts,
    credence,
    db_rows,
    db_scalar,
    hidden_files,
    make_jpegs,
    run_cli,
    session_pids,
    sha256,
    sha_tree,
    soak,
    visible_files,
)


@dataclass(frozen=True)
class KillPoint:
    """When to kill: once `progress()` reaches `rows`, or at `fraction` of the clean run."""

    label: str
    rows: int | None = None
    fraction: float | None = None


def kill_at(point: KillPoint, run: Running, progress: Callable[[], int], baseline: float) -> bool:
    """Kill `run` at `point`; True if it was still running when killed."""
    if point.fraction is not None:
        alive = run.sleep_until(point.fraction * baseline)
    else:
        assert point.rows is not None
        alive = run.wait_until(lambda: progress() >= point.rows)
        alive = alive and run.proc.poll() is None
    run.kill()
    return alive


def fractions(*values: float) -> list[KillPoint]:
    return [KillPoint(f"{v:.0%} of a clean run", fraction=v) for v in values]


# -- file import ------------------------------------------------------------------------------

IMPORT_FILES = 120
IMPORT_POINTS = [
    KillPoint("as soon as the database file exists", rows=0),
    KillPoint("after the first batch is stored", rows=1),
    KillPoint("after 75 assets are stored", rows=75),
    *fractions(0.5),
]
IMPORT_SOAK_POINTS = [
    *(KillPoint(f"after {n} assets", rows=n) for n in (0, 1, 25, 50, 75, 100)),
    *fractions(0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95),
]


def _scan_folder(root: Path) -> Path:
    source = root / "scans"
    make_jpegs(source, IMPORT_FILES)
    # A few real files with their own credentials and other formats.
    for rel in ("c2pa-fixtures/CA.jpg", "c2pa-fixtures/libpng-test.png", "c2pa-fixtures/test.tiff"):
        src = data_file(rel)
        (source / src.name).write_bytes(src.read_bytes())
    return source


def _check_thumbnails(library: Path) -> None:
    for (relative,) in db_rows(library, "SELECT thumbnail FROM assets WHERE thumbnail IS NOT NULL"):
        path = library / "cache" / "thumbnails" / relative
        with Image.open(path) as im:
            im.load()  # a partial thumbnail under its final name would fail here


def _import_killed(tmp_path: Path, points: list[KillPoint]) -> None:
    source = _scan_folder(tmp_path)
    originals = sha_tree(source)
    total = len(originals)
    clean = tmp_path / "clean"
    started = time.monotonic()
    done = run_cli(clean, "import", str(source), "--json")
    baseline = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    expected = counts(clean)
    assert expected["assets"] == total

    for n, point in enumerate(points):
        library = tmp_path / f"lib-{n}"
        run = Running(credence(library, "import", str(source)), tmp_path / f"logs-{n}")

        def stored(library=library) -> int:
            if not (library / "library.sqlite").exists():
                return -1
            return db_scalar(library, "SELECT count(*) FROM assets")

        kill_at(point, run, stored, baseline)
        where = f"killed {point.label}"
        assert sha_tree(source) == originals, where
        before = db_scalar(library, "SELECT count(*) FROM assets")
        assert_library_consistent(library)
        _check_thumbnails(library)

        again = run_cli(library, "import", str(source), "--json")
        assert again.returncode == 0, (where, again.stderr)
        assert_plain(again)
        report = json.loads(again.stdout)
        assert len(report["imported"]) + len(report["duplicates"]) == total, where
        assert len(report["duplicates"]) == before, where
        assert counts(library) == expected, where
        assert_library_consistent(library, cli=False)
        _check_thumbnails(library)
        assert sha_tree(source) == originals, where


def test_file_import_killed_at_any_moment(tmp_path):
    _import_killed(tmp_path, IMPORT_POINTS)


@pytest.mark.slow
@soak
def test_file_import_killed_at_any_moment_soak(tmp_path):
    _import_killed(tmp_path, IMPORT_SOAK_POINTS)


# -- catalog import ---------------------------------------------------------------------------

CATALOG_ROWS = 25_000  # three transactions of the importer (2,000, 20,000 and 3,000 rows)
CATALOG_POINTS = [
    KillPoint("after the first chunk is committed", rows=1),
    *fractions(0.35, 0.8),
]
CATALOG_SOAK_POINTS = [
    KillPoint("as soon as the database file exists", rows=0),
    KillPoint("after the first chunk", rows=1),
    *fractions(0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95),
]


def write_catalog(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("object_number,title,artist,date,medium,credit_line,filename\n")
        for i in range(rows):
            handle.write(
                f"K{i:06d},Harbour study no. {i},Maker {i % 997},18{i % 100:02d},"
                f'"Oil on canvas, {i % 7} panels",Gift of the Friends,K{i:06d}.tif\n'
            )
    return path


def _catalog_killed(tmp_path: Path, points: list[KillPoint]) -> None:
    source = write_catalog(tmp_path / "objects.csv", CATALOG_ROWS)
    original = sha256(source)
    clean = tmp_path / "clean"
    started = time.monotonic()
    done = run_cli(clean, "catalog", "import", str(source), "--json")
    baseline = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == CATALOG_ROWS
    expected = counts(clean)

    for n, point in enumerate(points):
        library = tmp_path / f"lib-{n}"
        run = Running(credence(library, "catalog", "import", str(source)), tmp_path / f"logs-{n}")

        def stored(library=library) -> int:
            if not (library / "library.sqlite").exists():
                return -1
            return db_scalar(library, "SELECT count(*) FROM items")

        kill_at(point, run, stored, baseline)
        where = f"killed {point.label}"
        assert sha256(source) == original, where
        before = db_scalar(library, "SELECT count(*) FROM items")
        assert before in (0, 2_000, 22_000, CATALOG_ROWS), f"{where}: a chunk was split"
        assert_library_consistent(library)

        again = run_cli(library, "catalog", "import", str(source), "--json")
        assert again.returncode == 0, (where, again.stderr)
        assert_plain(again)
        report = json.loads(again.stdout)
        assert (report["created"], report["unchanged"]) == (CATALOG_ROWS - before, before), where
        assert report["updated"] == 0 and report["rejected"] == [], where
        assert counts(library) == expected, where
        assert_library_consistent(library, cli=False)


def test_catalog_import_killed_at_any_moment(tmp_path):
    _catalog_killed(tmp_path, CATALOG_POINTS)


@pytest.mark.slow
@soak
def test_catalog_import_killed_at_any_moment_soak(tmp_path):
    _catalog_killed(tmp_path, CATALOG_SOAK_POINTS)


# -- export -----------------------------------------------------------------------------------

EXPORT_MASTERS = 64
EXPORT_POINTS = [
    KillPoint("after the first file appears", rows=1),
    KillPoint("after 20 files (one batch of records)", rows=20),
    *fractions(0.15, 0.6),
]
EXPORT_SOAK_POINTS = [
    *(KillPoint(f"after {n} files", rows=n) for n in (1, 8, 16, 17, 33, 50, 68)),
    *fractions(0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95),
]


def _export_stats(library: Path, out: Path) -> tuple[int, int]:
    """(export rows, distinct assets) recorded for files in `out`."""
    prefix = f"{out.resolve()}/%"
    rows = db_scalar(library, "SELECT count(*) FROM exports WHERE path LIKE ?", prefix)
    assets = db_scalar(
        library, "SELECT count(DISTINCT asset_id) FROM exports WHERE path LIKE ?", prefix
    )
    return rows, assets


def _fixture_masters() -> list[Path]:
    return [
        data_file(rel)
        for rel in (
            "c2pa-fixtures/CA.jpg",  # already signed: exported as c2pa.opened with its parent
            "c2pa-fixtures/libpng-test.png",
            "c2pa-fixtures/test.tiff",
            "c2pa-fixtures/mars.webp",
        )
    ]


def _export_killed(tmp_path: Path, points: list[KillPoint], jobs: str = "2") -> None:
    museum = build_museum(tmp_path / "museum", _fixture_masters(), count=EXPORT_MASTERS)
    library = museum.library
    total = EXPORT_MASTERS + 4
    clean_out = tmp_path / "out-clean"
    started = time.monotonic()
    done = run_cli(library, "export", "--all", "--out", str(clean_out), "--jobs", jobs)
    baseline = time.monotonic() - started
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr)
    assert len(visible_files(clean_out)) == total
    assert _export_stats(library, clean_out) == (total, total)
    entries_per_run = db_scalar(library, "SELECT count(*) FROM history WHERE entity = 'export'")

    for n, point in enumerate(points):
        out = tmp_path / f"out-{n}"
        run = Running(
            credence(library, "export", "--all", "--out", str(out), "--jobs", jobs),
            tmp_path / f"logs-{n}",
        )
        kill_at(point, run, lambda out=out: len(visible_files(out)), baseline)
        where = f"killed {point.label}"
        assert sha_tree(museum.masters) == museum.originals, where
        assert_library_consistent(library)
        assert_exports_complete(library, out)

        again = run_cli(library, "export", "--all", "--out", str(out), "--jobs", jobs)
        assert again.returncode == 0, (where, again.stdout[-2000:], again.stderr)
        assert_plain(again)
        assert hidden_files(out) == [], f"{where}: a re-run must remove stale temporaries"
        assert len(visible_files(out)) == total, where
        assert _export_stats(library, out) == (total, total), f"{where}: duplicate exports"
        history_after = db_scalar(library, "SELECT count(*) FROM history WHERE entity='export'")
        assert history_after == (n + 2) * entries_per_run, where
        if SOAK:
            assert_exports_complete(library, out)
        else:  # the files the re-run wrote are checked against their records (cheaper)
            assert_exports_complete(library, out, verify=False)
        assert_library_consistent(library, cli=False)
        assert sha_tree(museum.masters) == museum.originals, where


def test_export_killed_at_any_moment(tmp_path):
    _export_killed(tmp_path, EXPORT_POINTS)


@pytest.mark.slow
@soak
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_export_killed_at_any_moment_soak(tmp_path, jobs):
    _export_killed(tmp_path, EXPORT_SOAK_POINTS, jobs)


def test_killed_export_leaves_no_worker_processes(tmp_path):
    """`kill -9` of the exporting process only: its worker processes notice and end too."""
    museum = build_museum(tmp_path / "museum", count=60)
    out = tmp_path / "out"
    run = Running(
        credence(museum.library, "export", "--all", "--out", str(out), "--jobs", "2"),
        tmp_path / "logs",
    )
    try:
        run.wait_until(lambda: len(visible_files(out)) >= 5)
        os.kill(run.pid, signal.SIGKILL)  # only the command itself, as `kill -9 PID` would
        run.proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while session_pids(run.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = session_pids(run.pid)
        assert left == [], f"{len(left)} processes still running long after the kill"
    finally:
        run.reap()
