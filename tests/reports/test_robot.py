"""Robot Framework output.xml: every corpus file, and a small file of our own per rule."""

from __future__ import annotations

import logging
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from practitest_async.batch.results import Status
from practitest_async.models import StepStatus
from practitest_async.reports import read_reports, robot
from practitest_async.reports._base import Head, ReaderOptions, ReportError, result_key

from ._json_helpers import by_name, corpus_file, corpus_names, counts, read_all, statuses

CORPUS_ROBOT = [
    ("robot281-rebot-2001-tests.xml", counts(2000, 1)),
    # SOURCES.md reads the tests' own <status> (2 PASS, 1 FAIL); Robot itself fails all
    # three because the parent suite's teardown failed (its statistics say 3 fail), and so
    # does the rule: a suite failure no case carries reaches its cases.
    ("robot28-suite-teardown-fail.xml", counts(0, 3)),
    ("robot322-nested.xml", counts(172, 10)),
    ("robot40-skip.xml", counts(4, 2, 6)),
    ("robot50-control-structures.xml", counts(6)),
    ("robot611-setup-teardown-fail.xml", counts(4, 3)),
    ("robot722-big.xml", counts(100, 10, 4)),
]


@pytest.mark.parametrize(("name", "expected"), CORPUS_ROBOT)
def test_corpus_counts_and_statuses(name: str, expected: object) -> None:
    results, problems = read_all(robot.read, corpus_file("robot", name))
    assert statuses(results) == expected
    assert not problems
    assert len({r.key for r in results}) == len(results)


def test_corpus_suite_teardown_failure_reaches_every_test() -> None:
    results, _ = read_all(robot.read, corpus_file("robot", "robot28-suite-teardown-fail.xml"))
    passed_before = results[0]
    assert passed_before.name == "Fail.Suite.Example test"
    assert [(s.name, s.status) for s in passed_before.steps] == [
        ("BuiltIn.Log    Hello world", StepStatus.PASSED),
        ("Parent suite teardown failed: on purpose", StepStatus.FAILED),
    ]
    assert passed_before.output == "Parent suite teardown failed:\non purpose"
    assert "We are failing" in (results[2].output or "")


def test_corpus_names_steps_and_durations_across_schemas() -> None:
    rf3 = by_name(read_all(robot.read, corpus_file("robot", "robot322-nested.xml"))[0])
    failing_setup = rf3["Misc.Setups And Teardowns.Test with failing setup"]
    assert failing_setup.status is Status.FAILED  # the test's own setup: Robot says FAIL
    assert failing_setup.steps[0].name.startswith("Setup: ")
    assert rf3["Misc.For Loops.For Loop In Test"].steps[0].name.startswith("FOR ${pet} IN")
    rf7, _ = read_all(robot.read, corpus_file("robot", "robot722-big.xml"))
    assert rf7[0].name == "Other.Small-Test-Set.Small Test 01"
    assert rf7[0].duration is not None
    assert round(rf7[0].duration.total_seconds(), 6) == 0.105749
    skipped = next(r for r in rf7 if r.status is Status.NO_RUN)
    assert "has been skipped" in (skipped.output or "")


def test_corpus_rf5_control_structures_are_steps() -> None:
    results = by_name(
        read_all(robot.read, corpus_file("robot", "robot50-control-structures.xml"))[0]
    )
    assert [s.name for s in results["Test.While Until End"].steps] == [
        "${x} = BuiltIn.Set Variable    5",
        "WHILE ${x} > 0",
    ]


# -- rules, on files of our own --------------------------------------------------------------

RF6 = '<robot generator="Robot 6.1.1" schemaversion="4">{body}</robot>'
ST = 'starttime="20240101 10:00:00.000" endtime="20240101 10:00:01.500"'


def _status(word: str, text: str = "") -> str:
    return f'<status status="{word}" {ST}>{text}</status>'


def _kw(name: str, word: str, kind: str = "", message: str = "") -> str:
    kind_attr = f' type="{kind}"' if kind else ""
    return (
        f'<kw name="{name}" library="BuiltIn"{kind_attr}><arg>x</arg>{_status(word, message)}</kw>'
    )


def _test(name: str, word: str, *body: str, text: str = "") -> str:
    return f'<test name="{name}">{"".join(body)}{_status(word, text)}</test>'


def _suite(name: str, *body: str, word: str = "PASS", text: str = "") -> str:
    head = f'<suite name="{name}" source="/t/{name}.robot">'
    return f"{head}{''.join(body)}{_status(word, text)}</suite>"


