"""The compact name index (issue 12, memory): names kept as 64-bit digests, ids packed in arrays.

What a user would notice is that nothing changed: names still match exactly (case and
whitespace count), a dry run still plans one auto_create per new test, a set with two
instances of one test is still reported, and the id cache still learns test names from the
set's listing. The tables themselves are checked against a dict doing the same operations.
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practitest_async import Client, RunResult
from practitest_async.batch.compact import DigestSet, IdTable, Ordinals, name_digest
from practitest_async.testing import FakePractiTest

from .conftest import FAST, PROJECT, runs_per_test, seed_set

# --- what a user sees ------------------------------------------------------------------------


async def test_names_that_differ_only_by_case_or_whitespace_reach_their_own_tests(
    fake: FakePractiTest, client: Client
) -> None:
    names = ["Login", "login", "Login ", " Login", "LOGIN\t"]
    test_set = fake.add_set(PROJECT, "Exact")
    for name in names[:4]:  # the last one does not exist yet
        fake.add_instance(PROJECT, test_set.id, fake.add_test(PROJECT, name).id)

    report = await client.upload_results(
        PROJECT, [RunResult(n) for n in names * 2], test_set="Exact"
    )

    assert report.ok, report.failed[:3]
    assert runs_per_test(fake) == {name: 2 for name in names}
    assert len(report.created_tests) == 1  # "LOGIN\t" only, created once
    assert sorted(t.name for t in fake.state.tests.values()) == sorted(names)


async def test_a_result_given_the_test_id_of_a_second_test_of_the_same_name_uses_its_instance(
    fake: FakePractiTest, client: Client
) -> None:
    # Two tests called "login" (PractiTest allows it; a test id tells them apart), each with an
    # instance in the set. The set is read by name first; the result by test id comes later.
    test_set = fake.add_set(PROJECT, "Twins")
    first, second = fake.add_test(PROJECT, "login"), fake.add_test(PROJECT, "login")
    fake.add_instance(PROJECT, test_set.id, first.id)
    existing = fake.add_instance(PROJECT, test_set.id, second.id)

    async def results() -> AsyncIterator[RunResult]:
        yield RunResult("login")
        await asyncio.sleep(0.3)  # the first one's request has read the set by then
        yield RunResult("login", test_id=second.id)

    report = await client.upload_results(PROJECT, results(), test_set="Twins")

    assert report.ok, report.failed[:3]
    assert report.created_instances == []  # no second instance of the second test
    runs = {(run.test_id, run.instance_id) for run in fake.state.runs.values()}
    assert (second.id, existing.id) in runs
    assert len(fake.state.runs) == 2


async def test_a_dry_run_of_new_names_plans_one_auto_create_per_name(
    fake: FakePractiTest, client: Client
) -> None:
    n = 57
    fake.add_set(PROJECT, "Fresh")
    # each new name three times, interleaved: the 2nd and 3rd results join the bulk requests
    results = [RunResult(f"new {i:03d}") for _ in range(3) for i in range(n)]

    plan = await client.plan_upload(PROJECT, results, test_set="Fresh")

    assert not [r for r in fake.log if r.method != "GET"]
    assert plan.calls == {"auto_create": n, "create runs (bulk)": math.ceil(2 * n / 20)}
    assert plan.results == 3 * n
    assert not plan.failures

    report = await client.upload_results(PROJECT, results, test_set="Fresh")

    assert report.ok, report.failed[:3]
    assert len([r for r in fake.log if r.method == "POST"]) == plan.write_calls
    assert runs_per_test(fake) == {f"new {i:03d}": 3 for i in range(n)}


async def test_a_dry_run_of_names_that_differ_by_case_plans_a_test_for_each(
    fake: FakePractiTest, client: Client
) -> None:
    fake.add_set(PROJECT, "Fresh")
    names = ["checkout", "Checkout", "checkout ", "CHECKOUT"]

    plan = await client.plan_upload(PROJECT, [RunResult(n) for n in names], test_set="Fresh")

    assert plan.calls == {"auto_create": 4}


async def test_a_set_with_two_instances_of_one_test_is_reported_and_uses_the_first(
    fake: FakePractiTest, client: Client
) -> None:
    test_set = fake.add_set(PROJECT, "Twins")
    test = fake.add_test(PROJECT, "twice")
    first = fake.add_instance(PROJECT, test_set.id, test.id)
    second = fake.add_instance(PROJECT, test_set.id, test.id)

    report = await client.upload_results(
        PROJECT, [RunResult("twice"), RunResult("twice")], test_set="Twins"
    )

    assert report.ok, report.failed[:3]
    assert [r.instance_id for r in fake.state.runs.values()] == [first.id, first.id]
    assert any(f"instances {first.id} and {second.id}" in warning for warning in report.warnings), (
        report.warnings
    )


async def test_the_cache_learns_test_names_from_the_listing_of_results_given_by_test_id(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    # The index keeps digests, not names: a result given by test id still teaches the cache
    # its test's name, so a later upload by name reads nothing but the set.
    seed_set(fake, "Nightly", 30, with_instances=30)
    by_name = {t.name: t.id for t in fake.state.tests.values()}
    cache = tmp_path / "ids.sqlite3"
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as client:
        first = await client.upload_results(
            PROJECT,
            [RunResult(name, test_id=test_id) for name, test_id in by_name.items()],
            test_set="Nightly",
            cache=cache,
        )
        assert first.ok, first.failed[:3]
        before = fake.stats.total_calls
        second = await client.upload_results(
            PROJECT, [RunResult(name) for name in by_name], test_set="Nightly", cache=cache
        )

    assert second.ok, second.failed[:3]
    assert fake.stats.total_calls - before == math.ceil(30 / 20) + 1  # the set's GET, the runs
    assert runs_per_test(fake) == {name: 2 for name in by_name}


async def test_results_without_keys_are_numbered_per_name_as_before(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Numbered", 3, with_instances=3)
    results = [RunResult(f"test {i % 3:05d}") for i in range(7)]

    report = await client.upload_results(PROJECT, results, test_set="Numbered")

    assert report.ok, report.failed[:3]
    assert sorted(report.run_ids) == sorted(
        [f"test 00000#{k}" for k in range(3)]
        + [f"test 00001#{k}" for k in range(2)]
        + [f"test 00002#{k}" for k in range(2)]
    )


# --- the tables, against a dict doing the same ------------------------------------------------


def test_id_table_matches_a_dict_through_adds_replacements_and_removals() -> None:
    rng = random.Random(12)
    table, model = IdTable(pairs=True), {}
    # consecutive ids, ids on a stride, digests, the free-slot marker and keys beyond 64 bits
    keys = [*range(1, 600), *range(0, 60_000, 1024), *(name_digest(f"n{i}") for i in range(600))]
    keys += [-(1 << 63), (1 << 64) + 5, -(1 << 70)]
    ids = [1, 1 << 40, (1 << 63) - 1, 1 << 64]  # the last one beyond 64 bits
    for step in range(6000):
        key = rng.choice(keys)
        action = rng.random()
        if action < 0.5:
            value = (rng.choice(ids), rng.choice([None, rng.choice(ids)]))
            assert table.setdefault(key, *value) == (key not in model)
            model.setdefault(key, value)
        elif action < 0.7:
            value = (rng.choice(ids), None)
            table.set(key, *value)
            model[key] = value
        else:
            assert table.pop(key) == (model.pop(key, None) is not None)
        if step % 500 == 0:
            assert {k: table.get(k) for k in keys} == {k: model.get(k) for k in keys}
    assert len(table) == len(model)
    assert {k: table.get(k) for k in keys} == {k: model.get(k) for k in keys}


def test_digest_set_holds_a_hundred_thousand_digests_in_about_16_bytes_each() -> None:
    digests = DigestSet()
    names = [f"test {i:06d}" for i in range(100_000)]
    assert all(digests.add(name_digest(n)) for n in names)
    assert not digests.add(name_digest(names[7]))
    assert all(name_digest(n) in digests for n in names)
    assert name_digest("test 100000") not in digests
    assert len(digests) == 100_000
    assert digests.nbytes() <= 100_000 * 16 + 64


def test_a_table_of_one_id_refuses_a_second() -> None:
    with pytest.raises(ValueError, match="one id per key"):
        IdTable().set(1, 2, 3)


def test_ordinals_count_each_identity_from_zero() -> None:
    ordinals = Ordinals()
    seen = [ordinals.next(n, t, None) for n, t in [("a", None), ("a", None), ("a", 5), ("a", None)]]
    assert seen == [0, 1, 0, 2]
    assert [ordinals.next("b", None, None) for _ in range(4)] == [0, 1, 2, 3]


async def _planned(fake: FakePractiTest, n: int, *options: str) -> tuple[int, int]:
    """A dry run of ``n`` new tests in a process of its own: (its count, its peak RSS kB)."""
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("dry_run_worker.py")),
        fake.url,
        fake.token,
        str(n),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(worker.communicate(), 300)
    assert worker.returncode == 0, err.decode()[-2000:]
    count, kb = map(int, out.split())
    return count, kb


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (VmHWM)")
async def test_a_dry_run_keeps_a_few_bytes_per_new_test(fake: FakePractiTest) -> None:
    few, many = await _planned(fake, 10_000), await _planned(fake, 90_000)

    assert few[0] == 10_000
    assert many[0] == 90_000
    # 80,000 more new tests: ~16 bytes each (a name's digest) is ~1.3 MB; a name, ids and a
    # Ref per test, as before, was ~36 MB more
    assert many[1] - few[1] < 12_000, (few, many)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (VmHWM)")
async def test_sixty_thousand_failures_are_reported_without_holding_them(
    fake: FakePractiTest,
) -> None:
    few, many = await _planned(fake, 6_000, "no-create"), await _planned(fake, 60_000, "no-create")

    assert few[0] == 6_000
    assert many[0] == 60_000  # every one reported (the last one read back, by name)
    # 54,000 more failed results held as objects were ~40 MB more
    assert many[1] - few[1] < 12_000, (few, many)
