"""One write to a local SQLite file (journal, Xray journal, id cache): all its rows in one
``BEGIN IMMEDIATE`` transaction, rolled back whole on any failure, so a crash or an error leaves
the file as it was. The connection is in autocommit mode (``isolation_level=None``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def write_all(db: sqlite3.Connection, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
    """``executemany(sql, rows)`` in one transaction of its own."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(sql, rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
