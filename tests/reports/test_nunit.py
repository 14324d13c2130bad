"""NUnit 2 and 3 reports: every corpus file, and a small file for each rule."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from practitest_async.batch.results import Status
from practitest_async.reports import Head, ReportError, nunit

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

# (folder, file, results, statuses). Where SOURCES.md counts differently, the comment says why.
CORPUS = [
    ("nunit2", "nunit2-big-params.xml", 218, {"PASSED": 218}),
    (
        "nunit2",
        "nunit2-specflow.xml",
        71,
        {"PASSED": 40, "FAILED": 17, "NO RUN": 1, "NOT COMPLETED": 13},
    ),
    ("nunit2", "nunit228-unicode.xml", 1, {"FAILED": 1}),
    ("nunit2", "nunit253-executed-success.xml", 9, {"PASSED": 6, "FAILED": 3}),
    # SOURCES' 4 "other" are 3 NotRunnable (BLOCKED by the rule) and 1 Inconclusive.
    (
        "nunit2",
        "nunit258-mock-assembly.xml",
        28,
        {"PASSED": 18, "FAILED": 2, "NO RUN": 4, "NOT COMPLETED": 1, "BLOCKED": 3},
    ),
    # 52 cases + 2 OneTimeTearDown failures no case carries (one FAILED result per fixture);
    # the 2 cases of OneTimeSetUp fixtures are BLOCKED; SOURCES' 8 "other" are 6 Inconclusive
    # (NOT COMPLETED) and 2 Warning (PASSED with the warning).
    (
        "nunit3",
        "nunit3-console-all-outcomes.xml",
        54,
        {"PASSED": 26, "FAILED": 14, "NO RUN": 6, "NOT COMPLETED": 6, "BLOCKED": 2},
    ),
    # SOURCES' 144 failed include the 10 cases of fixtures whose OneTimeSetUp failed: BLOCKED.
    (
        "nunit3",
        "nunit3-onetimesetup-fail-big.xml",
        150,
        {"PASSED": 6, "FAILED": 134, "BLOCKED": 10},
    ),
    ("nunit3", "nunit3-root-test-suite.xml", 23, {"PASSED": 13, "FAILED": 10}),
    (
        "nunit3",
        "nunit3-runner-nunit2-tests.xml",
        71,
        {"PASSED": 40, "FAILED": 17, "NO RUN": 1, "NOT COMPLETED": 13},
    ),
    (
        "nunit3",
        "nunit3-specflow-outlines.xml",
        69,
        {"PASSED": 40, "FAILED": 18, "NO RUN": 1, "NOT COMPLETED": 10},
    ),
    ("nunit3", "nunit3-timeout-theory.xml", 9, {"PASSED": 3, "FAILED": 5, "NO RUN": 1}),
]


def test_the_table_covers_every_nunit_file_of_the_corpus() -> None:
    assert corpus_names("nunit2", "nunit3") == {name for _, name, _, _ in CORPUS}


@pytest.mark.parametrize(
    ("folder", "name", "count", "expected"), CORPUS, ids=[c[1] for c in CORPUS]
)
def test_corpus(folder: str, name: str, count: int, expected: dict[str, int]) -> None:
    path = corpus_file(folder, name)
    results = read(nunit, path)
    assert len(results) == count
    assert statuses(results) == expected
    assert len({r.key for r in results}) == count  # keys tell every result apart
    assert [r.key for r in read(nunit, path)] == [r.key for r in results]  # and are stable


def test_corpus_setup_failure_reaches_blocked_cases() -> None:
    results = read(nunit, corpus_file("nunit3", "nunit3-console-all-outcomes.xml"))
    found = by_name(results)
    blocked = found["NUnit.Xml.TestLogger.NetFull.Tests.FailingOneTimeSetUp.Test"]
    assert blocked.status is Status.BLOCKED
    assert "FailingOneTimeSetUp.OneTimeSetUp() in" in (blocked.output or "")  # the fixture's trace
    teardown = found["NUnit.Xml.TestLogger.NetFull.Tests.FailingOneTimeTearDown"]
    assert teardown.status is Status.FAILED
    assert "OneTimeTearDown" in (teardown.output or "")
    warning = found["NUnit.Xml.TestLogger.NetFull.Tests.UnitTest2.WarningTest"]
    assert warning.status is Status.PASSED
    assert "[warning]" in (warning.output or "")


NUNIT3 = """<?xml version="1.0" encoding="utf-8"?>
<test-run id="2" result="Failed">
 <test-suite type="Assembly" name="A.dll" fullname="/ci/A.dll">
  <test-suite type="TestFixture" name="Calc" fullname="Ns.Calc" classname="Ns.Calc">
   <test-case name="Pass" fullname="Ns.Calc.Pass" classname="Ns.Calc" result="Passed"
      duration="0.25"><output><![CDATA[hello from stdout]]></output></test-case>
   <test-case name="Fail" fullname="Ns.Calc.Fail" classname="Ns.Calc" result="Failed"
      duration="0.1"><failure><message><![CDATA[Expected 1 but was 2]]></message>
      <stack-trace><![CDATA[at Ns.Calc.Fail() in Calc.cs:line 9]]></stack-trace></failure>
   </test-case>
   <test-case name="Err" fullname="Ns.Calc.Err" classname="Ns.Calc" result="Failed"
      label="Error"/>
   <test-case name="Cancel" fullname="Ns.Calc.Cancel" classname="Ns.Calc" result="Failed"
      label="Cancelled"/>
   <test-case name="Ign" fullname="Ns.Calc.Ign" classname="Ns.Calc" result="Skipped"
      label="Ignored"><reason><message><![CDATA[not today]]></message></reason></test-case>
   <test-case name="Expl" fullname="Ns.Calc.Expl" classname="Ns.Calc" result="Skipped"
      label="Explicit"/>
   <test-case name="Inc" fullname="Ns.Calc.Inc" classname="Ns.Calc" result="Inconclusive"/>
   <test-case name="Warn" fullname="Ns.Calc.Warn" classname="Ns.Calc" result="Warning">
      <reason><message><![CDATA[this is deprecated]]></message></reason></test-case>
   <test-case name="Bad" fullname="Ns.Calc.Bad" classname="Ns.Calc" result="Failed"
      label="Invalid" runstate="NotRunnable"><failure><message><![CDATA[No arguments were
      provided]]></message></failure></test-case>
   <test-case name="Add(1,2)" fullname="Ns.Calc.Add(1,2)" classname="Ns.Calc" result="Passed"/>
   <test-case name="Add(2,3)" fullname="Ns.Calc.Add(2,3)" classname="Ns.Calc" result="Passed"/>
  </test-suite>
 </test-suite>
