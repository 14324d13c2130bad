"""Setting a client up: the three auth modes, from_env, plain http refused, open/closed state."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from conftest import client_for

from practitest_async import Client, ClientClosedError, ConfigurationError
from practitest_async.testing import FakePractiTest
from practitest_async.xray import XrayClient

PROJECTS = "/api/v2/projects.json"


@pytest.fixture
async def recording_session() -> AsyncIterator[tuple[aiohttp.ClientSession, list[Any]]]:
    """A session that records the headers and URL of every request it sends."""
    sent: list[Any] = []

    async def on_start(_: Any, __: Any, params: aiohttp.TraceRequestStartParams) -> None:
        sent.append(SimpleNamespace(url=params.url, headers=dict(params.headers)))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield session, sent


async def test_header_auth_sends_pttoken_only(
    emulator: FakePractiTest, recording_session: Any
) -> None:
    session, sent = recording_session
    async with client_for(emulator, auth="header", session=session) as client:
        page = await client.projects.list()
    assert [p.id for p in page.items] == [1]
    assert sent[0].headers["PTToken"] == emulator.token
    assert "Authorization" not in sent[0].headers
    assert "api_token" not in sent[0].url.query
    assert emulator.log[0].status == 200


async def test_basic_auth_sends_email_and_token(
    emulator: FakePractiTest, recording_session: Any
) -> None:
    session, sent = recording_session
    async with client_for(
        emulator, auth="basic", email="ci@example.com", session=session
    ) as client:
        page = await client.projects.list()
    assert [p.id for p in page.items] == [1]
    scheme, encoded = sent[0].headers["Authorization"].split()
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == f"ci@example.com:{emulator.token}"
    assert "PTToken" not in sent[0].headers
    assert emulator.log[0].query.get("api_token") is None


async def test_query_auth_sends_api_token_and_developer_email(emulator: FakePractiTest) -> None:
    async with client_for(emulator, auth="query", email="ci@example.com") as client:
        page = await client.projects.list()
    assert [p.id for p in page.items] == [1]
    assert emulator.log[0].query["api_token"] == emulator.token
    assert emulator.log[0].query["developer_email"] == "ci@example.com"


def test_an_unknown_auth_mode_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="auth must be one of"):
        Client("t", auth="cookie")  # type: ignore[arg-type]


@pytest.mark.parametrize("token", ["", "   "])
def test_an_empty_token_is_refused(token: str) -> None:
    with pytest.raises(ConfigurationError, match="token is required"):
        Client(token)


@pytest.mark.parametrize(
    "url",
    ["http://api.practitest.com", "http://10.0.0.5:8080", "http://example.com/", "ftp://x"],
)
def test_plain_http_is_refused_unless_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError, match="http"):
        Client("t", base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.practitest.com",
        "https://eu1-prod-api.practitest.app/",
        "http://127.0.0.1:8080",
        "http://localhost:1234",
        "http://[::1]:8080",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    client = Client("t", base_url=url)
    assert client.transport.base_url == url.rstrip("/")


@pytest.mark.parametrize("env", [{}, {"PRACTITEST_TOKEN": ""}, {"PRACTITEST_TOKEN": "  "}])
def test_from_env_without_a_token_is_a_configuration_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="PRACTITEST_TOKEN"):
        Client.from_env(env)


@pytest.mark.parametrize(
    ("name", "value"), [("PRACTITEST_AUTH", "cookie"), ("PRACTITEST_RATE_LIMIT", "lots")]
)
def test_from_env_with_a_bad_setting_names_it(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Client.from_env({"PRACTITEST_TOKEN": "t", name: value})


async def test_from_env_builds_a_working_client(emulator: FakePractiTest) -> None:
    env = {
        "PRACTITEST_TOKEN": emulator.token,
        "PRACTITEST_BASE_URL": emulator.url,
        "PRACTITEST_AUTH": "query",
        "PRACTITEST_RATE_LIMIT": "600",
    }
    async with Client.from_env(env) as client:
        page = await client.projects.list()
    assert [p.name for p in page.items] == ["Demo project"]
    assert client.rate_limit.calls == 600
    assert emulator.log[0].query["api_token"] == emulator.token


async def test_a_client_used_outside_its_context_says_so(emulator: FakePractiTest) -> None:
    client = client_for(emulator)
    with pytest.raises(ClientClosedError, match="async with"):
        await client.projects.list()
    async with client:
        await client.projects.list()
    with pytest.raises(ClientClosedError, match="closed"):
        await client.projects.list()
    with pytest.raises(ClientClosedError, match="closed"):
        await client.__aenter__()
    await client.aclose()  # closing twice is harmless
    assert len(emulator.log) == 1


async def test_a_session_passed_in_is_left_open(emulator: FakePractiTest) -> None:
    async with aiohttp.ClientSession() as session:
        async with client_for(emulator, session=session) as client:
            await client.projects.list()
        assert not session.closed


@pytest.mark.parametrize(
    "url",
    [
        "https://bob:hunter22@api.practitest.com",
        "https://hunter22@api.practitest.com",
        "ftp://bob:hunter22@api.practitest.com",
        "http://bob:hunter22@example.com",
    ],
)
def test_a_password_in_the_base_url_is_refused_without_showing_it(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user name or password in the URL would be printed wherever the URL is (the client's
    repr, "projects visible at ...", errors) and named in the budget's file: refused."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(ConfigurationError) as caught:
        Client("t" * 10, base_url=url)
    assert "hunter22" not in str(caught.value)
    assert "user name or password" in str(caught.value) or "http(s)" in str(caught.value)
    assert not any("hunter22" in p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ConfigurationError) as caught:
        XrayClient(url, token="t" * 10)
    assert "hunter22" not in str(caught.value)
