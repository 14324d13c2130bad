"""The pytest fixtures and the command line."""

from __future__ import annotations

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest, TokenGrant
from practitest_async.testing.__main__ import main

from .conftest import Api


async def test_default_fixture_is_started(practitest_emulator: FakePractiTest, session) -> None:
    assert practitest_emulator.url.startswith("http://127.0.0.1:")
    answer = await Api(session, practitest_emulator).get("/api/v2/projects.json")
    assert answer.status == 200


async def test_factory_fixture_takes_a_config(practitest_emulator_factory) -> None:
    fake = await practitest_emulator_factory(EmulatorConfig(limit=3))
    assert fake.config.limit == 3
    assert fake.token == "test-token"


def test_cli_refuses_non_loopback_hosts(capsys) -> None:
    assert main(["--host", "0.0.0.0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_emulator_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakePractiTest(host="192.168.1.1")


def test_config_refuses_a_pat_of_an_unknown_user() -> None:
    with pytest.raises(ValueError, match="not among the configured users"):
        EmulatorConfig(tokens={"t": TokenGrant(account_id=1, user_id=42)})
