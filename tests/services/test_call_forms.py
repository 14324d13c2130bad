"""Calls no stricter than the docs, and one rule for creates across services (issue 10).

The rule: a single ``create`` takes keyword attributes; a bulk create (``create_many`` /
``create_batch``, and lists inside a create such as steps and files) takes drafts, and mappings
with the draft's keys are accepted and checked before anything is sent. The old
``runs.create(p, RunDraft(...))`` still works for one release, with a DeprecationWarning.
"""

from __future__ import annotations

import warnings

import pytest

from practitest_async import Client
from practitest_async.models import InstanceDraft, RunDraft, RunStatus, StepDraft
from practitest_async.testing import FakePractiTest

from .conftest import PROJECT as P
from .conftest import last_request

# --- stricter than the docs -------------------------------------------------------------------


async def test_a_set_clones_without_a_name(fake: FakePractiTest, client: Client) -> None:
    test = fake.add_test(P, "t")
    original = fake.add_set(P, "Nightly", test_ids=[test.id])
    clone = await client.sets.clone(P, original.id)
    assert last_request(fake).body == {"data": {"type": "sets", "attributes": {}}}
    assert clone.name == "Nightly"
    assert clone.id != original.id
    assert clone.instances_count == 1


async def test_auto_create_finds_the_test_by_test_attributes_name(
    fake: FakePractiTest, client: Client
) -> None:
    test = fake.add_test(P, "Login")
    test_set = fake.add_set(P, "S")
    made = await client.runs.auto_create(
        P, set_id=test_set.id, test_attributes={"name": "Login"}, exit_code=0
    )
    assert last_request(fake).body["data"]["test-attributes"] == {"name": "Login"}
    assert made.run.test_id == test.id
    assert not made.created_test


async def test_auto_create_still_needs_some_test(fake: FakePractiTest, client: Client) -> None:
    with pytest.raises(ValueError, match=r"test_id, test_name or test_attributes\['name'\]"):
        await client.runs.auto_create(P, set_id=1, test_attributes={"description": "d"})
    with pytest.raises(ValueError, match="differ"):
        await client.runs.auto_create(P, set_id=1, test_name="a", test_attributes={"name": "b"})
    assert fake.log == []


async def test_list_methods_take_a_page_size(fake: FakePractiTest, client: Client) -> None:
    for i in range(5):
        fake.add_test(P, f"t{i}")
    names = [t.name async for t in client.tests.list(P, page_size=2)]
    sizes = {r.query["page[size]"] for r in fake.log}
    assert names == [f"t{i}" for i in range(5)]
    assert sizes == {"2"}
    assert len(fake.log) == 3


@pytest.mark.parametrize("size", [0, 101, -1])
async def test_a_page_size_out_of_range_is_refused_before_sending(
    fake: FakePractiTest, client: Client, size: int
) -> None:
    with pytest.raises(ValueError, match="page_size must be from 1 to 100"):
        client.runs.list(P, page_size=size)
    with pytest.raises(TypeError, match="page_size"):
        client.projects.list(page_size="50")  # type: ignore[arg-type]
    assert fake.log == []


# --- one rule for creates ---------------------------------------------------------------------


async def test_runs_create_takes_keywords(fake: FakePractiTest, client: Client) -> None:
    test = fake.add_test(P, "t")
    (instance,) = fake.state.instances_of_set(fake.add_set(P, "S", test_ids=[test.id]).id)
    run = await client.runs.create(
        P,
        instance_id=instance.id,
        steps=[{"name": "s", "status": "FAILED"}],
        files=[{"filename": "a.txt", "content": b"x"}],
    )
    assert run.status is RunStatus.FAILED
    data = last_request(fake).body["data"]
    assert data["attributes"] == {"instance-id": instance.id}
    assert data["steps"] == {"data": [{"name": "s", "status": "FAILED"}]}
    assert data["files"]["data"][0]["filename"] == "a.txt"


async def test_the_old_runs_create_form_works_with_a_deprecation_warning(
    fake: FakePractiTest, client: Client
) -> None:
    test = fake.add_test(P, "t")
    (instance,) = fake.state.instances_of_set(fake.add_set(P, "S", test_ids=[test.id]).id)
    with pytest.warns(DeprecationWarning, match=r"runs\.create\(project_id, RunDraft"):
        old = await client.runs.create(P, RunDraft(instance_id=instance.id, exit_code=1))
    old_body = last_request(fake).body
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = await client.runs.create(P, instance_id=instance.id, exit_code=1)
    assert last_request(fake).body == old_body
    assert old.status is new.status is RunStatus.FAILED
    with pytest.raises(TypeError, match="not both"):
        await client.runs.create(P, RunDraft(instance_id=instance.id), exit_code=0)


async def test_bulk_creates_take_drafts_or_mappings_alike(
    fake: FakePractiTest, client: Client
) -> None:
    tests = [fake.add_test(P, f"t{i}") for i in range(4)]
    test_set = fake.add_set(P, "S")
    made = await client.instances.create_many(
        P,
        [
            InstanceDraft(set_id=test_set.id, test_id=tests[0].id, priority="high"),
            {"set_id": test_set.id, "test_id": tests[1].id, "priority": "high"},
        ],
    )
    first, second = last_request(fake).body["data"]
    assert first == second | {"attributes": {**second["attributes"], "test-id": tests[0].id}}
    runs = await client.runs.create_many(
        P,
        [
            RunDraft(instance_id=made[0].id, steps=[StepDraft(name="s", status="PASSED")]),
            {"instance_id": made[1].id, "steps": [{"name": "s", "status": "PASSED"}]},
        ],
    )
    one, two = last_request(fake).body["data"]
    assert one["steps"] == two["steps"]
    assert [r.status for r in runs] == [RunStatus.PASSED, RunStatus.PASSED]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"set_id": 1}, r"instances\[1\]: InstanceDraft needs test_id"),
        (
            {"set_id": 1, "test_id": 2, "colour": "red"},
            r"instances\[1\]: InstanceDraft has no 'colour'",
        ),
        ("7", r"instances\[1\]: expected InstanceDraft or a mapping"),
        ({"set_id": 1, "test_id": 2, "custom_fields": {3: True}}, "boolean"),
    ],
)
async def test_a_bad_mapping_in_a_bulk_create_is_refused_before_sending(
    fake: FakePractiTest, client: Client, item: object, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.instances.create_many(P, [{"set_id": 1, "test_id": 2}, item])  # type: ignore[list-item]
    assert fake.log == []


# --- ids only, for the batch layer ------------------------------------------------------------


async def test_bulk_creates_and_instance_listing_can_read_ids_only(
    fake: FakePractiTest, client: Client
) -> None:
    tests = [fake.add_test(P, f"t{i}") for i in range(3)]
    test_set = fake.add_set(P, "S")
    refs = await client.instances.create_batch(
        P, [{"set_id": test_set.id, "test_id": t.id} for t in tests], ids_only=True
    )
    assert [r.test_id for r in refs] == [t.id for t in tests]
    assert {r.set_id for r in refs} == {test_set.id}
    listed = await client.instances.list(P, set_ids=[test_set.id], ids_only=True).to_list()
    assert listed == refs
    runs = await client.runs.create_batch(
        P, [RunDraft(instance_id=r.id, exit_code=0) for r in refs], ids_only=True
    )
    assert [r.instance_id for r in runs] == [r.id for r in refs]
    assert {r.id for r in runs} == set(fake.state.runs)
