"""How a test case's parts become a result's name, status, output, attachments, fields and key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from practitest_async.batch import Attachment, Status
from practitest_async.junit import JUnitError, iter_results

from .conftest import DATA


def write(folder: Path, cases: str, name: str = "report.xml") -> Path:
    path = folder / name
    path.write_text(f'<?xml version="1.0"?>\n<testsuite name="unit">\n{cases}\n</testsuite>\n')
    return path


def test_a_case_without_classname_is_just_its_name(tmp_path: Path) -> None:
    path = write(tmp_path, '<testcase name="test_alone"/><testcase classname="" name="test_two"/>')

    assert [r.name for r in iter_results(path)] == ["test_alone", "test_two"]


@pytest.mark.parametrize(
    ("template", "attributes", "expected"),
    [
        ("{classname}.{name}", 'classname="pkg.Cls" name="t"', "pkg.Cls.t"),
        ("{suite} / {classname}.{name}", 'classname="pkg.Cls" name="t"', "unit / pkg.Cls.t"),
        ("{suite} / {classname}.{name}", 'name="t"', "unit / t"),
        ("{file}::{name}", 'name="t" file="tests/test_a.py"', "tests/test_a.py::t"),
        ("{file}::{name}", 'name="t"', "t"),
        ("[{classname!s:.3}] {name}", 'classname="pkg.Cls" name="t"', "[pkg] t"),
    ],
)
def test_name_template(tmp_path: Path, template: str, attributes: str, expected: str) -> None:
    path = write(tmp_path, f"<testcase {attributes}/>")

    assert [r.name for r in iter_results(path, name_template=template)] == [expected]


def test_file_falls_back_to_the_suite_file(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text('<testsuite name="s" file="spec/a.js"><testcase name="works"/></testsuite>')

    assert [r.name for r in iter_results(path, name_template="{file}: {name}")] == [
        "spec/a.js: works"
    ]


@pytest.mark.parametrize("template", ["{title}", "{0}", "{}", "no fields"])
def test_a_bad_template_is_refused_before_any_file_is_read(template: str) -> None:
    with pytest.raises(ValueError, match="name_template"):
        iter_results("does-not-exist.xml", name_template=template)


def test_bad_skipped_mode_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="skipped must be"):
        iter_results("does-not-exist.xml", skipped="ignore")  # type: ignore[arg-type]


def test_skipped_cases_are_no_run_or_left_out(in_samples: Path) -> None:
    kept = [r.status for r in iter_results("pytest-xunit1.xml")]
    omitted = [r.status for r in iter_results("pytest-xunit1.xml", skipped="omit")]

    assert kept.count(Status.NO_RUN) == 2  # pytest.skip, and pytest.xfail as in the plugin
    assert omitted == [s for s in kept if s is not Status.NO_RUN]


def test_pytest_xfail_is_no_run_like_the_plugin_unless_mapped(in_samples: Path) -> None:
    default = {r.name: r for r in iter_results("pytest-xunit1.xml")}
    mapped = {r.name: r for r in iter_results("pytest-xunit1.xml", status_map={"xfail": "PASSED"})}

    xfail = "tests.test_db.test_rounding"
    assert default[xfail].status is Status.NO_RUN
    assert default[xfail].output == "[skipped] pytest.xfail: known rounding bug #311"
    assert mapped[xfail].status is Status.PASSED


def test_failure_wins_over_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testcase name="t"><skipped message="later"/>'
        '<error message="teardown failed">Trace</error></testcase>',
    )

    [result] = iter_results(path)
    assert result.status is Status.FAILED
    assert result.output == "[error] teardown failed\nTrace"


def test_several_failures_and_output_blocks_are_all_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testcase name="t"><failure message="one"/><failure type="E" message="two">x</failure>'
        "<system-out>a</system-out><system-out>b</system-out></testcase>",
    )

    [result] = iter_results(path)
    assert result.output == "[failure] one\n\n[failure] E: two\nx\n\n[system-out]\nab"


def test_output_of_passing_cases_is_dropped_unless_attached(tmp_path: Path) -> None:
    path = write(tmp_path, '<testcase name="t"><system-out>noise</system-out></testcase>')

    [result] = iter_results(path)
    assert result.output is None
    assert result.attachments == ()


def test_attach_output_turns_stdout_and_stderr_into_files(in_samples: Path) -> None:
    results = list(iter_results("pytest-xunit1.xml", attach_output=True))

    failed = results[1]
    assert failed.name == "tests.test_cart.test_total"
    assert failed.attachments == (
        Attachment(
            "tests.test_cart.test_total-stdout.txt",
            b"--------------------------------- Captured Log -----------------------------"
            b"----\nINFO     shop.cart:cart.py:40 total of 2 items",
        ),
        Attachment(
            "tests.test_cart.test_total-stderr.txt", b"DeprecationWarning: Cart.sum is deprecated"
        ),
    )
    assert failed.output is not None
    assert "[system-out]" not in failed.output
    assert results[0].attachments == ()  # nothing captured, nothing attached


def test_attachment_file_names_are_safe(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testcase classname="a/b" name="t[x:1]"><system-err>e</system-err></testcase>',
    )

    [result] = iter_results(path, attach_output=True)
    assert [a.filename for a in result.attachments] == ["a_b.t[x_1]-stderr.txt"]


def test_jenkins_attachments_inside_the_report_folder_only(
    in_samples: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = "attachments/TEST-com.acme.shop.ui.CheckoutUiTest.xml"
    with caplog.at_level(logging.WARNING, logger="practitest_async.junit"):
        passed, failed = iter_results(report)

    shots = DATA / "attachments" / "screenshots"
    assert passed.attachments == (Attachment.from_path(shots / "checkout-total.png"),)
    assert failed.attachments == (Attachment.from_path(shots / "expired-card.png"),)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3
    assert warnings[0].startswith(f"{report}:9:3: not attaching screenshots/missing.png: No such")
    assert warnings[1].startswith(f"{report}:9:3: not attaching ../outside/secret.txt: it lies")
    assert warnings[2].startswith(f"{report}:9:3: not attaching /etc/hostname: it lies outside")
    assert all(b"do-not-upload" not in a.content for a in failed.attachments)


def test_links_in_a_failure_text_or_message_are_attached_and_bracket_text_is_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "shot.png").write_bytes(b"png")
    (tmp_path / "log.txt").write_text("log")
    path = write(
        tmp_path,
        '<testcase name="text"><failure message="boom">trace [1]\n'
        "[[ATTACHMENT|shot.png]]</failure></testcase>\n"
        '<testcase name="message"><error message="see [[ATTACHMENT|log.txt]]"/></testcase>\n'
        '<testcase name="brackets"><failure message="[x]" type="[T]">[[not a link]]'
        "</failure></testcase>\n"
        '<testcase name="plain"><failure message="boom">no bracket at all</failure></testcase>',
    )

    text, message, brackets, plain = iter_results(path)
    assert text.attachments == (Attachment.from_path(tmp_path / "shot.png"),)
    assert message.attachments == (Attachment.from_path(tmp_path / "log.txt"),)
    assert brackets.attachments == ()
    assert brackets.output == "[failure] [T]: [x]\n[[not a link]]"
    assert plain.attachments == ()
    assert plain.output == "[failure] boom\nno bracket at all"


def test_a_symlink_out_of_the_report_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("token")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "link.txt").symlink_to(secret)
    path = write(
        reports, '<testcase name="t"><system-out>[[ATTACHMENT|link.txt]]</system-out></testcase>'
    )

    [result] = iter_results(path)
    assert result.attachments == ()


def test_case_properties_give_test_id_and_custom_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testcase name="t"><properties>'
        '<property name="practitest-test-id" value=" 77 "/>'
        '<property name="practitest-field-12">text value</property>'
        '<property name="practitest-field-13" value="a"/>'
        '<property name="practitest-field-13" value="b"/>'
        '<property name="practitest-field-13" value="c"/>'
        '<property name="owner" value="team-a"/>'
        "</properties></testcase>",
    )

    [result] = iter_results(path)
    assert result.test_id == 77
    assert result.custom_fields == {12: "text value", 13: ["a", "b", "c"]}


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        ('name="practitest-test-id" value="0"', "practitest-test-id: expected a positive"),
        ('name="practitest-field-x1" value="v"', "practitest-field-x1: expected a positive"),
    ],
)
def test_bad_practitest_properties_are_errors_of_that_case(
    tmp_path: Path, prop: str, message: str
) -> None:
    path = write(
        tmp_path, f'<testcase name="t"><properties><property {prop}/></properties></testcase>'
    )

    errors: list[JUnitError] = []
    assert list(iter_results(path, errors=errors)) == []
    [error] = errors
    assert (error.line, error.column) == (3, 1)
    assert message in error.message


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "1,5", ""])
def test_bad_time_is_ignored_with_a_warning(
    tmp_path: Path, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, f'<testcase name="t" time="{value}"/>')

    [result] = iter_results(path)
    assert result.duration is None
    if value:
        assert f"report.xml:3:1: ignoring time='{value}'" in caplog.text


def test_keys_are_stable_across_reads_and_distinct_for_repeats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    twice = '<testcase classname="c" name="t"/>' * 2 + '<testcase classname="d" name="t"/>'
    write(Path("."), twice, name="repeat.xml")

    first = [r.key for r in iter_results("repeat.xml")]
    again = [r.key for r in iter_results(tmp_path / "." / "repeat.xml")]
    where = tmp_path.resolve().as_posix()

    assert (
        first
        == again
        == [
            f"{where}/repeat.xml::unit::c::t::0",
            f"{where}/repeat.xml::unit::c::t::1",
            f"{where}/repeat.xml::unit::d::t::0",
        ]
    )


def test_a_namespaced_report_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "ns.xml"
    path.write_text(
        '<testsuites xmlns="urn:x-junit"><testsuite name="s">'
        '<testcase classname="c" name="t" time="1"><failure message="m"/></testcase>'
        "</testsuite></testsuites>"
    )

    [result] = iter_results(path)
    assert (result.name, result.status, result.output) == ("c.t", Status.FAILED, "[failure] m")


def test_a_case_with_no_name_at_all_is_named_from_its_suite_and_position(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, '<testcase time="1"/>\n<testcase name="ok"/>\n<testcase name=""/>')

    errors: list[JUnitError] = []
    assert [r.name for r in iter_results(path, errors=errors)] == [
        "unit (unnamed case 1)",
        "ok",
        "unit (unnamed case 3)",
    ]
    assert errors == []  # a readable file: never an input error (exit 4)
    assert f"{path}:3:1: a test case has no name; named 'unit (unnamed case 1)'" in caplog.text
