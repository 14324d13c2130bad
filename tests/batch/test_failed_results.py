"""The report's failed results: every one kept, in order, however many (past 1,000 they wait in
a temporary file), and read like a list."""

from __future__ import annotations

from practitest_async import Client, RunResult
from practitest_async.batch.report import FailedResult, FailedResults, UploadReport
from practitest_async.testing import FakePractiTest

from .conftest import PROJECT


def _failure(i: int) -> FailedResult:
    return FailedResult.of(RunResult(f"t{i}", "FAILED", output="x" * i), key=f"k{i}", error=f"e{i}")


def test_failed_results_read_like_the_list_they_replace() -> None:
    everything = [_failure(i) for i in range(11)]
    failed = FailedResults(keep=3)
    failed.extend(everything[:5])
    failed += everything[5:10]
    failed.append(everything[10])

    assert len(failed) == 11
    assert failed == everything
    assert list(failed) == everything
    assert [failed[i] for i in range(-11, 11)] == everything + everything
    assert failed[:50] == everything
    assert failed[2:9:3] == everything[2:9:3]
    assert failed[7].result.output == "x" * 7  # one from the file, whole
    assert failed != everything[:10]
    assert "in a temporary file" in repr(failed)
    assert not FailedResults()
    assert UploadReport(project_id=1, failed=everything[:2]).failed == everything[:2]


async def test_every_failure_of_a_large_upload_reaches_the_report_in_order(
    fake: FakePractiTest, client: Client
) -> None:
    names = [f"missing {i:05d}" for i in range(2_500)]

    report = await client.upload_results(
        PROJECT, (RunResult(n) for n in names), test_set="Nightly", create_missing=False
    )

    assert [f.result.name for f in report.failed] == names
    assert report.failed[2_222].error == f"no test named 'missing 02222' in project {PROJECT}"
    assert report.total == 2_500
    assert not report.ok
