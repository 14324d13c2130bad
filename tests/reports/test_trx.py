"""MSTest / VSTest TRX: every corpus file, and a small file for each rule."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from practitest_async.batch.results import Status
from practitest_async.reports import Head, ReportError, trx

try:  # tests/reports is a package where it has an __init__.py, a plain folder if not
    from ._xml_helpers import (
        ENTITIES,
        by_name,
        corpus_file,
        corpus_names,
        read,
        read_text,
        statuses,
    )
except ImportError:
    from _xml_helpers import ENTITIES, by_name, corpus_file, corpus_names, read, read_text, statuses  # type: ignore[no-redef]

NS = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"

CORPUS = [
    ("trx-aborted-notrunnable.trx", 25, {"PASSED": 2, "FAILED": 3, "NO RUN": 19, "BLOCKED": 1}),
    ("trx-empty.trx", 0, {}),
    ("trx-fluentvalidation-big.trx", 804, {"PASSED": 803, "NO RUN": 1}),
    # SOURCES counts the 3 top-level results; the data-driven one has 3 rows, each a result
    # (the parent that sums them up is not sent): 2 + 3 = 5.
    ("trx-mstest-datadriven.trx", 5, {"PASSED": 3, "FAILED": 2}),
    ("trx-mstest-specflow-inconclusive.trx", 71, {"PASSED": 41, "FAILED": 17, "NOT COMPLETED": 13}),
    ("trx-xunit-v3.trx", 4, {"PASSED": 1, "FAILED": 3}),
    ("trx-xunit-vstest.trx", 11, {"PASSED": 5, "FAILED": 5, "NO RUN": 1}),
]


def test_the_table_covers_every_trx_file_of_the_corpus() -> None:
    assert corpus_names("trx") == {name for name, _, _ in CORPUS}


@pytest.mark.parametrize(("name", "count", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(name: str, count: int, expected: dict[str, int]) -> None:
    path = corpus_file("trx", name)
    results = read(trx, path)
    assert len(results) == count
    assert statuses(results) == expected
    assert len({r.key for r in results}) == count
    assert [r.key for r in read(trx, path)] == [r.key for r in results]


def test_corpus_classes_come_from_the_test_definitions() -> None:
    found = by_name(read(trx, corpus_file("trx", "trx-mstest-datadriven.trx")))
    assert sorted(found) == [
        "MsTestSample.DataDriven.Failing_test",
        "MsTestSample.DataDriven.Slow_test",
        "MsTestSample.DataDriven.Two_pass_one_fails (0)",
        "MsTestSample.DataDriven.Two_pass_one_fails (1)",
        "MsTestSample.DataDriven.Two_pass_one_fails (2)",
    ]
    assert found["MsTestSample.DataDriven.Two_pass_one_fails (1)"].status is Status.FAILED
    xunit = by_name(read(trx, corpus_file("trx", "trx-xunit-vstest.trx")))
    # xUnit's qualified names are not repeated; a custom display name gets its class.
    assert "DotnetTests.XUnitTests.CalculatorTests.Passing_Test" in xunit
    assert "DotnetTests.XUnitTests.CalculatorTests.Should be even number(i: 3)" in xunit


def _result(test_id: str, name: str, outcome: str, inner: str = "", **attrs: str) -> str:
    attrs.setdefault("duration", "00:00:01.5000000")
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return (
        f'<UnitTestResult executionId="e-{name}" testId="{test_id}" testName="{name}" '
        f'outcome="{outcome}"{extra}>{inner}</UnitTestResult>'
    )


def _definition(test_id: str, classname: str, method: str) -> str:
    return (
        f'<UnitTest name="{method}" id="{test_id}"><Execution id="x"/>'
        f'<TestMethod codeBase="t.dll" className="{classname}, T, Version=1.0.0.0" '
        f'name="{method}"/></UnitTest>'
    )


def _trx(results: list[str], definitions: list[str], summary: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="r" name="ci@host 2024" xmlns="{NS}">'
        f"<Results>{''.join(results)}</Results>"
        f"<TestDefinitions>{''.join(definitions)}</TestDefinitions>"
        f'<ResultSummary outcome="Failed">{summary}</ResultSummary></TestRun>\n'
    )


ERROR = (
    "<Output><StdOut>out line</StdOut><StdErr>err line</StdErr><ErrorInfo>"
    "<Message>Assert.AreEqual failed.</Message><StackTrace>at Ns.Calc.Fails()</StackTrace>"
    "</ErrorInfo></Output>"
)
OUTCOMES = [
    "Passed", "PassedButRunAborted", "Completed", "Warning", "Failed", "Error", "Timeout",
    "Aborted", "Disconnected", "NotExecuted", "Inconclusive", "Pending", "InProgress",
    "NotRunnable",
]  # fmt: skip
EXPECTED = [
    "PASSED", "PASSED", "PASSED", "PASSED", "FAILED", "FAILED", "FAILED",
    "FAILED", "FAILED", "NO RUN", "NOT COMPLETED", "NOT COMPLETED", "NOT COMPLETED",
    "BLOCKED",
]  # fmt: skip


def test_every_outcome(tmp_path: Path) -> None:
    results = [_result(f"id{i}", f"T{outcome}", outcome) for i, outcome in enumerate(OUTCOMES)]
    definitions = [_definition(f"id{i}", "Ns.Calc", f"T{o}") for i, o in enumerate(OUTCOMES)]
    got = read_text(trx, tmp_path, _trx(results, definitions))
    assert [r.name for r in got] == [f"Ns.Calc.T{o}" for o in OUTCOMES]
    assert [r.status.value for r in got] == EXPECTED


def test_rows_output_class_init_and_warning(tmp_path: Path) -> None:
    rows = (
        "<InnerResults>"
        + _result("d", "Data (0)", "Passed", dataRowInfo="1")
        + _result("d", "Data (1)", "Failed", ERROR, dataRowInfo="2")
        + "</InnerResults>"
    )
    init = (
        "<Output><ErrorInfo><Message>Class Initialization method Ns.Db.Init threw exception. "
        "System.Exception: no db.</Message></ErrorInfo></Output>"
    )
    warning = "<Output><ErrorInfo><Message>took too long</Message></ErrorInfo></Output>"
    results = [
        _result("f", "Fails", "Failed", ERROR),
        _result("d", "Data", "Failed", rows, resultType="DataDrivenTest"),
        _result("i", "NeedsDb", "Failed", init),
        _result("w", "Slow", "Warning", warning),
        _result("q", "Ns.Other.Qualified", "Passed", duration="1.02:00:00"),
    ]
    definitions = [
        _definition("f", "Ns.Calc", "Fails"),
        _definition("d", "Ns.Calc", "Data"),
        _definition("i", "Ns.Db", "NeedsDb"),
        _definition("w", "Ns.Calc", "Slow"),
        _definition("q", "Ns.Other", "Qualified"),
    ]
    found = by_name(read_text(trx, tmp_path, _trx(results, definitions)))
    assert {n: r.status.value for n, r in found.items()} == {
        "Ns.Calc.Fails": "FAILED",
        "Ns.Calc.Data (0)": "PASSED",
        "Ns.Calc.Data (1)": "FAILED",
        "Ns.Db.NeedsDb": "BLOCKED",
        "Ns.Calc.Slow": "PASSED",
        "Ns.Other.Qualified": "PASSED",
    }
    assert found["Ns.Calc.Fails"].output == (
        "Assert.AreEqual failed.\nat Ns.Calc.Fails()\n\n[stdout]\nout line\n\n[stderr]\nerr line"
    )
    assert "no db" in (found["Ns.Db.NeedsDb"].output or "")
    assert found["Ns.Calc.Slow"].output == "[warning]\ntook too long"
    duration = found["Ns.Other.Qualified"].duration
    assert duration is not None
    assert duration.total_seconds() == 26 * 3600
    assert found["Ns.Calc.Fails"].duration is not None


def test_a_run_that_failed_with_no_result_is_one_failed_result(tmp_path: Path) -> None:
    summary = (
        '<RunInfos><RunInfo computerName="h" outcome="Error" timestamp="t">'
        "<Text>The active test run was aborted. Reason: Test host process crashed</Text>"
        "</RunInfo></RunInfos>"
    )
    results = read_text(trx, tmp_path, _trx([], [], summary))
    assert [(r.name, r.status) for r in results] == [("ci@host 2024", Status.FAILED)]
    assert "Test host process crashed" in (results[0].output or "")


def test_status_map_applies_to_trx_outcomes(tmp_path: Path) -> None:
    xml = _trx([_result("a", "A", "Inconclusive")], [_definition("a", "Ns.C", "A")])
    results = read_text(trx, tmp_path, xml, status_map={"inconclusive": Status.NO_RUN})
    assert [r.status for r in results] == [Status.NO_RUN]


def test_nameless_result_and_junk_duration(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    xml = _trx(
        [_result("a", "", "Passed"), _result("b", "B", "Passed", duration="99999.00:00:00")],
        [_definition("a", "Ns.C", "A"), _definition("b", "Ns.C", "B")],
    )
    with caplog.at_level(logging.WARNING, "practitest_async.reports"):
        results = read_text(trx, tmp_path, xml)
    assert [r.name for r in results] == ["Ns.C (unnamed case 1)", "Ns.C.B"]
    assert results[1].duration is None
    assert "has no name" in caplog.text
    assert "over 7 days" in caplog.text


def test_malformed_and_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        read_text(trx, tmp_path, f'<TestRun xmlns="{NS}">\n<Results>\n</TestRun>')
    assert (caught.value.line, caught.value.column) == (3, 3)
    with pytest.raises(ReportError, match="refused") as refused:
        read_text(trx, tmp_path, ENTITIES + f'<TestRun xmlns="{NS}">&lol2;</TestRun>')
    assert refused.value.line == 2


def test_sniff() -> None:
    assert trx.sniff(Head(kind="xml", root="TestRun", namespace=NS))
    old = "http://microsoft.com/schemas/VisualStudio/TeamTest/2006"
    assert trx.sniff(Head(kind="xml", root="TestRun", namespace=old))
    assert not trx.sniff(Head(kind="xml", root="TestRun"))  # someone else's <TestRun>
    assert not trx.sniff(Head(kind="xml", root="testsuites"))


def test_a_cut_short_file_uploads_nothing_its_class_index_pass_is_the_check(
    tmp_path: Path,
) -> None:
    from practitest_async.reports import read_reports

    results = "".join(
        f'<UnitTestResult testId="{n}" testName="t{n}" outcome="Passed"/>' for n in range(50)
    )
    path = tmp_path / "cut.trx"
    path.write_text(f'<TestRun xmlns="{NS}"><Results>{results}</Results><TestDefinitions>')
    errors: list[ReportError] = []

    assert list(read_reports(path, errors=errors)) == []
    assert [str(e) for e in errors] == [
        f"{path}:1:{path.stat().st_size + 1}: no element found (the file is cut short)"
    ]
