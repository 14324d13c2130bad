"""Xray JSON: every corpus file, and a small file of our own per rule."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest

from practitest_async.batch.results import Status
from practitest_async.models import StepStatus
from practitest_async.reports import xray_json
from practitest_async.reports._base import Head, ReaderOptions, ReportError

from ._json_helpers import (
    by_name,
    corpus_file,
    corpus_names,
    counts,
    json_head,
    read_all,
    statuses,
    write_json,
)

CORPUS_XRAY = [
    # SOURCES.md counts this one test once (PASSED); by the rule each of its two
    # data-driven iterations is its own result: one PASSED, one FAILED.
    ("xray-doc-cloud-dataset.json", counts(1, 1)),
    ("xray-doc-server.json", counts(1)),
    ("xray-playwright-demo.json", counts(4)),
    ("xray-playwright-xray-debug.json", counts(1)),
    ("xray-pytest-reporter.json", counts(2, 2, 1)),
]


@pytest.mark.parametrize(("name", "expected"), CORPUS_XRAY)
def test_corpus_counts_and_statuses(name: str, expected: object) -> None:
    results, problems = read_all(xray_json.read, corpus_file("xray-json", name))
    assert statuses(results) == expected
    assert not problems
    assert len({r.key for r in results}) == len(results)


def test_corpus_iterations_are_named_by_their_parameters() -> None:
    path = corpus_file("xray-json", "xray-doc-cloud-dataset.json")
    results, _ = read_all(xray_json.read, path)
    failed = results[1]
    assert failed.name == (
        "Strong password validation [Password=123123, Valid=Not Valid, "
        "Message=Password is too simple.]"
    )
    assert failed.steps[1].status is StepStatus.FAILED
    assert failed.steps[1].actual == "Password too simple!"
    assert failed.steps[0].name.startswith("Open the Change Password screen")
    assert "Password validation check failed" in (failed.output or "")


def test_corpus_evidence_is_attached() -> None:
    results = by_name(
        read_all(xray_json.read, corpus_file("xray-json", "xray-pytest-reporter.json"))[0]
    )
    with_output = results["tests/test_plugin.py::test_with_output"]
    assert {a.filename: a.content for a in with_output.attachments} == {
        "stdout.txt": b"This is stdout\n",
        "stderr.txt": b"This is stderr\n",
    }
    assert results["tests/test_plugin.py::test_skipped"].status is Status.NO_RUN


def test_corpus_server_vocabulary_and_duration() -> None:
    [result], _ = read_all(xray_json.read, corpus_file("xray-json", "xray-doc-server.json"))
    assert (result.name, result.status) == ("CALC-1400", Status.PASSED)
    assert result.duration is not None
    assert result.duration.total_seconds() == 201


# -- rules, on files of our own --------------------------------------------------------------


def _read(tmp_path: Path, *tests: Any, **options: Any) -> list[Any]:
    data = {"testExecutionKey": "DEMO-1", "tests": list(tests)}
    results, problems = read_all(xray_json.read, write_json(tmp_path, data), **options)
    assert not problems
    return results


def test_status_words(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    words = ["PASSED", "PASS", "FAILED", "FAIL", "ABORTED", "TODO", "EXECUTING", "BLOCKED", "MEH"]
    with caplog.at_level(logging.WARNING):
        results = _read(tmp_path, *({"testKey": f"K-{w}", "status": w} for w in words))
    assert [r.status for r in results] == [
        Status.PASSED,
        Status.PASSED,
        Status.FAILED,
        Status.FAILED,
        Status.FAILED,
        Status.NO_RUN,
        Status.NOT_COMPLETED,
        Status.BLOCKED,
        Status.NOT_COMPLETED,
    ]
    assert "unknown status 'MEH'" in caplog.text
    [mapped] = _read(tmp_path, {"testKey": "K", "status": "MEH"}, status_map={"meh": Status.NA})
    assert mapped.status is Status.NA


def test_test_status_wins_over_its_steps(tmp_path: Path) -> None:
    failed_with_passing_steps = {
        "testKey": "K-1",
        "status": "FAILED",
        "comment": "checked after the steps",
        "steps": [{"status": "PASSED"}],
    }
    passed_with_failing_step = {
        "testKey": "K-2",
        "status": "PASSED",
        "steps": [{"status": "FAILED", "actualResult": "oops"}],
    }
    first, second = _read(tmp_path, failed_with_passing_steps, passed_with_failing_step)
    assert first.status is Status.FAILED
    assert [(s.name, s.status) for s in first.steps] == [
        ("Step 1", StepStatus.PASSED),
        ("checked after the steps", StepStatus.FAILED),
    ]
    assert second.status is Status.PASSED
    assert second.steps == ()
    assert "[FAILED] Step 1" in (second.output or "")


def test_iterations_and_examples_are_rows(tmp_path: Path) -> None:
    dataset = {
        "testKey": "K-1",
        "status": "FAILED",
        "iterations": [
            {"name": "first", "status": "PASSED"},
            {"parameters": [{"name": "user", "value": "bob"}], "status": "FAILED"},
        ],
    }
    gherkin = {"testKey": "K-2", "status": "FAILED", "examples": ["PASSED", "FAILED"]}
    results = _read(tmp_path, dataset, gherkin)
    assert [(r.name, r.status) for r in results] == [
        ("K-1 [first]", Status.PASSED),
        ("K-1 [user=bob]", Status.FAILED),
        ("K-2 [example 1]", Status.PASSED),
        ("K-2 [example 2]", Status.FAILED),
    ]


def test_evidence_within_the_size_rule(tmp_path: Path) -> None:
    good = {"data": base64.b64encode(b"log").decode(), "filename": "a.log"}
    bad = {"data": "!!!not base64!!!", "filename": "b.png"}
    step = {"status": "PASSED", "evidences": [good]}
    [result] = _read(
        tmp_path, {"testKey": "K", "status": "PASSED", "evidences": [bad], "steps": [step]}
    )
    assert result.attachments == ()
    assert [(a.filename, a.content) for a in result.steps[0].attachments] == [("a.log", b"log")]
    assert "[attachment left out] b.png: not valid base64" in (result.output or "")


def test_names(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tests = [
        {"testInfo": {"summary": "Login works", "type": "Manual"}, "status": "PASSED"},
        {"status": "PASSED"},
    ]
    with caplog.at_level(logging.WARNING):
        results = _read(tmp_path, *tests)
    assert [r.name for r in results] == ["Login works", "report.json (unnamed case 2)"]
    assert "has no name" in caplog.text


def test_durations(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tests = [
        {
            "testKey": "A",
            "status": "PASSED",
            "start": "2024-01-01T10:00:00Z",
            "finish": "2024-01-01T10:00:02.5Z",
        },
        {
            "testKey": "B",
            "status": "PASSED",
            "start": "2024-01-01T10:00:00Z",
            "finish": "2024-02-01T10:00:00Z",
        },
    ]
    with caplog.at_level(logging.WARNING):
        results = _read(tmp_path, *tests)
    assert results[0].duration is not None
    assert results[0].duration.total_seconds() == 2.5
    assert results[1].duration is None
    assert "over 7 days" in caplog.text


def test_not_xray(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no tests array"):
        list(xray_json.read(write_json(tmp_path, {"info": {}}), ReaderOptions(), lambda e: None))
    with pytest.raises(ReportError, match="not a JSON object"):
        list(xray_json.read(write_json(tmp_path, []), ReaderOptions(), lambda e: None))


def test_sniff() -> None:
    assert xray_json.sniff(json_head({"tests": [], "info": {}}))
    assert xray_json.sniff(json_head({"tests": []}))
    assert xray_json.sniff(json_head({"testExecutionKey": "X-1", "tests": []}))
    assert not xray_json.sniff(json_head({"results": {"tests": []}}))
    assert not xray_json.sniff(json_head({"tests": [], "summary": {}}))
    assert not xray_json.sniff(Head(kind="xml", root="robot"))


def test_every_corpus_file_is_read_above() -> None:
    assert corpus_names("xray-json") == {name for name, _ in CORPUS_XRAY}
