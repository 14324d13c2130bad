"""One call per row of docs/endpoints.md, against a seeded emulator.

Each case calls one SDK method, asserts what came back (and what changed in the emulator), and
returns what the emulator must have received: the id in the path, the query (without paging)
and the JSON body. ``test_endpoints_table.py`` checks that against the request log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from practitest_async import Client
from practitest_async.models import (
    AttachmentEntity,
    FieldType,
    FileDraft,
    ProjectGrant,
    RunDraft,
    RunStatus,
    StepStatus,
    TestStepDraft,
    TestType,
)
from practitest_async.testing import FakePractiTest, Run, StepRun
from practitest_async.testing.store import Store

P = 1


@attrs.frozen(kw_only=True)
class World:
    """The ids of what ``seed`` put in the emulator."""

    test: int
    other_test: int
    step: int
    set: int
    instance: int
    other_instance: int
    run: int
    step_run: int
    requirement: int
    other_requirement: int
    issue: int
    other_issue: int
    third_issue: int
    milestone: int
    other_milestone: int
    custom_field: int
    attachment: int
    user: int
    group: int
    testers_group: int


@attrs.frozen(kw_only=True)
class Sent:
    """What the emulator must have received: the ``{id}`` of the path, query and body."""

    id: int | None = None
    query: dict[str, str] = attrs.field(factory=dict)
    body: Any = None


Case = Callable[[Client, World, FakePractiTest], Awaitable[Sent]]


def _failed_run(store: Store, instance_id: int) -> tuple[Run, StepRun]:
    """A run with one FAILED step on ``instance_id``, stored as POST runs.json would."""
    now = store.now()
    instance = store.instances[instance_id]
    run = Run(
        id=store.new_id("runs"),
        project_id=P,
        instance_id=instance_id,
        test_id=instance.test_id,
        status="FAILED",
        created_at=now,
        updated_at=now,
    )
    store.runs[run.id] = run
    step_run = StepRun(
        id=store.new_id("step-runs"),
        project_id=P,
        run_id=run.id,
        name="log in",
        status="FAILED",
        position=1,
        created_at=now,
        updated_at=now,
    )
    store.step_runs[step_run.id] = step_run
    instance.run_status, instance.last_run = "FAILED", now
    return run, step_run


def seed(fake: FakePractiTest) -> World:
    """Two tests (one with steps) in a set tied to a milestone, a failed run of the first, a
    requirement, issues, links between them, a custom field, an attachment and a second user."""
    store = fake.state
    custom_field = fake.add_custom_field(P, "Browser", "list", possible_values=["Chrome", "Edge"])
    test = fake.add_test(P, "Login works", steps=[{"name": "open"}, {"name": "log in"}])
    other_test = fake.add_test(P, "Logout works")
    milestone = fake.add_milestone(P, "Sprint 1")
    other_milestone = fake.add_milestone(P, "Sprint 2")
    test_set = fake.add_set(
        P, "Nightly", test_ids=[test.id, other_test.id], milestone_id=milestone.id
    )
    instance, other_instance = sorted(store.instances_of_set(test_set.id), key=lambda i: i.id)
    run, step_run = _failed_run(store, instance.id)
    requirement = fake.add_requirement(P, "Users can log in")
    other_requirement = fake.add_requirement(P, "Users can log out")
    issue = fake.add_issue(P, "Login button missing")
    other_issue = fake.add_issue(P, "Typo on the login page")
    third_issue = fake.add_issue(P, "Slow dashboard")
    for a, b in [
        (("requirements", requirement.id), ("tests", test.id)),
        (("requirements", requirement.id), ("issues", issue.id)),
        (("requirements", requirement.id), ("milestones", milestone.id)),
        (("issues", issue.id), ("issues", other_issue.id)),
        (("issues", issue.id), ("milestones", milestone.id)),
        (("step-runs", step_run.id), ("issues", issue.id)),
    ]:
        store.link(a, b)
    attachment = store.add_attachment(P, "test", test.id, "log.txt", b"hello")
    groups = sorted((g for g in store.groups.values() if g.project_id == P), key=lambda g: g.id)
    user = fake.add_user("second@example.com", first_name="Grace")
    store.memberships[user.id] = {P: [groups[0].id]}
    return World(
        test=test.id,
        other_test=other_test.id,
        step=store.steps_of_test(test.id)[0].id,
        set=test_set.id,
        instance=instance.id,
        other_instance=other_instance.id,
        run=run.id,
        step_run=step_run.id,
        requirement=requirement.id,
        other_requirement=other_requirement.id,
        issue=issue.id,
        other_issue=other_issue.id,
        third_issue=third_issue.id,
        milestone=milestone.id,
        other_milestone=other_milestone.id,
        custom_field=custom_field.id,
        attachment=attachment.id,
        user=user.id,
        group=groups[0].id,
        testers_group=groups[2].id,
    )


def attributes(type_name: str, **values: Any) -> dict[str, Any]:
    return {"data": {"type": type_name, "attributes": values}}


CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[name] = fn
        return fn

    return register


# --- projects, groups, users ----------------------------------------------------------------


@case("client.projects.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert [p.name async for p in c.projects.list()] == ["Demo project"]
    return Sent()


@case("client.projects.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    project = await c.projects.get(P)
    assert (project.id, project.automation_support) == (P, True)
    return Sent()


@case("client.groups.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    names = [g.name async for g in c.groups.list(P)]
    assert names == ["Administrators", "Developers", "Testers"]
    return Sent()


@case("client.groups.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    group = await c.groups.get(P, w.group)
    assert group.name == "Administrators"
    assert group.permissions
    assert all(p.allowed for p in group.permissions)
    return Sent(id=w.group)


@case("client.users.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [u.id async for u in c.users.list(email="second@example.com", active=True)]
    assert found == [w.user]
    return Sent(query={"email": "second@example.com", "active": "true"})


@case("client.users.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    user = await c.users.create(email="ada@example.com", first_name="Ada", display_name="Ada L")
    assert (user.email, user.first_name, user.display_name) == ("ada@example.com", "Ada", "Ada L")
    body = attributes("users", **{"email": "ada@example.com", "first-name": "Ada"})
    body["data"]["attributes"]["display-name"] = "Ada L"
    return Sent(body=body)


@case("client.users.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    user = await c.users.get(w.user)
    assert (user.email, user.first_name) == ("second@example.com", "Grace")
    return Sent(id=w.user)


@case("client.users.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    user = await c.users.update(w.user, last_name="Hopper")
    assert (user.first_name, user.last_name) == ("Grace", "Hopper")
    return Sent(id=w.user, body=attributes("users", **{"last-name": "Hopper"}))


@case("client.users.list_projects")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [(p.id, [g.id for g in p.groups]) async for p in c.users.list_projects(w.user)]
    assert found == [(P, [w.group])]
    return Sent(id=w.user)


@case("client.users.replace_projects")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    grant = ProjectGrant(project_id=P, group_ids=(w.testers_group,))
    projects = await c.users.replace_projects(w.user, [grant])
    assert [(p.id, [g.name for g in p.groups]) for p in projects] == [(P, ["Testers"])]
    assert fake.state.memberships[w.user] == {P: [w.testers_group]}
    body = {"data": {"projects": [{"id": P, "groups": [{"id": w.testers_group}]}]}}
    return Sent(id=w.user, body=body)


@case("client.users.revoke_projects")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.users.revoke_projects(w.user) is None
    assert fake.state.memberships[w.user] == {}
    return Sent(id=w.user)


# --- attachments and fields -----------------------------------------------------------------


@case("client.attachments.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    listing = c.attachments.list(P, entity=AttachmentEntity.TEST, entity_id=w.test)
    assert [(a.name, a.size) async for a in listing] == [("log.txt", 5)]
    return Sent(query={"entity": "test", "entity-id": str(w.test)})


@case("client.attachments.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    files = [FileDraft(filename="data.csv", content=b"x,y")]
    made = await c.attachments.create(
        P, entity=AttachmentEntity.ISSUE, entity_id=w.issue, files=files
    )
    assert [(a.name, a.size) for a in made] == [("data.csv", 3)]
    assert [a.content for a in fake.state.attachments_of("issue", w.issue)] == [b"x,y"]
    body = {
        "entity": "issue",
        "entity-id": w.issue,
        "data": {
            "type": "attachments",
            "files": {"data": [{"filename": "data.csv", "content_encoded": "eCx5"}]},
        },
    }
    return Sent(body=body)


@case("client.attachments.download")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.attachments.download(P, w.attachment) == b"hello"
    return Sent(id=w.attachment)


@case("client.attachments.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.attachments.delete(P, w.attachment) is None
    assert w.attachment not in fake.state.attachments
    return Sent(id=w.attachment)


@case("client.fields.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    fields = [f async for f in c.fields.list(P)]
    custom = [f for f in fields if f.type is FieldType.CUSTOM]
    assert [(f.id, f.uniq_name, f.possible_values) for f in custom] == [
        (w.custom_field, f"___f_{w.custom_field}", ["Chrome", "Edge"])
    ]
    assert any(f.type is FieldType.SYSTEM for f in fields)
    return Sent()


@case("client.custom_fields.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert [(f.id, f.name) async for f in c.custom_fields.list(P)] == [(w.custom_field, "Browser")]
    return Sent()


@case("client.custom_fields.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    field = await c.custom_fields.get(P, w.custom_field)
    assert (field.field_format, field.possible_values) == ("list", ["Chrome", "Edge"])
    return Sent(id=w.custom_field)


@case("client.custom_fields.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    values = ["Chrome", "Edge", "Safari"]
    field = await c.custom_fields.update(P, w.custom_field, name="Browsers", possible_values=values)
    assert (field.name, field.possible_values) == ("Browsers", values)
    body = attributes("custom_fields", name="Browsers", **{"possible-values": values})
    return Sent(id=w.custom_field, body=body)


# --- requirements ---------------------------------------------------------------------------


@case("client.requirements.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [r async for r in c.requirements.list(P, name_like="LOG IN", relationships=True)]
    assert [(r.id, r.relationships["tests"]) for r in found] == [(w.requirement, [w.test])]
    assert found[0].run_status is RunStatus.FAILED  # it follows its linked test
    return Sent(query={"name_like": "LOG IN", "relationships": "true"})


@case("client.requirements.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.requirements.create(
        P, name="Sessions expire", author_id=1, priority="high", test_ids=[w.other_test]
    )
    assert (made.name, made.author_id, made.priority) == ("Sessions expire", 1, "high")
    assert fake.state.linked(("requirements", made.id), "tests") == [w.other_test]
    body = attributes("requirements", name="Sessions expire", priority="high")
    body["data"]["attributes"]["author-id"] = 1
    body["data"]["traceability"] = {"test-ids": [w.other_test]}
    return Sent(body=body)


@case("client.requirements.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = await c.requirements.get(P, w.requirement, relationships=True)
    assert found.relationships == {
        "tests": [w.test],
        "issues": [w.issue],
        "milestones": [w.milestone],
    }
    return Sent(id=w.requirement, query={"relationships": "true"})


@case("client.requirements.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    changed = await c.requirements.update(P, w.requirement, version="2.0", updated_by_user_id=1)
    assert changed.version == "2.0"
    assert fake.state.requirements[w.requirement].updated_by_user_id == 1
    body = attributes("requirements", version="2.0", **{"updated-by-user-id": 1})
    return Sent(id=w.requirement, body=body)


@case("client.requirements.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.requirements.delete(P, w.requirement) is None
    assert w.requirement not in fake.state.requirements
    return Sent(id=w.requirement)


# --- tests and steps ------------------------------------------------------------------------


@case("client.tests.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [t async for t in c.tests.list(P, name_like="login", relationships=True)]
    assert [(t.id, t.relationships) for t in found] == [(w.test, {"requirements": [w.requirement]})]
    return Sent(query={"name_like": "login", "relationships": "true"})


@case("client.tests.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    steps = [TestStepDraft(name="open the form", expected_results="a form")]
    made = await c.tests.create(
        P, name="Sign up", author_id=1, test_type=TestType.SCRIPTED, steps=steps
    )
    assert (made.name, made.test_type, made.steps_count) == ("Sign up", TestType.SCRIPTED, 1)
    body = attributes("tests", name="Sign up", **{"author-id": 1, "test-type": "ScriptedTest"})
    body["data"]["steps"] = {"data": [{"name": "open the form", "expected-results": "a form"}]}
    return Sent(body=body)


@case("client.tests.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = await c.tests.get(P, w.test)
    assert (found.name, found.steps_count, found.run_status) == ("Login works", 2, RunStatus.FAILED)
    return Sent(id=w.test)


@case("client.tests.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    changed = await c.tests.update(
        P, w.test, priority="high", tags=["smoke"], duration_estimate=dt.timedelta(minutes=5)
    )
    assert (changed.priority, changed.tags) == ("high", ["smoke"])
    assert changed.duration_estimate == dt.timedelta(minutes=5)
    body = attributes("tests", priority="high", tags=["smoke"])
    body["data"]["attributes"]["duration-estimate"] = "00:05:00"
    return Sent(id=w.test, body=body)


@case("client.tests.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.tests.delete(P, w.test) is None
    assert w.test not in fake.state.tests
    return Sent(id=w.test)


@case("client.tests.run_statuses_count")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    counts = await c.tests.run_statuses_count(P)
    assert counts == {"PASSED": 0, "FAILED": 1, "BLOCKED": 0, "NOT COMPLETED": 0, "NO RUN": 1}
    assert counts[RunStatus.FAILED] == 1
    return Sent()


@case("client.steps.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [(s.name, s.position) async for s in c.steps.list(P, test_ids=[w.test])]
    assert found == [("open", 1), ("log in", 2)]
    return Sent(query={"test-ids": str(w.test)})


@case("client.steps.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    steps = [TestStepDraft(name="click logout", description="top right")]
    made = await c.steps.create(P, test_id=w.other_test, steps=steps)
    assert [(s.name, s.test_id, s.position) for s in made] == [("click logout", w.other_test, 1)]
    body = attributes(
        "steps",
        **{
            "test-id": w.other_test,
            "steps": [{"name": "click logout", "description": "top right"}],
        },
    )
    return Sent(body=body)


@case("client.steps.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    step = await c.steps.get(P, w.step)
    assert (step.name, step.test_id, step.kind) == ("open", w.test, "ManualStep")
    return Sent(id=w.step)


@case("client.steps.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    step = await c.steps.update(P, w.step, expected_results="the login page")
    assert (step.name, step.expected_results) == ("open", "the login page")
    return Sent(id=w.step, body=attributes("steps", **{"expected-results": "the login page"}))


@case("client.steps.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.steps.delete(P, w.step) is None
    assert [s.name for s in fake.state.steps_of_test(w.test)] == ["log in"]
    return Sent(id=w.step)


# --- sets and instances ---------------------------------------------------------------------


@case("client.sets.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [s async for s in c.sets.list(P, name_exact="Nightly", duration=True)]
    assert [(s.id, s.instances_count, s.run_status) for s in found] == [
        (w.set, 2, RunStatus.FAILED)
    ]
    assert found[0].actual_duration == dt.timedelta(0)
    return Sent(query={"name_exact": "Nightly", "duration": "true"})


@case("client.sets.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.sets.create(P, name="Weekly", test_ids=[w.test], priority="low")
    assert (made.name, made.instances_count, made.priority) == ("Weekly", 1, "low")
    body = attributes("sets", name="Weekly", priority="low")
    body["data"]["instances"] = {"test-ids": [w.test]}
    return Sent(body=body)


@case("client.sets.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = await c.sets.get(P, w.set)
    assert (found.name, found.milestone_id, found.duration_estimate) == (
        "Nightly",
        w.milestone,
        None,
    )
    return Sent(id=w.set)


@case("client.sets.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    changed = await c.sets.update(P, w.set, name="Nightly 2", version="1.5")
    assert (changed.name, changed.version) == ("Nightly 2", "1.5")
    return Sent(id=w.set, body=attributes("sets", name="Nightly 2", version="1.5"))


@case("client.sets.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.sets.delete(P, w.set) is None
    assert w.set not in fake.state.sets
    assert w.instance not in fake.state.instances  # its instances go with it
    return Sent(id=w.set)


@case("client.sets.clone")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    copy = await c.sets.clone(P, w.set, name="Nightly copy", version="2")
    assert copy.id != w.set
    assert (copy.name, copy.version, copy.instances_count) == ("Nightly copy", "2", 2)
    assert copy.run_status is RunStatus.NO_RUN  # fresh instances, no runs
    return Sent(id=w.set, body=attributes("sets", name="Nightly copy", version="2"))


@case("client.instances.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [i async for i in c.instances.list(P, set_ids=[w.set], test_ids=[w.test])]
    assert [(i.id, i.run_status) for i in found] == [(w.instance, RunStatus.FAILED)]
    return Sent(query={"set-ids": str(w.set), "test-ids": str(w.test)})


@case("client.instances.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.instances.create(P, set_id=w.set, test_id=w.other_test, priority="high")
    assert (made.set_id, made.test_id, made.priority) == (w.set, w.other_test, "high")
    body = attributes("instances", priority="high", **{"set-id": w.set, "test-id": w.other_test})
    return Sent(body=body)


def _instance_items(w: World, n: int) -> list[dict[str, int]]:
    return [{"set_id": w.set, "test_id": w.other_test} for _ in range(n)]


def _instance_body(w: World, n: int) -> dict[str, Any]:
    item = {"type": "instances", "attributes": {"set-id": w.set, "test-id": w.other_test}}
    return {"data": [item] * n}


@case("client.instances.create_batch")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.instances.create_batch(P, _instance_items(w, 2))
    assert [(i.set_id, i.test_id) for i in made] == [(w.set, w.other_test)] * 2
    return Sent(body=_instance_body(w, 2))


@case("client.instances.create_many")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.instances.create_many(P, _instance_items(w, 3))
    assert len({i.id for i in made}) == 3
    return Sent(body=_instance_body(w, 3))


@case("client.instances.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = await c.instances.get(P, w.instance)
    assert (found.test_id, found.name, found.display_id) == (w.test, "Login works", "1:1")
    return Sent(id=w.instance)


@case("client.instances.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    changed = await c.instances.update(P, w.instance, version="3.1")
    assert changed.version == "3.1"
    return Sent(id=w.instance, body=attributes("instances", version="3.1"))


@case("client.instances.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.instances.delete(P, w.instance) is None
    assert w.run not in fake.state.runs  # its runs go with it
    return Sent(id=w.instance)


# --- runs and step runs ---------------------------------------------------------------------


@case("client.runs.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [r async for r in c.runs.list(P, instance_ids=[w.instance, w.other_instance])]
    assert [(r.id, r.status, r.test_id) for r in found] == [(w.run, RunStatus.FAILED, w.test)]
    return Sent(query={"instance-ids": f"{w.instance},{w.other_instance}"})


@case("client.runs.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    run = await c.runs.create(
        P, instance_id=w.other_instance, exit_code=0, run_duration=dt.timedelta(seconds=75)
    )
    assert (run.instance_id, run.status) == (w.other_instance, RunStatus.PASSED)
    assert run.run_duration == dt.timedelta(seconds=75)
    item = {"instance-id": w.other_instance, "exit-code": 0, "run-duration": "00:01:15"}
    return Sent(body={"data": {"type": "instances", "attributes": item}})


def _two_runs(w: World) -> tuple[list[RunDraft], dict[str, Any]]:
    drafts = [
        RunDraft(instance_id=w.instance, exit_code=0),
        RunDraft(instance_id=w.other_instance, exit_code=1),
    ]
    body = {
        "data": [
            {"type": "instances", "attributes": {"instance-id": d.instance_id, "exit-code": code}}
            for d, code in zip(drafts, (0, 1), strict=True)
        ]
    }
    return drafts, body


@case("client.runs.create_batch")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    drafts, body = _two_runs(w)
    runs = await c.runs.create_batch(P, drafts)
    assert [r.status for r in runs] == [RunStatus.PASSED, RunStatus.FAILED]
    return Sent(body=body)


@case("client.runs.create_encoded")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    _, body = _two_runs(w)
    refs = await c.runs.create_encoded(P, body["data"])
    assert [r.instance_id for r in refs] == [w.instance, w.other_instance]
    return Sent(body=body)


@case("client.runs.create_many")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    drafts, body = _two_runs(w)
    runs = await c.runs.create_many(P, drafts)
    assert [r.instance_id for r in runs] == [w.instance, w.other_instance]
    return Sent(body=body)


@case("client.runs.auto_create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.runs.auto_create(P, set_id=w.set, test_name="Brand new", exit_code=0)
    assert made.created_test
    assert made.created_instance
    assert made.run.status is RunStatus.PASSED
    assert fake.state.tests[made.created_test_id or 0].name == "Brand new"
    body = {
        "data": {
            "type": "instances",
            "attributes": {"set-id": w.set, "exit-code": 0},
            "test-attributes": {"name": "Brand new"},
        }
    }
    return Sent(body=body)


@case("client.step_runs.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [s async for s in c.step_runs.list(P, run_ids=[w.run], status=StepStatus.FAILED)]
    assert [(s.id, s.run_id, s.status) for s in found] == [(w.step_run, w.run, StepStatus.FAILED)]
    return Sent(query={"run-ids": str(w.run), "status": "FAILED"})


# --- milestones and issues ------------------------------------------------------------------


@case("client.milestones.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [m async for m in c.milestones.list(P, relationships=True)]
    assert [m.id for m in found] == [w.milestone, w.other_milestone]
    assert found[0].relationships == {
        "requirements": [w.requirement],
        "issues": [w.issue],
        "suites": [w.set],
    }
    return Sent(query={"relationships": "true"})


@case("client.milestones.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = await c.milestones.get(P, w.milestone)
    assert (found.name, found.milestone_status, found.relationships) == ("Sprint 1", "Active", {})
    return Sent(id=w.milestone)


@case("client.issues.list")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = [i.id async for i in c.issues.list(P, title_like="LOGIN")]
    assert found == [w.issue, w.other_issue]
    return Sent(query={"title_like": "LOGIN"})


@case("client.issues.create")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    made = await c.issues.create(P, title="Crash on save", author_id=1, issue_type="task")
    assert (made.title, made.issue_type, made.author_id) == ("Crash on save", "task", 1)
    body = attributes("issues", title="Crash on save", **{"author-id": 1, "issue-type": "task"})
    return Sent(body=body)


@case("client.issues.get")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    found = await c.issues.get(P, w.issue, relationships=True)
    assert found.relationships == {
        "issues": [w.other_issue],
        "requirements": [w.requirement],
        "milestones": [w.milestone],
        "tests": [w.test],  # through the step run it is linked to
    }
    return Sent(id=w.issue, query={"relationships": "true"})


@case("client.issues.update")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    changed = await c.issues.update(P, w.issue, priority="urgent")
    assert (changed.title, changed.priority) == ("Login button missing", "urgent")
    return Sent(id=w.issue, body=attributes("issues", priority="urgent"))


@case("client.issues.update_status")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    closed = await c.issues.update_status(P, w.issue, status_name="Closed", user_id=1)
    assert (closed.status_name, closed.closed_by_id) == ("Closed", 1)
    assert closed.closed_at is not None
    body = attributes("issues", **{"status-name": "Closed", "user-id": 1})
    return Sent(id=w.issue, body=body)


@case("client.issues.delete")
async def _(c: Client, w: World, fake: FakePractiTest) -> Sent:
    assert await c.issues.delete(P, w.issue) is None
    assert w.issue not in fake.state.issues
    assert fake.state.linked(("requirements", w.requirement), "issues") == []
    return Sent(id=w.issue)


# --- traceability: the same four calls for each of the eight pairs ---------------------------

# (service, link attribute, base type, base id, other type, linked id, unlinked id)
PAIRS: list[tuple[str, str, str, str, str, str, str]] = [
    ("requirements", "linked_tests", "requirements", "requirement", "tests", "test", "other_test"),
    (
        "requirements",
        "linked_issues",
        "requirements",
        "requirement",
        "issues",
        "issue",
        "other_issue",
    ),
    (
        "requirements",
        "linked_milestones",
        "requirements",
        "requirement",
        "milestones",
        "milestone",
        "other_milestone",
    ),
    (
        "tests",
        "linked_requirements",
        "tests",
        "test",
        "requirements",
        "requirement",
        "other_requirement",
    ),
    (
        "issues",
        "linked_requirements",
        "issues",
        "issue",
        "requirements",
        "requirement",
        "other_requirement",
    ),
    ("issues", "linked_issues", "issues", "issue", "issues", "other_issue", "third_issue"),
    (
        "issues",
        "linked_milestones",
        "issues",
        "issue",
        "milestones",
        "milestone",
        "other_milestone",
    ),
    ("step_runs", "linked_issues", "step-runs", "step_run", "issues", "issue", "other_issue"),
]


def _link_cases(
    service: str, attr: str, base_type: str, base: str, other: str, linked: str, new: str
) -> None:
    name = f"client.{service}.{attr}"

    def ids(w: World) -> tuple[int, int, int]:
        return getattr(w, base), getattr(w, linked), getattr(w, new)

    def now_linked(fake: FakePractiTest, w: World) -> list[int]:
        return fake.state.linked((base_type, getattr(w, base)), other)

    def body(*targets: int) -> dict[str, Any]:
        return {"data": [{"id": t, "type": other} for t in targets]}

    async def list_(c: Client, w: World, fake: FakePractiTest) -> Sent:
        base_id, linked_id, _ = ids(w)
        assert await getattr(getattr(c, service), attr).list(P, base_id) == [linked_id]
        return Sent(id=base_id)

    async def add(c: Client, w: World, fake: FakePractiTest) -> Sent:
        base_id, linked_id, new_id = ids(w)
        assert await getattr(getattr(c, service), attr).add(P, base_id, [new_id]) is None
        assert now_linked(fake, w) == sorted([linked_id, new_id])
        return Sent(id=base_id, body=body(new_id))

    async def replace(c: Client, w: World, fake: FakePractiTest) -> Sent:
        base_id, _, new_id = ids(w)
        assert await getattr(getattr(c, service), attr).replace(P, base_id, [new_id]) is None
        assert now_linked(fake, w) == [new_id]
        return Sent(id=base_id, body=body(new_id))

    async def remove(c: Client, w: World, fake: FakePractiTest) -> Sent:
        base_id, linked_id, _ = ids(w)
        assert await getattr(getattr(c, service), attr).remove(P, base_id, [linked_id]) is None
        assert now_linked(fake, w) == []
        return Sent(id=base_id, body=body(linked_id))

    CASES.update(
        {
            f"{name}.list": list_,
            f"{name}.add": add,
            f"{name}.replace": replace,
            f"{name}.remove": remove,
        }
    )


for pair in PAIRS:
    _link_cases(*pair)
