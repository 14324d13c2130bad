"""The bulk forms: instances and runs go 20 to a request, runs never twice on one instance in
a request, steps 100 to a request; the answer comes back in the order given."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practitest_async import Client
from practitest_async.models import RunDraft, RunStatus, TestStepDraft
from practitest_async.services import chunk_runs
from practitest_async.testing import FakePractiTest

from .conftest import PROJECT as P

INSTANCES = "/api/v2/projects/{p}/instances.json"
RUNS = "/api/v2/projects/{p}/runs.json"
STEPS = "/api/v2/projects/{p}/steps.json"


def posted(fake: FakePractiTest, route: str) -> list[list[dict[str, object]]]:
    """The attributes of every item of every POST to ``route``, request by request."""
    out = []
    for rec in fake.stats.requests("POST", route):
        data = rec.body["data"]
        out.append([item["attributes"] for item in (data if isinstance(data, list) else [data])])
    return out


def a_set_with(fake: FakePractiTest, tests: int) -> tuple[int, list[int], list[int]]:
    """A set of ``tests`` fresh tests: (set id, test ids, instance ids)."""
    test_ids = [fake.add_test(P, f"t{n:03d}").id for n in range(tests)]
    test_set = fake.add_set(P, "s", test_ids=test_ids)
    instances = sorted(fake.state.instances_of_set(test_set.id), key=lambda i: i.id)
    return test_set.id, test_ids, [i.id for i in instances]


async def test_instances_create_many_sends_twenties_and_keeps_the_order(
    fake: FakePractiTest, client: Client
) -> None:
    set_id = fake.add_set(P, "empty").id
    test_ids = [fake.add_test(P, f"u{n:02d}").id for n in range(45)]
    made = await client.instances.create_many(
        P, [{"set_id": set_id, "test_id": t} for t in test_ids]
    )
    assert [i.test_id for i in made] == test_ids
    assert [len(batch) for batch in posted(fake, INSTANCES)] == [20, 20, 5]
    assert len(fake.state.instances_of_set(set_id)) == 45


async def test_one_instance_batch_refuses_more_than_twenty_before_sending(
    fake: FakePractiTest, client: Client
) -> None:
    set_id, test_ids, _ = a_set_with(fake, 21)
    with pytest.raises(ValueError, match="1 to 20"):
        await client.instances.create_batch(P, [{"set_id": set_id, "test_id": t} for t in test_ids])
    assert fake.log == []


async def test_runs_create_many_never_repeats_an_instance_in_a_request(
    fake: FakePractiTest, client: Client
) -> None:
    _, _, instances = a_set_with(fake, 30)
    # four runs of the first instance (FAILED, PASSED, FAILED, PASSED: three at the start of
    # the list, one at its end) and one of each other instance
    drafts = [RunDraft(instance_id=instances[0], exit_code=c) for c in (1, 0, 1)]
    drafts += [RunDraft(instance_id=i, exit_code=0) for i in instances[1:]]
    drafts.append(RunDraft(instance_id=instances[0], exit_code=0))
    runs = await client.runs.create_many(P, drafts)
    batches = posted(fake, RUNS)
    assert all(len(b) <= 20 for b in batches)
    for batch in batches:
        ids = [item["instance-id"] for item in batch]
        assert len(ids) == len(set(ids))
    assert Counter(r.instance_id for r in runs) == Counter(d.instance_id for d in drafts)
    # runs of one instance reached the server in the order given: its last one counts
    first = [
        item["exit-code"] for b in batches for item in b if item["instance-id"] == instances[0]
    ]
    assert first == [1, 0, 1, 0]
    assert fake.state.instances[instances[0]].run_status == "PASSED"
    assert len(fake.state.runs) == 33


async def test_a_run_batch_with_an_instance_twice_is_refused_before_sending(
    fake: FakePractiTest, client: Client
) -> None:
    _, _, instances = a_set_with(fake, 1)
    twice = [RunDraft(instance_id=instances[0], exit_code=0)] * 2
    with pytest.raises(ValueError, match="same instance"):
        await client.runs.create_batch(P, twice)
    assert fake.log == []


@given(st.lists(st.integers(min_value=1, max_value=8), max_size=80))
def test_chunk_runs_packs_at_most_twenty_distinct_instances_keeping_their_order(
    instance_ids: list[int],
) -> None:
    drafts = [RunDraft(instance_id=i, exit_code=n) for n, i in enumerate(instance_ids)]
    chunks = chunk_runs(drafts)
    assert sorted(d.exit_code or 0 for c in chunks for d in c) == list(range(len(drafts)))
    for chunk in chunks:
        assert 1 <= len(chunk) <= 20
        assert len({d.instance_id for d in chunk}) == len(chunk)
    for instance in set(instance_ids):
        order = [d.exit_code for c in chunks for d in c if d.instance_id == instance]
        assert order == sorted(order)


async def test_steps_go_a_hundred_to_a_request_in_order(
    fake: FakePractiTest, client: Client
) -> None:
    test = fake.add_test(P, "long")
    steps = [TestStepDraft(name=f"step {n}") for n in range(250)]
    made = await client.steps.create(P, test_id=test.id, steps=steps)
    assert [s.position for s in made] == list(range(1, 251))
    assert [s.name for s in fake.state.steps_of_test(test.id)] == [s.name for s in steps]
    bodies = [rec.body["data"]["attributes"] for rec in fake.stats.requests("POST", STEPS)]
    assert [(b["test-id"], len(b["steps"])) for b in bodies] == [
        (test.id, 100),
        (test.id, 100),
        (test.id, 50),
    ]


async def test_a_test_with_more_than_a_hundred_steps_gets_the_rest_through_steps(
    fake: FakePractiTest, client: Client
) -> None:
    steps = [TestStepDraft(name=f"step {n}", expected_results="ok") for n in range(130)]
    made = await client.tests.create(P, name="long", steps=steps)
    assert made.steps_count == 130
    (create,) = fake.stats.requests("POST", "/api/v2/projects/{p}/tests.json")
    assert len(create.body["data"]["steps"]["data"]) == 100
    (append,) = fake.stats.requests("POST", STEPS)
    assert [s["name"] for s in append.body["data"]["attributes"]["steps"]] == [
        f"step {n}" for n in range(100, 130)
    ]


async def test_run_statuses_count_counts_tests_by_their_last_run(
    fake: FakePractiTest, client: Client
) -> None:
    _, _, instances = a_set_with(fake, 4)
    await client.runs.create_batch(
        P,
        [
            RunDraft(instance_id=instances[0], exit_code=0),
            RunDraft(instance_id=instances[1], exit_code=1),
            RunDraft(instance_id=instances[2], exit_code=0),
        ],
    )
    counts = await client.tests.run_statuses_count(P)
    assert counts[RunStatus.PASSED] == 2
    assert counts[RunStatus.FAILED] == 1
    assert counts[RunStatus.NO_RUN] == 1
    assert all(isinstance(k, RunStatus) for k in counts)
