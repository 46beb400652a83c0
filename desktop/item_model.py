"""The item list shared by the table and the grid: pages from the facade, thumbnails off-thread."""

from __future__ import annotations

import sys
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QPixmap, QPixmapCache

from provenance import CancelToken, ItemView, Library, NotFound, SearchFilters, category

PAGE = 200
#: Pages of rows kept for drawing: the ones in view and a few screens around them, however
#: long the list (a million rows would take some 200 MB).
MAX_PAGES = 64
#: The rows read before the window is first shown: more than a screen holds (the views fetch
#: more when a tall window shows them all), fewer than a page, for a quicker first paint.
FIRST_PAGE = 60
#: A list of more matches than this is counted on a pool thread: an exact count of a common
#: word in a million items takes 50–200 ms, and the window shows the first rows without waiting
#: (the count says "more than 10,000" meanwhile). Up to this many are counted before the rows are
#: shown, and their ids may be read at once (to keep the current item current).
COUNT_AT_ONCE = 10_000
#: Full ItemViews kept for `item_at` (the inspector, the viewer): a few recent ones, not all.
RECENT_ITEMS = 64
#: Size thumbnails are kept at in memory: the largest the grid's size slider shows.
THUMB_LOADED = QSize(320, 320)
_Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Item", "Maker", "Date", "AI", "Review", "Credentials")
#: What the facade sorts by for each column (Library.list_items' `sort`).
SORT_BY = ("item", "maker", "date", "ai", "review", "credentials")

_CREDENTIAL_TEXT = {
    "trusted": "Trusted",
    "valid": "Valid (signer not in trust list)",
    "invalid": "Tampered or invalid",
    "error": "Could not be read",
    "none": "None",
}


class _LoadSignals(QObject):
    loaded = Signal(str, QImage)


