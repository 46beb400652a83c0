"""Helpers for the reliability suite: run the real `credence` command, kill it, check what is left.

Every test here drives the installed command line in a child process (`python -m desktop`), the
way a registrar or a script would, and then looks at the library folder, the export folder and
the originals directly: the database with sqlite3, files by their bytes, credentials with
`credence verify`. Nothing is mocked.

The soak variants (more kill points, more fuzz examples, bigger inputs) are marked `slow` and
only run with CREDENCE_SOAK=1; see docs/RELIABILITY.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT

PASS = "reliability passphrase 7Qx!-dune"
SOAK = os.environ.get("CREDENCE_SOAK") == "1"
#: Long variants: `CREDENCE_SOAK=1 pytest -m slow tests/reliability`.
soak = pytest.mark.skipif(not SOAK, reason="soak run only: set CREDENCE_SOAK=1 (make soak)")
TEMP_NAME = re.compile(r"^\..+\.credence-tmp$")
TRACEBACK = "Traceback (most recent call last)"


def credence(library: Path, *args: str) -> list[str]:
    """The argv of the real command line for `library`."""
    return [sys.executable, "-m", "desktop", "--library", str(library), *map(str, args)]


def cli_env(**changes: str | None) -> dict[str, str]:
    """The current (test-isolated) environment plus the signing passphrase and `changes`."""
    env = dict(os.environ)
    env["CREDENCE_PASSPHRASE"] = PASS
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(
    library: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess:
    """Run `credence --library LIB ARGS...` to completion; stdout/stderr as text."""
    return subprocess.run(
        credence(library, *args),
        cwd=ROOT,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
        check=False,
    )


def assert_plain(done: subprocess.CompletedProcess) -> None:
    """No traceback and no unexpected-error wording reached the terminal."""
    for stream in (done.stdout, done.stderr):
        assert TRACEBACK not in stream, stream[-3000:]


def session_pids(session: int) -> list[int]:
    """Processes (still alive, not zombies) in the session `session`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(entry))
    return found


