"""AccountLimiter.lock: one task at a time per name, and nothing kept per name once released."""

from __future__ import annotations

import asyncio
import tracemalloc

from practitest_async import AccountLimiter


async def test_one_task_at_a_time_holds_a_name_and_other_names_do_not_wait() -> None:
    limiter = AccountLimiter()
    inside: list[str] = []
    most = 0

    async def hold(name: str) -> None:
        nonlocal most
        async with limiter.lock(name):
            inside.append(name)
            most = max(most, inside.count("a"))
            await asyncio.sleep(0.01)
            inside.remove(name)

    other_done = asyncio.Event()

    async def other() -> None:
        async with limiter.lock("b"):
            other_done.set()

    tasks = [asyncio.create_task(hold("a")) for _ in range(5)]
    await asyncio.sleep(0)
    await asyncio.wait_for(other(), 0.02)  # "b" is free while "a" is held
    assert other_done.is_set()
    await asyncio.gather(*tasks)
    assert most == 1


async def test_a_waiter_cancelled_leaves_the_lock_usable() -> None:
    limiter = AccountLimiter()
    async with limiter.lock("a"):
        waiter = asyncio.create_task(limiter.lock("a").__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
    async with asyncio.timeout(1), limiter.lock("a"):  # neither held nor waited for by anyone
        pass


async def test_a_lock_per_new_test_is_not_kept_after_use() -> None:
    # The uploader takes a lock per new test's name: a million new tests must not leave a
    # million locks behind.
    limiter = AccountLimiter()
    for i in range(200):  # warm up what is allocated once
        async with limiter.lock(f"test:1:warm {i}"):
            pass
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            async with limiter.lock(f"test:1:name {i:06d}"):
                pass
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000, f"{grown} bytes kept after 20,000 locks"
