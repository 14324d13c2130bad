"""The endpoints that do not follow the pattern: attachments (base64 up, binary down through a
redirect), auto_create, clone, workflow transitions, fields.json, and how answers are read."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import attrs
import pytest
from aiohttp import web

from practitest_async import Client, ValidationError
from practitest_async.models import (
    AttachmentEntity,
    FieldType,
    FileDraft,
    RunStatus,
    StepDraft,
    StepStatus,
    TestType,
)
from practitest_async.testing import FakePractiTest

from .conftest import FAST_CLIENT, FAST_EMULATOR
from .conftest import PROJECT as P

BINARY = bytes(range(256)) * 3


async def test_attachments_go_up_base64_and_come_down_byte_for_byte(
    fake: FakePractiTest, client: Client
) -> None:
    test = fake.add_test(P, "t")
    files = [
        FileDraft(filename="shot.png", content=BINARY),
        FileDraft(filename="a.txt", content=b""),
    ]
    made = await client.attachments.create(
        P, entity=AttachmentEntity.TEST, entity_id=test.id, files=files
    )
    assert [(a.name, a.size) for a in made] == [("shot.png", len(BINARY)), ("a.txt", 0)]
    listed = [a.id async for a in client.attachments.list(P, entity="test", entity_id=test.id)]
    assert listed == [a.id for a in made]
    assert await client.attachments.download(P, made[0].id) == BINARY
    (download,) = fake.stats.requests("GET", "/api/v2/projects/{p}/attachments/{id}")
    assert download.status == 302  # answered with the redirect, which the client followed


@attrs.define
class Seen:
    headers: list[dict[str, str]] = attrs.Factory(list)
    urls: list[str] = attrs.Factory(list)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def storage() -> AsyncIterator[tuple[str, Seen]]:
    """A storage host of its own (another origin) that records what reaches it."""
    seen = Seen()

    async def blob(request: web.Request) -> web.Response:
        seen.headers.append(dict(request.headers))
        seen.urls.append(str(request.url))
        return web.Response(body=BINARY, content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/bucket/{name}", blob)
    runner, url = await serve(app)
    yield url, seen
    await runner.cleanup()


@pytest.mark.parametrize("auth", ["header", "basic", "query"])
async def test_the_token_is_not_sent_to_the_storage_host(
    storage: tuple[str, Seen], auth: str
) -> None:
    storage_url, seen = storage
    api_seen = Seen()

    async def download(request: web.Request) -> web.Response:
        api_seen.headers.append(dict(request.headers))
        api_seen.urls.append(str(request.url))
        raise web.HTTPFound(f"{storage_url.replace('127.0.0.1', 'localhost')}/bucket/a.png?sig=1")

    app = web.Application()
    app.router.add_get("/api/v2/projects/1/attachments/7", download)
    runner, api_url = await serve(app)
    try:
        client = Client("s3cret", base_url=api_url, auth=auth, rate_limit=FAST_CLIENT)  # type: ignore[arg-type]
        async with client as c:
            assert await c.attachments.download(P, 7) == BINARY
    finally:
        await runner.cleanup()
    where = {"header": "PTToken", "basic": "Authorization", "query": "api_token="}[auth]
    assert where in str(api_seen.headers) + api_seen.urls[0]  # the API did get the token
    (headers,) = seen.headers
    assert "PTToken" not in headers
    assert "Authorization" not in headers
    assert "s3cret" not in str(headers) + seen.urls[0]
    assert seen.urls[0].endswith("/bucket/a.png?sig=1")


async def test_auto_create_says_what_it_had_to_create(fake: FakePractiTest, client: Client) -> None:
    known = fake.add_test(P, "Known test")
    test_set = fake.add_set(P, "Nightly", test_ids=[known.id])
    steps = (
        StepDraft(name="a", status=StepStatus.PASSED),
        StepDraft(name="b", status=StepStatus.BLOCKED),
    )
    by_id = await client.runs.auto_create(P, set_id=test_set.id, test_id=known.id, steps=steps)
    assert (by_id.created_test, by_id.created_instance) == (False, False)
    assert (by_id.run.test_id, by_id.run.status) == (known.id, RunStatus.BLOCKED)
    other_set = fake.add_set(P, "Weekly")
    by_name = await client.runs.auto_create(
        P, set_id=other_set.id, test_name="Known test", exit_code=1, version="1.2"
    )
    assert (by_name.created_test, by_name.created_instance) == (False, True)
    assert by_name.run.test_id == known.id
    assert by_name.run.version == "1.2"
    new = await client.runs.auto_create(
        P,
        set_id=other_set.id,
        test_name="New test",
        test_attributes={"test_type": TestType.BDD, "description": "made on the fly"},
        exit_code=0,
    )
    assert new.created_test
    created = fake.state.tests[new.created_test_id or 0]
    assert (created.name, created.test_type, created.description) == (
        "New test",
        "BDDTest",
        "made on the fly",
    )


async def test_clone_copies_a_set_with_fresh_instances(
    fake: FakePractiTest, client: Client
) -> None:
    tests = [fake.add_test(P, f"t{n}") for n in range(3)]
    original = fake.add_set(P, "Release 1", test_ids=[t.id for t in tests], priority="high")
    copy = await client.sets.clone(P, original.id, name="Release 2", tags=["r2"])
    assert (copy.name, copy.priority, copy.tags, copy.instances_count) == (
        "Release 2",
        "high",
        ["r2"],
        3,
    )
    copied = sorted(i.test_id for i in fake.state.instances_of_set(copy.id))
    assert copied == sorted(t.id for t in tests)


async def test_a_status_outside_the_workflow_is_a_validation_error(
    fake: FakePractiTest, client: Client
) -> None:
    issue = fake.add_issue(P, "bug")
    with pytest.raises(ValidationError, match="not a status of the workflow") as caught:
        await client.issues.update_status(P, issue.id, status_name="Teleported")
    assert caught.value.status == 422
    fixed = await client.issues.update_status(P, issue.id, status_name="Fixed")
    assert (fixed.status_name, fixed.closed_at) == ("Fixed", None)


async def test_linking_what_does_not_exist_is_a_validation_error(
    fake: FakePractiTest, client: Client
) -> None:
    requirement = fake.add_requirement(P, "r")
    with pytest.raises(ValidationError, match="does not exist"):
        await client.requirements.linked_tests.add(P, requirement.id, [999])
    assert await client.requirements.linked_tests.list(P, requirement.id) == []


async def test_fields_lists_system_and_custom_fields_with_linked_list_values(
    fake: FakePractiTest, client: Client
) -> None:
    values = {"Production": ["ASIA", "EUROPE"], "Lab": ["Lab1"]}
    cf = fake.add_custom_field(P, "Where", "linkedlist", possible_values=values)
    fields = {f.id: f async for f in client.fields.list(P)}
    assert (fields[cf.id].type, fields[cf.id].possible_values) == (FieldType.CUSTOM, values)
    assert fields[cf.id].uniq_name == f"___f_{cf.id}"
    assert {f.type for f in fields.values()} == {FieldType.SYSTEM, FieldType.CUSTOM}


async def test_models_are_typed_and_keep_attributes_they_do_not_know(
    fake: FakePractiTest, client: Client
) -> None:
    browser = fake.add_custom_field(P, "Browser", "multilist", possible_values=["Chrome", "Edge"])
    made = await client.tests.create(
        P,
        name="typed",
        duration_estimate=dt.timedelta(hours=1, minutes=2, seconds=3),
        custom_fields={browser.id: ["Chrome", "Edge"]},
        tags=["smoke"],
    )
    assert made.duration_estimate == dt.timedelta(hours=1, minutes=2, seconds=3)
    assert made.custom_fields == {browser.id: ["Chrome", "Edge"]}
    assert made.created_at is not None
    assert made.created_at.tzinfo is not None
    assert made.test_type is TestType.API  # the server's default
    sent = fake.log[-1].body["data"]["attributes"]
    assert sent["custom-fields"] == {f"---f-{browser.id}": ["Chrome", "Edge"]}
    assert sent["duration-estimate"] == "01:02:03"
    test_set = fake.add_set(P, "s")
    instance = fake.add_instance(P, test_set.id, made.id, parameters={"browser": "Edge"})
    got = await client.instances.get(P, instance.id)
    assert got.extra == {"parameters": {"browser": "Edge"}}  # undocumented, kept
    milestone = fake.add_milestone(P, "Sprint", start_date="2025-01-01", end_date="2025-01-14")
    sprint = await client.milestones.get(P, milestone.id)
    assert (sprint.start_date, sprint.end_date) == (dt.date(2025, 1, 1), dt.date(2025, 1, 14))


@pytest.mark.parametrize("answer", ["no_content", "document"])
async def test_deletes_return_nothing_whatever_the_server_answers(answer: str) -> None:
    config = attrs.evolve(FAST_EMULATOR, delete_response=answer)
    async with FakePractiTest(config) as fake:
        async with Client(fake.token, base_url=fake.url, rate_limit=FAST_CLIENT) as client:
            test = fake.add_test(P, "t")
            requirement = fake.add_requirement(P, "r")
            assert await client.requirements.linked_tests.add(P, requirement.id, [test.id]) is None
            assert await client.tests.delete(P, test.id) is None
        assert [r.status for r in fake.log] == [204, 204] if answer == "no_content" else [200, 200]
        assert fake.state.tests == {}
