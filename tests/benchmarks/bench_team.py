"""A team library on PostgreSQL, on a throwaway server this benchmark starts itself:

1. catalog import of 200,000 CSV rows into a team library against plain psycopg COPY of the
   same rows plus a GIN full-text index build (goal: at most 2.5x);
2. 4 writer processes for a while (CREDENCE_BENCH_TEAM_SECONDS, default 60), each reading an
   item, changing it and saving it with the version it read (retrying a stale edit): updates
   per second, lost updates (must be 0) and whether the history chain verifies.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import time

from provenance import open_library
from tests.benchmarks.bench_catalog import make_csv
from tests.benchmarks.common import SCRATCH, side_by_side
from tests.pgcluster import Cluster, server_binaries

_BASELINE_DOC = (
    "to_tsvector('simple', "
    + " || ' ' || ".join(
        f"coalesce({c}, '')"
        for c in (
            "accession",
            "title",
            "maker",
            "date",
            "medium",
            "credit_line",
            "description",
            "extra",
        )
    )
    + ")"
)


def baseline_import(cluster: Cluster, csv_path, database: str) -> None:
    """Plain psycopg: read the CSV, COPY it into a table, build a GIN full-text index."""
    import psycopg

    cluster.sql("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    cluster.sql("postgres", f"CREATE DATABASE {database} OWNER alice")
    with psycopg.connect(host=str(cluster.socket_dir), dbname=database, user="alice") as conn:
        conn.execute(
            "CREATE TABLE items (id serial PRIMARY KEY, accession text UNIQUE, title text, "
            "maker text, date text, medium text, credit_line text, description text, "
            "extra text)"
        )
        with open(csv_path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            with conn.cursor().copy(
                "COPY items (accession, title, maker, date, medium, credit_line, description, "
                "extra) FROM STDIN"
            ) as copy:
                for r in reader:
                    copy.write_row((r[0], r[1], r[2], r[3], r[4], r[5], r[6], ",".join(r[7:])))
        conn.execute(f"CREATE INDEX items_doc ON items USING gin (({_BASELINE_DOC}))")


def _writer(url: str, accessions: list[str], seconds: float, seed: int, out) -> None:
    import random

    from provenance import StaleEdit

    rng = random.Random(seed)
    done = stale = 0
    deadline = time.monotonic() + seconds
    with open_library(url) as lib:
        while time.monotonic() < deadline:
            accession = rng.choice(accessions)
            seen = lib.get_item(accession)
            try:
                lib.update_item(
                    accession, {"title": str(int(seen.title) + 1)}, expected_version=seen.version
                )
                done += 1
            except StaleEdit:
                stale += 1
    out.put((done, stale))


def writers(cluster: Cluster, seconds: float, processes: int = 4, items: int = 50) -> None:
    url = cluster.new_database("bench_writers")
    accessions = [f"W{n}" for n in range(items)]
    with open_library(url) as lib:
        for accession in accessions:
            lib.create_item({"accession": accession, "title": "0"})
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(url, accessions, seconds, seed, out))
        for seed in range(processes)
    ]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [out.get(timeout=seconds + 300) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    done, stale = sum(r[0] for r in results), sum(r[1] for r in results)
    with open_library(url) as lib:
        total = sum(int(lib.get_item(a).title) for a in accessions)
        check = lib.verify_history()
    lost = done - total
    print(
        f"team writers ({processes} processes, {seconds:.0f} s, {items} items): {done:,} updates "
        f"({done / elapsed:.0f}/s), {stale:,} stale edits retried, {lost} lost, history "
        f"{'verifies' if check.ok else 'BROKEN: ' + check.reason} ({check.checked:,} entries)",
        flush=True,
    )


def run(rows: int = 200_000, rounds: int = 3) -> None:
    bindir = server_binaries()
    if bindir is None:
        print("team library: skipped (PostgreSQL server binaries are not installed)")
        return
    SCRATCH.mkdir(parents=True, exist_ok=True)
    csv_path = SCRATCH / f"catalog-{rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, rows)
    os.environ.setdefault("XDG_DATA_HOME", str(SCRATCH / "team-home"))
    cluster = Cluster(bindir, durable=True).start()
    try:
        cluster.make_template()
        counter = iter(range(10**6))

        def ours() -> None:
            name = f"bench_team_{next(counter)}"
            url = cluster.new_database(name)
            with open_library(url) as lib:
                report = lib.import_catalog(csv_path)
                assert report.created == rows, report
            cluster.drop_database(name)

        side_by_side(
            f"team catalog import ({rows:,} rows, PostgreSQL)",
            ours,
            lambda: baseline_import(cluster, csv_path, "bench_baseline"),
            rounds,
            goal=2.5,
        )
        seconds = float(os.environ.get("CREDENCE_BENCH_TEAM_SECONDS", "60"))
        writers(cluster, seconds)
    finally:
        cluster.stop()
