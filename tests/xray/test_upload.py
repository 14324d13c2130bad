"""Statuses, evidence, content and the call plan, on both flavors."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from practitest_async import AccountLimiter, Attachment, RunResult, SharedLimiter, StepResult
from practitest_async.errors import ConfigurationError
from practitest_async.testing.xray import FakeXray
from practitest_async.xray import ChunkRule, XrayClient

from .conftest import PROJECT, StartFake, client_for, runs_per_test

DOCUMENTED = {
    "server": {
        "PASSED": "PASS",
        "FAILED": "FAIL",
        "BLOCKED": "ABORTED",
        "NOT COMPLETED": "EXECUTING",
        "NO RUN": "TODO",
        "N/A": "TODO",
    },
    "cloud": {
        "PASSED": "PASSED",
        "FAILED": "FAILED",
        "BLOCKED": "ABORTED",
        "NOT COMPLETED": "EXECUTING",
        "NO RUN": "TODO",
        "N/A": "TODO",
    },
}


async def test_every_status_lands_as_its_documented_xray_status(fake: FakeXray) -> None:
    flavor = fake.config.flavor
    results = [RunResult(f"suite.{s}", s) for s in DOCUMENTED[flavor]]
    async with client_for(fake) as xray:
        report = await xray.upload_results(results, project_key=PROJECT, summary="Statuses")

    assert report.ok, report.failed
    assert len(fake.state.executions) == 1
    (execution,) = fake.state.executions.values()
    landed = {fake.state.tests[k].summary: r.status for k, r in execution.runs.items()}
    assert landed == {f"suite.{ours}": theirs for ours, theirs in DOCUMENTED[flavor].items()}


async def test_a_status_map_sends_custom_statuses(start_fake: StartFake) -> None:
    fake = await start_fake(custom_statuses=("BLOCKED", "SKIPPED"))
    mapping = {"BLOCKED": "BLOCKED", "NO RUN": "SKIPPED"}
    async with client_for(fake, status_map=mapping) as xray:
        report = await xray.upload_results(
            [RunResult("a", "BLOCKED"), RunResult("b", "NO RUN")], project_key=PROJECT, summary="S"
        )
    assert report.ok
    assert sorted(r.status for r in fake.state.runs) == ["BLOCKED", "SKIPPED"]


async def test_a_status_xray_does_not_have_fails_with_its_reason(start_fake: StartFake) -> None:
    fake = await start_fake()
    async with client_for(fake, status_map={"BLOCKED": "NOT-CONFIGURED"}) as xray:
        report = await xray.upload_results(
            [RunResult("a", "BLOCKED")], project_key=PROJECT, summary="S"
        )
    assert not report.ok
    assert "NOT-CONFIGURED" in report.failed[0].error
    assert "400" in report.failed[0].error


async def test_evidence_round_trips_byte_for_byte(fake: FakeXray) -> None:
    png = bytes(range(256)) * 40 + os.urandom(1000)
    log_bytes = "naïve ☃ log\r\n\x00end".encode()
    step_file = os.urandom(3000)
    long_output = "line of output ☃\n" * 3000  # longer than a comment may be
    result = RunResult(
        "ui.login",
        steps=[
            StepResult("open", "PASSED"),
            StepResult(
                "submit", "FAILED", actual="500", attachments=[Attachment("s.bin", step_file)]
            ),
        ],
        attachments=[Attachment("shot.png", png), Attachment("run.log", log_bytes)],
        output=long_output,
        duration=dt.timedelta(seconds=90),
    )
    async with client_for(fake) as xray:
        report = await xray.upload_results(
            [result], project_key=PROJECT, summary="Evidence", comment_limit=2000
        )

    assert report.ok, report.failed
    (run,) = fake.state.runs
    files = {e.filename: e.data for e in run.evidence}
    assert files["shot.png"] == png
    assert files["run.log"] == log_bytes
    assert files["output.txt"].decode() == long_output
    assert {e.filename: e.content_type for e in run.evidence}["shot.png"] == "image/png"
    assert run.step_evidence[1][0].data == step_file
    assert [s["status"] for s in run.steps] == (
        ["PASS", "FAIL"] if fake.config.flavor == "server" else ["PASSED", "FAILED"]
    )
    assert run.steps[1]["actualResult"] == "500"
    assert run.comment is not None
    assert len(run.comment) <= 2000
    assert run.comment.startswith("line of output")
    start = dt.datetime.fromisoformat(run.start or "")
    finish = dt.datetime.fromisoformat(run.finish or "")
    assert finish - start == dt.timedelta(seconds=90)
    assert abs(finish - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=30)


async def test_custom_fields_defects_and_execution_fields(fake: FakeXray) -> None:
    result = RunResult("api.checkout", "FAILED", custom_fields={12: "chrome"})
    async with client_for(fake) as xray:
        report = await xray.upload_results(
            [result],
            project_key=PROJECT,
            summary="Nightly 42",
            version="1.4",
            revision="abc123",
            test_plan_key="CALC-100",
            environments=("linux", "chrome"),
            extras=lambda r: {"defects": ["CALC-77"]} if r.status.value == "FAILED" else None,
        )
    assert report.ok
    execution = fake.state.executions[report.test_execution_key or ""]
    assert execution.summary == "Nightly 42"
    assert (execution.version, execution.revision) == ("1.4", "abc123")
    assert execution.test_plan_key == "CALC-100"
    assert execution.environments == ["linux", "chrome"]
    (run,) = execution.runs.values()
    assert run.defects == ["CALC-77"]
    field_id = 12 if fake.config.flavor == "server" else "12"
    assert run.custom_fields == [{"id": field_id, "value": "chrome"}]


async def test_tests_are_matched_by_key_or_provisioned_once_by_definition(fake: FakeXray) -> None:
    async with client_for(fake) as xray:
        first = await xray.upload_results(
            [RunResult("pkg.Class.test_a"), RunResult("pkg.Class.test_b")],
            project_key=PROJECT,
            summary="one",
        )
        existing = next(k for k, t in fake.state.tests.items() if t.summary.endswith("test_b"))
        second = await xray.upload_results(
            [RunResult("pkg.Class.test_a", "FAILED"), RunResult("whatever", key=existing)],
            project_key=PROJECT,
            summary="two",
        )
    assert first.ok
    assert second.ok
    assert len(fake.state.tests) == 2  # re-run maps to the same Tests
    generic = fake.state.tests[existing]
    assert generic.definition in ("pkg.Class.test_a", "pkg.Class.test_b")
    assert generic.test_type == "Generic"
    assert second.test_keys["whatever::0" if False else existing] == existing
    assert len(fake.state.executions) == 2
    assert runs_per_test(fake) == {"pkg.Class.test_a": 2, "pkg.Class.test_b": 2}


async def test_ten_thousand_results_go_into_one_execution_in_bounded_imports(
    fake: FakeXray,
) -> None:
    n = 10_000
    rule = ChunkRule(max_tests=1000, max_bytes=1024 * 1024)
    results = (
        RunResult(
            f"pkg.mod.Class{i // 100}.test_{i}",
            "FAILED" if i % 13 == 0 else "PASSED",
            output="x" * 50 if i % 13 == 0 else None,
            duration=0.01,
        )
        for i in range(n)
    )
    async with client_for(fake) as xray:
        report = await xray.upload_results(results, project_key=PROJECT, summary="big", chunks=rule)

    assert report.ok
    assert report.uploaded == n
    assert len(fake.state.executions) == 1
    (execution,) = fake.state.executions.values()
    assert len(execution.runs) == n
    imports = fake.imports
    assert len(imports) == report.imports
    assert len(imports) <= rule.bound(n, sum(r.size for r in imports))
    assert len(imports) >= 10
    assert all(r.size <= rule.max_bytes for r in imports)
    assert [r.body["testExecutionKey"] for r in imports[1:]] == [execution.key] * (len(imports) - 1)
    assert imports[0].body["testExecutionKey"] is None  # only the first one creates


async def test_a_413_splits_the_chunk(start_fake: StartFake) -> None:
    fake = await start_fake(max_body=60_000)
    results = [
        RunResult(f"t.{i}", attachments=[Attachment("a.bin", os.urandom(10_000))])
        for i in range(12)
    ]
    results.append(RunResult("huge", attachments=[Attachment("b.bin", os.urandom(80_000))]))
    async with client_for(fake) as xray:
        report = await xray.upload_results(results, project_key=PROJECT, summary="split")

    statuses = [r.status for r in fake.imports]
    assert statuses[0] == 413
    assert 200 in statuses
    assert len(fake.state.executions) == 1
    assert len(fake.state.runs) == 12
    assert [f.result.name for f in report.failed] == ["huge"]
    assert "413" in report.failed[0].error
    assert report.uploaded == 12


async def test_dry_run_plans_without_sending(fake: FakeXray) -> None:
    async with client_for(fake) as xray:
        plan = await xray.plan_upload(
            [RunResult(f"t{i}") for i in range(2500)],
            project_key=PROJECT,
            chunks=ChunkRule(max_tests=1000),
        )
    assert fake.log == []
    assert (plan.results, plan.imports, plan.creates_execution) == (2500, 3, True)


def test_flavor_and_budget_come_from_the_url() -> None:
    cloud = XrayClient("https://eu.xray.cloud.getxray.app", client_id="a", client_secret="b")
    server = XrayClient("https://jira.example.com", token="t")
    assert (cloud.flavor, server.flavor) == ("cloud", "server")
    assert cloud.rate_limit.calls == 300
    assert cloud.rate_limit.period == 300
    assert (
        cloud.budget_key
        != XrayClient(
            "https://xray.cloud.getxray.app", client_id="other", client_secret="b"
        ).budget_key
    )
    assert server.budget_key == "xray:server:jira.example.com"


def test_from_env_reads_the_xray_variables(tmp_path: Path) -> None:
    env = {
        "XRAY_BASE_URL": "https://jira.example.com",
        "XRAY_USERNAME": "me",
        "XRAY_PASSWORD": "pw-secret",
        "XRAY_LIMITER": "local",
    }
    client = XrayClient.from_env(env)
    assert client.flavor == "server"
    assert isinstance(client.limiter, AccountLimiter)
    budget = tmp_path / "x.db"
    shared = XrayClient.from_env({**env, "XRAY_LIMITER": f"sqlite:///{budget}"})
    assert isinstance(shared.limiter, SharedLimiter)
    assert shared.limiter.description == f"sqlite://{budget}"
    assert shared.limiter.key == shared.budget_key == "xray:server:jira.example.com"
    redis = XrayClient.from_env({**env, "XRAY_LIMITER": "redis://u:pw-secret@127.0.0.1:6379/0"})
    assert isinstance(redis.limiter, SharedLimiter)
    assert "pw-secret" not in redis.limiter.description + repr(redis.limiter)
    default = XrayClient.from_env({k: v for k, v in env.items() if k != "XRAY_LIMITER"})
    assert isinstance(default.limiter, SharedLimiter)  # PractiTest's default: a cache file
    with pytest.raises(ConfigurationError, match="expected local, sqlite"):
        XrayClient.from_env({**env, "XRAY_LIMITER": "memcached://h"})
    cloud = XrayClient.from_env({"XRAY_CLIENT_ID": "id", "XRAY_CLIENT_SECRET": "s"})
    assert cloud.flavor == "cloud"
    with pytest.raises(ValueError, match="XRAY_BASE_URL"):
        XrayClient.from_env({})
    with pytest.raises(ValueError, match="client_id"):
        XrayClient.from_env({"XRAY_BASE_URL": "https://xray.cloud.getxray.app"})


async def test_base64_counts_toward_the_byte_bound(fake: FakeXray) -> None:
    rule = ChunkRule(max_tests=1000, max_bytes=100_000)
    results = [
        RunResult(f"t{i}", attachments=[Attachment("f", os.urandom(30_000))]) for i in range(6)
    ]
    async with client_for(fake) as xray:
        await xray.upload_results(results, project_key=PROJECT, summary="b64", chunks=rule)
    # 30,000 bytes are 40,000 in base64: two per import fit, three would not
    assert [r.size <= 100_000 for r in fake.imports] == [True] * 3
    assert len(fake.imports) == 3


async def test_a_test_key_xray_does_not_know_fails_with_the_reason(fake: FakeXray) -> None:
    results = [RunResult("known.one"), RunResult("ghost", key="CALC-999"), RunResult("known.two")]
    async with client_for(fake) as xray:
        report = await xray.upload_results(results, project_key=PROJECT, summary="ghost")
    failed = {f.result.name: f.error for f in report.failed}
    assert "CALC-999" in failed["ghost"]
    if fake.config.flavor == "server":  # per-test errors: the others land
        assert report.uploaded == 2
        assert len(fake.state.runs) == 2
    else:  # Cloud refuses the whole import (400)
        assert "400" in failed["ghost"]
        assert fake.state.runs == []


def test_a_timeout_is_never_unbounded() -> None:
    import aiohttp

    with pytest.raises(ValueError, match="bound"):
        XrayClient("https://jira.example.com", token="t", timeout=aiohttp.ClientTimeout())
    default = XrayClient("https://jira.example.com", token="t").transport.timeout
    assert default.total is not None
    assert default.sock_read is not None
    assert default.sock_read >= 120  # imports of big chunks take minutes


def test_a_base_url_that_names_the_api_is_taken_to_its_root() -> None:
    cloud = XrayClient("https://xray.cloud.getxray.app/api/v2/", client_id="a", client_secret="b")
    server = XrayClient("https://jira.example.com/jira/rest/raven/2.0", token="t")
    assert cloud.transport.base_url == "https://xray.cloud.getxray.app"
    assert server.transport.base_url == "https://jira.example.com/jira"
