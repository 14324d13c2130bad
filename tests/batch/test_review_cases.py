"""Cases a reviewer broke the first version with: each one now a test."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from pathlib import Path

import pytest

from practitest_async import Attachment, Client, RetryPolicy, RunResult, UploadEvent
from practitest_async.batch.uploader import Pending, Uploader, _take_chunk
from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import FAST, LIMIT, PROJECT, WINDOW, runs_per_test, seed_set

QUICK_RETRY = RetryPolicy(backoff_base=0.01, backoff_max=0.02, max_attempts=3)


def _journal_states(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM results GROUP BY state").fetchall())


async def test_a_failed_read_back_leaves_the_result_for_the_next_run(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    seed_set(fake, "Doubt", 3, with_instances=3)
    journal = tmp_path / "j.sqlite"
    results = [RunResult(f"test {i:05d}") for i in range(3)]
    fake.script_fault("POST", "runs.json", "drop_after_apply")
    fake.script_fault("GET", "runs.json", "error_503", count=3)  # the read-back fails too
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST, retry=QUICK_RETRY) as c:
        first = await c.upload_results(PROJECT, results, test_set="Doubt", journal=journal)
        assert len(first.failed) == 3
        assert all("may have been applied" in f.error for f in first.failed)
        assert _journal_states(journal) == {"sending": 3}

        second = await c.upload_results(PROJECT, results, test_set="Doubt", journal=journal)

    assert second.ok, second.failed
    assert second.reconciled == 3
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(3)}


async def test_runs_of_one_instance_keep_their_order() -> None:
    slow = Faults(latency=(0.0, 0.03), seed=3)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=slow)) as fake:
        seed_set(fake, "Order", 1, with_instances=1)
        statuses = ["FAILED", "PASSED"] * 15
        async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as c:
            report = await c.upload_results(
                PROJECT, [RunResult("test 00000", s) for s in statuses], test_set="Order"
            )

        assert report.ok
        runs = sorted(fake.state.runs.values(), key=lambda r: r.id)
        assert [r.status for r in runs] == statuses
        (instance,) = fake.state.instances.values()
        assert instance.run_status == "PASSED"  # the last one reported


async def test_streaming_one_at_a_time_does_not_look_up_each_name(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Stream", 1000, with_instances=1000)

    async with client.uploader(PROJECT, test_set="Stream") as up:
        for i in range(60):
            await up.add(RunResult(f"test {i * 16:05d}"))  # names from every page of the set
            await asyncio.sleep(0.05)  # a harness reporting one test at a time

    assert up.report.uploaded == 60
    reads = fake.stats.requests("GET", "instances.json")
    assert len(reads) <= 2 * 10  # never more than twice the 10 pages of the set


async def test_a_journal_of_another_upload_is_refused_loudly(
    fake: FakePractiTest, client: Client, tmp_path: Path
) -> None:
    seed_set(fake, "Nightly", 2, with_instances=2)
    journal = tmp_path / "cached.sqlite"
    monday = [RunResult("test 00000", "PASSED"), RunResult("test 00001", "PASSED")]
    tuesday = [RunResult("test 00000", "FAILED"), RunResult("test 00001", "PASSED")]
    await client.upload_results(PROJECT, monday, test_set="Nightly", journal=journal)

    report = await client.upload_results(PROJECT, tuesday, test_set="Nightly", journal=journal)

    assert report.already_uploaded == 1  # the same result: a resumed upload
    (failure,) = report.failed
    assert "belongs to another upload" in failure.error
    assert len(fake.state.runs) == 2


async def test_one_bad_test_id_fails_only_its_own_result(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Ids", 5, with_instances=0)
    test_ids = sorted(fake.state.tests)
    results = [RunResult(f"r{i}", test_id=t) for i, t in enumerate(test_ids)]
    results.append(RunResult("ghost", test_id=999_999))

    report = await client.upload_results(PROJECT, results, test_set="Ids")

    assert report.uploaded == 5
    assert [f.result.name for f in report.failed] == ["ghost"]
    assert "422" in report.failed[0].error


async def test_a_lost_answer_when_creating_the_set_does_not_fail_the_upload(
    fake: FakePractiTest, client: Client
) -> None:
    fake.add_test(PROJECT, "test 00000")
    fake.script_fault("POST", "sets.json", "drop_after_apply")

    report = await client.upload_results(PROJECT, [RunResult("test 00000")], test_set="New")

    assert report.ok, report.failed
    assert [s.name for s in fake.state.sets.values()] == ["New"]
    assert len(fake.state.runs) == 1


async def test_a_broken_progress_callback_changes_nothing(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "P", 30, with_instances=30)

    def broken(event: UploadEvent) -> None:
        raise RuntimeError("the terminal went away")

    report = await client.upload_results(
        PROJECT, [RunResult(f"test {i:05d}") for i in range(30)], test_set="P", progress=broken
    )

    assert report.ok
    assert report.uploaded == 30


async def test_a_failure_keeps_the_result_but_not_its_files(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "F", 0, with_instances=0)
    big = RunResult("ghost", attachments=[Attachment("dump.bin", b"x" * 100_000)])

    report = await client.upload_results(PROJECT, [big], test_set="F", create_missing=False)

    (failure,) = report.failed
    assert failure.result.name == "ghost"
    assert [(a.filename, a.content) for a in failure.result.attachments] == [("dump.bin", b"")]


async def test_a_crashed_dispatcher_raises_instead_of_hanging(
    fake: FakePractiTest, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_set(fake, "Crash", 300, with_instances=300)
    original = Uploader._route
    calls = 0

    async def route_then_crash(self: Uploader, group: list[RunResult]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyError("a bug")
        await original(self, group)

    monkeypatch.setattr(Uploader, "_route", route_then_crash)
    results = [RunResult(f"test {i:05d}") for i in range(300)]

    with pytest.raises(KeyError, match="a bug"):
        async with asyncio.timeout(20):
            await client.upload_results(PROJECT, results, test_set="Crash", buffer_size=10)


def test_a_busy_instance_is_not_packed_again() -> None:
    ready = [
        Pending(result=RunResult("x"), key=str(i), marker="m", instance_id=i % 3) for i in range(9)
    ]

    chunk, rest = _take_chunk(collections.deque(ready), busy={0})

    assert [p.instance_id for p in chunk] == [1, 2]
    assert len(rest) == 7
