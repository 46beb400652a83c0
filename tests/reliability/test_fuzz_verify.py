"""Random byte damage to the C2PA fixtures, read by `Library.verify_file`, `credence verify` and
`credence import`: only typed results (none / valid / trusted / invalid / error, or a rejection
with a reason), never an exception, a crash or a hang.

Bounded fuzzing with Hypothesis: 200 derandomised examples in the quick run (the same every
time, so CI is reproducible), thousands of random ones in the soak run.
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA
from tests.reliability.conftest import (
    assert_library_consistent,
    assert_plain,
    run_cli,
    sha_tree,
    soak,
)

STATES = {"none", "valid", "trusted", "invalid", "error"}
KEYS = {
    "file",
    "credentials",
    "codes",
    "ingredient_problems",
    "digital_source_types",
    "signer",
    "summary",
}
SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".avif", ".heic", ".heif", ".gif"}
SUFFIXES |= {".svg", ".jxl", ".pdf", ".c2pa"}


@functools.lru_cache(maxsize=1)
def fixtures() -> tuple[Path, ...]:
    folder = DATA / "c2pa-fixtures"
    if not folder.is_dir():
        return ()
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    # Small files first and at most 2 MB: the damage matters, not the size.
    return tuple(p for p in found if p.stat().st_size <= 2_000_000)


@functools.lru_cache(maxsize=256)
def fixture_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _manifest_region(data: bytes) -> tuple[int, int]:
    """Where the manifest store (JUMBF) sits, roughly; the whole file when there is none."""
    at = data.find(b"jumb")
    if at < 0:
        return 0, len(data)
    return max(0, at - 64), min(len(data), at + 16_384)


@st.composite
def damaged(draw) -> tuple[Path, bytes, str]:
    """(fixture, damaged bytes, what was done)."""
    paths = fixtures()
    if not paths:
        pytest.skip("../shared/data/c2pa-fixtures is not available")
    path = draw(st.sampled_from(paths))
    data = bytearray(fixture_bytes(path))
    kind = draw(st.sampled_from(["flip", "flip-in-manifest", "truncate", "zero-run", "splice"]))
    if kind in ("flip", "flip-in-manifest"):
        low, high = _manifest_region(data) if kind == "flip-in-manifest" else (0, len(data))
        for _ in range(draw(st.integers(1, 16))):
            at = draw(st.integers(low, max(low, high - 1)))
            data[at] ^= 1 << draw(st.integers(0, 7))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif kind == "zero-run":
        low, high = _manifest_region(data)
        at = draw(st.integers(low, max(low, high - 1)))
        data[at : at + draw(st.integers(1, 512))] = b"\0" * min(512, len(data) - at)
    else:  # a piece of the file copied over another place: lengths and offsets that lie
        size = draw(st.integers(1, 256))
        src = draw(st.integers(0, max(0, len(data) - size)))
        dst = draw(st.integers(0, max(0, len(data) - size)))
        data[dst : dst + size] = data[src : src + size]
    return path, bytes(data), kind


def _check_typed(result: object, path: Path) -> None:
    assert isinstance(result, dict) and set(result) == KEYS, result
    assert result["credentials"] in STATES, result
    assert result["file"] == str(path)
    assert isinstance(result["summary"], str)
    assert all(isinstance(c, str) for c in result["codes"])
    json.dumps(result)  # the --json output can always be written


@pytest.fixture(scope="module")
def reader_library(tmp_path_factory):
    from provenance import open_library

    lib = open_library(tmp_path_factory.mktemp("fuzz") / "lib", actor="fuzz")
    yield lib
    lib.close()


def _fuzz(reader_library, tmp_path_factory, examples: int, derandomize: bool):
    folder = tmp_path_factory.mktemp("damaged")

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(damaged())
    def check(case):
        path, data, _kind = case
        target = folder / f"damaged{path.suffix}"
        target.write_bytes(data)
        _check_typed(reader_library.verify_file(target), target)

    check()


# Pillow warns about corrupt EXIF in damaged files; in-process that is noise, not a failure.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_damaged_fixtures_give_typed_verify_results(reader_library, tmp_path_factory):
    _fuzz(reader_library, tmp_path_factory, 200, derandomize=True)


@pytest.mark.slow
@soak
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_damaged_fixtures_give_typed_verify_results_soak(reader_library, tmp_path_factory):
    _fuzz(reader_library, tmp_path_factory, 5000, derandomize=False)


def _damaged_folder(folder: Path, count: int, seed: int) -> Path:
    """`count` damaged copies of fixtures with seeded flips (reproducible)."""
    paths = fixtures()
    if not paths:
        pytest.skip("../shared/data/c2pa-fixtures is not available")
    rnd = random.Random(seed)
    folder.mkdir(parents=True)
    for n in range(count):
        path = paths[n % len(paths)]
        data = bytearray(fixture_bytes(path))
        low, high = _manifest_region(data) if n % 2 else (0, len(data))
        for _ in range(rnd.randint(1, 12)):
            at = rnd.randrange(low, max(low + 1, high))
            data[at] ^= 1 << rnd.randrange(8)
        (folder / f"damaged-{n:03d}-{path.name}").write_bytes(bytes(data))
    return folder


def _cli_round(tmp_path: Path, count: int, seed: int) -> None:
    folder = _damaged_folder(tmp_path / "damaged", count, seed)
    before = sha_tree(folder)
    library = tmp_path / "lib"
    files = sorted(folder.iterdir())
    done = run_cli(library, "verify", "--json", *map(str, files), timeout=600)
    assert done.returncode in (0, 1), done.stderr
    assert_plain(done)
    results = json.loads(done.stdout)
    assert len(results) == len(files)
    for result, path in zip(results, files, strict=True):
        _check_typed(result, path)

    done = run_cli(library, "import", str(folder), "--json", timeout=600)
    assert done.returncode in (0, 1), done.stderr
    assert_plain(done)
    report = json.loads(done.stdout)
    seen = [f["file"] for key in ("imported", "duplicates", "rejected") for f in report[key]]
    assert sorted(seen) == sorted(map(str, files))
    assert all(r["reason"] for r in report["rejected"])
    assert sha_tree(folder) == before
    assert_library_consistent(library)


def test_damaged_fixtures_through_the_command_line(tmp_path):
    _cli_round(tmp_path, 60, seed=7)


@pytest.mark.slow
@soak
@pytest.mark.parametrize("seed", range(5))
def test_damaged_fixtures_through_the_command_line_soak(tmp_path, seed):
    _cli_round(tmp_path, 400, seed=100 + seed)
