"""Shared set-up for the pytest plugin's tests: an emulator at a compressed 30-calls-per-second
limit, and an inner pytest session (a subprocess, so the plugin loads through its entry point as
in a user's install, and xdist works) pointed at it through ``PRACTITEST_*`` variables."""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest, Run

PROJECT = 1
UPLOAD = ("--practitest", "--practitest-project", str(PROJECT))


def pytest_configure(config: pytest.Config) -> None:
    # ``pytest_plugins = ["pytester"]`` is refused in a conftest that is not loaded at start-up
    # (tests/plugin is not, when pytest runs from the root), so pytester is registered here.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakePractiTest]:
    """The emulator, with the inner session's environment pointing at it."""
    async with FakePractiTest(EmulatorConfig(limit=30, window=1.0)) as emulator:
        for name in os.environ:
            if name.startswith("PRACTITEST_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv("PRACTITEST_TOKEN", emulator.token)
        monkeypatch.setenv("PRACTITEST_BASE_URL", emulator.url)
        monkeypatch.setenv("PRACTITEST_RATE_LIMIT", "30")
        monkeypatch.setenv("PRACTITEST_RATE_PERIOD", "1")
        yield emulator


async def run_pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner pytest session in a subprocess; a thread waits for it, so that the emulator,
    on this test's event loop, keeps answering."""
    return await asyncio.to_thread(pytester.runpytest_subprocess, *args, timeout=60)


def summary_lines(result: pytest.RunResult) -> list[str]:
    """The plugin's ``PractiTest: ...`` lines in the inner session's output."""
    return [line for line in result.outlines if line.startswith("PractiTest:")]


def runs_by_test(fake: FakePractiTest) -> dict[str, list[Run]]:
    """The runs the emulator holds, by the name of their test."""
    names = {t.id: t.name for t in fake.state.tests.values()}
    runs: dict[str, list[Run]] = defaultdict(list)
    for run in fake.state.runs.values():
        runs[names[run.test_id]].append(run)
    return dict(runs)


def status_by_test(fake: FakePractiTest) -> dict[str, str]:
    """Each test's run status (the test must have exactly one run)."""
    statuses = {}
    for name, runs in runs_by_test(fake).items():
        assert len(runs) == 1, f"{name}: {len(runs)} runs"
        statuses[name] = runs[0].status
    return statuses


def full_output(fake: FakePractiTest, run: Run) -> str:
    """What the run says: its execution output, and the full-output file when it was cut."""
    files = fake.state.attachments_of("run", run.id)
    return "\n".join([run.automated_execution_output or ""] + [f.content.decode() for f in files])