</test-run>
"""


def test_nunit3_statuses_output_and_theory_rows(tmp_path: Path) -> None:
    found = by_name(read_text(nunit, tmp_path, NUNIT3))
    assert {name: r.status.value for name, r in found.items()} == {
        "Ns.Calc.Pass": "PASSED",
        "Ns.Calc.Fail": "FAILED",
        "Ns.Calc.Err": "FAILED",
        "Ns.Calc.Cancel": "FAILED",
        "Ns.Calc.Ign": "NO RUN",
        "Ns.Calc.Expl": "NO RUN",
        "Ns.Calc.Inc": "NOT COMPLETED",
        "Ns.Calc.Warn": "PASSED",
        "Ns.Calc.Bad": "BLOCKED",
        "Ns.Calc.Add(1,2)": "PASSED",
        "Ns.Calc.Add(2,3)": "PASSED",
    }
    assert found["Ns.Calc.Fail"].output == (
        "Expected 1 but was 2\nat Ns.Calc.Fail() in Calc.cs:line 9"
    )
    assert found["Ns.Calc.Pass"].output == "[stdout]\nhello from stdout"
    assert found["Ns.Calc.Pass"].duration is not None
    assert found["Ns.Calc.Pass"].duration.total_seconds() == 0.25
    assert found["Ns.Calc.Warn"].output == "[warning]\nthis is deprecated"
    assert found["Ns.Calc.Ign"].output == "[ignored]\nnot today"
    assert "No arguments were" in (found["Ns.Calc.Bad"].output or "")


def test_status_map_overrides_each_raw_word(tmp_path: Path) -> None:
    results = read_text(
        nunit,
        tmp_path,
        NUNIT3,
        status_map={"inconclusive": Status.FAILED, "explicit": Status.NA},
    )
    found = by_name(results)
    assert found["Ns.Calc.Inc"].status is Status.FAILED
    assert found["Ns.Calc.Expl"].status is Status.NA
    assert found["Ns.Calc.Ign"].status is Status.NO_RUN  # a word not mapped keeps its default


def test_skipped_omit_leaves_out_no_run_cases(tmp_path: Path) -> None:
    names = {r.name for r in read_text(nunit, tmp_path, NUNIT3, skipped="omit")}
    assert "Ns.Calc.Ign" not in names
    assert "Ns.Calc.Expl" not in names
    assert "Ns.Calc.Inc" in names


def test_attach_output_turns_stdout_into_a_file(tmp_path: Path) -> None:
    found = by_name(read_text(nunit, tmp_path, NUNIT3, attach_output=True))
    passed = found["Ns.Calc.Pass"]
    assert passed.output is None
    assert [(a.filename, a.content) for a in passed.attachments] == [
        ("Ns.Calc.Pass-stdout.txt", b"hello from stdout")
    ]


SETUP_FAILED = """<test-run>
 <test-suite type="Assembly" name="A.dll" fullname="A.dll">
  <test-suite type="TestFixture" name="Db" fullname="Ns.Db" result="Failed" site="SetUp">
   <failure><message><![CDATA[cannot connect to db]]></message>
    <stack-trace><![CDATA[at Ns.Db.OneTimeSetUp()]]></stack-trace></failure>
   <output><![CDATA[connecting to db-01...]]></output>
   <test-case name="A" fullname="Ns.Db.A" classname="Ns.Db" result="Failed" site="Parent">
    <failure><message><![CDATA[OneTimeSetUp: cannot connect to db]]></message></failure>
   </test-case>
   <test-case name="B" fullname="Ns.Db.B" classname="Ns.Db" result="Failed" site="Parent"/>
  </test-suite>
  <test-suite type="TestFixture" name="Empty" fullname="Ns.Empty" result="Failed" site="SetUp">
   <failure><message><![CDATA[fixture exploded]]></message></failure>
  </test-suite>
  <test-suite type="TestFixture" name="Tidy" fullname="Ns.Tidy" result="Failed"
     site="TearDown">
   <failure><message><![CDATA[TearDown : could not delete]]></message></failure>
   <test-case name="C" fullname="Ns.Tidy.C" classname="Ns.Tidy" result="Passed"/>
  </test-suite>
 </test-suite>
