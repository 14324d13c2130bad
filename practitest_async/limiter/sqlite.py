"""The SQLite store: processes of one host share a budget through one file, no server.

WAL, ``synchronous=NORMAL`` (the file is a cache: losing the last moment in a power cut costs at
most one window of pacing) and one short ``BEGIN IMMEDIATE`` transaction per operation; the host
clock (``time.time()``) is the clock. SQLite's write lock is an OS file lock, so a process
SIGKILLed inside a transaction releases it and its half-written transaction is rolled back: the
others go on at once. The file must be on a local disk (WAL does not work over NFS).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..sqlite_writes import connect
from .local import DECREASE_FACTOR
from .store import (
    LOCK_MEMORY,
    NOBODY_BEFORE,
    HandOver,
    PauseOutcome,
    Reservation,
    ReserveArgs,
    StoreUnavailable,
    Taken,
    plan_slot,
)

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS slots (member TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS slots_at ON slots (at);
CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    calls INTEGER, tat REAL, pause_until REAL, last_change REAL, episode INTEGER, interval REAL
);
CREATE TABLE IF NOT EXISTS procs (process TEXT PRIMARY KEY, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL);
INSERT OR IGNORE INTO state (id, tat, pause_until, last_change, episode, interval)
    VALUES (0, 0, 0, 0, 0, 0);
"""


