"""``FakePractiTest``: the emulator served on 127.0.0.1, with its state, counters and faults."""

from __future__ import annotations

import ipaddress
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from practitest_async.testing.config import EmulatorConfig
from practitest_async.testing.faults import Faults
from practitest_async.testing.records import (
    CustomField,
    Instance,
    Issue,
    Milestone,
    Project,
    Requirement,
    Test,
    TestSet,
    User,
)
from practitest_async.testing.server import Emulator
from practitest_async.testing.stats import RequestRecord, Stats
from practitest_async.testing.store import Store


def check_loopback(host: str) -> None:
    """The emulator never listens beyond this machine."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the emulator only listens on loopback, not {host!r}")


class FakePractiTest:
    """An in-process PractiTest API v2. ``async with FakePractiTest() as fake:`` serves it
    at ``fake.url``; ``fake.token`` is a valid token, ``fake.state`` the data,
    ``fake.stats`` what arrived."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        check_loopback(host)
        self.config = config or EmulatorConfig()
        self.host, self._port = host, port
        self._emulator = Emulator(self.config)
        self._runner: web.AppRunner | None = None

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> Self:
        runner = web.AppRunner(
            self._emulator.app(), handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (paths start with /api/v2)."""
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def token(self) -> str:
        """A valid token: the first one configured."""
        return next(iter(self.config.tokens))

    # --- state, counters, faults --------------------------------------------------------

    @property
    def state(self) -> Store:
        return self._emulator.store

    @property
    def stats(self) -> Stats:
        return self._emulator.stats

    @property
    def log(self) -> list[RequestRecord]:
        return self.stats.log

    def max_calls_in_any_window(
        self, window: float | None = None, account: int | None = None
    ) -> int:
        return self.stats.max_calls_in_any_window(window, account)

    @property
    def faults(self) -> Faults:
        return self._emulator.injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._emulator.injector.faults = faults

    def script_fault(self, method: str, target: str, kind: str, count: int = 1) -> None:
        """Force the next ``count`` requests matching ``method`` ("*" = any) and ``target``
        (route template or path suffix, e.g. "runs.json") to fail as ``kind``:
        error_500/502/503/504, drop_before_apply, drop_after_apply, timeout, rate_limited."""
        self._emulator.injector.script(method, target, kind, count)

    def clear_faults(self) -> None:
        self._emulator.injector.clear()

    # --- seeding (delegates to the store) -----------------------------------------------

    def add_project(self, name: str, **fields: Any) -> Project:
        return self.state.add_project(name, **fields)

    def add_user(self, email: str, **fields: Any) -> User:
        return self.state.add_user(email, **fields)

    def add_test(self, project_id: int, name: str, **fields: Any) -> Test:
        return self.state.add_test(project_id, name, **fields)

    def add_set(self, project_id: int, name: str, **fields: Any) -> TestSet:
        return self.state.add_set(project_id, name, **fields)

    def add_instance(self, project_id: int, set_id: int, test_id: int, **fields: Any) -> Instance:
        return self.state.add_instance(project_id, set_id, test_id, **fields)

    def add_custom_field(
        self, project_id: int, name: str, field_format: str = "text", **fields: Any
    ) -> CustomField:
        return self.state.add_custom_field(project_id, name, field_format, **fields)

    def add_requirement(self, project_id: int, name: str, **fields: Any) -> Requirement:
        return self.state.add_requirement(project_id, name, **fields)

    def add_issue(self, project_id: int, title: str, **fields: Any) -> Issue:
        return self.state.add_issue(project_id, title, **fields)

    def add_milestone(self, project_id: int, name: str, **fields: Any) -> Milestone:
        return self.state.add_milestone(project_id, name, **fields)
