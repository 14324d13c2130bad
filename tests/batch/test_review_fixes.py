"""What a final review of the merged upload path found, each fixed and kept fixed."""

from __future__ import annotations

import asyncio
import collections
import math
import os
from pathlib import Path

import pytest

from practitest_async import Client, RunResult
from practitest_async.batch.journal import Journal, JournalError
from practitest_async.errors import PractiTestError
from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import FAST, LIMIT, PROJECT, WINDOW, runs_per_test, seed_set


def _client(fake: FakePractiTest) -> Client:
    return Client(fake.token, base_url=fake.url, rate_limit=FAST, limiter="local")


async def test_a_refusal_about_every_result_is_not_searched_for_by_halves_forever(
    fake: FakePractiTest,
) -> None:
    n = 200
    seed_set(fake, "Nightly", n, with_instances=n)
    # Custom field 999 does not exist: PractiTest refuses every request that carries it.
    todo = [RunResult(f"test {i:05d}", custom_fields={999: "x"}) for i in range(n)]

    async with _client(fake) as c:
        report = await c.upload_results(PROJECT, todo, test_set="Nightly")

    assert len(report.failed) == n
    assert all("custom field 999" in f.error for f in report.failed)
    posts = len(fake.stats.requests("POST", "runs.json"))
    # The first 20 are found by halves (39 requests for a request of 20; the four requests in
    # flight at once are searched together), then each request of 20 fails whole: under 0.35
    # calls per result, where halving every request costs two.
    assert posts <= 0.35 * n
    assert not fake.state.runs


async def test_one_bad_result_among_good_ones_still_fails_alone(fake: FakePractiTest) -> None:
    n = 200
    seed_set(fake, "Nightly", n, with_instances=n)
    todo = [
        RunResult(f"test {i:05d}", custom_fields={999: "x"} if i % 10 == 3 else {})
        for i in range(n)
    ]

    async with _client(fake) as c:
        report = await c.upload_results(PROJECT, todo, test_set="Nightly")

    assert sorted(f.result.name for f in report.failed) == [
        f"test {i:05d}" for i in range(n) if i % 10 == 3
    ]
    assert report.uploaded == n - n // 10


async def test_one_new_test_does_not_make_a_warm_upload_read_every_page(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    n = 2000
    seed_set(fake, "Nightly", n, with_instances=n)
    cache = tmp_path / "ids.sqlite3"
    async with _client(fake) as c:
        await c.upload_results(
            PROJECT, [RunResult(f"test {i:05d}") for i in range(n)], test_set="Nightly", cache=cache
        )
        before = fake.stats.total_calls
        todo = [RunResult("a brand new test")] + [RunResult(f"test {i:05d}") for i in range(n)]
        report = await c.upload_results(PROJECT, todo, test_set="Nightly", cache=cache)

    assert report.ok, report.failed[:2]
    calls = fake.stats.total_calls - before
    # the run POSTs, the set's GET, and a few reads and an auto_create for the new test;
    # reading the 20 instance pages and the 20 test pages would be 40 more
    assert calls <= math.ceil(n / 20) + 1 + 6, fake.stats.calls_by_route


async def test_a_blocked_result_with_a_huge_output_gets_through_a_small_gateway() -> None:
    faults = Faults(max_body_bytes=300_000)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Big", 5, with_instances=5)
        todo = [RunResult(f"test {i:05d}") for i in range(5)]
        todo[2] = RunResult("test 00002", "BLOCKED", output="no gateway\n" * 40_000)  # 440 KB

        async with _client(fake) as c:
            report = await c.upload_results(PROJECT, todo, test_set="Big")

    assert report.ok, report.failed[:2]
    assert runs_per_test(fake) == {r.name: 1 for r in todo}


async def test_upload_results_takes_raise_on_failure_without_a_type_error(
    fake: FakePractiTest,
) -> None:
    seed_set(fake, "Nightly", 2, with_instances=2)
    async with _client(fake) as c:
        report = await c.upload_results(
            PROJECT, [RunResult("test 00000")], test_set="Nightly", raise_on_failure=False
        )
    assert report.ok


def test_a_cache_file_of_another_kind_or_format_costs_calls_not_the_upload(
    tmp_path: Path,
) -> None:
    import sqlite3

    import pytest

    from practitest_async.batch.cache import IdCache, cache_scope
    from practitest_async.errors import ConfigurationError

    foreign = tmp_path / "other.sqlite3"  # another program's file with a 'tests' table
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE tests (id INTEGER, title TEXT)")
    cache = IdCache(foreign)
    try:
        assert cache.test_ids(cache_scope("https://x", 1), ["a"]) == {}  # read fails: nothing
    finally:
        cache.close()

    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigurationError, match="format 99"):
        IdCache(newer)