def _read(tmp_path: Path, *suites: str, **options: Any) -> list[Any]:
    path = tmp_path / "output.xml"
    path.write_text(RF6.format(body="".join(suites)), encoding="utf-8")
    results, problems = read_all(robot.read, path, **options)
    assert not problems
    return results


def test_statuses_and_status_map(tmp_path: Path) -> None:
    suite = _suite(
        "S",
        _test("ok", "PASS", _kw("Log", "PASS")),
        _test("bad", "FAIL", _kw("Fail", "FAIL", message="boom"), text="boom"),
        _test("skipped", "SKIP", _kw("Skip", "SKIP"), text="not today"),
        _test("notrun", "NOT RUN"),
        word="FAIL",
    )
    results = _read(tmp_path, suite)
    assert [(r.name, r.status) for r in results] == [
        ("S.ok", Status.PASSED),
        ("S.bad", Status.FAILED),
        ("S.skipped", Status.NO_RUN),
        ("S.notrun", Status.NO_RUN),
    ]
    assert results[1].steps[0].actual == "boom"
    assert results[1].output == "boom"
    assert results[0].key == result_key(tmp_path / "output.xml", "S", "", "ok", ordinal=0)
    mapped = _read(tmp_path, suite, status_map={"skip": Status.NA}, skipped="omit")
    assert [r.status for r in mapped] == [Status.PASSED, Status.FAILED, Status.NA]


def test_keywords_not_run_in_a_passed_test_are_na(tmp_path: Path) -> None:
    suite = _suite("S", _test("ok", "PASS", _kw("Pass Execution", "PASS"), _kw("Log", "NOT RUN")))
    [result] = _read(tmp_path, suite)
    assert result.status is Status.PASSED
    assert [s.status for s in result.steps] == [StepStatus.PASSED, StepStatus.NA]


def test_parent_suite_setup_failure_blocks_its_tests(tmp_path: Path) -> None:
    setup = (
        '<kw name="Connect" type="SETUP"><msg level="WARN">db slow</msg>'
        f'<msg level="FAIL">db down</msg>{_status("FAIL", "db down")}</kw>'
    )
    message = "Parent suite setup failed:\ndb down"
    suite = _suite(
        "Db",
        setup,
        _test("reads", "FAIL", text=message),
        _test("writes", "FAIL", text=message),
        word="FAIL",
        text="Suite setup failed:\ndb down",
    )
    results = _read(tmp_path, suite)
    assert [r.status for r in results] == [Status.BLOCKED, Status.BLOCKED]
    assert "Parent suite setup failed:\ndb down" in (results[0].output or "")
    assert "db slow" in (results[0].output or "")  # the suite's messages reach its failed runs


def test_suite_teardown_failure_fails_its_tests(tmp_path: Path) -> None:
    teardown = f'<kw name="Cleanup" type="TEARDOWN">{_status("FAIL", "disk full")}</kw>'
    inner = _suite("Inner", _test("ok", "PASS", _kw("Log", "PASS")))
    other = _suite("Other", _test("fine", "PASS", _kw("Log", "PASS")))
    top = _suite("Top", inner, teardown, word="FAIL", text="Suite teardown failed:\ndisk full")
    results = _read(tmp_path, top, other)
    assert [(r.name, r.status) for r in results] == [
        ("Top.Inner.ok", Status.FAILED),
        ("Other.fine", Status.PASSED),
    ]
    assert results[0].steps[-1].actual == "Parent suite teardown failed:\ndisk full"


def test_a_failed_suite_without_tests_is_one_failed_result(tmp_path: Path) -> None:
    broken = _suite("Broken", word="FAIL", text="Parsing 'broken.robot' failed: bad syntax")
    empty = _suite("Empty")
    results = _read(tmp_path, _suite("Top", broken, empty, word="FAIL"))
    [result] = results
    assert (result.name, result.status) == ("Top.Broken", Status.FAILED)
    assert "bad syntax" in (result.output or "")


