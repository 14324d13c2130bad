"""--test-per class on a small file of every format: one result per class, a step per case.

Grouping reads the suite and class back from each result's key, so this holds only while every
reader keys its results as ``result_key(path, suite, class, name, ordinal=n)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practitest_async.batch import Status
from practitest_async.models import StepStatus
from practitest_async.reports import read_reports

NS = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"

JUNIT = """<testsuites><testsuite name="S">
<testcase classname="Ns.A" name="t1"/>
<testcase classname="Ns.A" name="t2"><failure message="boom">trace</failure></testcase>
<testcase classname="Ns.B" name="t3"/>
</testsuite></testsuites>"""

TESTNG = """<testng-results><suite name="S"><test name="T">
<class name="Ns.A">
<test-method signature="t1()" name="t1" status="PASS" duration-ms="1"/>
<test-method signature="t2()" name="t2" status="FAIL" duration-ms="1">
<exception class="java.lang.AssertionError"><message>boom</message></exception></test-method>
</class>
<class name="Ns.B"><test-method signature="t3()" name="t3" status="PASS" duration-ms="1"/></class>
</test></suite></testng-results>"""

NUNIT = """<test-run id="2"><test-suite type="Assembly" name="A.dll" fullname="/ci/A.dll">
<test-suite type="TestFixture" name="A" fullname="Ns.A">
<test-case name="t1" fullname="Ns.A.t1" classname="Ns.A" result="Passed"/>
<test-case name="t2" fullname="Ns.A.t2" classname="Ns.A" result="Failed">
<failure><message>boom</message></failure></test-case>
</test-suite>
<test-suite type="TestFixture" name="B" fullname="Ns.B">
<test-case name="t3" fullname="Ns.B.t3" classname="Ns.B" result="Passed"/>
</test-suite></test-suite></test-run>"""

XUNIT = """<assemblies><assembly name="/ci/A.dll"><collection name="C">
<test name="Ns.A.t1" type="Ns.A" method="t1" result="Pass" time="0.1"/>
<test name="Ns.A.t2" type="Ns.A" method="t2" result="Fail" time="0.1">
<failure><message>boom</message></failure></test>
<test name="Ns.B.t3" type="Ns.B" method="t3" result="Pass" time="0.1"/>
</collection></assembly></assemblies>"""


def _trx() -> str:
    rows = [("1", "t1", "Passed", "A"), ("2", "t2", "Failed", "A"), ("3", "t3", "Passed", "B")]
    results = "".join(
        f'<UnitTestResult executionId="{i}" testId="{i}" testName="{n}" outcome="{o}"/>'
        for i, n, o, _ in rows
    )
    definitions = "".join(
        f'<UnitTest name="{n}" id="{i}"><TestMethod codeBase="A.dll" '
        f'className="Ns.{c}, A, Version=1.0.0.0" name="{n}"/></UnitTest>'
        for i, n, _, c in rows
    )
    return (
        f'<TestRun id="r" name="ci" xmlns="{NS}"><Results>{results}</Results>'
        f"<TestDefinitions>{definitions}</TestDefinitions></TestRun>"
    )


ROBOT = """<robot generator="Robot 7.0" schemaversion="5"><suite name="Top">
<suite name="A"><test name="t1"><status status="PASS"/></test>
<test name="t2"><status status="FAIL">boom</status></test><status status="FAIL"/></suite>
<suite name="B"><test name="t3"><status status="PASS"/></test><status status="PASS"/></suite>
<status status="FAIL"/></suite></robot>"""


def _step(status: str) -> dict[str, object]:
    return {"keyword": "Given ", "name": "x", "result": {"status": status}}


def _scenario(name: str, status: str) -> dict[str, object]:
    return {"type": "scenario", "keyword": "Scenario", "name": name, "steps": [_step(status)]}


CUCUMBER = [
    {
        "uri": "features/a.feature",
        "keyword": "Feature",
        "name": "A",
        "elements": [_scenario("t1", "passed"), _scenario("t2", "failed")],
    },
    {
        "uri": "features/b.feature",
        "keyword": "Feature",
        "name": "B",
        "elements": [_scenario("t3", "passed")],
    },
]

CTRF = {
    "results": {
        "tool": {"name": "t"},
        "summary": {},
        "tests": [
            {"name": "t1", "status": "passed", "suite": "A", "filePath": "f.spec.ts"},
            {"name": "t2", "status": "failed", "suite": "A", "filePath": "f.spec.ts"},
            {"name": "t3", "status": "passed", "suite": "B", "filePath": "f.spec.ts"},
        ],
    }
}

# (file name, content, the groups: (name, status, step names))
A_AND_B = [("A", Status.FAILED, ["t1", "t2"]), ("B", Status.PASSED, ["t3"])]
NS_A_AND_B = [
    ("Ns.A", Status.FAILED, ["Ns.A.t1", "Ns.A.t2"]),
    ("Ns.B", Status.PASSED, ["Ns.B.t3"]),
]
CASES = [
    ("junit.xml", JUNIT, NS_A_AND_B),
    ("testng.xml", TESTNG, NS_A_AND_B),
    ("nunit.xml", NUNIT, NS_A_AND_B),
    ("xunit.xml", XUNIT, NS_A_AND_B),
    ("run.trx", _trx(), NS_A_AND_B),
    (
        "output.xml",
        ROBOT,
        [
            ("Top.A", Status.FAILED, ["Top.A.t1", "Top.A.t2"]),
            ("Top.B", Status.PASSED, ["Top.B.t3"]),
        ],
    ),
    (
        "cucumber.json",
        json.dumps(CUCUMBER),
        [("A", Status.FAILED, ["A.t1", "A.t2"]), ("B", Status.PASSED, ["B.t3"])],
    ),
    (
        "ctrf.json",
        json.dumps(CTRF),
        [("A", Status.FAILED, ["A.t1", "A.t2"]), ("B", Status.PASSED, ["B.t3"])],
    ),
]


@pytest.mark.parametrize(("filename", "content", "groups"), CASES, ids=[c[0] for c in CASES])
def test_per_class_gives_one_result_per_class_with_a_step_per_case(
    tmp_path: Path, filename: str, content: str, groups: list[tuple[str, Status, list[str]]]
) -> None:
    path = tmp_path / filename
    path.write_text(content)

    prefix = path.resolve().as_posix() + "::"
    for result in read_reports(path):  # each key: file::suite::class::name::ordinal
        key = result.key or ""
        assert key.startswith(prefix)
        parts = key[len(prefix) :].split("::")
        assert len(parts) == 4
        assert parts[3] == "0"
        assert parts[2]
        assert parts[2] in result.name

    results = list(read_reports(path, group_by="class"))

    assert [(r.name, r.status, [s.name for s in r.steps]) for r in results] == groups
    assert [s.status for s in results[0].steps] == [StepStatus.PASSED, StepStatus.FAILED]
    assert len({r.key for r in results}) == len(results)


def test_xray_json_has_no_classes_so_the_file_is_one_group(tmp_path: Path) -> None:
    path = tmp_path / "xray.json"
    tests = [{"testKey": "CALC-1", "status": "PASSED"}, {"testKey": "CALC-2", "status": "FAILED"}]
    path.write_text(json.dumps({"tests": tests}))

    [result] = read_reports(path, group_by="class")

    assert (result.name, result.status) == ("xray", Status.FAILED)
    assert [s.name for s in result.steps] == ["CALC-1", "CALC-2"]
