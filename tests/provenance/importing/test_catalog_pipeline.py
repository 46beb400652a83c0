"""Chunks of a catalog import are written by a thread of their own while the next chunk is
read: cancelling, a failed write and progress behave as they did in one thread (whole chunks
committed, in order, the chain sound), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from provenance import CancelToken
from provenance.importing import catalog
from tests.conftest import tamper


def _write_rows(path, rows: int) -> None:
    lines = ["accession_number,title,maker"]
    lines += [f"P{n:04d},Harbour study {n},Maker {n % 7}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_cancel_keeps_whole_chunks_in_order_and_progress_counts_committed_rows(
    library, tmp_path, monkeypatch
):
    monkeypatch.setattr(catalog, "CHUNK", 10)
    src = tmp_path / "objects.csv"
    _write_rows(src, 95)
    token = CancelToken()
    seen: list[int] = []

    def progress(done, _total, _message):
        seen.append(done)
        if done >= 30:
            token.cancel()

    report = library.import_catalog(src, progress=progress, cancel=token)
    assert report.cancelled
    # Every reported row was committed when it was reported; the chunks sent before the
    # cancel was seen are written whole, and nothing after them.
    assert seen == sorted(set(seen)) and seen[-1] == report.created
    assert report.created % 10 == 0 and 30 <= report.created < 95
    stored = [i.accession for i in library.list_items(limit=200)]
    assert sorted(stored) == [f"P{n:04d}" for n in range(report.created)]
    assert library.verify_history().ok

    again = library.import_catalog(src)  # a re-run finishes the job
    assert (again.created, again.unchanged) == (95 - report.created, report.created)
    assert library.count_items() == 95 and library.verify_history().ok


def test_a_failed_chunk_stops_the_import_and_keeps_the_chunks_before_it(
    library, tmp_path, monkeypatch
):
    monkeypatch.setattr(catalog, "CHUNK", 10)
    src = tmp_path / "objects.csv"
    _write_rows(src, 50)
    # The database itself refuses row P0025 (the third chunk), inside the writer's thread.
    if getattr(library, "team", False):
        tamper(
            library,
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.accession = 'P0025' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION refuse()",
        )
    else:
        tamper(
            library,
            "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.accession = 'P0025' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
    with pytest.raises(Exception, match="refused"):
        library.import_catalog(src)
    stored = sorted(i.accession for i in library.list_items(limit=200))
    assert stored == [f"P{n:04d}" for n in range(20)]
    verification = library.verify_history()
    assert verification.ok and verification.checked == 20


def _history(lib) -> list[dict]:
    from tests.provenance.importing.test_catalog_bulk import _rows

    return _rows(lib, "SELECT * FROM history ORDER BY seq")


def test_entries_hashed_ahead_are_the_chain_and_a_write_in_between_is_hashed_after_it(
    library, tmp_path, monkeypatch
):
    monkeypatch.setattr(catalog, "CHUNK", 10)
    # Counts the chunks hashed inside their transaction (the history writer's own hashing).
    from provenance.store import history as history_module

    hashed_in_transaction: list[int] = []
    real = history_module.chain_hashes

    def counting(*args, **kwargs):
        hashed_in_transaction.append(len(args[5]))
        return real(*args, **kwargs)

    monkeypatch.setattr(history_module, "chain_hashes", counting)
    src = tmp_path / "objects.csv"
    _write_rows(src, 40)
    report = library.import_catalog(src)
    assert report.created == 40
    assert hashed_in_transaction == []  # every chunk was hashed ahead, by the reader
    entries = _history(library)
    items = {i.id: i for i in library.list_items(limit=100)}
    assert [e["item_id"] for e in entries] == sorted(items) == [e["entity_id"] for e in entries]
    assert len({e["at"] for e in entries[:10]}) == 1  # one time per chunk, as its items have
    assert library.verify_history().ok

    # Another writer between two chunks moves the history head: the chunk after it is hashed
    # again from the real head, and the chain holds.
    more = tmp_path / "more.csv"
    more.write_text(
        "accession_number,title\n" + "".join(f"Q{n:04d},Study {n}\n" for n in range(30)),
        encoding="utf-8",
    )
    written = []

    def progress(done, _total, _message):
        if not written:
            written.append(library.create_item({"accession": "between", "title": "Between"}))

    report = library.import_catalog(more, progress=progress)
    assert report.created == 30 and written
    assert hashed_in_transaction  # at least the chunk after the foreign write
    entries = _history(library)
    assert len(entries) == 40 + 30 + 1
    assert library.verify_history().ok
    assert library.count_items() == 71


@pytest.mark.parametrize("lean", [False, True], ids=["extras-and-keywords", "lean"])
def test_the_search_index_an_import_builds_is_the_one_built_in_one_go(tmp_path, monkeypatch, lean):
    # Bulk writes raise FTS5's `hashsize` (fewer, larger segments) and leave out the view's
    # look-ups of extra fields and tags when no new item has any: every search must find the
    # same items, ranked the same, as an index rebuilt from the rows with the default setting.
    import random
    import sqlite3

    from provenance import open_library

    monkeypatch.setattr(catalog, "CHUNK", 3000)
    words = [
        "harbour",
        "Crémieux",
        "river",
        "東京",
        "straße",
        "café",
        "study",
        "vase",
        "bronze",
        "night",
        "ink",
    ]
    rnd = random.Random(3)
    src = tmp_path / "objects.csv"
    lines = ["accession_number,title,maker,description,department,keywords"]
    for n in range(8000):
        description = " ".join(rnd.choices(words, k=30))
        lines.append(
            f"A{n},{' '.join(rnd.choices(words, k=4))},Maker {n % 13},{description},"
            f"{rnd.choice(words)},{rnd.choice(words)}; {rnd.choice(words)}"
        )
    if lean:  # the mapped fields only: no extra field, no keyword
        lines = [line.rsplit(",", 2)[0] for line in lines]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_library(tmp_path / "lib", actor="alice") as lib:
        assert lib.import_catalog(src).created == 8000
    conn = sqlite3.connect(tmp_path / "lib" / "library.sqlite")
    try:
        size = "SELECT v FROM items_fts_config WHERE k = 'hashsize'"
        assert conn.execute(size).fetchone() == (8 * 1024 * 1024,)
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
        queries = [*words, "cremieux", "maker 7", '"harbour" AND "ink"', "stra*"]
        search = "SELECT rowid, round(rank, 9) FROM items_fts WHERE items_fts MATCH ? "
        search += "ORDER BY rank, rowid"

        def found() -> list[list[tuple]]:
            return [conn.execute(search, (q,)).fetchall() for q in queries]

        imported = found()
        assert all(imported)
        conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', 1048576)")
        # 'rebuild' cannot read a view: the index is emptied and filled in one statement.
        columns = [r[1] for r in conn.execute("PRAGMA table_info(items_fts)")]
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
        conn.execute(
            f"INSERT INTO items_fts(rowid, {', '.join(columns)}) "
            f"SELECT id, {', '.join(columns)} FROM items_search"
        )
        assert found() == imported
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
    finally:
        conn.close()


def test_rows_built_ahead_are_the_rows_the_transaction_builds(library, tmp_path, monkeypatch):
    # The reader builds a chunk's item and keyword rows ahead (with its hashes); the writer
    # builds them itself when the ahead work cannot be taken. Both give the same rows.
    from tests.provenance.importing.test_catalog_bulk import _rows

    monkeypatch.setattr(catalog, "CHUNK", 7)
    from provenance.store import store as store_module

    for module in (catalog, store_module):  # the chunk's time, and the transaction's
        monkeypatch.setattr(module, "now", lambda: "2026-02-03T04:05:06+00:00")

    def write(name: str, prefix: str):
        src = tmp_path / name
        lines = ["accession_number,title,maker,keywords,notes"]
        lines += [
            f"{prefix}{n:03d},Étude {n},Maker {n % 4},harbour; Night {n % 3},{'x' * (n % 2)}"
            for n in range(30)
        ]
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return src

    assert library.import_catalog(write("ahead.csv", "A")).created == 30
    monkeypatch.setattr(catalog, "_hash_ahead", lambda *args: None)
    assert library.import_catalog(write("inside.csv", "B")).created == 30

    items = _rows(library, "SELECT * FROM items ORDER BY id")
    keywords = _rows(library, "SELECT * FROM item_keywords ORDER BY id")
    history = _rows(library, "SELECT * FROM history ORDER BY seq")

    def shape(rows: list[dict], *left_out: str) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in left_out} for r in rows]

    ids = [r["id"] for r in items]
    a_ids, b_ids = ids[:30], ids[30:]
    assert [r["accession"][1:] for r in items[:30]] == [r["accession"][1:] for r in items[30:]]
    assert shape(items[:30], "id", "accession") == shape(items[30:], "id", "accession")
    by_item = {i: [k for k in keywords if k["item_id"] == i] for i in ids}
    for a, b in zip(a_ids, b_ids, strict=True):
        assert shape(by_item[a], "id", "item_id") == shape(by_item[b], "id", "item_id")
        assert by_item[a]
    stripped = ("seq", "entity_id", "item_id", "after_json", "note", "prev_hash", "hash")
    assert shape(history[:30], *stripped) == shape(history[30:], *stripped)
    assert [h["after_json"].replace('"A', '"B') for h in history[:30]] == [
        h["after_json"] for h in history[30:]
    ]
    assert library.verify_history().ok


_PLAIN = "accession_number,title,maker\n" + "".join(
    f"P{n:03d},Study {n},Maker {n % 3}\n" for n in range(40)
)
_EXTRAS = "accession_number,title,department,notes\n" + "".join(
    f'E{n:03d},"Étude ""{n}""",{"PRINTS" if n % 3 else ""},"a\\\\b\tc{n}\u200b"\n'
    for n in range(40)
)
_DUPLICATES = "accession_number,title\n" + "".join(
    f"{'D' + str(n % 25) if n % 9 else ''},Title {n}\n" for n in range(40)
)
_REPEATS = "accession_number,title\n" + "".join(
    f"R{n - n % 2 if n < 20 else n},Title {n}\n" for n in range(40)
)
_OTHER_KEY = "object_id,accession_number,title\n" + "".join(
    f"K{n},{'A' + str(n % 30) if n % 7 else ''},Title {n}\n" for n in range(40)
)
# Keys seen in an earlier chunk; accession numbers repeated inside a chunk.
_OTHER_KEY_REPEATS = "object_id,accession_number,title\n" + "".join(
    f"K{n % 20},A{n // 2},Title {n}\n" for n in range(40)
)
# Keys seen in an earlier chunk, every accession number new.
_OTHER_KEY_SEEN = "object_id,accession_number,title\n" + "".join(
    f"K{n % 20},A{n},Title {n}\n" for n in range(40)
)


