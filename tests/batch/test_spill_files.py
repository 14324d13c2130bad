"""The report's failed results and run ids past the point where they move to a temporary file
behave as a list and a dict would for what a user does with a report: read it in another thread
(the pytest plugin uploads in one of its own), copy or pickle it, drop a copy, and lose nothing
when the temporary file cannot be written."""

from __future__ import annotations

import copy
import pickle
import sqlite3
import threading
from typing import Any

import pytest

from practitest_async import RunResult
from practitest_async.batch import report as report_module
from practitest_async.batch import runids as runids_module
from practitest_async.batch.report import FailedResult, FailedResults
from practitest_async.batch.runids import RunIds


def _failures(n: int) -> list[FailedResult]:
    return [
        FailedResult.of(RunResult(f"case {i}", "FAILED"), key=f"k{i}", error=f"boom {i}")
        for i in range(n)
    ]


def _ids(n: int) -> dict[str, int]:
    return {f"report.xml::suite::case {i}::0": 1000 + i for i in range(n)}


def _in_a_thread(read: Any) -> Any:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(read()))
    thread.start()
    thread.join()
    return out[0]


def test_spilled_failed_results_read_from_another_thread_copied_and_pickled_as_a_list() -> None:
    expected = _failures(9)
    failed = FailedResults(expected, keep=2)
    assert "temporary file" in repr(failed)

    assert _in_a_thread(lambda: list(failed)) == expected
    copied = copy.copy(failed)
    deep = copy.deepcopy(failed)
    del copied  # a copy dropped: the original's file stays
    assert list(failed) == expected == list(deep)
    assert list(pickle.loads(pickle.dumps(failed))) == expected


def test_spilled_run_ids_read_from_another_thread_copied_and_pickled_as_a_dict() -> None:
    expected = _ids(9)
    ids = RunIds(spill=2)
    ids.update(expected)
    assert "temporary file" in repr(ids)

    assert _in_a_thread(lambda: dict(ids)) == expected
    copied = copy.copy(ids)
    del copied
    assert dict(ids) == expected
    assert dict(pickle.loads(pickle.dumps(ids))) == expected


def test_when_the_temporary_file_fails_everything_stays_in_memory(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full_disk(prefix: str, schema: str) -> sqlite3.Connection:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module, "scratch", full_disk)
    monkeypatch.setattr(runids_module, "scratch", full_disk)

    failed = FailedResults(_failures(9), keep=2)
    ids = RunIds(spill=2)
    ids.update(_ids(9))

    assert list(failed) == _failures(9)
    assert dict(ids) == _ids(9)
    assert "No space left on device" in caplog.text
