"""Limiter benchmark: ours against a naive ``AsyncLimiter(calls, period)``, on the emulator.

    python benchmarks/limiter.py                          # 20 calls per 1 s, 10 windows each
    python benchmarks/limiter.py --calls 30 --period 3    # closer to 30/min, slower

The window is compressed (PractiTest's is 30 calls per 60 s); what matters is the ratio of
latency margin to window, which the defaults keep near the real one. Each limiter drives one
client with 50 concurrent tasks against its own emulator that allows ``calls`` per fixed window
and answers 429 beyond. A 429 is not retried here, so it shows as a refused call. Printed per
limiter:

- the most calls that reached the emulator in any sliding window of ``period`` (the limit is
  ``calls``; a fixed window is one of them);
- how many were refused with 429;
- the use of the budget: calls accepted / (seconds from first to last arrival x calls/period).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from typing import Any

from aiolimiter import AsyncLimiter

from practitest_async import AccountLimiter, Client, RateLimit, RateLimitError, RetryPolicy
from practitest_async.limiter import Limiter
from practitest_async.testing import EmulatorConfig, FakePractiTest

WORKERS = 50


class NaiveLimiter:
    """``AsyncLimiter(calls, period)`` behind our Limiter protocol, doing nothing on 429."""

    def __init__(self, calls: int, period: float) -> None:
        self._bucket = AsyncLimiter(calls, period)

    async def acquire(self) -> None:
        await self._bucket.acquire()

    def penalise(self, retry_after: float | None = None) -> float:
        return 0.0


async def drive(limiter: Limiter, calls: int, period: float, windows: int) -> dict[str, Any]:
    """Saturate one emulator through ``limiter`` for about ``windows`` windows."""
    async with FakePractiTest(EmulatorConfig(limit=calls, window=period)) as fake:
        await asyncio.sleep(period - time.time() % period + 0.01)  # start on a window boundary
        no_retry = RetryPolicy(max_rate_limit_pauses=0)
        async with Client(fake.token, base_url=fake.url, limiter=limiter, retry=no_retry) as c:
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(calls * windows):
                queue.put_nowait(n)

            async def worker() -> None:
                while not queue.empty():
                    queue.get_nowait()
                    with contextlib.suppress(RateLimitError):
                        await c.request("GET", "/api/v2/projects.json")

            await asyncio.gather(*(worker() for _ in range(WORKERS)))
        arrivals = [r.time for r in fake.log]
        accepted = sum(1 for r in fake.log if r.status == 200)
        elapsed = max(arrivals) - min(arrivals)
        return {
            "max": fake.max_calls_in_any_window(period),
            "refused": fake.stats.rate_limited,
            "accepted": accepted,
            "elapsed": elapsed,
            "use": accepted / (elapsed * calls / period),
        }


async def main(calls: int, period: float, margin: float, windows: int) -> None:
    ours = RateLimit(calls=calls, period=period, latency_margin=margin)
    rows = [
        (
            f"ours   RateLimit({calls}, {period:g}s, margin {margin:g}s)",
            await drive(AccountLimiter(ours), calls, period, windows),
        ),
        (
            f"naive  AsyncLimiter({calls}, {period:g})",
            await drive(NaiveLimiter(calls, period), calls, period, windows),
        ),
    ]
    print(f"limit: {calls} calls per {period:g} s (fixed windows), {calls * windows} calls each")
    print(f"{'limiter':44} {'max in any window':>18} {'429s':>6} {'use of budget':>14}")
    for name, row in rows:
        print(
            f"{name:44} {row['max']:>12} / {calls:<3} {row['refused']:>6} {row['use']:>13.1%}"
            f"   ({row['accepted']} accepted in {row['elapsed']:.1f} s)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20, help="calls allowed per window")
    parser.add_argument("--period", type=float, default=1.0, help="window length, seconds")
    parser.add_argument("--margin", type=float, default=0.02, help="our latency margin, seconds")
    parser.add_argument("--windows", type=int, default=10, help="windows of load per limiter")
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.period, args.margin, args.windows))
