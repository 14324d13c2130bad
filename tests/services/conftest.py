"""The services' tests: an emulator with a generous rate limit, and a client paced for it, so
that a test's calls are not slowed by the 30-a-minute pacing of the real account limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from practitest_async import Client, RateLimit
from practitest_async.testing import EmulatorConfig, FakePractiTest, RequestRecord

PROJECT = 1
FAST_EMULATOR = EmulatorConfig(limit=10_000, window=1.0)
FAST_CLIENT = RateLimit(calls=10_000, period=1.0, latency_margin=0.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakePractiTest]:
    async with FakePractiTest(FAST_EMULATOR) as emulator:
        yield emulator


@pytest.fixture
async def client(fake: FakePractiTest) -> AsyncIterator[Client]:
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST_CLIENT) as c:
        yield c


def account_client(fake: FakePractiTest, **options: Any) -> Client:
    """A client using the emulator's first token, declared as an account token."""
    return Client(
        fake.token, base_url=fake.url, rate_limit=FAST_CLIENT, token_kind="account", **options
    )


def last_request(fake: FakePractiTest) -> RequestRecord:
    """What the emulator received last."""
    return fake.log[-1]


def wire(rec: RequestRecord) -> tuple[str, str, dict[str, str], Any]:
    """(method, path, query without paging, body) of a logged request."""
    query = {k: v for k, v in rec.query.items() if not k.startswith("page[")}
    return rec.method, rec.path, query, rec.body
