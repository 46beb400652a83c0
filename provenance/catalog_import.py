"""Catalog import and export: CSV / JSON rows mapped onto items, keyed for round trips.

A chosen key column finds the item a row describes. New keys create items; known keys update
only the fields that changed, each change recorded in history with the file and line it came
from. Rows are written in chunks, each its own transaction, so a crash keeps whole chunks and a
re-run finds them by key instead of duplicating them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from provenance.catalog_files import (
    BadRow,
    CatalogFileError,
    CatalogRow,
    read_catalog,
    unguard_cell,
    write_csv,
)
from provenance.clock import now
from provenance.db.models import Item, Meta
from provenance.errors import InvalidValue
from provenance.history import Change
from provenance.search import fts_row
from provenance.views import ITEM_FIELDS, CatalogImportReport, RowProblem

if TYPE_CHECKING:
    from provenance.library import Library
    from provenance.progress import CancelToken, Progress

#: Rows per transaction.
CHUNK = 5000
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
}


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Map item fields to columns by name: an exact name first, then common museum aliases."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name in ITEM_FIELDS:
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
        for field_name, column in mapping.items():
            if field_name not in ITEM_FIELDS:
                raise InvalidValue(
                    f"--map {field_name}=...: {field_name!r} is not an item field; "
                    f"fields are {', '.join(ITEM_FIELDS)}"
                )
            if column not in columns:
                raise InvalidValue(
                    f"--map {field_name}={column}: the file has no column {column!r}; "
                    f"its columns are {', '.join(columns)}"
                )
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
        by_column = {c: f for f, c in self.mapping.items()}
        self.key_field = by_column.get(key)  # None: the key lives in extra fields
        self.extra_columns = [c for c in columns if c not in by_column and c != ID_COLUMN]
        self.has_id_column = ID_COLUMN in columns


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = unguard_cell(value).strip()
    return value or None


def run(
    library: Library,
    path: Path,
    mapping: dict[str, str],
    key: str | None,
    progress: Progress | None,
    cancel: CancelToken | None,
) -> CatalogImportReport:
    """Import one catalog file. Raises InvalidValue/CatalogFileError for file-level problems."""
    columns, rows = read_catalog(path)
    plan = _Plan(columns, mapping, key)
    with library._read() as session:
        index = _key_index(session, plan)
        accessions = set(session.scalars(select(Item.accession).where(Item.accession.is_not(None))))
        this_library = library_id(session)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rejected: list[RowProblem] = []
    first_line: dict[str, int] = {}
    done = 0
    cancelled = False
    for chunk in _chunks(rows):
        if cancel is not None and cancel.cancelled:
            cancelled = True
            break
        work = []
        for row in chunk:
            if isinstance(row, BadRow):
                rejected.append(RowProblem(row.line, row.reason))
                continue
            key_value = _clean(row.values.get(plan.key))
            if key_value is None:
                own_id = _own_id(row.values.get(ID_COLUMN), this_library)
                if own_id is None:
                    rejected.append(RowProblem(row.line, f"no value in key column {plan.key!r}"))
                    continue
                key_value = f"{ID_COLUMN}:{own_id}"
                index.setdefault(key_value, own_id)
            if key_value in first_line:
                rejected.append(
                    RowProblem(
                        row.line,
                        f"key {key_value!r} appears again (first on line {first_line[key_value]})",
                    )
                )
                continue
            first_line[key_value] = row.line
            fields = {f: _clean(row.values.get(c)) for f, c in plan.mapping.items()}
            extra = {c: _clean(row.values.get(c)) for c in plan.extra_columns}
            work.append((row.line, key_value, fields, extra))
        _apply(library, path, plan, work, index, accessions, counts, rejected)
        done += len(chunk)
        if progress is not None:
            progress(done, None, f"{path.name}: {done:,} rows")
    rejected.sort(key=lambda p: p.line)
    return CatalogImportReport(
        counts["created"], counts["updated"], counts["unchanged"], tuple(rejected), cancelled
    )


def _own_id(value: str | None, this_library: str) -> int | None:
    """The item id in a `credence_id` cell written by this library (`<library>-<id>`)."""
    prefix, _, number = (value or "").strip().rpartition("-")
    if this_library and prefix == this_library and number.isdigit():
        return int(number)
    return None


def _chunks(rows: Iterator[CatalogRow | BadRow]) -> Iterator[list[CatalogRow | BadRow]]:
    chunk: list[CatalogRow | BadRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
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
    return {k: i for k, i in session.execute(stmt)}


def _apply(
    library: Library,
    path: Path,
    plan: _Plan,
    work: list[tuple[int, str, dict, dict]],
    index: dict[str, int],
    accessions: set[str],
    counts: dict[str, int],
    rejected: list[RowProblem],
) -> None:
    if not work:
        return
    with library._write() as (session, history):
        existing_ids = [index[k] for _, k, _, _ in work if k in index]
        existing = {
            item.id: item for item in session.scalars(select(Item).where(Item.id.in_(existing_ids)))
        }
        next_id = (session.scalar(select(func.max(Item.id))) or 0) + 1
        stamp = now()
        new_rows: list[dict[str, Any]] = []
        reindex: list[tuple[int, dict, dict]] = []
        for line, key_value, fields, extra in work:
            note = f"catalog import {path.name} line {line}"
            item = existing.get(index.get(key_value, -1))
            if item is None:
                accession = fields.get("accession")
                if accession and accession in accessions:
                    rejected.append(
                        RowProblem(line, f"accession number {accession!r} is already used")
                    )
                    continue
                values = {f: fields.get(f) for f in ITEM_FIELDS}
                item_extra = {c: v for c, v in extra.items() if v is not None}
                item_id = next_id
                next_id += 1
                new_rows.append(
                    {
                        "id": item_id,
                        **values,
                        "extra": item_extra,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                if accession:
                    accessions.add(accession)
                index[key_value] = item_id
                state = {k: v for k, v in values.items() if v is not None}
                if item_extra:
                    state["extra"] = item_extra
                history.record(Change("item", item_id, item_id, "create", None, state, note))
                counts["created"] += 1
                continue
            before, after = {}, {}
            for name, value in fields.items():
                if getattr(item, name) != value:
                    if name == "accession" and value and value in accessions:
                        rejected.append(
                            RowProblem(line, f"accession number {value!r} is already used")
                        )
                        break
                    before[name], after[name] = getattr(item, name), value
            else:
                new_extra = dict(item.extra or {})
                for column, value in extra.items():
                    if new_extra.get(column) != value:
                        before[f"extra.{column}"] = new_extra.get(column)
                        after[f"extra.{column}"] = value
                        if value is None:
                            new_extra.pop(column, None)
                        else:
                            new_extra[column] = value
                if not after:
                    counts["unchanged"] += 1
                    continue
                for name in fields:
                    if name in after:
                        if name == "accession":
                            accessions.discard(item.accession)
                            accessions.add(after[name])
                        setattr(item, name, after[name])
                item.extra = new_extra
                item.updated_at = stamp
                history.record(Change("item", item.id, item.id, "update", before, after, note))
                reindex.append((item.id, {f: getattr(item, f) for f in ITEM_FIELDS}, new_extra))
                counts["updated"] += 1
        if new_rows:
            session.execute(insert(Item), new_rows)
            library._search.add(session, [fts_row(r["id"], r, r["extra"]) for r in new_rows])
        if reindex:
            session.flush()
            library._search.index(session, reindex)


def export_csv(session: Session, path: Path) -> int:
    """Write every item as a CSV row: credence_id, the item fields, then extra columns."""
    extra_columns: dict[str, None] = {}
    for extra in session.scalars(select(Item.extra)):
        extra_columns.update(dict.fromkeys(extra or {}))
    header = [ID_COLUMN, *ITEM_FIELDS, *extra_columns]
    this_library = library_id(session)

    def rows() -> Iterator[list[str]]:
        stmt = select(Item).order_by(Item.id).execution_options(yield_per=2000)
        for item in session.scalars(stmt):
            extra = item.extra or {}
            yield [
                f"{this_library}-{item.id}",
                *((getattr(item, f) or "") for f in ITEM_FIELDS),
                *(str(extra.get(c, "")) for c in extra_columns),
            ]

    try:
        return write_csv(path, header, rows())
    except OSError as exc:
        raise CatalogFileError(f"cannot write {path}: {exc.strerror}") from exc
