"""The shared budget across separate OS processes (SQLite file and a real redis-server).

Each process is ``hammer.py``: its own token of ONE emulated account, the same
PRACTITEST_LIMITER_KEY, a compressed window (30 calls per 1 s). The emulator (in this process)
counts every call per account and 429s beyond the limit; ``max_calls_in_any_window`` is the
server-side count over every window.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import time
from pathlib import Path
from typing import Any

from conftest import StartEmulator

from practitest_async.testing import FakePractiTest, TokenGrant

from .conftest import RedisServer, worker_command

CALLS, PERIOD = 30, 1.0


def account_tokens(n: int) -> dict[str, TokenGrant]:
    return {f"token-{i}": TokenGrant(account_id=1, user_id=1) for i in range(n)}


async def spawn(fake: FakePractiTest, token: str, limiter: str, *extra: str) -> Any:
    return await asyncio.create_subprocess_exec(
        *worker_command(fake.url, token, limiter, "team-budget", *extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: Any) -> tuple[dict[str, Any], str]:
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1]), err.decode()


async def test_eight_processes_keep_the_bound_without_429_and_share_it_fairly(
    start_emulator: StartEmulator, store_url: str
) -> None:
    fake = await start_emulator(limit=CALLS, window=PERIOD, tokens=account_tokens(8))
    start_at = time.time() + 2.5  # every process has imported and opened its client by then
    tasks = [10, 10, 10, 10, 20, 20, 50, 50]  # busy (always a call waiting) and very busy
    processes = [
        await spawn(
            fake,
            f"token-{i}",
            store_url,
            "--tasks",
            str(n),
            "--start-at",
            str(start_at),
            "--duration",
            "4",
        )
        for i, n in enumerate(tasks)
    ]
    reports = [(await finish(p))[0] for p in processes]

    assert fake.stats.rate_limited == 0
    assert fake.max_calls_in_any_window(PERIOD) <= CALLS  # every window, server side
    assert fake.max_calls_in_any_window(PERIOD, account=1) == fake.max_calls_in_any_window()
    arrivals = sorted(r.time for r in fake.log)
    elapsed = arrivals[-1] - arrivals[0]
    assert elapsed >= 3.5
    use = len(arrivals) / (elapsed * CALLS / PERIOD)
    assert use >= 0.8, f"only {use:.0%} of the budget used"
    shares = [r["calls"] for r in reports]
    assert sum(shares) <= fake.stats.total_calls
    # Fairness: a process with 50 tasks waiting gets about what a process with 10 gets.
    mean = statistics.mean(shares)
    assert min(shares) >= 0.6 * mean, shares
    assert max(shares) <= 1.5 * mean, shares


async def test_a_429_seen_by_one_process_pauses_the_others(
    start_emulator: StartEmulator, store_url: str
) -> None:
    fake = await start_emulator(limit=CALLS, window=PERIOD, tokens=account_tokens(3))
    start_at = time.time() + 2.0
    processes = [
        await spawn(
            fake,
            f"token-{i}",
            store_url,
            "--tasks",
            "3",
            "--start-at",
            str(start_at),
            "--duration",
            "3.5",
        )
        for i in range(3)
    ]
    await asyncio.sleep(start_at - time.time() + 1.0)
    fake.script_fault("GET", "projects.json", "rate_limited", count=1)
    reports = [(await finish(p))[0] for p in processes]

    refused = [r for r in fake.log if r.status == 429]
    assert len(refused) == 1 == sum(r["rate_limited"] for r in reports)
    t429 = refused[0].time
    # One process saw it; nobody sent during the pause (in flight at the 429: a call or two).
    during = [r for r in fake.log if t429 + 0.1 < r.time < t429 + PERIOD - 0.05]
    assert during == []
    after = [r for r in fake.log if r.time > t429 + PERIOD]
    assert len(after) >= 10  # ...and everybody went on afterwards
    assert fake.stats.rate_limited == 1


async def test_a_process_killed_mid_reservation_does_not_stop_the_others(
    start_emulator: StartEmulator, store_url: str
) -> None:
    fake = await start_emulator(limit=CALLS, window=PERIOD, tokens=account_tokens(4))
    start_at = time.time() + 2.0
    processes = [
        await spawn(
            fake,
            f"token-{i}",
            store_url,
            "--tasks",
            "5",
            "--start-at",
            str(start_at),
            "--duration",
            "3",
        )
        for i in range(4)
    ]
    await asyncio.sleep(start_at - time.time() + 1.0)
    # It is almost always asleep on a reservation (or inside the SQLite transaction).
    processes[0].send_signal(signal.SIGKILL)
    killed_at = time.time()
    await processes[0].wait()
    reports = [(await finish(p))[0] for p in processes[1:]]

    assert all(r["calls"] > 0 for r in reports)
    after = [r for r in fake.log if r.time > killed_at + 0.2]
    assert len(after) >= 30  # the other three went on at the full pace
    assert fake.stats.rate_limited == 0
    assert fake.max_calls_in_any_window(PERIOD) <= CALLS


def looks_again(fake: FakePractiTest) -> int:
    """GET instances.json by exact name: the uploader's look inside ``lock()`` before an
    auto_create, when another job held that test's lock before."""
    return sum(
        1
        for r in fake.log
        if r.method == "GET" and r.path.endswith("/instances.json") and "name_exact" in r.query
    )


