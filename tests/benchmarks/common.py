"""Shared helpers: timing, ratio lines, the scratch folder."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = Path(os.environ.get("CREDENCE_BENCH_DIR", ROOT / "bench-out"))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def side_by_side(
    name: str,
    ours: Callable[[], object],
    baseline: Callable[[], object],
    rounds: int,
    goal: float,
) -> float:
    """Alternate baseline and ours `rounds` times; print medians and the ratio ours/baseline."""
    ours_times, base_times = [], []
    for _ in range(rounds):
        base_times.append(timed(baseline))
        ours_times.append(timed(ours))
    base, mine = statistics.median(base_times), statistics.median(ours_times)
    ratio = mine / base
    verdict = "meets" if ratio <= goal else "MISSES"
    print(
        f"{name}: credence {mine:.2f}s, baseline {base:.2f}s, ratio {ratio:.2f}x "
        f"({verdict} the goal of {goal:g}x; median of {rounds})",
        flush=True,
    )
    return ratio
