"""Nothing lost, nothing duplicated: through 5xx, dropped connections, re-runs and SIGKILL."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from practitest_async import Client, RetryPolicy, RunResult
from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import FAST, LIMIT, PROJECT, WINDOW, runs_per_test, seed_set

WORKER = Path(__file__).with_name("upload_worker.py")
QUICK_RETRY = RetryPolicy(backoff_base=0.01, backoff_max=0.05)


def _mixed(existing: int, new: int) -> list[RunResult]:
    results = [
        RunResult(f"test {i:05d}", "FAILED" if i % 5 == 0 else "PASSED") for i in range(existing)
    ]
    return results + [RunResult(f"new {i:03d}", "BLOCKED") for i in range(new)]


async def test_every_result_is_one_run_through_5xx_and_dropped_connections() -> None:
    faults = Faults(error_rate=0.05, drop_after_apply_rate=0.02, seed=2024)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Flaky", 350, with_instances=300)
        results = _mixed(350, 30)
        # On top of the random faults, make sure each kind of POST loses one answer.
        for route in ("runs.json", "runs/auto_create.json", "instances.json"):
            fake.script_fault("POST", route, "drop_after_apply")
        async with Client(fake.token, base_url=fake.url, rate_limit=FAST, retry=QUICK_RETRY) as c:
            report = await c.upload_results(PROJECT, results, test_set="Flaky")

        assert report.ok, report.failed[:3]
        assert report.uploaded == len(results)
        assert runs_per_test(fake) == {r.name: 1 for r in results}
        dropped = {r.route for r in fake.log if r.fault == "drop_after_apply"}
        assert {
            "/api/v2/projects/{p}/runs.json",
            "/api/v2/projects/{p}/runs/auto_create.json",
            "/api/v2/projects/{p}/instances.json",
        } <= dropped
        assert any(r.fault == "error" for r in fake.log)
        assert report.reconciled >= 21


async def test_a_lost_answer_is_reconciled_not_resent(fake: FakePractiTest) -> None:
    seed_set(fake, "Lost", 20, with_instances=20)
    fake.script_fault("POST", "runs.json", "drop_after_apply")
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST, retry=QUICK_RETRY) as c:
        report = await c.upload_results(PROJECT, _mixed(20, 0), test_set="Lost")

    assert report.ok, report.failed
    assert report.reconciled == 20
    assert len(fake.stats.requests("POST", "runs.json")) == 1
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(20)}
    assert set(report.run_ids.values()) == set(fake.state.runs)


async def test_a_refused_post_is_sent_again(fake: FakePractiTest) -> None:
    seed_set(fake, "Refused", 20, with_instances=20)
    fake.script_fault("POST", "runs.json", "error_503")
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST, retry=QUICK_RETRY) as c:
        report = await c.upload_results(PROJECT, _mixed(20, 0), test_set="Refused")

    assert report.ok, report.failed
    assert len(fake.stats.requests("POST", "runs.json")) == 2  # refused, then sent again
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(20)}


async def test_without_markers_an_unknown_outcome_is_reported_not_resent(
    fake: FakePractiTest,
) -> None:
    seed_set(fake, "NoMarks", 3, with_instances=3)
    fake.script_fault("POST", "runs.json", "drop_after_apply")
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST, retry=QUICK_RETRY) as c:
        report = await c.upload_results(PROJECT, _mixed(3, 0), test_set="NoMarks", mark_runs=False)

    assert len(report.failed) == 3
    for failure in report.failed:
        assert failure.error.startswith("outcome unknown (the answer was lost); not re-sent")
        assert "it may have been applied" in failure.error
    assert len(fake.stats.requests("POST", "runs.json")) == 1
    assert len(fake.state.runs) == 3  # applied once, never twice


async def test_a_rerun_with_the_journal_sends_only_what_is_missing(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    seed_set(fake, "Journaled", 50, with_instances=50)
    journal = tmp_path / "upload.sqlite"
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as c:
        first = await c.upload_results(
            PROJECT, _mixed(30, 0), test_set="Journaled", journal=journal
        )
        fake.stats.reset()
        second = await c.upload_results(
            PROJECT, _mixed(50, 0), test_set="Journaled", journal=journal
        )

    assert first.uploaded == 30
    assert (second.uploaded, second.already_uploaded) == (20, 30)
    posted = fake.stats.requests("POST", "runs.json")
    assert sum(len(r.body["data"]) for r in posted) == 20
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(50)}


async def _run_worker(url: str, token: str, journal: Path, n: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        url,
        token,
        str(journal),
        str(n),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("kill_after_runs", [5, 150])
async def test_a_killed_upload_resumes_with_exactly_one_run_per_result(
    tmp_path: Path, kill_after_runs: int
) -> None:
    n = 400
    faults = Faults(latency=(0.02, 0.08), seed=kill_after_runs)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Killed", n, with_instances=n - 40)
        journal = tmp_path / "journal.sqlite"

        worker = await _run_worker(fake.url, fake.token, journal, n)
        async with asyncio.timeout(60):
            # polling the emulator's state is the point: kill once enough runs exist
            while len(fake.state.runs) < kill_after_runs and worker.returncode is None:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        assert worker.returncode == -signal.SIGKILL
        killed_at = len(fake.state.runs)

        again = await _run_worker(fake.url, fake.token, journal, n)
        out, err = await asyncio.wait_for(again.communicate(), 120)
        assert again.returncode == 0, err.decode()
        summary = json.loads(out.decode().strip().splitlines()[-1])

    expected = [f"test {i:05d}" for i in range(n)] + [f"new {i:03d}" for i in range(n // 20)]
    assert killed_at >= kill_after_runs
    assert runs_per_test(fake) == {name: 1 for name in expected}
    assert summary["failed"] == 0
    assert summary["uploaded"] + summary["already_uploaded"] == len(expected)
    assert summary["already_uploaded"] + summary["reconciled"] >= killed_at


async def test_a_reused_set_does_not_confuse_reconciliation(fake: FakePractiTest) -> None:
    # Yesterday's upload left runs in the set; today's first request is dropped before
    # PractiTest applies it. Yesterday's runs must not pass for today's.
    seed_set(fake, "Nightly", 20, with_instances=20)
    # A dropped write may still be applied until a timeout after it left: read again then.
    options = {"rate_limit": FAST, "retry": QUICK_RETRY, "timeout": 1.0}
    async with Client(fake.token, base_url=fake.url, **options) as c:
        await c.upload_results(PROJECT, _mixed(20, 0), test_set="Nightly")
        fake.script_fault("POST", "runs.json", "drop_before_apply")
        today = await c.upload_results(PROJECT, _mixed(20, 0), test_set="Nightly")

    assert today.ok, today.failed
    assert today.reconciled == 0
    assert runs_per_test(fake) == {f"test {i:05d}": 2 for i in range(20)}
    reads = fake.stats.requests("GET", "runs.json")
    assert reads
    assert all(r.query.get("updated-hours-ago") == "2" for r in reads)  # since start, +1 h
