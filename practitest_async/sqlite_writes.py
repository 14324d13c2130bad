"""The local SQLite files (journal, Xray journal, id cache, the shared limiter's budget):

- :func:`connect`: a connection in autocommit mode (``isolation_level=None``) and WAL journal,
  which waits for the other processes that open the same new file at the same moment;
- :func:`scratch`: a temporary file for what an upload spills out of memory, gone with its
  connection;
- :func:`write_all`: one write, all its rows in one ``BEGIN IMMEDIATE`` transaction, rolled back
  whole on any failure, so a crash or an error leaves the file as it was.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable


def connect(
    path: str | os.PathLike[str], *, timeout: float = 5.0, check_same_thread: bool = True
) -> sqlite3.Connection:
    """Open ``path`` (created if missing) in WAL mode, waiting up to ``timeout`` seconds for a
    lock another connection holds.

    Switching a file to WAL takes an exclusive lock, and while another connection switches the
    same new file, SQLite answers "database is locked" at once instead of through its busy
    timeout: parallel CI jobs that start together on a fresh id cache or budget file would fail
    one in a few dozen times. That answer is tried again here until ``timeout``.
    """
    db = sqlite3.connect(
        path, timeout=timeout, isolation_level=None, check_same_thread=check_same_thread
    )
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return db
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                db.close()
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def scratch(prefix: str, schema: str) -> sqlite3.Connection:
    """A new temporary SQLite file with ``schema``, deleted at once (the open connection keeps
    it, so nothing is left behind, even after a crash), with no journal and no syncing: what it
    holds is never needed after the process. Close it with ``weakref.finalize`` on its owner,
    not ``__del__``: a finalizer runs once, whichever thread drops the owner."""
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".sqlite3")
    os.close(handle)
    try:
        # used by whichever thread holds the report (the pytest plugin uploads in a thread of
        # its own and reads the report in the main one); never by two at once
        db = sqlite3.connect(path, check_same_thread=False)
    finally:
        os.unlink(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(schema)
    except BaseException:
        db.close()
        raise
    return db


def write_all(db: sqlite3.Connection, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
    """``executemany(sql, rows)`` in one transaction of its own."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(sql, rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
