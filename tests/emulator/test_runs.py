"""POST runs (§8.14): bulk limits, all-or-nothing, status rules (§6.6), steps and files."""

from __future__ import annotations

import base64
from typing import Any
from unittest.mock import ANY

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest, TokenGrant

from .conftest import P1, Api, attrs_body, set_with_tests

RUNS = f"{P1}/runs.json"


def run_item(instance_id: int, **attributes: Any) -> dict[str, Any]:
    return {"type": "instances", "attributes": {"instance-id": instance_id, **attributes}}


def steps(*statuses: str) -> dict[str, Any]:
    return {"data": [{"name": f"step {n}", "status": s} for n, s in enumerate(statuses)]}


async def test_21_runs_in_one_request_is_422(api: Api) -> None:
    ids = set_with_tests(api.fake, 21)
    answer = await api.post(RUNS, {"data": [run_item(i, **{"exit-code": 0}) for i in ids]})
    assert answer.status == 422
    assert "at most 20" in answer.titles[0]
    assert api.fake.state.runs == {}
    twenty = await api.post(RUNS, {"data": [run_item(i, **{"exit-code": 0}) for i in ids[:20]]})
    assert twenty.status == 200
    assert len(twenty.data) == 20


async def test_same_instance_twice_is_422_and_nothing_is_applied(api: Api) -> None:
    a, b = set_with_tests(api.fake, 2)
    body = {
        "data": [
            run_item(a, **{"exit-code": 0}),
            run_item(b, **{"exit-code": 0}),
            run_item(a, **{"exit-code": 1}),
        ]
    }
    answer = await api.post(RUNS, body)
    assert answer.status == 422
    assert answer.titles == [f"instance-id {a} appears twice in one request (data[0] and data[2])"]
    assert api.fake.state.runs == {}
    assert api.fake.state.instances[b].run_status == "NO RUN"


async def test_invalid_items_are_named_by_index_and_field(api: Api) -> None:
    (a,) = set_with_tests(api.fake, 1)
    body = {
        "data": [
            run_item(a, **{"exit-code": 0}),
            {"attributes": {}},
            run_item(999, **{"run-duration": "5s"}),
            {**run_item(a), "files": {"data": [{"filename": "x", "content_encoded": "***"}]}},
        ]
    }
    answer = await api.post(RUNS, body)
    assert answer.status == 422
    assert answer.titles == [
        "data[1].attributes.instance-id is required",
        "data[2].attributes.instance-id: instance 999 does not exist in project 1",
        "data[3].files.data[0].content_encoded is not valid base64",
    ]
    assert api.fake.state.runs == {}


@pytest.mark.parametrize(
    ("attributes", "step_statuses", "expected"),
    [
        ({"exit-code": 0}, (), "PASSED"),
        ({"exit-code": 3}, (), "FAILED"),
        ({}, (), "NO RUN"),
        ({"exit-code": 1}, ("PASSED", "N/A", "PASSED"), "PASSED"),  # exit-code ignored
        ({"exit-code": 0}, ("PASSED", "FAILED", "BLOCKED"), "FAILED"),
        ({}, ("PASSED", "BLOCKED", "N/A"), "BLOCKED"),
        ({}, ("PASSED", "NO RUN", "N/A"), "NOT COMPLETED"),
        ({}, ("NO RUN", "NO RUN"), "NO RUN"),
        ({}, ("N/A", "N/A"), "N/A"),
    ],
)
async def test_run_status_follows_exit_code_or_steps(
    api: Api, attributes: dict[str, Any], step_statuses: tuple[str, ...], expected: str
) -> None:
    (a,) = set_with_tests(api.fake, 1)
    item = run_item(a, **attributes)
    if step_statuses:
        item["steps"] = steps(*step_statuses)
    answer = await api.post(RUNS, {"data": item})
    assert answer.status == 200, answer.body
    assert answer.data["attributes"]["status"] == expected
    assert api.fake.state.instances[a].run_status == expected