def test_nameless_test_and_long_durations(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rf7 = (
        '<robot generator="Robot 7.0" schemaversion="5"><suite name="S">'
        '<test name=""><status status="PASS" start="2024-01-01T10:00:00" elapsed="0.25"/></test>'
        '<test name="slow"><status status="PASS" start="2024-01-01T10:00:00" elapsed="999638317"/>'
        '</test><status status="PASS" start="2024-01-01T10:00:00" elapsed="1"/></suite></robot>'
    )
    path = tmp_path / "output.xml"
    path.write_text(rf7)
    with caplog.at_level(logging.WARNING):
        results, _ = read_all(robot.read, path)
    assert [r.name for r in results] == ["S (unnamed case 1)", "S.slow"]
    assert results[0].duration is not None
    assert results[0].duration.total_seconds() == 0.25
    assert results[1].duration is None
    assert "has no name" in caplog.text
    assert "over 7 days" in caplog.text


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "output.xml"
    path.write_text('<robot>\n<suite name="S">\n<test name="t"></suite>\n</robot>')
    with pytest.raises(ReportError) as caught:
        list(robot.read(path, ReaderOptions(), lambda e: None))
    assert (caught.value.line, caught.value.column) == (3, 18)  # the closing tag's name
    assert "mismatched tag" in str(caught.value)


def test_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "output.xml"
    path.write_text('<!DOCTYPE robot [<!ENTITY a "aaaa">]>\n<robot><suite name="&a;"/></robot>')
    with pytest.raises(ReportError, match="declares entities"):
        list(robot.read(path, ReaderOptions(), lambda e: None))


def test_another_root_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "output.xml"
    path.write_text("<testsuites/>")
    with pytest.raises(ReportError, match="the root is <testsuites>"):
        list(robot.read(path, ReaderOptions(), lambda e: None))


def test_sniff() -> None:
    assert robot.sniff(Head(kind="xml", root="robot"))
    assert not robot.sniff(Head(kind="xml", root="testsuites"))
    assert not robot.sniff(Head(kind="json", json_type="object"))


def test_attach_output_attaches_the_test_messages(tmp_path: Path) -> None:
    kw = (
        '<kw name="Log"><msg timestamp="20240101 10:00:00.000" level="INFO">hello</msg>'
        f"{_status('PASS')}</kw>"
    )
    [result] = _read(tmp_path, _suite("S", _test("ok", "PASS", kw)), attach_output=True)
    assert [(a.filename, a.content) for a in result.attachments] == [
        ("S.ok-messages.txt", b"20240101 10:00:00.000 INFO hello")
    ]


def test_execution_errors_are_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    errors = '<errors><msg level="ERROR">Error in file x.robot: Non-existing setting</msg></errors>'
    with caplog.at_level(logging.WARNING):
        _read(tmp_path, _suite("S", _test("ok", "PASS")), errors)
    assert "1 execution error(s) or warning(s), the first: Error in file x.robot" in caplog.text


def test_name_template_fields(tmp_path: Path) -> None:
    suite = _suite("Top", _suite("Sub", _test("t", "PASS")))
    [result] = _read(tmp_path, suite, name_template="{suite} | {name} ({file})")
    assert result.name == "Sub | t (/t/Sub.robot)"
    [plain] = _read(tmp_path, suite, name_template="{classname}.{name}")
    assert plain.name == "Top.Sub.t"
    with pytest.raises(ReportError, match="unknown field"):
        _read(tmp_path, suite, name_template="{nope}")


def test_every_corpus_file_is_read_above() -> None:
    assert corpus_names("robot") == {name for name, _ in CORPUS_ROBOT}


# -- streaming: chunk boundaries, a cut file, memory ------------------------------------------


def _many(path: Path, tests: int) -> Path:
    """Suites of 20 tests under one top suite; 1 test in 10 fails with a FAIL message; the
    third suite's setup fails (its tests are blocked), the fifth suite's teardown fails."""
    rows = ['<?xml version="1.0" encoding="UTF-8"?>\n<robot generator="Robot 7.0">\n']
    rows.append('<suite id="s1" name="Top">\n')
    times = 'start="2024-01-01T00:00:00.000000" elapsed="0.012"'
    for i in range(tests):
        group = i // 20
        if i % 20 == 0:
            if i:
                rows.append(_end_suite(group - 1, times))
            rows.append(f'<suite id="s1-s{group}" name="Class{group}">\n')
            if group == 2:
                rows.append(
                    '<kw name="Connect" type="SETUP"><msg level="FAIL">db down</msg>'
                    f'<status status="FAIL" {times}>db down</status></kw>\n'
                )
        word, text = ("FAIL", f"expected {i}") if i % 10 == 7 else ("PASS", "")
        if group == 2:
            word, text = "FAIL", "Parent suite setup failed:\ndb down"
        msg = f'<msg level="FAIL">expected {i}</msg>' if word == "FAIL" and group != 2 else ""
        kw_word = "FAIL" if msg else ("NOT RUN" if group == 2 else "PASS")
        rows.append(
            f'<test id="s1-s{group}-t{i}" name="Test {i}">\n'
            f'<kw name="Should Be Equal" owner="BuiltIn"><arg>${{x}}</arg><arg>{i}</arg>{msg}'
            f'<status status="{kw_word}" {times}/></kw>\n'
            f'<status status="{word}" {times}>{text}</status>\n</test>\n'
        )
    rows.append(_end_suite((tests - 1) // 20, times))
    rows.append(f'<status status="FAIL" {times}/>\n</suite>\n<errors/>\n</robot>\n')
    path.write_text("".join(rows), encoding="utf-8")
    return path


def _end_suite(group: int, times: str) -> str:
    if group == 4:
        return (
            f'<kw name="Cleanup" type="TEARDOWN"><status status="FAIL" {times}>disk full</status>'
            f'</kw>\n<status status="FAIL" {times}>Suite teardown failed:\ndisk full</status>\n'
            "</suite>\n"
        )
    return f'<status status="PASS" {times}/>\n</suite>\n'


@pytest.mark.parametrize("chunk", [1, 7, 100, 4096])
def test_results_do_not_depend_on_where_chunks_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    path = _many(tmp_path / "output.xml", 120)
    whole, _ = read_all(robot.read, path)
    assert statuses(whole) == counts(72, 28, blocked=20)  # the fifth suite's 20: FAILED
    assert [r.name for r in whole][:2] == ["Top.Class0.Test 0", "Top.Class0.Test 1"]
    monkeypatch.setattr(robot, "_CHUNK", chunk)  # the parser is fed this much at a time
    assert read_all(robot.read, path) == (whole, [])


def test_a_cut_file_reads_the_tests_before_the_cut_with_partial(tmp_path: Path) -> None:
    text = _many(tmp_path / "whole.xml", 30).read_text()
    at = text.index("</test>", text.index('name="Test 2"')) + len("</test>")
    cut = tmp_path / "output.xml"
    cut.write_text(text[:at])  # right after the third test: the last element that ended
    errors: list[ReportError] = []
    assert list(read_reports(cut, errors=errors)) == []
    assert len(errors) == 1
    assert errors[0].line is not None
    errors.clear()
    names = [r.name for r in read_reports(cut, errors=errors, partial=True)]
    assert names == ["Top.Class0.Test 0", "Top.Class0.Test 1", "Top.Class0.Test 2"]
    assert [str(e).split(": ", 1)[-1] for e in errors] == ["no element found"]


def _peak(path: Path) -> int:
    tracemalloc.start()
    try:
        count = sum(1 for _ in robot.read(path, ReaderOptions(), pytest.fail))
        return tracemalloc.get_traced_memory()[1] if count else 0
    finally:
        tracemalloc.stop()


def test_memory_is_flat_in_the_number_of_tests(tmp_path: Path) -> None:
    small = _peak(_many(tmp_path / "small.xml", 500))
    large = _peak(_many(tmp_path / "large.xml", 5_000))
    assert small > 0
    # 10 times the tests (~2.5 MB): the peak grows by less than 400 kB (one chunk's elements
    # and the open suites are held, whatever the file's size).
    assert large - small < 400_000, (small, large)


def test_suites_nested_deeper_than_the_python_stack(tmp_path: Path) -> None:
    depth = 3000
    path = tmp_path / "output.xml"
    path.write_text(
        "<robot>"
        + "".join(f'<suite name="s{i}">' for i in range(depth))
        + '<test name="t"><status status="FAIL">x</status></test>'
        + '<status status="FAIL"/></suite>' * depth
        + "</robot>"
    )
    [result] = _read_path(path)
    assert result.name.endswith("s2998.s2999.t")
    assert result.status is Status.FAILED


def _read_path(path: Path) -> list[Any]:
    results, problems = read_all(robot.read, path)
    assert not problems
    return results


def test_rf6_durations_from_start_and_end_times(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def test(name: str, start: str, end: str) -> str:
        times = f'starttime="{start}" endtime="{end}"'
        return f'<test name="{name}"><status status="PASS" {times}/></test>'

    suite = _suite(
        "S",
        test("same day", "20240101 10:00:00.000", "20240101 10:00:01.500"),
        test("over midnight", "20240101 23:59:59.500", "20240102 00:00:01.000"),
        test("short fraction", "20240101 10:00:00.5", "20240101 10:00:02"),
        test("backwards", "20240101 10:00:02.000", "20240101 10:00:01.000"),
        test("no such hour", "20240101 25:00:00.000", "20240101 25:00:01.000"),
        test("not run", "N/A", "N/A"),
    )
    with caplog.at_level(logging.WARNING):
        results = _read(tmp_path, suite)
    seconds = [r.duration.total_seconds() if r.duration is not None else None for r in results]
    assert seconds == [1.5, 1.5, 1.5, None, None, None]
    assert "not a number of seconds" in caplog.text  # the backwards one, said
