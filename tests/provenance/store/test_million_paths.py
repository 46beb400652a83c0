"""The fast paths issue 16 added for million-item libraries give what the slow paths gave:
the streamed history check and the bulk writes hash exactly what `entry_hash` hashes, a plain
search is counted in the full-text index alone with the same number as the joined query, a
search lists its best match first (or, too broad to rank, the same items in id order), and a
sorted page is a slice of the whole sorted list."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select, text

from provenance.domain.views import SearchFilters
from provenance.store.history import _COLUMNS, _hashes, chain_hashes, entry_hash
from provenance.store.items import select_items
from provenance.store.models import HistoryEntry
from tests.conftest import tamper


def _varied_history(lib) -> None:
    """Entries of several shapes: creates, updates with a before, notes, None ids, non-ASCII."""
    first = lib.create_item({"accession": "2024.1", "title": "Étude in oil", "maker": "Émile Z"})
    lib.create_item({"accession": "2024.2", "title": "River at dusk", "maker": "Chen W"})
    lib.create_item({"accession": "2024.3", "title": "Portrait, oil on canvas"})
    lib.update_item(first.id, {"title": "Étude — oil on board 🎨"})
    lib.add_event(first.id, "acquired", "Museum", date="1890~", note="from a gift")
    lib.add_tool("Restorer", "Vendor ✓")
    lib.tag(["2024.1", "2024.2"], add=["landscape"])


def test_streamed_hashes_match_entry_hash(library):
    _varied_history(library)
    with library._store.read() as session:
        rows = session.execute(
            select(*(getattr(HistoryEntry, c) for c in _COLUMNS)).order_by(HistoryEntry.seq)
        ).all()
        assert len(rows) >= 7
        assert {r.item_id is None for r in rows} == {True, False}
        for row, digest in zip(rows, _hashes(rows), strict=True):
            assert digest == entry_hash(*row[:11]) == row[11]
    result = library.verify_history()
    assert result.ok and result.checked == len(rows)


def test_verify_still_names_the_first_edited_entry(library):
    _varied_history(library)
    tamper(library, "UPDATE history SET note = 'changed' WHERE seq = 4")
    result = library.verify_history()
    assert not result.ok
    assert result.first_broken == 4 and result.checked == 3
    assert result.reason == "entry 4 was edited after it was written"


def test_verify_still_names_a_deleted_entry(library):
    _varied_history(library)
    tamper(library, "DELETE FROM history WHERE seq = 2")
    result = library.verify_history()
    assert (result.ok, result.first_broken, result.checked) == (False, 2, 1)
    assert "entry 2 is missing" in result.reason


def test_plain_search_count_equals_the_joined_count(library):
    _varied_history(library)
    for n in range(40):
        library.create_item({"accession": f"B.{n}", "title": f"oil sketch {n}", "maker": "Ann"})
    with library._store.read() as session:
        for query in ("oil", "OIL canvas", "étude", "emile", "2024", "river dusk", "zzz", "..."):
            stmt = select_items(query, SearchFilters(), library._store.search_index)
            joined = 0 if stmt is None else len(session.scalars(stmt).all())
            assert library.count_items(query) == joined == len(library.list_items(query))
    assert library.count_items("oil") == 42
    # With a filter the joined query still counts (the fast path is for a plain search).
    assert library.count_items("oil", SearchFilters(maker="Ann")) == 40


def test_sqlite_history_rows_stream_as_stored(tmp_path):
    from provenance import open_library

    with open_library(tmp_path / "lib", actor="alice") as lib:
        _varied_history(lib)
        folder = lib.folder
        result = lib.verify_history()
    conn = sqlite3.connect(folder / "library.sqlite")
    stored = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM history ORDER BY seq").fetchall()
    conn.close()
    assert result.ok and result.checked == len(stored)
    assert list(_hashes(stored)) == [r[11] for r in stored]


def test_search_lists_the_best_match_first(library):
    """Ranked by relevance, not by id: the item that says the word most, in the fewest words,
    comes first although it was added last (SQLite drops an ORDER BY inside a joined subquery,
    so the order must be the outer query's)."""
    words = " ".join(f"filler{n}" for n in range(30))
    library.create_item({"accession": "R.1", "title": "Study", "description": f"bronze {words}"})
    library.create_item({"accession": "R.2", "title": "Bronze horse", "description": words})
    library.create_item({"accession": "R.3", "title": "Bronze", "medium": "bronze, bronze"})
    found = [i.accession for i in library.list_items("bronze")]
    assert found[0] == "R.3" and sorted(found) == ["R.1", "R.2", "R.3"]
    # Pages are slices of the one order, and the count is the list's length.
    assert [i.accession for i in library.list_items("bronze", limit=1, offset=1)] == found[1:2]
    assert library.count_items("bronze") == 3


def test_a_search_too_broad_to_rank_lists_matches_in_the_order_added(library):
    """Past `ranked_at_most` matches the same items come in id order (no ranking cost), and
    a narrower search is still ranked."""
    for n in range(5):
        library.create_item({"accession": f"W.{n}", "title": "oil " * (n + 1)})
    ranked = [i.accession for i in library.list_items("oil")]
    assert ranked[0] == "W.4"
    library._store.search_index.ranked_at_most = 4
    broad = [i.accession for i in library.list_items("oil")]
    assert broad == [f"W.{n}" for n in range(5)]
    assert sorted(broad) == sorted(ranked) and library.count_items("oil") == 5
    assert [i.accession for i in library.list_items("oil", limit=2, offset=2)] == broad[2:4]
    # Filters and sorting keep working on the broad path.
    assert [i.accession for i in library.list_items("oil", sort="item", descending=True)] == [
        f"W.{n}" for n in reversed(range(5))
    ]
    library._store.search_index.ranked_at_most = 5
    assert [i.accession for i in library.list_items("oil")] == ranked


def test_bulk_writes_and_verification_hash_alike(library):
    """`chain_hashes` (bulk writes) and verification share `_hashes`: a stored run of entries
    hashed again as one chain gives back the stored hashes."""
    _varied_history(library)
    with library._store.read() as session:
        rows = session.execute(
            select(*(getattr(HistoryEntry, c) for c in _COLUMNS)).order_by(HistoryEntry.seq)
        ).all()
    # The tagging step wrote one run: same time, actor, entity and action.
    run = [r for r in rows if r.action == rows[-1].action and r.at == rows[-1].at]
    assert len(run) == 2
    first = run[0]
    entries = [(r.entity_id, r.item_id, r.before_json, r.after_json, r.note) for r in run]
    hashes = chain_hashes(
        first.seq - 1, first.at, first.actor, first.entity, first.action, entries, first.prev_hash
    )
    assert hashes == [r.hash for r in run]


def test_a_sorted_page_is_a_slice_of_the_whole_sorted_list(library):
    """A page of a sorted list sorts ids first and reads only the page's rows; every sort
    order, both ways, with a search too, gives the slices of the whole list (sorted in one
    query, no page)."""
    from provenance.store.items import SORT_KEYS

    makers = ["Émile Z", "", None, "ann b", "Ann B", "Chen W"]
    dates = ["about 1890", "189X", "", None, "c. 1901", "1750"]
    for n in range(14):
        library.create_item(
            {
                "accession": None if n % 5 == 4 else f"S.{n % 9}.{n}",
                "title": f"oil study {n}",
                "maker": makers[n % len(makers)],
                "date": dates[n % len(dates)],
            }
        )
    items = library.list_items()
    library.add_tool("Restorer X", "Vendor")
    library.disclose(items[1].id, "ai-restored", tools=["Restorer X"], purpose="repair")
    library.disclose(items[6].id, "ai-restored", tools=["Restorer X"], purpose="repair")
    for key in SORT_KEYS:
        for descending in (False, True):
            for search in (None, "oil"):
                whole = [i.id for i in library.list_items(search, sort=key, descending=descending)]
                assert len(whole) == 14
                pages = [
                    i.id
                    for offset in range(0, 14, 4)
                    for i in library.list_items(
                        search, sort=key, descending=descending, limit=4, offset=offset
                    )
                ]
                assert pages == whole, (key, descending, search)


def test_too_broad_to_rank_counts_prefix_matches_too(library):
    """Whole words are counted first (cheap), but matches of a longer word count as well."""
    for n in range(3):
        library.create_item({"accession": f"O.{n}", "title": "oil sketch"})
    for n in range(2):
        library.create_item({"accession": f"C.{n}", "title": "oilcloth sketch"})
    index = library._store.search_index
    verdicts = {}
    for cap in (2, 4, 5):
        index.ranked_at_most = cap
        with library._store.read() as session:
            verdicts[cap] = (index.ranks(session, "oil"), index.ranks(session, "oil sketch"))
    assert verdicts == {2: (False, False), 4: (False, False), 5: (True, True)}


def test_filters_count_when_deciding_to_rank(library):
    """A word too common to rank library-wide is ranked once a filter narrows it to a few items,
    and list_items, its pages and list_item_ids all follow the one decision."""
    for n in range(6):
        maker = "Ann B" if n in (1, 4) else "Chen W"
        library.create_item({"accession": f"B.{n}", "title": "bowl " * (n + 1), "maker": maker})
    library._store.search_index.ranked_at_most = 4
    narrow = SearchFilters(maker="Ann B")
    assert library.search_ranked("bowl", narrow) and not library.search_ranked("bowl")
    assert [i.accession for i in library.list_items("bowl", narrow)] == ["B.4", "B.1"]
    assert list(library.list_item_ids("bowl", narrow)) == [
        i.id for i in library.list_items("bowl", narrow)
    ]
    assert [i.accession for i in library.list_items("bowl")] == [f"B.{n}" for n in range(6)]
    # A decision made once for a listing holds for every call that reads it.
    for ranked in (True, False):
        whole = [i.id for i in library.list_items("bowl", narrow, ranked=ranked)]
        pages = [
            i.id
            for offset in (0, 1)
            for i in library.list_items("bowl", narrow, limit=1, offset=offset, ranked=ranked)
        ]
        assert whole == pages == list(library.list_item_ids("bowl", narrow, ranked=ranked))
        assert whole == sorted(whole, reverse=ranked)  # the most bowls were added last


def test_filtered_and_index_alone_rank_decisions_agree(library):
    """With no filter the decision is counted in the search index alone; a filter that keeps
    every item (no AI) counts the joined statement: the same verdict at every cap, prefix
    matches included."""
    for n in range(3):
        library.create_item({"accession": f"O.{n}", "title": "oil sketch"})
    for n in range(2):
        library.create_item({"accession": f"C.{n}", "title": "oilcloth sketch"})
    everything = SearchFilters(has_ai=False)
    assert library.count_items("oil", everything) == 5
    for cap in range(7):
        library._store.search_index.ranked_at_most = cap
        for search in ("oil", "oil sketch", "oilcloth", "nothing", "!!"):
            assert library.search_ranked(search) == library.search_ranked(search, everything), (
                cap,
                search,
            )
            assert library.search_ranked(search) == (
                library.count_items(search) <= cap or not search.strip("!")
            ), (cap, search)


def test_a_capped_count_is_exact_up_to_its_cap_and_says_more_past_it(library):
    """`count_items_up_to` (the window's count before its first rows): the exact count up to
    its cap, and more than the cap past it, in the index alone (no filter, whole words counted
    first) and through the joined statement (a filter), prefix matches included."""
    for n in range(3):
        library.create_item({"accession": f"O.{n}", "title": "oil sketch"})
    for n in range(2):
        library.create_item({"accession": f"C.{n}", "title": "oilcloth sketch"})
    everything = SearchFilters(has_ai=False)
    for cap in range(7):
        for search in ("oil", "oil sketch", "oilcloth", "sketch oilc", "nothing", "!!", None):
            for filters in (None, everything):
                exact = library.count_items(search, filters)
                found = library.count_items_up_to(search, filters, cap=cap)
                assert found == exact if exact <= cap else found > cap, (cap, search, filters)


def test_catalog_order_is_the_same_read_plainly_and_through_the_orm(library):
    """Unfiltered pages come from `reading.catalog_ids`, the window's ids and filtered lists
    from `select_items`: the two spell catalog order apart, so they must agree (no accession
    last, by id; case, accents and digits as the database compares them), pages too."""
    accessions = ["b.2", None, "B.1", "a10", "É.1", None, "a9", "10", "2", "a.1 ", "z"]
    for accession in accessions:
        library.create_item({"accession": accession, "title": "x"})
    plain = [i.id for i in library.list_items()]
    assert len(plain) == len(accessions)
    assert list(library.list_item_ids()) == plain
    assert [i.id for i in library.list_items(filters=SearchFilters(has_ai=False))] == plain
    pages = [i.id for offset in range(0, 11, 3) for i in library.list_items(limit=3, offset=offset)]
    assert pages == plain
    assert [library.get_item(i).accession for i in plain[-2:]] == [None, None]
    assert plain[-2] < plain[-1]


def test_a_listing_started_in_one_read_gives_what_the_separate_reads_give(library):
    """`start_listing` (the window's first rows, count and order in one read, a plain search
    matched once) gives what list_items, count_items_up_to, search_ranked and list_item_ids
    give one by one: the same items in the same order, the same capped count and verdict, and,
    when it brings them, the whole list's ids; prefix matches included, around every cap."""
    for n in range(3):
        library.create_item({"accession": f"O.{n}", "title": "oil sketch " + "oil " * n})
    for n in range(2):
        library.create_item({"accession": f"C.{n}", "title": "oilcloth sketch", "maker": "Ann"})
    library.create_item({"accession": "E.1", "title": "Étude in oil", "maker": "Ann"})
    library.create_item({"accession": "Z.1", "title": "Nothing alike"})
    index = library._store.search_index
    searches = ("oil", "oil sketch", "oilcloth", "étude", "nothing", "!!", None)
    filters = (SearchFilters(), SearchFilters(maker="Ann"))
    sorts = ((None, False), ("item", True))
    checked = 0
    for ranked_at_most in (0, 4, 5, 10_000):
        index.ranked_at_most = ranked_at_most
        for cap in (0, 2, 4, 5, 10):
            for search in searches:
                for narrow in filters:
                    for sort, descending in sorts:
                        start = library.start_listing(
                            search,
                            narrow,
                            limit=2,
                            cap=cap,
                            details=True,
                            sort=sort,
                            descending=descending,
                        )
                        what = (ranked_at_most, cap, search, narrow, sort)
                        listed = library.list_items(
                            search, narrow, limit=2, details=True, sort=sort, descending=descending
                        )
                        assert start.items == tuple(listed), what
                        assert start.count == library.count_items_up_to(search, narrow, cap=cap)
                        searching = bool(search and search.strip())
                        ranked = sort is None and library.search_ranked(search, narrow)
                        assert start.ranked == (searching and ranked), what
                        whole = list(
                            library.list_item_ids(search, narrow, sort=sort, descending=descending)
                        )
                        if start.ids is not None:
                            assert list(start.ids) == whole, what
                            checked += 1
                        plain = searching and narrow == SearchFilters() and sort is None
                        if plain and len(whole) <= min(cap, ranked_at_most):
                            assert start.ids is not None, what  # ranked: read whole
    assert checked > 50
    for search in ("oil", "oil sketch", "oilcloth", "nothing"):  # no rows, still a count
        for cap in (0, 2, 10):
            start = library.start_listing(search, limit=0, cap=cap)
            assert start.items == () and start.count == library.count_items_up_to(search, cap=cap)


def test_a_first_page_looked_for_among_the_first_items_is_the_prefix_searchs(tmp_path, monkeypatch):
    """When more than the cap have the whole words, the first page of a prefix search is
    looked for among the items up to the page's last whole-word match, in a small index of
    their text alone (search._probe): the same ids as the whole index gives, with words only
    as prefixes before them, accents, punctuation, keywords and extra fields."""
    import random

    from provenance import open_library
    from provenance.store import search as search_module

    rnd = random.Random(7)
    words = ["oil", "oilcloth", "oils", "Émile", "emilie", "canvas", "can", "ßtraße", "1901"]
    words += ["1901.5", "gift-museum", "museums", "o'il", "ÖL", "giftige", "portrait", "port"]
    with open_library(tmp_path / "lib", actor="alice") as lib:
        for n in range(120):
            fields = {
                "accession": f"A.{n}",
                "title": " ".join(rnd.choices(words, k=3)),
                "description": " ".join(rnd.choices(words, k=rnd.randrange(0, 4))) or None,
            }
            extra = {"note": rnd.choice(words)} if n % 9 == 0 else None
            item = lib.create_item(fields, extra)
            if n % 7 == 0:
                lib.tag([item.id], add=[rnd.choice(words)])
        store, index = lib._store, lib._store.search_index
        with store.read() as session:
            sql = session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'items_fts'"))
        assert f"tokenize='{search_module.TOKENIZER}'" in sql
        probe, probed = search_module._probe, []

        def recorded(*args):
            page = probe(*args)
            # Pages a prefix-only item (not among the whole-word matches) made it into.
            probed.append(page is not None and any(i not in whole for i in page))
            return page

        monkeypatch.setattr(search_module, "_probe", recorded)
        for query in ("oil", "o", "emile", "Émile", "can", "1901", "gift museum", "ol", "port"):
            match = search_module.match_expression(query)
            for limit, cap in ((0, 3), (1, 0), (5, 3), (12, 10), (30, 10)):
                with store.read() as session:
                    exact = search_module.match_expression(query, prefix=False)
                    whole = list(
                        session.scalars(search_module._FIRST_IDS, {"match": exact, "limit": 10**6})
                    )
                    page, found = index.first_ids(session, query, limit, cap)
                    prefixes = list(
                        session.scalars(search_module._FIRST_IDS, {"match": match, "limit": 10**6})
                    )
                assert page == prefixes[:limit], (query, limit, cap)
                assert found == min(len(prefixes), cap + 1), (query, limit, cap)
        assert sum(probed) > 5  # the probe found prefix-only items


def test_whether_one_item_is_listed_is_what_the_list_says(library):
    """`lists_item` (asked of one item: on SQLite its text alone is matched, in a small index
    of its own) says what membership of `list_item_ids` says, for every item, prefix matches,
    accents, keywords and filters included, and for an item that does not exist."""
    for n in range(3):
        library.create_item({"accession": f"O.{n}", "title": "oil sketch " + "oil " * n})
    for n in range(2):
        library.create_item({"accession": f"C.{n}", "title": "oilcloth sketch", "maker": "Ann"})
    library.create_item({"accession": "E.1", "title": "Étude in oil", "maker": "Ann"})
    library.create_item({"accession": "Z.1", "title": "Nothing alike"}, {"note": "gilded"})
    library.tag(["Z.1"], add=["Oil-painting"])
    ids = [i.id for i in library.list_items()]
    searches = ("oil", "oil sketch", "oilcloth", "etude", "Étude", "gild", "painting", "!!", None)
    listed = 0
    for search in searches:
        for narrow in (SearchFilters(), SearchFilters(maker="Ann")):
            whole = set(library.list_item_ids(search, narrow))
            for item_id in [*ids, max(ids) + 1]:
                assert library.lists_item(item_id, search, narrow) == (item_id in whole), (
                    search,
                    narrow,
                    item_id,
                )
            listed += len(whole)
    assert listed > 20
