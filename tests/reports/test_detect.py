"""The format is told from the content, never the extension; --format forces one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practitest_async.reports import ReportError, detect_format, read_reports
from practitest_async.reports.detect import READERS, head_of, reader, readers


def test_xml_head_gives_root_namespace_and_attributes(tmp_path: Path) -> None:
    path = tmp_path / "r.trx"
    path.write_bytes(
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by a tool -->\n'
        b'<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">'
        + b"<Results>"
        * 20_000  # far past the prefix: never read
    )

    head = head_of(path)
    assert (head.kind, head.root, head.namespace) == (
        "xml",
        "TestRun",
        "http://microsoft.com/schemas/VisualStudio/TeamTest/2010",
    )
    assert head.root_attrs == {"id": "1"}


def test_json_head_gives_type_and_top_keys_streaming_safe(tmp_path: Path) -> None:
    big = tmp_path / "ctrf.json"
    tests = [{"name": f"t{i}", "status": "passed", "duration": 1} for i in range(20_000)]
    big.write_text(json.dumps({"reportFormat": "CTRF", "results": {"tests": tests}, "x": 1}))
    array = tmp_path / "cucumber.json"
    array.write_text(json.dumps([{"uri": "a.feature", "elements": [], "keyword": "Feature"}]))

    head = head_of(big)
    assert (head.kind, head.json_type) == ("json", "object")
    assert {"reportFormat", "results"} <= head.json_keys  # "x" lies past the prefix
    head = head_of(array)
    assert (head.json_type, head.json_keys) == ("array", frozenset({"uri", "elements", "keyword"}))


def test_junit_is_detected_whatever_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "results.json"  # a misleading name
    path.write_text('<testsuite name="s"><testcase name="a"/></testsuite>')

    assert detect_format(path) == "junit"
    assert [r.name for r in read_reports(path)] == ["a"]


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("<html><body/></html>", "XML whose root element is <html>"),
        ('{"a": 1, "b": [1]}', "JSON object with keys a, b"),
        ("name,status\nx,passed\n", "neither XML nor JSON"),
    ],
)
def test_a_file_in_no_known_format_is_refused_naming_its_root(
    tmp_path: Path, content: str, what: str
) -> None:
    path = tmp_path / "report.xml"
    path.write_text(content)

    with pytest.raises(ReportError) as caught:
        detect_format(path)
    assert str(caught.value) == f"{path}: not a report in a known format: {what}"
    errors: list[ReportError] = []
    assert list(read_reports(path, errors=errors)) == []
    assert [str(e) for e in errors] == [str(caught.value)]


def test_format_forces_a_reader(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text("<testrun/>")

    errors: list[ReportError] = []
    assert list(read_reports(path, format="junit", errors=errors)) == []
    assert "not a JUnit report: the root element is <testrun>" in str(errors[0])
    with pytest.raises(ValueError, match=r"unknown report format 'excel' \(known: .*junit"):
        read_reports(path, format="excel")
    with pytest.raises(ValueError, match="unknown report format"):
        reader("excel")


def test_registry_lists_present_readers_by_name() -> None:
    present = readers()

    assert "junit" in present
    assert set(present) <= set(READERS)
    for name, module in present.items():
        assert name == module.NAME
        assert callable(module.sniff)
        assert callable(module.read)


def test_directories_take_xml_json_and_trx(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text('<testsuite name="s"><testcase name="x"/></testsuite>')
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "c.txt").write_text("not a report")

    errors: list[ReportError] = []
    assert [r.name for r in read_reports(tmp_path, errors=errors)] == ["x"]
    assert [e.path.name for e in errors] == ["b.json"]  # read, and refused: no format has {}


def test_an_empty_report_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "empty.xml"
    path.write_text('<testsuites><testsuite name="none" tests="0"/></testsuites>')

    errors: list[ReportError] = []
    assert list(read_reports(path, errors=errors)) == []
    assert errors == []
    assert f"{path}: no test results in it (an empty report)" in caplog.text
