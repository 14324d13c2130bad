"""SharedLimiter in one process: slots, cancellation, late wake-ups, locks, configuration."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import StartEmulator, sleep_to_window_start

from practitest_async import (
    AccountLimiter,
    Client,
    ConfigurationError,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    SharedLimiter,
)
from practitest_async.cli import main as cli_main
from practitest_async.limiter import budget_key, make_limiter, open_store
from practitest_async.limiter.store import Store, StoreUnavailable
from practitest_async.settings import load_settings
from practitest_async.testing import TokenGrant

SLOW = RateLimit(calls=2, period=1.0, latency_margin=0.0)  # one slot every ~0.5 s


async def test_a_cancelled_waiter_gives_its_slot_back(store_url: str) -> None:
    limiter = SharedLimiter(store_url, SLOW, key=f"cancel-{time.time()}")
    loop = asyncio.get_running_loop()
    await limiter.acquire()
    t0 = loop.time()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await limiter.acquire()  # gets the cancelled waiter's slot (~0.5 s), not the next (~1 s)
    assert 0.4 <= loop.time() - t0 < 0.8
    await limiter.aclose()


async def test_a_slot_woken_too_late_is_not_used(store_url: str) -> None:
    limiter = SharedLimiter(store_url, SLOW, key=f"late-{time.time()}")
    loop = asyncio.get_running_loop()
    await limiter.acquire()
    t0 = loop.time()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.3)
    time.sleep(0.45)  # noqa: ASYNC251 - on purpose: the loop is stuck past the waiter's slot
    await waiter
    assert limiter.stats.late == 1
    # Sent at the next slot (~1 s), not at ~0.75 s when it woke: two sends stay a window apart.
    assert loop.time() - t0 >= 0.95
    await limiter.aclose()


async def test_two_limiters_of_one_budget_pace_together(store_url: str) -> None:
    key = f"pace-{time.time()}"
    rate = RateLimit(calls=5, period=0.5, latency_margin=0.0)
    a, b = SharedLimiter(store_url, rate, key=key), SharedLimiter(store_url, rate, key=key)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def use(limiter: SharedLimiter, n: int) -> None:
        for _ in range(n):
            await limiter.acquire()
            times.append(loop.time())

    start = loop.time()
    await asyncio.gather(use(a, 10), use(b, 10))
    both = loop.time() - start
    assert both >= 1.5  # 20 calls at 5 per ~0.51 s: one budget, not two
    times.sort()
    window = 0.5
    assert max(sum(1 for t in times if s <= t < s + window) for s in times) <= 5
    for limiter in (a, b):
        await limiter.aclose()


async def test_the_lock_serializes_holders_of_one_budget(store_url: str) -> None:
    key = f"lock-{time.time()}"
    limiters = [SharedLimiter(store_url, key=key) for _ in range(3)]
    inside: list[int] = []
    overlaps: list[int] = []

    async def critical(n: int) -> None:
        async with limiters[n % 3].lock("set:1:Nightly"):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            await asyncio.sleep(0.02)
            inside.remove(n)

    await asyncio.gather(*(critical(n) for n in range(9)))
    assert overlaps == []
    for limiter in limiters:
        await limiter.aclose()


class Outage:
    """A store that does not answer while ``down`` (a restart, a cut network)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.description = store.description
        self.down = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailable("down")
            return await method(*args, **kwargs)

        return call


async def test_once_the_store_answers_again_nobody_is_admitted_by_the_own_pace(
    store_url: str,
) -> None:
    rate = RateLimit(calls=10, period=1.0, latency_margin=0.0)
    key = f"outage-{time.time()}"
    store = Outage(open_store(store_url, key))
    limiter = SharedLimiter(store, rate, key=key)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def worker() -> None:
        while True:
            await limiter.acquire()
            times.append(loop.time())

    workers = [asyncio.create_task(worker()) for _ in range(20)]
    await asyncio.sleep(0.3)
    store.down = True  # the 20 waiters queue on the process's own pace
    lost_at = loop.time()
    await asyncio.sleep(0.7)
    store.down = False
    await asyncio.sleep(2.5)
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    await limiter.aclose()

    assert limiter.stats.store_lost == 1
    assert not limiter.degraded
    # From the loss on, every window of the period holds at most `calls`: what was sent alone
    # is in the store's log, and the waiters queued alone reserve from the store (before: both
    # paces at once, ~20 a window until the queue of 20 drained).
    after = [t for t in times if t >= lost_at]
    assert max(sum(1 for t in after if s <= t < s + 1.0) for s in after) <= 10
    assert len(after) >= 25  # and it went on at the pace