async def test_two_uploads_taking_turns_on_locks_meet_no_429_on_sqlite(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    # The traffic of the Redis restart test below, without the restart: every new test is
    # created inside lock() after a look at the server, two processes alternating on locks.
    fake = await start_emulator(limit=CALLS, window=PERIOD, tokens=account_tokens(2))
    start_at = time.time() + 2.0
    store = f"sqlite://{tmp_path / 'budget.db'}"
    processes = [
        await spawn(
            fake,
            f"token-{i}",
            store,
            "--upload",
            "80",
            "--name",
            f"job {i}",
            "--start-at",
            str(start_at),
        )
        for i in range(2)
    ]
    finished = [await finish(p) for p in processes]

    assert [report["uploaded"] for report, _ in finished] == [80, 80]
    assert len(fake.state.runs) == 160
    # Each new test was created inside lock(); the two jobs write different tests, so neither
    # held the other's locks: no look at the server before an auto_create (before: one per new
    # test, a GET for each of the 160, once the jobs had seen each other).
    assert looks_again(fake) == 0
    assert len(fake.stats.requests("POST", "auto_create.json")) == 160
    assert [report["calls"] for report, _ in finished] == [84, 84]  # what one job costs alone
    assert fake.stats.rate_limited == 0
    assert fake.max_calls_in_any_window(PERIOD) <= CALLS


async def test_redis_killed_and_restarted_mid_upload_loses_nothing(
    start_emulator: StartEmulator, own_redis: RedisServer
) -> None:
    fake = await start_emulator(limit=CALLS, window=PERIOD, tokens=account_tokens(2))
    start_at = time.time() + 2.0
    processes = [
        await spawn(
            fake,
            f"token-{i}",
            own_redis.url,
            "--upload",
            "80",
            "--name",
            f"job {i}",
            "--start-at",
            str(start_at),
        )
        for i in range(2)
    ]
    await asyncio.sleep(start_at - time.time() + 0.7)
    own_redis.kill()
    await asyncio.sleep(1.0)
    own_redis.start()
    finished = [await finish(p) for p in processes]

    for report, stderr in finished:
        assert report["uploaded"] == 80
        assert report["store_lost"] == 1
        assert stderr.count("stopped answering") == 1, stderr  # a warning, once
        assert "alone at 15 calls per 1s (1/2 of the budget)" in stderr  # conservative share
        assert "answers again" in stderr
    runs = list(fake.state.runs.values())
    assert len(runs) == 160  # nothing lost, nothing doubled
    # Two jobs taking turns on the budget and on locks, as in CI; they write different tests,
    # so the locks taken while Redis answered say "nobody else", and nothing looks again then.
    assert len(fake.stats.requests("POST", "auto_create.json")) == 160
    # Back on Redis, nobody paces alone any more: waiters queued on a process's own pace during
    # the outage reserve from Redis, and what each process sent alone is in Redis's log. What is
    # left is the hand-over itself (one process back on Redis up to a probe interval before the
    # other): at most one episode, a 429 for each process's request in flight.
    assert fake.stats.rate_limited <= 2
    refused = [r.time for r in fake.log if r.status == 429]
    assert not refused or max(refused) - min(refused) < PERIOD, refused
