"""List filters, judged by what comes back (and, where the emulator cannot judge, by what was
sent): ``name_exact`` is case-sensitive, ``name_like`` a case-insensitive substring, id lists go
comma-joined, and filters combine with AND."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest

from practitest_async import Client
from practitest_async.models import RunDraft, RunStatus, RunType, StepDraft, StepStatus
from practitest_async.testing import FakePractiTest, TokenGrant

from .conftest import FAST_EMULATOR, account_client, last_request
from .conftest import PROJECT as P


def names(items: list[object]) -> list[str]:
    return sorted(getattr(i, "name", None) or getattr(i, "title", "") for i in items)


async def test_tests_name_exact_is_case_sensitive_and_name_like_is_not(
    fake: FakePractiTest, client: Client
) -> None:
    for name in ("Login", "login", "Login page", "Logout"):
        fake.add_test(P, name)
    exact = await client.tests.list(P, name_exact="Login").to_list()
    like = await client.tests.list(P, name_like="LOGIN").to_list()
    assert names(exact) == ["Login"]
    assert names(like) == ["Login", "Login page", "login"]
    assert last_request(fake).query["name_like"] == "LOGIN"


async def test_requirements_sets_and_steps_filter_by_name_the_same_way(
    fake: FakePractiTest, client: Client
) -> None:
    for name in ("Checkout", "checkout", "Checkout with coupon"):
        fake.add_requirement(P, name)
        fake.add_set(P, name)
    test = fake.add_test(P, "t", steps=[{"name": "Pay"}, {"name": "pay again"}, {"name": "Ship"}])
    assert names(await client.requirements.list(P, name_exact="checkout").to_list()) == ["checkout"]
    assert len(await client.sets.list(P, name_like="CHECKOUT").to_list()) == 3
    assert names(await client.sets.list(P, name_exact="Checkout").to_list()) == ["Checkout"]
    steps = await client.steps.list(P, test_ids=[test.id], name_like="PAY").to_list()
    assert names(steps) == ["Pay", "pay again"]


async def test_issues_filter_on_title(fake: FakePractiTest, client: Client) -> None:
    for title in ("Crash", "crash on save", "Typo"):
        fake.add_issue(P, title)
    assert names(await client.issues.list(P, title_exact="Crash").to_list()) == ["Crash"]
    assert names(await client.issues.list(P, title_like="CRASH").to_list()) == [
        "Crash",
        "crash on save",
    ]
    assert last_request(fake).query["title_like"] == "CRASH"


async def test_display_ids_are_comma_joined_and_select_those_entities(
    fake: FakePractiTest, client: Client
) -> None:
    made = [fake.add_test(P, f"t{n}") for n in range(5)]
    found = await client.tests.list(P, display_ids=[2, 4]).to_list()
    assert [t.display_id for t in found] == [2, 4]
    assert [t.id for t in found] == [made[1].id, made[3].id]
    assert last_request(fake).query["display-ids"] == "2,4"


async def test_instance_filters_combine_with_and(fake: FakePractiTest, client: Client) -> None:
    a, b, c = (fake.add_test(P, name) for name in ("Alpha", "Beta", "alphabet"))
    first = fake.add_set(P, "first", test_ids=[a.id, b.id, c.id])
    second = fake.add_set(P, "second", test_ids=[a.id])
    both = await client.instances.list(P, set_ids=[first.id, second.id], test_ids=[a.id]).to_list()
    assert sorted(i.set_id for i in both) == sorted([first.id, second.id])
    assert last_request(fake).query["set-ids"] == f"{first.id},{second.id}"
    only_first = await client.instances.list(P, set_ids=[first.id], name_like="ALPHA").to_list()
    assert sorted(i.test_id for i in only_first) == [a.id, c.id]
    by_display = await client.instances.list(P, test_display_ids=[b.display_id]).to_list()
    assert [i.test_id for i in by_display] == [b.id]
    one = await client.instances.list(P, display_id=f"{second.display_id}:1").to_list()
    assert [(i.set_id, i.test_id) for i in one] == [(second.id, a.id)]


async def test_run_filters(fake: FakePractiTest, client: Client) -> None:
    a, b = fake.add_test(P, "a"), fake.add_test(P, "b")
    nightly = fake.add_set(P, "nightly", test_ids=[a.id, b.id])
    weekly = fake.add_set(P, "weekly", test_ids=[a.id])
    ia, ib = sorted(i.id for i in fake.state.instances_of_set(nightly.id))
    (iw,) = [i.id for i in fake.state.instances_of_set(weekly.id)]
    await client.runs.create_batch(
        P,
        [
            RunDraft(instance_id=ia, exit_code=0),
            RunDraft(instance_id=ib, exit_code=1),
            RunDraft(instance_id=iw, exit_code=0, run_type=RunType.MANUAL, tester_id=1),
        ],
    )
    by_set = await client.runs.list(P, set_ids=[nightly.id]).to_list()
    assert sorted(r.instance_id for r in by_set) == [ia, ib]
    by_test = await client.runs.list(P, test_ids=[a.id]).to_list()
    assert sorted(r.instance_id for r in by_test) == sorted([ia, iw])
    manual = await client.runs.list(P, run_type=RunType.MANUAL).to_list()
    assert [(r.instance_id, r.run_type) for r in manual] == [(iw, RunType.MANUAL)]
    assert last_request(fake).query["run-type"] == "ManualRun"
    both = await client.runs.list(P, instance_ids=[ia, ib], test_ids=[b.id]).to_list()
    assert [(r.instance_id, r.status) for r in both] == [(ib, RunStatus.FAILED)]


async def test_updated_hours_ago_leaves_out_older_runs(
    fake: FakePractiTest, client: Client
) -> None:
    test = fake.add_test(P, "a")
    test_set = fake.add_set(P, "s", test_ids=[test.id])
    (instance,) = fake.state.instances_of_set(test_set.id)
    old = await client.runs.create(P, instance_id=instance.id, exit_code=0)
    fake.state.runs[old.id].updated_at -= dt.timedelta(hours=5)
    recent = await client.runs.create(P, instance_id=instance.id, exit_code=1)
    found = await client.runs.list(P, updated_hours_ago=2).to_list()
    assert [r.id for r in found] == [recent.id]
    assert last_request(fake).query["updated-hours-ago"] == "2"


async def test_step_runs_filter_by_run_and_case_sensitive_status(
    fake: FakePractiTest, client: Client
) -> None:
    test = fake.add_test(P, "a")
    test_set = fake.add_set(P, "s", test_ids=[test.id])
    (instance,) = fake.state.instances_of_set(test_set.id)
    steps = (
        StepDraft(name="open", status=StepStatus.PASSED),
        StepDraft(name="Open menu", status=StepStatus.NO_RUN),
        StepDraft(name="close", status=StepStatus.FAILED),
    )
    run = await client.runs.create(P, instance_id=instance.id, steps=steps)
    other = await client.runs.create(P, instance_id=instance.id, steps=steps[:1])
    no_run = await client.step_runs.list(P, run_ids=[run.id], status=StepStatus.NO_RUN).to_list()
    assert [s.name for s in no_run] == ["Open menu"]
    assert last_request(fake).query["status"] == "NO RUN"
    lowercase = await client.step_runs.list(P, params={"status": "no run"}).to_list()
    assert lowercase == []
    opened = await client.step_runs.list(P, name_like="OPEN").to_list()
    assert sorted((s.run_id, s.name) for s in opened) == [
        (run.id, "Open menu"),
        (run.id, "open"),
        (other.id, "open"),
    ]
    exact = await client.step_runs.list(P, run_ids=[run.id, other.id], name_exact="open").to_list()
    assert sorted(s.run_id for s in exact) == [run.id, other.id]


async def test_users_filter_by_email_and_activity() -> None:
    config = attrs.evolve(FAST_EMULATOR, tokens={"acct": TokenGrant(account_id=1, kind="account")})
    async with FakePractiTest(config) as fake, account_client(fake) as client:
        fake.add_user("dormant@example.com")  # in no project
        by_email = [u.email async for u in client.users.list(email="DORMANT@example.com")]
        assert by_email == ["dormant@example.com"]
        everyone = {u.email async for u in client.users.list()}
        assert everyone == {"tester@example.com", "dormant@example.com"}
        active = {u.email async for u in client.users.list(active=True)}
        assert active == {"tester@example.com"}
        assert last_request(fake).query["active"] == "true"


async def test_opt_in_flags_change_what_comes_back(fake: FakePractiTest, client: Client) -> None:
    test = fake.add_test(P, "a", duration_estimate="00:10:00")
    test_set = fake.add_set(P, "s", test_ids=[test.id])
    plain = await client.sets.get(P, test_set.id)
    timed = await client.sets.get(P, test_set.id, duration=True)
    assert plain.duration_estimate is None
    assert timed.duration_estimate == dt.timedelta(minutes=10)
    requirement = fake.add_requirement(P, "r")
    fake.state.link(("requirements", requirement.id), ("tests", test.id))
    assert (await client.requirements.get(P, requirement.id)).relationships == {}
    linked = await client.requirements.get(P, requirement.id, relationships=True)
    assert linked.relationships["tests"] == [test.id]
    assert "relationships" not in fake.log[-2].query  # False is not sent at all


async def test_filters_the_emulator_cannot_judge_are_sent_under_their_wire_names(
    fake: FakePractiTest, client: Client
) -> None:
    ptql = 'Status = "Open" AND Priority = "High"'
    await client.tests.list(
        P, filter_id=323, autofilter_value="1.5", sub_autofilter_value="x", filter_user_id=7
    ).to_list()
    assert last_request(fake).query == {
        "filter-id": "323",
        "autofilter-value": "1.5",
        "sub-autofilter-value": "x",
        "filter-user-id": "7",
        "page[number]": "1",
        "page[size]": "100",
    }
    await client.issues.list(P, ptql=ptql).to_list()
    assert last_request(fake).query["ptql"] == ptql
    await client.instances.list(P, set_ptql=ptql, set_filter_user_id=3).to_list()
    assert last_request(fake).query["set-ptql"] == ptql
    assert last_request(fake).query["set-filter-user-id"] == "3"
    await client.runs.list(P, set_filter_id=9, set_filter_user_id=3).to_list()
    assert last_request(fake).query["set-filter-id"] == "9"
    await client.requirements.list(P, ptql=ptql, params={"source": "sdk"}).to_list()
    assert last_request(fake).query["source"] == "sdk"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.tests.list(P, ptql="Status = 1", filter_id=3),
        lambda c: c.requirements.list(P, ptql="x", autofilter_value="1.5"),
        lambda c: c.issues.list(P, filter_id=3, sub_autofilter_value="x"),
        lambda c: c.sets.list(P, ptql="x", sub_autofilter_value="x", autofilter_value="y"),
        lambda c: c.instances.list(P, set_ptql="x", set_filter_id=3),
        lambda c: c.runs.list(P, set_ptql="x", set_filter_id=3),
    ],
)
async def test_filters_that_cannot_be_combined_are_refused_before_sending(
    fake: FakePractiTest, client: Client, call: Callable[[Client], object]
) -> None:
    with pytest.raises(ValueError, match=r"cannot be combined|needs autofilter_value"):
        call(client)
    assert fake.log == []
