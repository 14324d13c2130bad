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

One upload at a time: :meth:`Journal.lock` takes an OS lock on ``<journal>.lock`` (released
when the process ends, even by SIGKILL) and records who holds it, so a second process gets
:class:`JournalBusyError` naming the first (pid, host, since when) instead of sending
duplicates.

Format (``PRAGMA user_version``): 0 = written before the format was versioned, 2 = adds
``results.sent_at`` and the ``meta`` table. Key scheme (``meta.key_scheme``): 1 = report keys
began with the report's path *as it was typed*; 2 = with its resolved absolute path
(:func:`practitest_async.reports._base.key_path`). A journal of scheme 1 stays scheme 1: a
key it does not hold is looked up under the spellings the path may have had then (each tail of
the absolute path, with or without ``./``); one match is that result (its key is rewritten), two
are refused loudly, none is a result never sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePosixPath

import attrs
import filelock

from ..errors import PractiTestError
from ..journal_path import journal_path_problem
from ..sqlite_writes import connect, write_all

SENDING = "sending"
CONFIRMED = "confirmed"
FAILED = "failed"

FORMAT = 2  # PRAGMA user_version of a journal this code writes
KEY_SCHEME = 2  # report keys start with the resolved absolute path of the report

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
    sent_at REAL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"""


def problem(exc: BaseException) -> str:
    """What a SQLite error on a journal means for the person who gave its path."""
    text = str(exc) or type(exc).__name__
    if "not a database" in text or "malformed" in text:
        return f"{text} (not a journal written by practitest-async, or damaged)"
    if "readonly" in text or "read-only" in text:
        return f"{text} (the file or its folder is read-only)"
    return text


class JournalError(PractiTestError):
    """The journal cannot be used (missing folder, a directory, read-only, corrupt, busy)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        super().__init__(f"journal {path}: {problem}")


class JournalPathError(JournalError):
    """The journal's path cannot be one: a directory, a missing folder, a read-only file or
    folder (see :func:`~practitest_async.journal_path.journal_path_problem`)."""

    def __init__(self, path: str, sentence: str) -> None:
        super().__init__(path, sentence)
        self.args = (sentence,)  # the sentence names the journal already


class JournalWriteError(sqlite3.DatabaseError):
    """The journal failed while an upload used it (disk full, file replaced...).

    A :class:`sqlite3.Error`, not a :class:`PractiTestError`, on purpose: the uploader must
    not take it for PractiTest refusing some results; the upload stops, and what was sent
    stays ``sending`` (reconciled by the next run). ``path`` names the journal."""

    def __init__(self, path: str, cause: BaseException) -> None:
        self.path = path
        super().__init__(f"the journal {path} failed: {problem(cause)}")


class JournalBusyError(JournalError):
    """Another upload holds the journal. ``holder`` says who (pid, host, since), if known."""

    def __init__(self, path: str, holder: dict[str, object] | None) -> None:
        self.holder = holder or {}
        who = "another process"
        if holder:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(str(holder["since"]))))
            who = f"process {holder['pid']} on host {holder['host']} (since {since} UTC)"
        super().__init__(
            path,
            f"in use by {who}; one upload per journal at a time (wait for it to finish, or "
            "give this upload a journal of its own)",
        )


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
    sent_at: float | None = None  # when it was last sent (time.time()), if it was


