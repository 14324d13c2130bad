"""Retries and their bounds, timeouts, and the rule that a POST is never sent twice blindly.

Faults are scripted in the emulator (``fake.script_fault``); each test counts what reached it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import StartEmulator, client_for

from practitest_async import (
    OutcomeUnknownError,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from practitest_async.testing import FakePractiTest

PROJECTS = "/api/v2/projects.json"
TESTS = "/api/v2/projects/1/tests.json"
NEW_TEST = {"data": {"type": "tests", "attributes": {"name": "login works", "author-id": 1}}}


def arrivals(fake: FakePractiTest, method: str, path: str) -> list[Any]:
    return [r for r in fake.log if r.method == method and r.path == path]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_get_is_retried_through_a_passing_server_error(
    emulator: FakePractiTest, status: int
) -> None:
    emulator.script_fault("GET", "projects.json", f"error_{status}", count=2)
    async with client_for(emulator) as client:
        page = await client.projects.list()
        retries = client.transport.stats.retries

    assert [p.name for p in page.items] == ["Demo project"]
    assert [r.status for r in arrivals(emulator, "GET", PROJECTS)] == [status, status, 200]
    assert retries == 2


async def test_get_gives_up_after_max_attempts_with_server_error(emulator: FakePractiTest) -> None:
    emulator.script_fault("GET", "projects.json", "error_503", count=100)
    retry = RetryPolicy(max_attempts=3, backoff_base=0.01)
    async with client_for(emulator, retry=retry) as client:
        with pytest.raises(ServerError) as caught:
            await client.projects.list()

    assert len(arrivals(emulator, "GET", PROJECTS)) == 3
    assert caught.value.status == 503
    assert "GET /api/v2/projects.json -> 503" in str(caught.value)
    assert "injected server error" in str(caught.value)


async def test_get_gives_up_when_the_time_budget_is_spent(emulator: FakePractiTest) -> None:
    emulator.script_fault("GET", "projects.json", "error_500", count=1000)
    retry = RetryPolicy(max_attempts=1000, max_elapsed=0.5, backoff_base=0.1, backoff_max=0.1)
    async with client_for(emulator, retry=retry) as client:
        started = time.monotonic()
        with pytest.raises(ServerError):
            await client.projects.list()
        took = time.monotonic() - started

    assert took < 1.5
    assert 2 <= len(arrivals(emulator, "GET", PROJECTS)) < 100


@pytest.mark.parametrize("status", [500, 503])
async def test_post_with_a_server_error_is_not_resent(
    emulator: FakePractiTest, status: int
) -> None:
    emulator.script_fault("POST", "tests.json", f"error_{status}", count=1)
    async with client_for(emulator) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.request("POST", TESTS, json=NEW_TEST)

    assert len(arrivals(emulator, "POST", TESTS)) == 1
    assert caught.value.payload == NEW_TEST  # what to check before deciding to send it again
    assert caught.value.status == status
    assert "POST /api/v2/projects/1/tests.json" in str(caught.value)


@pytest.mark.parametrize("fault", ["drop_after_apply", "drop_before_apply"])
async def test_post_whose_connection_drops_is_not_resent(
    emulator: FakePractiTest, fault: str
) -> None:
    emulator.script_fault("POST", "tests.json", fault, count=1)
    async with client_for(emulator) as client:
        await client.projects.list()  # a kept-alive connection, which aiohttp would re-send on
        with pytest.raises(OutcomeUnknownError):
            await client.request("POST", TESTS, json=NEW_TEST)
        assert client.transport.stats.by_route["POST /api/v2/projects/{id}/tests.json"] == 1

    assert len(arrivals(emulator, "POST", TESTS)) == 1
    applied = [t.name for t in emulator.state.tests.values()]
    assert applied == (["login works"] if fault == "drop_after_apply" else [])


async def test_a_dropped_get_reaches_the_server_as_often_as_our_retry_loop_says(
    emulator: FakePractiTest,
) -> None:
    async with client_for(emulator) as client:
        await client.projects.list()  # warm a kept-alive connection
        emulator.script_fault("GET", "projects.json", "drop_before_apply", count=2)
        page = await client.projects.list()
        ours = client.transport.stats

    # aiohttp on its own re-sends a GET once when a kept-alive connection drops; that send
    # would be invisible to our count (and to the limiter). Turned off, the counts agree.
    assert [p.id for p in page.items] == [1]
    assert ours.calls == len(arrivals(emulator, "GET", PROJECTS)) == 4
    assert ours.retries == 2


async def test_a_hanging_server_times_out_a_get_after_bounded_retries(
    start_emulator: StartEmulator,
) -> None:
    fake = await start_emulator(timeout_fault_seconds=30.0)
    fake.script_fault("GET", "projects.json", "timeout", count=10)
    retry = RetryPolicy(max_attempts=3, backoff_base=0.01)
    async with client_for(fake, timeout=0.3, retry=retry) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            await client.projects.list()
        took = time.monotonic() - started

    assert len(arrivals(fake, "GET", PROJECTS)) == 3
    assert 0.9 <= took < 3.0
    assert "GET /api/v2/projects.json failed" in str(caught.value)


async def test_a_hanging_server_makes_a_post_outcome_unknown(start_emulator: StartEmulator) -> None:
    fake = await start_emulator(timeout_fault_seconds=30.0)
    fake.script_fault("POST", "tests.json", "timeout", count=10)
    async with client_for(fake, timeout=0.3) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.request("POST", TESTS, json=NEW_TEST)

    assert len(arrivals(fake, "POST", TESTS)) == 1
    assert caught.value.status is None
    assert "not re-sent" in str(caught.value)


async def test_nothing_listening_is_a_transport_error_after_retries() -> None:
    fake = await FakePractiTest().start()
    url = fake.url
    await fake.close()  # the port is free again: connections are refused
    # (the circuit breaker, which would stop the second call unsent, is tested on its own)
    retry = RetryPolicy(max_attempts=3, backoff_base=0.01, circuit_failures=10)
    async with client_for(fake, base_url=url, retry=retry) as client:
        with pytest.raises(TransportError):
            await client.projects.list()
        assert client.api_calls == 3
        # A POST that never connected cannot have been applied: it is retried like a GET.
        with pytest.raises(TransportError):
            await client.request("POST", TESTS, json=NEW_TEST)
        assert client.api_calls == 6


async def test_429_after_the_pause_budget_is_a_rate_limit_error(emulator: FakePractiTest) -> None:
    emulator.script_fault("GET", "projects.json", "rate_limited", count=100)
    rate_limit = RateLimit(calls=100, period=0.1, latency_margin=0.0)
    retry = RetryPolicy(max_rate_limit_pauses=2)
    async with client_for(emulator, rate_limit=rate_limit, retry=retry) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.projects.list()
        pauses = client.limiter.stats.pauses  # type: ignore[attr-defined]

    assert len(arrivals(emulator, "GET", PROJECTS)) == 3
    assert pauses == 2
    assert caught.value.status == 429
    assert "GET /api/v2/projects.json -> 429" in str(caught.value)
    assert "Too Many Requests" in str(caught.value)