async def test_steps_become_step_runs_and_files_are_stored(api: Api) -> None:
    (a,) = set_with_tests(api.fake, 1)
    log = base64.b64encode(b"line 1\nline 2\n" * 20).decode()
    wrapped = "\n".join(log[i : i + 76] for i in range(0, len(log), 76))  # as `base64` prints
    item = run_item(
        a, **{"run-duration": "00:01:05", "version": "1.2", "automated-execution-output": "ok"}
    )
    item["steps"] = {
        "data": [
            {
                "name": "open",
                "description": "d",
                "expected-results": "e",
                "actual-results": "r",
                "status": "PASSED",
                "files": {"data": [{"filename": "shot.png", "content_encoded": "iVBORw=="}]},
            },
            {"name": "close", "status": "FAILED"},
        ]
    }
    item["files"] = {"data": [{"filename": "run.log", "content_encoded": wrapped}]}
    answer = await api.post(RUNS, {"data": item})
    run_id = int(answer.data["id"])
    state = api.fake.state
    step_runs = state.step_runs_of_run(run_id)
    assert [(s.name, s.status, s.position) for s in step_runs] == [
        ("open", "PASSED", 1),
        ("close", "FAILED", 2),
    ]
    assert (
        step_runs[0].description,
        step_runs[0].expected_results,
        step_runs[0].actual_results,
    ) == ("d", "e", "r")
    assert state.attachments_of("run", run_id)[0].content == b"line 1\nline 2\n" * 20
    assert state.attachments_of("step-run", step_runs[0].id)[0].content == b"\x89PNG"
    listed = await api.get(f"{P1}/step_runs.json?run-ids={run_id}&status=FAILED")
    assert [s["attributes"]["name"] for s in listed.data] == ["close"]
    assert (await api.get(f"{P1}/step_runs.json?status=failed")).data == []  # case sensitive
    instance = state.instances[a]
    assert (instance.run_status, instance.last_run_duration) == ("FAILED", "00:01:05")
    assert instance.last_run is not None
    attributes = answer.data["attributes"]
    assert (attributes["run-duration"], attributes["version"]) == ("00:01:05", "1.2")


async def test_single_answer_is_object_and_bulk_is_array(api: Api) -> None:
    a, b = set_with_tests(api.fake, 2)
    single = await api.post(RUNS, {"data": run_item(a, **{"exit-code": 0})})
    bulk = await api.post(RUNS, {"data": [run_item(b, **{"exit-code": 0})]})
    assert single.data["type"] == "runs"
    assert isinstance(single.data["id"], str)
    assert isinstance(bulk.data, list)
    assert bulk.data[0]["attributes"]["instance-id"] == b


async def test_long_output_is_422_or_truncated(
    api: Api, practitest_emulator_factory, session
) -> None:
    (a,) = set_with_tests(api.fake, 1)
    long = "x" * 256
    strict = await api.post(RUNS, {"data": run_item(a, **{"automated-execution-output": long})})
    assert strict.status == 422
    assert "at most 255" in strict.titles[0]
    lenient = await practitest_emulator_factory(EmulatorConfig(long_output_behaviour="truncate"))
    (b,) = set_with_tests(lenient, 1)
    cut = await Api(session, lenient).post(
        RUNS, {"data": run_item(b, **{"automated-execution-output": long})}
    )
    assert len(cut.data["attributes"]["automated-execution-output"]) == 255


async def test_step_without_status_is_422_by_default(api: Api) -> None:
    (a,) = set_with_tests(api.fake, 1)
    item = {**run_item(a), "steps": {"data": [{"name": "s"}]}}
    answer = await api.post(RUNS, {"data": item})
    assert answer.status == 422
    assert answer.titles[0].startswith("data.steps.data[0].status")


async def test_manual_run_with_account_token_needs_tester(
    practitest_emulator_factory, session
) -> None:
    config = EmulatorConfig(tokens={"acct": TokenGrant(account_id=1, kind="account")})
    fake = await practitest_emulator_factory(config)
    api = Api(session, fake)
    (a,) = set_with_tests(fake, 1)
    missing = await api.post(RUNS, {"data": run_item(a, **{"run-type": "ManualRun"})})
    beside = await api.post(
        RUNS,
        {
            "data": {
                **run_item(a),
                "run-type": "ManualRun",
                "tester-id": 1,
                "steps": steps("PASSED"),
            }
        },
    )
    assert missing.status == 422
    assert "tester-id is required" in missing.titles[0]
    assert beside.status == 200
    assert beside.data["attributes"]["tester-id"] == 1
    assert beside.data["attributes"]["run-type"] == "ManualRun"


