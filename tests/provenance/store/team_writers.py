"""Writer processes for the team-library concurrency tests (importable by spawned children)."""

from __future__ import annotations

import time


def increment(url: str, accessions: list[str], rounds: int, seed: int, out) -> None:
    """Add one to the counter (the title) of random items `rounds` times, as a person would:
    read the item, change it, save with the version read; on a stale edit, read again.
    Puts (successful increments, stale edits) on `out`."""
    import random

    from provenance import StaleEdit, open_library

    rng = random.Random(seed)
    done = stale = 0
    with open_library(url) as lib:
        for _ in range(rounds):
            accession = rng.choice(accessions)
            while True:
                seen = lib.get_item(accession)
                try:
                    lib.update_item(
                        accession,
                        {"title": str(int(seen.title) + 1)},
                        expected_version=seen.version,
                    )
                except StaleEdit:
                    stale += 1
                    continue
                done += 1
                break
    out.put((done, stale))


def hold_a_write(url: str, accession: str, ready) -> None:
    """Change an item inside a write transaction, then wait there (until killed)."""
    from provenance import open_library
    from provenance.store.history import Change
    from provenance.store.items import resolve_item

    with open_library(url) as lib:
        store = lib._store
        with store.write() as (session, history):
            item = resolve_item(session, accession)
            item.title = "never committed"
            session.flush()
            history.record(Change.for_item(item_id=item.id, action="update", after={"title": "x"}))
            history.flush()
            ready.set()
            time.sleep(600)
