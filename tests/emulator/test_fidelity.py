"""The emulator's side of issue 10: what it refuses and accepts, said with raw HTTP."""

from __future__ import annotations

from .conftest import P1, Api, attrs_body, basic


async def test_a_custom_field_is_emptied_by_null_on_update_only(api: Api) -> None:
    a = api.fake.state.add_custom_field(1, "a").id
    b = api.fake.state.add_custom_field(1, "b").id
    made = await api.post(
        f"{P1}/tests.json", attrs_body(name="t", **{"custom-fields": {f"---f-{a}": "x"}})
    )
    null_on_create = await api.post(
        f"{P1}/tests.json", attrs_body(name="u", **{"custom-fields": {f"---f-{a}": None}})
    )
    test_id = made.data["id"]
    await api.put(f"{P1}/tests/{test_id}.json", attrs_body(**{"custom-fields": {f"---f-{b}": "y"}}))
    cleared = await api.put(
        f"{P1}/tests/{test_id}.json", attrs_body(**{"custom-fields": {f"---f-{a}": None}})
    )
    assert null_on_create.status == 422
    assert f"---f-{a} must be a string or an array of strings, not null" in null_on_create.titles[0]
    assert cleared.status == 200
    # fields not named keep their value; the one sent as null is gone
    assert cleared.data["attributes"]["custom-fields"] == {f"---f-{b}": "y"}


async def test_a_kebab_case_key_sent_in_snake_case_is_refused(api: Api) -> None:
    body = {
        "data": {
            "attributes": {"name": "t"},
            "steps": {"data": [{"name": "s", "expected_results": "shown"}]},
        }
    }
    answer = await api.post(f"{P1}/tests.json", body)
    assert answer.status == 422
    assert answer.titles == [
        "data.steps.data[0].expected_results: the API spells this key expected-results"
    ]
    assert api.fake.state.tests == {}


async def test_run_uploads_are_refused_by_attachments(api: Api) -> None:
    test = api.fake.add_test(1, "t")
    answer = await api.post(
        f"{P1}/attachments.json",
        {
            "entity": "run",
            "entity-id": test.id,
            "data": {"files": {"data": [{"filename": "a", "content_encoded": "eA=="}]}},
        },
    )
    assert answer.status == 422
    assert "entity must be one of" in answer.titles[0]


async def test_the_log_keeps_the_basic_user_name(api: Api) -> None:
    await api.get(
        "/api/v2/projects.json", auth=False, headers=basic("ci@example.com", api.fake.token)
    )
    await api.get("/api/v2/projects.json")
    assert [r.basic_user for r in api.fake.log] == ["ci@example.com", None]
