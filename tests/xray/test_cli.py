"""``practitest-async xray upload``, end to end in a subprocess against the fake Xray."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from practitest_async.testing.xray import FakeXray

from .conftest import PROJECT, StartFake

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "junit"
CASES_IN_EXAMPLES = 22


def _env(fake: FakeXray, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XRAY_")}
    env["XRAY_BASE_URL"] = fake.url
    env["XRAY_FLAVOR"] = fake.config.flavor
    env.update({f"XRAY_{k.upper()}": v for k, v in fake.credentials().items()})
    env.update(extra)
    return env


async def _cli(env: dict[str, str], *args: str | Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async",
        "xray",
        "upload",
        *map(str, args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_upload_exits_0_with_progress_and_a_summary(fake: FakeXray, tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    code, out, err = await _cli(
        _env(fake), EXAMPLES, "--project", PROJECT, "--summary", "CI 7", "--summary-json", summary
    )
    assert code == 0, out + err
    data = json.loads(summary.read_text())
    (execution,) = fake.state.executions.values()
    assert data["test_execution_key"] == execution.key
    assert data["uploaded"] == CASES_IN_EXAMPLES
    assert data["ok"] is True
    assert data["exit_code"] == 0
    assert data["api_calls"] == len(fake.log)
    assert execution.summary == "CI 7"
    assert len(execution.runs) == CASES_IN_EXAMPLES
    assert "Xray: 22 uploaded, 0 failed into " + execution.key in out


async def test_rerun_with_a_journal_and_an_execution_key(fake: FakeXray, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    env = _env(fake)
    code, _, err = await _cli(env, EXAMPLES, "--project", PROJECT, "--journal", journal)
    assert code == 0, err
    code, out, err = await _cli(env, EXAMPLES, "--project", PROJECT, "--journal", journal)
    assert code == 0, err
    assert "0 uploaded, 0 failed, 22 already uploaded" in out
    (execution,) = fake.state.executions.values()
    code, out, err = await _cli(env, EXAMPLES, "--project", PROJECT, "--execution", execution.key)
    assert code == 0, err
    assert len(fake.state.executions) == 1
    assert {r.imports for r in execution.runs.values()} == {2}


async def test_dry_run_prints_the_plan_and_sends_nothing(fake: FakeXray, tmp_path: Path) -> None:
    summary = tmp_path / "plan.json"
    code, out, err = await _cli(
        _env(fake), EXAMPLES, "--project", PROJECT, "--dry-run", "--summary-json", summary
    )
    assert code == 0, err
    assert fake.log == []
    assert "Dry run, nothing sent: 22 results" in out
    plan = json.loads(summary.read_text())
    assert (plan["imports"], plan["creates_execution"]) == (1, True)


async def test_exit_codes(start_fake: StartFake, tmp_path: Path) -> None:
    fake = await start_fake()
    env = _env(fake)
    fake.fail_next = [400]
    code, out, _ = await _cli(env, EXAMPLES, "--project", PROJECT)
    assert code == 1
    assert "not uploaded" in out
    code, _, err = await _cli(env, EXAMPLES)  # --project missing
    assert code == 2
    assert "--project" in err
    no_url = {k: v for k, v in env.items() if k != "XRAY_BASE_URL"}
    code, _, err = await _cli({**no_url, "XRAY_CLIENT_ID": ""}, EXAMPLES, "--project", PROJECT)
    assert code == 2
    assert "XRAY_BASE_URL" in err
    wrong = {"XRAY_CLIENT_SECRET": "nope", "XRAY_TOKEN": "nope"}
    code, out, err = await _cli({**env, **wrong}, EXAMPLES, "--project", PROJECT)
    assert code == 3, out + err
    assert "nope" not in out + err
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuite><testcase name='x'>")
    code, out, err = await _cli(env, EXAMPLES, bad, "--project", PROJECT)
    assert code == 4, out + err
    assert "bad.xml" in out + err


async def test_xray_status_overrides_the_table(start_fake: StartFake, tmp_path: Path) -> None:
    fake = await start_fake(custom_statuses=("SKIPPED",))
    report = tmp_path / "r.xml"
    report.write_text(
        "<testsuite><testcase classname='a' name='b'><skipped/></testcase></testsuite>"
    )
    env = _env(fake)
    code, out, err = await _cli(
        env, report, "--project", PROJECT, "--xray-status", "NO RUN=SKIPPED"
    )
    assert code == 0, out + err
    assert [r.status for r in fake.state.runs] == ["SKIPPED"]
    code, _, err = await _cli(env, report, "--project", PROJECT, "--xray-status", "MAYBE=X")
    assert code == 2
    assert "MAYBE" in err


async def test_limiter_flag_and_variable_choose_the_shared_budget(
    fake: FakeXray, tmp_path: Path
) -> None:
    budget = tmp_path / "budget.db"
    code, out, err = await _cli(
        _env(fake), EXAMPLES, "--project", PROJECT, "--limiter", f"sqlite:///{budget}"
    )
    assert code == 0, out + err
    assert budget.exists()  # the budget was kept there
    env = _env(fake, XRAY_LIMITER="redis://:hunter2@127.0.0.1:1/0")
    code, out, err = await _cli(env, EXAMPLES, "--project", PROJECT)
    assert code == 2, out + err
    assert "cannot reach the shared limiter at redis://127.0.0.1:1/0" in err
    assert "hunter2" not in out + err
    assert "Traceback" not in err


async def test_summary_json_is_checked_before_sending_and_its_folder_made(
    start_fake: StartFake, tmp_path: Path
) -> None:
    fake = await start_fake()
    code, out, err = await _cli(
        _env(fake), EXAMPLES, "--project", PROJECT, "--summary-json", tmp_path
    )
    assert code == 2, out + err
    assert "is a directory" in err
    assert fake.log == []  # refused before anything was sent
    deep = tmp_path / "ci" / "out" / "summary.json"
    code, out, err = await _cli(_env(fake), EXAMPLES, "--project", PROJECT, "--summary-json", deep)
    assert code == 0, out + err
    assert json.loads(deep.read_text())["uploaded"] == CASES_IN_EXAMPLES


# --- the summary JSON is written however the command ends, as with ``upload`` -------------------


async def test_an_error_before_anything_is_sent_still_writes_the_summary(
    fake: FakeXray, tmp_path: Path
) -> None:
    summary = tmp_path / "s.json"
    code, _, err = await _cli(
        _env(fake), tmp_path / "*.xml", "--project", PROJECT, "--summary-json", summary
    )
    assert code == 4
    assert "no report files matched" in err
    data = json.loads(summary.read_text())
    assert (data["exit_code"], data["ok"], data["target"]) == (4, False, "xray")
    assert "no report files matched" in str(data["error"])

    no_url = {k: v for k, v in _env(fake).items() if k != "XRAY_BASE_URL"}
    no_url["XRAY_CLIENT_ID"] = ""  # not Cloud either
    code, _, err = await _cli(no_url, EXAMPLES, "--project", PROJECT, "--summary-json", summary)
    assert code == 2
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 2
    assert "XRAY_BASE_URL" in str(data["error"])
    assert not fake.state.executions


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
async def test_a_signal_stops_the_upload_and_the_summary_says_so(
    start_fake: StartFake, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    fake = await start_fake(import_delay=30.0)  # the first import hangs until the signal
    summary = tmp_path / "s.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async",
        *map(str, ("xray", "upload", EXAMPLES, "--project", PROJECT, "--limiter", "local")),
        *map(str, ("--summary-json", summary)),
        env=_env(fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for _ in range(300):  # until an import is under way
        if any("import" in r.path for r in fake.log):
            break
        await asyncio.sleep(0.05)
    assert any("import" in r.path for r in fake.log)
    proc.send_signal(sig)
    _, err = await asyncio.wait_for(proc.communicate(), 60)

    assert proc.returncode == code, err.decode()
    assert "Traceback" not in err.decode()
    data = json.loads(summary.read_text())
    assert data["interrupted"] == sig.name
    assert (data["exit_code"], data["ok"], data["target"]) == (code, False, "xray")
    assert data["uploaded"] == 0
