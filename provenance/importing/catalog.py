"""Catalog import and export: CSV / JSON rows mapped onto items, keyed for round trips.

A chosen key column finds the item a row describes. New keys create items; known keys update
only the fields that changed, each change recorded in history with the file and line it came
from. Rows are written in chunks, each its own transaction, so a crash keeps whole chunks and a
re-run finds them by key instead of duplicating them.

Tags travel in two columns: `keywords` (free text) and `subjects` (concept URIs of imported
vocabularies), several to a cell separated by "; " (a `;` inside one is written `\\;`, see
`domain.tags.join_tags`), or as a JSON array. A column given sets exactly those tags; a
subject whose vocabulary is not imported is reported with its row, and the rest of the row is
still imported.
"""

from __future__ import annotations

import gc
import itertools
import json
import queue
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from provenance.domain.categories import capture_type
from provenance.domain.clock import now
from provenance.domain.errors import InvalidValue
from provenance.domain.reports import CatalogImportReport, RowProblem
from provenance.domain.shipped import import_hint
from provenance.domain.tags import (
    clean_keyword,
    fold,
    join_tags,
    looks_like_uri,
    split_subjects,
    split_tags,
    subject_cell_shape,
)
from provenance.domain.text import (
    check_key,
    clean_text,
    is_clean_text,
    is_safe_key,
    nfc,
    terminal_safe,
)
from provenance.domain.views import ITEM_FIELDS
from provenance.media.catalog_files import (
    BadRow,
    CatalogFileError,
    Cells,
    read_catalog,
    read_catalog_cells,
    unguard_cell,
    write_csv,
)
from provenance.media.output import OutputRun
from provenance.store.bulk import insert_rows
from provenance.store.history import Change, chain_hashes, read_head
from provenance.store.items import item_changes
from provenance.store.models import Concept, Item, ItemKeyword, ItemSubject, Meta
from provenance.store.store import Store
from provenance.store.tags import record_tag_history, tags_after, tags_of, write_tag_changes

if TYPE_CHECKING:
    from provenance.domain.progress import CancelToken, Progress

#: What a catalog row can set: the item fields, then how the image was made (a CAPTURE_TYPES
#: key, checked per row; a bad value rejects the row and names the allowed ones).
CATALOG_FIELDS: tuple[str, ...] = (*ITEM_FIELDS, "capture_type")
#: Columns holding several tags each: free keywords, and subjects as concept URIs.
TAG_FIELDS: tuple[str, ...] = ("keywords", "subjects")
#: Everything a column can be mapped to.
MAPPED_FIELDS: tuple[str, ...] = (*CATALOG_FIELDS, *TAG_FIELDS)
#: Rows looked at to decide whether a column merely named "subjects" holds concept URIs.
_SHAPE_ROWS = 200
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: One string as `_ENCODE` spells it (the same C function the encoder calls).
_ENCODE_STRING = json.encoder.encode_basestring
#: The control characters `_ENCODE_STRING` escapes (ensure_ascii off), besides `"` and `\\`.
_CONTROL = re.compile(r"[\x00-\x1f]")

#: Rows per transaction.
CHUNK = 20000
#: Rows of the first transaction: a small first chunk sets the writer thread going early (the
#: reader prepares the first chunk alone, and the writer would wait for all of it).
FIRST_CHUNK = 2000
#: Column that carries Credence's own item id in exported CSV files.
ID_COLUMN = "credence_id"

_ALIASES: dict[str, tuple[str, ...]] = {
    "accession": (
        "accession_number",
        "accession_no",
        "accessionnumber",
        "object_number",
        "objectnumber",
        "inventory_number",
        "acc_no",
        "catalog_number",
    ),
    "title": ("object_title", "titles", "name_title"),
    "maker": ("artist", "creator", "author", "artist_name", "photographer", "maker_name"),
    "date": ("creation_date", "date_made", "dated", "display_date", "object_date", "datetext"),
    "medium": ("medium_materials", "materials", "material", "technique", "medium_display"),
    "credit_line": ("creditline", "credit"),
    "rights": ("copyright", "copyright_holder", "rights_statement", "license", "licence"),
    "description": ("public_caption", "label_text", "summary", "abstract"),
    "object_type": (
        "objecttype",
        "object_name",
        "objectname",
        "work_type",
        "worktype",
        "type",
        "classification",
        "object_category",
    ),
    "maker_nationality": (
        "nationality",
        "artist_nationality",
        "constituent_nationality",
        "creator_nationality",
    ),
    "maker_dates": (
        "artist_dates",
        "artistlifespan",
        "artist_life_span",
        "lifespan",
        "creator_dates",
        "life_dates",
        "lifedates",
        "artist_life_dates",
        "artist_display_date",
        "artistdisplaydate",
        "artist_begin_end_date",
        "begin_end_date",
        "begindate_enddate",
    ),
    "dimensions": ("dimension", "measurements", "size", "object_dimensions", "dims"),
    "inscription": (
        "inscriptions",
        "marks",
        "marks_and_inscriptions",
        "inscriptions_and_marks",
        "signature",
    ),
    "capture_type": ("capture", "digital_source_type", "source_type"),
    "keywords": ("keyword", "tags", "tag", "iptc_keywords"),
    "subjects": ("subject_uris", "subject_uri", "concept_uris", "concepts"),
}


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Map item fields to columns by name: an exact name first, then common museum aliases."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name in MAPPED_FIELDS:
        exact = [c for c in columns if c == field_name]
        normalised = [c for c in columns if _norm(c) == field_name]
        aliased = [c for alias in _ALIASES[field_name] for c in columns if _norm(c) == alias]
        for candidate in exact + normalised + aliased:
            if candidate not in used and candidate != ID_COLUMN:
                mapping[field_name] = candidate
                used.add(candidate)
                break
    return mapping


