"""Hostile answers the emulator alone never gives, through a proxy in front of it: redirects to
another origin, an error page that echoes our headers, a Retry-After of a day, a server that
stops answering, a 200 that is not a document."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import time
from collections.abc import AsyncIterator

import pytest
from conftest import StartEmulator, client_for

from practitest_async import RetryPolicy
from practitest_async.errors import (
    APIError,
    CircuitOpenError,
    RedirectError,
    ResponseDecodeError,
    RetryAfterTooLongError,
)
from practitest_async.testing import FakePractiTest, TokenGrant
from practitest_async.testing.proxy import FaultProxy

SECRET = "s3cr3t-T0KEN-4566"
EMAIL = "dev.person@example.com"
TESTS = "/api/v2/projects/1/tests.json"
NEW_TEST = {"data": {"type": "tests", "attributes": {"name": "t", "author-id": 1}}}


@pytest.fixture
async def fake(start_emulator: StartEmulator) -> FakePractiTest:
    return await start_emulator(tokens={SECRET: TokenGrant(account_id=1, user_id=1)})


@pytest.fixture
async def proxy(fake: FakePractiTest) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(fake.url) as proxy:
        yield proxy


@pytest.fixture
async def elsewhere() -> AsyncIterator[FaultProxy]:
    """Another origin, recording whatever reaches it."""
    async with FaultProxy() as other:
        yield other


def _leaks(other: FaultProxy) -> list[str]:
    return [f"{a.method} {a.path} {a.query} {a.headers}" for a in other.log]


@pytest.mark.parametrize(("method", "status"), [("GET", 302), ("POST", 307), ("GET", 308)])
async def test_a_redirect_to_another_origin_is_an_error_naming_it_and_never_followed(
    fake: FakePractiTest, proxy: FaultProxy, elsewhere: FaultProxy, method: str, status: int
) -> None:
    proxy.redirect(method, "tests.json", f"{elsewhere.url}/collect", status=status)
    tests_before = len(fake.state.tests)
    async with client_for(fake, token=SECRET, base_url=proxy.url) as client:
        with pytest.raises(RedirectError) as caught:
            await client.request(method, TESTS, json=NEW_TEST if method == "POST" else None)

    assert elsewhere.log == [], _leaks(elsewhere)
    assert elsewhere.url in str(caught.value)  # names where it pointed
    assert "another origin" in str(caught.value)
    assert caught.value.status == status
    assert len(fake.state.tests) == tests_before  # the POST was applied nowhere


async def test_with_query_auth_a_location_repeating_the_token_goes_nowhere(
    fake: FakePractiTest, proxy: FaultProxy, elsewhere: FaultProxy
) -> None:
    location = f"{elsewhere.url}/api/v2/projects/1/tests.json?api_token={SECRET}&page=2"
    proxy.redirect("GET", "tests.json", location, status=302)
    async with client_for(fake, token=SECRET, auth="query", base_url=proxy.url) as client:
        with pytest.raises(RedirectError) as caught:
            await client.request("GET", TESTS)

    assert elsewhere.log == []
    assert SECRET not in f"{caught.value} {caught.value!r}"


async def test_a_redirect_within_the_origin_is_followed_with_credentials(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    fake.add_test(1, "moved")
    proxy.redirect("GET", "/old/tests.json", f"{proxy.url}{TESTS}", status=301)
    async with client_for(fake, token=SECRET, auth="query", base_url=proxy.url) as client:
        answer = await client.request("GET", "/old/tests.json")

    assert [t["attributes"]["name"] for t in answer["data"]] == ["moved"]
    followed = proxy.log[-1]
    assert followed.path == TESTS
    assert list(followed.query).count("api_token") == 1


async def test_a_storage_redirect_never_carries_a_token_the_location_repeats(
    fake: FakePractiTest, proxy: FaultProxy, elsewhere: FaultProxy
) -> None:
    proxy.redirect("GET", "download", f"{elsewhere.url}/blob?api_token={SECRET}&sig=1")
    async with client_for(fake, token=SECRET, auth="query", base_url=proxy.url) as client:
        await client.transport.request("GET", "/api/v2/projects/1/attachments/1/download", raw=True)

    assert len(elsewhere.log) == 1
    assert elsewhere.log[0].query == {"sig": "1"}
    assert SECRET not in str(elsewhere.log[0].headers)


async def test_basic_auth_credentials_echoed_by_an_error_page_are_redacted(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    proxy.echo_headers("GET", "tests.json", status=400)
    encoded = base64.b64encode(f"{EMAIL}:{SECRET}".encode()).decode()
    async with client_for(
        fake, token=SECRET, auth="basic", email=EMAIL, base_url=proxy.url
    ) as client:
        with pytest.raises(APIError) as caught:
            await client.request("GET", TESTS)

    printed = f"{caught.value}\n{caught.value!r}\n{caught.value.body}"
    assert "Authorization" in printed  # the page was echoed...
    assert proxy.log[0].headers["Authorization"] == f"Basic {encoded}"
    for secret in (encoded, SECRET, EMAIL):  # ...without what it echoed
        assert secret not in printed


async def test_a_retry_after_beyond_the_cap_fails_at_once_and_sends_nothing_more(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    proxy.reply("*", "*", status=429, headers={"Retry-After": "100000"}, count=None)
    retry = RetryPolicy(max_retry_after=5)
    started = time.monotonic()
    async with client_for(fake, token=SECRET, base_url=proxy.url, retry=retry) as client:
        with pytest.raises(RetryAfterTooLongError) as caught:
            await client.request("GET", TESTS)
        with pytest.raises(RetryAfterTooLongError):
            await client.request("POST", TESTS, json=NEW_TEST)

    assert time.monotonic() - started < 2
    assert len(proxy.log) == 1  # the second was never sent
    assert "100000 s" in str(caught.value)
    assert "rate-limited" in str(caught.value)


async def test_the_default_cap_is_three_rate_periods(fake: FakePractiTest) -> None:
    async with client_for(fake, token=SECRET) as client:
        assert client.transport.retry.max_retry_after == 3 * client.rate_limit.period


async def test_the_circuit_opens_after_requests_in_a_row_got_no_answer(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    proxy.black_hole()
    retry = RetryPolicy(max_attempts=2, backoff_base=0.01, circuit_failures=3)
    started = time.monotonic()
    async with client_for(
        fake, token=SECRET, base_url=proxy.url, retry=retry, timeout=0.3
    ) as client:
        with pytest.raises(Exception):  # noqa: B017, PT011 - two timeouts, not yet open
            await client.request("GET", TESTS)
        with pytest.raises(CircuitOpenError) as caught:  # the third timeout opens it
            await client.request("GET", TESTS)
        sent = len(proxy.log)
        for _ in range(20):
            with pytest.raises(CircuitOpenError):
                await client.request("POST", TESTS, json=NEW_TEST)

    assert sent == 3
    assert len(proxy.log) == sent  # nothing more was sent while the circuit was open
    assert time.monotonic() - started < 3  # 3 timeouts, not 23
    assert caught.value.failures == 3
    assert "TimeoutError" in str(caught.value)


async def test_an_answer_closes_the_circuit_after_the_cool_down(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    proxy.black_hole(count=1)
    retry = RetryPolicy(max_attempts=1, circuit_failures=1, circuit_cooldown=0.3)
    async with client_for(
        fake, token=SECRET, base_url=proxy.url, retry=retry, timeout=0.3
    ) as client:
        with pytest.raises(Exception):  # noqa: B017, PT011
            await client.request("GET", TESTS)
        with pytest.raises(CircuitOpenError):
            await client.request("GET", TESTS)
        await asyncio.sleep(0.35)
        assert "data" in await client.request("GET", TESTS)
        assert "data" in await client.request("GET", TESTS)


@pytest.mark.parametrize(
    ("body", "said"), [(b"", "an empty body"), (b"[]", "list"), (b"<html>", "not JSON")]
)
async def test_a_200_that_is_not_a_document_is_a_named_error(
    fake: FakePractiTest, proxy: FaultProxy, body: bytes, said: str
) -> None:
    proxy.reply("GET", "sets.json", body=body)
    async with client_for(fake, token=SECRET, base_url=proxy.url) as client:
        with pytest.raises(ResponseDecodeError) as caught:
            await client.sets.list(1).to_list()

    assert caught.value.status == 200
    assert caught.value.method == "GET"
    assert caught.value.path == "/api/v2/projects/1/sets.json"
    assert said in str(caught.value)


async def test_a_retry_after_given_as_a_date_is_capped_too(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    tomorrow = email.utils.formatdate(time.time() + 86400, usegmt=True)
    proxy.reply("GET", "tests.json", status=429, headers={"Retry-After": tomorrow})
    async with client_for(fake, token=SECRET, base_url=proxy.url) as client:
        with pytest.raises(RetryAfterTooLongError) as caught:
            await client.request("GET", TESTS)

    assert 86000 < caught.value.retry_after <= 86400


async def test_an_unreadable_location_is_a_redirect_error_not_a_traceback(
    fake: FakePractiTest, proxy: FaultProxy
) -> None:
    proxy.redirect("GET", "tests.json", "http://[::1/x", status=302)
    async with client_for(fake, token=SECRET, base_url=proxy.url) as client:
        with pytest.raises(RedirectError, match="unreadable"):
            await client.request("GET", TESTS)
