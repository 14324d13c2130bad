"""The token never shows: not in repr(client), logs, exception messages or printed links.

With query auth PractiTest (and the emulator) repeats ``api_token`` in every ``links`` URL of a
list answer, so these tests use query auth wherever a leak could happen.
"""

from __future__ import annotations

import asyncio
import logging
import traceback

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from conftest import StartEmulator, client_for

from practitest_async import NotFoundError, RetryPolicy, TransportError
from practitest_async.testing import FakePractiTest, TokenGrant

SECRET = "s3cr3t-T0KEN-4566"


@pytest.fixture
async def fake(start_emulator: StartEmulator) -> FakePractiTest:
    fake = await start_emulator(tokens={SECRET: TokenGrant(account_id=1, user_id=1)})
    for n in range(5):
        fake.add_test(1, f"test {n}")
    return fake


def everything_printed(error: BaseException) -> str:
    """What a user sees of an exception: str, repr, and the whole chained traceback."""
    return "\n".join([str(error), repr(error), "".join(traceback.format_exception(error))])


async def test_the_emulator_does_echo_the_token_in_links(fake: FakePractiTest) -> None:
    # The threat is real: a raw answer to query auth carries the token in its links.
    async with aiohttp.ClientSession() as session:
        url = f"{fake.url}/api/v2/projects/1/tests.json"
        params = {"api_token": SECRET, "page[size]": "2"}
        async with session.get(url, params=params) as resp:
            body = await resp.json()
    assert SECRET in body["links"]["next"]


@pytest.mark.parametrize("auth", ["header", "basic", "query"])
async def test_no_token_in_repr_logs_errors_or_links(
    fake: FakePractiTest, auth: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script_fault("GET", "tests.json", "error_503", count=1)  # a retry, which is logged
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        async with client_for(fake, token=SECRET, auth=auth) as client:
            seen += [repr(client), str(client), repr(client.transport), repr(client.limiter)]
            tests = await client.tests.list(1).to_list()
            seen.append(repr(tests))
            raw = await client.request(
                "GET", "/api/v2/projects/1/tests.json", params={"page[size]": 2}
            )
            seen.append(repr(raw))
            with pytest.raises(NotFoundError) as caught:
                await client.tests.get(1, 999)
            seen.append(everything_printed(caught.value))

    assert len(tests) == 5
    assert raw["meta"]["total-count"] == 5
    assert raw["links"]["next"]
    assert fake.stats.requests("GET")[0].status == 503  # the retry happened and was logged
    logged = [r.getMessage() for r in caplog.records if not _emulator_side(r)]
    assert any("retrying" in line for line in logged)
    for text in seen + logged:
        assert SECRET not in text


async def test_no_token_in_a_connect_timeout(caplog: pytest.LogCaptureFixture) -> None:
    # aiohttp's own message for a connect timeout is "Connection timeout to host <full URL>",
    # and with query auth that URL holds api_token.
    connector = aiohttp.TCPConnector(resolver=SlowResolver())
    retry = RetryPolicy(max_attempts=2, backoff_base=0.01)
    with caplog.at_level(logging.DEBUG):
        async with aiohttp.ClientSession(connector=connector) as session:
            client = client_for(
                FakePractiTest(),
                token=SECRET,
                auth="query",
                base_url="http://localhost:9",
                session=session,
                timeout=aiohttp.ClientTimeout(total=5, connect=0.2),
                retry=retry,
            )
            async with client:
                with pytest.raises(TransportError) as caught:
                    await client.projects.list()

    printed = everything_printed(caught.value)
    assert "timeout" in printed.lower()
    assert SECRET not in printed
    assert all(SECRET not in r.getMessage() for r in caplog.records)


class SlowResolver(AbstractResolver):
    """Name resolution that never finishes in time (a connect timeout on loopback)."""

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        await asyncio.sleep(10)
        return []

    async def close(self) -> None:
        pass


def _emulator_side(record: logging.LogRecord) -> bool:
    """Records of the emulator's server, which sees the token by design."""
    return record.name.startswith(("practitest_async.testing", "aiohttp.server", "aiohttp.web"))