class Running:
    """A `credence` command running in its own session, so it and its workers can be found."""

    def __init__(self, argv: list[str], logs: Path, env: dict[str, str] | None = None) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = logs / "stdout", logs / "stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv, cwd=ROOT, env=env or cli_env(), stdout=out, stderr=err, start_new_session=True
            )
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_until(self, condition: Callable[[], bool], timeout: float = 120) -> bool:
        """Poll `condition` until it holds (True) or the command exits first (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.proc.poll() is not None:
                return condition()
            time.sleep(0.002)
        raise AssertionError(f"condition not reached within {timeout}s")

    def sleep_until(self, seconds_after_start: float) -> bool:
        """Wait until `seconds_after_start`; False if the command finished before then."""
        while time.monotonic() - self.started < seconds_after_start:
            if self.proc.poll() is not None:
                return False
            time.sleep(0.001)
        return self.proc.poll() is None

    def kill(self, grace: float = 0.3) -> None:
        """kill -9 the command itself, then (after `grace`) whatever it left in its session."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        time.sleep(grace)
        self.reap()

    def reap(self) -> None:
        """SIGKILL every process still in this command's session (ours: we started it)."""
        for pid in session_pids(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while session_pids(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)

    def finish(self, timeout: float = 300) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.reap()

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


# -- the database, read directly ------------------------------------------------------------


def db_path(library: Path) -> Path:
    return Path(library) / "library.sqlite"


def db_scalar(library: Path, sql: str, *params) -> int:
    """One number from the library database; 0 while the database or table does not exist."""
    path = db_path(library)
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(path, timeout=30)
    except sqlite3.Error:
        return 0
    try:
        row = conn.execute(sql, params).fetchone()
        return int(row[0] or 0) if row else 0
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def db_rows(library: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db_path(library), timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def counts(library: Path) -> dict[str, int]:
    """Row counts that a re-run must reproduce exactly (duplicates would show here)."""
    return {
        "items": db_scalar(library, "SELECT count(*) FROM items"),
        "accessions": db_scalar(library, "SELECT count(DISTINCT accession) FROM items"),
        "assets": db_scalar(library, "SELECT count(*) FROM assets"),
        "asset_hashes": db_scalar(library, "SELECT count(DISTINCT sha256) FROM assets"),
        "exports": db_scalar(library, "SELECT count(*) FROM exports"),
        "exported_assets": db_scalar(library, "SELECT count(DISTINCT asset_id) FROM exports"),
        "history": db_scalar(library, "SELECT count(*) FROM history"),
    }


def assert_database_sound(library: Path) -> None:
    """SQLite's own checks, the search index against its content, history seq without gaps."""
    conn = sqlite3.connect(db_path(library), timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO items_fts(items_fts) VALUES('integrity-check')")
        indexed = conn.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        assert indexed == items, f"search index has {indexed} rows for {items} items"
        conn.rollback()
    finally:
        conn.close()


def assert_history_verifies(library: Path) -> None:
    """`credence history --verify` says the chain is intact (exit 0)."""
    done = run_cli(library, "history", "--verify")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "History intact" in done.stdout
    assert_plain(done)


def assert_library_consistent(library: Path, *, cli: bool = True) -> None:
    """The library opens, its database and search index are sound, and its hash chain is
    intact: checked with `credence history --verify` (the command opens the library the way
    every command does), or with `cli=False` through the facade in this process (cheaper, for
    checks repeated after a re-run)."""
    if cli:
        assert_history_verifies(library)
    else:
        from provenance import open_library

        with open_library(library) as lib:
            result = lib.verify_history()
            assert result.ok, result
    assert_database_sound(library)


# -- files -----------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sha_tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): sha256(p)
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def visible_files(folder: Path) -> list[Path]:
    if not Path(folder).exists():
        return []
    return sorted(p for p in Path(folder).iterdir() if not p.name.startswith("."))


def hidden_files(folder: Path) -> list[Path]:
    if not Path(folder).exists():
        return []
    return sorted(p for p in Path(folder).iterdir() if p.name.startswith("."))


def verify_with_cli(library: Path, files: list[Path]) -> list[dict]:
    """`credence verify --json` over `files` in one run; the typed results."""
    if not files:
        return []
    done = run_cli(library, "verify", "--json", *map(str, files))
    assert_plain(done)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def assert_exports_complete(library: Path, out: Path, *, verify: bool = True) -> None:
    """Every file under a final name is a whole, signed export that verifies as trusted (with
    `credence verify`); any other file is a hidden Credence temporary; every recorded export is
    on disk as recorded. With `verify=False`, every visible file must instead be the file of a
    recorded export (same SHA-256)."""
    for hidden in hidden_files(out):
        assert TEMP_NAME.match(hidden.name), f"unexpected hidden file {hidden.name}"
    if verify:
        results = verify_with_cli(library, visible_files(out))
        untrusted = [
            (r["file"], r["credentials"], r["summary"])
            for r in results
            if r["credentials"] != "trusted"
        ]
        assert not untrusted, untrusted
    else:
        recorded = {digest for (digest,) in db_rows(library, "SELECT sha256 FROM exports")}
        for path in visible_files(out):
            assert sha256(path) in recorded, f"{path.name} is not a recorded export"
    newest = db_rows(
        library,
        "SELECT path, sha256 FROM exports WHERE id IN (SELECT max(id) FROM exports GROUP BY path)",
    )
    out_dir = Path(out).resolve()
    for path, digest in newest:
        if Path(path).parent == out_dir:
            assert Path(path).is_file(), f"recorded export {path} is missing"
            assert sha256(Path(path)) == digest, f"{path} is not the file that was recorded"


def make_jpegs(folder: Path, count: int, size: tuple[int, int] = (160, 120), start: int = 0):
    """`count` distinct, deterministic JPEGs (seeded noise, so they do not compress to nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    width, height = size
    for i in range(start, start + count):
        rnd = random.Random(i)
        im = Image.frombytes("RGB", size, rnd.randbytes(width * height * 3))
        path = folder / f"master-{i:04d}.jpg"
        im.save(path, "JPEG", quality=85)
        paths.append(path)
    return paths


@dataclass
class Museum:
    """A library with a signing identity and imported masters, ready to export."""

    library: Path
    masters: Path
    originals: dict[str, str]


def build_museum(root: Path, masters: list[Path] | None = None, *, count: int = 0) -> Museum:
    """Library + identity + masters imported, every item exportable (no AI disclosures).

    Set up through the facade in this process (fast); everything under test then runs in the
    real command line.
    """
    from provenance import open_library

    library = root / "lib"
    folder = root / "masters"
    if count:
        make_jpegs(folder, count)
    for path in masters or ():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_bytes(path.read_bytes())
    with open_library(library, actor="setup") as lib:
        lib.create_identity("Reliability Test Museum", PASS)
        report = lib.import_files([folder])
        assert not report.rejected, report.rejected
    return Museum(library, folder, sha_tree(folder))


@dataclass
class Measured:
    """A finished child process with its own peak memory (from wait4)."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes
    seconds: float


# The measured command runs under this small wrapper, which reads the command's peak memory from
# the kernel when it ends. Measuring the child of the test process directly would report the
# test process's own peak instead: Linux carries the parent's high-water mark into a forked child.
_MEASURE = """
import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as handle:
    handle.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(status)
"""


def run_measured(argv: list[str], logs: Path, *, timeout: float = 300) -> Measured:
    """Run `argv` to completion (or fail on a hang) and report its peak resident memory."""
    logs.mkdir(parents=True, exist_ok=True)
    peak = logs / "peak-kb"
    wrapped = [sys.executable, "-c", _MEASURE, str(peak), *argv]
    started = time.monotonic()
    with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
        proc = subprocess.Popen(
            wrapped, cwd=ROOT, env=cli_env(), stdout=out, stderr=err, start_new_session=True
        )
        try:
            status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(f"{argv[4:]} did not finish within {timeout}s (a hang)") from None
    return Measured(
        status,
        (logs / "stdout").read_text(errors="replace"),
        (logs / "stderr").read_text(errors="replace"),
        int(peak.read_text()) * 1024,
        time.monotonic() - started,
    )
