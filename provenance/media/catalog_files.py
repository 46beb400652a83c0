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

from provenance.domain.errors import CredenceError
from provenance.domain.text import clean_text, nfc
from provenance.media.output import OutputRun

#: Cells longer than this are refused (the csv module's default limit is 128 KiB).
MAX_CELL = 1_000_000


class CatalogFileError(CredenceError):
    """The file as a whole cannot be read (not CSV/JSON, wrong encoding, no header...)."""


@dataclass(frozen=True)
class CatalogRow:
    """One readable row of a catalog file: its line number and its cells by column."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read, by line, with the reason."""

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
    header, records = read_catalog_cells(path)

    def rows() -> Iterator[CatalogRow | BadRow]:
        for record in records:
            if isinstance(record, BadRow):
                yield record
            else:
                yield CatalogRow(record[0], dict(zip(header, record[1], strict=True)))

    return header, rows()


#: One readable record as `read_catalog_cells` gives it: (line, cells in column order).
Cells = tuple[int, Sequence[str]]


def read_catalog_cells(path: Path) -> tuple[list[str], Iterator[Cells | BadRow]]:
    """Like `read_catalog`, with each readable record as a plain (line, cells) tuple, the
    cells in the order of the column names (a JSON record's missing key is an empty cell).

    The bulk path of a catalog import: no object or dict per row.
    """
    path = Path(path)
    try:
        if _is_json(path):
            rows = list(_json_rows(path))
            columns: dict[str, None] = {}
            for row in rows:
                if isinstance(row, CatalogRow):
                    columns.update(dict.fromkeys(row.values))
            names = list(columns)
            return names, (
                row
                if isinstance(row, BadRow)
                else (row.line, [row.values.get(c, "") for c in names])
                for row in rows
            )
        handle = _open_text(path)
    except OSError as exc:
        raise CatalogFileError(f"{path.name}: cannot open ({exc.strerror})") from exc
    # strict: an opening quote that is never closed is an error, not a cell that silently
    # swallows the rest of the file. The reader reads through `lines`, which keeps the lines of
    # the record being read, so a record the reader gives up on can be skipped whole.
    lines = _Lines(handle)
    reader = csv.reader(lines, strict=True)
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
    header = _unique_header([nfc(unguard_cell(clean_text(h).strip())) for h in header])
    lines.record_done()
    return header, _csv_rows(path, handle, reader, header, lines)


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


class _Lines:
    """The file's lines as the csv reader takes them, counted, with the lines of the record
    being read kept until it is done: enough to find where a record the reader refused
    really ends (a quoted cell may span many lines)."""

    def __init__(self, handle) -> None:
        self._handle = handle
        self.consumed = 0  # lines handed out so far (the csv reader's own count goes astray)
        self.record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self.consumed += 1
        self.record.append(line)
        return line

    def record_done(self) -> None:
        self.record = []

    def skip_rest_of_record(self) -> int:
        """After the reader refused a record: read on to its real end (past the closing quote
        of a cell that spans lines). Returns the number of the record's last line."""
        state = _OUT
        for line in self.record:
            state = _scan(line, state)
        self.record = []
        while state == _QUOTED:
            try:
                line = next(self._handle)
            except StopIteration:
                break
            self.consumed += 1
            state = _scan(line, state)
        return self.consumed


# Where a line of CSV leaves the reader: outside any quoted cell (the record ends with the
# line), or inside one (the record goes on). The csv module's own rules, reduced to what
# decides where a record ends; a quote after a closing quote is read as the lenient reader
# does (the cell goes on unquoted), since the strict reader already refused that record.
_OUT, _QUOTED = 0, 1


def _scan(line: str, state: int) -> int:
    """The state after `line`, starting in `state` (str.find jumps: a huge cell is quick)."""
    pos, end = 0, len(line)
    at_field_start = state == _OUT
    while pos < end:
        if state == _QUOTED:
            quote = line.find('"', pos)
            if quote < 0:
                return _QUOTED
            if line.startswith('"', quote + 1):
                pos = quote + 2  # "" is a quote inside the cell
                continue
            state, pos, at_field_start = _OUT, quote + 1, False
            continue
        if at_field_start and line[pos] == '"':
            state, pos = _QUOTED, pos + 1
            continue
        comma = line.find(",", pos)
        if comma < 0:
            return _OUT
        pos, at_field_start = comma + 1, True
    return state


def _csv_rows(
    path: Path, handle, reader, header: list[str], lines: _Lines
) -> Iterator[Cells | BadRow]:
    with handle:
        width = len(header)
        while True:
            line = lines.consumed + 1
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
                # The whole record is refused, however many lines its cells span: the lines
                # inside a quoted cell are never read as records of their own.
                last = lines.skip_rest_of_record()
                span = f" (lines {line}-{last})" if last > line else ""
                if "field larger than field limit" in str(exc):
                    yield BadRow(
                        line,
                        f"has a cell longer than {MAX_CELL:,} characters{span}; the whole "
                        "record was skipped (is a closing quote missing?)",
                    )
                else:
                    yield BadRow(line, f"cannot be read as CSV ({exc}){span}")
                continue
            lines.record_done()
            if not "".join(cells).strip():
                continue  # blank lines are not records
            if len(cells) != width:
                hint = " (the row looks cut off)" if len(cells) < width else ""
                yield BadRow(line, f"has {len(cells)} cells but the header has {width}{hint}")
                continue
            yield line, cells


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
        yield CatalogRow(
            index, {nfc(clean_text(str(k)).strip()): _text(v) for k, v in record.items()}
        )


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
        # Column names are cells too: a spreadsheet runs a formula in the header row.
        writer.writerow([guard_cell(h) for h in header])
        for row in rows:
            writer.writerow([guard_cell(c) for c in row])
            count += 1
    return count
