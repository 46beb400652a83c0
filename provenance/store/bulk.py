"""Bulk inserts straight to the driver's executemany, for the catalog-import hot path.

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert; here rows are
plain tuples. The SQL stays portable: only the placeholder spelling follows the driver. On
PostgreSQL rows go through COPY (psycopg 3 streams them), the server's own bulk path, and an
`id` sequence is moved past ids given explicitly, so later inserts never collide with them.
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
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, columns, rows)
        return
    mark = {"qmark": "?", "numeric": None}.get(conn.dialect.paramstyle, "%s")
    if mark is None:
        marks = ", ".join(f":{n + 1}" for n in range(len(columns)))
    else:
        marks = ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, list(rows))


def _copy_rows(conn, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if "id" in columns:
        # Explicit ids do not move a serial column's sequence: move it past them.
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