</test-run>
"""


def test_fixture_setup_failure_blocks_its_cases_and_never_vanishes(tmp_path: Path) -> None:
    found = by_name(read_text(nunit, tmp_path, SETUP_FAILED))
    assert {n: r.status.value for n, r in found.items()} == {
        "Ns.Db.A": "BLOCKED",
        "Ns.Db.B": "BLOCKED",
        "Ns.Empty": "FAILED",  # no case to carry it: one result named after the fixture
        "Ns.Tidy.C": "PASSED",
        "Ns.Tidy": "FAILED",  # a OneTimeTearDown failure no case carries
    }
    for name in ("Ns.Db.A", "Ns.Db.B"):
        output = found[name].output or ""
        assert "cannot connect to db\nat Ns.Db.OneTimeSetUp()" in output
        assert "[output of Ns.Db]\nconnecting to db-01..." in output  # the fixture's own log
    assert "connecting" not in (found["Ns.Tidy.C"].output or "")
    assert "fixture exploded" in (found["Ns.Empty"].output or "")
    assert "could not delete" in (found["Ns.Tidy"].output or "")


NUNIT2 = """<?xml version="1.0"?>
<test-results name="T.dll" total="6">
 <test-suite type="Assembly" name="T.dll" result="Failure"><results>
  <test-suite type="Namespace" name="Ns" result="Failure"><results>
   <test-suite type="TestFixture" name="Fix" result="Failure"><results>
    <test-case name="Ns.Fix.Ok" executed="True" result="Success" success="True" time="1.5"/>
    <test-case name="Ns.Fix.Bad" executed="True" result="Failure" success="False">
     <failure><message><![CDATA[boom]]></message><stack-trace><![CDATA[at Bad]]></stack-trace>
     </failure></test-case>
    <test-case name="Ns.Fix.Err" executed="True" result="Error" success="False"/>
    <test-case name="Ns.Fix.Ign" executed="False" result="Ignored"/>
    <test-case name="Ns.Fix.NR" executed="False" result="NotRunnable"/>
    <test-case name="Ns.Fix.Inc" executed="True" result="Inconclusive"/>
    <test-case name="Ns.Fix.Old" executed="True" success="True"/>
    <test-case name="Ns.Fix.OldFail" executed="True" success="False"/>
    <test-case name="Ns.Fix.OldSkip" executed="False"/>
    <test-case name="Ns.Fix.Row(1.5,&quot;a.b&quot;)" executed="True" result="Success"/>
   </results></test-suite>
   <test-suite type="TestFixture" name="Setup" result="Failure"><failure>
     <message><![CDATA[SetUp : System.Exception : no database]]></message></failure><results>
    <test-case name="Ns.Setup.T" executed="True" result="Failure" success="False"><failure>
     <message><![CDATA[TestFixtureSetUp failed in Setup]]></message></failure></test-case>
   </results></test-suite>
  </results></test-suite>
 </results></test-suite>
