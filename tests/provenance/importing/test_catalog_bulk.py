"""The bulk path of a catalog import gives what the row-by-row path gave: the same cells as
stored, the same history text and the same hash chain.

Cells are cleaned and checked a column at a time (`_clean_cells`, `_key_column`), the history's
"after" JSON is built a column at a time, and a chunk's entries are hashed in one loop
(`chain_hashes`). Each is compared here with the per-row function it stands for.
"""

from __future__ import annotations

import csv
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.importing.catalog import (
    CATALOG_FIELDS,
    _clean,
    _clean_cells,
    _json_members,
    _key_cell,
    _key_column,
)
from provenance.store.history import GENESIS, chain_hashes, entry_hash
from tests.conftest import data_file

# Cells that take every branch of `_clean`: control characters, decomposed accents, spaces,
# formula guards, quotes, empty cells, a right-to-left override, a BOM, a lone combining mark.
AWKWARD = [
    "",
    "  Harbour  ",
    "Cafe\u0301",
    "\u0301",
    "e",
    "Bo\x07b",
    "'=SUM(1)",
    "'quoted",
    "O'Neil",
    "'",
    " '-1 ",
    "tab\there",
    "line1\nline2",
    "\u202eevil",
    "\ufeffbom",
    "\x00nul",
    "\x1f lead",
    "Ωmega ﬁ",
    '"quoted" \\ back',
    "\u3000wide space\u3000",
]

_CELL = st.lists(st.sampled_from([*"ab '=-\t\n\x07\x1b\u0301\u202e\ufeff\u00e9Ω", "e\u0301"])).map(
    "".join
)


def _per_cell_keys(cells: list[str], column: str) -> tuple[list[str | None], dict[int, str]]:
    values: list[str | None] = []
    problems: dict[int, str] = {}
    for position, cell in enumerate(cells):
        try:
            values.append(_key_cell(cell, column))
        except ValueError as exc:
            problems[position] = str(exc)
            values.append(None)
    return values, problems


@pytest.mark.parametrize("column", [AWKWARD, ["A1", "b", "  c ", "'d", ""], ["x"] * 5])
def test_a_column_is_cleaned_as_each_of_its_cells(column):
    assert _clean_cells(column)[0] == [_clean(c) for c in column]
    problems: dict[int, str] = {}
    assert _key_column(column, "acc", problems) == _per_cell_keys(column, "acc")[0]
    assert problems == _per_cell_keys(column, "acc")[1]


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELL, max_size=12))
def test_any_column_is_cleaned_as_each_of_its_cells(column):
    assert _clean_cells(column)[0] == [_clean(c) for c in column]
    problems: dict[int, str] = {}
    assert (_key_column(column, "acc", problems), problems) == _per_cell_keys(column, "acc")


_VALUE = st.one_of(st.none(), _CELL, st.text(max_size=6))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(max_size=4), min_size=0, max_size=4, unique=True).flatmap(
        lambda names: st.tuples(
            st.just(names),
            st.lists(st.lists(_VALUE, min_size=len(names), max_size=len(names)), max_size=6),
        )
    )
)
def test_json_members_are_the_encoder_s_spelling_of_each_row(names_rows):
    names, rows = names_rows
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in names]
    spelled = _json_members(names, columns, len(rows))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for row, members in zip(rows, spelled, strict=True):
        expected = encode({n: v for n, v in zip(names, row, strict=True) if v})
        assert "{" + members + "}" == expected


def test_json_members_of_full_rows_awkward_cells_and_percent_keys():
    names = ["accession", "50% off", 'say "hi"']
    rows = [("A1", "x", "y"), ("A2", None, "100%s"), ("A3", "tab\there\n", "\x07")]
    rows += [tuple(c for c in (f"B{n}", AWKWARD[n] or None, "z")) for n in range(len(AWKWARD))]
    columns = [list(c) for c in zip(*rows, strict=True)]
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    expected = [encode({n: v for n, v in zip(names, r, strict=True) if v})[1:-1] for r in rows]
    assert _json_members(names, columns, len(rows)) == expected


def test_bulk_hashes_are_the_per_entry_hashes():
    entries = [
        (7, 7, None, '{"title":"Harbour"}', "catalog import a.csv line 2"),
        (8, 8, None, '{"title":"Caf\u00e9"}', None),
        (None, 8, '{"k":1}', '{"k":2}', "tag"),
        (3, None, None, None, "x"),
        (9, 10, None, "{}", ""),
    ]
    hashes = chain_hashes(41, "2026-01-01T00:00:00+00:00", "me", "item", "create", entries, GENESIS)
    prev, seq = GENESIS, 41
    for (entity_id, item_id, before, after, note), digest in zip(entries, hashes, strict=True):
        seq += 1
        expected = entry_hash(
            seq,
            "2026-01-01T00:00:00+00:00",
            "me",
            "item",
            entity_id,
            item_id,
            "create",
            before,
            after,
            note,
            prev,
        )
        assert digest == expected
        prev = digest


