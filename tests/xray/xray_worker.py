"""Run one Xray upload in its own process (the SIGKILL test kills it part-way, then re-runs it).

Usage: python xray_worker.py URL FLAVOR CREDENTIALS_JSON JOURNAL N
Prints the report as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys

from practitest_async import RateLimit, RunResult
from practitest_async.xray import ChunkRule, XrayClient


async def main(url: str, flavor: str, credentials: str, journal: str, n: int) -> None:
    results = [
        RunResult(f"pkg.T.test_{i:04d}", "FAILED" if i % 7 == 0 else "PASSED") for i in range(n)
    ]
    rate = RateLimit(calls=1000, period=1.0, latency_margin=0.0)
    async with XrayClient(url, flavor=flavor, rate_limit=rate, **json.loads(credentials)) as x:  # type: ignore[arg-type]
        report = await x.upload_results(
            results,
            project_key="CALC",
            summary="Killed",
            journal=journal,
            chunks=ChunkRule(max_tests=20),
            reconcile_delay=0.05,
        )
    print(
        json.dumps(
            {
                "uploaded": report.uploaded,
                "already_uploaded": report.already_uploaded,
                "failed": len(report.failed),
                "execution": report.test_execution_key,
                "reconciled": report.reconciled,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
