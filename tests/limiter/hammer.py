"""One OS process of the shared-budget tests: hammer one account through a shared limiter.

Usage: python hammer.py URL TOKEN LIMITER KEY --tasks N --start-at EPOCH --duration S
       [--calls 30 --period 1 --margin 0.1] [--upload N]
Waits until ``start-at`` (so every process starts together), then for ``duration`` seconds runs
``tasks`` concurrent GETs (or, with --upload N, uploads N results), and prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import time

from practitest_async import Client, RateLimit, RetryPolicy, RunResult


async def main(args: argparse.Namespace) -> None:
    rate = RateLimit(calls=args.calls, period=args.period, latency_margin=args.margin)
    retry = RetryPolicy(backoff_base=0.01, max_rate_limit_pauses=50)
    client = Client(
        args.token,
        base_url=args.url,
        rate_limit=rate,
        limiter=args.limiter,
        limiter_key=args.key,
        retry=retry,
    )
    async with client:
        await asyncio.sleep(max(0.0, args.start_at - time.time()))
        done = 0
        uploaded = 0
        if args.upload:
            results = [RunResult(f"{args.name} {i:04d}", "PASSED") for i in range(args.upload)]
            report = await client.upload_results(1, results, test_set=args.name)
            uploaded = report.uploaded
            done = client.api_calls
        else:

            async def worker() -> None:
                nonlocal done
                while True:
                    await client.request("GET", "/api/v2/projects.json")
                    done += 1

            # At the end the waiters are cancelled (and give their slots back).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(args.duration):
                    await asyncio.gather(*(worker() for _ in range(args.tasks)))
        stats = client.limiter.stats  # type: ignore[attr-defined]
        print(
            json.dumps(
                {
                    "calls": done,
                    "uploaded": uploaded,
                    "rate_limited": client.transport.stats.rate_limited,
                    "late": stats.late,
                    "store_lost": stats.store_lost,
                    "pauses": stats.pauses,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("url", "token", "limiter", "key"):
        parser.add_argument(name)
    parser.add_argument("--tasks", type=int, default=1)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--period", type=float, default=1.0)
    parser.add_argument("--margin", type=float, default=0.1)
    parser.add_argument("--upload", type=int, default=0)
    parser.add_argument("--name", default="shared")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    asyncio.run(main(parser.parse_args()))
