"""Plan (dry run) an upload of N results of N new tests, streamed; print the auto_creates
planned and the peak RSS (VmHWM, kB).

Usage: python dry_run_worker.py URL TOKEN N
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

from practitest_async import Client, RateLimit, RunResult


def results(n: int) -> Iterator[RunResult]:
    for i in range(n):  # made one at a time: only the planner may hold them
        yield RunResult(f"com.example.suite{i // 1000}.Class{i // 50}.test_{i:07d}", "PASSED")


def peak_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


async def main(url: str, token: str, n: int) -> None:
    rate = RateLimit(calls=1000, period=1.0, latency_margin=0.0)
    async with Client(token, base_url=url, rate_limit=rate) as c:
        plan = await c.plan_upload(1, results(n), test_set="Planned")
    assert plan.results == n, plan.summary()
    print(plan.calls.get("auto_create", 0), peak_kb())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
