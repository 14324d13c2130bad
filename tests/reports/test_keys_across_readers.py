"""Every reader builds its keys (and its plain results) on a fast path of its own: the keys must
be exactly ``result_key(path, suite, class, name, ordinal=n)`` whichever path a case took, or a
re-run with another version would not recognise what the journal holds and would upload twice.
One small file per reader: a passed case twice (the fast path), a name with ``::`` in it, the
same name failed (the general path), so the ordinals count across both paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from practitest_async import RunResult
from practitest_async.reports import read_reports
from practitest_async.reports._base import result_key

TIMES = 'start="2024-01-01T00:00:00.000000" elapsed="0.1"'
FILES = {
    "junit": (
        "junit.xml",
        '<testsuites><testsuite name="S::x">'
        '<testcase classname="C" name="a" time="0.1"/><testcase classname="C" name="a"/>'
        '<testcase classname="C" name="b::c"/>'
        '<testcase classname="C" name="a"><failure message="m">t</failure></testcase>'
        "</testsuite></testsuites>",
        ("S::x", "C"),
        "C.",
    ),
    "nunit": (
        "nunit.xml",
        '<test-run id="2" result="Failed"><test-suite type="Assembly" name="A.dll">'
        '<test-suite type="TestFixture" name="C" fullname="N.C">'
        '<test-case id="1" name="a" fullname="N.C.a" result="Passed" duration="0.1"/>'
        '<test-case id="2" name="a" fullname="N.C.a" result="Passed"/>'
        '<test-case id="3" name="b::c" fullname="N.C.b::c" result="Passed"/>'
        '<test-case id="4" name="a" fullname="N.C.a" result="Failed">'
        "<failure><message>m</message></failure></test-case>"
        "</test-suite></test-suite></test-run>",
        ("N.C", "N.C"),
        "N.C.",
    ),
    "robot": (
        "output.xml",
        '<robot generator="Robot 7.0" schemaversion="5"><suite id="s1" name="S">'
        f'<test id="s1-t1" name="a"><status status="PASS" {TIMES}/></test>'
        f'<test id="s1-t2" name="a"><status status="PASS" {TIMES}/></test>'
        f'<test id="s1-t3" name="b::c"><status status="PASS" {TIMES}/></test>'
        f'<test id="s1-t4" name="a"><status status="FAIL" {TIMES}>m</status></test>'
        f'<status status="FAIL" {TIMES}/></suite><errors/></robot>',
        ("S", ""),
        "S.",
    ),
}


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_keys_on_the_fast_and_the_general_path_are_result_key(tmp_path: Path, fmt: str) -> None:
    filename, text, (suite, cls), prefix = FILES[fmt]
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")

    results = list(read_reports(path, format=fmt))

    expected = [
        ("a", "PASSED", 0),
        ("a", "PASSED", 1),
        ("b::c", "PASSED", 0),
        ("a", "FAILED", 2),
    ]
    assert [(r.name, r.status.value, r.key) for r in results] == [
        (prefix + name, status, result_key(path, suite, cls, name, ordinal=n))
        for name, status, n in expected
    ]
    # the fast path's result is the constructor's, to the type
    first = results[0]
    assert type(first) is RunResult
    assert first == RunResult(
        prefix + "a", "PASSED", duration=dt.timedelta(seconds=0.1), key=first.key
    )
