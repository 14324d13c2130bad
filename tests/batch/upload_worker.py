"""Run one upload in its own process (the SIGKILL test kills it part-way, then runs it again).

Usage: python upload_worker.py URL TOKEN JOURNAL N [LIMITER]
LIMITER (optional) is passed as ``Client(limiter=...)``. Prints the report as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from practitest_async import Client, RateLimit, RetryPolicy, RunResult


async def main(url: str, token: str, journal: str, n: int, limiter: str | None = None) -> None:
    results = [RunResult(f"test {i:05d}", "FAILED" if i % 7 == 0 else "PASSED") for i in range(n)]
    results += [RunResult(f"new {i:03d}") for i in range(n // 20)]
    rate = RateLimit(calls=30, period=1.0, latency_margin=0.05)
    options: dict[str, Any] = {} if limiter is None else {"limiter": limiter}
    async with Client(
        token,
        base_url=url,
        rate_limit=rate,
        retry=RetryPolicy(backoff_base=0.01),
        timeout=2.0,
        **options,
    ) as c:
        report = await c.upload_results(1, results, test_set="Killed", journal=journal)
    print(
        json.dumps(
            {
                "uploaded": report.uploaded,
                "already_uploaded": report.already_uploaded,
                "failed": len(report.failed),
                "reconciled": report.reconciled,
                "warnings": report.warnings,
            }
        )
    )


if __name__ == "__main__":
    limiter = sys.argv[5] if len(sys.argv) > 5 else None
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), limiter))
