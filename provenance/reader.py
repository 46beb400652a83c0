"""A read-only face of a local library, opened without SQLAlchemy (see store.plain for why):
the reads `credence labels` makes, as `Library` makes them, on the same `store.reading`
functions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.domain.text import library_url_problem, team_library_url
from provenance.media.output import OutputRun
from provenance.store import reading
from provenance.store.plain import LocalReader, open_local_reader

if TYPE_CHECKING:
    from provenance.domain.settings import Settings
    from provenance.domain.views import DisclosureView, ExportRecordView, ItemView
    from provenance.domain.wording import Wording


def read_library(path: str | os.PathLike[str]) -> LibraryReader | None:
    """The local library folder at `path` opened for reading, or None when it must be opened
    with `open_library` instead: a team library, or one to create, upgrade or give its id
    (`open_library` does that), or one it refuses (it says why)."""
    if team_library_url(path) is not None or library_url_problem(path):
        return None
    store = open_local_reader(Path(path).expanduser())
    return None if store is None else LibraryReader(store)


class LibraryReader:
    """The reading methods of `Library` that labels need, with the same signatures and
    results, on a local library opened by `read_library`."""

    team = False

    def __init__(self, store: LocalReader) -> None:
        self._store = store
        #: The library folder.
        self.folder = store.folder
        #: Where the library is, as a person reads it.
        self.location = str(store.folder)

    def close(self) -> None:
        """Release the database connection."""
        self._store.close()

    def __enter__(self) -> LibraryReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def output_run(self) -> OutputRun:
        """As `Library.output_run`: a guarded output run that never writes over an original
        or into the library folder."""
        return OutputRun(self.folder, lambda: reading.original_texts(self._store))

    def settings(self) -> Settings:
        """The institution's settings."""
        return reading.read_settings(self._store)

    def get_item(self, ref: str | int) -> ItemView:
        """One item with its assets, events and disclosures. Raises NotFound."""
        return reading.get_item(self._store, ref)

    def list_items(
        self, *, limit: int | None = None, offset: int = 0, details: bool = False
    ) -> list[ItemView]:
        """Every item in catalog order (`Library.list_items` without a search or filters)."""
        return reading.list_items(self._store, limit=limit, offset=offset, details=details)

    def exports_of(self, ref: str | int) -> list[ExportRecordView]:
        """The signed files written for an item, newest first."""
        return reading.exports_of(self._store, ref)

    def files_saying_ai(self, item_ids: Sequence[int]) -> dict[int, str]:
        """As `Library.files_saying_ai`."""
        return reading.files_saying_ai(self._store, item_ids)

    def wordings_of(
        self, item_ids: Sequence[int], language: str | None = None
    ) -> dict[int, list[tuple[DisclosureView, Wording]]]:
        """As `Library.wordings_of`."""
        return reading.wordings_of(self._store, item_ids, language)