</test-results>
"""


def test_nunit2_results_and_fixture_setup_failure(tmp_path: Path) -> None:
    found = by_name(read_text(nunit, tmp_path, NUNIT2))
    assert {n: r.status.value for n, r in found.items()} == {
        "Ns.Fix.Ok": "PASSED",
        "Ns.Fix.Bad": "FAILED",
        "Ns.Fix.Err": "FAILED",
        "Ns.Fix.Ign": "NO RUN",
        "Ns.Fix.NR": "BLOCKED",
        "Ns.Fix.Inc": "NOT COMPLETED",
        "Ns.Fix.Old": "PASSED",
        "Ns.Fix.OldFail": "FAILED",
        "Ns.Fix.OldSkip": "NO RUN",
        'Ns.Fix.Row(1.5,"a.b")': "PASSED",
        "Ns.Setup.T": "BLOCKED",
    }
    assert found["Ns.Fix.Bad"].output == "boom\nat Bad"
    assert "no database" in (found["Ns.Setup.T"].output or "")
    assert found["Ns.Fix.Ok"].key is not None
    assert "::Ns.Fix::" in found["Ns.Fix.Ok"].key


def test_nameless_case_gets_a_name_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    xml = NUNIT3.replace('name="Expl" fullname="Ns.Calc.Expl"', 'name="" fullname=""')
    with caplog.at_level(logging.WARNING, "practitest_async.reports"):
        names = [r.name for r in read_text(nunit, tmp_path, xml)]
    assert "Calc (unnamed case 6)" in names
    assert "has no name" in caplog.text


def test_duration_over_seven_days_is_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    xml = NUNIT3.replace('duration="0.25"', 'duration="999638317"')
    with caplog.at_level(logging.WARNING, "practitest_async.reports"):
        found = by_name(read_text(nunit, tmp_path, xml))
    assert found["Ns.Calc.Pass"].duration is None
    assert "over 7 days" in caplog.text


def test_keys_do_not_depend_on_how_the_path_is_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.xml"
    path.write_text(NUNIT3, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    keys = [r.key for r in read(nunit, Path("report.xml"))]
    assert keys == [r.key for r in read(nunit, path)]
    assert keys[0] == f"{path.resolve().as_posix()}::Ns.Calc::Ns.Calc::Pass::0"


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        read_text(nunit, tmp_path, "<test-run>\n  <test-suite>\n</test-run>\n")
    assert (caught.value.line, caught.value.column) == (3, 3)
    assert "mismatched tag" in str(caught.value)


def test_truncated_file_is_an_error_after_the_results_before_it(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text(NUNIT3[: NUNIT3.index('<test-case name="Ign"')], encoding="utf-8")
    got = []
    with pytest.raises(ReportError) as caught:
        for result in nunit.read(path, nunit.ReaderOptions(), pytest.fail):
            got.append(result.name)
    assert got[:2] == ["Ns.Calc.Pass", "Ns.Calc.Fail"]
    assert caught.value.line is not None


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        read_text(nunit, tmp_path, ENTITIES + "<test-run>&lol2;</test-run>")
    assert "refused" in str(caught.value)
    assert caught.value.line == 2


def test_wrong_root_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="root element is <testsuites>"):
        read_text(nunit, tmp_path, "<testsuites/>")


def test_missing_file_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        read(nunit, tmp_path / "nope.xml")


def test_sniff() -> None:
    assert nunit.sniff(Head(kind="xml", root="test-run"))
    assert nunit.sniff(Head(kind="xml", root="test-results"))
    assert nunit.sniff(Head(kind="xml", root="test-suite", root_attrs={"type": "Assembly"}))
    assert not nunit.sniff(Head(kind="xml", root="testsuite"))
    assert not nunit.sniff(Head(kind="xml", root="testsuites"))
    assert not nunit.sniff(Head(kind="json", json_type="object"))


PROPERTIES = """<test-run><test-suite type="TestFixture" name="P" fullname="Ns.P">
 <test-case name="Linked" fullname="Ns.P.Linked" result="Passed"><properties>
  <property name="practitest-test-id" value="123"/>
  <property name="practitest-field-45" value="Windows"/>
  <property name="practitest-field-45" value="Linux"/>
  <property name="Category" value="smoke"/></properties></test-case>
 <test-case name="Bad" fullname="Ns.P.Bad" result="Passed"><properties>
  <property name="practitest-test-id" value="abc"/></properties></test-case>
 <test-case name="Fine" fullname="Ns.P.Fine" result="Passed"/>
