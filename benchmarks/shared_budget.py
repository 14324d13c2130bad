"""k processes, one account: how each limiter spends the budget (issue 8).

For k = 1, 2, 4, 8 OS processes, each an SDK upload of its own results (a set of its own, tests
created, runs posted) to ONE emulated account with a compressed window (30 calls per 3 s), with
``local`` (each process paces alone, today's AccountLimiter), ``sqlite`` (one file) and
``redis`` (a redis-server started here on a free port). Every process has its own token of the
account and the same PRACTITEST_LIMITER_KEY. Printed per row: calls, 429s, the most calls that
reached the emulator in any window (limit 30), budget use over the run (calls / (elapsed x 30 /
3 s)), wall time against the lower bound (calls / rate), and each process's share of the calls.

Run: python benchmarks/shared_budget.py [--results 60] [--ks 1,2,4,8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT, PERIOD, MARGIN = 30, 3.0, 0.06


async def worker(url: str, token: str, limiter: str, key: str, n: int, start_at: float) -> None:
    from practitest_async import Client, RateLimit, RetryPolicy, RunResult

    rate = RateLimit(calls=LIMIT, period=PERIOD, latency_margin=MARGIN)
    retry = RetryPolicy(max_rate_limit_pauses=100)
    client = Client(
        token, base_url=url, rate_limit=rate, limiter=limiter, limiter_key=key, retry=retry
    )
    async with client:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        results = [RunResult(f"{token} test {i:03d}", "PASSED") for i in range(n)]
        report = await client.upload_results(1, results, test_set=f"set of {token}")
    print(json.dumps({"uploaded": report.uploaded, "calls": client.api_calls}), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def one_run(kind: str, k: int, n: int, store: str, folder: Path) -> dict[str, object]:
    from practitest_async.testing import EmulatorConfig, FakePractiTest, TokenGrant

    tokens = {f"job{i}": TokenGrant(account_id=1, user_id=1) for i in range(k)}
    config = EmulatorConfig(limit=LIMIT, window=PERIOD, tokens=tokens)
    async with FakePractiTest(config) as fake:
        start_at = time.time() + 1.5 + 0.25 * k
        key = f"bench-{kind}-{k}-{start_at}"  # PRACTITEST_LIMITER_KEY: one budget per run
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--worker",
                fake.url,
                token,
                store,
                key,
                str(n),
                str(start_at),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env={**os.environ, "XDG_CACHE_HOME": str(folder)},
            )
            for token in tokens
        ]
        outs = [json.loads((await p.communicate())[0].decode().splitlines()[-1]) for p in procs]
        ok = [r for r in fake.log if r.status != 429]
        times = sorted(r.time for r in fake.log)
        elapsed = times[-1] - times[0]
        rate = LIMIT / PERIOD
        calls = len(fake.log)
        return {
            "kind": kind,
            "k": k,
            "calls": calls,
            "429s": fake.stats.rate_limited,
            "max_window": fake.max_calls_in_any_window(PERIOD),
            "use": len(ok) / (elapsed * rate) if elapsed else 1.0,
            "wall": elapsed,
            "bound": (len(ok) - 1) / rate,
            "shares": [o["calls"] for o in outs],
            "uploaded": sum(o["uploaded"] for o in outs),
        }


async def main(args: argparse.Namespace) -> None:
    redis_bin = shutil.which("redis-server")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = None
        kinds = [kind for kind in ("local", "sqlite") if kind in args.kinds]
        if redis_bin and "redis" in args.kinds:
            port = free_port()
            server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the runs
                [redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                stdout=subprocess.DEVNULL,
                cwd=tmp,
            )
            time.sleep(0.5)  # noqa: ASYNC251 - nothing else runs yet
            kinds.append("redis")
        print(
            f"{args.results} results per process; limit {LIMIT} calls per {PERIOD:g} s "
            f"(margin {MARGIN:g} s); one emulated account, one token per process"
        )
        head = "| limiter | k | calls | 429s | max in any window | use | wall / bound | shares |"
        print(head)
        print("|---|---|---|---|---|---|---|---|")
        try:
            for kind in kinds:
                for k in args.ks:
                    store = {
                        "local": "local",
                        "sqlite": f"sqlite://{folder / f'budget-{k}.db'}",
                        "redis": f"redis://127.0.0.1:{port if server else 0}/0",
                    }[kind]
                    row = await one_run(kind, k, args.results, store, folder)
                    wall, bound = float(row["wall"]), float(row["bound"])  # type: ignore[arg-type]
                    print(
                        f"| {kind} | {k} | {row['calls']} | {row['429s']} | "
                        f"{row['max_window']} / {LIMIT} | {float(row['use']):.1%} | "  # type: ignore[arg-type]
                        f"{wall:.1f} s / {bound:.1f} s = {wall / bound if bound else 1:.2f}x | "
                        f"{' '.join(str(s) for s in row['shares'])} |",  # type: ignore[attr-defined]
                        flush=True,
                    )
        finally:
            if server is not None:
                server.kill()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, token, limiter, key, n, start_at = sys.argv[2:8]
        asyncio.run(worker(url, token, limiter, key, int(n), float(start_at)))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--results", type=int, default=60)
        parser.add_argument(
            "--ks", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8]
        )
        parser.add_argument("--kinds", default="local,sqlite,redis")
        asyncio.run(main(parser.parse_args()))