def columns_and_guess(path: Path) -> tuple[list[str], dict[str, str]]:
    """A file's columns and the guessed mapping (for a mapping dialog to start from)."""
    columns, _rows = read_catalog(path)
    return columns, guess_mapping(columns)


def library_id(session: Session) -> str:
    """A short random id naming this library in exported `credence_id` values."""
    row = session.get(Meta, "library_id")
    return row.value if row else ""


class _Plan:
    """The resolved mapping and key for one import."""

    def __init__(self, columns: list[str], mapping: dict[str, str], key: str | None) -> None:
        # Column names are compared in NFC, as the file's own header is read.
        mapping = {f: nfc(c) for f, c in mapping.items()}
        key = nfc(key) if key is not None else None
        for field_name, column in mapping.items():
            if field_name not in MAPPED_FIELDS:
                raise InvalidValue(
                    f"--map {field_name}=...: {field_name!r} is not an item field; "
                    f"fields are {', '.join(MAPPED_FIELDS)}"
                )
            if column not in columns:
                raise InvalidValue(
                    f"--map {field_name}={column}: the file has no column {column!r}; "
                    f"its columns are {', '.join(columns)}"
                )
        self.columns = columns
        #: Column name -> position of its cell in a record.
        self.position = {c: n for n, c in enumerate(columns)}
        self.explicit = set(mapping)
        self.mapping = {**guess_mapping(columns), **mapping}
        if key is None:
            key = self.mapping.get("accession")
        if key is None:
            raise InvalidValue(
                "no accession column was found; choose the column that identifies each record "
                f"with --key (columns: {', '.join(columns)})"
            )
        if key not in columns:
            raise InvalidValue(f"--key {key}: the file has no such column")
        self.key = key
        self._columns_by_field()

    def _columns_by_field(self) -> None:
        by_column = {c: f for f, c in self.mapping.items()}
        self.key_field = by_column.get(self.key)  # None: the key lives in extra fields
        if self.key_field in TAG_FIELDS:
            raise InvalidValue(f"--key {self.key}: a column of tags cannot identify a record")
        self.extra_columns = [c for c in self.columns if c not in by_column and c != ID_COLUMN]
        self.has_id_column = ID_COLUMN in self.columns
        self.keyword_column = self.mapping.get("keywords")
        self.subject_column = self.mapping.get("subjects")
        #: The item fields the file sets, besides the accession (which is always written).
        self.item_fields = tuple(
            f for f in CATALOG_FIELDS if f != "accession" and self.mapping.get(f) is not None
        )

    def check_subject_shape(self, rows: Iterator[Cells | BadRow]) -> Iterator[Cells | BadRow]:
        """Keep a column guessed as `subjects` only if it holds concept URIs: a file may call
        something else "subjects" (Tate's JSON has a tree of names there), which then stays
        an extra field as before. A column mapped on purpose is always taken."""
        if self.subject_column is None or "subjects" in self.explicit:
            return rows
        head = list(itertools.islice(rows, _SHAPE_ROWS))
        at = self.position[self.subject_column]
        cells = [r[1][at] for r in head if not isinstance(r, BadRow) and r[1][at]]
        if cells and not subject_cell_shape(cells[0]):
            del self.mapping["subjects"]
            self._columns_by_field()
        return itertools.chain(head, rows)


def _clean(value: str | None) -> str | None:
    """A cell as stored: trimmed, formula guard removed, NFC, stray control characters
    dropped, empty as None."""
    if not value:
        return None
    value = clean_text(value).strip()
    if value[:1] == "'":
        value = unguard_cell(value)
    return value or None


def _key_cell(value: str | None, column: str) -> str | None:
    """A key or accession cell: like `_clean`, but a control character refuses the row (a key
    that differs from another by an invisible character would split one object in two)."""
    if not value:
        return None
    value = value.strip()
    if value[:1] == "'":
        value = unguard_cell(value)
    if not value:
        return None
    return check_key(value, f"the {column!r} value")


