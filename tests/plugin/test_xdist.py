"""Under pytest-xdist the controller uploads every worker's results, once; workers upload
nothing."""

from __future__ import annotations

import pytest

from practitest_async.testing import FakePractiTest

from .conftest import UPLOAD, run_pytest, runs_by_test, summary_lines

SPREAD = """
import pytest

@pytest.mark.parametrize("n", range(12))
def test_n(n):
    assert n != 7
"""


async def test_under_xdist_each_test_is_one_run_uploaded_by_one_process(
    fake: FakePractiTest, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(test_spread=SPREAD)

    result = await run_pytest(pytester, "-n", "2", *UPLOAD, "--practitest-set", "Parallel")

    result.assert_outcomes(passed=11, failed=1)
    runs = runs_by_test(fake)
    assert {name: len(found) for name, found in runs.items()} == {
        f"test_spread.py::test_n[{n}]": 1 for n in range(12)
    }
    assert runs["test_spread.py::test_n[7]"][0].status == "FAILED"
    # Each uploader looks its set up once, and (having created it) looks once for a twin made
    # by a parallel job: two look-ups mean one uploading process.
    assert len(fake.stats.requests("GET", "/api/v2/projects/{p}/sets.json")) == 2
    assert len(fake.stats.requests("POST", "/api/v2/projects/{p}/sets.json")) == 1
    [line] = summary_lines(result)
    assert line.startswith("PractiTest: 12 uploaded, 0 failed in ")
