"""The journal: a SQLite file recording what happened to each result, so nothing is sent twice.

Each result has a key (``RunResult.key``, or one derived from its name and its ordinal among
results of that name). States:

- no row: never sent;
- ``sending``: a request carrying it left (or was about to): on the next run it is reconciled
  by reading the server (its marker in the runs of its instance) before anything is re-sent;
- ``confirmed``: PractiTest answered with its run; never sent again;
- ``failed``: PractiTest refused it (e.g. 422); tried again on the next run.

Every change is committed before the request it announces is sent, so a crash (even SIGKILL)
at any point leaves the journal conservative: at worst a result is ``sending`` and reconciled.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence

import attrs

SENDING = "sending"
CONFIRMED = "confirmed"
FAILED = "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    scope TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    started REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    marker TEXT,
    fingerprint TEXT,
    name TEXT,
    instance_id INTEGER,
    run_id INTEGER,
    error TEXT,
    PRIMARY KEY (scope, key)
)
"""


@attrs.frozen(kw_only=True)
class Entry:
    """What the journal knows of one result."""

    key: str
    state: str
    marker: str | None = None
    fingerprint: str | None = None
    name: str | None = None
    instance_id: int | None = None
    run_id: int | None = None
    error: str | None = None


class Journal:
    """A SQLite journal file (created if missing). One file may hold many uploads (scopes)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def upload(self, scope: str, nonce: str, started: float) -> tuple[str, float]:
        """The (nonce, start time) of this upload: the ones recorded by the first run that
        used this journal for ``scope``, or the given ones when this is that first run."""
        self._db.execute(
            "INSERT OR IGNORE INTO uploads (scope, nonce, started) VALUES (?, ?, ?)",
            (scope, nonce, started),
        )
        row = self._db.execute(
            "SELECT nonce, started FROM uploads WHERE scope = ?", (scope,)
        ).fetchone()
        return str(row[0]), float(row[1])

    def entries(self, scope: str, keys: Sequence[str]) -> dict[str, Entry]:
        """What is recorded for these keys (keys never seen are absent)."""
        out: dict[str, Entry] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, state, marker, fingerprint, name, instance_id, run_id, error "
                "FROM results "
                f"WHERE scope = ? AND key IN ({marks})",
                (scope, *chunk),
            )
            for row in rows:
                key, state, marker, fingerprint, name, instance_id, run_id, error = row
                out[key] = Entry(
                    key=key,
                    state=state,
                    marker=marker,
                    fingerprint=fingerprint,
                    name=name,
                    instance_id=instance_id,
                    run_id=run_id,
                    error=error,
                )
        return out

    def _write(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(sql, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def mark_sending(
        self, scope: str, items: Iterable[tuple[str, str, str, str, int | None]]
    ) -> None:
        """Record (key, marker, fingerprint, name, instance_id) as about to be sent."""
        self._write(
            "INSERT INTO results (scope, key, state, marker, fingerprint, name, instance_id) "
            "VALUES (?, ?, 'sending', ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET "
            "state = 'sending', marker = excluded.marker, fingerprint = excluded.fingerprint, "
            "name = excluded.name, instance_id = excluded.instance_id, error = NULL",
            ((scope, *item) for item in items),
        )

    def confirm(self, scope: str, items: Iterable[tuple[str, int, int | None]]) -> None:
        """Record (key, run_id, instance_id) as confirmed by the server."""
        self._write(
            "UPDATE results SET state = 'confirmed', run_id = ?, "
            "instance_id = COALESCE(?, instance_id) WHERE scope = ? AND key = ?",
            ((run_id, inst, scope, key) for key, run_id, inst in items),
        )

    def fail(self, scope: str, items: Iterable[tuple[str, str]]) -> None:
        """Record (key, error) as refused by the server."""
        self._write(
            "UPDATE results SET state = 'failed', error = ? WHERE scope = ? AND key = ?",
            ((error, scope, key) for key, error in items),
        )

    def forget(self, scope: str, keys: Iterable[str]) -> None:
        """Reconciled as never applied: back to "never sent"."""
        self._write("DELETE FROM results WHERE scope = ? AND key = ?", ((scope, k) for k in keys))

    def counts(self, scope: str | None = None) -> dict[str, int]:
        """How many results are in each state (for one scope, or all)."""
        sql = "SELECT state, COUNT(*) FROM results"
        args: tuple[str, ...] = ()
        if scope is not None:
            sql += " WHERE scope = ?"
            args = (scope,)
        return {state: n for state, n in self._db.execute(sql + " GROUP BY state", args)}
