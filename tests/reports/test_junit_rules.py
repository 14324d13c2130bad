"""Each JUnit rule of issue 11 on a small file written here (the corpus has them in the wild)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from practitest_async.batch import RunResult, Status
from practitest_async.reports import ReportError, read_reports

P, F, N = Status.PASSED, Status.FAILED, Status.NO_RUN


def write(tmp_path: Path, body: str, name: str = "r.xml") -> Path:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0"?>\n<testsuites>\n{body}\n</testsuites>\n')
    return path


def read(path: Path, **options: object) -> list[RunResult]:
    return list(read_reports(path, **options))  # type: ignore[arg-type]


def test_suite_error_without_cases_is_one_failed_result(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="com.acme.Boot" tests="0"><error message="no class" type="E">trace'
        "</error></testsuite>",
    )

    [result] = read(path)
    assert (result.name, result.status) == ("com.acme.Boot", F)
    assert result.output == "[error] E: no class\ntrace"


def test_suite_error_with_passing_cases_is_not_lost(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase classname="C" name="a"/>'
        '<error message="@AfterAll failed"/></testsuite>',
    )

    assert [(r.name, r.status) for r in read(path)] == [("C.a", P), ("S", F)]


def test_suite_error_reaches_its_failed_cases(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase classname="C" name="a"><failure message="m"/></testcase>'
        '<error message="setup broke"/><system-out>the log</system-out></testsuite>',
    )

    [result] = read(path)
    assert result.status is F
    assert result.output == "[failure] m\n\n[error] setup broke\n\n[suite system-out]\nthe log"


def test_suite_output_reaches_failed_runs_not_passed_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase name="ok"/><testcase name="bad"><error message="exit 1"/>'
        "</testcase><system-out><![CDATA[ModuleNotFoundError: x]]></system-out></testsuite>"
        '<testsuite name="T"><testcase name="other"><failure/></testcase></testsuite>',
    )

    results = {r.name: r for r in read(path)}
    assert results["ok"].output is None
    assert results["bad"].output == "[error] exit 1\n\n[suite system-out]\nModuleNotFoundError: x"
    assert results["other"].output is None  # another suite's output is not its own


@pytest.mark.parametrize(("raw", "mapped"), [("notrun", N), ("disabled", N), ("run", P)])
def test_status_attribute_not_run(tmp_path: Path, raw: str, mapped: Status) -> None:
    path = write(tmp_path, f'<testsuite name="S"><testcase name="t" status="{raw}"/></testsuite>')

    [result] = read(path)
    assert result.status is mapped


def test_status_map_overrides_any_raw_word(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase name="s"><skipped/></testcase>'
        '<testcase name="e"><error/></testcase><testcase name="f"><failure/></testcase>'
        '<testcase name="d" status="disabled"/></testsuite>',
    )

    results = read(path, status_map=["skipped=BLOCKED", "error=NOT_COMPLETED", "Disabled=N/A"])
    assert [(r.name, r.status) for r in results] == [
        ("s", Status.BLOCKED),
        ("e", Status.NOT_COMPLETED),
        ("f", F),
        ("d", Status.NA),
    ]


def test_a_bad_status_map_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        read_reports(tmp_path, status_map=["skipped=MAYBE"])
    with pytest.raises(ValueError, match="expected RAW=STATUS"):
        read_reports(tmp_path, status_map=["skipped"])


def test_phpunit3_class_attribute(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase class="A" name="testX"/><testcase class="B" name="testX"/>'
        "</testsuite>",
    )

    assert [r.name for r in read(path)] == ["A.testX", "B.testX"]


def test_mocha_duplicated_title(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="Root"><testcase classname="adds" name="cart adds"/>'
        '<testcase classname="Test" name="myTest"/></testsuite>',
    )

    assert [r.name for r in read(path)] == ["cart adds", "Test.myTest"]


def test_duration_over_seven_days_is_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase name="a" time="604800"/>'
        '<testcase name="b" time="604801"/></testsuite>',
    )

    with caplog.at_level(logging.WARNING):
        a, b = read(path)
    assert a.duration is not None
    assert a.duration.days == 7
    assert b.duration is None
    assert f"{path}:3:55: ignoring time='604801' (over 7 days)" in caplog.text


def test_nameless_cases_are_named_from_class_suite_or_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase classname="C" name=""/><testcase/></testsuite>'
        '<testsuite><testcase name=""/></testsuite>',
        name="nightly.xml",
    )

    errors: list[ReportError] = []
    names = [r.name for r in read_reports(path, errors=errors)]
    assert names == ["C (unnamed case 1)", "S (unnamed case 2)", "nightly (unnamed case 1)"]
    assert errors == []


def test_a_rerun_after_a_failure_is_one_result_with_the_last_status(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="pkg"><testcase classname="pkg" name="TestA" time="1">'
        '<failure message="boom 1"/></testcase><testcase classname="pkg" name="TestB"/>'
        '<testcase classname="pkg" name="TestA" time="2"><failure message="boom 2"/></testcase>'
        '<testcase classname="pkg" name="TestA" time="3"/></testsuite>',
    )

    results = read(path)
    assert [(r.name, r.status) for r in results] == [("pkg.TestA", P), ("pkg.TestB", P)]
    assert results[0].output == (
        "[earlier attempt]\n[failure] boom 2\n\n[earlier attempt]\n[failure] boom 1"
    )
    assert results[0].duration is not None
    assert results[0].duration.total_seconds() == 3


def test_a_repeat_of_a_passed_case_is_a_different_test(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="S"><testcase name="x"/><testcase name="x"><failure/></testcase>'
        "</testsuite>",
    )

    results = read(path)
    assert [r.status for r in results] == [P, F]
    assert [r.key for r in results if r.key] == [
        f"{path.resolve().as_posix()}::S::::x::0",
        f"{path.resolve().as_posix()}::S::::x::1",
    ]


def test_keys_tell_parts_apart_when_names_hold_double_colons(tmp_path: Path) -> None:
    path = write(tmp_path, '<testsuite name="S"><testcase classname="a::b" name="c"/></testsuite>')

    [result] = read(path)
    assert result.key == f"{path.resolve().as_posix()}::S::a: :b::c::0"


def test_truncated_file_is_all_or_nothing_unless_partial(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text('<testsuites>\n<testsuite name="S">\n<testcase name="a"/>\n<testcase na')

    errors: list[ReportError] = []
    assert list(read_reports(path, errors=errors)) == []
    assert [str(e) for e in errors] == [f"{path}:4:1: unclosed token (the file is cut short)"]
    errors.clear()
    assert [r.name for r in read_reports(path, errors=errors, partial=True)] == ["a"]
    assert [(e.line, e.column) for e in errors] == [(4, 1)]
