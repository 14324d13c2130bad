"""Serve the fake Xray: ``python -m practitest_async.testing xray [--flavor cloud] [--port N]``.

Loopback only. Prints the URL and the credentials; Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from practitest_async.testing.fake import check_loopback
from practitest_async.testing.xray.fake import FakeXray, XrayFakeConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m practitest_async.testing xray", description="Serve a fake Xray."
    )
    parser.add_argument("--flavor", choices=("server", "cloud"), default="server")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--limit", type=int, default=300, help="calls per window")
    parser.add_argument("--window", type=float, default=300.0, help="window, seconds")
    parser.add_argument("--max-body", type=int, default=100 * 1024 * 1024, help="413 above")
    parser.add_argument("--project", action="append", help="Jira project keys (default CALC)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = XrayFakeConfig(
        flavor=args.flavor,
        limit=args.limit,
        window=args.window,
        max_body=args.max_body,
        projects=tuple(args.project or ("CALC",)),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with FakeXray(config, host=args.host, port=args.port) as fake:
        print(f"fake Xray ({config.flavor}) at {fake.url}", flush=True)
        for name, value in fake.credentials().items():
            print(f"XRAY_{name.upper()}={value}", flush=True)
        print(f"limit: {config.limit} calls per {config.window:g} s; Ctrl-C stops", flush=True)
        await stop.wait()
    print("stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
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
