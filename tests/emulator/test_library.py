"""Tests, sets and instances over raw HTTP: shapes, filters, validation, deletes."""

from __future__ import annotations

from practitest_async.testing import EmulatorConfig, TokenGrant

from .conftest import P1, Api, attrs_body


async def test_create_test_with_steps_then_show_update_delete(api: Api) -> None:
    body = {
        "data": {
            "type": "tests",
            "attributes": {
                "name": "one",
                "priority": "highest",
                "test-type": "ScriptedTest",
                "tags": ["smoke"],
            },
            "steps": {
                "data": [{"name": "step one", "expected-results": "r"}, {"name": "step two"}]
            },
        }
    }
    created = await api.post(f"{P1}/tests.json", body)
    assert created.status == 200
    test_id = created.data["id"]
    attributes = created.data["attributes"]
    assert isinstance(test_id, str)
    assert attributes["project-id"] == 1
    assert (attributes["steps-count"], attributes["author-id"]) == (2, 1)
    assert attributes["created-at"].endswith("+00:00")
    updated = await api.put(f"{P1}/tests/{test_id}.json", attrs_body(version="1.5"))
    assert updated.data["attributes"]["version"] == "1.5"
    assert updated.data["attributes"]["priority"] == "highest"
    deleted = await api.delete(f"{P1}/tests/{test_id}.json")
    assert deleted.status == 204
    assert (await api.get(f"{P1}/tests/{test_id}.json")).status == 404


async def test_test_validation_titles(api: Api) -> None:
    no_name = await api.post(f"{P1}/tests.json", attrs_body(priority="x"))
    bad_type = await api.post(f"{P1}/tests.json", attrs_body(name="a", **{"test-type": "Nope"}))
    long_step = await api.post(
        f"{P1}/tests.json",
        {"data": {"attributes": {"name": "a"}, "steps": {"data": [{"name": "s" * 256}]}}},
    )
    assert no_name.status == bad_type.status == long_step.status == 422
    assert no_name.titles == ["data.attributes.name is required"]
    assert bad_type.titles[0].startswith("data.attributes.test-type must be one of")
    assert long_step.titles == ["data.steps.data[0].name is 256 characters; at most 255"]


async def test_account_token_requires_author_and_pat_may_not_impersonate(
    practitest_emulator_factory, session
) -> None:
    config = EmulatorConfig(
        tokens={
            "pat": TokenGrant(account_id=1, user_id=1),
            "acct": TokenGrant(account_id=1, kind="account"),
        }
    )
    fake = await practitest_emulator_factory(config)
    fake.add_user("other@example.com", id=2)
    api = Api(session, fake)
    acct = {"PTToken": "acct"}
    missing = await api.post(f"{P1}/tests.json", attrs_body(name="a"), headers=acct)
    named = await api.post(
        f"{P1}/tests.json", attrs_body(name="a", **{"author-id": 2}), headers=acct
    )
    foreign = await api.post(f"{P1}/tests.json", attrs_body(name="a", **{"author-id": "2"}))
    assert missing.status == 422
    assert "author-id is required" in missing.titles[0]
    assert named.status == 200
    assert named.data["attributes"]["author-id"] == 2
    assert foreign.status == 403


async def test_test_filters(api: Api) -> None:
    for name in ("Login", "login page", "Logout"):
        api.fake.add_test(1, name)
    exact = await api.get(f"{P1}/tests.json?name_exact=Login")
    like = await api.get(f"{P1}/tests.json?name_like=LOGIN")
    display = await api.get(f"{P1}/tests.json?display-ids=1,3")
    assert [t["attributes"]["name"] for t in exact.data] == ["Login"]
    assert [t["attributes"]["name"] for t in like.data] == ["Login", "login page"]
    assert [t["attributes"]["display-id"] for t in display.data] == [1, 3]


async def test_run_statuses_count_shape(api: Api) -> None:
    api.fake.add_test(1, "a")
    answer = await api.get(f"{P1}/tests/run_statuses_count.json")
    assert answer.body == {
        "data": {
            "type": "tests",
            "run-statuses-count": {
                "PASSED": 0,
                "FAILED": 0,
                "BLOCKED": 0,
                "NOT COMPLETED": 0,
                "NO RUN": 1,
            },
        }
    }


