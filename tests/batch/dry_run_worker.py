"""Plan (dry run) an upload of N results of N new tests, streamed; print the auto_creates
planned (with ``no-create``: the results that would fail) and the peak RSS (VmHWM, kB).

Usage: python dry_run_worker.py URL TOKEN N [no-create]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

from practitest_async import Client, RateLimit, RunResult


def _name(i: int) -> str:
    return f"com.example.suite{i // 1000}.Class{i // 50}.test_{i:07d}"


def results(n: int) -> Iterator[RunResult]:
    for i in range(n):  # made one at a time: only the planner may hold them
        yield RunResult(_name(i), "PASSED")


def peak_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


async def main(url: str, token: str, n: int, create: bool) -> None:
    rate = RateLimit(calls=1000, period=1.0, latency_margin=0.0)
    async with Client(token, base_url=url, rate_limit=rate) as c:
        plan = await c.plan_upload(1, results(n), test_set="Planned", create_missing=create)
    assert plan.results == n, plan.summary()
    if create:
        print(plan.calls.get("auto_create", 0), peak_kb())
        return
    last = plan.failures[-1]  # read back from the temporary file
    assert last.result.name == _name(n - 1), last
    print(len(plan.failures), peak_kb())


if __name__ == "__main__":
    create = sys.argv[4:] != ["no-create"]
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), create))
