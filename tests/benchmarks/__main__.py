"""`python -m tests.benchmarks [NAME...]`: run the benchmarks (all by default)."""

from __future__ import annotations

import sys

from tests.benchmarks import (
    bench_catalog,
    bench_cli,
    bench_export,
    bench_gui,
    bench_identify,
    bench_import,
    bench_labels,
    bench_million,
    bench_tagging,
    bench_team,
)
from tests.benchmarks import bench_tag_completion as tag_completion

BENCHES = {
    "import": bench_import.run,
    "catalog": bench_catalog.run,
    "export": bench_export.run,
    "labels": bench_labels.run,
    "gui": bench_gui.run,
    "tagging": bench_tagging.run,
    "team": bench_team.run,
    "tag-completion": tag_completion.run,
    "identify": bench_identify.run,
    "cli": bench_cli.run,
    "million": bench_million.run,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHES)}")
        return 2
    for name in names:
        BENCHES[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
