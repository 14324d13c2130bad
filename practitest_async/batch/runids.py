"""Run ids by result key, kept in memory up to a bound and in a temporary file beyond it.

An upload of a million results has a million keys (JUnit keys are paths, ~100 characters):
~200 MB in a dict. :class:`RunIds` is a mapping that holds the first ``SPILL`` entries in a dict
and moves them, a batch at a time, into a temporary SQLite file beyond that, so an upload's
memory stays flat however many results it confirms. The file is deleted when the mapping is;
a copy or a pickle is a mapping of its own. Should the file fail (a full disk), the rest stays in
memory, with a warning.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import weakref
from collections.abc import Callable, Iterator, MutableMapping

from ..sqlite_writes import scratch
from .compact import DigestSet, name_digest

log = logging.getLogger("practitest_async.upload")

SPILL = 20_000  # entries held in memory before they move to the file


class RunIds(MutableMapping[str, int]):
    """``key -> run id``, a dict while small, spilled to a temporary file when large."""

    def __init__(self, spill: int = SPILL) -> None:
        self._spill = max(1, spill)
        self._memory: dict[str, int] = {}
        self._db: sqlite3.Connection | None = None
        self._on_disk = 0
        self._spilled = DigestSet()  # digests of the keys in the file

    def _file(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = scratch(
                "practitest-run-ids-",
                "CREATE TABLE ids (key TEXT PRIMARY KEY, run_id INTEGER NOT NULL)",
            )
            weakref.finalize(self, self._db.close)
        return self._db

    def _disk_get(self, key: str) -> int | None:
        if self._db is None or name_digest(key) not in self._spilled:
            return None  # a new key (most are) costs no look-up on disk
        row = self._db.execute("SELECT run_id FROM ids WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def __getitem__(self, key: str) -> int:
        if key in self._memory:
            return self._memory[key]
        found = self._disk_get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, run_id: int) -> None:
        if key not in self._memory and self._disk_get(key) is not None:
            self._file().execute("UPDATE ids SET run_id = ? WHERE key = ?", (run_id, key))
            return
        self._memory[key] = run_id
        if len(self._memory) >= self._spill:
            try:
                db = self._file()
                with db:
                    db.executemany("INSERT INTO ids VALUES (?, ?)", self._memory.items())
            except (OSError, sqlite3.Error) as exc:
                self._spill = sys.maxsize
                log.warning("run ids stay in memory: the temporary file failed (%s)", exc)
                return
            for spilled in self._memory:
                self._spilled.add(name_digest(spilled))
            self._on_disk += len(self._memory)
            self._memory.clear()

    def __delitem__(self, key: str) -> None:
        if key in self._memory:
            del self._memory[key]
        elif self._disk_get(key) is not None:
            self._file().execute("DELETE FROM ids WHERE key = ?", (key,))
            self._on_disk -= 1
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        if self._db is not None:
            for (key,) in self._db.execute("SELECT key FROM ids ORDER BY rowid"):
                yield str(key)
        yield from list(self._memory)

    def __len__(self) -> int:
        return self._on_disk + len(self._memory)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RunIds | dict):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        if self._db is None:
            return f"RunIds({self._memory!r})"
        return f"RunIds(<{len(self)} entries, {self._on_disk} in a temporary file>)"

    def __reduce__(self) -> tuple[Callable[..., RunIds], tuple[int, list[tuple[str, int]]]]:
        return (_run_ids, (self._spill, list(self.items())))  # copy, pickle: one of its own


def _run_ids(spill: int, items: list[tuple[str, int]]) -> RunIds:
    ids = RunIds(spill)
    ids.update(items)
    return ids
