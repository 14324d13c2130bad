"""Groups, users, user projects, fields, custom fields and attachments over raw HTTP."""

from __future__ import annotations

import base64

from practitest_async.testing import EmulatorConfig, TokenGrant

from .conftest import P1, Api, attrs_body


async def test_groups_list_and_show_with_permissions(api: Api) -> None:
    listed = await api.get(f"{P1}/groups.json")
    names = [g["attributes"]["name"] for g in listed.data]
    assert names == ["Administrators", "Developers", "Testers"]
    assert "permissions" not in listed.data[0]["attributes"]
    shown = await api.get(f"{P1}/groups/{listed.data[2]['id']}.json")
    permissions = shown.data["attributes"]["permissions"]
    assert {"title", "description", "allowed"} == set(permissions[0])
    assert (await api.get(f"{P1}/groups/99.json")).status == 404


async def test_users_create_show_update_filter(api: Api) -> None:
    created = await api.post(
        "/api/v2/users.json", attrs_body(email="new@example.com", **{"first-name": "Ann"})
    )
    assert created.status == 200
    user_id = created.data["id"]
    assert created.data["attributes"]["display-name"] == "new@example.com"
    again = await api.post("/api/v2/users.json", attrs_body(email="NEW@example.com"))
    assert again.status == 422
    assert "already exists" in again.titles[0]
    # a PAT lists only users sharing a project with it: the new user has none yet
    assert [u["id"] for u in (await api.get("/api/v2/users.json")).data] == ["1"]
    assert (await api.get(f"/api/v2/users/{user_id}.json")).status == 200
    group = next(iter(api.fake.state.groups.values()))
    grant = await api.put(
        f"/api/v2/users/{user_id}/projects.json",
        {"data": {"projects": [{"id": 1, "groups": [{"id": group.id}]}]}},
    )
    assert grant.status == 200
    assert grant.data[0]["attributes"]["groups"] == [{"id": group.id, "name": group.name}]
    updated = await api.put(
        f"/api/v2/users/{user_id}.json", attrs_body(**{"display-name": "Ann B"})
    )
    assert updated.data["attributes"]["display-name"] == "Ann B"
    by_email = await api.get("/api/v2/users.json?email=new%40example.com")
    assert [u["id"] for u in by_email.data] == [user_id]
    revoked = await api.delete(f"/api/v2/users/{user_id}/projects.json")
    assert revoked.status == 204
    assert api.fake.state.memberships[int(user_id)] == {}


async def test_user_projects_validation(api: Api) -> None:
    bad = await api.put(
        "/api/v2/users/1/projects.json",
        {"data": {"projects": [{"id": 1, "groups": []}, {"id": 9, "groups": [{"id": 1}]}]}},
    )
    assert bad.status == 422
    assert bad.titles == [
        "data.projects[0].groups must name at least one group",
        "data.projects[1].id: project 9 does not exist in this account",
    ]


async def test_non_corporate_accounts_get_403(practitest_emulator_factory, session) -> None:
    fake = await practitest_emulator_factory(EmulatorConfig(corporate_account=False))
    api = Api(session, fake)
    assert (await api.get("/api/v2/users.json")).status == 403


async def test_account_token_sees_all_account_users(practitest_emulator_factory, session) -> None:
    fake = await practitest_emulator_factory(
        EmulatorConfig(tokens={"acct": TokenGrant(account_id=1, kind="account")})
    )
    fake.add_user("loner@example.com")
    listed = await Api(session, fake).get("/api/v2/users.json?active=true")
    everyone = await Api(session, fake).get("/api/v2/users.json")
    assert len(listed.data) == 1
    assert len(everyone.data) == 2


async def test_fields_json_is_flat_and_custom_fields_update(api: Api) -> None:
    cf = api.fake.add_custom_field(1, "OS", "list", possible_values=["Mac"])
    fields = await api.get(f"{P1}/fields.json")
    custom = [f for f in fields.data if f["type"] == "CustomField"]
    assert custom == [
        {
            "id": cf.id,
            "type": "CustomField",
            "name": "OS",
            "field_format": "list",
            "possible_values": ["Mac"],
            "uniq_name": f"___f_{cf.id}",
            "entities": ["Test", "TestSet", "Instance", "Run"],
        }
    ]
    listed = await api.get(f"{P1}/custom_fields.json")
    assert listed.data[0]["type"] == "custom-fields"
    updated = await api.put(
        f"{P1}/custom_fields/{cf.id}.json",
        {
            "data": {
                "type": "custom_fields",
                "attributes": {"name": "OS2", "possible-values": ["Mac", "Win"]},
            }
        },
    )
    assert updated.data["attributes"]["possible-values"] == ["Mac", "Win"]
    assert (await api.get(f"{P1}/custom_fields/{cf.id}.json")).data["attributes"]["name"] == "OS2"
    bad = await api.put(f"{P1}/custom_fields/{cf.id}.json", attrs_body(**{"possible-values": [1]}))
    assert bad.status == 422
    assert bad.titles[0].startswith("data.attributes.possible-values[0]")


async def test_attachments_upload_list_download_delete(api: Api) -> None:
    issue = api.fake.add_issue(1, "crash")
    content = b"\x00binary\xff" * 10
    body = {
        "entity": "issue",
        "entity-id": issue.id,
        "data": {
            "type": "attachments",
            "files": {
                "data": [
                    {"filename": "dump.bin", "content_encoded": base64.b64encode(content).decode()}
                ]
            },
        },
    }
    created = await api.post(f"{P1}/attachments.json", body)
    assert created.status == 200
    att = created.data[0]
    assert att["attributes"] == {"name": "dump.bin", "size": len(content)}
    listed = await api.get(f"{P1}/attachments.json?entity=issue&entity-id={issue.id}")
    assert [a["id"] for a in listed.data] == [att["id"]]
    url = f"{api.fake.url}{P1}/attachments/{att['id']}"
    async with api.session.get(
        url, headers={"PTToken": api.fake.token}, allow_redirects=False
    ) as resp:
        assert resp.status == 302
        assert "/_storage/" in resp.headers["Location"]
    async with api.session.get(url, headers={"PTToken": api.fake.token}) as resp:
        assert await resp.read() == content
    assert (await api.delete(f"{P1}/attachments/{att['id']}.json")).status == 204
    assert api.fake.state.attachments == {}


async def test_attachment_validation(api: Api) -> None:
    test = api.fake.add_test(1, "t")
    no_entity = await api.get(f"{P1}/attachments.json")
    missing = await api.get(f"{P1}/attachments.json?entity=test&entity-id=5")
    run_upload = await api.post(
        f"{P1}/attachments.json",
        {"entity": "run", "entity-id": test.id, "data": {"files": {"data": []}}},
    )
    bad_b64 = await api.post(
        f"{P1}/attachments.json",
        {
            "entity": "test",
            "entity-id": test.id,
            "data": {"files": {"data": [{"filename": "a", "content_encoded": "%%%"}]}},
        },
    )
    assert no_entity.status == 422
    assert no_entity.titles[0].startswith("entity must be one of")
    assert missing.status == 404
    assert run_upload.status == 422
    assert bad_b64.titles == ["data.files.data[0].content_encoded is not valid base64"]
