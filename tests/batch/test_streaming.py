"""The harness-facing uploader: add as tests finish, background sends, flush on exit."""

from __future__ import annotations

import asyncio

import pytest

from practitest_async import Client, RunResult, UploadError, UploadEvent
from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import FAST, LIMIT, PROJECT, WINDOW, posted_run_batches, runs_per_test, seed_set


async def test_full_batches_go_out_while_results_keep_coming(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Live", 45, with_instances=45)

    async with client.uploader(PROJECT, test_set="Live") as up:
        for i in range(20):
            await up.add(RunResult(f"test {i:05d}"))
        async with asyncio.timeout(5):  # the first full request leaves before the block ends
            while not fake.stats.requests("POST", "runs.json"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        for i in range(20, 45):
            await up.add(RunResult(f"test {i:05d}"))

    assert up.report.ok
    assert up.report.uploaded == 45
    assert [len(b) for b in posted_run_batches(fake)] == [20, 20, 5]
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(45)}


async def test_add_waits_when_the_buffer_is_full() -> None:
    slow = Faults(latency=(0.2, 0.2))
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=slow)) as fake:
        seed_set(fake, "Slow", 200, with_instances=200)
        client = Client(fake.token, base_url=fake.url, rate_limit=FAST)
        uploader = client.uploader(PROJECT, test_set="Slow", buffer_size=10, max_in_flight=1)
        async with client, uploader as up:
            queued = 0

            async def producer() -> None:
                nonlocal queued
                for i in range(200):
                    await up.add(RunResult(f"test {i:05d}"))
                    queued += 1

            task = asyncio.create_task(producer())
            await asyncio.sleep(0.3)
            assert queued < 200  # held back: at most buffer + routed + one request
            await task
    assert up.report.uploaded == 200


async def test_failures_are_raised_on_exit_unless_asked_not_to(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Fails", 1, with_instances=1)

    with pytest.raises(UploadError, match="1 of 2 results were not uploaded") as caught:
        async with client.uploader(PROJECT, test_set="Fails", create_missing=False) as up:
            await up.add(RunResult("test 00000"))
            await up.add(RunResult("ghost"))
    assert caught.value.report.uploaded == 1
    assert "ghost: no test named 'ghost'" in str(caught.value)

    async with client.uploader(
        PROJECT, test_set="Fails", create_missing=False, raise_on_failure=False
    ) as quiet:
        await quiet.add(RunResult("ghost"))
    assert [f.result.name for f in quiet.report.failed] == ["ghost"]


async def test_progress_events_tell_totals_and_eta(fake: FakePractiTest, client: Client) -> None:
    seed_set(fake, "Progress", 40, with_instances=40)
    events: list[UploadEvent] = []

    report = await client.upload_results(
        PROJECT,
        [RunResult(f"test {i:05d}") for i in range(40)],
        test_set="Progress",
        progress=events.append,
    )

    kinds = [e.kind for e in events]
    assert kinds[0] == "planned"
    assert kinds[-1] == "finished"
    assert kinds.count("sent") == 2
    assert kinds.count("confirmed") == 40
    assert events[0].results == 40
    assert events[0].eta_seconds is not None
    assert events[0].eta_seconds > 0
    assert events[-1].confirmed == report.uploaded == 40
    assert events[-1].api_calls == report.api_calls


async def test_rate_limit_pauses_are_reported() -> None:
    # The account's real limit is a sixth of what the client believes (another process is
    # spending the rest): it gets 429s, pauses, slows down, and every result still lands.
    async with FakePractiTest(EmulatorConfig(limit=5, window=WINDOW)) as fake:
        seed_set(fake, "Shared", 200, with_instances=200)
        events: list[UploadEvent] = []
        async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as c:
            report = await c.upload_results(
                PROJECT,
                [RunResult(f"test {i:05d}") for i in range(200)],
                test_set="Shared",
                progress=events.append,
            )
            assert c.limiter.stats.calls_per_window < LIMIT  # type: ignore[attr-defined]

    assert report.ok, report.failed[:3]
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(200)}
    assert fake.stats.rate_limited > 0
    assert report.rate_limit_pauses >= 1
    assert any(e.kind == "paused" for e in events)


async def test_add_rejects_what_is_not_a_result(fake: FakePractiTest, client: Client) -> None:
    seed_set(fake, "Types", 1, with_instances=1)
    async with client.uploader(PROJECT, test_set="Types") as up:
        with pytest.raises(TypeError, match="add\\(\\) takes a RunResult, not dict"):
            await up.add({"name": "x"})  # type: ignore[arg-type]
