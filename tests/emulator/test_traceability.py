"""Requirements, steps, milestones, issues and the relationship endpoints over raw HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest, ProjectSeed, Run, StepRun

from .conftest import P1, Api, attrs_body


def refs(kind: str, *ids: int) -> dict[str, Any]:
    return {"data": [{"id": i, "type": kind} for i in ids]}


async def test_requirement_crud_with_linked_tests(api: Api) -> None:
    t1, t2 = api.fake.add_test(1, "a"), api.fake.add_test(1, "b")
    created = await api.post(
        f"{P1}/requirements.json",
        {
            "data": {
                "type": "requirements",
                "attributes": {"name": "Login works", "priority": "highest"},
                "traceability": {"test-ids": [t1.id, t2.id]},
            }
        },
    )
    assert created.status == 200
    req_id = created.data["id"]
    assert created.data["attributes"]["run-status"] == "NO RUN"
    shown = await api.get(f"{P1}/requirements/{req_id}.json?relationships=true")
    assert shown.data["relationships"]["tests"] == {
        "data": [{"id": str(t1.id), "type": "tests"}, {"id": str(t2.id), "type": "tests"}]
    }
    updated = await api.put(f"{P1}/requirements/{req_id}.json", attrs_body(version="1.5"))
    assert updated.data["attributes"]["version"] == "1.5"
    liked = await api.get(f"{P1}/requirements.json?name_like=LOGIN&display-ids=1")
    assert [r["id"] for r in liked.data] == [req_id]
    self_parent = await api.put(
        f"{P1}/requirements/{req_id}.json", attrs_body(**{"parent-id": int(req_id)})
    )
    assert self_parent.status == 422
    assert (await api.delete(f"{P1}/requirements/{req_id}.json")).status == 204
    assert api.fake.state.links == set()


async def test_steps_create_up_to_100_and_keep_positions(api: Api) -> None:
    test = api.fake.add_test(1, "t")
    too_many = await api.post(
        f"{P1}/steps.json",
        {
            "data": {
                "type": "steps",
                "attributes": {
                    "test-id": test.id,
                    "steps": [{"name": f"s{n}"} for n in range(101)],
                },
            }
        },
    )
    assert too_many.status == 422
    assert "1 to 100" in too_many.titles[0]
    made = await api.post(
        f"{P1}/steps.json",
        {
            "data": {
                "type": "steps",
                "attributes": {
                    "test-id": test.id,
                    "steps": [{"name": f"s{n}", "expected-results": "ok"} for n in range(3)],
                },
            }
        },
    )
    assert [s["attributes"]["position"] for s in made.data] == [1, 2, 3]
    first = made.data[0]["id"]
    updated = await api.put(f"{P1}/steps/{first}.json", attrs_body(name="renamed"))
    assert updated.data["attributes"]["name"] == "renamed"
    await api.delete(f"{P1}/steps/{first}.json")
    listed = await api.get(f"{P1}/steps.json?test-ids={test.id}")
    assert [(s["attributes"]["name"], s["attributes"]["position"]) for s in listed.data] == [
        ("s1", 1),
        ("s2", 2),
    ]
    assert (await api.get(f"{P1}/steps.json?name_exact=s2")).data[0]["attributes"][
        "kind"
    ] == "ManualStep"


async def test_milestones_with_relationships(api: Api) -> None:
    milestone = api.fake.add_milestone(1, "Sprint 1", start_date="2025-01-01")
    test_set = api.fake.add_set(1, "s", milestone_id=milestone.id)
    issue = api.fake.add_issue(1, "bug")
    await api.post(
        f"{P1}/issues/{issue.id}/relationships/milestones.json", refs("milestones", milestone.id)
    )
    plain = await api.get(f"{P1}/milestones.json")
    assert "relationships" not in plain.data[0]
    assert plain.data[0]["attributes"]["start-date"] == "2025-01-01"
    shown = await api.get(f"{P1}/milestones/{milestone.id}.json?relationships=true")
    rel = shown.data["relationships"]
    assert rel["suites"] == {"data": [{"id": str(test_set.id), "type": "sets"}]}
    assert rel["issues"] == {"data": [{"id": str(issue.id), "type": "issues"}]}


async def test_issue_crud_title_filters_and_update_status(api: Api) -> None:
    created = await api.post(
        f"{P1}/issues.json", attrs_body(title="Crash on login", **{"issue-type": "defect"})
    )
    issue_id = created.data["id"]
    assert created.data["attributes"]["status-name"] == "New"
    assert (await api.post(f"{P1}/issues.json", attrs_body(name="x"))).titles == [
        "data.attributes.title is required"
    ]
    exact = await api.get(f"{P1}/issues.json?title_exact=Crash on login")
    like = await api.get(f"{P1}/issues.json?title_like=crash")
    assert [i["id"] for i in exact.data] == [i["id"] for i in like.data] == [issue_id]
    fixed = await api.put(
        f"{P1}/issues/{issue_id}/update_status.json",
        {"data": {"type": "issues", "attributes": {"status-name": "fixed"}}},
    )
    assert fixed.data["attributes"]["status-name"] == "fixed"
    closed = await api.put(
        f"{P1}/issues/{issue_id}/update_status.json", attrs_body(**{"status-name": "Closed"})
    )
    assert closed.data["attributes"]["closed-by-id"] == 1
    assert closed.data["attributes"]["closed-at"] is not None
    unknown = await api.put(
        f"{P1}/issues/{issue_id}/update_status.json", attrs_body(**{"status-name": "Teleported"})
    )
    assert unknown.status == 422
    assert (await api.delete(f"{P1}/issues/{issue_id}.json")).status == 204


async def test_issue_delete_respects_project_setting(practitest_emulator_factory, session) -> None:
    fake = await practitest_emulator_factory(
        EmulatorConfig(projects=(ProjectSeed(id=1, name="p", enable_delete_issues=False),))
    )
    issue = fake.add_issue(1, "keep me")
    answer = await Api(session, fake).delete(f"{P1}/issues/{issue.id}.json")
    assert answer.status == 403
    assert issue.id in fake.state.issues


@pytest.mark.parametrize(
    ("base", "other", "kind"),
    [
        ("requirements", "tests", "tests"),
        ("requirements", "issues", "issues"),
        ("requirements", "milestones", "milestones"),
        ("tests", "requirements", "requirements"),
        ("issues", "requirements", "requirements"),
        ("issues", "issues", "issues"),
        ("issues", "milestones", "milestones"),
        ("step_runs", "issues", "issues"),
    ],
)
async def test_relationship_endpoints(api: Api, base: str, other: str, kind: str) -> None:
    fake = api.fake
    makers = {
        "tests": lambda n: fake.add_test(1, n).id,
        "requirements": lambda n: fake.add_requirement(1, n).id,
        "issues": lambda n: fake.add_issue(1, n).id,
        "milestones": lambda n: fake.add_milestone(1, n).id,
        "step_runs": lambda n: _step_run(fake, n),
    }
    owner = makers[base]("owner")
    a, b, c = (makers[other](n) for n in ("a", "b", "c"))
    path = f"{P1}/{base}/{owner}/relationships/{other}.json"

    async def linked() -> list[int]:
        return [int(x["id"]) for x in (await api.get(path)).data]

    assert (await api.post(path, refs(kind, a, b))).status == 204
    assert await linked() == [a, b]
    assert (await api.call("PATCH", path, refs(kind, c))).status == 204
    assert await linked() == [c]
    assert (await api.delete(path, refs(kind, c))).status == 204
    assert await linked() == []
    wrong = await api.post(path, {"data": [{"id": a, "type": "sets"}, {"id": 999999}]})
    assert wrong.status == 422
    assert wrong.titles[0] == f"data[0].type must be {kind!r}, got 'sets'"
    assert wrong.titles[1].startswith("data[1].id: ")
    assert (await api.get(f"{P1}/{base}/999999/relationships/{other}.json")).status == 404


def _step_run(fake: FakePractiTest, name: str) -> int:
    """A failed run with one step run, stored directly (step runs have no create endpoint)."""
    test = fake.add_test(1, name)
    test_set = fake.add_set(1, name, test_ids=[test.id])
    instance = fake.state.instances_of_set(test_set.id)[0]
    now = fake.state.now()
    run = Run(
        id=fake.state.new_id("runs"),
        project_id=1,
        instance_id=instance.id,
        test_id=test.id,
        status="FAILED",
        created_at=now,
        updated_at=now,
    )
    fake.state.runs[run.id] = run
    step_run = StepRun(
        id=fake.state.new_id("step-runs"),
        project_id=1,
        run_id=run.id,
        name=name,
        status="FAILED",
        position=1,
        created_at=now,
        updated_at=now,
    )
    fake.state.step_runs[step_run.id] = step_run
    return step_run.id
