"""Shared by the examples: a client for PractiTest when PRACTITEST_TOKEN is set, otherwise for
the built-in emulator (started here), so every example runs without an account."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from practitest_async import Client, RateLimit
from practitest_async.testing import EmulatorConfig, FakePractiTest


@contextlib.asynccontextmanager
async def connect() -> AsyncIterator[tuple[Client, int]]:
    """(client, project id)."""
    if os.environ.get("PRACTITEST_TOKEN"):
        async with Client.from_env() as client:
            yield client, int(os.environ["PRACTITEST_PROJECT"])
        return
    window = 2.0  # PractiTest's 30 calls per 60 s, shortened so the example is quick
    async with FakePractiTest(EmulatorConfig(limit=30, window=window)) as fake:
        rate = RateLimit(calls=30, period=window, latency_margin=0.05)
        async with Client(fake.token, base_url=fake.url, rate_limit=rate) as client:
            yield client, 1
