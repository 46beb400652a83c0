"""Read verbs as whole processes, as a user or a script runs them (issue 16, item 3):
`credence items`, `credence show ITEM` and `credence history ITEM` (also with --json) on a small
library, each against a baseline process that only does `import sqlalchemy.orm` (goal: at most
1.3x). Baseline and command alternate; medians of `rounds` runs each.

Both sides run with a bytecode cache under SCRATCH, as an installed app has (a
PYTHONDONTWRITEBYTECODE checkout would otherwise compile every project module at each start).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.common import SCRATCH, side_by_side

ROWS = 50
GOAL = 1.3


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(SCRATCH / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _credence() -> list[str]:
    """The installed `credence` command beside this interpreter, else `python -m desktop`."""
    script = Path(sys.executable).with_name("credence")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop"]


def small_library(rows: int = ROWS) -> Path:
    """A library of `rows` catalog items, one with an event and a disclosure (built once)."""
    folder = SCRATCH / f"cli-library-{rows}"
    if (folder / "library.sqlite").exists():
        return folder
    SCRATCH.mkdir(parents=True, exist_ok=True)
    catalog = SCRATCH / f"cli-catalog-{rows}.csv"
    with open(catalog, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["accession", "title", "maker", "date", "medium", "credit line"])
        for n in range(rows):
            out.writerow(
                [f"2024.{n}", f"Harbour at Dusk {n}", "Émile Laurent", str(1850 + n % 100),
                 "Oil on canvas", "Gift of the Friends of the Museum"]
            )  # fmt: skip
    cli = [*_credence(), "--library", str(folder)]
    for args in (
        ["catalog", "import", str(catalog)],
        ["tool", "add", "Restorer X", "--vendor", "Acme"],
        ["event", "add", "2024.1", "--action", "acquired", "--actor", "The Museum"],
        ["disclose", "2024.1", "--category", "ai-restored", "--tool", "Restorer X"],
    ):
        subprocess.run([*cli, *args], env=_env(), check=True, stdout=subprocess.DEVNULL)
    return folder


def run(rounds: int = 15) -> float:
    """Print one side-by-side line per read verb; returns the worst ratio."""
    library = small_library()
    env = _env()
    baseline = [sys.executable, "-c", "import sqlalchemy.orm"]
    commands = {
        "items": ["items"],
        "items --json": ["items", "--json"],
        "show ITEM": ["show", "2024.1"],
        "show ITEM --json": ["show", "2024.1", "--json"],
        "history ITEM": ["history", "2024.1"],
        "history ITEM --json": ["history", "2024.1", "--json"],
    }

    def process(argv: list[str]):
        return lambda: subprocess.run(
            argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    process(baseline)()  # warm the bytecode cache and the page cache of both sides
    worst = 0.0
    for name, args in commands.items():
        ours = [*_credence(), "--library", str(library), *args]
        process(ours)()
        ratio = side_by_side(
            f"cli: `credence {name}` on {ROWS} items vs `import sqlalchemy.orm` (processes)",
            process(ours),
            process(baseline),
            rounds,
            goal=GOAL,
        )
        worst = max(worst, ratio)
    return worst


if __name__ == "__main__":
    run()
