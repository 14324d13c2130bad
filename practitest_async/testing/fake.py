"""``FakePractiTest``: the emulator served on 127.0.0.1, with its state, counters and faults."""

from __future__ import annotations

import ipaddress
from typing import Any

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

from .serving import LoopbackServer


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


class FakePractiTest(LoopbackServer):
    """An in-process PractiTest API v2. ``async with FakePractiTest() as fake:`` serves it
    at ``fake.url``; ``fake.token`` is a valid token, ``fake.state`` the data,
    ``fake.stats`` what arrived."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        check_loopback(host)
        super().__init__(host, port)
        self.config = config or EmulatorConfig()
        self._emulator = Emulator(self.config)

    # --- lifecycle ----------------------------------------------------------------------

    what = "emulator"

    def make_app(self) -> web.Application:
        """The emulator's app."""
        return self._emulator.app()

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
