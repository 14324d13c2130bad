"""Every status, steps and attachments arrive at PractiTest exactly as reported."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from practitest_async import Attachment, Client, RunResult, Status, StepResult
from practitest_async.testing import FakePractiTest

from .conftest import PROJECT, runs_per_test, seed_set

ALL_STATUSES = list(Status)


@pytest.mark.parametrize("existing", [True, False], ids=["bulk-runs", "auto-create"])
async def test_every_status_is_derived_by_practitest_as_asked(
    fake: FakePractiTest, client: Client, existing: bool
) -> None:
    set_id = seed_set(fake, "Statuses", len(ALL_STATUSES) if existing else 0, with_instances=99)
    results = [
        RunResult(f"test {i:05d}", status, output=f"output of {status.value}")
        for i, status in enumerate(ALL_STATUSES)
    ]

    report = await client.upload_results(PROJECT, results, test_set=set_id)

    assert report.ok, report.failed
    assert report.uploaded == len(ALL_STATUSES)
    names = {t.id: t.name for t in fake.state.tests.values()}
    got = {names[r.test_id]: r.status for r in fake.state.runs.values()}
    assert got == {r.name: r.status.value for r in results}
    route = "runs.json" if existing else "runs/auto_create.json"
    assert fake.stats.requests("POST", route)


async def test_statuses_given_as_api_strings(fake: FakePractiTest, client: Client) -> None:
    seed_set(fake, "S", 0, with_instances=0)
    results = [RunResult("a", "NOT COMPLETED"), RunResult("b", "N/A"), RunResult("c", "no run")]

    await client.upload_results(PROJECT, results, test_set="S")

    names = {t.id: t.name for t in fake.state.tests.values()}
    assert {names[r.test_id]: r.status for r in fake.state.runs.values()} == {
        "a": "NOT COMPLETED",
        "b": "N/A",
        "c": "NO RUN",
    }


async def test_steps_and_attachments_arrive_intact(fake: FakePractiTest, client: Client) -> None:
    seed_set(fake, "Steps", 1, with_instances=1)
    log = bytes(range(256)) * 40  # binary, not only text
    result = RunResult(
        "test 00000",
        steps=[
            StepResult("open page", "PASSED", expected="page shown", actual="page shown"),
            StepResult(
                "log in",
                Status.FAILED,
                description="with a bad password",
                expected="error",
                actual="crash",
                attachments=[Attachment("screen.png", b"\x89PNG fake")],
            ),
        ],
        attachments=[Attachment("server.log", log)],
        duration=dt.timedelta(hours=1, minutes=2, seconds=3),
        custom_fields={},
        version="2.1",
    )

    report = await client.upload_results(PROJECT, [result], test_set="Steps")

    assert report.ok, report.failed
    (run,) = fake.state.runs.values()
    assert run.status == "FAILED"  # from the steps
    assert run.run_duration == "01:02:03"
    assert run.version == "2.1"
    steps = fake.state.step_runs_of_run(run.id)
    assert [(s.name, s.status, s.expected_results, s.actual_results) for s in steps] == [
        ("open page", "PASSED", "page shown", "page shown"),
        ("log in", "FAILED", "error", "crash"),
    ]
    assert steps[1].description == "with a bad password"
    (run_file,) = fake.state.attachments_of("run", run.id)
    assert (run_file.name, run_file.content) == ("server.log", log)
    (step_file,) = fake.state.attachments_of("step-run", steps[1].id)
    assert (step_file.name, step_file.content) == ("screen.png", b"\x89PNG fake")
    sent = fake.stats.requests("POST", "runs.json")[0].body["data"][0]
    assert base64.b64decode(sent["files"]["data"][0]["content_encoded"]) == log


async def test_long_output_is_cut_to_255_and_attached_whole(
    fake: FakePractiTest, client: Client
) -> None:
    seed_set(fake, "Out", 1, with_instances=1)
    output = "Traceback (most recent call last):\n" + "frame\n" * 200 + "AssertionError: boom"

    report = await client.upload_results(
        PROJECT, [RunResult("test 00000", "FAILED", output=output)], test_set="Out"
    )

    assert report.ok, report.failed
    (run,) = fake.state.runs.values()
    assert run.automated_execution_output is not None
    assert len(run.automated_execution_output) <= 255
    assert run.automated_execution_output.startswith("Traceback (most recent call last):")
    (full,) = fake.state.attachments_of("run", run.id)
    assert full.content.decode() == output
    assert full.name == "test_00000.output.txt"


def test_a_status_that_contradicts_its_steps_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match=r"status PASSED contradicts its steps.*FAILED"):
        RunResult("x", Status.PASSED, steps=[StepResult("s", "FAILED")])


def test_status_strings_and_errors() -> None:
    assert RunResult("x", "not_completed").status is Status.NOT_COMPLETED
    assert RunResult("x", "n/a").status is Status.NA
    assert RunResult("x", steps=[StepResult("s", "BLOCKED")]).status is Status.BLOCKED
    with pytest.raises(ValueError, match="unknown status 'GREEN'"):
        RunResult("x", "GREEN")
    with pytest.raises(ValueError, match="a step cannot be NOT COMPLETED"):
        StepResult("s", "NOT COMPLETED")


async def test_results_of_one_test_each_become_a_run(fake: FakePractiTest, client: Client) -> None:
    seed_set(fake, "Again", 1, with_instances=1)
    results = [RunResult("test 00000", s) for s in ("PASSED", "FAILED", "PASSED")]
    results += [RunResult("brand new", "FAILED"), RunResult("brand new", "PASSED")]

    report = await client.upload_results(PROJECT, results, test_set="Again")

    assert report.ok, report.failed
    assert runs_per_test(fake) == {"test 00000": 3, "brand new": 2}
    assert len(fake.stats.requests("POST", "runs/auto_create.json")) == 1
    assert len(report.created_tests) == 1
