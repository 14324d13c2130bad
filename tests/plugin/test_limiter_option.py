"""``--practitest-limiter`` and the ini key ``practitest_limiter`` choose where the account's
budget is shared (issue 8); the upload uses that store."""

from __future__ import annotations

from pathlib import Path

import pytest

from practitest_async.testing import FakePractiTest

from .conftest import UPLOAD, run_pytest

ONE_TEST = "def test_one():\n    pass\n"


async def test_the_flag_names_the_budget_file(
    fake: FakePractiTest, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    budget = tmp_path / "flag-budget.db"
    pytester.makepyfile(test_sample=ONE_TEST)

    result = await run_pytest(
        pytester, *UPLOAD, "--practitest-set", "S", "--practitest-limiter", f"sqlite://{budget}"
    )

    assert result.ret == pytest.ExitCode.OK
    assert len(fake.state.runs) == 1
    assert budget.is_file()  # the budget was kept where the flag said


async def test_the_ini_key_names_the_budget_file(
    fake: FakePractiTest, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    budget = tmp_path / "ini-budget.db"
    pytester.makeini(f"[pytest]\npractitest_limiter = sqlite://{budget}\n")
    pytester.makepyfile(test_sample=ONE_TEST)

    result = await run_pytest(pytester, *UPLOAD, "--practitest-set", "S")

    assert result.ret == pytest.ExitCode.OK
    assert len(fake.state.runs) == 1
    assert budget.is_file()


async def test_an_unknown_limiter_is_a_configuration_error(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_sample=ONE_TEST)

    result = await run_pytest(
        pytester, *UPLOAD, "--practitest-set", "S", "--practitest-limiter", "memcached://x"
    )

    assert (
        "--limiter must be local, sqlite:///PATH or redis://HOST:PORT/DB"
        in result.stdout.str() + result.stderr.str()
    )
    assert fake.stats.total_calls == 0
