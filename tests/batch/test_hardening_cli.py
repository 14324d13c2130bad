"""Issue 9, batch half, through the command in a subprocess against the emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import LIMIT, WINDOW, runs_per_test, seed_set

WORKER = Path(__file__).with_name("upload_worker.py")
CASES = "".join(f'<testcase classname="c" name="test {i:05d}" time="0.1"/>' for i in range(25))


def _env(fake: FakePractiTest) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTITEST_")}
    env.update(
        PRACTITEST_TOKEN=fake.token,
        PRACTITEST_BASE_URL=fake.url,
        PRACTITEST_RATE_LIMIT="30",
        PRACTITEST_RATE_PERIOD="1",
    )
    return env


async def _cli(fake: FakePractiTest, cwd: Path, *args: str | Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async",
        *map(str, args),
        env=_env(fake),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_the_command_keys_a_report_the_same_by_relative_or_absolute_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "reports").mkdir()
    report = tmp_path / "reports" / "junit.xml"
    report.write_text(f'<testsuite name="s">{CASES}</testsuite>')
    journal = tmp_path / "j.sqlite"
    flags = ["--project", "1", "--set", "Paths", "--journal", journal]
    flags += ["--name-template", "{name}"]
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as fake:
        seed_set(fake, "Paths", 25, with_instances=25)
        code, out = await _cli(fake, tmp_path, "upload", "reports/junit.xml", *flags)
        assert code == 0, out
        code, out = await _cli(fake, tmp_path / "reports", "upload", report.resolve(), *flags)
        assert code == 0, out

    assert "0 uploaded, 0 failed, 25 already uploaded" in out
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(25)}


async def test_the_command_refuses_a_journal_another_process_holds(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(f'<testsuite name="s">{CASES}</testsuite>')
    journal = tmp_path / "j.sqlite"
    slow = Faults(latency=(0.05, 0.1), seed=2)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=slow)) as fake:
        seed_set(fake, "Killed", 200, with_instances=200)
        holder = await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), fake.url, fake.token, str(journal), "200"
        )
        async with asyncio.timeout(30):
            while not fake.stats.requests("POST", "runs.json"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        code, out = await _cli(
            fake, tmp_path, "upload", report, "--project", "1", "--set", "Killed",
            "--journal", journal,
        )  # fmt: skip
        holder.send_signal(signal.SIGKILL)
        await holder.wait()

    assert code != 0
    assert f"in use by process {holder.pid}" in out
    assert "Traceback" not in out
