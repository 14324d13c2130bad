"""Shared set-up for the batch-layer tests: an emulator at a compressed 30-calls-per-second
limit, and clients paced for exactly that limit."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from practitest_async import Client, RateLimit
from practitest_async.testing import EmulatorConfig, FakePractiTest

PROJECT = 1
LIMIT = 30
WINDOW = 1.0
FAST = RateLimit(calls=LIMIT, period=WINDOW, latency_margin=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakePractiTest]:
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as emulator:
        yield emulator


@pytest.fixture
async def client(fake: FakePractiTest) -> AsyncIterator[Client]:
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as c:
        yield c


def runs_per_test(fake: FakePractiTest) -> Counter[str]:
    """How many runs the emulator holds for each test name."""
    names = {t.id: t.name for t in fake.state.tests.values()}
    return Counter(names[r.test_id] for r in fake.state.runs.values())


def posted_run_batches(fake: FakePractiTest) -> list[list[int]]:
    """The instance ids of every POST runs.json that reached the emulator."""
    batches = []
    for rec in fake.stats.requests("POST", "/api/v2/projects/{p}/runs.json"):
        data = rec.body["data"]
        items = data if isinstance(data, list) else [data]
        batches.append([item["attributes"]["instance-id"] for item in items])
    return batches


def seed_set(fake: FakePractiTest, name: str, tests: int, *, with_instances: int) -> int:
    """A set named ``name`` and ``tests`` tests, the first ``with_instances`` of them in it."""
    test_set = fake.add_set(PROJECT, name)
    for i in range(tests):
        test = fake.add_test(PROJECT, f"test {i:05d}")
        if i < with_instances:
            fake.add_instance(PROJECT, test_set.id, test.id)
    return test_set.id


ClientFactory = Callable[..., Awaitable[Client]]
