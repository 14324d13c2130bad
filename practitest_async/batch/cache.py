"""The id cache: what an upload found out about ids, remembered for the next upload.

A nightly job uploads the same tests into the same set every night. Finding them again costs a
call per 100 instances (and per 100 tests when names are resolved); at 30 calls a minute that
is a fifth of the job. The cache remembers, per PractiTest account (base URL) and project:

- set name -> set id;
- test name -> test id;
- (set id, test id) -> instance id.

A repeat upload reads nothing it remembers but the set (one GET: does it still exist under
its name?): its calls are the bulk run POSTs, plus one.

Staleness: an entry goes stale when somebody deletes a set, test or instance in PractiTest. The
cache is never trusted for what was uploaded (the journal is), only for where to send: a bulk
request naming a stale id is refused (404/422), the splitting of refused requests isolates the
result, and the uploader then drops the entries it used, resolves that result again from the
server (without the cache) and re-sends it. A refused request applied nothing, so healing can
neither lose nor duplicate a run. Entries of another base URL or project are never read: they
are keyed by both.

The file is SQLite (one per user by default, under the user's cache directory); several
processes may use it at once (WAL, short transactions, last write wins).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..sqlite_writes import connect, write_all

log = logging.getLogger("practitest_async.upload")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sets (
    scope TEXT NOT NULL, name TEXT NOT NULL, set_id INTEGER NOT NULL,
    PRIMARY KEY (scope, name)
);
CREATE TABLE IF NOT EXISTS tests (
    scope TEXT NOT NULL, name TEXT NOT NULL, test_id INTEGER NOT NULL,
    PRIMARY KEY (scope, name)
);
CREATE TABLE IF NOT EXISTS instances (
    scope TEXT NOT NULL, set_id INTEGER NOT NULL, test_id INTEGER NOT NULL,
    instance_id INTEGER NOT NULL,
    PRIMARY KEY (scope, set_id, test_id)
);
"""
_CHUNK = 500  # names per IN (...) query, well under SQLite's variable limit
FORMAT = 1  # PRAGMA user_version of the file: a cache of another format is not read


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/practitest-async/ids.sqlite3``, else under ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "practitest-async" / "ids.sqlite3"


def cache_scope(base_url: str, project_id: int) -> str:
    """The part of every key that keeps accounts and projects apart."""
    return f"{base_url.rstrip('/')}|{int(project_id)}"


class IdCache:
    """A SQLite file of ids (created if missing); see the module docstring."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = connect(self.path, timeout=30)
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version not in (0, FORMAT):
                self._db.close()
                raise sqlite3.DatabaseError(f"written in format {version}, this is {FORMAT}")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {FORMAT}")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(
                f"id cache {self.path}: cannot be used ({exc}); "
                "give another path with --cache, or --no-cache"
            ) from exc
        self._read_failed = False

    def __repr__(self) -> str:
        return f"IdCache({os.fspath(self.path)!r})"

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    # --- sets ------------------------------------------------------------------------------

    def set_id(self, scope: str, name: str) -> int | None:
        """The id of the set named ``name``, if remembered."""
        rows = self._read("SELECT set_id FROM sets WHERE scope = ? AND name = ?", (scope, name))
        return int(rows[0][0]) if rows else None

    def remember_set(self, scope: str, name: str, set_id: int) -> None:
        """Remember that the set ``name`` has id ``set_id``."""
        self._write(
            "INSERT OR REPLACE INTO sets (scope, name, set_id) VALUES (?, ?, ?)",
            [(scope, name, set_id)],
        )

    def forget_set(self, scope: str, set_id: int) -> None:
        """Drop a set (it was deleted) and every instance remembered in it."""
        self._write("DELETE FROM sets WHERE scope = ? AND set_id = ?", [(scope, set_id)])
        self._write("DELETE FROM instances WHERE scope = ? AND set_id = ?", [(scope, set_id)])

    # --- tests -----------------------------------------------------------------------------

    def test_ids(self, scope: str, names: Iterable[str]) -> dict[str, int]:
        """The remembered test ids of ``names`` (names not remembered are left out)."""
        rows = self._read_in(
            "SELECT name, test_id FROM tests WHERE scope = ? AND name", (scope,), names
        )
        return {str(name): int(test_id) for name, test_id in rows}

    def remember_tests(self, scope: str, tests: Mapping[str, int]) -> None:
        """Remember test name -> id."""
        self._write(
            "INSERT OR REPLACE INTO tests (scope, name, test_id) VALUES (?, ?, ?)",
            [(scope, name, test_id) for name, test_id in tests.items()],
        )

    def forget_test_name(self, scope: str, name: str) -> None:
        """Drop what is remembered of the test called ``name``."""
        self._write("DELETE FROM tests WHERE scope = ? AND name = ?", [(scope, name)])

    def forget_test(self, scope: str, test_id: int) -> None:
        """Drop a test (it was deleted) and its instances."""
        self._write("DELETE FROM tests WHERE scope = ? AND test_id = ?", [(scope, test_id)])
        self._write("DELETE FROM instances WHERE scope = ? AND test_id = ?", [(scope, test_id)])

    # --- instances -------------------------------------------------------------------------

    def instance_ids(self, scope: str, set_id: int, test_ids: Iterable[int]) -> dict[int, int]:
        """The remembered instance of each of ``test_ids`` in the set (test id -> instance id)."""
        rows = self._read_in(
            "SELECT test_id, instance_id FROM instances WHERE scope = ? AND set_id = ? AND test_id",
            (scope, set_id),
            test_ids,
        )
        return {int(test_id): int(instance_id) for test_id, instance_id in rows}

    def remember_instances(self, scope: str, set_id: int, instances: Mapping[int, int]) -> None:
        """Remember test id -> instance id in the set."""
        self._write(
            "INSERT OR REPLACE INTO instances (scope, set_id, test_id, instance_id) "
            "VALUES (?, ?, ?, ?)",
            [(scope, set_id, test_id, instance_id) for test_id, instance_id in instances.items()],
        )

    def forget_instance(self, scope: str, instance_id: int) -> None:
        """Drop an instance (it was deleted, or it was refused)."""
        self._write(
            "DELETE FROM instances WHERE scope = ? AND instance_id = ?", [(scope, instance_id)]
        )

    def _read_in(
        self, query: str, args: tuple[object, ...], values: Iterable[object]
    ) -> list[tuple[Any, ...]]:
        """Rows of ``query IN (values)``, asked ``_CHUNK`` values at a time."""
        wanted = list(dict.fromkeys(values))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows += self._read(f"{query} IN ({','.join('?' * len(chunk))})", (*args, *chunk))
        return rows

    def _read(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """Rows of a query; none (with a warning, once) when the file cannot be read: a cache
        that fails costs calls, never the upload."""
        try:
            return list(self._db.execute(sql, args))
        except sqlite3.Error as exc:
            if not self._read_failed:
                self._read_failed = True
                log.warning("id cache %s: not read (%s); ids are looked up instead", self.path, exc)
            return []

    def _write(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        if not rows:
            return
        try:
            write_all(self._db, sql, rows)
        except sqlite3.Error as exc:
            # A cache that cannot be written costs calls on the next upload, nothing more.
            log.warning(
                "id cache %s: not updated (%s); the next upload will look ids up again",
                self.path,
                exc,
            )
