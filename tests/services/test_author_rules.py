"""Who creates are made as. An account token has no user: creating tests, requirements and
issues needs ``author_id``, a status change ``user_id``, a ManualRun ``tester_id``; the call's
argument or ``Client(author_id=...)`` fills them, and without either the SDK refuses before
sending anything. A personal token acts as its owner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest

from practitest_async import Client, ConfigurationError
from practitest_async.models import RunDraft, RunType
from practitest_async.testing import FakePractiTest, TokenGrant, UserSeed

from .conftest import FAST_EMULATOR, account_client, last_request
from .conftest import PROJECT as P

ACCOUNT = attrs.evolve(
    FAST_EMULATOR,
    tokens={"account-token": TokenGrant(account_id=1, kind="account")},
    users=(UserSeed(id=1, email="tester@example.com"), UserSeed(id=2, email="lead@example.com")),
)


@pytest.fixture
async def account_fake() -> AsyncIterator[FakePractiTest]:
    async with FakePractiTest(ACCOUNT) as fake:
        yield fake


Create = Callable[[Client, dict[str, Any]], Awaitable[Any]]


def creates(fake: FakePractiTest) -> dict[str, tuple[Create, str]]:
    """Each create that needs a user, and the name of its argument."""
    test = fake.add_test(P, "t")
    test_set = fake.add_set(P, "s", test_ids=[test.id])
    (instance,) = fake.state.instances_of_set(test_set.id)
    issue = fake.add_issue(P, "i")

    async def manual_run(c: Client, who: dict[str, Any]) -> Any:
        return await c.runs.create(
            P, instance_id=instance.id, run_type=RunType.MANUAL, exit_code=0, **who
        )

    return {
        "test": (lambda c, who: c.tests.create(P, name="n", **who), "author_id"),
        "requirement": (lambda c, who: c.requirements.create(P, name="n", **who), "author_id"),
        "issue": (lambda c, who: c.issues.create(P, title="n", **who), "author_id"),
        "status": (
            lambda c, who: c.issues.update_status(P, issue.id, status_name="Open", **who),
            "user_id",
        ),
        "manual run": (manual_run, "tester_id"),
    }


WIRE = {"author_id": "author-id", "user_id": "user-id", "tester_id": "tester-id"}
KINDS = ["test", "requirement", "issue", "status", "manual run"]


@pytest.mark.parametrize("kind", KINDS)
async def test_account_token_without_a_user_raises_before_sending(
    account_fake: FakePractiTest, kind: str
) -> None:
    create, argument = creates(account_fake)[kind]
    async with account_client(account_fake) as client:
        with pytest.raises(ConfigurationError, match=argument):
            await create(client, {})
    assert account_fake.log == []


@pytest.mark.parametrize("kind", KINDS)
async def test_account_token_sends_the_argument(account_fake: FakePractiTest, kind: str) -> None:
    create, argument = creates(account_fake)[kind]
    async with account_client(account_fake, author_id=1) as client:
        await create(client, {argument: 2})  # the argument wins over the client's default
    assert _sent_user(account_fake, argument) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_account_token_falls_back_to_the_client_default(
    account_fake: FakePractiTest, kind: str
) -> None:
    create, argument = creates(account_fake)[kind]
    async with account_client(account_fake, author_id=2) as client:
        made = await create(client, {})
    assert _sent_user(account_fake, argument) == 2
    assert last_request(account_fake).status == 200
    if argument != "user_id":  # an issue does not show who changed its status
        assert getattr(made, argument) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_personal_token_needs_no_user(
    fake: FakePractiTest, client: Client, kind: str
) -> None:
    create, argument = creates(fake)[kind]
    made = await create(client, {})
    assert _sent_user(fake, argument) is None
    if argument == "author_id":
        assert made.author_id == 1  # the token's owner


async def test_sets_take_an_optional_author(account_fake: FakePractiTest) -> None:
    async with account_client(account_fake) as client:
        made = await client.sets.create(P, name="no author needed")
    assert made.name == "no author needed"
    assert "author-id" not in last_request(account_fake).body["data"]["attributes"]


async def test_runs_create_many_checks_every_draft_before_sending_any(
    account_fake: FakePractiTest,
) -> None:
    test = account_fake.add_test(P, "t")
    test_set = account_fake.add_set(P, "s", test_ids=[test.id])
    (instance,) = account_fake.state.instances_of_set(test_set.id)
    drafts = [RunDraft(instance_id=instance.id, exit_code=0)] * 25
    drafts.append(RunDraft(instance_id=instance.id, run_type=RunType.MANUAL, exit_code=0))
    async with account_client(account_fake) as client:
        with pytest.raises(ConfigurationError, match="tester_id"):
            await client.runs.create_many(P, drafts)
    assert account_fake.log == []


def test_token_kind_is_checked_and_read_from_the_environment() -> None:
    with pytest.raises(ConfigurationError, match="token_kind"):
        Client("t", token_kind="robot")  # type: ignore[arg-type]
    env = {"PRACTITEST_TOKEN": "t", "PRACTITEST_TOKEN_KIND": "Account"}
    assert Client.from_env(env).token_kind == "account"
    assert Client.from_env({"PRACTITEST_TOKEN": "t"}).token_kind == "personal"
    with pytest.raises(ConfigurationError, match="PRACTITEST_TOKEN_KIND"):
        Client.from_env({"PRACTITEST_TOKEN": "t", "PRACTITEST_TOKEN_KIND": "team"})


def _sent_user(fake: FakePractiTest, argument: str) -> Any:
    attributes = last_request(fake).body["data"]["attributes"]
    return attributes.get(WIRE[argument])