# --- new instances: look again, then create, under the lock ------------------------------------


async def test_an_instance_left_out_of_the_answer_is_read_back_not_failed(
    fake: FakePractiTest,
) -> None:
    seed_set(fake, "Nightly", 5, with_instances=0)
    # The instances are all made, but the answer lists only four of them.
    fake.script_fault("POST", "instances.json", "drop_last_item")

    async with _client(fake) as c:
        report = await c.upload_results(
            PROJECT, [RunResult(f"test {i:05d}") for i in range(5)], test_set="Nightly"
        )

    assert report.ok, [f.error for f in report.failed]
    assert report.uploaded == 5
    per_test = collections.Counter(i.test_id for i in fake.state.instances.values())
    assert sorted(per_test.values()) == [1] * 5  # read back, not made a second time
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(5)}
    assert len(fake.stats.requests("POST", "instances.json")) == 1


async def test_a_parallel_job_makes_no_twin_while_a_lost_instance_post_settles() -> None:
    # Job A's POST instances.json is applied after A gave up (0.4 s); job B, waiting for the
    # same lock, must not create the instances meanwhile: A looks again and creates under the
    # lock (and records what it found), so B finds them.
    faults = Faults(late_apply_after=0.6)  # within the settle delay (0.4 s) after the timeout
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Shared", 5, with_instances=0)
        fake.script_fault("POST", "instances.json", "apply_late")
        todo = [RunResult(f"test {i:05d}") for i in range(5)]
        async with Client(
            fake.token, base_url=fake.url, rate_limit=FAST, limiter="local", timeout=0.4
        ) as c:
            reports = await asyncio.gather(
                *(c.upload_results(PROJECT, todo, test_set="Shared") for _ in range(2))
            )
        await asyncio.sleep(0.6)  # anything still queued has been applied by now

        assert all(r.ok for r in reports), [r.failed[:1] for r in reports]
        assert any(r.fault == "apply_late" for r in fake.log)
        per_test = collections.Counter(i.test_id for i in fake.state.instances.values())
        assert sorted(per_test.values()) == [1] * 5  # one instance per test, no twin
        assert runs_per_test(fake) == {f"test {i:05d}": 2 for i in range(5)}


# --- the journal's path: one check, in the journal itself ----------------------------------------


@pytest.mark.parametrize("read_only", ["file", "folder"])
async def test_a_read_only_journal_is_refused_by_the_sdk_before_anything_is_sent(
    fake: FakePractiTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_only: str
) -> None:
    journal = tmp_path / "j.sqlite"
    Journal(journal).close()  # a good journal, then made read-only
    denied = journal if read_only == "file" else tmp_path
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        # Root writes read-only files, so the permission is simulated where it is asked.
        if Path(str(path)) == denied and mode & os.W_OK:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    seed_set(fake, "Nightly", 3, with_instances=3)
    async with _client(fake) as c:
        with pytest.raises(JournalError) as caught:
            await c.upload_results(
                PROJECT,
                [RunResult(f"test {i:05d}") for i in range(3)],
                test_set="Nightly",
                journal=journal,
            )

    assert isinstance(caught.value, PractiTestError)
    assert f"the journal {journal} cannot be written: {denied} is read-only" in str(caught.value)
    assert not fake.stats.requests("POST", "runs.json")
    assert not fake.state.runs


@pytest.mark.parametrize(
    ("name", "message"), [("jdir", "is a directory"), ("no/j", "does not exist")]
)
def test_a_journal_path_that_cannot_be_one_is_a_journal_error(
    tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "jdir").mkdir()
    with pytest.raises(JournalError, match=message):
        Journal(tmp_path / name)
