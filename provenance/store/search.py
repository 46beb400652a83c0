"""Full-text search over catalog fields, behind a small interface.

On SQLite the index is an external-content FTS5 table over the `items_search` view (see the
initial migration). External content means the index must be told the old text of a row before
the row changes: writers wrap every change to `items` in `SearchIndex.updating(...)`, or call
`index_new(...)` after inserting rows.

On PostgreSQL (a team library) `PostgresSearchIndex` implements the same methods over the
server's own full-text search: a `tsvector` per item in `items_tsv` with a GIN index (revision
0008), built with the `simple` configuration (no language's stemming: titles come in many
languages) over text with accents removed (`unaccent`) and punctuation turned into spaces, so
it finds what FTS5's unicode61 tokenizer finds: every typed word as a prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Float, Select, text
from sqlalchemy.orm import Session

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Revision 0003 added object type, maker's nationality and inscription (words a person
# searches for); dimensions and maker's dates are numbers that would only add noise.
# Revision 0004 added an item's keywords and every label of its subjects, in every language.
_COLUMNS = (
    "accession, title, maker, date, medium, credit_line, rights, description, extra, "
    "object_type, maker_nationality, inscription, keywords, subjects"
)
_BATCH = 500
#: Bytes of new terms FTS5 holds in memory before writing a segment (see `index_range`).
_BULK_HASHSIZE = 8 * 1024 * 1024

#: A search matching more items than this (with its filters) lists them in the order they were
#: added (item id) instead of best match first (see items.search_ranked). Ranking reads every
#: match's word positions and length (bm25): on a million items a common word's 378,000
#: matches took 0.6 s to rank, a year's 12,000 about 35 ms, while a first page in id order
#: takes about 10 ms (a loaded 2-core machine).
RANKED_AT_MOST = 10_000


def match_expression(query: str, *, prefix: bool = True) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match, as a prefix
    (with `prefix` False, as a whole word).

    Punctuation never reaches FTS5's query syntax, so `"`, `*`, `-` or `AND` typed by a user
    cannot produce a syntax error. Returns None when nothing searchable was typed.
    """
    words = _TOKEN.findall(query)
    if not words:
        return None
    star = "*" if prefix else ""
    return " ".join(f'"{w}"{star}' for w in words)


_FTS_IDS = "SELECT rowid AS id FROM items_fts WHERE items_fts MATCH :match ORDER BY rowid"
_FIRST_IDS = text(f"{_FTS_IDS} LIMIT :limit")
_CAPPED_COUNT = text(
    "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH :match LIMIT :cap)"
)
#: The tokenizer of `items_fts` (revision 0004), which the probe's index must share.
TOKENIZER = "unicode61 remove_diacritics 2"
#: The most items a first page is looked for among in a probe (see `_probe`): about 5 ms.
PROBED_AT_MOST = 2_000


def _probe(session: Session, match: str, last: int, limit: int) -> list[int] | None:
    """The first `limit` items up to item `last` that `match` finds, found by indexing those
    items' text alone (see `_probed`). None when there are more than PROBED_AT_MOST such
    items."""
    bounds = {"last": last, "most": PROBED_AT_MOST}
    items = text("SELECT count(*) FROM (SELECT 1 FROM items WHERE id <= :last LIMIT :most + 1)")
    if session.scalar(items, bounds) > PROBED_AT_MOST:
        return None
    return _probed(session, match, "id <= :last", bounds, limit)


def _probed(session: Session, match: str, where: str, params: dict, limit: int) -> list[int]:
    """The first `limit` of the items `where` picks that `match` finds, found by indexing their
    text alone in a small FTS5 index of this connection's own (temporary, contentless, with the
    same columns, text and tokenizer as `items_fts`, so it matches as that index does)."""
    session.execute(
        text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.items_fts_probe USING fts5({_COLUMNS}, "
            f"content='', tokenize='{TOKENIZER}')"
        )
    )
    empty = text("INSERT INTO items_fts_probe(items_fts_probe) VALUES ('delete-all')")
    session.execute(empty)
    session.execute(
        text(
            f"INSERT INTO items_fts_probe(rowid, {_COLUMNS}) "
            f"SELECT id, {_COLUMNS} FROM items_search WHERE {where}"
        ),
        params,
    )
    found = text(
        "SELECT rowid FROM items_fts_probe WHERE items_fts_probe MATCH :match "
        "ORDER BY rowid LIMIT :limit"
    )
    page = list(session.scalars(found, {"match": match, "limit": limit}))
    session.execute(empty)
    return page


