"""One execution, one Test Run per test: through lost answers, re-runs and SIGKILL."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from practitest_async import RunResult
from practitest_async.xray import ChunkRule

from .conftest import PROJECT, StartFake, client_for, runs_per_test

WORKER = Path(__file__).with_name("xray_worker.py")


def _results(n: int, prefix: str = "pkg.T.test_") -> list[RunResult]:
    return [RunResult(f"{prefix}{i:04d}", "FAILED" if i % 7 == 0 else "PASSED") for i in range(n)]


async def test_a_lost_answer_to_the_creating_import_leaves_one_execution(
    start_fake: StartFake,
) -> None:
    fake = await start_fake()
    fake.drop_after_apply = 1  # the first import is applied, then its connection dropped
    async with client_for(fake) as xray:
        report = await xray.upload_results(
            _results(50),
            project_key=PROJECT,
            summary="lost",
            chunks=ChunkRule(max_tests=20),
            reconcile_delay=0.01,
        )

    assert report.ok, report.failed
    assert len(fake.state.executions) == 1
    (execution,) = fake.state.executions.values()
    assert report.test_execution_key == execution.key
    assert runs_per_test(fake) == {f"pkg.T.test_{i:04d}": 1 for i in range(50)}
    assert all(r.imports == 1 for r in fake.state.runs)  # found by marker, not re-sent
    assert report.reconciled == 20
    assert report.uploaded == 50
    searches = [r for r in fake.log if "search" in r.path or "graphql" in r.path]
    assert len(searches) == 1


async def test_a_lost_answer_to_a_later_import_leaves_one_run_per_test(
    start_fake: StartFake,
) -> None:
    fake = await start_fake()
    fake.drop_imports = {2}  # the first import into the execution: applied, answer lost
    async with client_for(fake) as xray:
        report = await xray.upload_results(
            _results(60), project_key=PROJECT, summary="later", chunks=ChunkRule(max_tests=20)
        )
    assert [r.status for r in fake.imports].count(-1) == 1
    assert report.ok, report.failed
    assert len(fake.state.executions) == 1
    assert runs_per_test(fake) == {f"pkg.T.test_{i:04d}": 1 for i in range(60)}
    assert report.uploaded == 60


async def test_a_creating_import_that_was_not_applied_is_sent_again(
    start_fake: StartFake,
) -> None:
    fake = await start_fake()
    fake.fail_next = [503]  # refused before applying: outcome unknown to the client
    async with client_for(fake) as xray:
        report = await xray.upload_results(
            _results(10),
            project_key=PROJECT,
            summary="retry",
            reconcile_attempts=2,
            reconcile_delay=0.01,
        )
    assert report.ok
    assert len(fake.state.executions) == 1
    assert runs_per_test(fake) == {f"pkg.T.test_{i:04d}": 1 for i in range(10)}
    assert [r.status for r in fake.imports] == [503, 200]


async def test_a_rerun_with_the_journal_sends_only_the_rest_into_the_same_execution(
    start_fake: StartFake, tmp_path: Path
) -> None:
    fake = await start_fake()
    journal = tmp_path / "xray.sqlite"
    async with client_for(fake) as xray:
        first = await xray.upload_results(
            _results(30), project_key=PROJECT, summary="resume", journal=journal
        )
        second = await xray.upload_results(
            _results(45), project_key=PROJECT, summary="resume", journal=journal
        )
    assert first.test_execution_key == second.test_execution_key
    assert (second.already_uploaded, second.uploaded) == (30, 15)
    assert len(fake.state.executions) == 1
    assert runs_per_test(fake) == {f"pkg.T.test_{i:04d}": 1 for i in range(45)}
    assert len(fake.imports) == 2
    assert fake.imports[1].body["testExecutionKey"] == first.test_execution_key


async def _worker(url: str, flavor: str, credentials: dict[str, str], journal: Path, n: int):  # type: ignore[no-untyped-def]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        url,
        flavor,
        json.dumps(credentials),
        str(journal),
        str(n),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("kill_after_imports", [1, 4])
async def test_sigkill_mid_upload_then_rerun_completes_into_the_same_execution(
    start_fake: StartFake, tmp_path: Path, kill_after_imports: int
) -> None:
    n = 200
    fake = await start_fake(import_delay=0.05)
    journal = tmp_path / "xray.sqlite"
    worker = await _worker(fake.url, fake.config.flavor, fake.credentials(), journal, n)
    async with asyncio.timeout(60):
        # polling the fake is the point: kill once enough imports arrived
        while len(fake.imports) < kill_after_imports and worker.returncode is None:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    await asyncio.sleep(0.1)  # the import in flight is still applied by the server
    killed_at = len(fake.state.runs)
    assert len(fake.state.executions) <= 1

    again = await _worker(fake.url, fake.config.flavor, fake.credentials(), journal, n)
    out, err = await asyncio.wait_for(again.communicate(), 120)
    assert again.returncode == 0, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])

    assert killed_at >= 1
    assert len(fake.state.executions) == 1
    (execution,) = fake.state.executions.values()
    assert summary["execution"] == execution.key
    assert summary["failed"] == 0
    assert runs_per_test(fake) == {f"pkg.T.test_{i:04d}": 1 for i in range(n)}
    assert summary["uploaded"] + summary["already_uploaded"] == n
    assert summary["already_uploaded"] + summary["reconciled"] >= 1
