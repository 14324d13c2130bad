"""Xray's budget through the shared limiter (issue 13): one budget per Xray instance, shared by
every client and process configured with the same store, separate from PractiTest's.

The window is compressed (Xray Cloud's 300 calls per 2 s instead of per 5 minutes); the fake
Xray counts every call in its fixed windows and answers 429 beyond the limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from limiter.conftest import RedisServer, need_redis

from practitest_async import AccountLimiter, RunResult, SharedLimiter
from practitest_async.errors import ConfigurationError
from practitest_async.limiter import budget_key as practitest_budget_key
from practitest_async.testing.xray import FakeXray, XrayFakeConfig
from practitest_async.xray import ChunkRule, XrayClient
from practitest_async.xray.client import budget_key, cloud_rate_limit

from .conftest import PROJECT, client_for

CALLS, PERIOD = 300, 2.0
ONE_PER_IMPORT = ChunkRule(max_tests=1)


def _results(prefix: str, n: int) -> list[RunResult]:
    return [RunResult(f"{prefix}.t{i:03d}") for i in range(n)]


async def _two_clients_upload(fake: FakeXray, spec: str, per_client: int) -> list[Any]:
    budget = cloud_rate_limit(period=PERIOD)
    assert budget.calls == CALLS
    one = client_for(fake, rate_limit=budget, limiter=spec)
    two = client_for(fake, rate_limit=budget, limiter=spec)
    assert one.limiter is not two.limiter  # separate limiter objects: only the store is shared
    assert isinstance(one.limiter, SharedLimiter)
    assert one.limiter.key == two.limiter.key == one.budget_key
    async with one, two:
        # Start at a fixed window's start: the most the two can put into one window. (With
        # limiter="local" instead, these uploads earn 429s: each client alone paces at 300.)
        await asyncio.sleep(PERIOD - time.time() % PERIOD + 0.02)
        return list(
            await asyncio.gather(
                *(
                    xray.upload_results(
                        _results(name, per_client),
                        project_key=PROJECT,
                        summary=name,
                        chunks=ONE_PER_IMPORT,
                        concurrency=4,
                    )
                    for xray, name in ((one, "a"), (two, "b"))
                )
            )
        )


async def _cloud_fake() -> FakeXray:
    config = XrayFakeConfig(flavor="cloud", limit=CALLS, window=PERIOD)
    return await FakeXray(config).start()


def _assert_shared_without_429(fake: FakeXray, reports: list[Any], per_client: int) -> None:
    assert all(r.ok for r in reports), [r.failed[:3] for r in reports]
    assert [r.status for r in fake.log].count(429) == 0
    assert fake.calls_in_any_window(PERIOD) <= CALLS
    assert len(fake.state.runs) == 2 * per_client
    assert len(fake.log) > CALLS  # more than one window's budget was needed


async def test_two_clients_on_one_sqlite_spec_share_the_cloud_budget(tmp_path: Path) -> None:
    fake = await _cloud_fake()
    try:
        reports = await _two_clients_upload(fake, f"sqlite:///{tmp_path / 'xray.db'}", 170)
    finally:
        await fake.close()
    _assert_shared_without_429(fake, reports, 170)


async def test_two_clients_on_one_redis_share_the_cloud_budget(tmp_path: Path) -> None:
    need_redis()
    server = RedisServer(tmp_path).start()
    fake = await _cloud_fake()
    try:
        reports = await _two_clients_upload(fake, server.url, 170)
    finally:
        await fake.close()
        server.kill()
    _assert_shared_without_429(fake, reports, 170)


def test_the_default_is_a_shared_file_per_instance_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cloud = XrayClient("https://xray.cloud.getxray.app", client_id="cid-1", client_secret="S3CR3T")
    other = XrayClient("https://xray.cloud.getxray.app", client_id="cid-2", client_secret="S3CR3T")
    server = XrayClient("https://jira.example.com:8443", username="me", password="pw-s3cr3t")
    for client in (cloud, other, server):
        assert isinstance(client.limiter, SharedLimiter)
        where = client.limiter.description
        assert where.startswith(f"sqlite://{tmp_path}/practitest-async/")
        assert "xray" in where
        for text in (where, client.limiter.key, repr(client), repr(client.limiter)):
            assert "S3CR3T" not in text
            assert "pw-s3cr3t" not in text
    assert cloud.limiter.description != other.limiter.description  # type: ignore[attr-defined]
    assert server.budget_key == "xray:server:jira.example.com:8443"
    # Xray's budget is never PractiTest's, whatever the credentials
    assert cloud.budget_key != practitest_budget_key("https://xray.cloud.getxray.app", "S3CR3T")


def test_a_user_name_and_password_in_the_url_stay_out_of_the_key() -> None:
    key = budget_key("https://bob:hunter2@jira.example.com/", "server", None)
    assert key == "xray:server:jira.example.com"


async def test_an_unreachable_redis_is_a_clear_error_when_the_client_opens() -> None:
    client = XrayClient(
        "https://jira.example.com", token="t", limiter="redis://user:hunter2@127.0.0.1:1/0"
    )
    with pytest.raises(ConfigurationError) as caught:
        async with client:
            pass
    assert "redis://127.0.0.1:1/0" in str(caught.value)
    assert "hunter2" not in str(caught.value)


async def test_a_429_is_logged_as_xray_not_practitest(caplog: Any, tmp_path: Path) -> None:
    fake = await FakeXray(XrayFakeConfig(flavor="server", limit=2, window=1.0)).start()
    greedy = cloud_rate_limit(period=1.0)  # 300 a second: the fake's 2 are met by 429s
    try:
        for spec in ("local", f"sqlite:///{tmp_path / 'budget.db'}"):
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="practitest_async"):
                async with client_for(fake, rate_limit=greedy, limiter=spec) as xray:
                    report = await xray.upload_results(
                        _results("c", 4), project_key=PROJECT, summary="x", chunks=ONE_PER_IMPORT
                    )
            assert report.ok
            assert "Xray rate limit hit (429)" in caplog.text, spec
            assert "PractiTest" not in caplog.text, spec
    finally:
        await fake.close()


def test_practitest_keeps_its_label() -> None:
    assert AccountLimiter().label == "PractiTest"


def test_a_configured_key_names_one_budget_for_several_api_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    env = {"XRAY_CLIENT_SECRET": "S3CR3T", "XRAY_LIMITER_KEY": "acme"}
    one = XrayClient.from_env({**env, "XRAY_CLIENT_ID": "cid-1"})
    two = XrayClient.from_env({**env, "XRAY_CLIENT_ID": "cid-2"})
    assert one.budget_key == two.budget_key == "xray:acme"
    assert one.limiter.description == two.limiter.description  # type: ignore[attr-defined]
    # the same name for PractiTest is another budget (another service, another limit)
    assert practitest_budget_key("https://api.practitest.com", "t", "acme") != one.budget_key
    plain = XrayClient.from_env({**env, "XRAY_CLIENT_ID": "cid-1", "XRAY_LIMITER_KEY": " "})
    assert plain.budget_key.startswith("xray:cloud:")
