"""Shared fixtures: start emulators, connect clients to them, line calls up with fixed windows.

Every test that talks HTTP talks to a real ``FakePractiTest`` on 127.0.0.1 through the public
``Client``; it then asserts what reached the emulator (``fake.log``, ``fake.stats``,
``fake.state``) and what the call returned.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from practitest_async import Client, RateLimit, RetryPolicy
from practitest_async.testing import EmulatorConfig, FakePractiTest

# A limit high enough that the limiter never gets in the way of tests about something else.
UNHURRIED = RateLimit(calls=1000, period=1.0, latency_margin=0.0)
# Retries fast enough for tests; the bounds are what the tests check.
QUICK_RETRY = RetryPolicy(max_attempts=4, max_elapsed=10.0, backoff_base=0.01, backoff_max=0.05)

StartEmulator = Callable[..., Awaitable[FakePractiTest]]


def pytest_configure(config: pytest.Config) -> None:
    """The default limiter keeps the account's budget in a file under $XDG_CACHE_HOME: give each
    session (each xdist worker) its own, so tests never share a budget with each other's
    sessions or with the user's uploads. Subprocesses (CLI, workers) inherit it."""
    if not getattr(config, "_practitest_cache", None):
        folder = tempfile.mkdtemp(prefix="practitest-test-cache-")
        config._practitest_cache = folder  # type: ignore[attr-defined]
        os.environ["XDG_CACHE_HOME"] = folder


@pytest.fixture
async def start_emulator() -> AsyncIterator[StartEmulator]:
    """``await start_emulator(limit=..., window=..., **config)``: a started emulator, closed after
    the test. Without ``limit`` it allows 1000 calls a second, so only tests about the limit
    meet it."""
    started: list[FakePractiTest] = []

    async def start(**config: Any) -> FakePractiTest:
        config.setdefault("limit", 1000)
        config.setdefault("window", 1.0)
        fake = await FakePractiTest(EmulatorConfig(**config)).start()
        started.append(fake)
        return fake

    yield start
    for fake in reversed(started):
        await fake.close()


@pytest.fixture
async def emulator(start_emulator: StartEmulator) -> FakePractiTest:
    """An emulator with the default seed (project 1, user 1) and a limit out of the way."""
    return await start_emulator()


def client_for(fake: FakePractiTest, **options: Any) -> Client:
    """A client of ``fake`` (not opened: use ``async with``), unhurried and quick to retry
    unless the test says otherwise. Its limiter is this process's own (``"local"``) unless the
    test chooses one: tests about the shared budget (tests/limiter) choose theirs."""
    options.setdefault("rate_limit", UNHURRIED)
    options.setdefault("limiter", "local")
    options.setdefault("retry", QUICK_RETRY)
    if "base_url" not in options:
        options["base_url"] = fake.url
    token = options.pop("token", fake.token)
    return Client(token, **options)


async def sleep_to_window_start(window: float, after: float = 0.02) -> None:
    """Wait for the start of the emulator's next fixed (clock-aligned) window."""
    await asyncio.sleep(window - time.time() % window + after)
