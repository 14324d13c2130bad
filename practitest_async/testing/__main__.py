"""Serve the emulator: ``python -m practitest_async.testing --port 8080 [--limit 30 --window 60]``.

Loopback only. Prints the URL and a token; Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from practitest_async.testing.config import EmulatorConfig
from practitest_async.testing.fake import FakePractiTest, check_loopback


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m practitest_async.testing",
        description="Serve the PractiTest API v2 emulator.",
    )
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--limit", type=int, default=30, help="calls per window per account")
    parser.add_argument("--window", type=float, default=60.0, help="window length in seconds")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = EmulatorConfig(limit=args.limit, window=args.window)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, stop.set)
    async with FakePractiTest(config, host=args.host, port=args.port) as fake:
        print(f"PractiTest emulator at {fake.url}", flush=True)
        print(f"token: {fake.token}  (header PTToken: {fake.token})", flush=True)
        print(f"limit: {config.limit} calls per {config.window:g} s; Ctrl-C stops", flush=True)
        await stop.wait()
        stats = fake.stats
        busiest = stats.max_calls_by_account()
        print(
            f"stopped: {stats.total_calls} calls, {stats.rate_limited} refused with 429; "
            f"most calls in any {config.window:g} s window, by account: {busiest}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["xray"]:  # python -m practitest_async.testing xray: the fake Xray
        from practitest_async.testing.xray.__main__ import main as serve_xray

        return serve_xray(argv[1:])
    args = parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
