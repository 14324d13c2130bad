"""What reaches the emulator is what PractiTest's docs describe (issue 10, "wrong on the wire").

Each test acts through the public client and asserts the raw request the emulator received,
or that nothing was sent when the SDK refuses a call before sending.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from practitest_async import Client, RunResult
from practitest_async.models import CLEAR, AttachmentEntity, FileDraft, TestStepDraft
from practitest_async.testing import FakePractiTest, TokenGrant, UserSeed

from .conftest import FAST_CLIENT, FAST_EMULATOR, last_request
from .conftest import PROJECT as P


def _attributes(fake: FakePractiTest) -> dict[str, Any]:
    return last_request(fake).body["data"]["attributes"]  # type: ignore[no-any-return]


def _fields(fake: FakePractiTest, n: int) -> list[int]:
    return [fake.state.add_custom_field(P, f"cf{i}").id for i in range(n)]


# --- custom-field values ----------------------------------------------------------------------


async def test_custom_field_values_go_out_as_strings_and_lists_of_strings(
    fake: FakePractiTest, client: Client
) -> None:
    a, b, c, d, e, f, g = _fields(fake, 7)
    values: dict[int, Any] = {
        a: "Windows",
        b: 5381,
        c: 2.5,
        d: Decimal("10.10"),
        e: ("ClientA", "ClientB"),
        f: {"Mac", "Linux"},
        g: dt.date(2026, 12, 1),
    }
    made = await client.tests.create(P, name="t", custom_fields=values)
    assert _attributes(fake)["custom-fields"] == {
        f"---f-{a}": "Windows",
        f"---f-{b}": "5381",
        f"---f-{c}": "2.5",
        f"---f-{d}": "10.10",
        f"---f-{e}": ["ClientA", "ClientB"],
        f"---f-{f}": ["Linux", "Mac"],
        f"---f-{g}": "2026-12-01",
    }
    assert last_request(fake).status == 200
    assert made.custom_fields[e] == ["ClientA", "ClientB"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "boolean"),
        (None, "only an update can clear"),
        (CLEAR, "only an update can clear"),
        (float("nan"), "not a number"),
        (b"bytes", "custom-field value is"),
        (["ok", False], "boolean"),
    ],
)
async def test_a_custom_field_value_without_a_wire_form_is_refused_before_sending(
    fake: FakePractiTest, client: Client, value: Any, message: str
) -> None:
    (field,) = _fields(fake, 1)
    with pytest.raises((ValueError, TypeError), match=message) as caught:
        await client.tests.create(P, name="t", custom_fields={field: value})
    assert f"custom field {field}" in str(caught.value)
    assert fake.log == []


async def test_none_and_clear_empty_a_custom_field_on_update(
    fake: FakePractiTest, client: Client
) -> None:
    keep, drop, also = _fields(fake, 3)
    made = await client.tests.create(
        P, name="t", custom_fields={keep: "k", drop: "d", also: "a"}, version="1"
    )
    updated = await client.tests.update(
        P, made.id, custom_fields={drop: None, also: CLEAR}, version=CLEAR
    )
    sent = _attributes(fake)
    assert sent["custom-fields"] == {f"---f-{drop}": None, f"---f-{also}": None}
    assert sent["version"] is None  # CLEAR is null on the wire; None would be left out
    assert updated.custom_fields == {keep: "k"}
    assert updated.version is None


async def test_the_batch_layer_sends_custom_fields_by_the_same_rules(
    fake: FakePractiTest, client: Client
) -> None:
    a, b = _fields(fake, 2)
    result = RunResult("r", "PASSED", custom_fields={f"---f-{a}": 1.25, b: ("x", 7)})
    report = await client.upload_results(P, [result], test_set="S")
    assert report.ok
    (posted,) = [r for r in fake.log if r.method == "POST" and "/runs" in r.path]
    data = posted.body["data"]
    assert (data[0] if isinstance(data, list) else data)["attributes"]["custom-fields"] == {
        f"---f-{a}": "1.25",
        f"---f-{b}": ["x", "7"],
    }
    with pytest.raises(ValueError, match="only an update can clear"):
        RunResult("r", custom_fields={a: None})
    with pytest.raises(ValueError, match="boolean"):
        RunResult("r", custom_fields={a: True})


# --- nested keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        {"name": "open", "expected_results": "shown", "position": 1},
        TestStepDraft(name="open", expected_results="shown", position=1),
    ],
    ids=["mapping", "TestStepDraft"],
)
async def test_auto_create_kebab_cases_the_test_attributes_at_every_depth(
    fake: FakePractiTest, client: Client, step: Any
) -> None:
    test_set = fake.add_set(P, "S")
    made = await client.runs.auto_create(
        P,
        set_id=test_set.id,
        test_attributes={"name": "Login", "test_type": "ApiTest", "steps": [step]},
        exit_code=0,
    )
    sent = last_request(fake).body["data"]["test-attributes"]
    assert sent == {
        "name": "Login",
        "test-type": "ApiTest",
        "steps": [{"name": "open", "expected-results": "shown", "position": 1}],
    }
    assert made.created_test
    (stored,) = [s for s in fake.state.steps.values() if s.test_id == made.created_test_id]
    assert stored.expected_results == "shown"


async def test_the_emulator_refuses_a_kebab_key_spelled_snake_case(
    fake: FakePractiTest, client: Client
) -> None:
    test_set = fake.add_set(P, "S")
    body = {
        "data": {
            "type": "instances",
            "attributes": {"set-id": test_set.id, "exit-code": 0},
            "test-attributes": {"name": "n", "steps": [{"name": "s", "expected_results": "x"}]},
        }
    }
    with pytest.raises(Exception, match="spells this key expected-results"):
        await client.transport.request(
            "POST", f"/api/v2/projects/{P}/runs/auto_create.json", json=body
        )
    assert fake.state.tests == {}


async def test_a_step_with_an_unknown_key_is_refused_before_sending(
    fake: FakePractiTest, client: Client
) -> None:
    test_set = fake.add_set(P, "S")
    with pytest.raises(ValueError, match=r"steps\[0\]: TestStepDraft has no 'expected'"):
        await client.runs.auto_create(
            P,
            set_id=test_set.id,
            test_attributes={"name": "n", "steps": [{"name": "s", "expected": "x"}]},
        )
    assert fake.log == []


# --- attachments, auth, impersonation ---------------------------------------------------------


async def test_attachments_are_not_uploaded_to_a_run(fake: FakePractiTest, client: Client) -> None:
    with pytest.raises(ValueError, match=r"runs\.create\(\.\.\., files="):
        await client.attachments.create(
            P,
            entity=AttachmentEntity.RUN,
            entity_id=1,
            files=[FileDraft(filename="a", content=b"x")],
        )
    assert fake.log == []


@pytest.mark.parametrize(("email", "user"), [(None, "practitest-async"), ("me@x.io", "me@x.io")])
async def test_basic_auth_sends_a_user_name(
    fake: FakePractiTest, email: str | None, user: str
) -> None:
    async with Client(
        fake.token, base_url=fake.url, rate_limit=FAST_CLIENT, auth="basic", email=email
    ) as client:
        await client.projects.list()
    assert last_request(fake).basic_user == user
    assert last_request(fake).status == 200


IMPERSONATING = attrs.evolve(
    FAST_EMULATOR,
    tokens={
        "pat": TokenGrant(account_id=1, kind="personal", user_id=1),
        "account": TokenGrant(account_id=1, kind="account"),
    },
    users=(UserSeed(id=1, email="me@example.com"), UserSeed(id=2, email="lead@example.com")),
)


async def test_a_personal_token_does_not_send_the_client_default_author() -> None:
    async with FakePractiTest(IMPERSONATING) as fake:
        fake.add_set(P, "S")
        async with Client("pat", base_url=fake.url, rate_limit=FAST_CLIENT, author_id=2) as c:
            made = await c.tests.create(P, name="mine")
            sent_default = "author-id" in _attributes(fake)
            issue = await c.issues.create(P, title="i")
            await c.issues.update_status(P, issue.id, status_name="Open")
            sent_user = "user-id" in _attributes(fake)
    assert not sent_default
    assert not sent_user
    assert made.author_id == 1  # the token's owner; no impersonation was asked for


async def test_an_explicit_author_is_sent_with_a_personal_token() -> None:
    config = attrs.evolve(
        IMPERSONATING,
        tokens={"pat": TokenGrant(account_id=1, kind="personal", user_id=1, impersonation=True)},
    )
    async with (
        FakePractiTest(config) as fake,
        Client("pat", base_url=fake.url, rate_limit=FAST_CLIENT, author_id=1) as c,
    ):
        made = await c.tests.create(P, name="theirs", author_id=2)
    assert made.author_id == 2


async def test_an_account_token_sends_the_client_default_author() -> None:
    async with FakePractiTest(IMPERSONATING) as fake, account_client_for(fake, author_id=2) as c:
        made = await c.tests.create(P, name="t")
    assert made.author_id == 2


def account_client_for(fake: FakePractiTest, **options: Any) -> Client:
    return Client(
        "account", base_url=fake.url, rate_limit=FAST_CLIENT, token_kind="account", **options
    )
