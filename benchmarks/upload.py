"""Upload benchmark: ours against two common ways of doing it, on the emulator.

    python benchmarks/upload.py            # N = 1,000 and 10,000 (a few minutes)
    python benchmarks/upload.py --n 1000   # one size

The rate window is compressed (30 calls per 0.2 s instead of per 60 s) so that a 10,000-run
upload finishes in seconds; the calls and the ratios are what a real account would see. Each
upload runs in its own process (so CPU and peak memory are the client's alone) against an
emulator seeded with N tests, all in the target set. Baselines, all paced by our limiter so that
only the number of calls differs:

- ``auto_create``: one ``runs/auto_create.json`` per result (what newer uploaders do);
- ``lookup+post``: find the instance by name, then POST one run (what most uploaders do).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from practitest_async import Client, RateLimit, RunDraft, RunResult
from practitest_async.testing import EmulatorConfig, FakePractiTest

LIMIT, WINDOW = 30, 0.2
PROJECT = 1
SCENARIOS = ("ours", "auto_create", "lookup+post")


def results(n: int) -> list[RunResult]:
    return [
        RunResult(f"test {i:06d}", "FAILED" if i % 10 == 0 else "PASSED", duration=1.5)
        for i in range(n)
    ]


async def _per_result(client: Client, todo: list[RunResult], scenario: str, set_id: int) -> None:
    queue: asyncio.Queue[RunResult] = asyncio.Queue()
    for item in todo:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            result = queue.get_nowait()
            exit_code = 0 if result.status.value == "PASSED" else 1
            if scenario == "auto_create":
                await client.runs.auto_create(
                    PROJECT, set_id=set_id, test_name=result.name, exit_code=exit_code
                )
            else:
                page = await client.instances.list(
                    PROJECT, set_ids=[set_id], name_exact=result.name
                )
                draft = RunDraft(instance_id=page.items[0].id, exit_code=exit_code)
                await client.runs.create(PROJECT, draft)

    await asyncio.gather(*(worker() for _ in range(8)))


async def child(scenario: str, n: int, url: str, token: str, set_id: int) -> dict[str, Any]:
    """One upload, measured from inside its own process."""
    todo = results(n)
    rate = RateLimit(calls=LIMIT, period=WINDOW, latency_margin=0.02)
    cpu0, wall0 = time.process_time(), time.monotonic()
    async with Client(token, base_url=url, rate_limit=rate) as client:
        if scenario == "ours":
            report = await client.upload_results(PROJECT, todo, test_set=set_id)
            assert report.ok, report.failed[:3]
        else:
            await _per_result(client, todo, scenario, set_id)
        calls = client.api_calls
    return {
        "calls": calls,
        "wall": time.monotonic() - wall0,
        "cpu_us_per_result": (time.process_time() - cpu0) / n * 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def measure(scenario: str, n: int) -> dict[str, Any]:
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as fake:
        test_set = fake.add_set(PROJECT, "Benchmark")
        for i in range(n):
            test = fake.add_test(PROJECT, f"test {i:06d}")
            fake.add_instance(PROJECT, test_set.id, test.id)
        args = [sys.executable, __file__, "--child", scenario, str(n), fake.url, fake.token]
        proc = await asyncio.create_subprocess_exec(*args, str(test_set.id), stdout=subprocess.PIPE)
        out, _ = await proc.communicate()
        row: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        row.update(
            scenario=scenario,
            n=n,
            runs=len(fake.state.runs),
            max_per_window=fake.max_calls_in_any_window(),
            rejected=fake.stats.rate_limited,
        )
        return row


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| N | uploader | calls | calls/result | max calls in any window (limit 30) | 429s "
        "| wall s | lower bound s | wall / bound | CPU µs/result | peak RSS MB |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        bound = r["calls"] / (LIMIT / WINDOW)
        lines.append(
            f"| {r['n']:,} | {r['scenario']} | {r['calls']:,} | {r['calls'] / r['n']:.3f} "
            f"| {r['max_per_window']} | {r['rejected']} | {r['wall']:.1f} | {bound:.1f} "
            f"| {r['wall'] / bound:.2f} | {r['cpu_us_per_result']:.0f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="result counts (repeatable)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scenario, n, url, token, set_id = args.child
        print(json.dumps(asyncio.run(child(scenario, int(n), url, token, int(set_id)))))
        return
    sizes = args.n or [1_000, 10_000]
    rows = []
    for n in sizes:
        for scenario in SCENARIOS:
            rows.append(asyncio.run(measure(scenario, n)))
            print(f"  measured {scenario} at N={n:,}", file=sys.stderr)
    print(f"\nRate window compressed to {LIMIT} calls per {WINDOW} s ({Path(__file__).name}).\n")
    print(table(rows))


if __name__ == "__main__":
    main()