@pytest.mark.parametrize(
    ("text", "key", "known", "used", "expected"),
    [
        (_PLAIN, None, {}, set(), True),
        (_EXTRAS, None, {}, set(), True),
        (_DUPLICATES, None, {}, set(), False),
        (_REPEATS, None, {}, set(), None),
        (_OTHER_KEY, "object_id", {}, set(), None),
        (_OTHER_KEY, "object_id", {"K3": 7}, {"A99"}, None),
        (_OTHER_KEY_REPEATS, "object_id", {}, set(), False),
        (_OTHER_KEY_SEEN, "object_id", {}, set(), None),
        (_PLAIN, None, {"P031": 7}, {"P031"}, None),
        (_PLAIN, None, {}, {"P012"}, None),
    ],
    ids=[
        "plain",
        "extras-and-escapes",
        "duplicates-and-empty-keys",
        "repeated-in-a-chunk",
        "other-key",
        "known-other-key",
        "other-key-repeats",
        "other-key-seen-before",
        "known-keys",
        "used-accession",
    ],
)
def test_rows_taken_at_once_are_the_rows_taken_one_by_one(
    tmp_path, monkeypatch, text, key, known, used, expected
):
    # `_all_new` takes a chunk whose rows are all new in bulk; `_prepare`'s loop takes them one
    # by one. From the same state, chunk after chunk, both give the same rows, refusals and
    # what they remember (keys seen, accession numbers used).
    from provenance.media.catalog_files import read_catalog_cells

    monkeypatch.setattr(catalog, "CHUNK", 10)
    monkeypatch.setattr(catalog, "FIRST_CHUNK", 10)
    src = tmp_path / "objects.csv"
    src.write_text(text, encoding="utf-8")
    real = catalog._all_new
    taken: list[bool] = []

    def counting(*args):
        taken.append(real(*args))
        return taken[-1]

    def prepared(all_new) -> list:
        monkeypatch.setattr(catalog, "_all_new", all_new)
        columns, rows = read_catalog_cells(src)
        plan = catalog._Plan(columns, {}, key)
        index, accessions, first_line = dict(known), set(used), {}
        rejected: list = []
        left_out: list = []
        chunks = []
        for chunk in catalog._chunks(plan.check_subject_shape(rows)):
            p = catalog._prepare(
                chunk, plan, index, accessions, first_line, "lib", rejected, {}, left_out
            )
            chunks.append((p.new, p.existing, p.rows))
        return [chunks, rejected, left_out, first_line, accessions]

    at_once = prepared(counting)
    one_by_one = prepared(lambda *args: False)
    assert at_once == one_by_one
    assert one_by_one[0][0][0] or one_by_one[0][0][1]  # rows were taken
    if expected is True:
        assert all(taken)
    elif expected is False:
        assert not any(taken)
    else:
        assert any(taken) and not all(taken)