def _clean_cells(cells: Sequence[str]) -> tuple[list[str | None], bool]:
    """`_clean` of every cell of one column of a chunk, and whether its values are plain:
    nothing in them that JSON escapes. A column with nothing to normalise or drop (nearly every
    column of nearly every file) is checked once as a whole and then only trimmed cell by cell;
    any other column is cleaned cell by cell.

    Both come from one look at the column as a whole (a column is most of a chunk's text): a
    printable column holds nothing `clean_text` drops and no control character (see
    `is_clean_text`), and trimming a cell or removing its guard adds no character.
    """
    joined = " ".join(cells)
    printable = joined.isprintable()
    if printable and (joined.isascii() or unicodedata.is_normalized("NFC", joined)):
        return _trimmed(cells, joined), '"' not in joined and "\\" not in joined
    if is_clean_text(joined):
        return _trimmed(cells, joined), False
    return [_clean(c) for c in cells], False


def _trimmed(cells: Sequence[str], joined: str) -> list[str | None]:
    """Cells trimmed, formula guard removed, empty as None (already clean text; `joined` is
    them joined, to look for a quote once)."""
    if "'" not in joined:  # only a cell starting with a quote can be guarded
        return [c.strip() or None for c in cells]
    values = [c.strip() for c in cells]
    values = [unguard_cell(v) if v[:1] == "'" else v for v in values]
    return [v or None for v in values]


def _key_column(cells: Sequence[str], column: str, problems: dict[int, str]) -> list[str | None]:
    """`_key_cell` of every cell of one column of a chunk, checked as a whole like
    `_clean_cells`; a refused cell's reason goes to `problems` by its row's position."""
    joined = " ".join(cells)
    if is_safe_key(joined):
        return _trimmed(cells, joined)
    values: list[str | None] = []
    for position, cell in enumerate(cells):
        try:
            values.append(_key_cell(cell, column))
        except ValueError as exc:
            problems.setdefault(position, str(exc))
            values.append(None)
    return values


def _needs_escape(text: str) -> bool:
    """Whether `_ENCODE_STRING` escapes anything in `text`: a quote, a backslash or a control
    character. Printable text holds no control character, and `isprintable` is a plain C loop,
    quicker than a regex over a whole column."""
    if '"' in text or "\\" in text:
        return True
    return not text.isprintable() and _CONTROL.search(text) is not None


def _json_members(
    names: Sequence[str],
    columns: Sequence[Sequence[str | None]],
    rows: int,
    plain: Sequence[bool] = (),
) -> list[str]:
    """Per row, the members of a JSON object of its non-empty cells keyed by `names`, in that
    order, spelled as `_ENCODE` spells a dict of them, without the braces.

    Built a column at a time, then one format per row: a column with nothing to escape (nearly
    every column) is taken as it is, any other is escaped a cell at a time; a row with every
    cell set (most rows of a kept catalog) is one `%` of one template, any other row one of a
    template of its own shape. `plain[n]` True says column n is known to hold nothing to
    escape, so it is not looked at again.
    """
    if not names:
        return [""] * rows
    inner = []
    for number, values in enumerate(columns):
        if number < len(plain) and plain[number]:
            pass  # known to hold nothing to escape (see `_clean_cells`)
        elif _needs_escape("".join(filter(None, values))):
            values = [_ENCODE_STRING(v)[1:-1] if v else None for v in values]
        inner.append(values)
    # A key is JSON text with any `%` doubled: the template's only `%` are its `%s`.
    members = [_ENCODE_STRING(n).replace("%", "%%") + ':"%s"' for n in names]
    every = ",".join(members)
    shapes: dict[tuple[bool, ...], str] = {}
    spelled = []
    for row in zip(*inner, strict=True):
        if all(row):
            spelled.append(every % row)
            continue
        shape = tuple(map(bool, row))
        template = shapes.get(shape)
        if template is None:
            template = shapes[shape] = ",".join(m for m, s in zip(members, shape, strict=True) if s)
        spelled.append(template % tuple(filter(None, row)))
    return spelled


@dataclass
class _Prepared:
    """One chunk of rows, checked and encoded, ready to be written."""

    # (line, accession, values of the plan's item_fields, extra JSON, history "after" JSON,
    # tags: (keywords, subject URIs), None for a column the file does not have, or None)
    new: list[tuple[int, str | None, tuple, str, str, tuple | None]] = field(default_factory=list)
    # (line, item id, fields, extra, tags) for rows whose key is already in the library
    existing: list[tuple[int, int, dict, dict, tuple | None]] = field(default_factory=list)
    rows: int = 0
    # Worked out ahead by `_hash_ahead` for a chunk of new rows only: the time of the chunk,
    # the history head and first item id it expects, its history entries and their hashes.
    at: str | None = None
    head: tuple[int, str] | None = None
    first_id: int = 0
    entries: list[tuple[int, int, None, str, str]] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    # ... and the rows to insert, made by `_new_rows` from the same id and time.
    new_rows: tuple[list[tuple], list[tuple], list[tuple]] = field(
        default_factory=lambda: ([], [], [])
    )