def _first_ids(
    session: Session, matches: str, params: dict, limit: int, cap: int
) -> tuple[list[int], int]:
    # The database counts the matches up to the cap (in C, no row reaches Python) and hands
    # over only the first page of them (at least one row, which carries the count).
    rows = session.execute(
        text(
            f"SELECT id, count(*) OVER () FROM ({matches} LIMIT :most) found "
            "ORDER BY id LIMIT :limit"
        ),
        {**params, "most": max(cap + 1, limit), "limit": max(limit, 1)},
    ).all()
    return [row[0] for row in rows[:limit]], min(rows[0][1] if rows else 0, cap + 1)


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


class SearchIndex:
    """Keeps the FTS5 index in step with `items`, inside the caller's transaction."""

    def _run(self, session: Session, sql: str, ids: Iterable[int]) -> None:
        for batch in _batches(ids):
            marks = ", ".join(str(int(i)) for i in batch)  # ints only: safe to inline
            session.execute(text(sql.format(ids=marks)))

    def index(self, session: Session, ids: Iterable[int]) -> None:
        """Add the current text of items `ids` (rows already flushed) to the index."""
        self._run(
            session,
            f"INSERT INTO items_fts(rowid, {_COLUMNS}) "
            f"SELECT id, {_COLUMNS} FROM items_search WHERE id IN ({{ids}})",
            ids,
        )

    def unindex(self, session: Session, ids: Iterable[int]) -> None:
        """Remove items `ids` from the index; call before their rows change or go."""
        self._run(
            session,
            f"INSERT INTO items_fts(items_fts, rowid, {_COLUMNS}) "
            f"SELECT 'delete', id, {_COLUMNS} FROM items_search WHERE id IN ({{ids}})",
            ids,
        )

    def index_range(self, session: Session, first: int, last: int) -> None:
        """Index newly inserted items with ids first..last (the bulk-import path).

        FTS5 keeps new terms in memory and writes them out as a segment each time they pass
        its `hashsize` (1 MB by default), then merges segments as they pile up. Bulk writes
        raise it to `_BULK_HASHSIZE` first, in the same transaction: fewer, larger segments to
        merge (measured: a fifth less CPU to index 200,000 catalog rows, the same index). The
        setting is kept in the index's own config table, so it holds for later writes too.

        Most new items have no extra fields, or no tags: a quick look at the range finds out,
        and the view's look-ups of what none of them has are left out (NULL, what the view
        gives for them; measured: a tenth of the CPU of indexing a lean catalog).
        """
        bounds = {"first": first, "last": last}
        session.execute(
            text("INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', :size)"),
            {"size": _BULK_HASHSIZE},
        )
        extras, tags = session.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM items WHERE id BETWEEN :first AND :last "
                "AND extra <> '{}'), "
                "EXISTS (SELECT 1 FROM item_keywords WHERE item_id BETWEEN :first AND :last) "
                "OR EXISTS (SELECT 1 FROM item_subjects WHERE item_id BETWEEN :first AND :last)"
            ),
            bounds,
        ).one()
        left_out = ({"extra"} if not extras else set()) | (
            {"keywords", "subjects"} if not tags else set()
        )
        values = ", ".join("NULL" if c in left_out else c for c in _COLUMNS.split(", "))
        session.execute(
            text(
                f"INSERT INTO items_fts(rowid, {_COLUMNS}) SELECT id, {values} "
                "FROM items_search WHERE id BETWEEN :first AND :last"
            ),
            bounds,
        )

    @contextmanager
    def updating(self, session: Session, ids: Iterable[int]) -> Iterator[None]:
        """Bracket changes to existing items: old text out before, new text in after."""
        ids = list(ids)
        session.flush()
        self.unindex(session, ids)
        yield
        session.flush()
        self.index(session, ids)

    def count_matching(self, session: Session, search: str) -> int | None:
        """How many items match what was typed, counted in the index alone (it holds exactly
        one row per item): no join to `items` and no ranking, ~5x faster on a million items.
        None when nothing searchable was typed."""
        match = match_expression(search)
        if match is None:
            return None
        counted = text("SELECT count(*) FROM items_fts WHERE items_fts MATCH :match")
        return session.scalar(counted, {"match": match}) or 0

    #: See RANKED_AT_MOST (an attribute, so a test can lower it).
    ranked_at_most = RANKED_AT_MOST

    def count_up_to(self, session: Session, search: str, cap: int) -> int | None:
        """How many items match what was typed, counted only up to `cap` + 1, in the index
        alone: cheap however many match. None when nothing searchable was typed."""
        match = match_expression(search)
        if match is None:
            return None
        # Whole words first: FTS5 reads their matches as it goes, while a prefix query gathers
        # all matches of every word it could be before its first row (14 ms for a word in every
        # item of a million). Items with the whole words are among the prefix matches, so too
        # many of them is too many.
        for query in (match_expression(search, prefix=False), match):
            found = session.scalar(_CAPPED_COUNT, {"match": query, "cap": cap + 1})
            if found > cap:
                return found
        return found

    def first_ids(
        self, session: Session, search: str, limit: int, cap: int
    ) -> tuple[list[int], int]:
        """The ids of the first `limit` items matching what was typed, in the order they were
        added, and how many match, counted only up to `cap` + 1, matching the prefixes of the
        words at most once for both (see items.start_listing). Read in the index alone: it
        holds exactly one row per item, so these are the ids `matching(..., ranked=False)`
        lists first. ([], 0) when nothing searchable was typed.

        FTS5 (SQLite 3.40) gathers every match of a prefix before its first row: 35 ms for two
        words each in every item of a million, though the first page lies among the first few
        dozen items. Whole words are read as they go, and every item with the whole words
        matches their prefixes too. So when more than `cap` items have the whole words, the
        prefix search's first page lies among the items up to the `limit`-th of them, and it is
        looked for there alone (see `_probe`)."""
        match = match_expression(search)
        if match is None:
            return [], 0
        words = match_expression(search, prefix=False)
        if session.scalar(_CAPPED_COUNT, {"match": words, "cap": cap + 1}) > cap:
            # Then more than `cap` items match the prefixes too.
            first = list(session.scalars(_FIRST_IDS, {"match": words, "limit": limit}))
            page = _probe(session, match, first[-1], limit) if 0 < len(first) == limit else None
            if page is None:
                page = list(session.scalars(_FIRST_IDS, {"match": match, "limit": limit}))
            return page, cap + 1
        return _first_ids(session, _FTS_IDS, {"match": match}, limit, cap)

    def matches_item(self, session: Session, search: str, item_id: int) -> bool:
        """Whether item `item_id` matches what was typed (False when nothing searchable was
        typed). Its text alone is matched (see `_probed`): asking the whole index would gather
        every match of each prefix first."""
        match = match_expression(search)
        if match is None:
            return False
        return bool(_probed(session, match, "id = :id", {"id": item_id}, 1))

    def ranked_ids(self, session: Session, search: str) -> list[int]:
        """The ids of every item matching what was typed, best match first, as
        `matching(..., ranked=True)` orders them, read in the index alone (no look-up of each
        match's item row); for a search few enough items match to rank (see `ranks`)."""
        match = match_expression(search)
        if match is None:
            return []
        ranked = text(
            "SELECT rowid FROM items_fts WHERE items_fts MATCH :match ORDER BY rank, rowid"
        )
        return list(session.scalars(ranked, {"match": match}))

    def ranks(self, session: Session, search: str) -> bool:
        """Whether `matching(..., ranked=True)` is worth it for what was typed, with no filter:
        True unless it matches more than `ranked_at_most` items (counted only that far, in the
        index alone). With filters, `items.search_ranked` counts the filtered statement."""
        found = self.count_up_to(session, search, self.ranked_at_most)
        return found is None or found <= self.ranked_at_most

    def matching(self, stmt: Select, search: str, item_id, *, ranked: bool = True) -> Select | None:
        """`stmt` limited to the items matching what was typed (None when nothing searchable
        was typed): best match first (FTS5's bm25 `rank`, then id), or with `ranked` False in
        the order the items were added (see `ranks`)."""
        match = match_expression(search)
        if match is None:
            return None
        # The order is the outer query's: SQLite drops an ORDER BY inside a joined subquery.
        columns = "rowid, rank" if ranked else "rowid"
        found = text(f"SELECT {columns} FROM items_fts WHERE items_fts MATCH :match").bindparams(
            match=match
        )
        if ranked:
            found = found.columns(rowid=item_id.type, rank=Float())
        else:
            found = found.columns(rowid=item_id.type)
        sub = found.subquery("ranked")
        joined = stmt.join(sub, sub.c.rowid == item_id)
        # In id order FTS5 hands the matches over already sorted, so a page needs no sort.
        return joined.order_by(sub.c.rank, item_id) if ranked else joined.order_by(sub.c.rowid)


