"""The example project (examples/pytest_plugin) does what its README says, on the emulator."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from practitest_async.testing import FakePractiTest

from .conftest import run_pytest, status_by_test, summary_lines

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pytest_plugin"


def readme_command() -> list[str]:
    """The arguments of the ``pytest --practitest ...`` line in the README."""
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith("pytest --practitest ")]
    return shlex.split(line)[1:]


async def test_the_example_uploads_what_its_readme_says(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    for name in ("test_sample.py", "pytest.ini"):
        shutil.copy(EXAMPLE / name, pytester.path / name)

    result = await run_pytest(pytester, *readme_command())

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1, skipped=1, xfailed=1)
    assert status_by_test(fake) == {
        "test_sample.py::test_passes": "PASSED",
        "test_sample.py::test_fails": "FAILED",
        "test_sample.py::test_skipped": "NO RUN",
        "test_sample.py::test_known_bug": "NO RUN",
    }
    assert [s.name for s in fake.state.sets.values()] == ["Example"]
    [line] = summary_lines(result)
    assert line.startswith("PractiTest: 4 uploaded, 0 failed in ")
    assert "to project 1, set 'Example'" in line
