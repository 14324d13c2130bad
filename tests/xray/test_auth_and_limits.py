"""Auth per flavor, the JWT renewed once, secrets never shown, 429 pauses, the budget kept."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest

from practitest_async import RateLimit, RunResult
from practitest_async.testing.xray import FakeXray
from practitest_async.xray import ChunkRule, XrayClient

from .conftest import PROJECT, StartFake, client_for

ONE_PER_IMPORT = ChunkRule(max_tests=1)


def _results(n: int) -> list[RunResult]:
    return [RunResult(f"t.{i:03d}") for i in range(n)]


async def test_server_takes_basic_and_pat(start_fake: StartFake, flavor: str) -> None:
    if flavor == "cloud":
        pytest.skip("Server/DC auth")
    fake = await start_fake()
    c = fake.config
    async with client_for(fake, token=None, username=c.username, password=c.password) as xray:
        basic = await xray.upload_results(_results(2), project_key=PROJECT, summary="b")
    async with client_for(fake) as xray:
        pat = await xray.upload_results(_results(2), project_key=PROJECT, summary="p")
    assert basic.ok
    assert pat.ok
    assert [r.auth for r in fake.log] == ["basic", "pat"]


async def test_wrong_credentials_stop_the_upload_with_auth_error(fake: FakeXray) -> None:
    wrong = (
        {"client_secret": "not-the-secret"}
        if fake.config.flavor == "cloud"
        else {"token": "not-the-pat"}
    )
    async with client_for(fake, **wrong) as xray:
        report = await xray.upload_results(_results(3), project_key=PROJECT, summary="x")
    assert not report.ok
    assert report.fatal_error is not None
    assert "401" in str(report.fatal_error)
    assert len(report.failed) == 3
    assert fake.state.executions == {}


async def test_an_expired_jwt_is_renewed_once(start_fake: StartFake, flavor: str) -> None:
    if flavor == "server":
        pytest.skip("Cloud's JWT")
    fake = await start_fake()
    async with client_for(fake) as xray:
        first = await xray.upload_results(_results(2), project_key=PROJECT, summary="a")
        fake.expire_tokens()
        second = await xray.upload_results(_results(2), project_key=PROJECT, summary="b")
        assert first.ok
        assert second.ok
        assert [(r.path.rsplit("/", 1)[-1], r.status) for r in fake.log] == [
            ("authenticate", 200),
            ("execution", 200),
            ("execution", 401),
            ("authenticate", 200),
            ("execution", 200),
        ]
        # refused again right after renewing: no loop, a clear auth error
        fake.config.jwt_ttl = 3600
        fake.expire_tokens()
        fake._revoked_before = float("inf")  # every token refused from now on
        third = await xray.upload_results(_results(1), project_key=PROJECT, summary="c")
    assert third.fatal_error is not None
    assert "401" in str(third.fatal_error)
    assert [r.status for r in fake.log[5:]] == [401, 200, 401]


async def test_secrets_never_appear_in_logs_errors_or_reprs(
    fake: FakeXray, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    issued: list[str] = []
    issue = fake._issue_jwt

    def spy() -> str:
        issued.append(issue())
        return issued[-1]

    fake._issue_jwt = spy  # type: ignore[method-assign]
    c = fake.config
    secrets = [c.pat, c.password, c.client_secret]
    texts: list[str] = []
    async with client_for(fake) as xray:
        ok = await xray.upload_results(_results(2), project_key=PROJECT, summary="s")
        texts += [repr(xray), repr(xray.transport), repr(xray.transport.credentials), repr(ok)]
        fake.expire_tokens()
        fake.fail_next = [400]
        bad = await xray.upload_results(_results(2), project_key=PROJECT, summary="s2")
        texts += [str(f.error) for f in bad.failed] + [repr(bad)]
    wrong = (
        {"client_secret": c.client_secret + "x"} if c.flavor == "cloud" else {"token": c.pat + "x"}
    )
    async with client_for(fake, **wrong) as xray:
        refused = await xray.upload_results(_results(1), project_key=PROJECT, summary="s3")
        texts += [str(refused.fatal_error), repr(refused.fatal_error), repr(xray)]
    async with XrayClient(
        "http://127.0.0.1:9", flavor=c.flavor, **fake.credentials(), timeout=2
    ) as xray:
        gone = await xray.upload_results(_results(1), project_key=PROJECT, summary="s4")
        texts += [str(gone.fatal_error), repr(gone.fatal_error)]
    texts += [record.getMessage() for record in caplog.records]
    everything = "\n".join(texts)
    assert ok.ok
    assert bad.failed
    assert refused.fatal_error is not None
    assert gone.fatal_error is not None
    if c.flavor == "cloud":
        assert issued
        secrets += issued
    for secret in secrets:
        assert secret not in everything


@pytest.mark.parametrize("headers", [True, False])
async def test_429_pauses_then_the_upload_completes(
    start_fake: StartFake, flavor: str, headers: bool
) -> None:
    if flavor == "cloud" and headers:
        pytest.skip("Cloud sends no rate-limit headers")
    fake = await start_fake(limit=4, window=1.0, rate_limit_headers=headers)
    greedy = RateLimit(calls=1000, period=1.0, latency_margin=0.0)  # ignores the server's limit
    async with client_for(fake, rate_limit=greedy) as xray:
        started = time.monotonic()
        report = await xray.upload_results(
            _results(10), project_key=PROJECT, summary="429", chunks=ONE_PER_IMPORT
        )
        elapsed = time.monotonic() - started
    assert report.ok, report.failed
    assert report.rate_limit_pauses >= 1
    refused = [n for n, r in enumerate(fake.log) if r.status == 429]
    assert refused
    first = refused[0]
    after = next(r for r in fake.log[first:] if r.status == 200)
    assert after.time - fake.log[first].time >= 0.2  # paused, not hammering
    assert len(fake.state.runs) == 10
    assert len(fake.state.executions) == 1
    assert elapsed >= 1.0


async def test_the_cloud_budget_keeps_every_window_under_the_limit(start_fake: StartFake) -> None:
    fake = await start_fake(limit=6, window=1.0, rate_limit_headers=False)
    budget = RateLimit(calls=6, period=1.0, latency_margin=0.05)
    async with client_for(fake, rate_limit=budget) as xray:
        report = await xray.upload_results(
            _results(14), project_key=PROJECT, summary="paced", chunks=ONE_PER_IMPORT
        )
    assert report.ok
    assert [r.status for r in fake.log].count(429) == 0
    assert fake.calls_in_any_window(1.0) <= 6


def test_jira_rate_limit_headers_give_the_wait() -> None:
    from practitest_async.xray.transport import jwt_expiry, rate_limit_wait

    assert rate_limit_wait({"Retry-After": "7"}) == 7.0
    bucket = {"X-RateLimit-Interval-Seconds": "1", "X-RateLimit-FillRate": "5"}
    assert rate_limit_wait(bucket) == 0.2
    assert rate_limit_wait({}) is None  # the limiter then pauses a whole window
    assert jwt_expiry("not-a-jwt", 100.0) == 100.0 + 23 * 3600


async def test_concurrent_imports_refused_together_renew_the_jwt_once(
    start_fake: StartFake, flavor: str
) -> None:
    if flavor == "server":
        pytest.skip("Cloud's JWT")
    fake = await start_fake(import_delay=0.05)
    async with client_for(fake) as xray:
        await xray.upload_results(_results(1), project_key=PROJECT, summary="warm")
        key = next(iter(fake.state.executions))
        fake.expire_tokens()
        report = await xray.upload_results(
            _results(8), project_key=PROJECT, test_execution_key=key, chunks=ChunkRule(max_tests=2)
        )
    assert report.ok
    assert [r.path for r in fake.log].count("/api/v2/authenticate") == 2  # first, then one renewal


async def test_clients_sharing_a_limiter_share_the_budget(start_fake: StartFake) -> None:
    from practitest_async import AccountLimiter

    fake = await start_fake(limit=6, window=1.0, rate_limit_headers=False)
    shared = AccountLimiter(RateLimit(calls=6, period=1.0, latency_margin=0.05))
    async with client_for(fake, limiter=shared) as one, client_for(fake, limiter=shared) as two:
        reports = await asyncio.gather(
            one.upload_results(
                _results(8), project_key=PROJECT, summary="a", chunks=ONE_PER_IMPORT
            ),
            two.upload_results(
                _results(8), project_key=PROJECT, summary="b", chunks=ONE_PER_IMPORT
            ),
        )
    assert all(r.ok for r in reports)
    assert [r.status for r in fake.log].count(429) == 0
    assert fake.calls_in_any_window(1.0) <= 6


async def test_a_429_on_authentication_pauses_and_authenticates(start_fake: StartFake) -> None:
    fake = await start_fake(limit=1, window=1.0)
    if fake.config.flavor == "server":
        pytest.skip("Cloud's authentication")
    greedy = RateLimit(calls=1000, period=1.0, latency_margin=0.0)
    async with client_for(fake, rate_limit=greedy) as xray, aiohttp.ClientSession() as raw:
        await asyncio.sleep(1.0 - time.time() % 1.0 + 0.02)  # the start of a fixed window
        async with raw.get(fake.url + "/elsewhere") as spent:  # someone else spends the window
            assert spent.status == 401
        report = await xray.upload_results(_results(1), project_key=PROJECT, summary="a")
    assert report.ok
    assert [(r.path.rsplit("/", 1)[-1], r.status) for r in fake.log] == [
        ("elsewhere", 401),
        ("authenticate", 429),
        ("authenticate", 200),
        ("execution", 429),
        ("execution", 200),
    ]
