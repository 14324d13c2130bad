"""An upload problem is always said in one line, never turns a green session red unless
``--practitest-strict``, and never shows the token."""

from __future__ import annotations

import pytest

from practitest_async.testing import FakePractiTest

from .conftest import UPLOAD, run_pytest, summary_lines

GREEN = "def test_one(): pass\ndef test_two(): pass\n"
WRONG_TOKEN = "wrong-token-0123456789"


async def test_a_wrong_token_is_reported_and_the_session_stays_green(
    fake: FakePractiTest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTITEST_TOKEN", WRONG_TOKEN)
    pytester.makepyfile(test_green=GREEN)

    result = await run_pytest(pytester, *UPLOAD, "--practitest-set", "Nightly")

    assert result.ret == pytest.ExitCode.OK
    assert summary_lines(result) == [
        "PractiTest: upload failed: AuthenticationError: GET /api/v2/projects/1/sets.json "
        "-> 401 Unauthorized: the API token is wrong; 0 of 2 results uploaded"
    ]
    assert WRONG_TOKEN not in result.stdout.str() + result.stderr.str()


async def test_strict_turns_an_upload_failure_red(
    fake: FakePractiTest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTITEST_TOKEN", WRONG_TOKEN)
    pytester.makepyfile(test_green=GREEN)

    result = await run_pytest(
        pytester, *UPLOAD, "--practitest-set", "Nightly", "--practitest-strict"
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=2)
    assert summary_lines(result)[0].startswith("PractiTest: upload failed: AuthenticationError")


async def test_results_that_fail_to_upload_are_counted_and_the_first_one_explained(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_green=GREEN)
    args = (*UPLOAD, "--practitest-set", "Nightly", "--practitest-no-create-missing")

    lenient = await run_pytest(pytester, *args)
    strict = await run_pytest(pytester, *args, "--practitest-strict")

    assert lenient.ret == pytest.ExitCode.OK
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    [line] = summary_lines(lenient)
    assert line.startswith("PractiTest: 0 uploaded, 2 failed in ")
    assert line.endswith(
        "; first failure: test_green.py::test_one: no test named 'test_green.py::test_one' "
        "in project 1"
    )
    assert fake.state.runs == {}


async def test_missing_settings_are_reported_or_with_strict_a_usage_error(
    fake: FakePractiTest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRACTITEST_TOKEN")
    pytester.makepyfile(test_green=GREEN)

    lenient = await run_pytest(pytester, *UPLOAD, "--practitest-set", "Nightly")
    strict = await run_pytest(
        pytester, *UPLOAD, "--practitest-set", "Nightly", "--practitest-strict"
    )

    assert lenient.ret == pytest.ExitCode.OK
    assert summary_lines(lenient) == [
        "PractiTest: upload failed: ConfigurationError: no PractiTest token: "
        "set PRACTITEST_TOKEN (or PRACTITEST_TOKEN_FILE); 2 results not uploaded"
    ]
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    assert "ERROR: PractiTest: ConfigurationError: no PractiTest token" in strict.stderr.str()
    assert fake.stats.total_calls == 0


async def test_a_missing_set_names_the_option_to_give(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_green=GREEN)

    result = await run_pytest(pytester, *UPLOAD)

    assert result.ret == pytest.ExitCode.OK
    assert summary_lines(result) == [
        "PractiTest: upload failed: ConfigurationError: missing --practitest-set "
        "(or PRACTITEST_SET, or ini practitest_set); 2 results not uploaded"
    ]