async def test_set_with_instances_clone_and_filters(api: Api) -> None:
    t1, t2 = api.fake.add_test(1, "a"), api.fake.add_test(1, "b")
    created = await api.post(
        f"{P1}/sets.json",
        {
            "data": {
                "type": "sets",
                "attributes": {"name": "Nightly", "priority": "high"},
                "instances": {"test-ids": [t1.id, t2.id]},
            }
        },
    )
    set_id = created.data["id"]
    assert created.data["attributes"]["instances-count"] == 2
    assert "duration-estimate" not in created.data["attributes"]
    with_duration = await api.get(f"{P1}/sets/{set_id}.json?duration=true")
    assert with_duration.data["attributes"]["actual-duration"] == "00:00:00"
    clone = await api.post(f"{P1}/sets/{set_id}/clone.json", attrs_body(name="Copy"))
    assert clone.data["attributes"]["instances-count"] == 2
    assert clone.data["attributes"]["priority"] == "high"
    assert clone.data["attributes"]["run-status"] == "NO RUN"
    names = await api.get(f"{P1}/sets.json?name_like=cop")
    assert [s["attributes"]["name"] for s in names.data] == ["Copy"]
    bad = await api.post(
        f"{P1}/sets.json", {"data": {"attributes": {"name": "x"}, "instances": {"test-ids": [42]}}}
    )
    assert bad.status == 422
    assert bad.titles[0].startswith("data.instances.test-ids[0]")
    assert (await api.delete(f"{P1}/sets/{set_id}.json")).status == 204
    assert len(api.fake.state.instances) == 2  # only the clone's remain


async def test_instances_bulk_display_ids_and_filters(api: Api) -> None:
    fake = api.fake
    tests = [fake.add_test(1, f"t{n}") for n in range(21)]
    test_set = fake.add_set(1, "s")
    items = [
        {"type": "instances", "attributes": {"set-id": test_set.id, "test-id": t.id}} for t in tests
    ]
    too_many = await api.post(f"{P1}/instances.json", {"data": items})
    assert too_many.status == 422
    assert fake.state.instances == {}
    made = await api.post(f"{P1}/instances.json", {"data": items[:3]})
    assert [i["attributes"]["display-id"] for i in made.data] == ["1:1", "1:2", "1:3"]
    assert made.data[1]["attributes"]["name"] == "t1"
    by_display = await api.get(f"{P1}/instances.json?display-id=1:2")
    by_test = await api.get(f"{P1}/instances.json?test-ids={tests[2].id}&set-ids={test_set.id}")
    assert [i["attributes"]["test-id"] for i in by_display.data] == [tests[1].id]
    assert [i["attributes"]["name"] for i in by_test.data] == ["t2"]
    one = made.data[0]["id"]
    updated = await api.put(f"{P1}/instances/{one}.json", attrs_body(version="2"))
    assert updated.data["attributes"]["version"] == "2"
    bad = await api.post(
        f"{P1}/instances.json", {"data": {"attributes": {"set-id": tests[0].id, "test-id": 1}}}
    )
    assert bad.titles == [
        f"data.attributes.set-id: test set {tests[0].id} does not exist in project 1"
    ]


async def test_custom_fields_checked_against_the_project(api: Api) -> None:
    cf = api.fake.add_custom_field(1, "OS", "list", possible_values=["Mac", "Win"])
    ok = await api.post(
        f"{P1}/tests.json", attrs_body(name="a", **{"custom-fields": {f"---f-{cf.id}": "Mac"}})
    )
    wrong_value = await api.post(
        f"{P1}/tests.json", attrs_body(name="a", **{"custom-fields": {f"---f-{cf.id}": "Linux"}})
    )
    unknown = await api.post(
        f"{P1}/tests.json", attrs_body(name="a", **{"custom-fields": {"---f-1": "x"}})
    )
    bad_key = await api.post(
        f"{P1}/tests.json", attrs_body(name="a", **{"custom-fields": {"os": "x"}})
    )
    assert ok.data["attributes"]["custom-fields"] == {f"---f-{cf.id}": "Mac"}
    assert wrong_value.status == unknown.status == bad_key.status == 422
