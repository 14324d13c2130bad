"""The command, end to end in a subprocess against the emulator: exit codes, output, JSON."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "junit"
CASES_IN_EXAMPLES = 22


@pytest.fixture
async def fake() -> AsyncIterator[FakePractiTest]:
    async with FakePractiTest(EmulatorConfig(limit=30, window=1.0)) as emulator:
        yield emulator


def _env(fake: FakePractiTest, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTITEST_")}
    env.update(
        PRACTITEST_TOKEN=fake.token,
        PRACTITEST_BASE_URL=fake.url,
        PRACTITEST_RATE_LIMIT="30",
        PRACTITEST_RATE_PERIOD="1",
    )
    env.update(extra)
    return env


async def _cli(env: dict[str, str], *args: str | Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async",
        *map(str, args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_upload_succeeds_with_exit_0_and_a_summary(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.json"

    code, out, err = await _cli(
        _env(fake), "upload", EXAMPLES, "--project", "1", "--set", "CI", "--summary-json", summary
    )

    assert code == 0, err
    assert "22 uploaded, 0 failed" in out
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 0
    assert data["ok"] is True
    assert data["uploaded"] == CASES_IN_EXAMPLES
    assert len(data["run_ids"]) == CASES_IN_EXAMPLES
    assert sorted(data["run_ids"].values()) == sorted(fake.state.runs)
    assert "\x1b" not in out  # not a terminal: plain lines only
    assert fake.token not in out + err


async def test_results_not_uploaded_exit_1_and_are_listed(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    summary = tmp_path / "s.json"
    code, out, _ = await _cli(
        _env(fake),
        "upload",
        EXAMPLES / "surefire",
        "--project=1",
        "--set=CI",
        "--no-create-missing",
        f"--summary-json={summary}",
    )

    assert code == 1
    assert "not uploaded: com.example.shop.OrderServiceTest.createsOrder: no test named" in out
    assert len(json.loads(summary.read_text())["failed"]) == 6
    assert not fake.state.runs


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (["upload", "x.xml", "--set", "CI"], {}, "missing --project"),
        (
            ["upload", "x.xml", "--project", "1", "--set", "CI"],
            {"PRACTITEST_TOKEN": ""},
            "no PractiTest token",
        ),
        (["upload", "x.xml", "--project", "one"], {}, "invalid int value"),
        (["upload", "x.xml", "--token", "secret"], {}, "unrecognized arguments: --token"),
        (
            ["projects", "--auth", "query", "--base-url", "http://example.com"],
            {},
            "refusing plain http://",
        ),
    ],
)
async def test_usage_and_configuration_errors_exit_2(
    fake: FakePractiTest, args: list[str], env_extra: dict[str, str], message: str
) -> None:
    code, _out, err = await _cli(_env(fake, **env_extra), *args)

    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not fake.log


async def test_a_wrong_token_exits_3(fake: FakePractiTest) -> None:
    env = _env(fake, PRACTITEST_TOKEN="not-a-token", PRACTITEST_AUTH="query")

    code, out, err = await _cli(env, "upload", EXAMPLES, "--project", "1", "--set", "CI")

    assert code == 3
    assert "401 Unauthorized" in out + err
    assert "not-a-token" not in out + err
    assert not fake.state.runs


async def test_a_bad_file_exits_4_and_the_others_still_upload(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text('<testsuite name="x">\n  <testcase name="a">\n</testsuite>\n')
    summary = tmp_path / "s.json"

    code, out, _ = await _cli(
        _env(fake),
        "upload",
        EXAMPLES,
        bad,
        "--project",
        "1",
        "--set",
        "CI",
        "--summary-json",
        summary,
    )

    assert code == 4
    assert f"input error: {bad}:3:" in out
    assert "mismatched tag" in out
    assert len(fake.state.runs) == CASES_IN_EXAMPLES
    assert json.loads(summary.read_text())["input_errors"][0].startswith(str(bad))


async def test_fail_fast_stops_at_the_bad_file_and_still_reports(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    bad = tmp_path / "z-broken.xml"  # read after the good files
    bad.write_text("<testsuite><testcase name='a'>")
    summary = tmp_path / "s.json"

    code, out, _ = await _cli(
        _env(fake),
        *("upload", EXAMPLES, bad, "--project", "1", "--set", "CI", "--fail-fast"),
        *("--summary-json", summary),
    )

    assert code == 4
    assert f"input error: {bad}" in out
    assert "22 uploaded, 0 failed" in out  # what was read before the bad file is not lost
    data = json.loads(summary.read_text())
    assert data["uploaded"] == CASES_IN_EXAMPLES == len(fake.state.runs)
    assert data["exit_code"] == 4


async def test_dry_run_with_a_wrong_token_exits_3(fake: FakePractiTest) -> None:
    env = _env(fake, PRACTITEST_TOKEN="wrong")

    code, out, err = await _cli(
        env, "upload", EXAMPLES, "--project", "1", "--set", "CI", "--dry-run"
    )

    assert code == 3
    assert "401" in out + err


async def test_a_set_named_in_digits_is_found_by_name(fake: FakePractiTest) -> None:
    dated = fake.add_set(1, "20240518")

    code, _, err = await _cli(_env(fake), "upload", EXAMPLES, "--project", "1", "--set", "20240518")

    assert code == 0, err
    assert {i.set_id for i in fake.state.instances.values()} == {dated.id}


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        '\n<testsuite><testcase name="&lol2;"/></testsuite>',
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '\n<testsuite><testcase name="&xxe;"/></testsuite>',
    ],
    ids=["entity-expansion", "external-entity"],
)
async def test_hostile_files_are_refused(
    fake: FakePractiTest, tmp_path: Path, document: str
) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(document)

    code, out, err = await _cli(_env(fake), "upload", hostile, "--project", "1", "--set", "CI")

    assert code == 4
    assert "refused: the file declares entities" in out + err
    assert "root:" not in out + err
    assert not fake.state.runs


async def test_dry_run_writes_nothing(fake: FakePractiTest, tmp_path: Path) -> None:
    summary = tmp_path / "plan.json"

    code, out, _ = await _cli(
        _env(fake),
        "upload",
        EXAMPLES,
        "--project",
        "1",
        "--set",
        "CI",
        "--dry-run",
        "--summary-json",
        summary,
    )

    assert code == 0
    assert "Dry run, nothing written" in out
    assert {r.method for r in fake.log} == {"GET"}
    plan = json.loads(summary.read_text())
    assert plan["results"] == CASES_IN_EXAMPLES
    assert plan["calls"]["create set"] == 1
    assert plan["calls"]["auto_create"] == CASES_IN_EXAMPLES


async def test_projects_lists_what_the_token_sees(fake: FakePractiTest) -> None:
    code, out, _ = await _cli(_env(fake), "projects")

    assert code == 0
    assert "1\tDemo project" in out


async def test_progress_is_a_live_bar_on_a_terminal(fake: FakePractiTest) -> None:
    primary, secondary = pty.openpty()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async",
        "upload",
        str(EXAMPLES),
        "--project",
        "1",
        "--set",
        "TTY",
        env={**_env(fake), "COLUMNS": "120", "TERM": "xterm"},
        stdout=secondary,
        stderr=subprocess.PIPE,
    )
    os.close(secondary)
    chunks: list[bytes] = []
    loop = asyncio.get_running_loop()
    while True:
        try:
            chunk = await loop.run_in_executor(None, os.read, primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    await proc.wait()
    os.close(primary)
    screen = b"".join(chunks).decode(errors="replace")

    assert proc.returncode == 0
    assert "\x1b[" in screen  # a live display redraws itself
    assert "22/22" in screen
    assert "calls" in screen


async def test_demo_runs_the_main_job_on_the_emulator() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTITEST_")}

    code, out, err = await _cli(env, "demo", "--window", "1")

    assert code == 0, err
    assert "22 uploaded, 0 failed" in out
    assert "0 refused with 429" in out
