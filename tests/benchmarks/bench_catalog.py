"""Catalog import of 200,000 CSV rows against plain sqlite3 executemany + an FTS5 rebuild,
then full-text search latency (p95) on the imported library.

Two import lines: in one process (`Library.import_catalog` against the baseline function), and
as whole commands (`credence --library X catalog import lean.csv` against a baseline script run
as its own process) on a lean 7-column CSV of about 30 words a row, the way a user runs it and
the way a check outside this repository measures it. The command's start-up (to an empty
`items --json`) is printed beside it. `CREDENCE_BENCH_CATALOG_MILLION=1` adds a 1,000,000-row
command import and its peak memory (goal: under 500 MB).
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from provenance import open_library
from tests.benchmarks.common import ROOT, SCRATCH, side_by_side

_VOCABULARY = """portrait harbour river study landscape still life vase bowl figure street market
church mountain garden woman man child horse boat bridge night morning winter summer window interior
tree field sea storm ruins temple mask textile print etching albumen silver gelatin platinum oil
canvas paper ink wash bronze ceramic glaze silk wool"""
WORDS = _VOCABULARY.split()
MAKERS = [f"{a} {b}" for a in ("Ann", "Bo", "Chen", "Dora", "Émile", "Farah") for b in "VWXYZ"]


def make_csv(path: Path, rows: int) -> None:
    rnd = random.Random(7)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "accession_number",
                "title",
                "maker",
                "creation_date",
                "medium",
                "credit_line",
                "description",
                "department",
                "ULAN",
                "dimensions",
            ]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"{1900 + n % 120}.{n // 120}.{n % 7}",
                    " ".join(rnd.choices(WORDS, k=4)).capitalize(),
                    rnd.choice(MAKERS),
                    str(1750 + rnd.randrange(270)),
                    " on ".join(rnd.choices(WORDS, k=2)),
                    "Gift of the Friends of the Museum",
                    " ".join(rnd.choices(WORDS, k=18)),
                    rnd.choice(("PRINTS", "PAINTINGS", "PHOTOGRAPHS", "TEXTILES")),
                    str(500000000 + rnd.randrange(100000)),
                    f"{rnd.randrange(10, 90)} x {rnd.randrange(10, 90)} cm",
                ]
            )


LEAN_COLUMNS = ("accession_number", "title", "maker", "creation_date", "medium", "credit_line")


def make_lean_csv(path: Path, rows: int) -> None:
    """7 columns, about 30 words a row (a description of 18 words)."""
    rnd = random.Random(7)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*LEAN_COLUMNS, "description"])
        for n in range(rows):
            writer.writerow(
                [
                    f"{1900 + n % 120}.{n // 120}.{n % 7}",
                    " ".join(rnd.choices(WORDS, k=4)).capitalize(),
                    rnd.choice(MAKERS),
                    str(1750 + rnd.randrange(270)),
                    " on ".join(rnd.choices(WORDS, k=2)),
                    "Gift of the Friends of the Museum",
                    " ".join(rnd.choices(WORDS, k=18)),
                ]
            )


#: The whole-process baseline: plain sqlite3, the CSV read, executemany, an FTS5 rebuild.
BASELINE_SCRIPT = """
import csv, sqlite3, sys
from pathlib import Path
csv_path, db_path = sys.argv[1], Path(sys.argv[2])
db_path.unlink(missing_ok=True)
conn = sqlite3.connect(db_path)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, accession TEXT UNIQUE, title TEXT, "
             "maker TEXT, date TEXT, medium TEXT, credit_line TEXT, description TEXT)")
conn.execute("CREATE VIRTUAL TABLE items_fts USING fts5(accession, title, maker, date, medium, "
             "credit_line, description, content='items', content_rowid='id')")
