"""The fewest calls the API allows, never over the limit, never an illegal bulk request."""

from __future__ import annotations

import math

from practitest_async import Client, RunResult, Status
from practitest_async.testing import FakePractiTest

from .conftest import LIMIT, PROJECT, posted_run_batches, runs_per_test, seed_set


def _results(n: int, *, prefix: str = "test") -> list[RunResult]:
    statuses = list(Status)
    return [RunResult(f"{prefix} {i:05d}", statuses[i % len(statuses)]) for i in range(n)]


async def test_2000_results_into_an_existing_set(fake: FakePractiTest, client: Client) -> None:
    n = 2000
    seed_set(fake, "Regression", n, with_instances=n)

    report = await client.upload_results(PROJECT, _results(n), test_set="Regression")

    assert report.ok, report.failed[:3]
    assert report.uploaded == n
    assert fake.stats.total_calls <= math.ceil(n / 20) + math.ceil(n / 100) + 3
    assert report.api_calls == fake.stats.total_calls
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(n)}
    batches = posted_run_batches(fake)
    assert max(len(b) for b in batches) == 20
    assert all(len(set(b)) == len(b) for b in batches)
    assert fake.stats.rate_limited == 0
    assert fake.max_calls_in_any_window() <= LIMIT


async def test_a_fresh_project_costs_one_call_per_new_test_plus_bulk(
    fake: FakePractiTest, client: Client
) -> None:
    n = 60

    report = await client.upload_results(PROJECT, _results(n, prefix="new"), test_set="Fresh")

    assert report.ok, report.failed[:3]
    assert len(report.created_tests) == n
    assert len(fake.stats.requests("POST", "runs/auto_create.json")) == n
    # besides one auto_create per new test: find the set, read the tests, create the set, and
    # look for a second set of that name (made by a parallel job: reported, never hidden)
    assert fake.stats.total_calls <= n + 4
    assert runs_per_test(fake) == {f"new {i:05d}": 1 for i in range(n)}
    created_set = next(s for s in fake.state.sets.values() if s.name == "Fresh")
    assert report.set_id == created_set.id


async def test_a_new_set_starts_with_instances_of_the_tests_that_exist(
    fake: FakePractiTest, client: Client
) -> None:
    for i in range(30):
        fake.add_test(PROJECT, f"test {i:05d}")

    report = await client.upload_results(PROJECT, _results(30), test_set="Brand new set")

    assert report.ok, report.failed[:3]
    (create,) = fake.stats.requests("POST", "sets.json")
    assert len(create.body["data"]["instances"]["test-ids"]) == 30
    assert not fake.stats.requests("POST", "instances.json")
    assert not fake.stats.requests("POST", "runs/auto_create.json")
    assert [len(b) for b in posted_run_batches(fake)] == [20, 10]


async def test_tests_without_an_instance_get_bulk_instances(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Partial", 50, with_instances=5)

    report = await client.upload_results(PROJECT, _results(50), test_set="Partial")

    assert report.ok, report.failed[:3]
    made = fake.stats.requests("POST", "instances.json")
    assert [len(r.body["data"]) for r in made] == [20, 20, 5]
    assert len(report.created_instances) == 45
    assert not fake.stats.requests("POST", "runs/auto_create.json")
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(50)}


async def test_no_request_repeats_an_instance(fake: FakePractiTest, client: Client) -> None:
    seed_set(fake, "Repeats", 3, with_instances=3)
    results = [RunResult(f"test {i % 3:05d}") for i in range(45)]

    report = await client.upload_results(PROJECT, results, test_set="Repeats")

    assert report.ok, report.failed[:3]
    batches = posted_run_batches(fake)
    assert all(len(set(b)) == len(b) for b in batches)
    assert sum(len(b) for b in batches) == 45
    assert runs_per_test(fake) == {"test 00000": 15, "test 00001": 15, "test 00002": 15}


async def test_explicit_ids_skip_lookups(fake: FakePractiTest, client: Client) -> None:
    set_id = seed_set(fake, "Ids", 2, with_instances=2)
    instance = next(iter(fake.state.instances.values()))

    report = await client.upload_results(
        PROJECT, [RunResult("any name", instance_id=instance.id)], test_set=set_id
    )

    assert report.ok, report.failed
    assert [r.method for r in fake.log] == ["GET", "POST"]  # read the set, post the run
    (run,) = fake.state.runs.values()
    assert run.instance_id == instance.id


async def test_missing_tests_fail_when_creation_is_off(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Strict", 1, with_instances=1)
    results = [RunResult("test 00000"), RunResult("no such thing")]

    report = await client.upload_results(PROJECT, results, test_set="Strict", create_missing=False)

    assert not report.ok
    assert report.uploaded == 1
    (failure,) = report.failed
    assert failure.result.name == "no such thing"
    assert "no test named 'no such thing'" in failure.error
    assert not fake.stats.requests("POST", "runs/auto_create.json")
    assert len(fake.state.tests) == 1


async def test_plan_upload_writes_nothing_and_matches_the_upload(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Planned", 60, with_instances=40)
    results = _results(60) + _results(7, prefix="new")

    plan = await client.plan_upload(PROJECT, results, test_set="Planned")

    assert {r.method for r in fake.log} == {"GET"}
    assert not fake.state.runs
    assert plan.calls == {
        "create instances (bulk)": 1,
        "auto_create": 7,
        "create runs (bulk)": 3,
    }
    assert plan.results == 67
    assert not plan.failures
    assert plan.estimated_seconds > 0
    reads = len(fake.log)
    fake.stats.reset()

    report = await client.upload_results(PROJECT, results, test_set="Planned")

    assert report.ok
    writes = [r for r in fake.log if r.method == "POST"]
    assert len(writes) == plan.write_calls
    assert len(fake.log) - len(writes) == reads
