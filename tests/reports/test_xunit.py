"""xUnit.net v1 and v2 reports: every corpus file, and a small file for each rule."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from practitest_async.batch.results import Status
from practitest_async.reports import Head, ReportError, xunit

try:  # tests/reports is a package where it has an __init__.py, a plain folder if not
    from ._xml_helpers import CORPUS as CORPUS_DIR
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
    from _xml_helpers import CORPUS as CORPUS_DIR  # type: ignore[no-redef]
    from _xml_helpers import ENTITIES, by_name, corpus_file, corpus_names, read, read_text, statuses

CORPUS = [
    ("xunit-v1", "xunit190-small.xml", 4, {"PASSED": 3, "FAILED": 1}),
    ("xunit-v1", "xunit192-specflow.xml", 71, {"PASSED": 40, "FAILED": 30, "NO RUN": 1}),
    ("xunit-v2", "fixie-xunit-format.xml", 7, {"PASSED": 3, "FAILED": 3, "NO RUN": 1}),
    ("xunit-v2", "xunit-vstest-logger.xml", 5, {"PASSED": 2, "FAILED": 2, "NO RUN": 1}),
    ("xunit-v2", "xunit20-fail-skip.xml", 3, {"PASSED": 1, "FAILED": 1, "NO RUN": 1}),
    ("xunit-v2", "xunit21-specflow.xml", 71, {"PASSED": 40, "FAILED": 30, "NO RUN": 1}),
    ("xunit-v2", "xunit22-empty-assembly.xml", 0, {}),  # an assembly that ran nothing
    ("xunit-v2", "xunit231-display-names.xml", 5, {"PASSED": 5}),
]


def test_the_table_covers_every_xunit_file_of_the_corpus() -> None:
    assert corpus_names("xunit-v1", "xunit-v2") == {name for _, name, _, _ in CORPUS}


@pytest.mark.parametrize(
    ("folder", "name", "count", "expected"), CORPUS, ids=[c[1] for c in CORPUS]
)
def test_corpus(folder: str, name: str, count: int, expected: dict[str, int]) -> None:
    path = corpus_file(folder, name)
    results = read(xunit, path)
    assert len(results) == count
    assert statuses(results) == expected
    assert len({r.key for r in results}) == count
    assert [r.key for r in read(xunit, path)] == [r.key for r in results]


def test_the_xunit_file_of_the_junit_corpus() -> None:
    # ../shared/junit-corpus keeps one xUnit.net v2 file, to check JUnit refuses it; we read it.
    path = CORPUS_DIR.parent / "junit-corpus" / "xunitnet-v2-not-junit.xml"
    if not path.is_file():
        pytest.skip(f"junit corpus not available ({path})")
    results = read(xunit, path)
    assert statuses(results) == {"PASSED": 7, "FAILED": 2}


def test_corpus_failure_output_has_message_and_stack_trace() -> None:
    found = by_name(read(xunit, corpus_file("xunit-v2", "xunit20-fail-skip.xml")))
    failed = found["MyProject.Tests.SampleFact.FailedTest"]
    assert (failed.output or "").startswith("Xunit.Sdk.TrueException: Assert.True() Failure\n")
    assert "SampleFact.cs:line 16" in (failed.output or "")
    assert found["MyProject.Tests.SampleFact.SkippedTest"].output == "[skip]\nOn Purpose"


V2 = """<?xml version="1.0" encoding="utf-8"?>
<assemblies>
 <assembly name="C:\\ci\\bin\\My.Tests.dll" test-framework="xUnit.net 2.4.1" total="6">
  <errors>
   <error type="test-class-cleanup" name="My.Tests.Db">
    <failure exception-type="System.IO.IOException">
     <message><![CDATA[System.IO.IOException : disk full]]></message>
     <stack-trace><![CDATA[at My.Tests.Db.Dispose()]]></stack-trace>
    </failure>
   </error>
  </errors>
  <collection name="Test collection for My.Tests.Calc" total="6">
   <test name="My.Tests.Calc.Adds" type="My.Tests.Calc" method="Adds" time="0.5" result="Pass">
    <output><![CDATA[adding...]]></output>
   </test>
   <test name="My.Tests.Calc.Fails" type="My.Tests.Calc" method="Fails" time="0.1"
      result="Fail"><failure exception-type="Xunit.Sdk.EqualException">
     <message><![CDATA[Assert.Equal() Failure]]></message>
     <stack-trace><![CDATA[at My.Tests.Calc.Fails()]]></stack-trace></failure></test>
   <test name="My.Tests.Calc.Skips" type="My.Tests.Calc" method="Skips" time="0"
      result="Skip"><reason><![CDATA[flaky on CI]]></reason></test>
   <test name="My.Tests.Calc.NotRun" type="My.Tests.Calc" method="NotRun" result="NotRun"/>
   <test name="My.Tests.Calc.Even(i: 2)" type="My.Tests.Calc" method="Even" result="Pass"/>
   <test name="My.Tests.Calc.Even(i: 3)" type="My.Tests.Calc" method="Even" result="Fail"/>
   <test name="Adds two and two" type="My.Tests.Calc" method="Custom" result="Pass"/>
  </collection>
 </assembly>
