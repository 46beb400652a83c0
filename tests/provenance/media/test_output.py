"""The output writer on its own: atomic writes, guarded claims, names decided once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provenance.media.output import (
    TEMP_SUFFIX,
    OutputRefused,
    OutputRun,
    atomic_path,
    name_problem,
    publish,
    temp_beside,
    write_atomic,
)


def _no_temporaries(folder: Path) -> None:
    assert not [p for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "catalog.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    _no_temporaries(tmp_path)
    write_atomic(target, b"new", mode=0o600)
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o600
    _no_temporaries(tmp_path)


def test_a_long_final_name_still_gets_a_short_enough_temporary(tmp_path):
    target = tmp_path / ("n" * 250 + ".pdf")
    write_atomic(target, b"x")
    assert target.read_bytes() == b"x"


def test_publish_without_replace_never_replaces_a_file_that_appeared(tmp_path):
    target = tmp_path / "scan.jpg"
    temp = temp_beside(target)
    temp.write_bytes(b"ours")
    target.write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        publish(temp, target, replace=False)
    assert target.read_bytes() == b"theirs" and not temp.exists()


def test_originals_and_library_files_are_refused_by_path_and_by_inode(tmp_path):
    library = tmp_path / "lib"
    (library / "identity").mkdir(parents=True)
    original = tmp_path / "scans" / "scan.jpg"
    original.parent.mkdir()
    original.write_bytes(b"master")
    os.link(original, tmp_path / "hard.pdf")
    (tmp_path / "soft.pdf").symlink_to(original)
    (tmp_path / "to-lib").symlink_to(library)
    run = OutputRun(library, lambda: [str(original)])
    for target in (
        original,
        tmp_path / "hard.pdf",
        tmp_path / "soft.pdf",
        library / "library.sqlite",
        library / "identity" / "new.pem",
        tmp_path / "to-lib" / "x.csv",
    ):
        with pytest.raises(OutputRefused):
            run.claim(target)
    assert original.read_bytes() == b"master"
    assert run.folder_holds_originals(tmp_path / "scans")
    assert not run.folder_holds_originals(tmp_path)
    run.claim(tmp_path / "labels.pdf")
    with pytest.raises(OutputRefused, match="already written by this run"):
        run.claim(tmp_path / "labels.pdf")


def test_free_names_are_unique_in_the_run_and_on_disk_even_for_many_clashes(tmp_path):
    (tmp_path / "scan-2.jpg").write_bytes(b"foreign")
    run = OutputRun()
    never = lambda _path: False  # noqa: E731
    names = [run.free_name(tmp_path, "scan.jpg", never)[0].name for _ in range(2000)]
    names.append(run.free_name(tmp_path, "SCAN.jpg", never)[0].name)
    assert len(set(n.casefold() for n in names)) == len(names)
    assert "scan-2.jpg" not in names and names[:3] == ["scan.jpg", "scan-3.jpg", "scan-4.jpg"]
    own = tmp_path / "own.jpg"
    own.write_bytes(b"an earlier export")
    assert run.free_name(tmp_path, "own.jpg", lambda p: p == own) == (own, True)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("a" * 256, "bytes long"), ("ö" * 128, "bytes long"), ("a\0b.jpg", "NUL"), ("ok.jpg", None)],
)
def test_names_no_file_system_accepts_are_named(name, problem):
    found = name_problem(name)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_user_outputs_honour_the_umask_and_secrets_stay_private(tmp_path, umask, expected):
    # Labels and exports on a shared drive: colleagues read them as they read the user's other
    # documents. A key passes 0o600 and stays private whatever the umask.
    old = os.umask(umask)
    try:
        run = OutputRun(tmp_path / "library")
        written = run.write_bytes(tmp_path / "labels.pdf", b"%PDF")
        with run.writing(tmp_path / "labels.png") as temp:
            temp.write_bytes(b"png")
        with run.writing_all([tmp_path / "a.png", tmp_path / "b.png"]) as temps:
            for temp in temps:
                temp.write_bytes(b"png")
        with run.open(tmp_path / "catalog.csv", "w") as handle:
            handle.write("a,b\n")
        write_atomic(tmp_path / "key.pem", b"secret", mode=0o600)
        os.umask(0)
        write_atomic(tmp_path / "key2.pem", b"secret", mode=0o600)
    finally:
        os.umask(old)
    for name in ("labels.pdf", "labels.png", "a.png", "b.png", "catalog.csv"):
        assert (tmp_path / name).stat().st_mode & 0o777 == expected, name
    assert written == tmp_path / "labels.pdf"
    for name in ("key.pem", "key2.pem"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


def test_a_name_the_file_system_refuses_is_one_sentence_and_leaves_nothing(tmp_path):
    too_long = tmp_path / ("a" * 300 + ".pdf")
    refused = pytest.raises(OutputRefused, match=r"cannot write .*aaa\.pdf: File name too long")
    with refused, OutputRun().writing_all([too_long]) as temps:
        temps[0].write_bytes(b"label")
    assert list(tmp_path.iterdir()) == []
    _no_temporaries(tmp_path)