HOLD_LOCK = """
import asyncio, sys
from practitest_async import SharedLimiter
async def main():
    limiter = SharedLimiter(sys.argv[1], key=sys.argv[2], lock_lease=0.5)
    async with limiter.lock("set:1:Nightly"):
        print("held", flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
"""


async def test_a_lock_holder_killed_blocks_the_others_one_lease_at_most(store_url: str) -> None:
    key = f"killed-{time.time()}"
    holder = subprocess.Popen(  # noqa: ASYNC220 - a holder to kill, outside the loop
        [sys.executable, "-c", HOLD_LOCK, store_url, key], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == b"held"
    limiter = SharedLimiter(store_url, key=key, lock_lease=0.5)
    with pytest.raises(TimeoutError):  # really held (its lease is being renewed)
        async with asyncio.timeout(0.8), limiter.lock("set:1:Nightly"):
            pass
    holder.kill()
    holder.wait()
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with limiter.lock("set:1:Nightly"):
        waited = loop.time() - start
    assert waited < 1.0
    await limiter.aclose()


HOLD_SQLITE = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("DELETE FROM slots")
print("locked", flush=True)
time.sleep(60)
"""


async def test_a_process_killed_holding_the_sqlite_write_lock_leaves_nothing_locked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "budget.db"
    limiter = SharedLimiter(f"sqlite://{path}", SLOW, key="k")
    await limiter.acquire()  # creates the file and one slot
    holder = subprocess.Popen(  # noqa: ASYNC220 - a holder to kill, outside the loop
        [sys.executable, "-c", HOLD_SQLITE, str(path)], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == b"locked"
    probe = sqlite3.connect(path, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        probe.execute("BEGIN IMMEDIATE")
    holder.kill()
    holder.wait()
    probe.execute("BEGIN IMMEDIATE")  # released at once
    probe.execute("ROLLBACK")
    assert probe.execute("SELECT count(*) FROM slots").fetchone()[0] == 1  # its delete undone
    probe.close()
    loop = asyncio.get_running_loop()
    start = loop.time()
    await limiter.acquire()  # the next slot, ~0.5 s after the first; no waiting on the lock
    assert loop.time() - start < 0.9
    await limiter.aclose()


# --- configuration ------------------------------------------------------------------------------


def test_no_limiter_configured_means_a_sqlite_file_per_budget_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PRACTITEST_LIMITER_KEY", raising=False)
    a = Client("secret-token-a", base_url="https://api.practitest.com")
    a2 = Client("secret-token-a", base_url="https://api.practitest.com")
    b = Client("secret-token-b", base_url="https://api.practitest.com")
    assert isinstance(a.limiter, SharedLimiter)
    where = a.limiter.description
    assert where.startswith(f"sqlite://{tmp_path}/practitest-async/")
    assert where == a2.limiter.description != b.limiter.description  # type: ignore[attr-defined]
    for text in (where, repr(a), repr(a.limiter), a.limiter.key):
        assert "secret-token" not in text
    monkeypatch.setenv("PRACTITEST_LIMITER_KEY", "acme")  # the key rule: tokens share by key
    assert (
        Client("secret-token-a").limiter.description  # type: ignore[attr-defined]
        == Client("secret-token-b").limiter.description  # type: ignore[attr-defined]
    )
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    home = Client("t").limiter.description  # type: ignore[attr-defined]
    assert home.startswith(f"sqlite://{tmp_path}/home/.cache/practitest-async/")


def test_limiter_settings_from_environment_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"PRACTITEST_TOKEN": "t", "PRACTITEST_LIMITER": "local"}
    assert isinstance(Client.from_env(env).limiter, AccountLimiter)
    env = {"PRACTITEST_TOKEN": "t", "PRACTITEST_LIMITER": "redis://u:pw@h:1/0"}
    settings = load_settings({}, environ=env, pyproject={})
    assert settings.limiter == "redis://u:pw@h:1/0"
    assert "pw" not in repr(settings)
    with pytest.raises(ConfigurationError, match="PRACTITEST_LIMITER must be local"):
        load_settings({}, environ={"PRACTITEST_LIMITER": "memcached://x"}, pyproject={})
    flags = load_settings({"limiter": "local"}, environ=env, pyproject={})
    assert flags.limiter == "local"
    keyed = {"PRACTITEST_TOKEN": "t", "PRACTITEST_LIMITER_KEY": "acme", "PRACTITEST_LIMITER": ""}
    assert Client.from_env(keyed).limiter.key == "acme"  # type: ignore[attr-defined]
    assert budget_key("https://x.example/", "t") != budget_key("https://x.example/", "u")


async def test_redis_unreachable_at_start_is_a_clear_error_without_credentials() -> None:
    client = Client("t", limiter="redis://user:hunter2@127.0.0.1:1/0")
    with pytest.raises(ConfigurationError) as caught:
        async with client:
            pass
    message = str(caught.value)
    assert "cannot reach the shared limiter at redis://127.0.0.1:1/0" in message
    assert "hunter2" not in message


def test_the_command_exits_2_when_redis_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTITEST_TOKEN", "t")
    report = tmp_path / "r.xml"
    report.write_text('<testsuite name="s"><testcase classname="c" name="n"/></testsuite>')
    code = cli_main(
        [
            "upload",
            str(report),
            "--project",
            "1",
            "--set",
            "S",
            "--base-url",
            "http://127.0.0.1:1",
            "--limiter",
            "redis://:pw@127.0.0.1:1/0",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "redis://127.0.0.1:1/0" in err
    assert "pw" not in err.replace("upload", "")


def test_without_the_redis_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ConfigurationError, match=r"practitest-async\[redis\]"):
        make_limiter("redis://127.0.0.1:6379/0")


async def test_an_unusable_default_file_falls_back_to_local_pacing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    limiter = make_limiter(None, SLOW, key="k")
    with caplog.at_level(logging.WARNING, logger="practitest_async"):
        await limiter.acquire()
    assert "pacing this process on its own" in caplog.text


async def test_tokens_of_one_emulated_account_hit_one_counter(
    start_emulator: StartEmulator,
) -> None:
    tokens = {"a": TokenGrant(account_id=1, user_id=1), "b": TokenGrant(account_id=1, user_id=1)}
    fake = await start_emulator(limit=4, window=2.0, tokens=tokens)
    no_pause = RetryPolicy(max_rate_limit_pauses=0)
    statuses = []
    await sleep_to_window_start(2.0)
    for token in ("a", "b", "a", "b", "a"):
        async with Client(token, base_url=fake.url, limiter="local", retry=no_pause) as client:
            try:
                await client.request("GET", "/api/v2/projects.json")
                statuses.append(200)
            except RateLimitError:
                statuses.append(429)
    assert statuses == [200, 200, 200, 200, 429]  # two tokens, one account, one counter
    assert fake.stats.max_calls_in_any_window() == 5  # over the period's window, by default
    assert fake.stats.max_calls_by_account() == {1: 5}
    assert {r.account for r in fake.stats.requests()} == {1}


async def test_idle_windows_count_as_clean_ones_after_a_429(store_url: str) -> None:
    """A 429 cuts the shared calls per window, and the cut is kept in the store; the windows
    nobody used since are clean ones: the next job (hours later) starts at the full budget, not
    one call above the cut."""
    rate = RateLimit(calls=10, period=0.1, latency_margin=0.0)
    key = f"idle-{time.time()}"
    first = SharedLimiter(store_url, rate, key=key)
    await first.acquire()
    pause = first.penalise(0.05)
    await asyncio.sleep(0.2)  # let the pause reach the store
    assert first.stats.calls_per_window == 7
    await first.aclose()
    await asyncio.sleep(pause + 12 * first.window)  # nobody calls: a dozen clean windows
    later = SharedLimiter(store_url, rate, key=key)
    await later.acquire()
    assert later.stats.calls_per_window == 10
    await later.aclose()
