"""The item list keeps compact rows, not ItemViews (issue 16: a million rows in a window's
memory): it must show exactly what the ItemViews showed, row for row, sorted and searched."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt, QThreadPool

from desktop.item_grid import badges, status_badges
from desktop.item_model import (
    COLUMNS,
    PAGE,
    SORT_BY,
    ItemListModel,
    ThumbnailCache,
    ai_summary,
    credential_summary,
    review_summary,
)
from provenance import SearchFilters

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


def _tooltip(item) -> str:
    """The tooltip as the model built it from an ItemView before rows were compact."""
    parts = [item.label]
    if ai_summary(item):
        parts.append(f"AI: {ai_summary(item)} ({review_summary(item).lower()})")
    if credential_summary(item):
        parts.append(f"Credentials: {credential_summary(item)}")
    if item.needs_reexport:
        parts.append(f"Needs re-export: {item.stale_reason}")
    return "\n".join(parts)


def _expected(item) -> list:
    texts = [
        item.label,
        item.maker or "",
        item.date or "",
        ai_summary(item),
        review_summary(item),
        credential_summary(item),
    ]
    return [item.id, texts, _tooltip(item), [b.text for b in badges(item)]]


def _shown(model: ItemListModel, row: int) -> list:
    texts = [model.data(model.index(row, c)) for c in range(len(COLUMNS))]
    assert texts == [
        model.data(model.index(row, c), ROLES[1]) for c in range(len(COLUMNS))
    ]  # what a screen reader reads is what is shown
    compact = model.row_at(row)
    return [
        model.data(model.index(row, 0), Qt.ItemDataRole.UserRole),
        texts,
        model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole),
        [b.text for b in status_badges(compact.status)],
    ]


@pytest.fixture
def catalog(library, tmp_path):
    """More than two pages of items, some untitled or without accession, with pictures, an
    AI disclosure in each review state, and a file that says AI made it."""
    for n in range(2 * PAGE + 37):
        fields = {"accession": f"M{n:04d}", "title": f"Bowl {n % 13}", "maker": f"Maker {n % 7}"}
        if n % 11 == 0:
            fields.pop("title")
        if n % 5 == 0:
            fields["date"] = str(1800 + n % 90)
        library.create_item(fields)
    library.create_item({"title": "Untitled bowl without accession"})
    folder = tmp_path / "pictures"
    folder.mkdir()
    paths = []
    for n in range(3):
        path = folder / f"bowl-{n}.jpg"
        Image.new("RGB", (64 + n, 48), (40 * n, 90, 200)).save(path, "JPEG")
        paths.append(path)
    report = library.import_files(paths)
    for number, imported in enumerate(report.imported):
        library.update_item(imported.item, {"accession": f"P{number}", "title": "Bowl picture"})
    library.disclose("P0", "ai-restored", purpose="fill a tear")
    library.disclose("M0003", "ai-generated", purpose="a study")
    return library


@pytest.mark.parametrize("by_id", [True, False])
@pytest.mark.parametrize(
    ("search", "sorting"),
    [(None, None), (None, (1, True)), (None, (2, False)), ("bowl", None), ("bowl", (0, True))],
)
def test_rows_show_what_the_item_views_showed(qtbot, catalog, search, sorting, by_id):
    """The same rows whether the pages after the first are read by id (once the list's ids
    are in, from a pool thread) or by offset (before they are)."""
    model = ItemListModel(catalog, ThumbnailCache(catalog.thumbnails_dir))
    model.set_query(search, SearchFilters())
    if sorting is not None:
        model.sort(
            sorting[0], Qt.SortOrder.DescendingOrder if sorting[1] else Qt.SortOrder.AscendingOrder
        )
    while model.canFetchMore():  # lists every row; their texts are read when first shown
        model.fetchMore()
    # Reading a row past the first page (by offset) starts reading the list's ids.
    assert model.row_at(PAGE + 1) is not None
    if by_id:
        qtbot.waitUntil(lambda: model.paged_by_id)
    elif search is not None and sorting is None:
        # A search few enough items match to rank them brings the whole list's ids with its
        # first rows (read best match first, all of them): its pages are read by id at once.
        assert model.paged_by_id
    else:
        assert not model.paged_by_id  # the ids arrive only through the event loop
    column, descending = sorting or (-1, False)
    views = catalog.list_items(
        search,
        details=True,
        sort=SORT_BY[column] if column >= 0 else None,
        descending=descending,
    )
    assert model.rowCount() == model.total == len(views) > PAGE
    assert [_shown(model, r) for r in range(model.rowCount())] == [_expected(v) for v in views]
    assert any(_expected(v)[3] for v in views)  # some rows have badges to compare
    # Every row still gives its whole item, and is found again by its id.
    for row in (0, PAGE + 1, model.rowCount() - 1):
        assert model.item_at(row) == catalog.get_item(views[row].id)
        assert model.row_of(views[row].id) == row


def test_an_edited_row_shows_its_new_texts(qtbot, catalog):
    model = ItemListModel(catalog, ThumbnailCache(catalog.thumbnails_dir))
    # The pictures come last, after the M items: row_of lists the rows down to theirs.
    row = model.row_of(catalog.get_item("P1").id)
    assert row >= PAGE and model.rowCount() > row
    assert model.item_at(row).title == "Bowl picture"  # now kept among the recent items
    catalog.update_item("P1", {"title": "Jug", "maker": "Someone new"})
    catalog.disclose("P1", "ai-restored", purpose="a crack")
    with qtbot.waitSignal(model.dataChanged):
        model.refresh_item(catalog.get_item("P1").id)
    assert _shown(model, row) == _expected(catalog.get_item("P1"))
    assert model.item_at(row).title == "Jug"


def test_a_row_deleted_after_the_ids_were_read_is_blank_and_the_rest_stay_put(qtbot, catalog):
    model = ItemListModel(catalog, ThumbnailCache(catalog.thumbnails_dir))
    while model.canFetchMore():
        model.fetchMore()
    assert model.row_at(PAGE + 1) is not None  # starts reading the ids
    qtbot.waitUntil(lambda: model.paged_by_id)
    doomed = model.id_at(2 * PAGE + 1)
    after = model.id_at(2 * PAGE + 2)
    catalog.delete_item(doomed)
    assert model.row_at(2 * PAGE + 1).label == ""  # its page is read now: the item is gone
    assert model.id_at(2 * PAGE + 2) == after and model.row_at(2 * PAGE + 2).id == after
    assert model.item_at(2 * PAGE + 2) == catalog.get_item(after)


def test_ids_no_longer_wanted_stop_being_read(qtbot, catalog, monkeypatch):
    """A new query cancels the reading of the ids of the list shown before (a million of them
    keep a pool thread, and the GIL, busy for a second or more while the new list is painted);
    ids read with a cancelled token stop at the next check and are dropped."""
    import threading

    from provenance import CancelToken

    stopped = CancelToken()
    stopped.cancel()
    assert len(catalog.list_item_ids(cancel=stopped)) == 0
    assert len(catalog.list_item_ids(cancel=CancelToken())) == len(catalog.list_items())
    gate, tokens = threading.Event(), []
    list_item_ids = catalog.list_item_ids

    def held(*args, cancel=None, **kwargs):
        tokens.append(cancel)
        gate.wait(10)  # the pool thread waits until the test lets it go
        return list_item_ids(*args, cancel=cancel, **kwargs)

    monkeypatch.setattr(catalog, "list_item_ids", held)
    model = ItemListModel(catalog, ThumbnailCache(catalog.thumbnails_dir))
    model.sort(1, Qt.SortOrder.DescendingOrder)  # a sorted list: its ids come from the pool
    model.read_ids_soon()
    qtbot.waitUntil(lambda: len(tokens) == 1)
    assert not tokens[0].cancelled
    model.set_query("bowl", SearchFilters())
    assert tokens[0].cancelled
    gate.set()
    QThreadPool.globalInstance().waitForDone(10_000)
    qtbot.wait(20)  # the dropped ids' signal is delivered
    expected = [v.id for v in catalog.list_items("bowl", sort="maker", descending=True)]
    assert [model.id_at(r) for r in range(model.rowCount())] == expected[: model.rowCount()]
