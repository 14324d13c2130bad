"""Broken, hostile and foreign files: refused with file:line:column, results before them kept."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from practitest_async.errors import PractiTestError
from practitest_async.junit import REFUSED, JUnitError, iter_results


def test_malformed_xml_names_file_line_and_column(in_samples: Path) -> None:
    results = iter_results("bad/malformed.xml")

    # A file is all or nothing: nothing of a broken file is read.
    with pytest.raises(JUnitError) as caught:
        next(results)
    error = caught.value
    assert str(error) == "bad/malformed.xml:5:36: mismatched tag"
    assert (error.path, error.line, error.column) == (Path("bad/malformed.xml"), 5, 36)
    assert error.message == "mismatched tag"
    assert isinstance(error, PractiTestError)


def test_truncated_file_uploads_nothing_and_names_the_cut(in_samples: Path) -> None:
    errors: list[JUnitError] = []
    names = [r.name for r in iter_results("bad/truncated.xml", errors=errors)]

    assert names == []
    assert [str(e) for e in errors] == [
        "bad/truncated.xml:6:5: unclosed token (the file is cut short)"
    ]


def test_truncated_file_with_partial_keeps_the_cases_before_the_cut(in_samples: Path) -> None:
    errors: list[JUnitError] = []
    names = [r.name for r in iter_results("bad/truncated.xml", errors=errors, partial=True)]

    assert names == ["tests.test_cart.test_add_item", "tests.test_cart.test_total"]
    assert [str(e) for e in errors] == ["bad/truncated.xml:6:5: unclosed token"]


def test_a_file_cut_after_a_whole_element_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text('<testsuite name="s">\n  <testcase name="a"/>\n')

    errors: list[JUnitError] = []
    assert [r.name for r in iter_results(path, errors=errors)] == []
    assert [(e.line, e.column, e.message) for e in errors] == [
        (3, 1, "no element found (the file is cut short)")
    ]
    errors.clear()
    assert [r.name for r in iter_results(path, errors=errors, partial=True)] == ["a"]
    assert [(e.line, e.column, e.message) for e in errors] == [(3, 1, "no element found")]


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")

    with pytest.raises(JUnitError, match=r"empty\.xml: the file is empty"):
        list(iter_results(path))


@pytest.mark.parametrize(("name", "line"), [("bad/billion-laughs.xml", 3), ("bad/xxe.xml", 3)])
def test_entity_declarations_are_refused_not_expanded(
    in_samples: Path, name: str, line: int
) -> None:
    with pytest.raises(JUnitError) as caught:
        list(iter_results(name))

    assert caught.value.message == REFUSED
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{name}:{line}:")
    assert str(caught.value).endswith(
        ": refused: the file declares entities (DTD), which could expand without bound or "
        "read local files"
    )


def test_a_harmless_doctype_without_entities_is_read(tmp_path: Path) -> None:
    path = tmp_path / "doctype.xml"
    path.write_text('<!DOCTYPE testsuite>\n<testsuite name="s"><testcase name="a"/></testsuite>')

    assert [r.name for r in iter_results(path)] == ["a"]


def test_an_undeclared_entity_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "ent.xml"
    path.write_text('<testsuite name="s">\n<testcase name="&xxe;"/></testsuite>')

    with pytest.raises(JUnitError, match=r"ent\.xml:2:1: undefined entity"):
        list(iter_results(path))


def test_a_file_that_is_not_junit(in_samples: Path) -> None:
    with pytest.raises(JUnitError) as caught:
        list(iter_results("bad/not-junit.xml"))

    assert str(caught.value) == (
        "bad/not-junit.xml:2:1: not a JUnit report: the root element is <test-run>, "
        "expected <testsuites> or <testsuite>"
    )


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(JUnitError) as caught:
        list(iter_results(tmp_path / "nope.xml"))

    assert caught.value.line is None
    assert str(caught.value) == f"{tmp_path / 'nope.xml'}: cannot read: No such file or directory"


def test_a_pattern_or_folder_that_finds_no_report_is_an_error(tmp_path: Path) -> None:
    errors: list[JUnitError] = []
    assert list(iter_results([tmp_path, f"{tmp_path}/*.xml"], errors=errors)) == []

    assert [str(e) for e in errors] == [
        f"{tmp_path}: no report file found there",
        f"{tmp_path}/*.xml: no report file found there",
    ]


def test_with_an_errors_list_every_file_is_tried(in_samples: Path) -> None:
    errors: list[JUnitError] = []
    results = list(iter_results(["bad", "pytest-xunit2.xml"], errors=errors))

    assert [r.name for r in results] == [
        "tests.test_cart.test_add_item",  # bad-test-id.xml, around its bad case
        "tests.test_cart.test_remove_item",
        # nothing of malformed.xml nor of truncated.xml: a file is all or nothing
        "tests.test_login.test_login_ok",
        "tests.test_login.test_login_locked",
        "tests.test_login.test_login_sso",
    ]
    assert [(e.path.name, e.line) for e in errors] == [
        ("bad-test-id.xml", 5),
        ("billion-laughs.xml", 3),
        ("malformed.xml", 5),
        ("not-junit.xml", 2),
        ("truncated.xml", 6),
        ("xxe.xml", 3),
    ]
    assert str(errors[0]) == (
        "bad/bad-test-id.xml:5:5: property practitest-test-id: expected a positive whole "
        "number, got 'TC-12'"
    )


def test_fail_fast_raises_the_first_error_at_once(in_samples: Path) -> None:
    errors: list[JUnitError] = []
    seen: list[str] = []

    with pytest.raises(JUnitError, match=r"bad-test-id\.xml:5:5"):
        for result in iter_results(["bad", "pytest-xunit2.xml"], errors=errors, fail_fast=True):
            seen.append(result.name)

    assert seen == ["tests.test_cart.test_add_item"]
    assert errors == []  # the list holds errors that did not stop the reading


def test_without_an_errors_list_the_first_error_raises_after_earlier_results(
    in_samples: Path,
) -> None:
    seen: list[str] = []

    with pytest.raises(JUnitError, match=r"malformed\.xml:5:36"):
        for result in iter_results(["pytest-xunit2.xml", "bad/malformed.xml", "jest"]):
            seen.append(result.name)

    assert seen[:3] == [
        "tests.test_login.test_login_ok",
        "tests.test_login.test_login_locked",
        "tests.test_login.test_login_sso",
    ]
    assert seen[3:] == []


def test_junit_error_survives_pickling() -> None:
    error = JUnitError("r.xml", "mismatched tag", line=12, column=5)

    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "r.xml:12:5: mismatched tag"
    assert (copy.path, copy.line, copy.column, copy.message) == (
        Path("r.xml"),
        12,
        5,
        "mismatched tag",
    )
