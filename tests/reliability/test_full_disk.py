"""Full disks and read-only targets: an export or import that runs out of space, or meets a folder
it may not write, fails with a plain message and leaves the library consistent.

Two ways to run out of space: RLIMIT_FSIZE on the child process (works anywhere: writes past the
limit fail with EFBIG, SIGXFSZ ignored) and, when the tests run as root and may mount, a small
tmpfs that really fills up (ENOSPC). Read-only targets are a read-only tmpfs mount as root (root
ignores permission bits) and mode 0555 otherwise.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    assert_exports_complete,
    assert_library_consistent,
    assert_plain,
    build_museum,
    counts,
    db_scalar,
    hidden_files,
    make_jpegs,
    run_cli,
    sha256,
    sha_tree,
    visible_files,
)


def file_size_limit(limit: int):
    """preexec_fn: files may not grow past `limit` bytes; writes fail with EFBIG, no signal."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at `path` (root only; skips where mounting is not allowed)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a size-limited tmpfs needs root and mount")
    path.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def remount(path: Path, options: str) -> None:
    done = _mount("-o", f"remount,{options}", str(path))
    assert done.returncode == 0, done.stderr


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder nobody (root included) can write: a read-only mount as root, 0555 otherwise."""
    if os.geteuid() != 0:
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    with tmpfs(path, "1m"):
        remount(path, "ro")
        yield path


def _export_rows(library: Path) -> int:
    return db_scalar(library, "SELECT count(*) FROM exports")


def _export_entries(library: Path) -> int:
    return db_scalar(library, "SELECT count(*) FROM history WHERE entity = 'export'")


def _failed_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("failed")]


# -- exports -------------------------------------------------------------------------------------


def test_export_past_the_file_size_limit_fails_per_file_and_keeps_the_library(tmp_path):
    """EFBIG on the big masters only: they fail by name, the small ones are exported and recorded,
    and a re-run without the limit finishes the job without duplicates."""
    big = make_jpegs(tmp_path / "big", 3, size=(1700, 1300), start=900)
    assert all(p.stat().st_size > 1_300_000 for p in big)
    museum = build_museum(tmp_path / "museum", big, count=24)
    library, out = museum.library, tmp_path / "out"
    done = run_cli(
        library,
        "export",
        "--all",
        "--out",
        str(out),
        "--jobs",
        "2",
        preexec_fn=file_size_limit(1_200_000),
    )
    assert done.returncode == 1, (done.stdout[-2000:], done.stderr)
    assert_plain(done)
    failed = _failed_lines(done.stdout)
    assert len(failed) == 3, done.stdout[-2000:]
    for line in failed:
        assert "File too large" in line and "master-09" in line, line
    assert sorted(p.name for p in visible_files(out)) == sorted(
        p.name for p in museum.masters.iterdir() if p.name not in {b.name for b in big}
    )
    assert hidden_files(out) == []  # the failed temporaries were removed
    assert _export_rows(library) == 24 and _export_entries(library) == 24
    assert_exports_complete(library, out)
    assert_library_consistent(library)
    assert sha_tree(museum.masters) == museum.originals

    again = run_cli(library, "export", "--all", "--out", str(out), "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert len(visible_files(out)) == 27 and hidden_files(out) == []
    assert counts(library)["exports"] == counts(library)["exported_assets"] == 27
    assert _export_entries(library) == 27
    assert_exports_complete(library, out)
    assert_library_consistent(library)


def test_export_to_a_disk_that_fills_up(tmp_path):
    """ENOSPC on a 600 KB tmpfs: the files that fit are whole and recorded, the rest fail with
    a plain reason, and after space is freed a re-run completes without duplicates."""
    museum = build_museum(tmp_path / "museum", count=30)
    library = museum.library
    with tmpfs(tmp_path / "small-disk", "600k") as out:
        done = run_cli(library, "export", "--all", "--out", str(out), "--jobs", "2")
        assert done.returncode == 1, (done.stdout[-2000:], done.stderr)
        assert_plain(done)
        failed = _failed_lines(done.stdout)
        assert failed, done.stdout[-2000:]
        assert all("No space left on device" in line for line in failed), failed
        written = visible_files(out)
        assert 0 < len(written) < 30
        assert len(written) + len(failed) == 30
        assert _export_rows(library) == len(written) == _export_entries(library)
        assert_exports_complete(library, out)
        assert_library_consistent(library)
        assert sha_tree(museum.masters) == museum.originals

        remount(out, "size=64m")
        again = run_cli(library, "export", "--all", "--out", str(out), "--jobs", "2")
        assert again.returncode == 0, again.stderr
        assert len(visible_files(out)) == 30 and hidden_files(out) == []
        assert counts(library)["exports"] == counts(library)["exported_assets"] == 30
        assert_exports_complete(library, out)
        assert_library_consistent(library)


@pytest.mark.parametrize("target", ["folder", "new subfolder"])
def test_export_into_a_read_only_folder_fails_plainly(tmp_path, target):
    museum = build_museum(tmp_path / "museum", count=3)
    library = museum.library
    history = db_scalar(library, "SELECT count(*) FROM history")
    with read_only_folder(tmp_path / "read-only") as folder:
        out = folder if target == "folder" else folder / "exports"
        done = run_cli(library, "export", "--all", "--out", str(out))
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert_plain(done)
        assert "exported" not in done.stdout
        message = done.stderr.strip()
        assert message.startswith("credence: ") and len(message.splitlines()) == 1, message
        assert "read-only" in message.lower() or "Read-only" in message, message
        assert str(out) in message, message
        assert list(folder.iterdir()) == []
    assert _export_rows(library) == 0
    assert db_scalar(library, "SELECT count(*) FROM history") == history
    assert_library_consistent(library)


# -- imports into a library whose disk is full --------------------------------------------------


def _scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    make_jpegs(folder, 60)
    return folder


def test_import_into_a_full_library_disk_keeps_the_library(tmp_path):
    """The library's database cannot grow (RLIMIT_FSIZE): the import stops, what was stored is
    whole, the history verifies, and a re-run with room imports the rest without duplicates."""
    source = _scans(tmp_path)
    originals = sha_tree(source)
    clean = tmp_path / "clean"
    assert run_cli(clean, "import", str(source)).returncode == 0
    library = tmp_path / "lib"
    assert run_cli(library, "init").returncode == 0
    done = run_cli(library, "import", str(source), preexec_fn=file_size_limit(100_000))
    assert done.returncode == 1, (done.stdout[-2000:], done.stderr)
    assert_plain(done)
    assert sha_tree(source) == originals
    stored = db_scalar(library, "SELECT count(*) FROM assets")
    assert stored < 60
    assert_library_consistent(library)

    again = run_cli(library, "import", str(source), "--json")
    assert again.returncode == 0, again.stderr
    assert len(json.loads(again.stdout)["duplicates"]) == stored
    assert counts(library) == counts(clean)
    assert_library_consistent(library)


def test_import_into_a_full_library_disk_says_so_plainly(tmp_path):
    source = _scans(tmp_path)
    library = tmp_path / "lib"
    assert run_cli(library, "init").returncode == 0
    done = run_cli(library, "import", str(source), preexec_fn=file_size_limit(100_000))
    assert done.returncode == 1
    message = done.stderr.strip()
    assert "unexpected error" not in message and "OperationalError" not in message, message
    assert "full" in message.lower() or "space" in message.lower(), message


def test_full_thumbnail_disk_does_not_blame_the_originals(tmp_path):
    source = _scans(tmp_path)
    library = tmp_path / "lib"
    assert run_cli(library, "init").returncode == 0
    with tmpfs(library / "cache" / "thumbnails", "100k"):
        done = run_cli(library, "import", str(source), "--json")
        assert_plain(done)
        report = json.loads(done.stdout)
        assert_library_consistent(library)
    reasons = [r["reason"] for r in report["rejected"]]
    assert reasons or len(report["imported"]) == 60
    for reason in reasons:
        assert "could not be read" not in reason and "Errno" not in reason, reason
        assert "space" in reason.lower() or "full" in reason.lower(), reason


def test_read_only_library_is_refused_plainly_and_left_untouched(tmp_path):
    source = _scans(tmp_path)
    catalog = tmp_path / "objects.csv"
    catalog.write_text("accession,title\nR1,One\n", encoding="utf-8")
    if os.geteuid() != 0:
        pytest.skip("a read-only library folder needs a read-only mount when running as root")
    with tmpfs(tmp_path / "ro-lib", "8m") as library:
        assert run_cli(library, "import", str(source)).returncode == 0
        before = sha256(library / "library.sqlite")
        assert not (library / "library.sqlite-wal").exists()
        remount(library, "ro")
        for args in (["items"], ["import", str(source)], ["catalog", "import", str(catalog)]):
            done = run_cli(library, *args)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            assert_plain(done)
            assert "read-only" in done.stderr, done.stderr
        assert sha256(library / "library.sqlite") == before
        remount(library, "rw")
        assert db_scalar(library, "SELECT count(*) FROM assets") == 60
        assert_library_consistent(library)
