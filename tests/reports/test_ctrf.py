"""CTRF JSON: every corpus file, and a small file of our own per rule."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from practitest_async.batch.results import Status
from practitest_async.models import StepStatus
from practitest_async.reports import ctrf
from practitest_async.reports._base import Head, ReaderOptions, ReportError

from ._json_helpers import (
    corpus_file,
    corpus_names,
    counts,
    json_head,
    read_all,
    statuses,
    write_json,
)

CORPUS_CTRF = [
    ("ctrf-cypress.json", counts(6)),
    ("ctrf-dotnet.json", counts(0, 7)),
    ("ctrf-empty.json", counts()),
    ("ctrf-playwright-attachments.json", counts(0, 10)),
    ("ctrf-playwright-big.json", counts(157, 0, 1)),
    ("ctrf-vitest-steps.json", counts(49, 3)),
]


@pytest.mark.parametrize(("name", "expected"), CORPUS_CTRF)
def test_corpus_counts_and_statuses(name: str, expected: object) -> None:
    results, problems = read_all(ctrf.read, corpus_file("ctrf", name))
    assert statuses(results) == expected
    assert not problems
    assert len({r.key for r in results}) == len(results)


def test_corpus_repeated_runs_stay_separate_with_their_steps() -> None:
    path = corpus_file("ctrf", "ctrf-playwright-attachments.json")
    results, _ = read_all(ctrf.read, path)
    assert len({r.name for r in results}) == 1  # --repeat-each: one name, ten runs
    assert [r.key.rsplit("::", 1)[1] for r in results] == [str(n) for n in range(10)]
    first = results[0]
    assert first.name == (
        "chromium > coffee.stable.refactored.spec.ts > Coffee Purchase Flow - Stable Tests"
        ".Should complete full coffee purchase flow with validation"
    )
    assert [(s.name, s.status) for s in first.steps] == [
        ("Navigate to Coffee section", StepStatus.PASSED),
        ("Select product", StepStatus.FAILED),
    ]
    assert (first.output or "").startswith("Error: expect.toBeVisible")
    assert first.attachments == ()  # the screenshots' paths are on the author's machine


def test_corpus_failed_vitest_test_has_message_and_trace() -> None:
    results, _ = read_all(ctrf.read, corpus_file("ctrf", "ctrf-vitest-steps.json"))
    failed = [r for r in results if r.status is Status.FAILED]
    assert "AssertionError" in (failed[0].output or "")
    assert failed[0].duration is not None


# -- rules, on files of our own --------------------------------------------------------------


def _report(*tests: Any) -> Any:
    return {"results": {"tool": {"name": "t"}, "summary": {}, "tests": list(tests)}}


def _read(tmp_path: Path, data: Any, **options: Any) -> list[Any]:
    results, problems = read_all(ctrf.read, write_json(tmp_path, data), **options)
    assert not problems
    return results


def test_status_words(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    words = ["passed", "failed", "skipped", "pending", "other", "other", "weird"]
    tests = [{"name": f"t{n}", "status": w} for n, w in enumerate(words)]
    tests[4]["rawStatus"] = "timedOut"
    with caplog.at_level(logging.WARNING):
        results = _read(tmp_path, _report(*tests))
    assert [r.status for r in results] == [
        Status.PASSED,
        Status.FAILED,
        Status.NO_RUN,
        Status.NOT_COMPLETED,
        Status.FAILED,
        Status.NOT_COMPLETED,
        Status.NOT_COMPLETED,
    ]
    assert "unknown status 'weird'" in caplog.text
    mapped, _ = read_all(
        ctrf.read, write_json(tmp_path, _report(*tests)), status_map={"pending": Status.NO_RUN}
    )
    assert mapped[3].status is Status.NO_RUN


def test_retries_are_one_result_with_earlier_failures_in_the_output(tmp_path: Path) -> None:
    test = {
        "name": "login",
        "status": "passed",
        "retries": 2,
        "flaky": True,
        "retryAttempts": [
            {"attempt": 1, "status": "failed", "message": "socket hang up"},
            {"attempt": 2, "status": "failed", "message": "502 Bad Gateway"},
        ],
    }
    counted = {"name": "logout", "status": "failed", "retries": 1, "message": "still down"}
    first, second = _read(tmp_path, _report(test, counted))
    assert first.status is Status.PASSED
    assert "flaky: passed on a retry" in (first.output or "")
    assert "socket hang up" in (first.output or "")
    assert "502 Bad Gateway" in (first.output or "")
    assert second.status is Status.FAILED
    assert "[retried] 1 earlier attempt(s)" in (second.output or "")


def test_parameters_tell_data_driven_rows_apart(tmp_path: Path) -> None:
    rows = [{"name": "sum", "status": "passed", "parameters": {"a": n}} for n in (1, 2)]
    results = _read(tmp_path, _report(*rows))
    assert [r.name for r in results] == ["sum [a=1]", "sum [a=2]"]


def test_names_suites_and_durations(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tests = [
        {"name": "adds", "status": "passed", "suite": ["cart", "add"], "duration": 1500},
        {"name": "", "status": "passed", "suite": "cart"},
        {"name": "slow", "status": "passed", "duration": 8 * 24 * 3600 * 1000},
    ]
    with caplog.at_level(logging.WARNING):
        results = _read(tmp_path, _report(*tests))
    assert [r.name for r in results] == ["cart > add.adds", "cart (unnamed case 2)", "slow"]
    assert results[0].duration is not None
    assert results[0].duration.total_seconds() == 1.5
    assert results[2].duration is None
    assert "has no name" in caplog.text
    assert "over 7 days" in caplog.text


def test_output_of_a_failed_test(tmp_path: Path) -> None:
    test = {
        "name": "t",
        "status": "failed",
        "message": "boom",
        "trace": "Error: boom\n  at x.js:1",
        "stdout": ["hello"],
        "stderr": "warn",
    }
    [result] = _read(tmp_path, _report(test))
    assert result.output == "boom\n\nError: boom\n  at x.js:1\n\n[stdout]\nhello\n\n[stderr]\nwarn"


def test_steps_that_contradict_the_status_are_listed_instead(tmp_path: Path) -> None:
    test = {
        "name": "t",
        "status": "failed",
        "message": "after all steps",
        "steps": [{"name": "open", "status": "passed"}],
    }
    [result] = _read(tmp_path, _report(test))
    assert result.status is Status.FAILED
    assert [(s.name, s.status) for s in result.steps] == [
        ("open", StepStatus.PASSED),
        ("after all steps", StepStatus.FAILED),
    ]


def test_attachments_only_from_the_report_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "shot.png").write_bytes(b"\x89PNG")
    outside = tmp_path.parent / "secret.txt"
    test = {
        "name": "t",
        "status": "failed",
        "attachments": [
            {"name": "s", "path": "shot.png"},
            {"name": "x", "path": str(outside)},
            {"name": "y", "path": "missing.png"},
        ],
    }
    with caplog.at_level(logging.WARNING):
        [result] = _read(tmp_path, _report(test))
    assert [(a.filename, a.content) for a in result.attachments] == [("shot.png", b"\x89PNG")]
    assert "2 attachment path(s) not attached" in caplog.text


def test_skipped_can_be_omitted(tmp_path: Path) -> None:
    data = _report({"name": "a", "status": "skipped"}, {"name": "b", "status": "passed"})
    assert [r.name for r in _read(tmp_path, data, skipped="omit")] == ["b"]


def test_not_ctrf_and_malformed(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no results\.tests array"):
        list(ctrf.read(write_json(tmp_path, {"results": {}}), ReaderOptions(), lambda e: None))
    path = tmp_path / "cut.json"
    path.write_text('{"results": {"tests": [{"name": "a", "status": "pass')
    with pytest.raises(ReportError, match="malformed JSON") as caught:
        list(ctrf.read(path, ReaderOptions(), lambda e: None))
    assert caught.value.line == 1


def test_sniff() -> None:
    assert ctrf.sniff(json_head(_report()))
    assert ctrf.sniff(json_head({"reportFormat": "CTRF", "specVersion": "0.0.0"}))
    assert not ctrf.sniff(json_head({"tests": [], "info": {}}))
    assert not ctrf.sniff(json_head([{"elements": []}]))
    assert not ctrf.sniff(Head(kind="xml", root="testsuites"))


def test_attach_output_moves_stdout_and_stderr_to_files(tmp_path: Path) -> None:
    test = {"name": "t", "status": "failed", "message": "m", "stdout": ["a", "b"], "stderr": []}
    [inline] = _read(tmp_path, _report(test))
    assert inline.output == "m\n\n[stdout]\na\nb"
    [attached] = _read(tmp_path, _report(test), attach_output=True)
    assert attached.output == "m"
    assert [(a.filename, a.content) for a in attached.attachments] == [("t-stdout.txt", b"a\nb")]


def test_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"results": {"tests": [{"name": "a", "status": "passed"}]}}')
    results, _ = read_all(ctrf.read, path)
    assert [r.name for r in results] == ["a"]


def test_large_malformed_file_names_the_byte_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from practitest_async.reports import _jsonstream

    monkeypatch.setattr(_jsonstream, "EXACT_POSITION_UP_TO", 10)
    path = tmp_path / "cut.json"
    path.write_text('{"results": {"tests": [{"name": "a", "status": tru}]}}')
    with pytest.raises(ReportError, match=r"malformed JSON near byte \d+") as caught:
        list(ctrf.read(path, ReaderOptions(), lambda e: None))
    assert caught.value.line is None


def test_every_corpus_file_is_read_above() -> None:
    assert corpus_names("ctrf") == {name for name, _ in CORPUS_CTRF}
