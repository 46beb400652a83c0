"""Catalog import of 200,000 CSV rows against plain sqlite3 executemany + an FTS5 rebuild,
then full-text search latency (p95) on the imported library."""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from provenance import open_library
from tests.benchmarks.common import SCRATCH, side_by_side

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
