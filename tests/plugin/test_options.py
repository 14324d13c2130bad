"""Installing the package changes nobody's sessions: the plugin is off until asked for, by flag,
by ini or by ``PRACTITEST_ENABLED``, and then reads the same settings as the command."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import practitest_async.pytest_plugin
from practitest_async.testing import FakePractiTest

from .conftest import PROJECT, UPLOAD, run_pytest, status_by_test, summary_lines

XFAIL_AND_PASS = """
import pytest

def test_passes():
    pass

@pytest.mark.xfail(reason="known bug")
def test_known_bug():
    assert False
"""


async def test_without_practitest_nothing_reaches_it(
    fake: FakePractiTest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTITEST_PROJECT", str(PROJECT))  # configured, but not enabled
    monkeypatch.setenv("PRACTITEST_SET", "Nightly")
    pytester.makepyfile(test_sample=XFAIL_AND_PASS)

    result = await run_pytest(pytester, "--practitest-set", "Nightly")

    assert result.ret == pytest.ExitCode.OK
    assert fake.stats.total_calls == 0
    assert summary_lines(result) == []


async def test_practitest_enabled_turns_it_on_with_settings_from_the_environment(
    fake: FakePractiTest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTITEST_ENABLED", "1")
    monkeypatch.setenv("PRACTITEST_PROJECT", str(PROJECT))
    monkeypatch.setenv("PRACTITEST_SET", "From the environment")
    pytester.makepyfile(test_sample=XFAIL_AND_PASS)

    result = await run_pytest(pytester)

    assert result.ret == pytest.ExitCode.OK
    assert [s.name for s in fake.state.sets.values()] == ["From the environment"]
    assert status_by_test(fake) == {
        "test_sample.py::test_passes": "PASSED",
        "test_sample.py::test_known_bug": "NO RUN",  # xfail: as the JUnit path maps it
    }


async def test_ini_keys_turn_it_on_and_choose_set_names_and_the_xfail_status(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makeini(
        f"""
        [pytest]
        practitest = true
        practitest_project = {PROJECT}
        practitest_set = From the ini
        practitest_version = 2.1
        practitest_xfail = no-run
        practitest_name = name
        """
    )
    pytester.makepyfile(test_sample=XFAIL_AND_PASS)

    await run_pytest(pytester)

    assert [s.name for s in fake.state.sets.values()] == ["From the ini"]
    assert status_by_test(fake) == {"test_passes": "PASSED", "test_known_bug": "NO RUN"}
    assert {run.version for run in fake.state.runs.values()} == {"2.1"}


async def test_flags_win_over_the_environment_and_the_ini(
    fake: FakePractiTest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTITEST_SET", "From the environment")
    pytester.makeini("[pytest]\npractitest_set = From the ini\npractitest_xfail = no-run\n")
    pytester.makepyfile(test_sample=XFAIL_AND_PASS)

    await run_pytest(
        pytester, *UPLOAD, "--practitest-set", "From a flag", "--practitest-xfail=failed"
    )

    assert [s.name for s in fake.state.sets.values()] == ["From a flag"]
    assert status_by_test(fake)["test_sample.py::test_known_bug"] == "FAILED"


def test_the_plugin_module_itself_imports_only_pytest_and_the_standard_library() -> None:
    # It is loaded in every session of everyone who installs us; the SDK comes once enabled.
    source = Path(practitest_async.pytest_plugin.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.parse(source).body:  # top level only: TYPE_CHECKING imports are nested
        if isinstance(node, ast.Import):
            imported |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.partition(".")[0])
    assert imported - sys.stdlib_module_names == {"pytest"}
