"""Xray's transport against a hostile or misconfigured server: credentials never follow a
redirect, and what the user sees is a clear error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from practitest_async import Client, RateLimit, RunResult
from practitest_async.errors import ConfigurationError, RedirectError
from practitest_async.testing.xray import FakeXray, XrayFakeConfig
from practitest_async.xray import ChunkRule, XrayClient

from .conftest import PROJECT, QUICK_RETRY, UNHURRIED, client_for

SECRET = "client-secret-0123456789"


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def thief() -> AsyncIterator[tuple[str, list[bytes]]]:
    """Another origin that records what reaches it."""
    seen: list[bytes] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(await request.read() + request.headers.get("Authorization", "").encode())
        return web.json_response("stolen-jwt")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner, url = await _serve(app)
    yield url, seen
    await runner.cleanup()


@pytest.mark.parametrize("flavor", ["cloud", "server"])
async def test_a_redirect_to_another_origin_is_not_followed(
    thief: tuple[str, list[bytes]], flavor: str
) -> None:
    elsewhere, seen = thief

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(elsewhere + request.path)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    runner, url = await _serve(app)
    credentials = (
        {"client_id": "cid", "client_secret": SECRET} if flavor == "cloud" else {"token": SECRET}
    )
    try:
        async with XrayClient(
            url,
            flavor=flavor,  # type: ignore[arg-type]
            limiter="local",
            rate_limit=UNHURRIED,
            retry=QUICK_RETRY,
            **credentials,
        ) as xray:
            report = await xray.upload_results([RunResult("a.b")], project_key=PROJECT)
    finally:
        await runner.cleanup()
    assert seen == []  # nothing, and above all not the secret, reached the other origin
    assert not report.ok
    error = report.fatal_error or report.failed[0].error
    assert "redirect to " + elsewhere in str(error)
    assert SECRET not in str(error)
    if report.fatal_error is not None:
        assert isinstance(report.fatal_error, RedirectError)


async def test_a_retry_after_beyond_the_cap_fails_fast_instead_of_pausing_for_it() -> None:
    """Jira says "come back in 100 s" to a client whose window is 1 s: waiting would hold every
    process of the budget that long; the upload stops at once with the reason."""
    fake = await FakeXray(XrayFakeConfig(flavor="server", limit=1, window=100.0)).start()
    try:
        async with client_for(
            fake, limiter="local", rate_limit=RateLimit(calls=50, period=1.0, latency_margin=0.0)
        ) as xray:
            started = time.monotonic()
            report = await asyncio.wait_for(
                xray.upload_results(
                    [RunResult(f"t.{i}") for i in range(3)],
                    project_key=PROJECT,
                    chunks=ChunkRule(max_tests=1),
                ),
                30,
            )
            elapsed = time.monotonic() - started
    finally:
        await fake.close()
    assert elapsed < 10
    assert not report.ok
    errors = [str(report.fatal_error)] + [str(f.error) for f in report.failed]
    assert any("Retry-After" in e or "retry after" in e.lower() for e in errors), errors


def test_a_retry_after_given_as_a_date_is_read() -> None:
    from email.utils import formatdate

    from practitest_async.xray.transport import rate_limit_wait

    wait = rate_limit_wait({"Retry-After": formatdate(time.time() + 30, usegmt=True)})
    assert wait is not None
    assert 25 <= wait <= 31


@pytest.mark.parametrize("where", ["directory", "missing folder"])
async def test_a_journal_that_cannot_be_opened_is_a_clear_error(
    fake: FakeXray, tmp_path: Path, where: str
) -> None:
    journal = tmp_path if where == "directory" else tmp_path / "no" / "such" / "j.sqlite"
    async with client_for(fake) as xray:
        with pytest.raises(ConfigurationError, match="journal") as caught:
            await xray.upload_results([RunResult("a.b")], project_key=PROJECT, journal=journal)
    assert str(journal) in str(caught.value)
    assert fake.log == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: XrayClient("https://[::1", token="abcdefgh"),
        lambda: XrayClient("https://jira.example.com", token="abcdefgh", limiter="redis://[::1"),
        lambda: Client("abcdefgh", base_url="https://[::1"),
        lambda: Client("abcdefgh", limiter="redis://:pw-s3cr3t@[::1"),
    ],
)
def test_an_unparsable_url_is_a_configuration_error(make: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make()
    assert "pw-s3cr3t" not in str(caught.value)
