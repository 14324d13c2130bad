"""A user runs their tests with ``--practitest``: each test becomes one run with its status,
named by its node id, with the failure and the captured output; uploads overlap the tests."""

from __future__ import annotations

import pytest

from practitest_async.testing import FakePractiTest

from .conftest import PROJECT, UPLOAD, full_output, run_pytest, runs_by_test, status_by_test
from .conftest import summary_lines as summary

EVERY_OUTCOME = """
import pytest

@pytest.fixture
def broken_setup():
    raise RuntimeError("the database is down")

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("cleanup failed")

def test_passes():
    print("hello from the test")

def test_fails():
    assert 1 + 1 == 3, "arithmetic is broken"

def test_setup_error(broken_setup):
    pass

def test_teardown_error(broken_teardown):
    pass

def test_skipped():
    pytest.skip("not on this platform")

@pytest.mark.xfail(reason="known bug 42")
def test_xfail():
    assert False

@pytest.mark.xfail(reason="maybe fixed")
def test_xpass():
    pass

@pytest.mark.xfail(strict=True, reason="must still fail")
def test_xpass_strict():
    pass

class TestGroup:
    @pytest.mark.parametrize("n", [1, 2])
    def test_param(self, n):
        pass
"""


async def test_each_test_becomes_one_run_named_by_node_id_with_its_status(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_sample=EVERY_OUTCOME)

    result = await run_pytest(pytester, *UPLOAD, "--practitest-set", "Nightly")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert status_by_test(fake) == {
        "test_sample.py::test_passes": "PASSED",
        "test_sample.py::test_fails": "FAILED",
        "test_sample.py::test_setup_error": "FAILED",
        "test_sample.py::test_teardown_error": "FAILED",
        "test_sample.py::test_skipped": "NO RUN",
        "test_sample.py::test_xfail": "NO RUN",  # the expected failure happened
        "test_sample.py::test_xpass": "PASSED",
        "test_sample.py::test_xpass_strict": "FAILED",
        "test_sample.py::TestGroup::test_param[1]": "PASSED",
        "test_sample.py::TestGroup::test_param[2]": "PASSED",
    }
    [line] = summary(result)
    (test_set,) = fake.state.sets.values()
    assert line.startswith("PractiTest: 10 uploaded, 0 failed in ")
    assert f"to project {PROJECT}, set 'Nightly' (id {test_set.id})" in line


async def test_the_run_tells_why_a_test_failed_and_what_it_printed(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_sample=EVERY_OUTCOME)

    await run_pytest(pytester, *UPLOAD, "--practitest-set", "Nightly")

    runs = {name.partition("::")[2]: found[0] for name, found in runs_by_test(fake).items()}
    failed = runs["test_fails"].automated_execution_output or ""
    assert failed.startswith("FAILED: AssertionError: arithmetic is broken")  # in the 255
    assert "def test_fails():" in full_output(fake, runs["test_fails"])  # the whole traceback
    assert "ERROR at setup: RuntimeError: the database is down" in full_output(
        fake, runs["test_setup_error"]
    )
    assert "ERROR at teardown: RuntimeError: cleanup failed" in full_output(
        fake, runs["test_teardown_error"]
    )
    assert "SKIPPED: not on this platform" in full_output(fake, runs["test_skipped"])
    assert "XFAIL: known bug 42" in full_output(fake, runs["test_xfail"])
    assert "[XPASS(strict)] must still fail" in full_output(fake, runs["test_xpass_strict"])
    assert "hello from the test" in full_output(fake, runs["test_passes"])


STREAMED = """
import json, os, time, urllib.request
import pytest

@pytest.mark.parametrize("n", range(20))
def test_n(n):
    pass

def test_last_sees_the_first_twenty_runs_in_practitest():
    url = os.environ["PRACTITEST_BASE_URL"] + "/api/v2/projects/1/runs.json"
    ask = urllib.request.Request(url, headers={"PTToken": os.environ["PRACTITEST_TOKEN"]})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with urllib.request.urlopen(ask) as answer:
            if len(json.load(answer)["data"]) == 20:
                return
        time.sleep(0.25)
    pytest.fail("no runs reached PractiTest while the tests ran")
"""


async def test_runs_reach_practitest_while_the_tests_still_run(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    test_set = fake.add_set(PROJECT, "Streaming")
    for n in range(20):  # tests and instances that exist: the runs go out in one bulk request
        test = fake.add_test(PROJECT, f"test_streamed.py::test_n[{n}]")
        fake.add_instance(PROJECT, test_set.id, test.id)
    pytester.makepyfile(test_streamed=STREAMED)

    result = await run_pytest(pytester, *UPLOAD, "--practitest-set", "Streaming")

    result.assert_outcomes(passed=21)
    assert set(status_by_test(fake).values()) == {"PASSED"}
    assert len(fake.stats.requests("POST", "/api/v2/projects/{p}/runs.json")) == 1


async def test_record_property_chooses_the_test_and_sets_custom_fields(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    login = fake.add_test(PROJECT, "Login works")
    field = fake.add_custom_field(PROJECT, "Platform")
    pytester.makepyfile(
        test_login=f"""
        def test_login(record_property):
            record_property("practitest_test_id", {login.id})
            record_property("practitest_field_{field.id}", "Win")
        """
    )

    await run_pytest(pytester, *UPLOAD, "--practitest-set", "Properties")

    [run] = fake.state.runs.values()
    assert run.test_id == login.id
    assert run.custom_fields == {f"---f-{field.id}": "Win"}


async def test_a_rerun_with_the_journal_uploads_nothing_twice(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_twice="def test_a(): pass\ndef test_b(): pass\n")
    args = (*UPLOAD, "--practitest-set", "Journaled", "--practitest-journal", "journal.sqlite")

    first = await run_pytest(pytester, *args)
    again = await run_pytest(pytester, *args)

    assert summary(first)[0].startswith("PractiTest: 2 uploaded, 0 failed in")
    assert summary(again)[0].startswith("PractiTest: 0 uploaded, 0 failed, 2 already uploaded")
    assert {name: len(runs) for name, runs in runs_by_test(fake).items()} == {
        "test_twice.py::test_a": 1,
        "test_twice.py::test_b": 1,
    }
