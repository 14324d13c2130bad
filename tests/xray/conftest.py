"""Fixtures for the Xray target: a fake Xray of each flavor, and clients of it.

Every test talks to a real ``FakeXray`` on 127.0.0.1 through the public ``XrayClient`` and then
asserts what reached the fake (``fake.state``, ``fake.log``) and what the upload returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from practitest_async import RateLimit, RetryPolicy
from practitest_async.testing.xray import FakeXray, XrayFakeConfig
from practitest_async.xray import XrayClient

PROJECT = "CALC"
UNHURRIED = RateLimit(calls=10_000, period=1.0, latency_margin=0.0)
QUICK_RETRY = RetryPolicy(max_attempts=3, max_elapsed=5.0, backoff_base=0.01, backoff_max=0.05)

StartFake = Callable[..., Awaitable[FakeXray]]


@pytest.fixture(params=["server", "cloud"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def start_fake(flavor: str) -> AsyncIterator[StartFake]:
    """``await start_fake(**config)``: a fake Xray of the test's flavor, closed afterwards."""
    started: list[FakeXray] = []

    async def start(**config: Any) -> FakeXray:
        config.setdefault("flavor", flavor)
        config.setdefault("limit", 100_000)
        config.setdefault("window", 1.0)
        fake = await FakeXray(XrayFakeConfig(**config)).start()
        started.append(fake)
        return fake

    yield start
    for fake in reversed(started):
        await fake.close()


@pytest.fixture
async def fake(start_fake: StartFake) -> FakeXray:
    return await start_fake()


def client_for(fake: FakeXray, **options: Any) -> XrayClient:
    """A client of ``fake`` (not opened), unhurried and quick to retry unless the test says
    otherwise. Its limiter is this process's own (``"local"``) unless the test chooses one."""
    options.setdefault("rate_limit", UNHURRIED)
    options.setdefault("limiter", "local")
    options.setdefault("retry", QUICK_RETRY)
    for name, value in fake.credentials().items():
        options.setdefault(name, value)
    return XrayClient(fake.url, flavor=fake.config.flavor, **options)


def runs_per_test(fake: FakeXray) -> Counter[str]:
    """How many Test Runs each Test has, over every execution (keyed by the Test's summary)."""
    names = {t.key: t.summary for t in fake.state.tests.values()}
    return Counter(names.get(r.test_key, r.test_key) for r in fake.state.runs)