def _rows(lib, sql: str) -> list[dict]:
    """Rows as stored, read beside Credence from its SQLite file or its PostgreSQL database."""
    from sqlalchemy import create_engine, text

    from provenance.store.engine import team_url

    if getattr(lib, "team", False):
        url = team_url(lib.location)
    else:
        url = f"sqlite:///{lib.folder / 'library.sqlite'}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _reference_after(row: dict[str, str | None], extra: dict[str, str]) -> str:
    """The history "after" text as the row-by-row import wrote it: the non-empty fields in
    CATALOG_FIELDS order, then the extra fields, encoded by the JSON encoder as one dict."""
    after: dict[str, object] = {k: row[k] for k in CATALOG_FIELDS if row.get(k)}
    if extra:
        after["extra"] = extra
    return json.dumps(after, ensure_ascii=False, separators=(",", ":"))


def test_awkward_and_real_files_store_what_the_row_by_row_path_stored(library, tmp_path):
    src = tmp_path / "awkward.csv"
    with open(src, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["accession_number", "title", "maker", "notes", "capture_type"])
        for n, cell in enumerate(AWKWARD):
            writer.writerow([f"A{n}", cell, AWKWARD[-n], cell, "digitalCapture" if n % 2 else ""])
        writer.writerow(["A1", "again", "", "", ""])  # a duplicate key
        writer.writerow(["A\x1b9", "bad key", "", "", ""])
        writer.writerow(["B1", "bad capture type", "", "", "bogus"])
    report = library.import_catalog(src)
    assert report.created == len(AWKWARD)
    reasons = [p.reason for p in report.rejected]
    assert len(reasons) == 3 and "appears again" in reasons[0]
    assert "control character" in reasons[1] and "capture type" in reasons[2]
    wcma = library.import_catalog(data_file("catalogs/wcma/wcma-collection_2019-12-04.csv"))
    assert wcma.created > 7000

    for n, cell in enumerate(AWKWARD):
        item = library.get_item(f"A{n}")
        assert (item.title, item.maker) == (_clean(cell), _clean(AWKWARD[-n]))
        assert item.extra == ({"notes": _clean(cell)} if _clean(cell) else {})
    # The stored text itself, read from the real database (file or server).
    items = {r["id"]: r for r in _rows(library, "SELECT * FROM items")}
    history = _rows(library, "SELECT * FROM history ORDER BY seq")
    assert len(history) == len(items) == report.created + wcma.created
    for entry in history:
        item = items[entry["item_id"]]
        assert (entry["entity"], entry["entity_id"], entry["action"]) == (
            "item",
            item["id"],
            "create",
        )
        assert entry["before_json"] is None
        extra = item["extra"] if isinstance(item["extra"], dict) else json.loads(item["extra"])
        assert entry["after_json"] == _reference_after(item, extra)
        if isinstance(item["extra"], str):  # SQLite keeps the text: the encoder's own spelling
            assert item["extra"] == json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
    verification = library.verify_history()  # every entry's hash recomputed one by one
    assert verification.ok and verification.checked == len(history)


def test_every_character_the_text_checks_look_for_is_unprintable():
    # `is_clean_text`, `is_safe_key` and `_needs_escape` answer "nothing to look for" from
    # `str.isprintable` before any regex: sound only if no character a regex matches counts
    # as printable. Every code point is tried.
    from provenance.domain import text
    from provenance.importing.catalog import _CONTROL

    patterns = (text._STRIP_RE, text._UNSAFE_RE, _CONTROL)
    for code in range(0x110000):
        char = chr(code)
        if any(p.match(char) for p in patterns):
            assert not char.isprintable(), f"U+{code:04X}"


_ANY_TEXT = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(["\x7f", "\x85", "\x9f", "\xa0", "\xad", "\u2028", "\u2066", "\ufeff"]),
    ),
    max_size=8,
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_ANY_TEXT, max_size=6))
def test_the_quick_checks_answer_as_the_regexes_do(cells):
    from provenance.domain import text
    from provenance.importing.catalog import _needs_escape

    joined = " ".join(cells)
    nfc = unicodedata.is_normalized("NFC", joined)
    assert text.is_clean_text(joined) == (nfc and text._STRIP_RE.search(joined) is None)
    assert text.is_safe_key(joined) == (nfc and text._UNSAFE_RE.search(joined) is None)
    assert _needs_escape(joined) == (json.encoder.encode_basestring(joined) != f'"{joined}"')
    assert _clean_cells(cells)[0] == [_clean(c) for c in cells]
    problems: dict[int, str] = {}
    assert (_key_column(cells, "acc", problems), problems) == _per_cell_keys(cells, "acc")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_ANY_TEXT, _CELL, st.sampled_from(AWKWARD)), max_size=6))
def test_a_column_called_plain_has_nothing_to_escape_and_is_spelled_as_the_encoder_does(cells):
    from provenance.importing.catalog import _clean_cells

    values, plain = _clean_cells(cells)
    assert values == [_clean(c) for c in cells]
    if plain:
        assert all(json.encoder.encode_basestring(v) == f'"{v}"' for v in values if v)
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    spelled = _json_members(["title"], [values], len(values), [plain])
    assert spelled == [encode({"title": v} if v else {})[1:-1] for v in values]
