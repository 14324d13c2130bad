"""The command's report options, end to end against the emulator: --format, --status-map,
--test-per, --partial, and every JUnit corpus file uploading with exit 0."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest

from .test_cli import _cli, _env

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "junit-corpus"
TARGET = ("--project", "1", "--set", "CI")


@pytest.fixture
async def fast() -> AsyncIterator[FakePractiTest]:
    async with FakePractiTest(EmulatorConfig(limit=100_000, window=1.0)) as emulator:
        yield emulator


def fast_env(fake: FakePractiTest) -> dict[str, str]:
    return _env(fake, PRACTITEST_RATE_LIMIT="100000")


def report(tmp_path: Path, body: str, name: str = "r.xml") -> Path:
    path = tmp_path / name
    path.write_text(f"<testsuites>{body}</testsuites>")
    return path


async def test_test_per_class_makes_one_run_per_class_with_steps(
    fast: FakePractiTest, tmp_path: Path
) -> None:
    cases = "".join(
        f'<testcase classname="C{i % 5}" name="t{i}">'
        + ('<failure message="boom"/>' if i == 3 else "")
        + "</testcase>"
        for i in range(50)
    )
    path = report(tmp_path, f'<testsuite name="S">{cases}</testsuite>')

    code, _, err = await _cli(fast_env(fast), "upload", path, *TARGET, "--test-per", "class")

    assert code == 0, err
    runs = fast.state.runs
    assert len(runs) == 5  # 5 tests, not 50
    assert len(fast.state.tests) == 5
    steps = Counter(s.run_id for s in fast.state.step_runs.values())
    assert sorted(steps.values()) == [10] * 5
    assert sorted(r.status for r in runs.values()) == ["FAILED"] + ["PASSED"] * 4
    [failed_step] = [s for s in fast.state.step_runs.values() if s.status == "FAILED"]
    assert (failed_step.name, failed_step.actual_results) == ("C3.t3", "[failure] boom")


async def test_status_map_on_the_command(fast: FakePractiTest, tmp_path: Path) -> None:
    path = report(
        tmp_path,
        '<testsuite name="S"><testcase name="a" status="notrun"/>'
        '<testcase name="b"><skipped/></testcase></testsuite>',
    )

    code, _, err = await _cli(
        fast_env(fast),
        "upload",
        path,
        *TARGET,
        "--status-map",
        "notrun=BLOCKED",
        "--status-map",
        "skipped=FAILED",
    )

    assert code == 0, err
    assert sorted(r.status for r in fast.state.runs.values()) == ["BLOCKED", "FAILED"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--format", "excel"), "unknown report format 'excel'"),
        (("--status-map", "notrun"), "expected RAW=STATUS"),
        (("--status-map", "notrun=SOMETIMES"), "unknown status"),
    ],
)
async def test_bad_report_options_are_usage_errors(
    fast: FakePractiTest, tmp_path: Path, flags: tuple[str, ...], message: str
) -> None:
    path = report(tmp_path, '<testsuite name="S"><testcase name="a"/></testsuite>')

    code, _, err = await _cli(fast_env(fast), "upload", path, *TARGET, *flags)

    assert code == 2
    assert message in err
    assert not fast.state.runs


async def test_a_truncated_file_uploads_nothing_unless_partial(
    fast: FakePractiTest, tmp_path: Path
) -> None:
    good = report(tmp_path, '<testsuite name="S"><testcase name="fine"/></testsuite>', "a.xml")
    cut = tmp_path / "b.xml"
    cut.write_text('<testsuites><testsuite name="T">\n<testcase name="before"/>\n<testcase na')

    code, out, err = await _cli(fast_env(fast), "upload", good, cut, *TARGET)

    assert code == 4
    assert f"{cut}:3:1: unclosed token (the file is cut short)" in out + err
    assert len(fast.state.runs) == 1  # the complete file only

    code, out, err = await _cli(fast_env(fast), "upload", good, cut, *TARGET, "--partial")

    assert code == 4  # the file is still broken, and said so
    assert f"{cut}:3:1: unclosed token" in out + err
    names = sorted(t.name for t in fast.state.tests.values())
    assert names == ["T.before", "fine"] or names == ["before", "fine"]


async def test_an_empty_report_exits_0_saying_it_was_empty(
    fast: FakePractiTest, tmp_path: Path
) -> None:
    path = report(tmp_path, '<testsuite name="none" tests="0"/>')

    code, out, err = await _cli(fast_env(fast), "upload", path, *TARGET)

    assert code == 0, err
    assert f"{path}: no test results in it (an empty report)" in out + err


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/junit-corpus is absent")
async def test_every_junit_corpus_file_plans_with_exit_0(
    fast: FakePractiTest, tmp_path: Path
) -> None:
    files = sorted(p for p in CORPUS.glob("*.xml") if p.name != "xunitnet-v2-not-junit.xml")
    summary = tmp_path / "plan.json"

    code, out, err = await _cli(
        fast_env(fast), "upload", *files, *TARGET, "--dry-run", "--summary-json", summary
    )

    assert code == 0, out + err
    plan = json.loads(summary.read_text())
    assert plan["input_errors"] == []
    assert plan["results"] == 7153  # the per-file counts of tests/reports/test_junit_corpus.py
    assert "Traceback" not in err


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/junit-corpus is absent")
@pytest.mark.parametrize(
    "name",
    [
        "ant-suite-level-error.xml",
        "bazel-test-xml.xml",
        "googletest-disabled.xml",
        "gotestsum-rerun.xml",
        "container-structure-test.xml",
        "surefire-junit5-empty-name.xml",
    ],
)
async def test_hard_corpus_files_upload_with_exit_0(fast: FakePractiTest, name: str) -> None:
    code, out, err = await _cli(fast_env(fast), "upload", CORPUS / name, *TARGET)

    assert code == 0, out + err
    assert fast.state.runs


REPORT_CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "report-corpus"


def _report_corpus() -> list[tuple[Path, int]]:
    """(file, n) from the tables of report-corpus/SOURCES.md (n: results its sources count)."""
    sources = REPORT_CORPUS / "SOURCES.md"
    if not sources.is_file():
        return []
    found = []
    for line in sources.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 8 and cells[7].isdigit():
            [path] = list(REPORT_CORPUS.glob(f"*/{cells[0]}")) or [REPORT_CORPUS / cells[0]]
            found.append((path, int(cells[7])))
    return found


@pytest.mark.parametrize(("path", "count"), _report_corpus(), ids=lambda v: getattr(v, "name", ""))
async def test_every_report_corpus_file_plans_with_exit_0(
    fast: FakePractiTest, tmp_path: Path, path: Path, count: int
) -> None:
    from practitest_async.reports import ReportError, detect_format

    try:
        detect_format(path)
    except ReportError:
        pytest.skip(f"no reader for {path.name} yet (its module is not merged)")
    summary = tmp_path / "plan.json"

    code, out, err = await _cli(
        fast_env(fast), "upload", path, *TARGET, "--dry-run", "--summary-json", summary
    )

    assert code == 0, out + err
    assert json.loads(summary.read_text())["input_errors"] == []
    if count == 0:
        assert "no test results in it (an empty report)" in out + err
