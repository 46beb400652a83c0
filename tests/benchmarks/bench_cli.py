"""Read verbs as whole processes, as a user or a script runs them (issue 16, item 3):
`credence items`, `credence show ITEM` and `credence history ITEM` (also with --json), on an
empty library and on a populated one (a few hundred items with events, disclosures, keywords,
subjects, images, signed exports and their history), each against a baseline process that only
does `import sqlalchemy.orm` (goal: at most 1.3x). Baseline and command alternate; medians of
`rounds` runs each.

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

ROWS = 300
GOAL = 1.3
PASSPHRASE = "bench passphrase"


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(SCRATCH / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _credence() -> list[str]:
    """The installed `credence` command beside this interpreter, else `python -m desktop`."""
    script = Path(sys.executable).with_name("credence")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop"]


def populated_library(rows: int = ROWS) -> Path:
    """A library of `rows` catalog items (odd characters included), each with two events,
    keywords and its history; every third with an AI disclosure (some reviewed or approved),
    every fifth with subjects from a shipped vocabulary, 12 with an image, 4 of them with a
    signed export (2 of those stale since). Built once, in this process."""
    folder = SCRATCH / f"cli-library-{rows}"
    if (folder / "library.sqlite").exists():
        return folder
    from PIL import Image

    from provenance import open_library

    SCRATCH.mkdir(parents=True, exist_ok=True)
    catalog = SCRATCH / f"cli-catalog-{rows}.csv"
    with open(catalog, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["accession", "title", "maker", "date", "medium", "credit line", "note"])
        for n in range(rows):
            out.writerow(
                [f"2024.{n}", f"Harbour at Dusk, \"Study\" {n} — 港 ⁦א⁩", "Émile Laurent",
                 str(1850 + n % 100), "Oil on canvas", "Gift of the Friends of the Museum",
                 f"line one\nline two {n}"]
            )  # fmt: skip
    images = SCRATCH / "cli-images"
    images.mkdir(exist_ok=True)
    with open_library(folder, actor="bench") as lib:
        lib.import_catalog(catalog)
        lib.add_tool("Restorer X", "Acme", version="2.1")
        lib.import_shipped_vocabulary("unesco-culture")
        scheme = lib.vocabularies()[0].uri
        concepts = [c.uri for c in lib.concept_children(scheme)][:8]
        for n in range(rows):
            ref = f"2024.{n}"
            lib.add_event(ref, "acquired", "The Museum", date=f"{1900 + n % 90}~")
            lib.add_event(ref, "restored", "Conservation lab", date="2020", tool="Restorer X 2.1")
            lib.tag([ref], add=["harbour", f"series {n % 7}", "Öl"])
            if n % 5 == 0:
                lib.tag([ref], subjects=concepts[n % len(concepts) : n % len(concepts) + 2])
            if n % 3 == 0:
                lib.disclose(ref, "ai-restored", tools=["Restorer X 2.1"], purpose="cleaning")
                if n % 2 == 0:
                    lib.review(ref, "approved" if n % 4 == 0 else "reviewed", "Jane Doe")
        lib.create_identity("Bench Museum", PASSPHRASE)
        for n in range(12):
            image = Image.new("RGB", (64, 48), (n * 20 % 256, 90, 140))
            path = images / f"scan {n} é.jpg"
            image.save(path, "JPEG", quality=85)
            lib.import_files([path], item=f"2024.{n}", capture_type="digitalCapture")
        lib.export(
            [f"2024.{n}" for n in range(4)], SCRATCH / "cli-exports", passphrase=PASSPHRASE,
            allow_unreviewed=True,
        )  # fmt: skip
        for n in range(2):
            lib.update_item(f"2024.{n}", {"title": f"Harbour at Dawn {n}"})
    return folder


def empty_library() -> Path:
    """An empty library (made by its first command)."""
    folder = SCRATCH / "cli-library-empty"
    if not (folder / "library.sqlite").exists():
        subprocess.run([*_credence(), "--library", str(folder), "items"], env=_env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return folder


def run(rounds: int = 15) -> float:
    """Print one side-by-side line per read verb and library; returns the worst ratio."""
    env = _env()
    baseline = [sys.executable, "-c", "import sqlalchemy.orm"]
    item = "2024.0"  # keywords, subjects, an approved disclosure, an image, a stale export
    commands = {
        "items": ["items"],
        "items --json": ["items", "--json"],
        "show ITEM": ["show", item],
        "show ITEM --json": ["show", item, "--json"],
        "history ITEM": ["history", item],
        "history ITEM --json": ["history", item, "--json"],
    }

    def process(argv: list[str]):
        return lambda: subprocess.run(
            argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    libraries = {"empty library": empty_library(), f"{ROWS} items": populated_library()}
    process(baseline)()  # warm the bytecode cache and the page cache of both sides
    worst = 0.0
    for where, library in libraries.items():
        for name, args in commands.items():
            if where == "empty library" and item in args:
                continue  # no item to show
            ours = [*_credence(), "--library", str(library), *args]
            process(ours)()
            ratio = side_by_side(
                f"cli: `credence {name}` on {where} vs `import sqlalchemy.orm` (processes)",
                process(ours),
                process(baseline),
                rounds,
                goal=GOAL,
            )
            worst = max(worst, ratio)
    return worst


if __name__ == "__main__":
    run()
