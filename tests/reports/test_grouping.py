"""--test-per class|suite: one result per class or suite, a step per case, at most 100 steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from practitest_async.batch import Status
from practitest_async.models import StepStatus
from practitest_async.reports import read_reports
from practitest_async.reports.grouping import MAX_OPEN


def write(tmp_path: Path, suites: dict[str, list[str]]) -> Path:
    body = "".join(
        f'<testsuite name="{suite}">{"".join(cases)}</testsuite>' for suite, cases in suites.items()
    )
    path = tmp_path / "r.xml"
    path.write_text(f"<testsuites>{body}</testsuites>")
    return path


def case(cls: str, name: str, child: str = "", time: str = "1") -> str:
    return f'<testcase classname="{cls}" name="{name}" time="{time}">{child}</testcase>'


def test_per_class_one_result_with_a_step_per_case(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "S": [
                case("A", "t1"),
                case("A", "t2", '<failure message="boom">trace</failure>'),
                case("B", "t3", "<skipped/>"),
            ]
        },
    )

    a, b = read_reports(path, group_by="class")
    assert (a.name, a.status) == ("A", Status.FAILED)
    assert [(s.name, s.status, s.actual) for s in a.steps] == [
        ("A.t1", StepStatus.PASSED, None),
        ("A.t2", StepStatus.FAILED, "[failure] boom\ntrace"),
    ]
    assert a.duration is not None
    assert a.duration.total_seconds() == 2
    assert (b.name, b.status, [s.name for s in b.steps]) == ("B", Status.NO_RUN, ["B.t3"])
    assert a.key == f"{path.resolve().as_posix()}::class::S::A::part 1"


def test_per_suite(tmp_path: Path) -> None:
    path = write(tmp_path, {"S1": [case("A", "t1"), case("B", "t2")], "S2": [case("A", "t3")]})

    results = list(read_reports(path, group_by="suite"))
    assert [(r.name, len(r.steps)) for r in results] == [("S1", 2), ("S2", 1)]


def test_a_group_over_100_cases_is_split_into_numbered_parts(tmp_path: Path) -> None:
    path = write(tmp_path, {"S": [case("Big", f"t{i}") for i in range(250)] + [case("C", "x")]})

    results = list(read_reports(path, group_by="class"))
    assert [(r.name, len(r.steps)) for r in results] == [
        ("Big (part 1)", 100),
        ("Big (part 2)", 100),
        ("Big (part 3)", 50),
        ("C", 1),
    ]
    assert len({r.key for r in results}) == 4


def test_interleaved_classes_are_still_one_result_each(tmp_path: Path) -> None:
    path = write(tmp_path, {"S": [case("A", "t1"), case("B", "t2"), case("A", "t3")]})

    results = list(read_reports(path, group_by="class"))
    assert [(r.name, [s.name for s in r.steps]) for r in results] == [
        ("A", ["A.t1", "A.t3"]),
        ("B", ["B.t2"]),
    ]


def test_a_class_closed_early_continues_with_its_next_part(tmp_path: Path) -> None:
    # More classes interleaved than are kept open: memory stays bounded, keys stay distinct.
    cases = [case(f"C{i}", "t") for i in range(MAX_OPEN + 1)] + [case("C0", "again")]
    path = write(tmp_path, {"S": cases})

    results = list(read_reports(path, group_by="class"))
    assert len(results) == MAX_OPEN + 2
    assert [r.name for r in results if r.name.startswith("C0")] == ["C0", "C0 (part 2)"]
    assert len({r.key for r in results}) == len(results)


def test_grouping_is_checked_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="group_by must be one of case, class, suite"):
        read_reports(tmp_path, group_by="file")  # type: ignore[arg-type]


def test_the_same_file_gives_the_same_groups_and_keys(tmp_path: Path) -> None:
    path = write(tmp_path, {"S": [case(f"C{i % 7}", f"t{i}") for i in range(300)]})

    first = [(r.name, r.key) for r in read_reports(path, group_by="class")]
    again = [(r.name, r.key) for r in read_reports(path, group_by="class")]
    assert first == again