</test-suite></test-run>
"""


def test_practitest_properties_link_a_test_and_set_fields(tmp_path: Path) -> None:
    path = tmp_path / "props.xml"
    path.write_text(PROPERTIES, encoding="utf-8")
    problems: list[ReportError] = []
    results = list(nunit.read(path, nunit.ReaderOptions(), problems.append))
    assert [r.name for r in results] == ["Ns.P.Linked", "Ns.P.Fine"]
    assert results[0].test_id == 123
    assert results[0].custom_fields == {45: ["Windows", "Linux"]}
    assert [p.message for p in problems] == [
        "test case 'Ns.P.Bad': property practitest-test-id: expected a positive whole number, "
        "got 'abc'"
    ]


def test_a_case_that_cannot_become_a_result_is_reported_in_file_order(tmp_path: Path) -> None:
    """Results come a chunk at a time; a problem still sits between the results around it."""
    path = tmp_path / "props.xml"
    path.write_text(PROPERTIES, encoding="utf-8")
    seen: list[str] = []

    def report(error: ReportError) -> None:
        seen.append(f"problem: {error.message.split(':')[0]}")

    for result in nunit.read(path, nunit.ReaderOptions(), report):
        seen.append(result.name)
    assert seen == ["Ns.P.Linked", "problem: test case 'Ns.P.Bad'", "Ns.P.Fine"]

    def refuse(error: ReportError) -> None:
        raise error

    names: list[str] = []
    with pytest.raises(ReportError, match=r"Ns\.P\.Bad"):
        for result in nunit.read(path, nunit.ReaderOptions(), refuse):
            names.append(result.name)
    assert names == ["Ns.P.Linked"]  # what precedes the problem, and nothing after it