def _upgrade_locks(conn: sqlite3.Connection) -> None:
    """Budget files made before locks were remembered after release get the ``released``
    column (NULL while held, else when it was let go), and an index to forget old rows by."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(locks)")}
    if "released" not in columns:
        conn.execute("ALTER TABLE locks ADD COLUMN released REAL")
    conn.execute("CREATE INDEX IF NOT EXISTS locks_expires ON locks (expires)")


class SqliteStore:
    """A budget in one SQLite file (see the module docstring).

    A lock is a row of ``locks``: its owner and the end of its lease. Let go, the row stays (its
    ``released`` time set, its lease ended) for ``lock_memory`` seconds, so the next holder
    learns who held it last; versions that deleted the row on release read such a row as free.
    """

    def __init__(
        self, path: str | Path, *, busy_timeout: float = 5.0, lock_memory: float = LOCK_MEMORY
    ) -> None:
        self.path = Path(path).expanduser()
        self.description = f"sqlite://{self.path}"
        self.busy_timeout = busy_timeout
        self.lock_memory = lock_memory
        self._conn: sqlite3.Connection | None = None
        self._guard = threading.Lock()  # one connection, used from worker threads in turn

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # --- plumbing -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(self.path, timeout=self.busy_timeout, check_same_thread=False)
            try:
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                _upgrade_locks(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _transaction(self, body: Callable[[sqlite3.Connection, float], T]) -> T:
        with self._guard:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(conn, time.time())
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    async def _run(self, body: Callable[[sqlite3.Connection, float], T]) -> T:
        try:
            return await asyncio.to_thread(self._transaction, body)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    # --- the store ------------------------------------------------------------------------------

    async def open(self) -> None:
        await self._run(lambda conn, now: None)

    async def ping(self) -> None:
        await self.open()

    async def close(self) -> None:
        with self._guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def reserve(self, args: ReserveArgs) -> Reservation:
        def body(conn: sqlite3.Connection, now: float) -> Reservation:
            calls, tat, pause_until, last_change, episode = conn.execute(
                "SELECT calls, tat, pause_until, last_change, episode FROM state WHERE id = 0"
            ).fetchone()
            calls = min(int(calls or args.max_calls), args.max_calls)
            clean = now - max(last_change, pause_until)
            if calls < args.max_calls and clean >= args.window:
                # one call back per clean window, idle ones included (a job hours later
                # starts at the full budget)
                calls = min(args.max_calls, calls + int(clean // args.window))
                last_change = now
            conn.execute("DELETE FROM slots WHERE at <= ?", (now - args.window,))
            (newest,) = conn.execute("SELECT max(at) FROM slots").fetchone()
            row = conn.execute(
                "SELECT at FROM slots ORDER BY at DESC LIMIT 1 OFFSET ?", (calls - 1,)
            ).fetchone()
            slot, interval = plan_slot(
                now,
                calls=calls,
                tat=tat,
                pause_until=pause_until,
                newest=newest,
                nth_newest=None if row is None else row[0],
                window=args.window,
                capacity=args.capacity,
            )
            conn.execute(
                "INSERT OR REPLACE INTO procs (process, seen) VALUES (?, ?)", (args.process, now)
            )
            conn.execute("DELETE FROM procs WHERE seen < ?", (now - args.active_window,))
            (active,) = conn.execute("SELECT count(*) FROM procs").fetchone()
            granted = slot - now <= args.max_wait
            if granted:
                conn.execute("INSERT INTO slots (member, at) VALUES (?, ?)", (args.member, slot))
                tat = max(tat, slot) + interval
            conn.execute(
                "UPDATE state SET calls = ?, tat = ?, last_change = ?, interval = ? WHERE id = 0",
                (calls, tat, last_change, interval),
            )
            return Reservation(granted, slot - now, calls, active, episode)

        return await self._run(body)

    async def still_reserved(self, member: str) -> bool:
        def body(conn: sqlite3.Connection, now: float) -> bool:
            row = conn.execute("SELECT 1 FROM slots WHERE member = ?", (member,)).fetchone()
            return row is not None

        return await self._run(body)

    async def release(self, member: str) -> None:
        def body(conn: sqlite3.Connection, now: float) -> None:
            row = conn.execute("SELECT at FROM slots WHERE member = ?", (member,)).fetchone()
            if row is None:
                return
            conn.execute("DELETE FROM slots WHERE member = ?", (member,))
            (later,) = conn.execute("SELECT count(*) FROM slots WHERE at >= ?", row).fetchone()
            if row[0] > now and later == 0:  # the newest future slot: the pace gets it back
                conn.execute("UPDATE state SET tat = max(?, tat - interval) WHERE id = 0", (now,))

        await self._run(body)

    async def hand_over(self, args: HandOver) -> None:
        def body(conn: sqlite3.Connection, now: float) -> None:
            conn.executemany(
                "INSERT OR IGNORE INTO slots (member, at) VALUES (?, ?)",
                [(member, now - ago) for member, ago in args.sent if ago < args.window],
            )
            calls, tat, pause_until = conn.execute(
                "SELECT calls, tat, pause_until FROM state WHERE id = 0"
            ).fetchone()
            if args.calls < min(int(calls or args.max_calls), args.max_calls):
                conn.execute(
                    "UPDATE state SET calls = ?, last_change = ? WHERE id = 0", (args.calls, now)
                )
            if args.pause > 0 and now + args.pause > pause_until:
                conn.execute(
                    "UPDATE state SET pause_until = ?, tat = ? WHERE id = 0",
                    (now + args.pause, max(tat, now + args.pause)),
                )
            conn.execute(
                "INSERT OR REPLACE INTO procs (process, seen) VALUES (?, ?)", (args.process, now)
            )

        await self._run(body)

    async def pause(self, delay: float, extend: bool, floor: int, max_calls: int) -> PauseOutcome:
        def body(conn: sqlite3.Connection, now: float) -> PauseOutcome:
            calls, pause_until = conn.execute(
                "SELECT calls, pause_until FROM state WHERE id = 0"
            ).fetchone()
            calls = min(int(calls or max_calls), max_calls)
            new_episode = now >= pause_until
            if new_episode:
                pause_until = now + delay
                calls = max(floor, int(calls * DECREASE_FACTOR))
                conn.execute(
                    "UPDATE state SET calls = ?, pause_until = ?, episode = episode + 1, "
                    "last_change = ?, tat = ? WHERE id = 0",
                    (calls, pause_until, now, pause_until),
                )
            elif extend and now + delay > pause_until:
                pause_until = now + delay
                conn.execute("UPDATE state SET pause_until = ? WHERE id = 0", (pause_until,))
            # Reservations not yet used are void: their holders reserve again, after the pause.
            conn.execute("DELETE FROM slots WHERE at > ?", (now,))
            return PauseOutcome(new_episode, pause_until - now, calls)

        return await self._run(body)

    async def try_lock(self, name: str, owner: str, lease: float) -> Taken | None:
        def body(conn: sqlite3.Connection, now: float) -> Taken | None:
            row = conn.execute(
                "SELECT owner, expires, released FROM locks WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] != owner and row[2] is None and row[1] > now:
                return None  # held
            # Forget what was let go (or crashed) longer ago than the memory: one index range.
            conn.execute("DELETE FROM locks WHERE expires < ?", (now - self.lock_memory,))
            conn.execute(
                "INSERT OR REPLACE INTO locks (name, owner, expires, released) "
                "VALUES (?, ?, ?, NULL)",
                (name, owner, now + lease),
            )
            if row is None or row[0] == owner or row[1] < now - self.lock_memory:
                return NOBODY_BEFORE
            return Taken(row[0], released=row[2] is not None)

        return await self._run(body)

    async def renew_lock(self, name: str, owner: str, lease: float) -> bool:
        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "UPDATE locks SET expires = ? WHERE name = ? AND owner = ? AND released IS NULL",
                (now + lease, name, owner),
            )
            return cursor.rowcount == 1

        return await self._run(body)

    async def unlock(self, name: str, owner: str) -> None:
        def body(conn: sqlite3.Connection, now: float) -> None:
            conn.execute(
                "UPDATE locks SET expires = ?, released = ? "
                "WHERE name = ? AND owner = ? AND released IS NULL",
                (now, now, name, owner),
            )

        await self._run(body)
