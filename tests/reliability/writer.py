"""A second writer for the two-writer tests: a separate process using the Library facade, as the
window does. Run as `python -m tests.reliability.writer LIBRARY MODE NAME COUNT [ARGS...]`.

Modes:
- `edits`: COUNT times, record an event on item ARGS[0] and set the extra field NAME (and, with a
  second ARG, the title of item ARGS[1]) — every change its own call, its own transaction.
- `accessions`: create an item for each accession in ARGS; one already taken is reported.

Prints one JSON object: what succeeded, what was refused and any unexpected error text.
"""

from __future__ import annotations

import json
import sys

from provenance import CredenceError, open_library


def main(argv: list[str]) -> int:
    library, mode, name, count, *args = argv
    result: dict[str, list] = {"done": [], "refused": [], "errors": []}
    with open_library(library, actor=f"writer-{name}") as lib:
        if mode == "edits":
            for i in range(int(count)):
                try:
                    lib.add_event(args[0], f"{name}-{i}", f"Writer {name}", date="2026-05")
                    lib.update_item(args[0], {}, extra={name: str(i)})
                    if len(args) > 1:
                        lib.update_item(args[1], {"title": f"{name} title {i}"})
                    result["done"].append(i)
                except Exception as exc:  # reported, not raised: the test names it
                    result["errors"].append(f"{type(exc).__name__}: {exc}")
        elif mode == "accessions":
            for accession in args:
                try:
                    lib.create_item({"accession": accession, "title": f"made by {name}"})
                    result["done"].append(accession)
                except CredenceError as exc:
                    result["refused"].append([accession, str(exc)])
                except Exception as exc:
                    result["errors"].append(f"{type(exc).__name__}: {exc}")
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