# -- PostgreSQL (team libraries) ----------------------------------------------------------------

_PG_TEXT_COLUMNS = (
    "i.accession, i.title, i.maker, i.date, i.medium, i.credit_line, i.rights, i.description, "
    "(CASE WHEN json_typeof(i.extra) = 'object' THEN "
    "(SELECT string_agg(e.value, ' ') FROM json_each_text(i.extra) e) END), "
    "i.object_type, i.maker_nationality, i.inscription, "
    "(SELECT string_agg(k.keyword, ' ') FROM item_keywords k WHERE k.item_id = i.id), "
    # Each subject's labels in a subquery of their own, so they are found by the concept_id
    # index whatever the planner's statistics say: as a join, right after a vocabulary was
    # imported (no ANALYZE yet), it scanned every label once per item (4 s for 10,000 items).
    "(SELECT string_agg((SELECT string_agg(l.label, ' ') FROM vocab_labels l "
    "WHERE l.concept_id = s.concept_id), ' ') FROM item_subjects s WHERE s.item_id = i.id)"
)
#: The longest text indexed per item (characters): a tsvector holds at most 1 MB; no catalog
#: record comes near this, and a hostile one must not make the write fail.
PG_TEXT_LIMIT = 250_000
#: An item's searchable text as a tsvector (SQL over `items i`). Punctuation becomes space, as
#: FTS5's unicode61 tokenizer splits there ("1976.37" is two words, "Saint-Rémy" too), and
#: accents go before the words are lower-cased by the `simple` configuration.
PG_DOCUMENT_SQL = (
    "to_tsvector('simple', regexp_replace(unaccent(left(concat_ws(' ', "
    f"{_PG_TEXT_COLUMNS}), {PG_TEXT_LIMIT})), '[[:punct:]]+', ' ', 'g'))"
)
#: The same without the item's keywords and subjects, for items just inserted by a bulk import
#: that have none (the two look-ups per row were a third of the cost at 200,000 rows).
PG_NEW_DOCUMENT_SQL = PG_DOCUMENT_SQL.replace(
    _PG_TEXT_COLUMNS, _PG_TEXT_COLUMNS[: _PG_TEXT_COLUMNS.index(", (SELECT string_agg(k.")]
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tsquery_expression(query: str) -> str | None:
    """Turn what a person typed into a safe `to_tsquery` text: every word must match, as a
    prefix (``'word':*`` joined by ``&``). Only letters and digits reach the query syntax, so
    quotes, ``!``, ``|``, ``&`` or ``:`` typed by a user cannot produce a syntax error. Returns
    None when nothing searchable was typed."""
    words = _WORD.findall(query)
    if not words:
        return None
    return " & ".join(f"'{w}':*" for w in words)


@contextmanager
def _without_jit(session: Session) -> Iterator[None]:
    """PostgreSQL's JIT compiler off for the statements inside (and back as it was after).

    The planner prices a batch of 500 item documents (three correlated look-ups per item)
    above the JIT thresholds, and compiling took ~0.3 s per batch: 4 of the 5 s it took to
    tag 10,000 items, for statements that run in a few milliseconds without it.
    """
    previous = session.execute(text("SELECT current_setting('jit')")).scalar_one()
    session.execute(text("SELECT set_config('jit', 'off', true)"))
    yield
    # Not in a `finally`: after a failed statement the transaction only rolls back, and that
    # undoes this transaction-local setting too.
    session.execute(text("SELECT set_config('jit', :value, true)"), {"value": previous})


class PostgresSearchIndex(SearchIndex):
    """Keeps `items_tsv` (tsvector + GIN) in step with `items`, inside the caller's transaction.

    The same methods as SearchIndex; since the index row is computed from the current rows,
    `unindex` before a change is only needed when the item goes.
    """

    def index(self, session: Session, ids: Iterable[int]) -> None:
        """Index (or index again) the current text of items `ids` (rows already flushed)."""
        with _without_jit(session):
            for batch in _batches(ids):
                session.execute(
                    text(
                        f"INSERT INTO items_tsv (item_id, doc) SELECT i.id, {PG_DOCUMENT_SQL} "
                        "FROM items i WHERE i.id = ANY(:ids) "
                        "ON CONFLICT (item_id) DO UPDATE SET doc = EXCLUDED.doc"
                    ),
                    {"ids": batch},
                )

    def unindex(self, session: Session, ids: Iterable[int]) -> None:
        """Remove items `ids` from the index (their rows are about to go)."""
        for batch in _batches(ids):
            session.execute(text("DELETE FROM items_tsv WHERE item_id = ANY(:ids)"), {"ids": batch})

    def index_range(self, session: Session, first: int, last: int) -> None:
        """Index newly inserted items with ids first..last (the bulk-import path).

        Most new items have no tags: they are indexed without the two tag look-ups per row;
        those a catalog file gave keywords or subjects are then indexed again in full.
        """
        bounds = {"first": first, "last": last}
        session.execute(
            text(
                f"INSERT INTO items_tsv (item_id, doc) SELECT i.id, {PG_NEW_DOCUMENT_SQL} "
                "FROM items i WHERE i.id BETWEEN :first AND :last "
                "ON CONFLICT (item_id) DO UPDATE SET doc = EXCLUDED.doc"
            ),
            bounds,
        )
        session.execute(
            text(
                f"INSERT INTO items_tsv (item_id, doc) SELECT i.id, {PG_DOCUMENT_SQL} "
                "FROM items i WHERE i.id IN ("
                "SELECT item_id FROM item_keywords WHERE item_id BETWEEN :first AND :last "
                "UNION SELECT item_id FROM item_subjects WHERE item_id BETWEEN :first AND :last"
                ") ON CONFLICT (item_id) DO UPDATE SET doc = EXCLUDED.doc"
            ),
            bounds,
        )

    @contextmanager
    def updating(self, session: Session, ids: Iterable[int]) -> Iterator[None]:
        """Bracket changes to existing items: their index rows are computed again after."""
        ids = list(ids)
        yield
        session.flush()
        self.index(session, ids)

    def count_matching(self, session: Session, search: str) -> int | None:
        """How many items match what was typed (None when nothing searchable was typed)."""
        query = tsquery_expression(search)
        if query is None:
            return None
        counted = text(
            "SELECT count(*) FROM items_tsv t WHERE t.doc @@ to_tsquery('simple', unaccent(:q))"
        )
        return session.scalar(counted, {"q": query}) or 0

    def count_up_to(self, session: Session, search: str, cap: int) -> int | None:
        """How many items match what was typed, counted only up to `cap` + 1 (None when
        nothing searchable was typed)."""
        query = tsquery_expression(search)
        if query is None:
            return None
        capped = text(
            "SELECT count(*) FROM (SELECT 1 FROM items_tsv t "
            "WHERE t.doc @@ to_tsquery('simple', unaccent(:q)) LIMIT :cap) found"
        )
        return session.scalar(capped, {"q": query, "cap": cap + 1})

    def first_ids(
        self, session: Session, search: str, limit: int, cap: int
    ) -> tuple[list[int], int]:
        """The ids of the first `limit` items matching what was typed, in the order they were
        added, and how many match, counted only up to `cap` + 1 (([], 0) when nothing
        searchable was typed)."""
        query = tsquery_expression(search)
        if query is None:
            return [], 0
        return _first_ids(
            session,
            "SELECT t.item_id AS id FROM items_tsv t "
            "WHERE t.doc @@ to_tsquery('simple', unaccent(:q)) ORDER BY t.item_id",
            {"q": query},
            limit,
            cap,
        )

    def matches_item(self, session: Session, search: str, item_id: int) -> bool:
        """Whether item `item_id` matches what was typed (False when nothing searchable was
        typed)."""
        query = tsquery_expression(search)
        if query is None:
            return False
        found = text(
            "SELECT EXISTS (SELECT 1 FROM items_tsv t WHERE t.item_id = :id "
            "AND t.doc @@ to_tsquery('simple', unaccent(:q)))"
        )
        return bool(session.scalar(found, {"id": item_id, "q": query}))

    def ranked_ids(self, session: Session, search: str) -> list[int]:
        """The ids of every item matching what was typed, best match first (as `matching`)."""
        query = tsquery_expression(search)
        if query is None:
            return []
        ranked = text(
            "SELECT t.item_id FROM items_tsv t, to_tsquery('simple', unaccent(:q)) q "
            "WHERE t.doc @@ q ORDER BY ts_rank(t.doc, q) DESC, t.item_id"
        )
        return list(session.scalars(ranked, {"q": query}))

    def matching(self, stmt: Select, search: str, item_id, *, ranked: bool = True) -> Select | None:
        """`stmt` limited to the items matching what was typed: best match first (`ts_rank`,
        then id), or with `ranked` False in the order the items were added."""
        query = tsquery_expression(search)
        if query is None:
            return None
        found = (
            text(
                "SELECT t.item_id AS rowid, ts_rank(t.doc, q) AS score "
                "FROM items_tsv t, to_tsquery('simple', unaccent(:query)) q "
                "WHERE t.doc @@ q"
            )
            .bindparams(query=query)
            .columns(rowid=item_id.type, score=Float())
            .subquery("ranked")
        )
        joined = stmt.join(found, found.c.rowid == item_id)
        if ranked:
            return joined.order_by(found.c.score.desc(), item_id)
        return joined.order_by(item_id)
