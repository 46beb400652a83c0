"""Tag completion while typing, on 200,000 items with 1,000,000 tag links: keywords in use
(with counts) and concept labels of real vocabularies (Tate, UNESCO), through the Library
facade, against a plain sqlite3 query of the same shape on the same database file.

The links are made with bulk SQL (the tagging path has its own benchmark); the vocabularies
are imported as a registrar would. Prefixes are what a person types: one to four letters of
real keywords and labels, in English, French, Russian and Arabic.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import time

from provenance import open_library
from provenance.store.tag_queries import prefix_range
from tests.benchmarks.bench_catalog import WORDS
from tests.benchmarks.common import SCRATCH
from tests.conftest import data_file

VOCABULARIES = (
    "vocabularies/tate-subjects/tate-skos.ttl",
    "vocabularies/unesco-thesaurus-culture/unesco-thesaurus-culture-domain.ttl",
)
#: Keywords: pairs of catalog words ("harbour storm"), 2,500 of them, used unevenly.
KEYWORDS = sorted({f"{a} {b}" for a in WORDS for b in WORDS if a != b})[:2500]
GOAL_MS = 50.0


def build(lib_dir, items: int, links: int) -> None:
    """A library with the vocabularies imported, `items` items and `links` tag links, 60%
    keywords (a few very common, most rare) and 40% subjects."""
    shutil.rmtree(lib_dir, ignore_errors=True)
    with open_library(lib_dir, actor="bench") as lib:
        for vocabulary in VOCABULARIES:
            lib.import_vocabulary(data_file(vocabulary))
    conn = sqlite3.connect(lib_dir / "library.sqlite")
    rnd = random.Random(13)
    stamp = "2025-01-01T00:00:00Z"
    with conn:
        conn.executemany(
            "INSERT INTO items (id, accession, title, extra, created_at, updated_at) "
            "VALUES (?, ?, ?, '{}', ?, ?)",
            ((n, f"B.{n}", f"Item {n}", stamp, stamp) for n in range(1, items + 1)),
        )
        concepts = [row[0] for row in conn.execute("SELECT id FROM vocab_concepts")]
        weights = [1 / (rank + 1) for rank in range(len(KEYWORDS))]  # Zipf: a long tail
        keyword_links = set()
        while len(keyword_links) < links * 6 // 10:
            for keyword in rnd.choices(KEYWORDS, weights, k=50_000):
                keyword_links.add((rnd.randrange(1, items + 1), keyword))
        conn.executemany(
            "INSERT OR IGNORE INTO item_keywords (item_id, keyword, folded) VALUES (?, ?, ?)",
            ((i, k, k.casefold()) for i, k in keyword_links),
        )
        subject_links = set()
        while len(subject_links) < links - len(keyword_links):
            subject_links.add((rnd.randrange(1, items + 1), rnd.choice(concepts)))
        conn.executemany(
            "INSERT OR IGNORE INTO item_subjects (item_id, concept_id) VALUES (?, ?)",
            subject_links,
        )
    conn.execute("ANALYZE")
    conn.close()


def baseline(conn: sqlite3.Connection, prefix: str, limit: int = 12) -> list:
    """The same questions in plain SQL: keywords in the folded range grouped and counted,
    then concept labels in the folded range (no labels per language, paths or counts)."""
    low, high = prefix_range(prefix)
    high = high or "\U0010ffff"
    keywords = conn.execute(
        "SELECT folded, count(*) AS n FROM item_keywords WHERE folded >= ? AND folded < ? "
        "GROUP BY folded ORDER BY n DESC, folded LIMIT ?",
        (low, high, limit),
    ).fetchall()
    labels = conn.execute(
        "SELECT concept_id, kind, language, label, folded FROM vocab_labels "
        "WHERE folded >= ? AND folded < ? ORDER BY folded LIMIT 400",
        (low, high),
    ).fetchall()
    return keywords + labels


def prefixes(conn: sqlite3.Connection, count: int = 200) -> list[str]:
    rnd = random.Random(5)
    labels = [row[0] for row in conn.execute("SELECT label FROM vocab_labels")]
    words = [*KEYWORDS, *labels]
    typed = []
    for _ in range(count):
        word = rnd.choice(words)
        typed.append(word[: rnd.choice((1, 2, 3, 4))])
    return typed


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def run(items: int = 200_000, links: int = 1_000_000, rounds: int = 3) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    lib_dir = SCRATCH / "tag-completion-lib"
    start = time.perf_counter()
    build(lib_dir, items, links)
    conn = sqlite3.connect(lib_dir / "library.sqlite")
    kw, subj = (
        conn.execute("SELECT count(*) FROM item_keywords").fetchone()[0],
        conn.execute("SELECT count(*) FROM item_subjects").fetchone()[0],
    )
    print(
        f"tag completion: {items:,} items, {kw + subj:,} tag links ({kw:,} keywords, "
        f"{subj:,} subjects) built in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    typed = prefixes(conn)
    ours_ms: list[float] = []
    base_ms: list[float] = []
    with open_library(lib_dir, actor="bench") as lib:
        lib.tag_suggestions("warm up")
        baseline(conn, "warm up")
        for _ in range(rounds):  # side by side, prefix by prefix
            for prefix in typed:
                t0 = time.perf_counter()
                baseline(conn, prefix)
                t1 = time.perf_counter()
                lib.tag_suggestions(prefix)
                t2 = time.perf_counter()
                base_ms.append((t1 - t0) * 1000)
                ours_ms.append((t2 - t1) * 1000)
        start = time.perf_counter()
        keywords, subjects = lib.tag_counts(50)
        counts_ms = (time.perf_counter() - start) * 1000
    conn.close()
    ours, base = p95(ours_ms), p95(base_ms)
    verdict = "meets" if ours < GOAL_MS else "MISSES"
    print(
        f"tag completion p95: credence {ours:.1f} ms, baseline {base:.1f} ms, ratio "
        f"{ours / base:.2f}x; median {statistics.median(ours_ms):.1f} ms "
        f"({len(ours_ms)} prefixes of 1-4 letters; {verdict} the {GOAL_MS:.0f} ms goal)",
        flush=True,
    )
    print(
        f"sidebar counts (top 50 keywords and subjects): {counts_ms:.0f} ms "
        f"({len(keywords)} keywords, {len(subjects)} subjects)",
        flush=True,
    )
