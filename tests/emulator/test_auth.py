"""Authentication (§2), formats (406) and project visibility."""

from __future__ import annotations

from practitest_async.testing import EmulatorConfig, ProjectSeed, TokenGrant

from .conftest import P1, Api, basic


async def test_pttoken_header_basic_and_query_all_authenticate(api: Api) -> None:
    token = api.fake.token
    by_header = await api.get("/api/v2/projects.json")
    by_basic = await api.get("/api/v2/projects.json", auth=False, headers=basic("any", token))
    by_query = await api.get(
        f"/api/v2/projects.json?api_token={token}&developer_email=a%40b.c", auth=False
    )
    assert by_header.status == by_basic.status == by_query.status == 200
    assert by_header.data == by_basic.data == by_query.data
    assert [p["attributes"]["name"] for p in by_header.data] == ["Demo project"]


async def test_missing_or_wrong_token_is_401_with_error_titles(api: Api) -> None:
    missing = await api.get("/api/v2/projects.json", auth=False)
    wrong = await api.get("/api/v2/projects.json", headers={"PTToken": "nope"})
    basic_without_password = await api.get(
        "/api/v2/projects.json", auth=False, headers=basic("me@example.com", "")
    )
    assert missing.status == wrong.status == basic_without_password.status == 401
    assert "token" in missing.titles[0]
    assert "wrong" in wrong.titles[0]
    assert api.fake.state.tests == {}


async def test_other_account_sees_404_for_foreign_project(
    practitest_emulator_factory, session
) -> None:
    config = EmulatorConfig(
        tokens={
            "mine": TokenGrant(account_id=1, user_id=1),
            "theirs": TokenGrant(account_id=2, kind="account"),
        },
        projects=(ProjectSeed(id=1, name="Ours"), ProjectSeed(id=7, name="Theirs", account_id=2)),
    )
    fake = await practitest_emulator_factory(config)
    api = Api(session, fake)
    theirs = {"PTToken": "theirs"}
    assert (await api.get(f"{P1}.json", headers=theirs)).status == 404
    listed = await api.get("/api/v2/projects.json", headers=theirs)
    assert [p["id"] for p in listed.data] == ["7"]
    assert (await api.get("/api/v2/projects/7/tests.json")).status == 404  # "mine" token


async def test_non_json_formats_are_406(api: Api) -> None:
    xml_accept = await api.get("/api/v2/projects.json", headers={"Accept": "application/xml"})
    no_suffix = await api.get(f"{P1}/tests")
    xml_suffix = await api.get(f"{P1}/tests.xml")
    json_accept = await api.get(
        "/api/v2/projects.json", headers={"Accept": "application/json, text/plain"}
    )
    assert (xml_accept.status, no_suffix.status, xml_suffix.status) == (406, 406, 406)
    assert json_accept.status == 200


async def test_unknown_path_404_wrong_method_405_bad_json_400(api: Api) -> None:
    unknown = await api.get("/api/v2/nothing.json")
    wrong_method = await api.call("PATCH", f"{P1}/tests.json", {"data": {}})
    bad = await api.call("POST", f"{P1}/tests.json", headers={}, raw="{not json")
    assert unknown.status == 404
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "GET, POST"
    assert bad.status == 400
    assert "not valid JSON" in bad.titles[0]


async def test_body_without_json_content_type_is_400(api: Api) -> None:
    answer = await api.call(
        "POST",
        f"{P1}/tests.json",
        headers={"Content-Type": "text/plain"},
        raw='{"data": {"attributes": {"name": "x"}}}',
    )
    assert answer.status == 400
    assert "Content-Type" in answer.titles[0]
