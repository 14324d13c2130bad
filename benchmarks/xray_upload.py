"""Xray upload benchmark: calls, bytes per call, wall time against the budget's lower bound,
client CPU per result and peak RSS, for 1,000 and 10,000 results, on the fake Xray Cloud.

    python benchmarks/xray_upload.py                 # window compressed to 5 s (Cloud: 300 s)
    python benchmarks/xray_upload.py --window 300    # the real window (slow)

The fake runs in its own process, so CPU and RSS are the client's alone; each scenario runs in
a fresh process too, so peak RSS is that scenario's. The budget is Cloud Standard's 300 calls per
window. The lower bound is the time the budget alone imposes on the calls made: a window for
every full 300 calls beyond the first 300 — (ceil(calls / 300) - 1) x window. Results look like
a CI run: 1 in 10 fails with 2 KB of output; 1 in 50 has a 20 KB screenshot.

Scenarios: the default chunk rule (1,000 tests or 8 MiB per import), and chunks of 25 tests,
which stands for many small jobs sharing one budget and makes the limiter work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import time
from typing import Any

CALLS = 300


def results(n: int) -> Any:
    from practitest_async import Attachment, RunResult

    shot = os.urandom(20_000)
    for i in range(n):
        failed = i % 10 == 0
        yield RunResult(
            f"com.acme.shop.module{i // 500}.Case{i // 20}.test_{i}",
            "FAILED" if failed else "PASSED",
            duration=0.05 + (i % 7) / 10,
            output=("AssertionError: expected 200 got 500\n" * 55) if failed else None,
            attachments=[Attachment("screen.png", shot)] if i % 50 == 0 else (),
        )


async def one(url: str, client_id: str, secret: str, n: int, max_tests: int, window: float) -> None:
    from practitest_async.xray import ChunkRule, XrayClient, cloud_rate_limit

    rate = cloud_rate_limit(period=window)
    cpu0, wall0 = time.process_time(), time.monotonic()
    async with XrayClient(
        url,
        flavor="cloud",
        client_id=client_id,
        client_secret=secret,
        rate_limit=rate,
        limiter="local",  # one process, measured alone: not the user's shared budget file
    ) as xray:
        report = await xray.upload_results(
            results(n),
            project_key="CALC",
            summary=f"bench {n}",
            chunks=ChunkRule(max_tests=max_tests),
        )
        stats = xray.transport.stats
    wall = time.monotonic() - wall0
    cpu = time.process_time() - cpu0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert report.ok, report.failed[:3]
    print(
        json.dumps(
            {
                "results": n,
                "max_tests": max_tests,
                "calls": stats.calls,
                "imports": report.imports,
                "bytes": stats.bytes_sent,
                "wall": wall,
                "lower_bound": (math.ceil(stats.calls / CALLS) - 1) * window,
                "cpu_per_result_us": cpu / n * 1e6,
                "peak_rss_mib": peak_kib / 1024,
                "pauses": report.rate_limit_pauses,
            }
        )
    )


def start_fake(window: float) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "practitest_async.testing", "xray", "--flavor", "cloud"),
            *("--limit", str(CALLS), "--window", str(window)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
    creds = dict(proc.stdout.readline().strip().partition("=")[::2] for _ in range(2))
    return proc, url, creds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--one", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        url, cid, secret, n, max_tests, window = args.one
        asyncio.run(one(url, cid, secret, int(n), int(max_tests), float(window)))
        return
    print(f"Cloud budget {CALLS} calls per {args.window:g} s window (compressed from 300 s)")
    header = (
        f"{'results':>8} {'chunk':>6} {'calls':>6} {'KiB/call':>9} {'wall s':>7} "
        f"{'bound s':>8} {'CPU µs/result':>14} {'peak RSS MiB':>13} {'429s':>5}"
    )
    print(header)
    for n in args.sizes:
        for max_tests in (1000, 25):
            fake, url, creds = start_fake(args.window)
            try:
                time.sleep(args.window - time.time() % args.window + 0.01)  # a fresh window
                out = subprocess.run(
                    [
                        *(sys.executable, __file__, "--one", url, creds["XRAY_CLIENT_ID"]),
                        *(creds["XRAY_CLIENT_SECRET"], str(n), str(max_tests), str(args.window)),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
            finally:
                fake.terminate()
                fake.wait()
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{row['results']:>8} {row['max_tests']:>6} {row['calls']:>6} "
                f"{row['bytes'] / row['calls'] / 1024:>9.1f} {row['wall']:>7.2f} "
                f"{row['lower_bound']:>8.2f} {row['cpu_per_result_us']:>14.1f} "
                f"{row['peak_rss_mib']:>13.1f} {row['pauses']:>5}",
                flush=True,
            )


if __name__ == "__main__":
    main()
