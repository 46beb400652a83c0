"""Reading and writing catalog files (CSV and JSON arrays) as rows of strings.

Rows come with the line number a registrar sees in a text editor, so a bad row can be named.
A row that cannot be trusted (wrong number of cells, e.g. an export cut off mid-record) is
reported and skipped; every other row is still read.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import CredenceError
from provenance.output import OutputRun

#: Cells longer than this are refused (the csv module's default limit is 128 KiB).
MAX_CELL = 1_000_000


class CatalogFileError(CredenceError):
    """The file as a whole cannot be read (not CSV/JSON, wrong encoding, no header...)."""


@dataclass(frozen=True)
class CatalogRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def read_catalog(path: Path) -> tuple[list[str], Iterator[CatalogRow | BadRow]]:
    """Open a CSV or JSON-array catalog file: its column names, and its records in order.

    Each record is a CatalogRow, or a BadRow saying why it was skipped. Raises CatalogFileError
    when the file as a whole cannot be read.
    """
    path = Path(path)
    try:
        if _is_json(path):
            rows = list(_json_rows(path))
            columns: dict[str, None] = {}
            for row in rows:
                if isinstance(row, CatalogRow):
                    columns.update(dict.fromkeys(row.values))
            return list(columns), iter(rows)
        handle = _open_text(path)
    except OSError as exc:
        raise CatalogFileError(f"{path.name}: cannot open ({exc.strerror})") from exc
    # strict: an opening quote that is never closed is an error, not a cell that silently
    # swallows the rest of the file.
    reader = csv.reader(handle, strict=True)
    csv.field_size_limit(MAX_CELL)
    try:
        header = next(reader, None)
    except UnicodeError as exc:
        handle.close()
        bad = _first_undecodable_line(path) or 1
        raise CatalogFileError(
            f"{path.name}: line {bad} is not UTF-8 text ({exc.reason}); "
            "save the file as UTF-8 and import it again"
        ) from exc
    except csv.Error as exc:
        handle.close()
        raise CatalogFileError(f"{path.name}: the header cannot be read ({exc})") from exc
    if not header:
        handle.close()
        raise CatalogFileError(f"{path.name}: the file is empty or has no header row")
    header = _unique_header([h.strip() for h in header])
    return header, _csv_rows(path, handle, reader, header)


def _is_json(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[")


def _open_text(path: Path):
    # utf-8-sig drops a byte-order mark; a UTF-16 file announces itself with its own BOM.
    with open(path, "rb") as handle:
        head = handle.read(4)
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    return open(path, encoding=encoding, newline="")


def _csv_rows(path: Path, handle, reader, header: list[str]) -> Iterator[CatalogRow | BadRow]:
    with handle:
        width = len(header)
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeError as exc:
                # The decoder reads ahead, so the reader's line is not where the bad byte is.
                bad = _first_undecodable_line(path) or line
                raise CatalogFileError(
                    f"{path.name}: line {bad} is not UTF-8 text ({exc.reason}); "
                    "save the file as UTF-8 and import it again"
                ) from exc
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    yield BadRow(
                        line,
                        "starts a quoted cell that is never closed, so the file ends inside it "
                        "(the row looks cut off); the lines after it were not imported",
                    )
                    return
                yield BadRow(line, f"cannot be read as CSV ({exc})")
                continue
            if not "".join(cells).strip():
                continue  # blank lines are not records
            if len(cells) != width:
                hint = " (the row looks cut off)" if len(cells) < width else ""
                yield BadRow(line, f"has {len(cells)} cells but the header has {width}{hint}")
                continue
            yield CatalogRow(line, dict(zip(header, cells, strict=True)))


def _first_undecodable_line(path: Path) -> int | None:
    """The 1-based line holding the first byte that is not UTF-8 (for the error message)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _unique_header(header: list[str]) -> list[str]:
    """Column names as given; a name used twice gets " (2)" so no column's values are lost."""
    seen: dict[str, int] = {}
    result = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def _json_rows(path: Path) -> Iterator[CatalogRow | BadRow]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogFileError(f"{path.name}: not valid JSON ({exc})") from exc
    except RecursionError:
        raise CatalogFileError(
            f"{path.name}: the JSON is nested too deeply to be a catalog; export a flat array"
        ) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise CatalogFileError(f"{path.name}: a value cannot be read ({exc})") from None
    if isinstance(data, dict):
        data = [data]  # one record per file, as in Tate's JSON sample
    if not isinstance(data, list):
        raise CatalogFileError(f"{path.name}: expected a JSON array of objects")
    for index, record in enumerate(data, start=1):
        # For JSON, "line" is the record's position in the array (1-based).
        if not isinstance(record, dict):
            yield BadRow(index, "is not a JSON object")
            continue
        yield CatalogRow(index, {str(k): _text(v) for k, v in record.items()})


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: str) -> str:
    """Neutralise spreadsheet formula injection (OWASP): prefix a quote to a leading = + - @ tab CR.

    `unguard_cell` undoes it on re-import, so a round trip changes nothing.
    """
    quoted = value.startswith("'") and value[1:2] in (*_FORMULA_START, "'")
    if value.startswith(_FORMULA_START) or quoted:
        return "'" + value
    return value


def unguard_cell(value: str) -> str:
    """Reverse `guard_cell`."""
    if value.startswith("'") and value[1:2] in (*_FORMULA_START, "'"):
        return value[1:]
    return value


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    output: OutputRun | None = None,
) -> int:
    """Write a guarded UTF-8 CSV through the output writer (`output`, else an unguarded run):
    temporary file, fsync, rename. Returns the row count."""
    run = output if output is not None else OutputRun()
    count = 0
    with run.open(Path(path), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([guard_cell(c) for c in row])
            count += 1
    return count
