"""Report results from an async test harness as each test finishes.

    python examples/async_harness.py

The uploader takes each result at once and sends full requests of 20 runs in the background
while the harness keeps running; leaving the block sends the rest and waits.
"""

from __future__ import annotations

import asyncio
import random
import time

from _connect import connect

from practitest_async import RunResult, Status, StepResult


async def run_one_test(index: int) -> RunResult:
    """Stand-in for a real async test: it takes a moment and passes, fails, or is blocked."""
    started = time.monotonic()
    await asyncio.sleep(random.uniform(0, 0.01))
    name = f"harness.checkout.scenario_{index:03d}"
    if index % 10 == 3:
        return RunResult(name, Status.FAILED, output="AssertionError: total was 19.00, not 21.00")
    if index % 10 == 7:
        steps = [
            StepResult("open cart", "PASSED"),
            StepResult("pay", "BLOCKED", actual="no gateway"),
        ]
        return RunResult(name, steps=steps, duration=time.monotonic() - started)
    return RunResult(name, duration=time.monotonic() - started)


async def main() -> None:
    async with connect() as (client, project_id):
        async with client.uploader(project_id, test_set="Async harness", version="2.0") as up:
            for finished in asyncio.as_completed([run_one_test(i) for i in range(50)]):
                await up.add(await finished)  # returns at once while there is room
        print(up.report.summary())


if __name__ == "__main__":
    asyncio.run(main())
