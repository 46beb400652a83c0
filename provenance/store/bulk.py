"""Bulk inserts straight to the driver's executemany, for the catalog-import hot path.

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert; here rows are
plain tuples. The SQL stays portable: only the placeholder spelling follows the driver.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session


def insert_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """INSERT `rows` (tuples in `columns` order) into `table` in one executemany."""
    if not rows:
        return
    conn = session.connection()
    mark = {"qmark": "?", "numeric": None}.get(conn.dialect.paramstyle, "%s")
    if mark is None:
        marks = ", ".join(f":{n + 1}" for n in range(len(columns)))
    else:
        marks = ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, list(rows))
