"""The rate limiter, against the emulator's fixed-window limit (compressed windows).

PractiTest allows 30 calls a minute per account; here a "minute" is one or two seconds so that
ten windows fit in a test. The emulator counts every call per fixed window and 429s the rest;
``max_calls_in_any_window`` is the stricter sliding count over arrival times.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiolimiter import AsyncLimiter
from conftest import StartEmulator, client_for, sleep_to_window_start

from practitest_async import AccountLimiter, Client, RateLimit, RateLimitError, RetryPolicy
from practitest_async.testing import TokenGrant

PROJECTS = "/api/v2/projects.json"
TESTS = "/api/v2/projects/1/tests.json"


async def run_all(calls: list[Callable[[], Awaitable[Any]]], workers: int) -> list[Any]:
    """Run ``calls`` with ``workers`` concurrent tasks (a fixed pool, as the batch layer does)."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(calls)):
        queue.put_nowait(index)
    results: list[Any] = [None] * len(calls)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            results[index] = await calls[index]()

    await asyncio.gather(*(worker() for _ in range(workers)))
    return results


def max_in_any_window(times: list[float], window: float) -> int:
    """The most timestamps in any half-open span [t, t + window)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


class NaiveLimiter:
    """What most clients do: ``AsyncLimiter(calls, period)``, and nothing on 429."""

    def __init__(self, calls: int, period: float) -> None:
        self.bucket = AsyncLimiter(calls, period)

    async def acquire(self) -> None:
        await self.bucket.acquire()

    def penalise(self, retry_after: float | None = None) -> float:
        return 0.0


async def test_saturated_limiter_never_exceeds_the_window_and_uses_95_percent(
    start_emulator: StartEmulator,
) -> None:
    calls, period, windows = 20, 2.0, 10
    fake = await start_emulator(limit=calls, window=period)
    rate_limit = RateLimit(calls=calls, period=period, latency_margin=0.04)
    async with client_for(fake, rate_limit=rate_limit) as client:
        jobs = [lambda: client.request("GET", PROJECTS) for _ in range(calls * windows)]
        answers = await run_all(jobs, workers=50)

    assert all(a["data"][0]["id"] == "1" for a in answers)
    assert fake.stats.rate_limited == 0
    assert fake.stats.total_calls == calls * windows == client.api_calls
    assert fake.max_calls_in_any_window(period) <= calls
    arrivals = [r.time for r in fake.log]
    elapsed = max(arrivals) - min(arrivals)
    assert elapsed >= (windows - 1) * period  # the load really spanned ten windows
    use = len(arrivals) / (elapsed * calls / period)
    assert use >= 0.95, f"only {use:.1%} of the budget used"


async def test_naive_async_limiter_sends_almost_twice_the_limit_in_one_window() -> None:
    calls, period = 10, 1.0
    naive = AsyncLimiter(calls, period)
    admitted: list[float] = []
    loop = asyncio.get_running_loop()

    async def one() -> None:
        await naive.acquire()
        admitted.append(loop.time())

    await asyncio.gather(*(one() for _ in range(3 * calls)))
    # From idle: a burst of `calls`, then one every period/calls: 2*calls - 1 within a period.
    assert max_in_any_window(admitted, period) == 2 * calls - 1


async def test_naive_limiter_gets_429s_where_ours_gets_none(start_emulator: StartEmulator) -> None:
    calls, period = 10, 1.0
    naive_fake = await start_emulator(limit=calls, window=period)
    ours_fake = await start_emulator(limit=calls, window=period)
    no_pause = RetryPolicy(max_rate_limit_pauses=0)

    async def load(client: Client) -> list[Any]:
        jobs = [lambda: client.request("GET", PROJECTS) for _ in range(2 * calls)]
        return await asyncio.gather(*(job() for job in jobs), return_exceptions=True)

    await sleep_to_window_start(period)  # the naive burst lands at the start of a window
    async with client_for(naive_fake, limiter=NaiveLimiter(calls, period), retry=no_pause) as c:
        naive_results = await load(c)
    ours = RateLimit(calls=calls, period=period, latency_margin=0.02)
    async with client_for(ours_fake, rate_limit=ours, retry=no_pause) as c:
        our_results = await load(c)

    assert naive_fake.max_calls_in_any_window(period) > calls
    assert naive_fake.stats.rate_limited > 0
    assert any(isinstance(r, RateLimitError) for r in naive_results)
    assert ours_fake.max_calls_in_any_window(period) <= calls
    assert ours_fake.stats.rate_limited == 0
    assert not any(isinstance(r, BaseException) for r in our_results)


async def test_emulator_limit_below_the_clients_every_call_still_succeeds(
    start_emulator: StartEmulator,
) -> None:
    fake = await start_emulator(limit=7, window=1.0)
    rate_limit = RateLimit(calls=10, period=1.0, latency_margin=0.02)
    names = [f"test {n}" for n in range(30)]
    async with client_for(fake, rate_limit=rate_limit, author_id=1) as client:
        jobs = [lambda name=name: client.tests.create(1, name=name) for name in names]
        created = await run_all(jobs, workers=10)
        stats = client.limiter.stats  # type: ignore[attr-defined]

    assert sorted(t.name for t in created) == sorted(names)
    # None lost, none doubled: 429 means "not applied", and each was retried once applied.
    assert sorted(t.name for t in fake.state.tests.values()) == sorted(names)
    posts = fake.stats.requests("POST")
    assert len(posts) == len(names) + fake.stats.rate_limited == client.api_calls
    assert fake.stats.rate_limited >= 1
    assert 1 <= stats.pauses <= stats.rate_limited == fake.stats.rate_limited
    assert client.transport.stats.rate_limited == fake.stats.rate_limited


async def test_in_flight_429s_are_one_pause_logged_once(emulator: Any, caplog: Any) -> None:
    emulator.script_fault("GET", "projects.json", "rate_limited", count=5)
    rate_limit = RateLimit(calls=100, period=0.5, latency_margin=0.0)
    with caplog.at_level(logging.WARNING, logger="practitest_async"):
        async with client_for(emulator, rate_limit=rate_limit) as client:
            answers = await asyncio.gather(*(client.projects.list() for _ in range(5)))
            stats = client.limiter.stats  # type: ignore[attr-defined]

    assert all([p.id for p in page.items] == [1] for page in answers)
    assert [r.status for r in emulator.log] == [429] * 5 + [200] * 5
    assert stats.rate_limited == 5
    assert stats.pauses == 1
    warnings = [r for r in caplog.records if "429" in r.getMessage()]
    assert len(warnings) == 1
    # The retries waited out the pause: none arrived within half a period of the first 429.
    first_429 = emulator.log[0].time
    assert min(r.time for r in emulator.log[5:]) - first_429 >= 0.5


async def test_aimd_cuts_the_pace_on_429_and_wins_it_back_after_clean_windows(
    emulator: Any,
) -> None:
    rate_limit = RateLimit(calls=10, period=0.4, latency_margin=0.01)
    limiter = AccountLimiter(rate_limit)
    emulator.script_fault("GET", "projects.json", "rate_limited", count=1)
    async with client_for(emulator, limiter=limiter) as client:
        await client.request("GET", PROJECTS)
        assert limiter.stats.calls_per_window == 7  # 10 x 0.7
        assert limiter.stats.pauses == 1
        seen = {limiter.stats.calls_per_window}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10 * rate_limit.span
        while limiter.stats.calls_per_window < 10 and loop.time() < deadline:
            await client.request("GET", PROJECTS)
            seen.add(limiter.stats.calls_per_window)

    assert limiter.stats.calls_per_window == 10
    assert seen == {7, 8, 9, 10}  # one call per clean window, not all at once
    assert limiter.stats.pauses == 1
    assert [r.status for r in emulator.log].count(429) == 1


async def test_two_clients_with_their_own_limiters_share_one_account(
    start_emulator: StartEmulator,
) -> None:
    tokens = {
        "token-a": TokenGrant(account_id=1, user_id=1),
        "token-b": TokenGrant(account_id=1, user_id=1),
    }
    fake = await start_emulator(limit=10, window=1.0, tokens=tokens)
    rate_limit = RateLimit(calls=10, period=1.0, latency_margin=0.02)
    patient = RetryPolicy(max_rate_limit_pauses=20)

    async def upload(token: str) -> list[Any]:
        async with client_for(fake, token=token, rate_limit=rate_limit, retry=patient) as c:
            jobs = [lambda n=n: c.tests.create(1, name=f"{token} {n}") for n in range(15)]
            return await run_all(jobs, workers=5)

    a, b = await asyncio.gather(upload("token-a"), upload("token-b"))

    assert len(a) == len(b) == 15
    names = sorted(t.name for t in fake.state.tests.values())
    assert names == sorted(
        [f"token-a {n}" for n in range(15)] + [f"token-b {n}" for n in range(15)]
    )
    assert fake.stats.rate_limited >= 1  # they did get in each other's way...
    assert len(fake.stats.requests("POST")) == 30 + fake.stats.rate_limited  # ...and recovered


async def test_idle_windows_count_as_clean_ones_after_a_429() -> None:
    """After a 429 cut, windows in which nothing was sent are clean windows too: a client idle
    for a dozen windows is back at the full pace, not one call above the cut."""
    limiter = AccountLimiter(RateLimit(calls=10, period=0.1, latency_margin=0.0))
    pause = limiter.penalise(0.05)
    assert limiter.stats.calls_per_window == 7
    await asyncio.sleep(pause + 12 * limiter.rate_limit.span)
    await limiter.acquire()
    assert limiter.stats.calls_per_window == 10
