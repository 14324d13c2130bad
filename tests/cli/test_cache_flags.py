"""The command's id cache: a repeat upload reads only the set; off with --no-cache and, by
default, for an emulator on this machine (whose ids start again at 1 every time it starts)."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest

from .test_cli import CASES_IN_EXAMPLES, EXAMPLES, _cli, _env

TARGET = ("--project", "1", "--set", "Nightly")


@pytest.fixture
async def fake() -> AsyncIterator[FakePractiTest]:
    async with FakePractiTest(EmulatorConfig(limit=30, window=1.0)) as emulator:
        yield emulator


async def test_a_repeat_upload_with_the_cache_reads_only_the_set(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    cache = tmp_path / "ids.sqlite3"
    summary = tmp_path / "summary.json"
    env = _env(fake)

    first = await _cli(env, "upload", EXAMPLES, *TARGET, "--cache", cache)
    calls_before = fake.stats.total_calls
    code, out, err = await _cli(
        env, "upload", EXAMPLES, *TARGET, "--cache", cache, "--summary-json", summary
    )

    assert first[0] == 0, first
    assert code == 0, out + err
    runs = math.ceil(CASES_IN_EXAMPLES / 20)
    assert fake.stats.total_calls - calls_before == runs + 1  # the run POSTs and one GET
    assert json.loads(summary.read_text())["uploaded"] == CASES_IN_EXAMPLES
    assert len(fake.state.runs) == 2 * CASES_IN_EXAMPLES


async def test_no_cache_and_the_loopback_default_look_every_id_up(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    cache_home = tmp_path / "xdg"
    env = _env(fake, XDG_CACHE_HOME=str(cache_home))

    finds = []
    for extra in ((), ("--no-cache",), ()):
        code, out, err = await _cli(env, "upload", EXAMPLES, *TARGET, *extra)
        assert code == 0, out + err
        finds.append(len(fake.stats.requests("GET", "sets.json")))

    assert not (cache_home / "practitest-async" / "ids.sqlite3").exists()
    # the uploads after the first found the set by name, as an upload without a cache does
    assert finds[1] - finds[0] == finds[2] - finds[1] == 1
    assert not fake.stats.requests("GET", "sets/{id}.json")  # no remembered set id checked


async def test_cache_and_no_cache_together_are_a_usage_error(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    code, _out, err = await _cli(
        _env(fake), "upload", EXAMPLES, *TARGET, "--cache", tmp_path / "c", "--no-cache"
    )

    assert code == 2
    assert "not allowed with argument" in err


async def test_a_dry_run_says_the_time_at_the_configured_rate_and_the_per_class_cost(
    fake: FakePractiTest,
) -> None:
    from practitest_async import reports

    classes = sum(1 for _ in reports.read_reports(EXAMPLES, group_by="class"))
    # The real default pace: 29 calls per 61 s, about 28.5 calls a minute.
    env = _env(fake, PRACTITEST_RATE_PERIOD="60")

    code, out, err = await _cli(env, "upload", EXAMPLES, *TARGET, "--dry-run")

    assert code == 0, out + err
    writes = CASES_IN_EXAMPLES + 1  # an auto_create per new test, and the new set
    seconds = round(writes / 28.5 * 60)  # 48 s
    assert f"{writes} write calls, about {seconds} s at" in out
    assert "at the configured 28.5 calls a minute" in out
    assert f"with --test-per class: {classes} results" in out
    assert f"at most {classes + 1} write calls" in out
    assert classes < CASES_IN_EXAMPLES


def test_a_long_plan_is_said_in_hours() -> None:
    from practitest_async.batch.report import UploadPlan

    plan = UploadPlan(
        project_id=1,
        set_id=None,
        set_exists=False,
        results=1_000_000,
        already_uploaded=0,
        calls={"create set": 1, "auto_create": 1_000_000},
        lookup_calls=2,
        failures=[],
        calls_per_second=29 / 61,
    )

    assert "1000001 write calls, about 584 h 17 min at the configured 28.5 calls a minute" in (
        plan.summary()
    )


def test_a_default_cache_that_cannot_be_used_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from practitest_async.cli_common import upload_cache

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    args = argparse.Namespace(cache=None, no_cache=False)

    assert upload_cache(args, "https://api.practitest.com") is None
    assert "uploading without the id cache" in caplog.text
