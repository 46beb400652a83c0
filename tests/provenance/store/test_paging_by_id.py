"""A long list read a page at a time by id (Library.list_item_ids + items_by_id) gives the same
rows in the same order as paging by OFFSET, for every order the window offers, searched and
filtered, on both engines: ties, empty and missing makers and dates, case and accents."""

from __future__ import annotations

import pytest

from provenance import SearchFilters
from provenance.store.items import SORT_KEYS

MAKERS = ("Anna Smith", "anna smith", "Émile Zola", "émile zola", "Zoë", None, "", "bob")
DATES = ("1890", "about 1890", "189X", None, "", "c. 1750", "2001-05", "1890")


@pytest.fixture
def listed(library):
    """Thirty items with repeated, empty and missing values; some without an accession."""
    for n in range(30):
        fields = {
            "title": f"Portrait {n % 4} {'Ölbild' if n % 3 else 'oil'}",
            "maker": MAKERS[n % len(MAKERS)],
            "date": DATES[n * 7 % len(DATES)],
        }
        if n % 5:  # every fifth item has no accession number (sorted last, by id)
            fields["accession"] = f"{'A' if n % 2 else 'a'}-{n % 6}.{n}"
        library.create_item(fields)
    ids = [i.id for i in library.list_items()]
    library.disclose(ids[3], "ai-restored", tools=[], purpose="restoration")
    library.disclose(ids[7], "ai-generated", tools=[], purpose="illustration")
    return library


def _by_offset(library, page: int, **query) -> list[int]:
    ids, offset = [], 0
    while True:
        rows = library.list_items(limit=page, offset=offset, details=True, **query)
        ids += [r.id for r in rows]
        if len(rows) < page:
            return ids
        offset += page


def _by_id(library, page: int, **query) -> list[int]:
    order = library.list_item_ids(**query)
    ids = []
    for start in range(0, len(order), page):
        rows = library.items_by_id(order[start : start + page], details=True)
        ids += [r.id for r in rows]
    return ids


QUERIES = [
    {},
    {"search": "portrait"},
    {"search": "olbild"},
    {"filters": SearchFilters(maker="smith")},
    {"filters": SearchFilters(has_ai=False)},
    {"search": "portrait", "filters": SearchFilters(date_from="1800")},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q)[:40])
def test_paging_by_id_lists_what_offset_paging_lists(listed, query):
    for sort in (None, *SORT_KEYS):
        for descending in (False, True):
            asked = {**query, "sort": sort, "descending": descending}
            expected = _by_offset(listed, 7, **asked)
            assert expected, f"the query {asked} should list something"
            assert _by_id(listed, 7, **asked) == expected, asked
            # Whole views too, not only the ids.
            first = listed.list_item_ids(**asked)[:5]
            assert listed.items_by_id(first, details=True) == listed.list_items(
                limit=5, details=True, **asked
            )


def test_items_by_id_keeps_the_order_asked_and_leaves_out_deleted_items(listed):
    ids = list(listed.list_item_ids())
    listed.delete_item(ids[2])
    asked = [ids[5], ids[2], ids[0], ids[5]]
    assert [v.id for v in listed.items_by_id(asked)] == [ids[5], ids[0], ids[5]]
    assert len(listed.list_item_ids(search="zzzz")) == 0
    assert len(listed.list_item_ids()) == listed.count_items() == 29
