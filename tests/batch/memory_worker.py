"""Upload N results of one large output each, streamed, and print the peak RSS (VmHWM, kB).

Usage: python memory_worker.py URL TOKEN N MEGABYTES
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

from practitest_async import Client, RateLimit, RunResult


def results(n: int, megabytes: int) -> Iterator[RunResult]:
    line = "x" * 99 + "\n"
    for i in range(n):  # made one at a time: only the uploader may hold them
        yield RunResult(f"big {i:04d}", "FAILED", output=line * (megabytes * 10_486))


def peak_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


async def main(url: str, token: str, n: int, megabytes: int) -> None:
    rate = RateLimit(calls=1000, period=1.0, latency_margin=0.0)
    async with Client(token, base_url=url, rate_limit=rate) as c:
        report = await c.upload_results(1, results(n, megabytes), test_set="Memory")
    assert report.ok, report.failed[:1]
    print(report.uploaded, peak_kb())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
