"""Raw-HTTP helpers for the emulator's own tests (these never use the SDK client)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest

from practitest_async.testing import FakePractiTest

# Importing the fixtures makes them available even when the package is not installed
# (its pytest11 entry point then is not registered).
from practitest_async.testing.pytest_plugin import (
    practitest_emulator,
    practitest_emulator_factory,
)

__all__ = ["practitest_emulator", "practitest_emulator_factory"]

P1 = "/api/v2/projects/1"


@attrs.frozen
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def titles(self) -> list[str]:
        return [e["title"] for e in self.body["errors"]]

    @property
    def data(self) -> Any:
        return self.body["data"]


class Api:
    """Plain aiohttp requests against one emulator, authenticated with PTToken by default."""

    def __init__(self, session: aiohttp.ClientSession, fake: FakePractiTest) -> None:
        self.session, self.fake = session, fake

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        raw: str | None = None,
        **kwargs: Any,
    ) -> Answer:
        sent = {"Content-Type": "application/json"}
        if auth:
            sent["PTToken"] = self.fake.token
        sent.update(headers or {})
        data = raw if body is None else json.dumps(body)
        async with self.session.request(
            method, self.fake.url + path, data=data, headers=sent, **kwargs
        ) as resp:
            text = await resp.text()
            parsed = json.loads(text) if text and "json" in resp.content_type else text
            return Answer(resp.status, parsed, dict(resp.headers))

    async def get(self, path: str, **kwargs: Any) -> Answer:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any, **kwargs: Any) -> Answer:
        return await self.call("POST", path, body, **kwargs)

    async def put(self, path: str, body: Any, **kwargs: Any) -> Answer:
        return await self.call("PUT", path, body, **kwargs)

    async def delete(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return await self.call("DELETE", path, body, **kwargs)


@pytest.fixture
async def fake(practitest_emulator: FakePractiTest) -> FakePractiTest:
    return practitest_emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def api(session: aiohttp.ClientSession, fake: FakePractiTest) -> Api:
    return Api(session, fake)


def basic(user: str, password: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def attrs_body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"attributes": attributes}}


def set_with_tests(fake: FakePractiTest, count: int, project_id: int = 1) -> list[int]:
    """A set with ``count`` fresh tests; returns the instance ids."""
    tests = [fake.add_test(project_id, f"t{n}").id for n in range(count)]
    test_set = fake.add_set(project_id, "regression", test_ids=tests)
    return [i.id for i in fake.state.instances_of_set(test_set.id)]
