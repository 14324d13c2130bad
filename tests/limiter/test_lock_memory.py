"""Locks remember who held them last: jobs sharing a budget look at the server again before
creating only when another job held the same lock, not whenever another job shares the budget.

Each job here is a Client with its own SharedLimiter on one budget (a SQLite file or a real
redis-server), against one emulator; the emulator counts what reached it."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from conftest import StartEmulator

from practitest_async import Client, RateLimit, RetryPolicy, RunResult, SharedLimiter
from practitest_async.limiter import AccountLimiter, open_store
from practitest_async.testing import FakePractiTest

PROJECT = 1
FAST = RateLimit(calls=300, period=1.0, latency_margin=0.0)
NEW = 12  # new tests per job


def shared_client(fake: FakePractiTest, store_url: str, key: str) -> Client:
    return Client(
        fake.token,
        base_url=fake.url,
        rate_limit=FAST,
        limiter=store_url,
        limiter_key=key,
        retry=RetryPolicy(backoff_base=0.01),
    )


def looks_again(fake: FakePractiTest) -> int:
    """GET instances.json by exact name: the look at the server before an auto_create."""
    return sum(1 for r in fake.stats.requests("GET", "instances.json") if "name_exact" in r.query)


def auto_creates(fake: FakePractiTest) -> collections.Counter[str]:
    """Test name -> POST runs/auto_create.json requests for it."""
    names: collections.Counter[str] = collections.Counter()
    for r in fake.stats.requests("POST", "auto_create.json"):
        names[r.body["data"]["test-attributes"]["name"]] += 1
    return names


def new_results(prefix: str, n: int = NEW) -> list[RunResult]:
    return [RunResult(f"{prefix} {i:03d}", "PASSED") for i in range(n)]


async def upload_together(
    fake: FakePractiTest, store_url: str, key: str, jobs: Iterable[tuple[str, str]]
) -> list[int]:
    """Upload each job's (prefix, set) at once, each through its own client and limiter;
    returns each job's API calls."""
    clients = [shared_client(fake, store_url, key) for _ in jobs]
    async with contextlib.AsyncExitStack() as stack:
        for c in clients:
            await stack.enter_async_context(c)
        reports = await asyncio.gather(
            *(
                c.upload_results(PROJECT, new_results(prefix), test_set=test_set)
                for c, (prefix, test_set) in zip(clients, jobs, strict=True)
            )
        )
        limiters = [c.limiter for c in clients]
        assert len({id(limiter) for limiter in limiters}) == len(limiters)
        # They did share the budget: each saw the other at work.
        assert all(isinstance(x, SharedLimiter) and x.others_seen for x in limiters)
    assert all(r.ok and r.uploaded == NEW for r in reports), [r.failed[:1] for r in reports]
    return [c.api_calls for c in clients]


async def test_jobs_writing_different_tests_cost_what_each_costs_alone(
    start_emulator: StartEmulator, store_url: str
) -> None:
    alone_fake = await start_emulator()
    async with shared_client(alone_fake, store_url, f"alone-{time.time()}") as c:
        report = await c.upload_results(PROJECT, new_results("alone"), test_set="set alone")
    assert report.ok
    alone = c.api_calls

    fake = await start_emulator()
    calls = await upload_together(
        fake, store_url, f"different-{time.time()}", [("job a", "set a"), ("job b", "set b")]
    )

    # One auto_create per new test and no look at the server before it (before: a GET per new
    # test, once the jobs had seen each other): each job costs what it costs alone.
    assert auto_creates(fake) == {r.name: 1 for j in ("job a", "job b") for r in new_results(j)}
    assert looks_again(fake) == 0
    assert calls == [alone, alone], (calls, alone)
    assert len(fake.log) == 2 * alone


async def test_jobs_writing_the_same_tests_still_create_each_once(
    start_emulator: StartEmulator, store_url: str
) -> None:
    fake = await start_emulator()
    await upload_together(fake, store_url, f"same-{time.time()}", [("same", "Shared")] * 2)

    tests = collections.Counter(t.name for t in fake.state.tests.values())
    assert tests == {r.name: 1 for r in new_results("same")}  # no test created twice
    assert [s.name for s in fake.state.sets.values()].count("Shared") == 1
    per_test = collections.Counter(i.test_id for i in fake.state.instances.values())
    assert set(per_test.values()) == {1}
    assert len(fake.state.runs) == 2 * NEW
    assert auto_creates(fake) == {r.name: 1 for r in new_results("same")}  # the other found it
    # Only the job that came second to a test's lock looked again (before: both did).
    assert looks_again(fake) <= NEW