</assemblies>
"""


def test_v2_statuses_theory_rows_output_and_errors(tmp_path: Path) -> None:
    found = by_name(read_text(xunit, tmp_path, V2))
    assert {n: r.status.value for n, r in found.items()} == {
        "My.Tests.Db [test-class-cleanup]": "FAILED",  # no test carries it: one result
        "My.Tests.Calc.Adds": "PASSED",
        "My.Tests.Calc.Fails": "FAILED",
        "My.Tests.Calc.Skips": "NO RUN",
        "My.Tests.Calc.NotRun": "NO RUN",
        "My.Tests.Calc.Even(i: 2)": "PASSED",
        "My.Tests.Calc.Even(i: 3)": "FAILED",
        "My.Tests.Calc.Adds two and two": "PASSED",
    }
    assert found["My.Tests.Calc.Fails"].output == (
        "Xunit.Sdk.EqualException: Assert.Equal() Failure\nat My.Tests.Calc.Fails()"
    )
    assert found["My.Tests.Calc.Adds"].output == "[stdout]\nadding..."
    cleanup = found["My.Tests.Db [test-class-cleanup]"].output or ""
    assert "disk full" in cleanup
    assert "at My.Tests.Db.Dispose()" in cleanup
    key = found["My.Tests.Calc.Adds"].key or ""
    assert "::My.Tests.dll/Test collection for My.Tests.Calc::My.Tests.Calc::Adds::0" in key


def test_status_map_applies_to_xunit_words(tmp_path: Path) -> None:
    found = by_name(read_text(xunit, tmp_path, V2, status_map={"notrun": Status.BLOCKED}))
    assert found["My.Tests.Calc.NotRun"].status is Status.BLOCKED


V1 = """<?xml version="1.0"?>
<assembly name="/ci/My.Tests.dll" test-framework="xUnit.net 1.9.2" total="3" passed="1">
 <class name="My.Tests.A" total="2">
  <test name="My.Tests.A.One" type="My.Tests.A" method="One" result="Pass" time="0.01"/>
  <test name="My.Tests.A.Two" type="My.Tests.A" method="Two" result="Fail" time="0.02">
   <failure exception-type="Xunit.Sdk.TrueException"><message>Assert.True() Failure</message>
   <stack-trace>at My.Tests.A.Two()</stack-trace></failure></test>
  <test name="My.Tests.A.Three" type="My.Tests.A" method="Three" result="Skip">
   <reason><message>later</message></reason></test>
 </class>
 <class name="My.Tests.Broken" total="0">
  <failure exception-type="System.InvalidOperationException">
   <message>fixture could not be created</message><stack-trace>at ctor</stack-trace></failure>
 </class>
</assembly>
"""


def test_v1_tests_and_a_class_failure(tmp_path: Path) -> None:
    found = by_name(read_text(xunit, tmp_path, V1))
    assert {n: r.status.value for n, r in found.items()} == {
        "My.Tests.A.One": "PASSED",
        "My.Tests.A.Two": "FAILED",
        "My.Tests.A.Three": "NO RUN",
        "My.Tests.Broken [class failure]": "FAILED",
    }
    assert found["My.Tests.A.Three"].output == "[skip]\nlater"
    assert "fixture could not be created" in (found["My.Tests.Broken [class failure]"].output or "")


def test_nameless_test_gets_a_name_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    xml = V1.replace('name="My.Tests.A.One" type="My.Tests.A"', 'name="" type=""')
    with caplog.at_level(logging.WARNING, "practitest_async.reports"):
        names = [r.name for r in read_text(xunit, tmp_path, xml)]
    assert names[0] == "My.Tests.A (unnamed case 1)"
    assert "has no name" in caplog.text


def test_long_duration_dropped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    xml = V1.replace('time="0.01"', 'time="700000"')
    with caplog.at_level(logging.WARNING, "practitest_async.reports"):
        found = by_name(read_text(xunit, tmp_path, xml))
    assert found["My.Tests.A.One"].duration is None
    assert found["My.Tests.A.Two"].duration is not None
    assert "over 7 days" in caplog.text


def test_malformed_and_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        read_text(xunit, tmp_path, V2.replace("</collection>", "</colection>"))
    assert (caught.value.line, caught.value.column) == (26, 5)
    assert "mismatched tag" in caught.value.message
    with pytest.raises(ReportError, match="refused"):
        read_text(xunit, tmp_path, ENTITIES + "<assemblies>&lol2;</assemblies>")


def test_sniff() -> None:
    assert xunit.sniff(Head(kind="xml", root="assemblies"))
    v1 = {"name": "x.dll", "test-framework": "xUnit.net 1.9", "total": "1", "passed": "1"}
    assert xunit.sniff(Head(kind="xml", root="assembly", root_attrs=v1))
    # An <assembly> that is not an xUnit report (e.g. a .NET manifest) is not claimed.
    manifest = "urn:schemas-microsoft-com:asm.v1"
    assert not xunit.sniff(Head(kind="xml", root="assembly", namespace=manifest))
    assert not xunit.sniff(Head(kind="xml", root="assembly", root_attrs={"name": "x"}))
    assert not xunit.sniff(Head(kind="xml", root="testsuites"))


def test_practitest_traits_link_a_test_and_set_fields(tmp_path: Path) -> None:
    traits = (
        '<traits><trait name="practitest-test-id" value="77"/>'
        '<trait name="practitest-field-3" value="fast"/><trait name="Category" value="x"/>'
        "</traits>"
    )
    xml = V2.replace("<output>", f"{traits}<output>", 1)
    found = by_name(read_text(xunit, tmp_path, xml))
    linked = found["My.Tests.Calc.Adds"]
    assert (linked.test_id, linked.custom_fields) == (77, {3: "fast"})
    assert linked.output == "[stdout]\nadding..."
    assert found["My.Tests.Calc.Fails"].test_id is None


def test_huge_output_is_cut_with_a_note(tmp_path: Path) -> None:
    xml = V2.replace("adding...", "x" * 300_000)
    output = by_name(read_text(xunit, tmp_path, xml))["My.Tests.Calc.Adds"].output or ""
    assert output.endswith("more characters cut]")
    assert len(output) < 263_000
