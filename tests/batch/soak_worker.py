"""One soak upload in its own process (the soak test SIGKILLs it and runs it again).

Usage: python soak_worker.py URL TOKEN JOURNAL N
Prints the report as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator

from practitest_async import Client, RateLimit, RetryPolicy, RunResult

CALLS_PER_SECOND = 300
TIMEOUT = 0.5  # the emulator applies 'late' writes 0.7 s after they arrive: after this


def soak_results(n: int) -> Iterator[RunResult]:
    """``n`` results: 95 % of tests with an instance in the set, 4 % without, 1 % new."""
    for i in range(n):
        status = "FAILED" if i % 7 == 0 else "PASSED"
        prefix = "new" if i % 100 == 99 else "test"
        yield RunResult(f"{prefix} {i:05d}", status, output=f"soak result {i}")


async def main(url: str, token: str, journal: str, n: int) -> None:
    rate = RateLimit(calls=CALLS_PER_SECOND, period=1.0, latency_margin=0.01)
    retry = RetryPolicy(backoff_base=0.01, backoff_max=0.05, max_attempts=6)
    async with Client(token, base_url=url, rate_limit=rate, retry=retry, timeout=TIMEOUT) as c:
        report = await c.upload_results(
            1, soak_results(n), test_set="Soak", journal=journal, max_in_flight=8
        )
    summary = {
        "uploaded": report.uploaded,
        "already_uploaded": report.already_uploaded,
        "failed": len(report.failed),
        "reconciled": report.reconciled,
        "errors": sorted({f.error for f in report.failed})[:5],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