HOLD_LOCK = """
import asyncio, sys
from practitest_async import SharedLimiter
async def main():
    limiter = SharedLimiter(sys.argv[1], key=sys.argv[2], lock_lease=0.3)
    async with limiter.lock("test:1:made by a killed job"):
        print("held", flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
"""


async def test_the_lock_tells_whether_another_holder_had_it(store_url: str) -> None:
    key = f"who-{time.time()}"
    a = SharedLimiter(store_url, key=key, lock_lease=0.3)
    b = SharedLimiter(store_url, key=key, lock_lease=0.3)
    async with a.lock("test:1:x") as held:
        assert held.by_others is False  # nobody held it before
    async with a.lock("test:1:x") as held:
        assert held.by_others is False  # only this limiter did
    async with b.lock("test:1:x") as held:
        assert held.by_others is True  # another limiter (another job) did
    async with b.lock("test:1:y") as held:
        assert held.by_others is False  # each name on its own

    # A holder whose lease ran out (it stalled, or crashed): it may have made the thing.
    store = open_store(store_url, key)
    await store.open()
    assert await store.try_lock("test:1:z", "elsewhere:1:aa:bb", 0.05) is not None
    await asyncio.sleep(0.1)
    async with a.lock("test:1:z") as held:
        assert held.by_others is True
    await store.close()

    # The local limiter serializes this process's tasks only; they record what they make.
    async with AccountLimiter().lock("test:1:x") as held:
        assert held.by_others is False
    for limiter in (a, b):
        await limiter.aclose()


async def test_a_holder_killed_holding_the_lock_counts_as_another(store_url: str) -> None:
    key = f"killed-{time.time()}"
    holder = subprocess.Popen(  # noqa: ASYNC220 - a holder to kill, outside the loop
        [sys.executable, "-c", HOLD_LOCK, store_url, key], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == b"held"
    holder.kill()
    holder.wait()
    limiter = SharedLimiter(store_url, key=key, lock_lease=0.3)
    async with asyncio.timeout(5), limiter.lock("test:1:made by a killed job") as held:
        assert held.by_others is True
    await limiter.aclose()


OLD_SCHEMA = """
CREATE TABLE slots (member TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX slots_at ON slots (at);
CREATE TABLE state (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    calls INTEGER, tat REAL, pause_until REAL, last_change REAL, episode INTEGER, interval REAL
);
CREATE TABLE procs (process TEXT PRIMARY KEY, seen REAL NOT NULL);
CREATE TABLE locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL);
INSERT INTO state (id, tat, pause_until, last_change, episode, interval) VALUES (0, 0, 0, 0, 0, 0);
"""


async def test_a_budget_file_of_the_previous_version_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "budget.db"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        # A holder of the previous version that crashed holding a lock (its lease ran out).
        db.execute(
            "INSERT INTO locks VALUES ('set:1:Nightly', 'oldhost:7:aaaa:bbbb', ?)",
            (time.time() - 5,),
        )
    db.close()
    a = SharedLimiter(f"sqlite://{path}", key="k")
    b = SharedLimiter(f"sqlite://{path}", key="k")
    await a.acquire()
    async with a.lock("set:1:Nightly") as held:
        assert held.by_others is True  # crashed holder
    async with a.lock("set:1:Nightly") as held:
        assert held.by_others is False
    async with b.lock("set:1:Nightly") as held:
        assert held.by_others is True
    for limiter in (a, b):
        await limiter.aclose()

    # A process of the previous version, on the same file, reads a lock let go as free (its
    # try_lock: a row of another owner whose lease has not ended is held).
    with sqlite3.connect(path) as db:
        owner, expires = db.execute(
            "SELECT owner, expires FROM locks WHERE name = 'set:1:Nightly'"
        ).fetchone()
        assert owner.startswith(b._process)
        assert expires <= time.time()
    db.close()


async def test_what_was_let_go_is_forgotten_after_the_memory(tmp_path: Path) -> None:
    from practitest_async.limiter.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "budget.db", lock_memory=0.1)
    for i in range(5):
        assert await store.try_lock(f"test:1:{i}", "a:1:x:y", 10) is not None
        await store.unlock(f"test:1:{i}", "a:1:x:y")
    taken = await store.try_lock("test:1:0", "b:1:x:y", 10)
    assert taken is not None
    assert taken.last_owner == "a:1:x:y"
    assert taken.released
    await asyncio.sleep(0.15)
    taken = await store.try_lock("test:1:1", "b:1:x:y", 10)
    assert taken is not None
    assert taken.last_owner is None  # too long ago: nobody
    await store.close()
    with sqlite3.connect(tmp_path / "budget.db") as db:
        (rows,) = db.execute("SELECT count(*) FROM locks").fetchone()
    db.close()
    assert rows == 2  # the old rows were pruned; the two held now stay