def _new_rows(
    new: list[tuple], first_id: int, stamp: str, concepts: dict[str, int]
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The items, item_keywords and item_subjects rows of a chunk's new rows, given ids from
    `first_id` on, created and updated at `stamp`."""
    item_rows = []
    keyword_rows: list[tuple[int, str, str]] = []
    subject_rows: list[tuple[int, int]] = []
    for item_id, (_line, accession, values, extra_json, _after_json, tags) in enumerate(
        new, first_id
    ):
        item_rows.append((item_id, accession, *values, extra_json, stamp, stamp))
        if tags is not None:
            keywords, subjects = tags
            keyword_rows += [(item_id, k, fold(k)) for k in keywords or ()]
            subject_rows += [(item_id, concepts[u]) for u in subjects or ()]
    return item_rows, keyword_rows, subject_rows


def _hash_ahead(
    prepared: _Prepared,
    head: tuple[int, str],
    first_id: int,
    actor: str,
    note_prefix: str,
    concepts: dict[str, int],
) -> None:
    """Build and hash the history entries of a chunk of new rows, and build its rows, before
    its transaction starts, as if the library's history head and next item id were still
    `head` and `first_id` then (the writer takes them only if so, see `_ChunkWriter.write`):
    the reader does this work while the chunk before commits, not the writer while the reader
    waits for it."""
    if prepared.existing or not prepared.new:
        return  # updates record entries of their own first: hashed in the transaction
    prepared.at = now()
    prepared.head = head
    prepared.first_id = first_id
    prepared.entries = [
        (item_id, item_id, None, row[4], note_prefix + str(row[0]))
        for item_id, row in enumerate(prepared.new, first_id)
    ]
    prepared.hashes = chain_hashes(
        head[0], prepared.at, actor, "item", "create", prepared.entries, head[1]
    )
    prepared.new_rows = _new_rows(prepared.new, first_id, prepared.at, concepts)


def _note_prefix(path: Path) -> str:
    """The start of the note of a history entry made by importing `path` (the line follows)."""
    return f"catalog import {path.name} line "


def run(
    store: Store,
    path: Path,
    mapping: dict[str, str],
    key: str | None,
    progress: Progress | None,
    cancel: CancelToken | None,
) -> CatalogImportReport:
    """Import one catalog file. Raises InvalidValue/CatalogFileError for file-level problems.

    Chunks are written by a thread of their own (`_WritingThread`) while the next chunk is
    read and prepared: the two take turns on the interpreter, and run side by side while
    SQLite builds the search index and commits.
    """
    with _collector_paused():
        return _run(store, path, mapping, key, progress, cancel)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while rows are read and prepared.

    An import makes millions of small lists and tuples and keeps every key it has seen; the
    collector then walked that growing heap again and again (measured: reading 200,000 rows
    took 2.5 times as long with it on). Nothing an import makes refers back to itself, so
    reference counting frees it all the same. The switch is process-wide: in the window the
    collector is back on when the import's worker is done (and left off if it was off).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    store: Store,
    path: Path,
    mapping: dict[str, str],
    key: str | None,
    progress: Progress | None,
    cancel: CancelToken | None,
) -> CatalogImportReport:
    columns, rows = read_catalog_cells(path)
    plan = _Plan(columns, mapping, key)
    rows = plan.check_subject_shape(rows)
    with store.read() as session:
        index = _key_index(session, plan)
        accessions = {
            nfc(a)
            for a in session.scalars(select(Item.accession).where(Item.accession.is_not(None)))
        }
        this_library = library_id(session)
        head = read_head(session)
        first_id = (session.scalar(select(func.max(Item.id))) or 0) + 1
        concepts = (
            dict(session.execute(select(Concept.uri, Concept.id)).tuples().all())
            if plan.subject_column
            else {}
        )
    writer = _ChunkWriter(store, path, head, concepts, plan.item_fields)
    rejected: list[RowProblem] = []
    left_out: list[RowProblem] = []
    first_line: dict[str, int] = {}
    cancelled = False
    reported = 0

    def report_progress() -> None:
        nonlocal reported
        done = writing.committed_rows
        if progress is not None and done > reported:
            reported = done
            progress(done, None, f"{path.name}: {done:,} rows")

    with _WritingThread(writer) as writing:
        for chunk in _chunks(rows):
            if cancel is not None and cancel.cancelled:
                cancelled = True
                break
            prepared = _prepare(
                chunk,
                plan,
                index,
                accessions,
                first_line,
                this_library,
                rejected,
                concepts,
                left_out,
            )
            _hash_ahead(prepared, head, first_id, store.actor, _note_prefix(path), concepts)
            writing.send(prepared)
            head, first_id = writer.next_head, writer.next_id
            report_progress()
    report_progress()
    rejected.extend(writer.rejected)
    rejected.sort(key=lambda p: p.line)
    refused = {p.line for p in rejected}  # a rejected row's tags were not imported either
    left_out = [p for p in left_out if p.line not in refused]
    return CatalogImportReport(
        writer.created,
        writer.updated,
        writer.unchanged,
        tuple(rejected),
        cancelled,
        left_out=tuple(left_out),
    )


def _row_tags(
    keyword_cell: str | None,
    subject_cell: str | None,
    line: int,
    plan: _Plan,
    concepts: dict[str, int],
    left_out: list[RowProblem],
) -> tuple[list[str] | None, list[str] | None]:
    """A row's keywords and subject URIs (None: no such column). A value that cannot be
    taken is reported in `left_out` by line and column; the row's other values still are."""
    keywords = subjects = None
    if plan.keyword_column:
        column = plan.keyword_column
        keywords = []
        seen: set[str] = set()
        for value in split_tags(_clean(keyword_cell) or ""):
            try:
                keyword = clean_keyword(value)
            except InvalidValue as exc:
                left_out.append(RowProblem(line, f"column {column!r}: {exc}; left out"))
                continue
            if fold(keyword) not in seen:  # "Harbour; harbour" is one keyword, first spelling
                seen.add(fold(keyword))
                keywords.append(keyword)
    if plan.subject_column:
        column = plan.subject_column
        subjects = []
        for uri in split_subjects(_clean(subject_cell) or ""):
            uri = nfc(uri)
            if uri in concepts:
                if uri not in subjects:
                    subjects.append(uri)
            elif not looks_like_uri(uri):
                left_out.append(
                    RowProblem(
                        line,
                        f"column {column!r}: {terminal_safe(uri[:80])!r} is not a concept URI; "
                        "write the concept's URI (e.g. http://vocab.getty.edu/aat/300033618); "
                        "left out",
                    )
                )
            else:
                left_out.append(
                    RowProblem(
                        line,
                        f"column {column!r}: the concept {terminal_safe(uri[:200])} is in no "
                        f"imported vocabulary; {import_hint(uri)}, then import this file "
                        "again; left out, the rest of the row was imported",
                    )
                )
    return keywords, subjects


def _prepare(
    chunk: list[Cells | BadRow],
    plan: _Plan,
    index: dict[str, int],
    accessions: set[str],
    first_line: dict[str, int],
    this_library: str,
    rejected: list[RowProblem],
    concepts: dict[str, int],
    left_out: list[RowProblem],
) -> _Prepared:
    """Check and encode one chunk. Cells are cleaned and checked a column at a time (the
    column as a whole, see `_clean_cells`); what depends on the row (its key, duplicates,
    whether it is new) is decided row by row, in file order."""
    prepared = _Prepared(rows=len(chunk))
    lines: list[int] = []
    records: list[Sequence[str]] = []
    for record in chunk:
        if isinstance(record, BadRow):
            rejected.append(RowProblem(record.line, record.reason))
        else:
            lines.append(record[0])
            records.append(record[1])
    if not records:
        return prepared
    columns = list(zip(*records, strict=True))  # the chunk, one tuple of cells per column
    at = plan.position

    def cells(column: str | None) -> Sequence[str | None]:
        return columns[at[column]] if column is not None else [None] * len(records)

    # Reasons a row is refused before its key is taken, by the row's position in the chunk.
    problems: dict[int, str] = {}
    keys = _key_column(columns[at[plan.key]], plan.key, problems)
    accession_column = plan.mapping.get("accession")
    if accession_column is None:
        accession_values: Sequence[str | None] = [None] * len(records)
    elif accession_column == plan.key:
        accession_values = keys
    else:
        accession_values = _key_column(columns[at[accession_column]], accession_column, problems)
    own_ids = cells(ID_COLUMN if plan.has_id_column else None)
    mapped: dict[str, list[str | None]] = {}
    plain_fields = []  # per mapped field: nothing in it that JSON escapes (see _clean_cells)
    for field_name in plan.item_fields:
        mapped[field_name], plain = _clean_cells(columns[at[plan.mapping[field_name]]])
        plain_fields.append(plain)
    # Refused after the key is taken: a later row with the same key is still a duplicate.
    late_problems: dict[int, str] = {}
    if "capture_type" in mapped:
        column = plan.mapping["capture_type"]
        checked = []
        for position, value in enumerate(mapped["capture_type"]):
            try:
                checked.append(capture_type(value))
            except ValueError as exc:
                late_problems[position] = f"column {column!r}: {exc}"
                checked.append(None)
        mapped["capture_type"] = checked
    field_values = list(zip(*mapped.values(), strict=True)) if mapped else [()] * len(records)
    extras: dict[str, list[str | None]] = {}
    plain_extras = []
    for column in plan.extra_columns:
        extras[column], plain = _clean_cells(columns[at[column]])
        plain_extras.append(plain)
    # The history's "after" object, spelled as `_ENCODE` spells a dict of the non-empty fields
    # in CATALOG_FIELDS order, and the extra fields as items.extra holds them.
    after_members = _json_members(
        ["accession", *mapped],
        [accession_values, *mapped.values()],
        len(records),
        # A capture type is checked, not cleaned: it is looked at like the accession.
        [False, *(p and f != "capture_type" for f, p in zip(mapped, plain_fields, strict=True))],
    )
    extra_members = _json_members(list(extras), list(extras.values()), len(records), plain_extras)
    has_tags = bool(plan.keyword_column or plan.subject_column)
    if not (problems or late_problems or has_tags) and _all_new(
        prepared,
        (lines, keys, accession_values, field_values, after_members, extra_members),
        index,
        accessions,
        first_line,
    ):
        return prepared
    keyword_cells = cells(plan.keyword_column)
    subject_cells = cells(plan.subject_column)
    for position, line in enumerate(lines):
        problem = problems.get(position)
        if problem is not None:
            rejected.append(RowProblem(line, problem))
            continue
        key_value = keys[position]
        item_id = index.get(key_value) if key_value is not None else None
        if key_value is None:
            item_id = _own_id(own_ids[position], this_library)
            if item_id is None:
                rejected.append(RowProblem(line, f"no value in key column {plan.key!r}"))
                continue
            key_value = f"{ID_COLUMN}:{item_id}"
        if key_value in first_line:
            rejected.append(
                RowProblem(
                    line, f"key {key_value!r} appears again (first on line {first_line[key_value]})"
                )
            )
            continue
        first_line[key_value] = line
        problem = late_problems.get(position)
        if problem is not None:
            rejected.append(RowProblem(line, problem))
            continue
        tags = (
            _row_tags(
                keyword_cells[position], subject_cells[position], line, plan, concepts, left_out
            )
            if has_tags
            else None
        )
        accession = accession_values[position]
        if item_id is not None:
            changed = {"accession": accession} if accession_column else {}
            changed.update(zip(mapped, field_values[position], strict=True))
            extra = {c: vs[position] for c, vs in extras.items()}
            prepared.existing.append((line, item_id, changed, extra, tags))
            continue
        if accession is not None:
            if accession in accessions:
                rejected.append(RowProblem(line, f"accession number {accession!r} is already used"))
                continue
            accessions.add(accession)
        extra_json = "{" + extra_members[position] + "}"
        after_json = _after_json(after_members[position], extra_json, tags)
        prepared.new.append((line, accession, field_values[position], extra_json, after_json, tags))
    return prepared


def _after_json(fields: str, extra_json: str, tags: tuple | None) -> str:
    """A new item's history "after" object: its fields' members (see `_json_members`), its
    extra fields (`extra_json`, the same text as items.extra, not encoded twice) and tags."""
    if extra_json == "{}" and tags is None:  # most rows: the fields alone
        return "{" + fields + "}"
    if extra_json != "{}":
        fields += ',"extra":' + extra_json
    if tags is not None:
        for name, values in zip(TAG_FIELDS, tags, strict=True):
            if values:
                fields += f',"{name}":{_ENCODE(values)}'
    return "{" + fields.lstrip(",") + "}"


def _all_new(
    prepared: _Prepared,
    rows: tuple[list[int], list, Sequence, list[tuple], list[str], list[str]],
    index: dict[str, int],
    accessions: set[str],
    first_line: dict[str, int],
) -> bool:
    """Take a chunk's rows as new items at once, when every one of them is (nearly every chunk
    of a catalog imported into a new library): each has a key, seen nowhere before, and its
    accession number is used nowhere before. Then the same rows as `_prepare`'s loop makes one
    by one, in bulk; else False, and nothing is changed.

    `rows` are the chunk's (lines, keys, accession values, field values, "after" members,
    extra members), the rows without problems of their own (the caller checks that).
    """
    lines, keys, accession_values, field_values, after_members, extra_members = rows
    given = [a for a in accession_values if a is not None] if accession_values is not keys else keys
    if (
        None in keys
        or len(set(keys)) != len(keys)
        or not first_line.keys().isdisjoint(keys)
        or not index.keys().isdisjoint(keys)
        or (given is not keys and len(set(given)) != len(given))
        or not accessions.isdisjoint(given)
    ):
        return False
    first_line.update(zip(keys, lines, strict=True))
    accessions.update(given)
    if any(extra_members):
        extra_jsons = ["{" + m + "}" for m in extra_members]
        after_jsons = [
            _after_json(f, e, None) for f, e in zip(after_members, extra_jsons, strict=True)
        ]
    else:
        extra_jsons = ["{}"] * len(lines)
        after_jsons = ["{" + f + "}" for f in after_members]
    prepared.new = list(
        zip(
            lines,
            accession_values,
            field_values,
            extra_jsons,
            after_jsons,
            itertools.repeat(None),
            strict=False,  # the repeat has no end
        )
    )
    return True


class _WritingThread:
    """Writes prepared chunks in order, in a thread of its own, one chunk behind the reader.

    `send` hands a chunk over and waits until its rows are inserted; the reader then prepares
    the next chunk while SQLite fills the search index and commits the chunk, which are single
    calls into SQLite that let go of the interpreter. While the writer inserts rows the reader
    waits: an `executemany` lets go of the interpreter once per row, and with the reader's
    Python running beside it each row would wait for its turn (measured: slower than one
    thread). A failed write is raised in the reader at its next `send` or when the block ends;
    chunks sent before it stay committed, as in one thread.
    """

    def __init__(self, writer: _ChunkWriter) -> None:
        self._writer = writer
        self._chunks: queue.SimpleQueue[_Prepared | None] = queue.SimpleQueue()
        self._inserted = threading.Semaphore(0)
        self._failure: BaseException | None = None
        #: Rows of the chunks committed so far (read by the reader for progress).
        self.committed_rows = 0
        self._thread = threading.Thread(target=self._work, name="catalog-writer", daemon=True)

    def __enter__(self) -> _WritingThread:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._chunks.put(None)
        self._thread.join()
        if self._failure is not None and exc_info[0] is None:
            raise self._failure

    def send(self, prepared: _Prepared) -> None:
        """Write `prepared` after the chunks sent before; return once its rows are inserted."""
        if self._failure is not None:
            raise self._failure
        self._chunks.put(prepared)
        self._inserted.acquire()
        if self._failure is not None:
            raise self._failure

    def _work(self) -> None:
        while (prepared := self._chunks.get()) is not None:
            if self._failure is not None:
                continue  # a chunk sent before failed: write nothing after it
            try:
                self._writer.write(prepared, inserted=self._inserted.release)
            except BaseException as exc:  # handed to the reader, raised there
                self._failure = exc
                self._inserted.release()
            else:
                self.committed_rows += prepared.rows


class _ChunkWriter:
    """Writes prepared chunks, one transaction per chunk, in order."""

    def __init__(
        self,
        store: Store,
        path: Path,
        head: tuple[int, str],
        concepts: dict[str, int],
        item_fields: tuple[str, ...],
    ) -> None:
        self._store = store
        # Only the columns the file sets are written; the others keep their defaults (NULL).
        self._columns = ("id", "accession", *item_fields, "extra", "created_at", "updated_at")
        self._concepts = concepts
        self._path = path
        # The history head when the rows were checked against the library. While it only moves
        # by our own writes, the accession numbers checked then are still the truth; once
        # another process writes, every new accession is checked again in the database.
        self._expected_head = head
        self._foreign_writes = False
        self._accessions_changed: set[str] = set()
        self.created = self.updated = self.unchanged = 0
        self.rejected: list[RowProblem] = []
        #: The history head and next item id after the last chunk's rows were inserted.
        self.next_head = head
        self.next_id = 0

    def write(self, prepared: _Prepared, inserted: Callable[[], None] | None = None) -> None:
        """Write one chunk in one transaction. `inserted` is called once its rows and history
        are inserted, before the search index is filled and the transaction commits."""
        note_prefix = _note_prefix(self._path)
        with self._store.write() as (session, history):
            stamp = now()
            if prepared.existing:
                self._update(session, history, prepared.existing, stamp, note_prefix)
            new = prepared.new
            if history.head_at_start != self._expected_head:
                self._foreign_writes = True
            if self._foreign_writes:
                taken = _accessions_in_use(session, [r[1] for r in new if r[1]])
            else:
                taken = self._accessions_changed
            first_id = (session.scalar(select(func.max(Item.id))) or 0) + 1
            if taken:
                new = [r for r in new if not self._taken(r, taken)]
            # Entries hashed ahead hold if the chunk is written as it was read, where the
            # reader expected it: every row kept, at the id and history head it assumed.
            ahead = (
                prepared.at is not None
                and len(new) == len(prepared.new)
                and first_id == prepared.first_id
                and history.head == prepared.head
            )
            if ahead:
                stamp = prepared.at
                entries = prepared.entries
                item_rows, keyword_rows, subject_rows = prepared.new_rows
            else:
                entries = [
                    (item_id, item_id, None, row[4], note_prefix + str(row[0]))
                    for item_id, row in enumerate(new, first_id)
                ]
                item_rows, keyword_rows, subject_rows = _new_rows(
                    new, first_id, stamp, self._concepts
                )
            next_id = first_id + len(item_rows)
            # One history entry per item, hashed in one tight loop (the same chain as one
            # `record` per item: the tests compare them).
            history.record_encoded_many(
                entity="item",
                action="create",
                entries=entries,
                at=prepared.at if ahead else None,
                hashed=(prepared.head, prepared.hashes) if ahead else None,
            )
            if item_rows:
                insert_rows(session, "items", self._columns, item_rows)
                insert_rows(
                    session, "item_keywords", ("item_id", "keyword", "folded"), keyword_rows
                )
                insert_rows(session, "item_subjects", ("item_id", "concept_id"), subject_rows)
            history.flush()
            self.created += len(item_rows)
            self._expected_head = history.head
            # Where the next chunk starts, for `_hash_ahead` (read after `inserted`).
            self.next_head, self.next_id = history.head, next_id
            if inserted is not None:
                inserted()
            if item_rows:
                self._store.search_index.index_range(session, first_id, next_id - 1)

    def _taken(self, row: tuple, taken: set[str]) -> bool:
        """Whether a new row's accession number is `taken` since it was checked (it is then
        rejected)."""
        line, accession = row[0], row[1]
        if accession in taken:
            self.rejected.append(
                RowProblem(line, f"accession number {accession!r} is already used")
            )
            return True
        return False

    def _update(self, session, history, existing, stamp: str, note_prefix: str) -> None:
        items = {
            item.id: item
            for item in session.scalars(select(Item).where(Item.id.in_([r[1] for r in existing])))
        }
        updates = []
        tagged = [r[1] for r in existing if r[4] is not None and r[1] in items]
        current_tags = tags_of(session, tagged) if tagged else {}
        tag_plans: list[tuple[int, dict, dict]] = []
        tag_notes: dict[int, str] = {}
        for line, item_id, fields, extra, tags in existing:
            item = items.get(item_id)
            if item is None:  # a credence_id naming an item that was since removed
                self.rejected.append(RowProblem(line, f"item #{item_id} no longer exists"))
                continue
            before, after, new_extra = item_changes(item, fields, extra)
            tag_plan = None
            if tags is not None:
                old = current_tags.get(item_id, ([], []))
                wanted = (
                    (old[0] if tags[0] is None else tags[0]),
                    (old[1] if tags[1] is None else tags[1]),
                )
                tag_before = {"keywords": old[0], "subjects": old[1]}
                tag_after = tags_after(old, *wanted)
                if tag_after != tag_before:
                    tag_plan = (item_id, tag_before, tag_after)
            if not after and tag_plan is None:
                self.unchanged += 1
                continue
            if after:
                accession = after.get("accession")
                if accession and _accessions_in_use(session, [accession]) - {item.accession}:
                    self.rejected.append(
                        RowProblem(line, f"accession number {accession!r} is already used")
                    )
                    continue
                if accession:
                    self._accessions_changed.add(accession)
                updates.append((item, {k: v for k, v in after.items() if k in fields}, new_extra))
                history.record(
                    Change.for_item(
                        item_id=item.id,
                        action="update",
                        before=before,
                        after=after,
                        note=note_prefix + str(line),
                    )
                )
            else:  # only its tags change
                updates.append((item, {}, None))
            if tag_plan is not None:
                tag_plans.append(tag_plan)
                tag_notes[item_id] = note_prefix + str(line)
        if updates:
            with self._store.search_index.updating(session, [u[0].id for u in updates]):
                for item, changed, new_extra in updates:
                    for name, value in changed.items():
                        setattr(item, name, value)
                    if new_extra is not None:
                        item.extra = new_extra
                    item.updated_at = stamp
                if tag_plans:
                    write_tag_changes(session, tag_plans, self._concepts)
            record_tag_history(history, tag_plans, tag_notes)
        self.updated += len(updates)


def _accessions_in_use(session: Session, accessions: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(accessions), 500):
        batch = accessions[start : start + 500]
        found.update(session.scalars(select(Item.accession).where(Item.accession.in_(batch))))
    return found


def _own_id(value: str | None, this_library: str) -> int | None:
    """The item id in a `credence_id` cell written by this library (`<library>-<id>`)."""
    prefix, _, number = (value or "").strip().rpartition("-")
    if this_library and prefix == this_library and number.isdigit():
        return int(number)
    return None


def _chunks(rows: Iterator[Cells | BadRow]) -> Iterator[list[Cells | BadRow]]:
    """The rows in chunks of CHUNK, the first of at most FIRST_CHUNK."""
    chunk: list[Cells | BadRow] = []
    size = min(FIRST_CHUNK, CHUNK)
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
            size = CHUNK
    if chunk:
        yield chunk


def _key_index(session: Session, plan: _Plan) -> dict[str, int]:
    """Existing items by the value of the key: key value -> item id."""
    if plan.key_field is not None:
        column = getattr(Item, plan.key_field)
        stmt = select(column, Item.id).where(column.is_not(None))
    else:
        value = Item.extra[plan.key].as_string()
        stmt = select(value, Item.id).where(value.is_not(None))
    return {nfc(k) if isinstance(k, str) else k: i for k, i in session.execute(stmt)}


def export_csv(session: Session, path: Path, output: OutputRun | None = None) -> int:
    """Write every item as a CSV row: credence_id, the item fields, then extra columns.

    The file goes through `output` (the library's guarded run), else an unguarded one."""
    extra_columns: dict[str, None] = {}
    for extra in session.scalars(select(Item.extra)):
        extra_columns.update(dict.fromkeys(extra or {}))
    header = [ID_COLUMN, *CATALOG_FIELDS, *TAG_FIELDS, *extra_columns]
    this_library = library_id(session)
    # Every item's tags in two queries, not two per item.
    keywords: dict[int, list[str]] = {}
    for item_id, keyword in session.execute(
        select(ItemKeyword.item_id, ItemKeyword.keyword).order_by(ItemKeyword.id)
    ):
        keywords.setdefault(item_id, []).append(keyword)
    subjects: dict[int, list[str]] = {}
    for item_id, uri in session.execute(
        select(ItemSubject.item_id, Concept.uri)
        .join(Concept, Concept.id == ItemSubject.concept_id)
        .order_by(ItemSubject.id)
    ):
        subjects.setdefault(item_id, []).append(uri)

    def rows() -> Iterator[list[str]]:
        stmt = select(Item).order_by(Item.id).execution_options(yield_per=2000)
        for item in session.scalars(stmt):
            extra = item.extra or {}
            yield [
                f"{this_library}-{item.id}",
                *((getattr(item, f) or "") for f in CATALOG_FIELDS),
                join_tags(keywords.get(item.id, ())),
                join_tags(subjects.get(item.id, ())),
                *(str(extra.get(c, "")) for c in extra_columns),
            ]

    try:
        return write_csv(path, header, rows(), output)
    except OSError as exc:
        raise CatalogFileError(f"cannot write {path}: {exc.strerror}") from exc