async def test_list_runs_filters(api: Api) -> None:
    fake: FakePractiTest = api.fake
    a, b = set_with_tests(fake, 2)
    await api.post(
        RUNS, {"data": [run_item(a, **{"exit-code": 0}), run_item(b, **{"exit-code": 1})]}
    )
    test_b = fake.state.instances[b].test_id
    by_instance = await api.get(f"{RUNS}?instance-ids={a}")
    by_test = await api.get(f"{RUNS}?test-ids={test_b}&run-type=AutomatedRun")
    recent = await api.get(f"{RUNS}?updated-hours-ago=1")
    manual = await api.get(f"{RUNS}?run-type=ManualRun")
    assert [r["attributes"]["instance-id"] for r in by_instance.data] == [a]
    assert [r["attributes"]["status"] for r in by_test.data] == ["FAILED"]
    assert len(recent.data) == 2
    assert manual.data == []


async def test_auto_create_reports_what_it_created(api: Api) -> None:
    fake = api.fake
    existing = fake.add_test(1, "Login Test")
    test_set = fake.add_set(1, "nightly", test_ids=[existing.id])
    auto = f"{P1}/runs/auto_create.json"

    def body(**test_attributes: Any) -> dict[str, Any]:
        return {
            "data": {
                "type": "instances",
                "attributes": {"set-id": test_set.id, "exit-code": 0},
                "test-attributes": test_attributes,
            }
        }

    found = await api.post(auto, body(name="Login Test"))
    new_test = await api.post(auto, body(name="Signup Test", description="new"))
    assert found.status == 200
    assert found.body["meta"] == {}
    assert found.data["attributes"]["test-id"] == existing.id
    created = new_test.body["meta"]
    assert set(created) == {"created-test", "created-instance"}
    assert fake.state.tests[created["created-test"]].description == "new"
    assert fake.state.instances[created["created-instance"]].run_status == "PASSED"
    other_set = fake.add_set(1, "weekly")
    only_instance = await api.post(
        auto,
        {"data": {"attributes": {"set-id": other_set.id, "test-id": existing.id, "exit-code": 1}}},
    )
    assert set(only_instance.body["meta"]) == {"created-instance"}
    assert only_instance.data["attributes"]["status"] == "FAILED"
    missing = await api.post(auto, {"data": {"attributes": {"set-id": test_set.id}}})
    assert missing.status == 422
    assert "test-attributes.name is required" in missing.titles[0]


async def test_auto_create_finds_a_test_by_its_current_name(api: Api) -> None:
    # auto_create finds tests through an index of names: renamed, deleted or twin tests must be
    # found as a look at every test would find them (the first, lowest id, of a name wins)
    fake = api.fake
    first, twin = fake.add_test(1, "Twin"), fake.add_test(1, "Twin")
    old = fake.add_test(1, "Old name")
    test_set = fake.add_set(1, "nightly")
    auto = f"{P1}/runs/auto_create.json"

    async def test_of(name: str) -> tuple[int, dict[str, Any]]:
        body = {
            "data": {
                "type": "instances",
                "attributes": {"set-id": test_set.id, "exit-code": 0},
                "test-attributes": {"name": name},
            }
        }
        answer = await api.post(auto, body)
        assert answer.status == 200
        return answer.data["attributes"]["test-id"], answer.body["meta"]

    assert (await test_of("Twin"))[0] == first.id
    renamed = await api.put(f"{P1}/tests/{old.id}.json", attrs_body(name="New name"))
    assert renamed.status == 200
    assert await test_of("New name") == (old.id, {"created-instance": ANY})
    fake.state.delete_test(first.id)
    assert (await test_of("Twin"))[0] == twin.id
    made_id, meta = await test_of("Old name")  # no test has that name any more: a new one
    assert made_id not in (first.id, twin.id, old.id)
    assert "created-test" in meta