class _LoadThumbnail(QRunnable):
    """Reads and scales one cached thumbnail on a pool thread (QImage is thread-safe)."""

    def __init__(self, key: str, path: Path, signals: _LoadSignals) -> None:
        super().__init__()
        self.key, self.path, self.signals = key, path, signals

    def run(self) -> None:
        image = QImage(str(self.path))
        big = image.width() > THUMB_LOADED.width() or image.height() > THUMB_LOADED.height()
        if not image.isNull() and big:
            image = image.scaled(
                THUMB_LOADED,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self.signals.loaded.emit(self.key, image)


class _IdSignals(QObject):
    loaded = Signal(int, object)  # the reload it belongs to, the ids (None: not read)
    counted = Signal(int, object)  # the reload it belongs to, the count (None: not counted)


class _ReadWhole(QRunnable):
    """Reads something of the whole list on a pool thread (its ids: a million take a second or
    more; its count, see COUNT_AT_ONCE), which on the UI thread would freeze the window, and
    sends it with the reload it belongs to: None if it could not be read (a library closed
    meanwhile, say; the pages stay by offset, the ids will count the list)."""

    def __init__(self, read: Callable[[], object], generation: int, signal) -> None:
        super().__init__()
        self.read, self.generation, self.signal = read, generation, signal

    def run(self) -> None:
        try:
            result = self.read()
        except Exception:
            result = None
        with suppress(RuntimeError):  # the model may be gone (its window closed)
            self.signal.emit(self.generation, result)


class ThumbnailCache(QObject):
    """Pixmaps for thumbnails, loaded lazily and kept in Qt's bounded pixmap cache."""

    ready = Signal(str)  # the thumbnail key that just became available

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._signals = _LoadSignals(self)
        self._signals.loaded.connect(self._store)  # queued: runs on the UI thread
        self._pending: set[str] = set()
        self._held: list[_LoadThumbnail] | None = None  # loads waiting for `release`
        QPixmapCache.setCacheLimit(128 * 1024)  # KiB; bounded memory however long the list

    def get(self, key: str) -> QPixmap | None:
        pixmap = QPixmapCache.find(key)
        if pixmap is not None and not pixmap.isNull():
            return pixmap
        if key not in self._pending:
            self._pending.add(key)
            load = _LoadThumbnail(key, self.folder / key, self._signals)
            if self._held is None:
                self.pool.start(load)
            else:
                self._held.append(load)
        return None

    def hold(self) -> None:
        """Keep the loads asked for from now on waiting until `release`: the window holds them
        until its first paint has finished (decoding the first page's pictures on the pool
        competed with that paint for the cores and the interpreter; none of them could be in
        it anyway)."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Start the loads held since `hold`, in the order asked for, and the next ones at once."""
        held, self._held = self._held or [], None
        for load in held:
            self.pool.start(load)

    def _store(self, key: str, image: QImage) -> None:
        self._pending.discard(key)
        if not image.isNull():
            QPixmapCache.insert(key, QPixmap.fromImage(image))
            self.ready.emit(key)


def ai_summary(item: ItemView) -> str:
    """The AI column: the disclosed categories, and a warning when the image file itself says
    AI made or changed it but no disclosure of that work is recorded."""
    ai = [d for d in item.disclosures if d.category != "none"]
    # The categories' labels ("AI-restored"), never their slugs ("ai-restored").
    text = ", ".join(sorted({category(d.category).label for d in ai}))
    if any(a.ai_found for a in item.assets) and not any(
        category(d.category).touches_pixels for d in ai
    ):
        text = f"{text}; " if text else ""
        text += "file says AI: not disclosed"
    return text


def review_summary(item: ItemView) -> str:
    states = {d.review_state for d in item.disclosures if d.category != "none"}
    for state in ("draft", "reviewed", "approved"):
        if state in states:
            return {"draft": "Needs review", "reviewed": "Reviewed", "approved": "Approved"}[state]
    return ""


def credential_summary(item: ItemView) -> str:
    states = [a.credential_state for a in item.assets]
    for state in ("invalid", "error", "valid", "trusted"):
        if state in states:
            return _CREDENTIAL_TEXT[state]
    return "" if not states else _CREDENTIAL_TEXT["none"]


class RowStatus(NamedTuple):
    """What the AI, Review and Credentials columns, the badges and the tooltip say of a row.
    Few distinct values exist in a library, so rows share them (see `_Rows`)."""

    ai: str
    review: str
    credentials: str
    #: The assets' credential states (the badges tell "trusted" apart from the column's text).
    credential_states: frozenset[str]
    has_assets: bool
    stale_reason: str | None
    needs_reexport: bool

    @classmethod
    def of(cls, item: ItemView) -> RowStatus:
        return cls(
            ai_summary(item),
            review_summary(item),
            credential_summary(item),
            frozenset(a.credential_state for a in item.assets),
            bool(item.assets),
            item.stale_reason,
            item.needs_reexport,
        )


class ItemRow(NamedTuple):
    """One listed row, as the table and the grid show it (no assets, no disclosures)."""

    id: int
    label: str
    #: The caption's first line: the accession number, or "#id" without one.
    head: str
    title: str
    maker: str
    date: str
    thumbnail: str | None
    status: RowStatus

    @property
    def tooltip(self) -> str:
        status = self.status
        parts = [self.label]
        if status.ai:
            parts.append(f"AI: {status.ai} ({status.review.lower()})")
        if status.credentials:
            parts.append(f"Credentials: {status.credentials}")
        if status.needs_reexport:
            parts.append(f"Needs re-export: {status.stale_reason}")
        return "\n".join(parts)


#: The columns of a row whose item is gone (label, head, maker, date, thumbnail, status).
_BLANK = ("", 0, "", "", None, RowStatus("", "", "", frozenset(), False, None, False))


class _Rows:
    """The fetched rows, kept compact so a million of them fit in a window's memory: a few
    columns of plain values, computed once from each ItemView, which is then dropped (about
    180 bytes a row, where the ItemViews took 1.2 KB on a plain catalog row, more with assets
    and disclosures)."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.labels: list[str] = []
        #: Where the label's head (accession or "#id") ends; the title follows after a space.
        self.heads = array("I")
        self.makers: list[str] = []
        self.dates: list[str] = []
        self.thumbnails: list[str | None] = []
        self.statuses: list[RowStatus] = []
        self._shared: dict[RowStatus, RowStatus] = {}  # one object for each distinct status

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, items: list[ItemView]) -> _Rows:
        rows = cls()
        for item in items:
            rows.append(item)
        return rows

    def _values(self, item: ItemView) -> tuple:
        status = RowStatus.of(item)
        return (
            item.label,
            len(item.accession or f"#{item.id}"),
            # Makers and dates repeat across a catalog: one string object for each.
            sys.intern(item.maker or ""),
            sys.intern(item.date or ""),
            _thumb_key(item),
            self._shared.setdefault(status, status),
        )

    def _columns(self) -> tuple:
        return (self.labels, self.heads, self.makers, self.dates, self.thumbnails, self.statuses)

    def append(self, item: ItemView) -> None:
        self.ids.append(item.id)
        for column, value in zip(self._columns(), self._values(item), strict=True):
            column.append(value)

    def append_blank(self, item_id: int) -> None:
        self.ids.append(item_id)
        for column, value in zip(self._columns(), _BLANK, strict=True):
            column.append(value)

    def replace(self, row: int, item: ItemView | None) -> None:
        """Row `row` now shows `item` (None: blank, its item deleted elsewhere)."""
        values = _BLANK if item is None else self._values(item)
        for column, value in zip(self._columns(), values, strict=True):
            column[row] = value

    def row(self, row: int) -> ItemRow:
        label, head = self.labels[row], self.heads[row]
        return ItemRow(
            self.ids[row],
            label,
            label[:head],
            label[head + 1 :],
            self.makers[row],
            self.dates[row],
            self.thumbnails[row],
            self.statuses[row],
        )

    def index(self, item_id: int) -> int | None:
        try:
            return self.ids.index(item_id)  # a scan in C: milliseconds for a million rows
        except ValueError:
            return None


class ItemListModel(QAbstractTableModel):
    """Items matching the current search and filters. The rows' texts are read a page at a
    time when a view first draws them, and only the last MAX_PAGES pages are kept. Rows are
    listed to the views in growing steps (fetchMore), each a quarter more: a list view lays out
    every listed cell again at each step (one Python call each), so a million rows listed at
    once would take seconds, and a page at a time would never finish."""

    #: The list's count arrived, or changed without a reset (see `counting`).
    total_changed = Signal()
    #: The list's ids have been read (on the pool thread) and rows are found by id from now on.
    ids_read = Signal()

    def __init__(self, library: Library, thumbnails: ThumbnailCache, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.thumbnails = thumbnails
        self.search: str | None = None
        self.filters = SearchFilters()
        #: (column, descending) the list is sorted by in the database; None: catalog order,
        #: or best match first while searching.
        self.sorting: tuple[int, bool] | None = None
        #: The pages read lately, by number (page n holds rows n*PAGE onwards), oldest first.
        self._pages: OrderedDict[int, _Rows] = OrderedDict()
        self._recent: OrderedDict[int, ItemView] = OrderedDict()
        self._total = 0
        #: Whether the list is being counted on a pool thread: `total` is then a lower bound.
        self.counting = False
        #: Whether the search is listed best match first (decided once per reload, so every
        #: page keeps one order).
        self._ranked = False
        #: How many of the rows are listed to the views so far.
        self._listed = 0
        #: The ids of the whole list in order, read on a pool thread once a row past the first
        #: page is drawn: pages are then read by id, as quick at the millionth row as at the
        #: first (OFFSET is not).
        self._order: Sequence[int] | None = None
        #: Which reload the ids being read belong to (a newer query drops older ids).
        self._generation = 0
        self._reading_ids = False
        #: Cancelled when the ids being read are no longer wanted (see `reload`).
        self._ids_wanted = CancelToken()
        self._id_signals = _IdSignals(self)
        self._id_signals.loaded.connect(self._ids_loaded)  # queued: runs on the UI thread
        self._id_signals.counted.connect(self._counted)
        thumbnails.ready.connect(self._thumbnail_ready)
        self.reload()

    # -- queries ------------------------------------------------------------------------------

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:  # Qt override
        """Sort by a column. The facade sorts the whole result, never just the loaded page."""
        sorting = None if column < 0 else (column, order == Qt.SortOrder.DescendingOrder)
        if sorting != self.sorting:
            self.sorting = sorting
            self.reload()

    def set_query(self, search: str | None, filters: SearchFilters) -> None:
        """Show the items matching `search` and `filters`. On a CredenceError (an impossible
        date, say) the list keeps showing the previous query."""
        previous = self.search, self.filters
        self.search, self.filters = (search or None), filters
        reading = self._reading_ids
        try:
            self.reload()
        except Exception:
            self.search, self.filters = previous
            if reading and not self._reading_ids:  # the reload cut the ids' reading short
                self.read_ids_soon()  # the list stays, and whoever awaits its ids still does
            raise

    def reload(self) -> None:
        """Read the first rows again, and the count unless it is long (see COUNT_AT_ONCE); the
        model resets with them in it, so views (and whoever listens to modelReset) see the new
        rows at once. A long list's count comes later (`counting`, then `total_changed`)."""
        # The ids of the list shown so far, if still being read, are not wanted any more: a
        # million of them keep a pool thread (and the GIL) busy for a second or more, which the
        # new list's first paint would wait for.
        if self._reading_ids:
            self._ids_wanted.cancel()
            self._ids_wanted, self._reading_ids = CancelToken(), False
        # May raise (an impossible date, say): then nothing else has changed.
        counting, ranked, order = False, False, None
        if not self.search and self.filters == SearchFilters():
            total = self.library.count_items()  # every item: a cheap count
            first = self._read_offset(0, FIRST_PAGE) if total else []
        else:
            # The first rows (one more: is there more?), the count and the order in one read,
            # which matches a search once; the ids too when the count found them all.
            search, filters, sort, descending = self._query()
            start = self.library.start_listing(
                search,
                filters,
                limit=FIRST_PAGE + 1,
                cap=COUNT_AT_ONCE,
                details=True,
                sort=sort,
                descending=descending,
            )
            first, total, ranked, order = list(start.items), start.count, start.ranked, start.ids
            counting = total > COUNT_AT_ONCE
        self.beginResetModel()
        self._pages.clear()
        self._recent.clear()
        self._total = max(total, len(first))
        self.counting = counting
        self._ranked = ranked
        self._listed = len(first)
        self._order = order
        self._generation += 1
        self._reading_ids = False
        if first:
            self._pages[0] = _Rows.of(first)
        self.endResetModel()
        if self.counting:
            library, (search, filters, _sort, _descending) = self.library, self._query()
            QThreadPool.globalInstance().start(
                _ReadWhole(
                    lambda: library.count_items(search, filters),
                    self._generation,
                    self._id_signals.counted,
                )
            )

    def _counted(self, generation: int, total: int | None) -> None:
        # A count of an earlier query is dropped; so is one the ids have made already.
        if generation == self._generation and total is not None and self.counting:
            self._set_count(total)

    def _set_count(self, total: int) -> None:
        """The long list's count is in: `total` is exact from now on."""
        self.counting = False
        reached_the_end = self._listed >= self._total
        # Fewer than the rows listed: items deleted meanwhile; the ids will start afresh.
        self._total = max(total, self._listed)
        self.total_changed.emit()
        if reached_the_end and self.canFetchMore():
            # A view lists more only when it is scrolled: one already at the last row listed
            # (paged down while counting) would otherwise stay there.
            self.fetchMore()

    def _ids_loaded(self, generation: int, ids: Sequence[int] | None) -> None:
        # Ids of an earlier query (a search, sort or reload since) are dropped.
        if generation == self._generation and ids is not None and self._order is None:
            self._adopt(ids)

    def _adopt(self, ids: Sequence[int]) -> None:
        """Page by `ids` from now on. The kept pages were read earlier, by offset: an edit, an
        import or a delete since may have moved rows, so a kept page that disagrees with its
        slice of `ids` is dropped (read again by id when drawn), and the selection moves with
        its items, never onto whatever item now sits in its rows."""
        if self.counting and len(ids) >= self._listed:  # the ids count the list too
            self._set_count(len(ids))
        if len(ids) != self._total:  # items added or deleted since the count: start afresh
            # The ids first: whoever asks for a row's id as the reset begins (the window keeps
            # its current item) reads nothing more.
            self._order = ids
            self.beginResetModel()
            self._pages.clear()
            self._total = len(ids)
            self.counting = False
            self._listed = min(self._listed, self._total)
            self.endResetModel()
            return
        stale = [
            number
            for number, page in self._pages.items()
            if list(page.ids) != list(ids[number * PAGE : number * PAGE + len(page)])
        ]
        if not stale:
            self._order = ids
            self.ids_read.emit()
            return
        # The items drawn in the stale pages' rows, and the rows they are in now. Other rows
        # keep their item (their page agrees) or had none yet (never drawn).
        moved = {
            number * PAGE + at: item_id
            for number in stale
            for at, item_id in enumerate(self._pages[number].ids)
        }
        wanted = set(moved.values())
        now = {item_id: row for row, item_id in enumerate(ids) if item_id in wanted}
        # List down to the rows the current item and the selection's corners moved to.
        held = [now.get(moved.get(i.row(), -1), -1) for i in self.persistentIndexList()]
        while max(held, default=-1) >= self._listed:
            self.fetchMore()
        self.layoutAboutToBeChanged.emit()  # the selection keeps its rows' indexes now
        for number in stale:
            del self._pages[number]
        self._order = ids
        before = self.persistentIndexList()
        after = []
        for index in before:
            row = index.row()
            if row in moved:
                row = now.get(moved[row])
            # An item no longer listed (deleted as another was added), or listed further down
            # than the rows shown so far: nothing to select there.
            listed = row is not None and row < self._listed
            after.append(self.index(row, index.column()) if listed else QModelIndex())
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
        self.ids_read.emit()

    def _drawn_id(self, row: int) -> int | None:
        """The id of the item drawn in `row` from a kept page (None: its page is not kept)."""
        page = self._pages.get(row // PAGE)
        return page.ids[row % PAGE] if page is not None and row % PAGE < len(page) else None

    @property
    def paged_by_id(self) -> bool:
        """Whether the whole list's ids are read, so further pages are read by id."""
        return self._order is not None

    @property
    def total(self) -> int:
        return self._total

    @property
    def ranked(self) -> bool:
        """Whether the search is listed best match first (False: no search, a sort, or too
        many matches to rank, which are listed in the order added)."""
        return self._ranked

    def row_at(self, row: int) -> ItemRow | None:
        """What the list shows in `row` (None: no such row). Cheap: for painting."""
        found = self._cached(row)
        return found[0].row(found[1]) if found is not None else None

    def id_at(self, row: int) -> int | None:
        """The id of the item the list shows in `row`: the one of the page it is drawn from,
        so whatever acts on a row (selection, Delete, the inspector) acts on the item shown."""
        if not 0 <= row < self._listed:
            return None
        drawn = self._drawn_id(row)
        if drawn is not None:
            return drawn
        if self._order is None:
            found = self._cached(row)
            if found is not None:
                return found[0].ids[found[1]]
        ids = self._ids()
        return ids[row] if row < len(ids) else None

    def item_at(self, row: int) -> ItemView | None:
        """The whole item in `row`, read from the library (the last few are kept); None when
        there is no such row or its item was deleted elsewhere."""
        item_id = self.id_at(row)
        if item_id is None:
            return None
        try:
            item = self._recent.pop(item_id, None) or self.library.get_item(item_id)
        except NotFound:  # deleted elsewhere since the list was read: a blank row
            return None
        self._recent[item_id] = item
        if len(self._recent) > RECENT_ITEMS:
            self._recent.popitem(last=False)
        return item

    def row_of(self, item_id: int, *, at_once: bool = False) -> int | None:
        """The row of `item_id` (None: not in the list), listed to the views if it was not.
        With `at_once`, a list longer than COUNT_AT_ONCE whose ids are not read yet is looked
        through only in the rows read so far (reading a million ids takes seconds)."""
        row = None
        for number, page in self._pages.items():  # the rows in view: no need for every id
            found = page.index(item_id)
            if found is not None:
                row = number * PAGE + found
                break
        if row is None:
            if at_once and self._order is None and self._total > COUNT_AT_ONCE:
                return None
            try:
                row = self._ids().index(item_id)  # a scan in C: milliseconds for a million
            except ValueError:
                return None
        while row >= self._listed:
            self.fetchMore()
        return row

    def lists(self, item_id: int) -> bool:
        """Whether the list has item `item_id` in it, asked of the library for that one item
        (reading a long list's ids to find out takes seconds)."""
        return self.library.lists_item(item_id, self.search, self.filters)

    def refresh_item(self, item_id: int) -> None:
        """Re-read one item after an edit; the row updates in place."""
        row = self.row_of(item_id)
        if row is None:
            return
        try:
            item = self.library.get_item(item_id)
        except NotFound:  # deleted elsewhere meanwhile: the row goes blank, as when read so
            item = None
            self._recent.pop(item_id, None)
        else:
            self._recent[item_id] = item
        page = self._pages.get(row // PAGE)
        if page is not None and row % PAGE < len(page):
            page.replace(row % PAGE, item)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- pages ----------------------------------------------------------------------------------

    def _cached(self, row: int) -> tuple[_Rows, int] | None:
        """(page, row in it) for `row`, reading its page when it is not kept (None: no row)."""
        if not 0 <= row < self._listed:
            return None
        number, at = divmod(row, PAGE)
        page = self._pages.get(number)
        if page is None:
            page = _Rows()
            self._read_rows(page, number * PAGE, (number + 1) * PAGE)
            self._pages[number] = page
            if len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            if at >= len(page):  # the short first page: read on from its end, the rows
                # drawn already stay as drawn (a selection may sit on them)
                self._read_rows(page, number * PAGE + len(page), (number + 1) * PAGE)
            self._pages.move_to_end(number)
        return (page, at) if at < len(page) else None

    def read_ids_soon(self) -> None:
        """Read the whole list's ids on a pool thread, if they are not read or being read
        (the global pool: a library switch waits for it before closing the library);
        `ids_read` is emitted once they are in."""
        if self._order is None and not self._reading_ids:
            self._reading_ids = True
            library, (search, filters, sort, descending) = self.library, self._query()
            ranked, cancel = self._ranked, self._ids_wanted

            def read() -> Sequence[int] | None:
                ids = library.list_item_ids(
                    search, filters, sort=sort, descending=descending, ranked=ranked, cancel=cancel
                )
                # Cut short, they are not the whole list: dropped even by a reload that was
                # refused (an impossible date) and so left the list, and its generation, as
                # they were.
                return None if cancel.cancelled else ids

            QThreadPool.globalInstance().start(
                _ReadWhole(
                    read,
                    self._generation,
                    self._id_signals.loaded,
                )
            )

    def _read_rows(self, rows: _Rows, start: int, stop: int) -> None:
        """Append the rows from `start` up to `stop` to `rows`."""
        self.read_ids_soon()  # past the first rows
        if self._order is None:  # until they are in: by offset, cheap near the top
            for item in self._read_offset(start, stop - start):
                rows.append(item)
            return
        ids = self._order[start:stop]
        found = {v.id: v for v in self.library.items_by_id(ids, details=True)}
        for item_id in ids:
            item = found.get(item_id)
            if item is not None:
                rows.append(item)
            else:  # deleted since the ids were read: an empty row, the rest stay put
                rows.append_blank(item_id)

    def _ids(self) -> Sequence[int]:
        """The whole list's ids, read now if the pool thread has not brought them yet."""
        if self._order is None:
            search, filters, sort, descending = self._query()
            self._adopt(
                self.library.list_item_ids(
                    search, filters, sort=sort, descending=descending, ranked=self._ranked
                )
            )
        return self._order or ()

    def _query(self) -> tuple[str | None, SearchFilters, str | None, bool]:
        """(search, filters, sort, descending) as the facade takes them."""
        column, descending = self.sorting or (-1, False)
        return self.search, self.filters, SORT_BY[column] if column >= 0 else None, descending

    def _read_offset(self, offset: int, limit: int) -> list[ItemView]:
        search, filters, sort, descending = self._query()
        return self.library.list_items(
            search,
            filters,
            limit=limit,
            offset=offset,
            details=True,
            sort=sort,
            descending=descending,
            ranked=self._ranked,
        )

    # -- Qt model -------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._listed

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._listed < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """List more rows: nothing is read here, their texts are read when they are drawn."""
        more = min(max(PAGE, self._listed // 4), self._total - self._listed)
        if more > 0:
            self.beginInsertRows(QModelIndex(), self._listed, self._listed + more - 1)
            self._listed += more
            self.endInsertRows()

    def list_all(self) -> None:
        """List every row now (End, Ctrl+End): a person who asks for the last item gets the
        list's last item, not the last of the rows listed so far. Nothing is read here."""
        if self.counting:  # the last item is that of the whole list: count it now
            self._set_count(self.library.count_items(self.search, self.filters))
        if self._listed < self._total:
            self.beginInsertRows(QModelIndex(), self._listed, self._total - 1)
            self._listed = self._total
            self.endInsertRows()

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        found = self._cached(index.row())
        if found is None:
            return None
        rows, row = found
        column = index.column()
        if role == Qt.ItemDataRole.UserRole:
            return rows.ids[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return rows.labels[row]
            if column == 1:
                return rows.makers[row]
            if column == 2:
                return rows.dates[row]
            status = rows.statuses[row]
            return (status.ai, status.review, status.credentials)[column - 3]
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            key = rows.thumbnails[row]
            pixmap = self.thumbnails.get(key) if key else None
            # A QIcon, not the pixmap: views then scale it to their own icon size.
            return QIcon(pixmap) if pixmap is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return rows.row(row).tooltip
        return None

    def _thumbnail_ready(self, key: str) -> None:
        for number, page in self._pages.items():
            for at, shown in enumerate(page.thumbnails):
                if shown == key:
                    index = self.index(number * PAGE + at, 0)
                    self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _thumb_key(item: ItemView) -> str | None:
    return next((a.thumbnail for a in item.assets if a.thumbnail), None)