with open(csv_path, newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    next(reader)
    rows = [tuple(r) for r in reader]
with conn:
    conn.executemany("INSERT INTO items (accession, title, maker, date, medium, credit_line, "
                     "description) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
conn.close()
"""

CREDENCE = Path(sys.executable).with_name("credence")


def _command(lib_dir: Path, *args: str) -> list[str]:
    return [str(CREDENCE), "--library", str(lib_dir), *args]


def _run_process(argv: list[str]) -> None:
    subprocess.run(argv, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def _peak_rss_mb(argv: list[str]) -> float:
    """Run one process to its end; its own peak resident memory (MB), as the kernel counted it."""
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, argv)
    return usage.ru_maxrss / 1024  # KiB on Linux


def run_command(rows: int = 200_000, rounds: int = 3) -> float:
    """Whole `credence catalog import` processes against the baseline script's processes."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    csv_path = SCRATCH / f"catalog-lean-{rows}.csv"
    if not csv_path.exists():
        make_lean_csv(csv_path, rows)
    lib_dir = SCRATCH / "catalog-command-lib"
    script = SCRATCH / "catalog_baseline.py"
    script.write_text(BASELINE_SCRIPT)
    baseline = [sys.executable, str(script), str(csv_path), str(SCRATCH / "baseline-lean.sqlite")]

    def ours() -> None:
        shutil.rmtree(lib_dir, ignore_errors=True)
        _run_process(_command(lib_dir, "catalog", "import", str(csv_path), "--json"))

    ratio = side_by_side(
        f"catalog import command ({rows:,} lean rows, whole processes)",
        ours,
        lambda: _run_process(baseline),
        rounds,
        goal=2.0,
    )
    empty = SCRATCH / "catalog-empty-lib"
    shutil.rmtree(empty, ignore_errors=True)
    _run_process(_command(empty, "init"))
    start_up = []
    for _ in range(5):
        start = time.perf_counter()
        _run_process(_command(empty, "items", "--json"))
        start_up.append(time.perf_counter() - start)
    print(
        f"  of which start-up: {statistics.median(start_up):.2f}s "
        "(`items --json` on an empty library, median of 5)",
        flush=True,
    )
    return ratio


def run_million(rows: int = 1_000_000) -> float:
    """Peak memory of a whole-command import of a million lean rows (goal: under 500 MB)."""
    csv_path = SCRATCH / f"catalog-lean-{rows}.csv"
    if not csv_path.exists():
        make_lean_csv(csv_path, rows)
    lib_dir = SCRATCH / "catalog-million-lib"
    shutil.rmtree(lib_dir, ignore_errors=True)
    start = time.perf_counter()
    peak = _peak_rss_mb(_command(lib_dir, "catalog", "import", str(csv_path), "--json"))
    took = time.perf_counter() - start
    verdict = "meets" if peak < 500 else "MISSES"
    print(
        f"catalog import command ({rows:,} lean rows): {took:.1f}s, peak RSS {peak:.0f} MB "
        f"({verdict} the 500 MB goal)",
        flush=True,
    )
    shutil.rmtree(lib_dir, ignore_errors=True)
    return peak


def baseline_import(csv_path: Path, db_path: Path) -> None:
    """Plain sqlite3: read the CSV, executemany into a table, rebuild an FTS5 index."""
    db_path.unlink(missing_ok=True)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, accession TEXT UNIQUE, title TEXT, "
        "maker TEXT, date TEXT, medium TEXT, credit_line TEXT, description TEXT, extra TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5(accession, title, maker, date, medium, "
        "credit_line, description, extra, content='items', content_rowid='id')"
    )
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], ",".join(r[7:])) for r in reader]
    with conn:
        conn.executemany(
            "INSERT INTO items (accession, title, maker, date, medium, credit_line, description, "
            "extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
    conn.close()


def run(rows: int = 200_000, rounds: int = 3) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    csv_path = SCRATCH / f"catalog-{rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, rows)
    lib_dir = SCRATCH / "catalog-lib"

    def ours() -> None:
        shutil.rmtree(lib_dir, ignore_errors=True)
        with open_library(lib_dir, actor="bench") as lib:
            report = lib.import_catalog(csv_path)
            assert report.created == rows, report

    side_by_side(
        f"catalog import ({rows:,} rows)",
        ours,
        lambda: baseline_import(csv_path, SCRATCH / "baseline.sqlite"),
        rounds,
        goal=2.0,
    )
    run_command(rows, rounds)
    if os.environ.get("CREDENCE_BENCH_CATALOG_MILLION"):
        run_million()
    rnd = random.Random(11)
    queries = [" ".join(rnd.sample(WORDS, rnd.choice((1, 2)))) for _ in range(200)]
    queries += [w[:3] for w in rnd.sample(WORDS, 20)] + [m.split()[0] for m in MAKERS[:10]]
    with open_library(lib_dir, actor="bench") as lib:
        lib.list_items("warm up", limit=50)
        times = []
        for query in queries:
            start = time.perf_counter()
            lib.list_items(query, limit=50)
            times.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    verdict = "meets" if p95 < 50 else "MISSES"
    print(
        f"full-text search on {rows:,} items: p95 {p95:.1f} ms, median "
        f"{statistics.median(times):.1f} ms over {len(times)} queries ({verdict} the 50 ms goal)",
        flush=True,
    )