class Journal:
    """A SQLite journal file (created if missing). One file may hold many uploads (scopes)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._lock: filelock.BaseFileLock | None = None
        if self.path != ":memory:" and (why := journal_path_problem(self.path)) is not None:
            raise JournalPathError(self.path, why)
        try:
            self._db = connect(self.path)
            self._db.execute("PRAGMA synchronous=FULL")
            self.key_scheme = self._open_format()
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(self.path, f"cannot be used: {problem(exc)}") from exc

    @contextlib.contextmanager
    def _using(self) -> Iterator[None]:
        """A SQLite failure of the open journal, inside the block, as :class:`JournalWriteError`."""
        try:
            yield
        except JournalWriteError:
            raise
        except sqlite3.Error as exc:
            raise JournalWriteError(self.path, exc) from exc

    def _open_format(self) -> int:
        """Create or upgrade the tables; return the journal's key scheme."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > FORMAT:
            raise JournalError(self.path, f"was written by a newer version (format {version})")
        existed = bool(
            self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results'"
            ).fetchone()
        )
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if existed and version < 2:  # format 0: no sent_at, no meta, keys of scheme 1
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(results)")}
                if "sent_at" not in columns:
                    self._db.execute("ALTER TABLE results ADD COLUMN sent_at REAL")
            for statement in _SCHEMA.split(";"):
                self._db.execute(statement)
            scheme = 1 if existed and version < 2 else KEY_SCHEME
            self._db.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('key_scheme', ?)", (scheme,)
            )
            self._db.execute(f"PRAGMA user_version = {FORMAT}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        row = self._db.execute("SELECT value FROM meta WHERE name = 'key_scheme'").fetchone()
        return int(row[0])

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    def close(self) -> None:
        """Close the file (and release the lock, if held)."""
        self.unlock()
        self._db.close()

    # --- one upload at a time ------------------------------------------------------------------

    def lock(self) -> None:
        """Hold the journal for this process's upload, or raise :class:`JournalBusyError`
        naming the holder. Released by :meth:`unlock`, :meth:`close`, or the end of the
        process (whatever kills it)."""
        if self._lock is not None or self.path == ":memory:":
            return
        lock = filelock.FileLock(self.path + ".lock", is_singleton=False)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            raise JournalBusyError(self.path, self._holder()) from None
        except OSError as exc:
            raise JournalError(self.path, f"cannot lock {self.path}.lock: {exc}") from exc
        self._lock = lock
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        self._set_meta("holder", json.dumps(holder))

    def unlock(self) -> None:
        """Let another upload use the journal."""
        if self._lock is None:
            return
        with contextlib.suppress(sqlite3.Error):  # a stale holder is only informative
            self._set_meta("holder", "")
        self._lock.release()
        self._lock = None

    def _holder(self) -> dict[str, object] | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE name = 'holder'").fetchone()
            found = json.loads(row[0]) if row and row[0] else None
        except (sqlite3.Error, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def _set_meta(self, name: str, value: str) -> None:
        with self._using():
            self._db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value)
            )

    def upload(self, scope: str, nonce: str, started: float) -> tuple[str, float]:
        """The (nonce, start time) of this upload: the ones recorded by the first run that
        used this journal for ``scope``, or the given ones when this is that first run."""
        with self._using():
            self._db.execute(
                "INSERT OR IGNORE INTO uploads (scope, nonce, started) VALUES (?, ?, ?)",
                (scope, nonce, started),
            )
            row = self._db.execute(
                "SELECT nonce, started FROM uploads WHERE scope = ?", (scope,)
            ).fetchone()
        return str(row[0]), float(row[1])

    def entries(self, scope: str, keys: Sequence[str], *, rewrite: bool = True) -> dict[str, Entry]:
        """What is recorded for these keys (keys never seen are absent). In a journal of key
        scheme 1, a key not found is looked up under its older spellings (see the module);
        one found is recorded under its new key unless ``rewrite`` is False (a dry run)."""
        out = self._entries(scope, keys)
        if self.key_scheme >= KEY_SCHEME:
            return out
        for key in keys:
            if key in out or not (spellings := legacy_keys(key)):
                continue
            found = self._entries(scope, spellings)
            if len(found) > 1:
                raise JournalError(
                    self.path,
                    f"written with report keys that depended on how the path was typed, holds "
                    f"{len(found)} results that may be {key!r} ({', '.join(sorted(found))}); "
                    "finish that upload with a journal of its own",
                )
            if found:
                (old,) = found.values()
                if not rewrite:
                    out[key] = attrs.evolve(old, key=key)
                    continue
                self._write(
                    "UPDATE results SET key = ? WHERE scope = ? AND key = ?",
                    [(key, scope, old.key)],
                )
                out[key] = attrs.evolve(old, key=key)
        return out

    def _entries(self, scope: str, keys: Sequence[str]) -> dict[str, Entry]:
        with self._using():
            return self._read_entries(scope, keys)

    def _read_entries(self, scope: str, keys: Sequence[str]) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, state, marker, fingerprint, name, instance_id, run_id, error, sent_at "
                "FROM results "
                f"WHERE scope = ? AND key IN ({marks})",
                (scope, *chunk),
            )
            for row in rows:
                key, state, marker, fingerprint, name, instance_id, run_id, error, sent_at = row
                out[key] = Entry(
                    key=key,
                    state=state,
                    marker=marker,
                    fingerprint=fingerprint,
                    name=name,
                    instance_id=instance_id,
                    run_id=run_id,
                    error=error,
                    sent_at=sent_at,
                )
        return out

    def _write(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        with self._using():
            write_all(self._db, sql, rows)

    def mark_sending(
        self, scope: str, items: Iterable[tuple[str, str, str, str, int | None]]
    ) -> None:
        """Record (key, marker, fingerprint, name, instance_id) as about to be sent."""
        now = time.time()
        self._write(
            "INSERT INTO results "
            "(scope, key, state, marker, fingerprint, name, instance_id, sent_at) "
            "VALUES (?, ?, 'sending', ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET "
            "state = 'sending', marker = excluded.marker, fingerprint = excluded.fingerprint, "
            "name = excluded.name, instance_id = excluded.instance_id, error = NULL, "
            "sent_at = excluded.sent_at",
            ((scope, *item, now) for item in items),
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
        with self._using():
            return {state: n for state, n in self._db.execute(sql + " GROUP BY state", args)}


def legacy_keys(key: str) -> list[str]:
    """The keys a report result had under key scheme 1 (path as typed), for a scheme-2 key
    (resolved absolute path first, ``::``-joined): each tail of the path, bare and with
    ``./``. Empty for a key that does not start with an absolute path."""
    path, sep, rest = key.partition("::")
    if not sep or not path.startswith("/"):
        return []
    parts = PurePosixPath(path).parts[1:]
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    return [f"{t}::{rest}" for tail in tails for t in (tail, f"./{tail}")]
