"""The Xray journal: which Test Execution an upload writes into, and what each result became.

The same approach as PractiTest's journal (:mod:`practitest_async.batch.journal`): a SQLite
file, every change committed before the request it announces is sent, so a crash (even SIGKILL)
leaves it conservative. Its tables are its own (``xray_*``), so one file may serve both targets.

Per upload (scope): a nonce (the execution's marker), the execution key once known, and
``creating`` while the request that creates the execution is out. Per result: ``sending``
(``creating=1`` when it rode on the creating request), ``confirmed`` or ``failed``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence

import attrs

from ..errors import ConfigurationError
from ..journal_path import check_journal_path
from ..sqlite_writes import connect, write_all

_SCHEMA = """
CREATE TABLE IF NOT EXISTS xray_uploads (
    scope TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    execution_key TEXT,
    creating INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS xray_results (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    creating INTEGER NOT NULL DEFAULT 0,
    test_key TEXT,
    error TEXT,
    PRIMARY KEY (scope, key)
)
"""


@attrs.frozen(kw_only=True)
class UploadState:
    """What the journal knows of one upload."""

    nonce: str
    execution_key: str | None
    creating: bool


class XrayJournal:
    """A SQLite journal file (created if missing)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if self.path != ":memory:":
            check_journal_path(self.path)  # a clear error before anything is sent
        try:
            self._db = connect(self.path)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise ConfigurationError(f"the journal {self.path} cannot be used: {exc}") from exc

    def __repr__(self) -> str:
        return f"XrayJournal({self.path!r})"

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        write_all(self._db, sql, rows)

    def upload(self, scope: str, nonce: str) -> UploadState:
        """This upload's state: the one recorded by the first run of ``scope``, or a new one."""
        self._write(
            "INSERT OR IGNORE INTO xray_uploads (scope, nonce) VALUES (?, ?)", [(scope, nonce)]
        )
        row = self._db.execute(
            "SELECT nonce, execution_key, creating FROM xray_uploads WHERE scope = ?", (scope,)
        ).fetchone()
        return UploadState(nonce=row[0], execution_key=row[1], creating=bool(row[2]))

    def creating(self, scope: str, keys: Sequence[str]) -> None:
        """The creating request is about to leave, carrying ``keys``."""
        self._write("UPDATE xray_uploads SET creating = 1 WHERE scope = ?", [(scope,)])
        self._mark(scope, keys, creating=True)

    def execution(self, scope: str, key: str) -> None:
        """The execution exists: recorded before any other import is sent."""
        self._write(
            "UPDATE xray_uploads SET execution_key = ?, creating = 0 WHERE scope = ?",
            [(key, scope)],
        )

    def not_created(self, scope: str) -> None:
        """The creating request was not applied (it is not found): results back to unsent."""
        self._write("UPDATE xray_uploads SET creating = 0 WHERE scope = ?", [(scope,)])
        self._write(
            "DELETE FROM xray_results WHERE scope = ? AND creating = 1 AND state = 'sending'",
            [(scope,)],
        )

    def sending(self, scope: str, keys: Sequence[str]) -> None:
        self._mark(scope, keys, creating=False)

    def _mark(self, scope: str, keys: Sequence[str], *, creating: bool) -> None:
        self._write(
            "INSERT INTO xray_results (scope, key, state, creating) VALUES (?, ?, 'sending', ?) "
            "ON CONFLICT (scope, key) DO UPDATE SET state = 'sending', "
            "creating = excluded.creating, error = NULL",
            ((scope, key, int(creating)) for key in keys),
        )

    def confirm(self, scope: str, items: Iterable[tuple[str, str | None]]) -> None:
        """(key, test key or None) confirmed by the server."""
        self._write(
            "UPDATE xray_results SET state = 'confirmed', creating = 0, "
            "test_key = COALESCE(?, test_key) WHERE scope = ? AND key = ?",
            ((test_key, scope, key) for key, test_key in items),
        )

    def confirm_created(self, scope: str) -> list[str]:
        """The creating request was applied: its results are confirmed; returns their keys."""
        keys = [
            row[0]
            for row in self._db.execute(
                "SELECT key FROM xray_results WHERE scope = ? AND creating = 1 "
                "AND state = 'sending'",
                (scope,),
            )
        ]
        self.confirm(scope, ((k, None) for k in keys))
        return keys

    def fail(self, scope: str, items: Iterable[tuple[str, str]]) -> None:
        self._write(
            "UPDATE xray_results SET state = 'failed', error = ? WHERE scope = ? AND key = ?",
            ((error, scope, key) for key, error in items),
        )

    def states(self, scope: str, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """key -> (state, test key) for the keys recorded."""
        out: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, state, test_key in self._db.execute(
                "SELECT key, state, test_key FROM xray_results "
                f"WHERE scope = ? AND key IN ({marks})",
                (scope, *chunk),
            ):
                out[key] = (state, test_key)
        return out

    def counts(self, scope: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT state, COUNT(*) FROM xray_results WHERE scope = ? GROUP BY state", (scope,)
        )
        return {state: n for state, n in rows}
