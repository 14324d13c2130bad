"""pytest fixtures for the PractiTest emulator.

``practitest_emulator`` is a started ``FakePractiTest`` with default settings;
``practitest_emulator_factory(config)`` starts one with your ``EmulatorConfig`` (closed after
the test). Both are async fixtures for pytest-asyncio. Imports stay light until used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from practitest_async.testing.config import EmulatorConfig
    from practitest_async.testing.fake import FakePractiTest

    EmulatorFactory = Callable[..., Awaitable[FakePractiTest]]

try:  # strict mode needs pytest_asyncio.fixture; auto mode takes either
    from pytest_asyncio import fixture as async_fixture
except ImportError:  # pragma: no cover - pytest-asyncio missing: plain fixtures
    async_fixture = pytest.fixture  # type: ignore[assignment]


@async_fixture
async def practitest_emulator() -> AsyncIterator[FakePractiTest]:
    from practitest_async.testing.fake import FakePractiTest

    async with FakePractiTest() as fake:
        yield fake


@async_fixture
async def practitest_emulator_factory() -> AsyncIterator[EmulatorFactory]:
    from practitest_async.testing.fake import FakePractiTest

    started: list[FakePractiTest] = []

    async def start(config: EmulatorConfig | None = None, **kwargs: Any) -> FakePractiTest:
        fake = await FakePractiTest(config, **kwargs).start()
        started.append(fake)
        return fake

    try:
        yield start
    finally:
        for fake in reversed(started):
            await fake.close()
