"""TestNG ``testng-results.xml``: every corpus file, and a small file for each rule."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from practitest_async.batch.results import Status
from practitest_async.reports import Head, ReportError, testng

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

CORPUS = [
    ("testng-dataprovider-fail.xml", 8, {"PASSED": 4, "FAILED": 4}),
    ("testng-own-suite-big.xml", 526, {"PASSED": 526}),
    # SOURCES' skipped test was skipped because config method testSetUp failed: BLOCKED.
    ("testng-precheckins-config-fail.xml", 38, {"PASSED": 36, "FAILED": 1, "BLOCKED": 1}),
    ("testng6-dataprovider.xml", 20, {"PASSED": 20}),
    ("testng7-ignored.xml", 3, {"PASSED": 3}),  # ignored methods leave no element
    # SOURCES counts 8 <test-method>: 3 retried attempts (its "other") fold into their final
    # FAIL, so 5 results.
    ("testng7-retry.xml", 5, {"PASSED": 3, "FAILED": 1, "NO RUN": 1}),
]


def test_the_table_covers_every_testng_file_of_the_corpus() -> None:
    assert corpus_names("testng") == {name for name, _, _ in CORPUS}


@pytest.mark.parametrize(("name", "count", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(name: str, count: int, expected: dict[str, int]) -> None:
    path = corpus_file("testng", name)
    results = read(testng, path)
    assert len(results) == count
    assert statuses(results) == expected
    assert len({r.key for r in results}) == count
    assert [r.key for r in read(testng, path)] == [r.key for r in results]


def test_corpus_retried_attempts_reach_the_final_result() -> None:
    found = by_name(read(testng, corpus_file("testng", "testng7-retry.xml")))
    final = found["tests.LoginTest.testLoginWithBlankCredentials"]
    assert final.status is Status.FAILED
    output = final.output or ""
    assert output.count("retried]") == 3
    assert output.startswith("java.lang.AssertionError: Error message on the Login Page")


def test_corpus_config_failure_reaches_the_skipped_test() -> None:
    results = read(testng, corpus_file("testng", "testng-precheckins-config-fail.xml"))
    blocked = [r for r in results if r.status is Status.BLOCKED]
    assert [r.name for r in blocked] == ["precheckins.LegacyOps.test"]
    output = blocked[0].output or ""
    assert output.startswith("[configuration method precheckins.LegacyOps.testSetUp failed]")
    assert "com.fakepkg.test.ManagedObjectNotFound" in output


def test_corpus_data_provider_rows_are_told_apart_by_parameters() -> None:
    results = read(testng, corpus_file("testng", "testng-dataprovider-fail.xml"))
    assert sorted(r.name for r in results) == [
        f"org.jenkins.TestDataProvider.test({n})" for n in range(1, 9)
    ]


def _method(name: str, status: str, inner: str = "", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<test-method status="{status}" signature="{name}()" name="{name}" duration-ms="5"'
        f"{extra}>{inner}</test-method>"
    )


def _exc(kind: str, message: str) -> str:
    return (
        f'<exception class="{kind}"><message><![CDATA[{message}]]></message>'
        f"<full-stacktrace><![CDATA[{kind}: {message}\n\tat Some.where()]]></full-stacktrace>"
        "</exception>"
    )


def _params(*values: str) -> str:
    rows = "".join(
        f'<param index="{i}"><value><![CDATA[{v}]]></value></param>' for i, v in enumerate(values)
    )
    return f"<params>{rows}</params>"


def _report(*classes: tuple[str, list[str]]) -> str:
    body = "".join(f'<class name="{name}">{"".join(methods)}</class>' for name, methods in classes)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testng-results total="9"><reporter-output/>'
        f'<suite name="S"><test name="T">{body}</test></suite></testng-results>\n'
    )


def test_statuses_params_reporter_output_and_duration(tmp_path: Path) -> None:
    reporter = "<reporter-output><line><![CDATA[logged in]]></line></reporter-output>"
    xml = _report(
        (
            "a.B",
            [
                _method("passes", "PASS", reporter),
                _method("fails", "FAIL", _exc("java.lang.AssertionError", "expected 1")),
                _method("skips", "SKIP", _exc("org.testng.SkipException", "not now")),
                _method("rows", "PASS", _params("1", "x")),
                _method("rows", "FAIL", _params("2", "y")),
                _method(
                    "nullrow",
                    "PASS",
                    '<params><param index="0"><value is-null="true"/></param></params>',
                ),
            ],
        )
    )
    found = by_name(read_text(testng, tmp_path, xml))
    assert {n: r.status.value for n, r in found.items()} == {
        "a.B.passes": "PASSED",
        "a.B.fails": "FAILED",
        "a.B.skips": "NO RUN",
        "a.B.rows(1, x)": "PASSED",
        "a.B.rows(2, y)": "FAILED",
        "a.B.nullrow(null)": "PASSED",
    }
    assert found["a.B.passes"].output == "[stdout]\nlogged in"
    assert found["a.B.fails"].output == "java.lang.AssertionError: expected 1\n\tat Some.where()"
    assert found["a.B.passes"].duration is not None
    assert found["a.B.passes"].duration.total_seconds() == 0.005


def test_retried_attempts_become_one_result_with_the_final_status(tmp_path: Path) -> None:
    xml = _report(
        (
            "a.Flaky",
            [
                _method("t", "SKIP", _exc("java.lang.AssertionError", "first try"), retried="true"),
                _method(
                    "t", "SKIP", _exc("java.lang.AssertionError", "second try"), retried="true"
                ),
                _method("t", "PASS"),
                _method("u", "SKIP", _exc("java.lang.AssertionError", "only try"), retried="true"),
            ],
        )
    )
    found = by_name(read_text(testng, tmp_path, xml))
    assert {n: r.status.value for n, r in found.items()} == {
        "a.Flaky.t": "PASSED",
        "a.Flaky.u": "FAILED",  # retried, and no final attempt was written
    }
    output = found["a.Flaky.t"].output or ""
    assert "[attempt 1, retried]\njava.lang.AssertionError: first try" in output
    assert "[attempt 2, retried]\njava.lang.AssertionError: second try" in output
    assert "only try" in (found["a.Flaky.u"].output or "")


def test_failed_config_method_blocks_what_testng_skipped(tmp_path: Path) -> None:
    xml = _report(
        (
            "a.Db",
            [
                _method("connect", "FAIL", _exc("java.io.IOException", "no db"), is_config="true"),
                _method("reads", "SKIP"),
                _method("writes", "SKIP"),
            ],
        ),
        ("a.Other", [_method("own_skip", "SKIP", _exc("org.testng.SkipException", "mine"))]),
        (
            "a.Tidy",
            [
                _method("t", "PASS"),
                _method("after", "FAIL", _exc("java.lang.Error", "x"), is_config="true"),
            ],
        ),
    )
    found = by_name(read_text(testng, tmp_path, xml))
    assert {n: r.status.value for n, r in found.items()} == {
        "a.Db.reads": "BLOCKED",
        "a.Db.writes": "BLOCKED",
        "a.Other.own_skip": "NO RUN",  # skipped for its own reason
        "a.Tidy.t": "PASSED",
        "a.Tidy.after": "FAILED",  # a config failure no test carries: one result
    }
    assert "java.io.IOException: no db" in (found["a.Db.reads"].output or "")
    assert "java.lang.Error: x" in (found["a.Tidy.after"].output or "")


def test_before_suite_failure_with_no_test_is_one_failed_result(tmp_path: Path) -> None:
    xml = _report(
        ("a.Setup", [_method("beforeSuite", "FAIL", _exc("E", "down"), is_config="true")])
    )
    results = read_text(testng, tmp_path, xml)
    assert [(r.name, r.status) for r in results] == [("a.Setup.beforeSuite", Status.FAILED)]


def test_status_map_can_send_blocked_tests_as_no_run(tmp_path: Path) -> None:
    xml = _report(
        ("a.Db", [_method("c", "FAIL", _exc("E", "x"), is_config="true"), _method("r", "SKIP")])
    )
    results = read_text(testng, tmp_path, xml, status_map={"blocked": Status.NO_RUN})
    assert [(r.name, r.status) for r in results] == [("a.Db.r", Status.NO_RUN)]


def test_nameless_method_and_long_duration(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    xml = _report(("a.B", [_method("x", "PASS"), _method("", "PASS")]))
    xml = xml.replace('duration-ms="5"', 'duration-ms="999638317000"', 1)
    with caplog.at_level(logging.WARNING, "practitest_async.reports"):
        results = read_text(testng, tmp_path, xml)
    assert [r.name for r in results] == ["a.B.x", "a.B (unnamed case 2)"]
    assert results[0].duration is None
    assert "has no name" in caplog.text
    assert "over 7 days" in caplog.text


def test_malformed_and_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        read_text(testng, tmp_path, "<testng-results>\n<suite name='x'>\n</testng-results>")
    assert (caught.value.line, caught.value.column) == (3, 3)
    with pytest.raises(ReportError, match="refused"):
        read_text(testng, tmp_path, ENTITIES + "<testng-results>&lol2;</testng-results>")


def test_sniff() -> None:
    assert testng.sniff(Head(kind="xml", root="testng-results"))
    assert not testng.sniff(Head(kind="xml", root="testsuites"))
    assert not testng.sniff(Head(kind="json"))
